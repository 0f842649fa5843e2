// The Kotlin harness of the cross-language scenarios: replays every tests/scenarios/*.json
// through the Kotlin API of kamkor-ffi, exactly as tests/scenarios/README.md says (setup,
// variables, saves, matchers, known-bug steps). Arguments in JSON become the core's records
// with the `*FromJson` codecs, cross the typed Kotlin API, and the results come back to JSON
// with the `*ToJson` codecs (the serde form the scenarios are written in).
package kamkor.test

import java.io.File
import java.time.Instant
import uniffi.kamkor_core.KamkorException
import uniffi.kamkor_core.Session
import uniffi.kamkor_ffi.*

const val PASSWORD = "correct horse battery"
val MASTER_KEY = ByteArray(32) { 7 }
const val SEED = 42UL

/** The test clock the host injects: the core reads it through the HostClock callback. */
class TestClock(startMillis: Long) : HostClock {
    @Volatile var millis: Long = startMillis
    override fun nowMillis(): Long = millis
}

fun instantMillis(text: String): Long = Instant.parse(text).toEpochMilli()

/** A registry under replay and what the steps have built up. */
class Ctx(val reg: KamkorRegistry, val clock: TestClock) {
    val sessions = LinkedHashMap<String, Session>()
    val vars = LinkedHashMap<String, Any?>()
    var lastSession: Session? = null
}

/** An op's named arguments; reading one marks it used, so unknown ones can be refused. */
class Args(val op: String, val map: Map<String, Any?>) {
    val used = LinkedHashSet<String>()

    fun raw(name: String): Any? { used.add(name); return map[name] }

    /** The argument as the JSON text of a record, converted by a `*FromJson` codec. */
    fun <T> rec(name: String, codec: (String) -> T): T {
        val v = raw(name)
        return try { codec(Json.write(v)) } catch (e: KamkorException) {
            throw ScenarioError("$op: argument `$name` does not fit the parameter: ${e.reason()} ${e.args()} (given ${Json.short(v, 300)})")
        }
    }
    fun <T> recOrNull(name: String, codec: (String) -> T): T? = if (raw(name) == null) null else rec(name, codec)
    fun <T> recList(name: String, codec: (String) -> T): List<T> {
        val v = raw(name) as? List<*> ?: throw ScenarioError("$op: argument `$name` must be an array")
        return v.map { x ->
            try { codec(Json.write(x)) } catch (e: KamkorException) {
                throw ScenarioError("$op: argument `$name` does not fit: ${e.reason()} ${e.args()} (given ${Json.short(x, 300)})")
            }
        }
    }
    fun json(name: String): String = Json.write(raw(name))
    fun str(name: String): String = raw(name) as? String ?: throw ScenarioError("$op: argument `$name` must be a string")
    fun strOrNull(name: String): String? = raw(name)?.let { it as? String ?: throw ScenarioError("$op: argument `$name` must be a string or null") }
    fun strList(name: String): List<String> = (raw(name) as? List<*>)?.map { it as? String ?: throw ScenarioError("$op: `$name` must hold strings") }
        ?: throw ScenarioError("$op: argument `$name` must be an array of strings")
    fun longOrNull(name: String): Long? = raw(name)?.let { it as? Long ?: throw ScenarioError("$op: argument `$name` must be an integer") }
    fun long(name: String): Long = longOrNull(name) ?: throw ScenarioError("$op: argument `$name` is required")
    fun uLong(name: String): ULong = long(name).also { if (it < 0) throw ScenarioError("$op: `$name` must not be negative") }.toULong()
    fun uLongOrNull(name: String): ULong? = longOrNull(name)?.also { if (it < 0) throw ScenarioError("$op: `$name` must not be negative") }?.toULong()

    fun finish() {
        val extra = map.keys.filter { it !in used }
        if (extra.isNotEmpty()) throw ScenarioError("$op: unknown arguments $extra (takes $used)")
    }
}

