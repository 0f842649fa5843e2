// API tests of the Kotlin binding: typed records both ways, coded and localized errors, the
// device registry on sled (persistence, wrong key), the host clock, access rules, audit, backup.
package kamkor.test

import java.nio.file.Files
import uniffi.kamkor_core.*
import uniffi.kamkor_ffi.*

class Check(val name: String, val body: () -> Unit)

fun expect(cond: Boolean, what: String) {
    if (!cond) throw AssertionError(what)
}

inline fun expectError(code: ErrorCode, reason: String, body: () -> Unit): KamkorException {
    try {
        body()
    } catch (e: KamkorException) {
        expect(e.code() == code && e.reason() == reason, "expected $code/$reason, got ${e.code()}/${e.reason()}")
        return e
    }
    throw AssertionError("expected $code/$reason, got success")
}

const val START = "2026-11-23T09:00:00Z"

fun user(login: String, role: String, territory: String, inn: String): NewUser = NewUser(
    login = login, surname = "Асанова", givenName = "Гүлзат", patronymic = null, pin = null,
    position = "Специалист", agency = "Агентство", agencyInn = inn, address = "Бишкек", territory = territory,
    role = role, validFrom = "2000-01-01", validUntil = "2099-12-31", password = PASSWORD, externalLogin = false,
)

fun girl(pin: String?): NewChild = NewChild(
    record = Child(
        surname = "Асанова", givenName = "Айгүл", patronymic = null, sex = Sex.FEMALE, birthDate = "2015-01-01",
        pin = pin, identifiedOn = "2026-10-01", identifiedIn = "41711201000000", identifiedPlace = null,
        residence = null,
        relatives = listOf(Relative("mother", "abroad_migrant", "Асанова", "Жылдыз", null, null)),
        disability = Disability(false, null), socialPayments = emptyList(), housing = null, property = emptyList(),
        legalStatus = "with_parents", needs = mapOf("health" to "checkup"),
    ),
    provenance = Provenance(source = "specialist", receivedOn = "2026-10-01", reference = null),
)

class Fixture(path: String?, val clock: TestClock = TestClock(instantMillis(START))) {
    val reg = createRegistry(
        path, cheapArgon2(kyrgyzProfile()), MASTER_KEY, clock,
        user("admin", "administrator", "41700000000000", "00000000000001"), null,
    )
    val admin: Session = reg.login("admin", PASSWORD)

    fun signIn(u: NewUser): Session {
        reg.addUser(admin, u)
        return reg.login(u.login, PASSWORD)
    }
}

