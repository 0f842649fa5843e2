// The matcher of `expect.match`, variable substitution and JSON Pointer look-ups, exactly as
// tests/scenarios/README.md ("Variables", "Matching") and the Rust harness's matcher.rs.
package kamkor.test

class ScenarioError(msg: String) : Exception(msg)

object Matcher {
    /** The value at a JSON Pointer (RFC 6901), or [Absent]. */
    object Absent

    fun pointer(doc: Any?, at: String): Any? {
        if (at.isEmpty()) return doc
        if (!at.startsWith("/")) return Absent
        var cur: Any? = doc
        for (raw in at.substring(1).split("/")) {
            val key = raw.replace("~1", "/").replace("~0", "~")
            cur = when (cur) {
                is Map<*, *> -> if (cur.containsKey(key)) cur[key] else return Absent
                is List<*> -> {
                    if (key.isEmpty() || (key.length > 1 && key.startsWith("0")) || !key.all { it.isDigit() }) return Absent
                    val n = key.toIntOrNull() ?: return Absent
                    if (n < cur.size) cur[n] else return Absent
                }
                else -> return Absent
            }
        }
        return cur
    }

    fun substitute(v: Any?, vars: Map<String, Any?>): Any? = when (v) {
        is String -> when {
            v.startsWith("$$") -> v.substring(1)
            v.startsWith("$") -> {
                val name = v.substring(1)
                if (!vars.containsKey(name)) throw ScenarioError("unknown variable $v (saved so far: ${vars.keys.sorted()})")
                vars[name]
            }
            else -> v
        }
        is List<*> -> v.map { substitute(it, vars) }
        is Map<*, *> -> LinkedHashMap<String, Any?>().also { out -> v.forEach { (k, x) -> out[k as String] = substitute(x, vars) } }
        else -> v
    }

    private fun num(x: Any?): Double? = (x as? Number)?.toDouble()

    /** Equality where numbers compare by value (`1` equals `1.0`). */
    fun same(a: Any?, b: Any?): Boolean = when {
        a is Number && b is Number -> num(a) == num(b)
        a is List<*> && b is List<*> -> a.size == b.size && a.indices.all { same(a[it], b[it]) }
        a is Map<*, *> && b is Map<*, *> -> a.size == b.size && a.all { (k, p) -> b.containsKey(k) && same(p, b[k]) }
        a is Number || b is Number -> false
        else -> a == b
    }

    fun includes(actual: Any?, expected: Any?): Boolean = when {
        actual is Map<*, *> && expected is Map<*, *> ->
            expected.all { (k, ev) -> actual.containsKey(k) && includes(actual[k], ev) }
        actual is List<*> && expected is List<*> -> expected.all { ev -> actual.any { av -> includes(av, ev) } }
        actual is List<*> -> actual.any { av -> includes(av, expected) }
        else -> same(actual, expected)
    }

    fun like(actual: Any?, expected: Any?): Boolean = when {
        actual is Map<*, *> && expected is Map<*, *> ->
            expected.all { (k, ev) -> actual.containsKey(k) && like(actual[k], ev) }
        actual is List<*> && expected is List<*> -> actual.size == expected.size && actual.indices.all { like(actual[it], expected[it]) }
        else -> same(actual, expected)
    }

    private fun operator(e: Any?): Pair<String, Any?>? {
        if (e is Map<*, *> && e.size == 1) {
            val (k, v) = e.entries.first()
            if (k is String && k.startsWith("$")) return k to v
        }
        return null
    }

    private fun s(v: Any?, max: Int) = Json.short(v, max)

    /** Checks one `match` entry; returns a problem or null. */
    fun check(doc: Any?, at: String, expected: Any?): String? {
        if (!(at.isEmpty() || at.startsWith("/"))) return "`$at` is not a JSON Pointer (RFC 6901: \"\" or starting with /)"
        val actual = pointer(doc, at)
        val present = actual !== Absent
        val p = if (at.isEmpty()) "(the whole result)" else at
        val op = operator(expected)
        if (op == null) {
            return when {
                present && same(actual, expected) -> null
                present -> "$p: expected ${s(expected, 300)}, got ${s(actual, 600)}"
                else -> "$p: expected ${s(expected, 300)}, but nothing is there"
            }
        }
        val (name, arg) = op
        return when (name) {
            "\$absent" -> {
                val want = arg as? Boolean ?: return "$p: \$absent takes true or false"
                when {
                    want && present -> "$p: expected nothing there, got ${s(actual, 300)}"
                    !want && !present -> "$p: expected a value, but nothing is there"
                    else -> null
                }
            }
            "\$len" -> {
                val n = (arg as? Long)?.takeIf { it >= 0 } ?: return "$p: \$len takes a non-negative integer"
                val len = when (actual) {
                    is List<*> -> actual.size
                    is Map<*, *> -> actual.size
                    is String -> actual.codePointCount(0, actual.length)
                    Absent -> return "$p: expected length $n, but nothing is there"
                    else -> return "$p: \$len of a non-collection ${s(actual, 200)}"
                }
                if (len.toLong() == n) null else "$p: expected length $n, got $len: ${s(actual, 600)}"
            }
            "\$like" -> when {
                !present -> "$p: expected something like ${s(arg, 300)}, but nothing is there"
                like(actual, arg) -> null
                else -> "$p: expected something like ${s(arg, 400)}, got ${s(actual, 800)}"
            }
            "\$includes", "\$excludes" -> {
                if (!present) return "$p: expected a value ($name ${s(arg, 200)}), but nothing is there"
                if (name == "\$includes") {
                    if (includes(actual, arg)) null else "$p: expected to include ${s(arg, 300)}, got ${s(actual, 800)}"
                } else {
                    val given = if (arg is List<*>) arg else listOf(arg)
                    val found = given.filter { includes(actual, it) }
                    if (found.isEmpty()) null else "$p: expected not to include ${s(found, 300)}, got ${s(actual, 800)}"
                }
            }
            "\$all" -> {
                val checks = arg as? List<*> ?: return "$p: \$all takes an array of expectations"
                val problems = checks.mapNotNull { check(doc, at, it) }
                if (problems.isEmpty()) null else problems.joinToString("\n    ")
            }
            else -> "$p: unknown operator $name (known: \$len, \$like, \$includes, \$excludes, \$absent, \$all)"
        }
    }
}