/** One entry of the op table: whether it takes a session, and the call. Its result is JSON text. */
class Op(val session: Boolean, val call: (Ctx, Session?, Args) -> String)

private fun list(items: List<String>) = items.joinToString(",", "[", "]")
private fun <T> listOf(items: List<T>, f: (T) -> String) = list(items.map(f))

/**
 * The op table (tests/scenarios/README.md, "Operations"): adding an op is one entry here.
 * Ops with `session = false` take no `as`.
 */
val OPS: Map<String, Op> = mapOf(
    // ---- harness: the injected clock
    "clock.advance" to Op(false) { c, _, a ->
        val by = (a.longOrNull("days") ?: 0) * 86_400_000L + (a.longOrNull("hours") ?: 0) * 3_600_000L +
            (a.longOrNull("minutes") ?: 0) * 60_000L
        a.finish(); c.clock.millis += by; "null"
    },
    "clock.set" to Op(false) { c, _, a -> val at = a.str("at"); a.finish(); c.clock.millis = instantMillis(at); "null" },
    // ---- sessions and users
    "login" to Op(false) { c, _, a ->
        val (l, p) = a.str("login") to a.str("password"); a.finish(); c.lastSession = c.reg.login(l, p); "null"
    },
    "login_external" to Op(false) { c, _, a ->
        val p = a.rec("principal", ::externalPrincipalFromJson); a.finish(); c.lastSession = c.reg.loginExternal(p); "null"
    },
    "logout" to Op(true) { c, s, a -> a.finish(); c.reg.logout(s!!); "null" },
    "whoami" to Op(true) { c, s, a -> a.finish(); userInfoToJson(c.reg.whoami(s!!)) },
    "add_user" to Op(true) { c, s, a -> val u = a.rec("user", ::newUserFromJson); a.finish(); userInfoToJson(c.reg.addUser(s!!, u)) },
    "list_users" to Op(true) { c, s, a -> a.finish(); listOf(c.reg.listUsers(s!!), ::userInfoToJson) },
    "revoke_user" to Op(true) { c, s, a ->
        val (u, r) = a.str("user_id") to a.str("reason"); a.finish(); userInfoToJson(c.reg.revokeUser(s!!, u, r))
    },
    "record_undertaking" to Op(true) { c, s, a ->
        val u = a.str("user_id"); val x = a.rec("undertaking", ::undertakingFromJson); a.finish()
        userInfoToJson(c.reg.recordUndertaking(s!!, u, x))
    },
    "user_id_by_login" to Op(true) { c, s, a ->
        val l = a.str("login"); a.finish(); Json.write(c.reg.userIdByLogin(s!!, l))
    },
    // ---- children
    "register_child" to Op(true) { c, s, a ->
        val ch = a.rec("child", ::newChildFromJson); a.finish(); registeredToJson(c.reg.registerChild(s!!, ch))
    },
    "register_children" to Op(true) { c, s, a ->
        val chs = a.recList("children", ::newChildFromJson); a.finish(); listOf(c.reg.registerChildren(s!!, chs), ::registeredToJson)
    },
    "get_child" to Op(true) { c, s, a -> val id = a.str("id"); a.finish(); childViewToJson(c.reg.getChild(s!!, id)) },
    "find_by_pin" to Op(true) { c, s, a ->
        val pin = a.str("pin"); a.finish(); c.reg.findByPin(s!!, pin)?.let(::childViewToJson) ?: "null"
    },
    "search" to Op(true) { c, s, a ->
        val q = a.rec("query", ::searchQueryFromJson); a.finish(); listOf(c.reg.search(s!!, q), ::matchToJson)
    },
    "check_duplicates" to Op(true) { c, s, a ->
        val ch = a.rec("child", ::childFromJson); a.finish(); listOf(c.reg.checkDuplicates(s!!, ch), ::duplicateCandidateToJson)
    },
    "update_child" to Op(true) { c, s, a ->
        val id = a.str("id"); val ch = a.json("changes"); val p = a.rec("provenance", ::provenanceFromJson)
        val note = a.strOrNull("note"); val bv = a.uLongOrNull("base_version"); a.finish()
        childViewToJson(c.reg.updateChild(s!!, id, ch, p, note, bv))
    },
    "history" to Op(true) { c, s, a -> val id = a.str("id"); a.finish(); c.reg.historyJson(s!!, id) },
    "list_children" to Op(true) { c, s, a ->
        val under = a.strOrNull("under"); val off = a.uLong("offset"); val lim = a.uLong("limit"); a.finish()
        childListToJson(c.reg.listChildren(s!!, under, off, lim))
    },
    // ---- families
    "register_family" to Op(true) { c, s, a ->
        val f = a.rec("family", ::familyFromJson); val p = a.rec("provenance", ::provenanceFromJson); a.finish()
        Json.write(c.reg.registerFamily(s!!, f, p))
    },
    "get_family" to Op(true) { c, s, a -> val id = a.str("id"); a.finish(); familyViewToJson(c.reg.getFamily(s!!, id)) },
    "update_family" to Op(true) { c, s, a ->
        val id = a.str("id"); val ch = a.json("changes"); val p = a.rec("provenance", ::provenanceFromJson)
        val note = a.strOrNull("note"); val bv = a.uLongOrNull("base_version"); a.finish()
        familyViewToJson(c.reg.updateFamily(s!!, id, ch, p, note, bv))
    },
    "link_child" to Op(true) { c, s, a ->
        val ch = a.str("child"); val f = a.strOrNull("family"); val p = a.rec("provenance", ::provenanceFromJson); a.finish()
        c.reg.linkChild(s!!, ch, f, p); "null"
    },
    // ---- cases (the API gives CaseView as JSON)
    "open_case" to Op(true) { c, s, a -> val r = a.rec("request", ::openCaseFromJson); a.finish(); c.reg.openCase(s!!, r) },
    "get_case" to Op(true) { c, s, a -> val id = a.str("id"); a.finish(); c.reg.getCase(s!!, id) },
    "child_cases" to Op(true) { c, s, a -> val ch = a.str("child"); a.finish(); c.reg.childCases(s!!, ch) },
    "transition" to Op(true) { c, s, a ->
        val id = a.str("id"); val r = a.rec("request", ::transitionRequestFromJson); a.finish(); c.reg.transition(s!!, id, r)
    },
    "save_assessment" to Op(true) { c, s, a ->
        val id = a.str("id"); val x = a.rec("assessment", ::assessmentFromJson); a.finish(); c.reg.saveAssessment(s!!, id, x)
    },
    "submit_assessment" to Op(true) { c, s, a -> val id = a.str("id"); a.finish(); c.reg.submitAssessment(s!!, id) },
    "record_visit" to Op(true) { c, s, a ->
        val id = a.str("id"); val v = a.rec("visit", ::visitFromJson); a.finish(); c.reg.recordVisit(s!!, id, v)
    },
    "programme_decision" to Op(true) { c, s, a ->
        val id = a.str("id"); val d = a.rec("decision", ::decisionFromJson); a.finish(); c.reg.programmeDecision(s!!, id, d)
    },
    "programme_contribution" to Op(true) { c, s, a ->
        val id = a.str("id"); val x = a.rec("contribution", ::contributionFromJson); a.finish(); c.reg.programmeContribution(s!!, id, x)
    },
    "case_history" to Op(true) { c, s, a -> val id = a.str("id"); a.finish(); c.reg.caseHistoryJson(s!!, id) },
    // ---- plans
    "propose_plan" to Op(true) { c, s, a -> val id = a.str("id"); a.finish(); c.reg.proposePlan(s!!, id) },
    "accept_plan" to Op(true) { c, s, a ->
        val id = a.str("id"); val acc = a.strList("accepted"); a.finish(); c.reg.acceptPlan(s!!, id, acc)
    },
    "add_measure" to Op(true) { c, s, a ->
        val id = a.str("id"); val m = a.rec("measure", ::manualMeasureFromJson); a.finish(); c.reg.addMeasure(s!!, id, m)
    },
    "change_measure" to Op(true) { c, s, a ->
        val id = a.str("id"); val m = a.str("measure"); val ch = a.rec("change", ::measureChangeFromJson); a.finish()
        c.reg.changeMeasure(s!!, id, m, ch)
    },
    "drop_measure" to Op(true) { c, s, a ->
        val id = a.str("id"); val m = a.str("measure"); val r = a.str("reason"); a.finish(); c.reg.dropMeasure(s!!, id, m, r)
    },
    "update_measure" to Op(true) { c, s, a ->
        val id = a.str("id"); val m = a.str("measure"); val u = a.rec("update", ::measureUpdateFromJson); a.finish()
        c.reg.updateMeasure(s!!, id, m, u)
    },
    // ---- deadlines
    "due" to Op(true) { c, s, a ->
        val q = a.recOrNull("query", ::dueQueryFromJson) ?: dueQueryFromJson("{}"); a.finish()
        listOf(c.reg.due(s!!, q), ::dueItemToJson)
    },
    // ---- administration and audit
    "load_classifier" to Op(true) { c, s, a ->
        val csv = a.str("csv"); val eff = a.str("effective"); a.finish(); loadSummaryToJson(c.reg.loadClassifier(s!!, csv, eff))
    },
    "verify_audit_chain" to Op(false) { c, _, a -> a.finish(); auditReportToJson(c.reg.verifyAuditChain()) },
    "verify_audit" to Op(true) { c, s, a -> a.finish(); auditReportToJson(c.reg.verifyAudit(s!!)) },
    "audit_entries" to Op(true) { c, s, a ->
        val from = a.uLong("from"); val lim = a.uLong("limit"); a.finish(); listOf(c.reg.auditEntries(s!!, from, lim), ::auditEntryToJson)
    },
    "denied_attempts" to Op(true) { c, s, a ->
        val since = a.strOrNull("since"); a.finish(); listOf(c.reg.deniedAttempts(s!!, since), ::auditEntryToJson)
    },
    "backup" to Op(true) { c, s, a ->
        a.finish()
        val f = File.createTempFile("kamkor-backup", ".bin")
        try { backupSummaryToJson(c.reg.backupToFile(s!!, f.path)) } finally { f.delete() }
    },
)