val API_CHECKS = listOf(
    Check("typed records cross both ways") {
        val f = Fixture(null)
        val spec = f.signIn(user("spec", "specialist", "41711000000000", "111"))
        val reg = f.reg.registerChild(spec, girl("10101201500011"))
        expect(reg.warnings.isEmpty(), "no warnings: ${reg.warnings}")
        expect(reg.id.length == 32, "a 32-hex id: ${reg.id}")
        val view = f.reg.getChild(spec, reg.id)
        expect(view.record.givenName == "Айгүл" && view.record.sex == Sex.FEMALE, "the record: ${view.record}")
        expect(view.record.needs == mapOf("health" to "checkup"), "the needs map: ${view.record.needs}")
        expect(view.record.relatives.single().presence == "abroad_migrant", "relatives")
        expect(view.version == 1UL && view.createdAt == START, "version and time: ${view.version} ${view.createdAt}")
        expect(f.reg.findByPin(spec, "10101201500011")?.id == reg.id, "PIN look-up")
        val page = f.reg.listChildren(spec, null, 0UL, 10UL)
        expect(page.total == 1UL && page.children.single().id == reg.id, "listing: $page")
    },
    Check("errors carry code, reason, field, args and localized messages") {
        val f = Fixture(null)
        val spec = f.signIn(user("spec", "specialist", "41711000000000", "111"))
        val first = f.reg.registerChild(spec, girl("10101201500011"))
        val e = expectError(ErrorCode.CONFLICT, "DUPLICATE_PIN") { f.reg.registerChild(spec, girl("10101201500011")) }
        expect(e.field() == "pin", "field: ${e.field()}")
        expect(e.args()["existing"] == first.id, "args: ${e.args()}")
        val ru = e.message("ru"); val ky = e.message("ky"); val en = e.message("en")
        expect(ru.isNotBlank() && ky.isNotBlank() && en.isNotBlank(), "three messages")
        expect(ru != en && ky != en, "localized: ru=$ru ky=$ky en=$en")
        val json = Json.parse(e.toJson()) as Map<*, *>
        expect(json["code"] == "CONFLICT" && json["reason"] == "DUPLICATE_PIN", "JSON form: $json")
        expectError(ErrorCode.UNAUTHENTICATED, "BAD_CREDENTIALS") { f.reg.login("spec", "wrong password") }
    },
    Check("ids typed by people are parsed inside: a bad one is a coded error") {
        val f = Fixture(null)
        val e = expectError(ErrorCode.VALIDATION, "BAD_ID") { f.reg.getChild(f.admin, "not-an-id") }
        expect(e.field() == "id", "field: ${e.field()}")
        expectError(ErrorCode.VALIDATION, "BAD_VALUE") { f.reg.updateChild(f.admin, "0".repeat(32), "{not json", Provenance("specialist", "2026-10-01", null), null, null) }
    },
    Check("access rules apply: another district is refused and audited") {
        val f = Fixture(null)
        val spec = f.signIn(user("spec", "specialist", "41711000000000", "111"))
        val other = f.signIn(user("other", "specialist", "41704000000000", "222"))
        val id = f.reg.registerChild(spec, girl(null)).id
        expectError(ErrorCode.ACCESS_DENIED, "NOT_IN_TERRITORY") { f.reg.getChild(other, id) }
        val denied = f.reg.deniedAttempts(f.admin, null)
        expect(denied.any { it.target == id && it.outcome is Outcome.Denied }, "the refusal is audited: $denied")
        val report = f.reg.verifyAuditChain()
        expect(report.ok && report.entries > 0UL && report.firstBreak == null, "audit chain: $report")
    },
    Check("the host clock drives sessions and deadlines") {
        val f = Fixture(null)
        val spec = f.signIn(user("spec", "specialist", "41711000000000", "111"))
        expect(f.reg.whoami(spec).login == "spec", "signed in")
        f.clock.millis += 9 * 3_600_000L
        expectError(ErrorCode.UNAUTHENTICATED, "SESSION_EXPIRED") { f.reg.whoami(spec) }
        val again = f.reg.login("spec", PASSWORD)
        val id = f.reg.registerChild(again, girl(null)).id
        expect(f.reg.getChild(again, id).createdAt == "2026-11-23T18:00:00Z", "time of the record comes from the host clock")
    },
    Check("the device registry persists on sled and refuses another key") {
        val dir = Files.createTempDirectory("kamkor-device").toFile()
        try {
            val path = dir.resolve("registry").path
            val id: String
            run {
                val f = Fixture(path)
                val spec = f.signIn(user("spec", "specialist", "41711000000000", "111"))
                id = f.reg.registerChild(spec, girl("10101201500011")).id
                f.reg.flush()
                f.reg.close()
            }
            val clock = TestClock(instantMillis(START) + 60_000)
            val wrong = ByteArray(32) { 9 }
            expectError(ErrorCode.CRYPTO, "WRONG_KEY") { openRegistry(path, wrong, clock) }
            val reg = openRegistry(path, MASTER_KEY, clock)
            val s = reg.login("spec", PASSWORD)
            expect(reg.getChild(s, id).record.pin == "10101201500011", "the record survives a reopen")
            expect(reg.verifyAuditChain().ok, "the audit chain verifies after reopening")
            reg.close()
        } finally {
            dir.deleteRecursively()
        }
    },
    Check("backup and audit pages") {
        val f = Fixture(null)
        val bytes = f.reg.backupBytes(f.admin)
        expect(bytes.size > 100, "a backup: ${bytes.size} bytes")
        val page = f.reg.auditEntries(f.admin, 0UL, 5UL)
        expect(page.isNotEmpty() && page.first().seq == 0UL, "audit page: $page")
        expect(page.any { it.action == "backup" && it.outcome is Outcome.Allowed }, "the backup is audited")
    },
    Check("the scenario harness fails on a wrong expectation and lists known bugs") {
        val dir = Files.createTempDirectory("kamkor-scenarios").toFile()
        try {
            fun write(name: String, steps: String) = dir.resolve("$name.json").also {
                it.writeText("""{"name": "$name", "description": "self-test", "profile": "kyrgyzstan",
                    "clock": "2026-11-23T09:00:00Z", "users": [], "steps": $steps}""")
            }
            val wrong = runFile(write("wrong", """[{"as": "admin", "op": "whoami", "expect": {"match": {"/login": "nobody"}}},
                {"as": "admin", "op": "whoami"}]"""), false)
            expect(wrong.failures.size == 1 && wrong.steps == 1, "one failure, the file stops: ${wrong.failures}")
            val bug = runFile(write("bug", """[{"as": "admin", "op": "whoami", "bug": "pretend", "expect": {"error": {"code": "CONFLICT"}}},
                {"as": "admin", "op": "whoami", "expect": {"match": {"/login": "admin"}}}]"""), false)
            expect(bug.failures.isEmpty() && bug.knownBugs.size == 1 && bug.steps == 2, "a known bug, then on: ${bug.failures} ${bug.knownBugs}")
            val fixed = runFile(write("fixed", """[{"as": "admin", "op": "whoami", "bug": "pretend"}]"""), false)
            expect(fixed.failures.single().contains("remove the `bug` marker"), "a fixed bug fails: ${fixed.failures}")
            val unknown = runFile(write("unknown", """[{"as": "admin", "op": "no_such_op"}]"""), false)
            expect(unknown.failures.single().contains("unknown op"), "unknown ops fail loudly: ${unknown.failures}")
            val extra = runFile(write("extra", """[{"as": "admin", "op": "whoami", "args": {"typo": 1}}]"""), false)
            expect(extra.failures.single().contains("unknown arguments"), "unknown arguments fail: ${extra.failures}")
        } finally {
            dir.deleteRecursively()
        }
    },
    Check("sync: a device's offline work reaches the centre once, as bytes") {
        val centre = Fixture(null)
        val spec = centre.signIn(user("field1", "specialist", "41711000000000", "111"))
        val child = centre.reg.registerChild(spec, girl("10101201500011")).id
        // Enrolment: the device's public key in, the enrolment out, the secret completed.
        val fresh = generateLinkSecret()
        val enrolment = centre.reg.enrolLink(centre.admin, NewLink(LinkKind.DEVICE, "field1", null,
            linkSecretPublicKey(fresh), "2026-12-31"))
        val secret = completeLinkSecret(fresh, enrolment, null)
        val scope = centre.reg.exportScope(centre.admin, (Json.parse(enrolment) as Map<*, *>)["link"] as String)
        expect(scope.size > 100, "a scope bundle: ${scope.size} bytes")
        // The device: its own key, the same clock, the worker's account, the same access rules.
        val device = createDeviceRegistry(null, ByteArray(32) { 3 }, centre.clock, secret, scope)
        val ds = device.login("field1", PASSWORD)
        expect(device.getChild(ds, child).record.pin == "10101201500011", "the scope holds the child")
        centre.clock.millis += 3_600_000L
        device.updateChild(ds, child, """[{"field": "housing", "value": "flat 3"}]""",
            Provenance("specialist", "2026-11-23", null), null, null)
        val offline = device.registerChild(ds, girl(null)).id
        val bundle = device.exportChanges(ds, secret, 0UL, null)
        val report = Json.parse(centre.reg.importChanges(centre.admin, bundle)) as Map<*, *>
        expect(report["applied"] == 2L && report["duplicates"] == 0L, "applied: $report")
        expect(centre.reg.getChild(spec, child).record.housing == "flat 3", "the change is at the centre")
        expect(centre.reg.getChild(spec, offline).record.givenName == "Айгүл", "the offline registration is at the centre")
        val again = Json.parse(centre.reg.importChanges(centre.admin, bundle)) as Map<*, *>
        expect(again["applied"] == 0L && again["duplicates"] == 2L, "idempotent: $again")
        val cut = bundle.copyOf(bundle.size / 2)
        expectError(ErrorCode.VALIDATION, "BUNDLE_TRUNCATED") { centre.reg.importChanges(centre.admin, cut) }
        expect(centre.reg.links(centre.admin).single().acknowledged == 2UL, "acknowledged: ${centre.reg.links(centre.admin)}")
        val supervisor = centre.signIn(user("super", "territorial_reader", "41711000000000", "111"))
        expect(Json.parse(centre.reg.syncConflictsJson(supervisor)) == emptyList<Any?>(), "no conflict")
        expectError(ErrorCode.ACCESS_DENIED, "NO_PERMISSION") { centre.reg.syncConflictsJson(spec) }
        // The girl registered offline without a PIN has the name and birth date of the child the
        // centre holds: applied, and flagged for a supervisor as a possible duplicate of it.
        val reviews = Json.parse(centre.reg.syncReviewsJson(supervisor)) as List<*>
        val dup = reviews.single() as Map<*, *>
        expect(dup["kind"] == "possible_duplicate" && dup["reason"] == "LIKELY_MATCH" &&
            setOf(dup["subject"], dup["other"]) == setOf(child, offline), "a possible duplicate: $reviews")
        centre.reg.resolveReview(supervisor, dup["id"] as String, ReviewDecision.DISMISS, "twins, checked by phone")
        expect(Json.parse(centre.reg.syncReviewsJson(supervisor)) == emptyList<Any?>(), "dismissed with a note")
        // Downstream: a change made at the centre reaches the device, once.
        centre.clock.millis += 3_600_000L
        centre.reg.updateChild(spec, child, """[{"field": "housing", "value": "house 12"}]""",
            Provenance("specialist", "2026-11-23", null), null, null)
        val link = (Json.parse(enrolment) as Map<*, *>)["link"] as String
        val from = device.downstreamPosition(secret)
        val down = centre.reg.exportDownstream(centre.admin, link, from)
        val applied = Json.parse(device.importDownstream(ds, secret, down)) as Map<*, *>
        expect(applied["applied"] as Long >= 1L, "applied on the device: $applied")
        expect(device.getChild(ds, child).record.housing == "house 12", "the centre's change is on the device")
        expect(device.downstreamPosition(secret) > from, "the device's position moved on")
        val twice = Json.parse(device.importDownstream(ds, secret, down)) as Map<*, *>
        expect(twice["applied"] == 0L, "idempotent on the device: $twice")
        expectError(ErrorCode.VALIDATION, "BUNDLE_TRUNCATED") { device.importDownstream(ds, secret, down.copyOf(down.size - 10)) }
    },
)

fun runApiChecks(): Pair<Int, List<String>> {
    var passed = 0
    val failed = ArrayList<String>()
    for (c in API_CHECKS) {
        try {
            c.body()
            passed++
            println("api  ok      ${c.name}")
        } catch (t: Throwable) {
            val what = if (t is uniffi.kamkor_core.KamkorException) "${t.code()}/${t.reason()} ${t.field()} ${t.args()}" else t.toString()
            failed.add("${c.name}: $what")
            println("api  FAILED  ${c.name}: $what")
        }
    }
    return passed to failed
}
