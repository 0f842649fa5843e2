// Entry point of the Kotlin suite: API checks, then every scenario file. Prints one line per
// check and file and a closing "N passed, N failed" line; exits non-zero on any failure.
package kamkor.test

import java.io.File
import kotlin.system.exitProcess

fun main(args: Array<String>) {
    val dir = File(args.firstOrNull() ?: "tests/scenarios")
    val filter = System.getenv("SCENARIO_FILTER")
    val trace = System.getenv("SCENARIO_TRACE").let { it != null && it != "" && it != "0" }
    val bugsFail = System.getenv("SCENARIO_BUGS_FAIL").let { it != null && it != "" && it != "0" }
    val t0 = System.nanoTime()
    val (apiPassed, apiFailed) = runApiChecks()
    val files = scenarioFiles(dir).filter { filter == null || it.path.contains(filter) }
    if (files.isEmpty()) {
        println("no scenarios in $dir")
        exitProcess(1)
    }
    var filesPassed = 0
    var steps = 0
    var knownBugs = 0
    val failures = ArrayList<String>(apiFailed)
    for (f in files) {
        val r = runFile(f, trace)
        steps += r.steps
        knownBugs += r.knownBugs.size
        val status = if (r.failures.isEmpty()) "ok" else "FAILED"
        println(String.format("scenario %-40s %4d steps  %s", r.file, r.steps, status))
        r.knownBugs.forEach { println("  known core bug (step expected to fail until fixed): $it") }
        if (r.failures.isEmpty()) filesPassed++
        failures.addAll(r.failures)
        if (bugsFail) failures.addAll(r.knownBugs.map { "known core bug: $it" })
    }
    val secs = (System.nanoTime() - t0) / 1e9
    failures.forEach { println("\nFAILURE: $it") }
    println(String.format("\nkotlin: %d API checks, %d scenario files, %d steps, %d known core bugs, %.1f s",
        API_CHECKS.size, files.size, steps, knownBugs, secs))
    val passed = apiPassed + filesPassed
    val failed = apiFailed.size + (files.size - filesPassed) + (if (bugsFail) knownBugs else 0)
    println("$passed passed, $failed failed")
    exitProcess(if (failures.isEmpty()) 0 else 1)
}