/** Lowers the Argon2 cost of a profile (README "Setting up a registry", step 1). */
fun cheapArgon2(profile: String): String = profile.split("\n").joinToString("\n") { l ->
    val t = l.trimStart()
    when {
        t.startsWith("argon2_memory_kib") && t.contains('=') -> "argon2_memory_kib = 64"
        t.startsWith("argon2_iterations") && t.contains('=') -> "argon2_iterations = 1"
        else -> l
    }
}

fun newUserJson(fields: Map<String, Any?>): String {
    val u = linkedMapOf<String, Any?>(
        "surname" to "Асанова", "given_name" to "Гүлзат", "position" to "Специалист", "agency" to "Агентство",
        "address" to "Бишкек", "valid_from" to "2000-01-01", "valid_until" to "2099-12-31", "password" to PASSWORD,
    )
    u.putAll(fields)
    return Json.write(u)
}

class FileReport(val file: String) {
    var steps = 0
    val failures = ArrayList<String>()
    val knownBugs = ArrayList<String>()
}

private fun obj(v: Any?, what: String): Map<String, Any?> {
    @Suppress("UNCHECKED_CAST")
    return v as? Map<String, Any?> ?: throw ScenarioError("$what must be an object")
}

fun setup(sc: Map<String, Any?>, path: File): Ctx {
    val profile = sc["profile"] as? String ?: throw ScenarioError("`profile` is required")
    val text = builtinProfile(profile) ?: File(path.parentFile, profile).readText()
    val clock = TestClock(instantMillis(sc["clock"] as? String ?: throw ScenarioError("`clock` is required")))
    val adminFields = linkedMapOf<String, Any?>("login" to "admin", "role" to "administrator",
        "territory" to "41700000000000", "agency_inn" to "00000000000001")
    sc["admin"]?.let { adminFields.putAll(obj(it, "`admin`")) }
    val admin = newUserFromJson(newUserJson(adminFields))
    val reg = createRegistry(null, cheapArgon2(text), MASTER_KEY, clock, admin, SEED)
    val ctx = Ctx(reg, clock)
    ctx.vars["password"] = PASSWORD
    val adminSession = reg.login("admin", PASSWORD)
    ctx.vars["user.admin"] = reg.whoami(adminSession).id
    val logins = ArrayList<String>()
    for (u in (sc["users"] as? List<*> ?: emptyList<Any?>())) {
        val fields = obj(u, "a user")
        val nu = newUserFromJson(newUserJson(fields))
        val info = reg.addUser(adminSession, nu)
        ctx.vars["user.${nu.login}"] = info.id
        logins.add(nu.login)
    }
    ctx.sessions["admin"] = adminSession
    for (l in logins) ctx.sessions[l] = reg.login(l, PASSWORD)
    return ctx
}

private val STEP_KEYS = setOf("comment", "as", "op", "args", "session", "expect", "bug")
private val EXPECT_KEYS = setOf("ok", "error", "match", "save")
private val FILE_KEYS = setOf("name", "description", "profile", "clock", "admin", "users", "steps")

class Mismatch(val args: Any?, val doc: Any?, val problems: List<String>) : Exception()

/** Runs one step; returns the result document when every expectation holds. */
fun runStep(ctx: Ctx, step: Map<String, Any?>): Any? {
    (step.keys - STEP_KEYS).firstOrNull()?.let { throw ScenarioError("unknown step field `$it`") }
    val opName = step["op"] as? String ?: throw ScenarioError("`op` is required")
    val args = Matcher.substitute(step["args"] ?: LinkedHashMap<String, Any?>(), ctx.vars)
    val argMap = obj(args, "args")
    val op = OPS[opName] ?: throw ScenarioError("unknown op `$opName` (see tests/scenarios/README.md)")
    val actor = step["as"] as String?
    val session: Session? = when {
        !op.session && actor != null -> throw ScenarioError("`$opName` takes no `as` (got $actor)")
        !op.session -> null
        actor == null -> throw ScenarioError("`$opName` needs `as`")
        else -> ctx.sessions[actor] ?: throw ScenarioError("no session named \"$actor\": sign in first")
    }
    val sessionName = step["session"] as String?
    if (sessionName != null && opName != "login" && opName != "login_external")
        throw ScenarioError("`session` is only for login and login_external")
    if (sessionName == null && opName == "login_external")
        throw ScenarioError("login_external needs `session` (the name to keep it under)")
    val expect = obj(step["expect"] ?: LinkedHashMap<String, Any?>(), "expect")
    (expect.keys - EXPECT_KEYS).firstOrNull()?.let { throw ScenarioError("unknown expect field `$it`") }
    ctx.lastSession = null
    val a = Args(opName, argMap)
    var ok: Boolean
    val doc: Any? = try {
        val text = op.call(ctx, session, a)
        ok = true
        Json.parse(text)
    } catch (e: KamkorException) {
        ok = false
        Json.parse(e.toJson())
    }
    ctx.lastSession?.let { s ->
        val name = sessionName ?: (argMap["login"] as? String) ?: throw ScenarioError("a new session needs a name (`session`)")
        ctx.sessions[name] = s
        ctx.lastSession = null
    }
    val problems = ArrayList<String>()
    val okWanted = expect["ok"] as Boolean?
    val error = expect["error"]?.let { obj(it, "expect.error") }
    if (okWanted == true && error != null) throw ScenarioError("expect has both ok: true and error")
    val wantOk = okWanted ?: (error == null)
    if (wantOk && !ok) problems.add("expected success, got an error")
    if (!wantOk && ok) problems.add("expected an error, got success")
    if (error != null && !ok) {
        for ((k, v) in error) {
            if (k !in setOf("code", "reason", "field")) throw ScenarioError("expect.error takes code, reason, field (got $k)")
            Matcher.check(doc, "/$k", Matcher.substitute(v, ctx.vars))?.let { problems.add("error $it") }
        }
    }
    if (problems.isEmpty()) {
        for ((name, pointer) in obj(expect["save"] ?: LinkedHashMap<String, Any?>(), "expect.save")) {
            val p = pointer as? String ?: throw ScenarioError("save.$name must be a JSON Pointer string")
            val v = Matcher.pointer(doc, p)
            if (v === Matcher.Absent) problems.add("save $name: nothing at $p") else ctx.vars[name] = v
        }
        for ((pointer, expected) in obj(expect["match"] ?: LinkedHashMap<String, Any?>(), "expect.match")) {
            Matcher.check(doc, pointer, Matcher.substitute(expected, ctx.vars))?.let { problems.add(it) }
        }
    }
    if (problems.isNotEmpty()) throw Mismatch(args, doc, problems)
    return doc
}

fun runFile(path: File, trace: Boolean): FileReport {
    val report = FileReport(path.name)
    val sc = try { obj(Json.parse(path.readText()), "a scenario") } catch (e: Exception) {
        report.failures.add("${path.name}: not a scenario: ${e.message}"); return report
    }
    (sc.keys - FILE_KEYS).firstOrNull()?.let { report.failures.add("${path.name}: unknown field `$it`"); return report }
    if ("${sc["name"]}.json" != path.name) report.failures.add("${path.name}: `name` is ${sc["name"]}; it must be the file name without .json")
    val ctx = try { setup(sc, path) } catch (e: Exception) {
        report.failures.add("${path.name}: setup failed: ${e.message ?: e}"); return report
    }
    val steps = sc["steps"] as? List<*> ?: run { report.failures.add("${path.name}: `steps` must be an array"); return report }
    for ((i, raw) in steps.withIndex()) {
        report.steps++
        val step = try { obj(raw, "a step") } catch (e: ScenarioError) { report.failures.add("${path.name} step $i: ${e.message}"); break }
        val at = "${path.name} step $i `${step["op"]}`" + ((step["as"] as? String)?.let { " as $it" } ?: "")
        val bug = step["bug"] as String?
        try {
            val doc = runStep(ctx, step)
            if (trace) System.err.println("[trace] $at: ${Json.short(doc, 4000)}")
            if (bug != null) report.failures.add("$at: marked as a known core bug ($bug) but now behaves as expected: remove the `bug` marker")
        } catch (m: Mismatch) {
            if (bug != null) {
                report.knownBugs.add("$at: $bug\n    " + m.problems.joinToString("\n    ") { it.take(300) })
                continue
            }
            val comment = (step["comment"] as? String)?.let { " ($it)" } ?: ""
            report.failures.add("$at$comment\n    args:     ${Json.short(m.args, 1500)}\n    got:      ${Json.short(m.doc, 3000)}\n    " +
                m.problems.joinToString("\n    "))
            break
        } catch (e: ScenarioError) {
            report.failures.add("$at: scenario error: ${e.message}")
            break
        }
    }
    ctx.reg.close()
    return report
}

fun scenarioFiles(dir: File): List<File> =
    (dir.listFiles { f -> f.isFile && f.name.endsWith(".json") } ?: emptyArray()).sortedBy { it.name }
