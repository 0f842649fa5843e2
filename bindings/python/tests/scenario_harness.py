"""The Python harness of the cross-language scenarios (``tests/scenarios/README.md``).

Replays each ``tests/scenarios/*.json`` in a fresh in-memory registry through the **package API**
(``kamkor.Registry`` methods with records), turning each result into the core's JSON form with
``to_dict()`` and checking it as the README specifies: setup, variables, saves, matchers and
known-bug steps. Unknown ops fail loudly; adding an op is one entry in ``OPS``.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

import kamkor
from kamkor import (
    Assessment,
    Child,
    Contribution,
    Decision,
    DueQuery,
    ExternalPrincipal,
    Family,
    FieldChange,
    ManualMeasure,
    MeasureChange,
    MeasureUpdate,
    NewChild,
    NewUser,
    OpenCase,
    Provenance,
    Record,
    SearchQuery,
    TransitionRequest,
    Undertaking,
    Visit,
)

ROOT = Path(__file__).resolve().parents[3]
SCENARIO_DIR = Path(os.environ.get("KAMKOR_SCENARIOS", ROOT / "tests" / "scenarios"))
PASSWORD = "correct horse battery"
MASTER_KEY = bytes([7] * 32)
SEED = 42

USER_DEFAULTS: Dict[str, Any] = {
    "surname": "Асанова",
    "given_name": "Гүлзат",
    "position": "Специалист",
    "agency": "Агентство",
    "address": "Бишкек",
    "valid_from": "2000-01-01",
    "valid_until": "2099-12-31",
    "password": PASSWORD,
}


class ScenarioError(Exception):
    """The scenario itself is wrong (unknown op or argument, missing session, ill-typed value)."""


def to_json(value: Any) -> Any:
    """A result of the package API as the core's JSON form."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, kamkor.Session):
        return None
    return value


# ---- the matcher (README "Matching") ------------------------------------------------------


def same(a: Any, b: Any) -> bool:
    """JSON equality; numbers compare by value, booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return False
    return bool(type(a) is type(b) and a == b) if a is not None and b is not None else a is b


def includes(actual: Any, expected: Any) -> bool:
    if isinstance(actual, dict) and isinstance(expected, dict):
        return all(k in actual and includes(actual[k], v) for k, v in expected.items())
    if isinstance(actual, list) and isinstance(expected, list):
        return all(any(includes(a, e) for a in actual) for e in expected)
    if isinstance(actual, list):
        return any(includes(a, expected) for a in actual)
    return same(actual, expected)


def like(actual: Any, expected: Any) -> bool:
    if isinstance(actual, dict) and isinstance(expected, dict):
        return all(k in actual and like(actual[k], v) for k, v in expected.items())
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(like(a, e) for a, e in zip(actual, expected))
    return same(actual, expected)


_MISSING = object()


def pointer(doc: Any, at: str) -> Any:
    """RFC 6901 JSON Pointer; ``_MISSING`` when nothing is there."""
    if at == "":
        return doc
    cur = doc
    for raw in at[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict):
            if token not in cur:
                return _MISSING
            cur = cur[token]
        elif isinstance(cur, list):
            if not token.isdigit() or (len(token) > 1 and token[0] == "0") or int(token) >= len(cur):
                return _MISSING
            cur = cur[int(token)]
        else:
            return _MISSING
    return cur


def short(v: Any, n: int = 600) -> str:
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + f"… ({len(s)} chars)"


def check(doc: Any, at: str, expected: Any) -> Optional[str]:
    """None when the expectation holds, else the problem."""
    if not (at == "" or at.startswith("/")):
        return f"`{at}` is not a JSON Pointer"
    actual = pointer(doc, at)
    where = at or "(the whole result)"
    op = None
    if isinstance(expected, dict) and len(expected) == 1:
        (k, arg), = expected.items()
        if k.startswith("$"):
            op = k
    if op is None:
        if actual is _MISSING:
            return f"{where}: expected {short(expected, 300)}, but nothing is there"
        return None if same(actual, expected) else f"{where}: expected {short(expected, 300)}, got {short(actual)}"
    if op == "$absent":
        if not isinstance(arg, bool):
            return f"{where}: $absent takes true or false"
        if arg and actual is not _MISSING:
            return f"{where}: expected nothing there, got {short(actual, 300)}"
        if not arg and actual is _MISSING:
            return f"{where}: expected a value, but nothing is there"
        return None
    if op == "$len":
        if isinstance(arg, bool) or not isinstance(arg, int) or arg < 0:
            return f"{where}: $len takes a non-negative integer"
        if actual is _MISSING:
            return f"{where}: expected length {arg}, but nothing is there"
        if not isinstance(actual, (list, dict, str)):
            return f"{where}: $len of a non-collection {short(actual, 200)}"
        return None if len(actual) == arg else f"{where}: expected length {arg}, got {len(actual)}: {short(actual)}"
    if op == "$like":
        if actual is _MISSING:
            return f"{where}: expected something like {short(arg, 300)}, but nothing is there"
        return None if like(actual, arg) else f"{where}: expected something like {short(arg, 400)}, got {short(actual)}"
    if op in ("$includes", "$excludes"):
        if actual is _MISSING:
            return f"{where}: expected a value ({op} {short(arg, 200)}), but nothing is there"
        if op == "$includes":
            return None if includes(actual, arg) else f"{where}: expected to include {short(arg, 300)}, got {short(actual)}"
        given = arg if isinstance(arg, list) else [arg]
        found = [e for e in given if includes(actual, e)]
        return None if not found else f"{where}: expected not to include {short(found, 300)}, got {short(actual)}"
    if op == "$all":
        if not isinstance(arg, list):
            return f"{where}: $all takes an array of expectations"
        problems = [p for p in (check(doc, at, c) for c in arg) if p is not None]
        return "\n    ".join(problems) if problems else None
    return f"{where}: unknown operator {op} (known: $len, $like, $includes, $excludes, $absent, $all)"


def substitute(v: Any, variables: Dict[str, Any]) -> Any:
    """Replaces strings that are exactly ``$name`` (``$$x`` is the literal ``$x``)."""
    if isinstance(v, str):
        if v.startswith("$$"):
            return v[1:]
        if v.startswith("$"):
            if v[1:] not in variables:
                raise ScenarioError(f"unknown variable {v} (saved so far: {sorted(variables)})")
            return copy.deepcopy(variables[v[1:]])
        return v
    if isinstance(v, list):
        return [substitute(x, variables) for x in v]
    if isinstance(v, dict):
        return {k: substitute(x, variables) for k, x in v.items()}
    return v


# ---- the op table (README "Operations") -----------------------------------------------------


class Args:
    """An op's named arguments; a missing one reads as None; unknown ones are refused."""

    def __init__(self, op: str, values: Dict[str, Any]) -> None:
        self.op = op
        self.values = values
        self.used: Set[str] = set()

    def raw(self, name: str) -> Any:
        self.used.add(name)
        return self.values.get(name)

    def req(self, name: str) -> Any:
        v = self.raw(name)
        if v is None:
            raise ScenarioError(f"{self.op}: argument `{name}` is required")
        return v

    def rec(self, cls: Any, name: str) -> Any:
        """A record argument, read by the record class (ill-typed -> scenario error)."""
        v = self.raw(name)
        if v is None:
            return None
        try:
            return cls.from_dict(v)
        except (TypeError, ValueError, KeyError) as e:
            raise ScenarioError(f"{self.op}: argument `{name}` does not fit {cls.__name__}: {e}") from None

    def recs(self, cls: Any, name: str) -> Any:
        v = self.req(name)
        if not isinstance(v, list):
            raise ScenarioError(f"{self.op}: argument `{name}` must be a list")
        try:
            return [cls.from_dict(x) for x in v]
        except (TypeError, ValueError, KeyError) as e:
            raise ScenarioError(f"{self.op}: argument `{name}` does not fit [{cls.__name__}]: {e}") from None

    def date(self, name: str) -> dt.date:
        return dt.date.fromisoformat(self.req(name))

    def time(self, name: str) -> Optional[dt.datetime]:
        v = self.raw(name)
        return None if v is None else kamkor.parse_datetime(v)

    def finish(self) -> None:
        extra = sorted(set(self.values) - self.used)
        if extra:
            raise ScenarioError(f"{self.op}: unknown arguments {extra} (takes {sorted(self.used)})")


@dataclasses.dataclass
class Ctx:
    reg: kamkor.Registry
    clock: kamkor.ManualClock
    sessions: Dict[str, kamkor.Session]
    variables: Dict[str, Any]
    last_session: Optional[kamkor.Session] = None


Op = Callable[[Ctx, kamkor.Session, Args], Any]

#: What ops that take no session (``login``, ``clock.*``, ...) get in its place.
NO_SESSION = kamkor.Session("")


def _advance(c: Ctx, s: Any, a: Args) -> None:
    c.clock.advance(days=a.raw("days") or 0, hours=a.raw("hours") or 0, minutes=a.raw("minutes") or 0)


def _set(c: Ctx, s: Any, a: Args) -> None:
    c.clock.set(a.req("at"))


def _login(c: Ctx, s: Any, a: Args) -> None:
    c.last_session = c.reg.login(a.req("login"), a.req("password"))


def _login_external(c: Ctx, s: Any, a: Args) -> None:
    c.last_session = c.reg.login_external(a.rec(ExternalPrincipal, "principal"))


#: op name -> (takes a session, call). The call returns a package value; the harness turns it
#: into JSON with ``to_dict()``. One line per op of the README's tables.
OPS: Dict[str, Tuple[bool, Op]] = {
    # harness: the injected clock
    "clock.advance": (False, _advance),
    "clock.set": (False, _set),
    # sessions and users
    "login": (False, _login),
    "login_external": (False, _login_external),
    "logout": (True, lambda c, s, a: c.reg.logout(s)),
    "whoami": (True, lambda c, s, a: c.reg.whoami(s)),
    "add_user": (True, lambda c, s, a: c.reg.add_user(s, a.rec(NewUser, "user"))),
    "list_users": (True, lambda c, s, a: c.reg.list_users(s)),
    "revoke_user": (True, lambda c, s, a: c.reg.revoke_user(s, a.req("user_id"), a.req("reason"))),
    "user_id_by_login": (True, lambda c, s, a: c.reg.user_id_by_login(s, a.req("login"))),
    "record_undertaking": (True, lambda c, s, a: c.reg.record_undertaking(
        s, a.req("user_id"), a.rec(Undertaking, "undertaking"))),
    # children
    "register_child": (True, lambda c, s, a: c.reg.register_child(s, a.rec(NewChild, "child"))),
    "register_children": (True, lambda c, s, a: c.reg.register_children(s, a.recs(NewChild, "children"))),
    "get_child": (True, lambda c, s, a: c.reg.get_child(s, a.req("id"))),
    "find_by_pin": (True, lambda c, s, a: c.reg.find_by_pin(s, a.req("pin"))),
    "search": (True, lambda c, s, a: c.reg.search(s, a.rec(SearchQuery, "query"))),
    "check_duplicates": (True, lambda c, s, a: c.reg.check_duplicates(s, a.rec(Child, "child"))),
    "update_child": (True, lambda c, s, a: c.reg.update_child(
        s, a.req("id"), a.recs(FieldChange, "changes"), a.rec(Provenance, "provenance"),
        a.raw("note"), a.raw("base_version"))),
    "history": (True, lambda c, s, a: c.reg.history(s, a.req("id"))),
    "list_children": (True, lambda c, s, a: c.reg.list_children(s, a.raw("under"), a.req("offset"), a.req("limit"))),
    # families
    "register_family": (True, lambda c, s, a: c.reg.register_family(
        s, a.rec(Family, "family"), a.rec(Provenance, "provenance"))),
    "get_family": (True, lambda c, s, a: c.reg.get_family(s, a.req("id"))),
    "update_family": (True, lambda c, s, a: c.reg.update_family(
        s, a.req("id"), a.recs(FieldChange, "changes"), a.rec(Provenance, "provenance"),
        a.raw("note"), a.raw("base_version"))),
    "link_child": (True, lambda c, s, a: c.reg.link_child(
        s, a.req("child"), a.raw("family"), a.rec(Provenance, "provenance"))),
    # cases
    "open_case": (True, lambda c, s, a: c.reg.open_case(s, a.rec(OpenCase, "request"))),
    "get_case": (True, lambda c, s, a: c.reg.get_case(s, a.req("id"))),
    "child_cases": (True, lambda c, s, a: c.reg.child_cases(s, a.req("child"))),
    "transition": (True, lambda c, s, a: c.reg.transition(s, a.req("id"), a.rec(TransitionRequest, "request"))),
    "save_assessment": (True, lambda c, s, a: c.reg.save_assessment(s, a.req("id"), a.rec(Assessment, "assessment"))),
    "submit_assessment": (True, lambda c, s, a: c.reg.submit_assessment(s, a.req("id"))),
    "record_visit": (True, lambda c, s, a: c.reg.record_visit(s, a.req("id"), a.rec(Visit, "visit"))),
    "programme_decision": (True, lambda c, s, a: c.reg.programme_decision(s, a.req("id"), a.rec(Decision, "decision"))),
    "programme_contribution": (True, lambda c, s, a: c.reg.programme_contribution(
        s, a.req("id"), a.rec(Contribution, "contribution"))),
    "case_history": (True, lambda c, s, a: c.reg.case_history(s, a.req("id"))),
    # plans
    "propose_plan": (True, lambda c, s, a: c.reg.propose_plan(s, a.req("id"))),
    "accept_plan": (True, lambda c, s, a: c.reg.accept_plan(s, a.req("id"), a.req("accepted"))),
    "add_measure": (True, lambda c, s, a: c.reg.add_measure(s, a.req("id"), a.rec(ManualMeasure, "measure"))),
    "change_measure": (True, lambda c, s, a: c.reg.change_measure(
        s, a.req("id"), a.req("measure"), a.rec(MeasureChange, "change"))),
    "drop_measure": (True, lambda c, s, a: c.reg.drop_measure(s, a.req("id"), a.req("measure"), a.req("reason"))),
    "update_measure": (True, lambda c, s, a: c.reg.update_measure(
        s, a.req("id"), a.req("measure"), a.rec(MeasureUpdate, "update"))),
    # deadlines
    "due": (True, lambda c, s, a: c.reg.due(s, a.rec(DueQuery, "query"))),
    # administration and audit
    "load_classifier": (True, lambda c, s, a: c.reg.load_classifier(s, a.req("csv"), a.date("effective"))),
    "verify_audit_chain": (False, lambda c, s, a: c.reg.verify_audit_chain()),
    "verify_audit": (True, lambda c, s, a: c.reg.verify_audit(s)),
    "audit_entries": (True, lambda c, s, a: c.reg.audit_entries(s, a.req("from"), a.req("limit"))),
    "denied_attempts": (True, lambda c, s, a: c.reg.denied_attempts(s, a.time("since"))),
    "backup": (True, lambda c, s, a: c.reg.backup(s, io.BytesIO())),
}


# ---- replay --------------------------------------------------------------------------------


def cheap_argon2(profile: str) -> str:
    out = []
    for line in profile.split("\n"):
        t = line.lstrip()
        if t.startswith("argon2_memory_kib") and "=" in t:
            out.append("argon2_memory_kib = 64")
        elif t.startswith("argon2_iterations") and "=" in t:
            out.append("argon2_iterations = 1")
        else:
            out.append(line)
    return "\n".join(out)


def new_user(fields: Dict[str, Any]) -> NewUser:
    return NewUser.from_dict({**USER_DEFAULTS, **fields})


@dataclasses.dataclass
class FileReport:
    file: str
    steps: int = 0
    failures: List[str] = dataclasses.field(default_factory=list)
    known_bugs: List[str] = dataclasses.field(default_factory=list)


def setup(sc: Dict[str, Any], path: Path) -> Ctx:
    builtin = kamkor.builtin_profiles()
    if sc["profile"] in builtin:
        text = builtin[sc["profile"]]
    else:
        text = (path.parent / sc["profile"]).read_text(encoding="utf-8")
    clock = kamkor.ManualClock(sc["clock"])
    admin = new_user({"login": "admin", "role": "administrator", "territory": "41700000000000",
                      "agency_inn": "00000000000001", **sc.get("admin", {})})
    reg = kamkor.Registry.in_memory(MASTER_KEY, admin, profile=cheap_argon2(text), clock=clock, seed=SEED)
    ctx = Ctx(reg, clock, {}, {"password": PASSWORD})
    admin_session = reg.login("admin", PASSWORD)
    ctx.variables["user.admin"] = reg.whoami(admin_session).id
    logins = []
    for fields in sc.get("users", []):
        u = new_user(fields)
        ctx.variables[f"user.{u.login}"] = reg.add_user(admin_session, u).id
        logins.append(u.login)
    ctx.sessions["admin"] = admin_session
    for login in logins:
        ctx.sessions[login] = reg.login(login, PASSWORD)
    return ctx


STEP_KEYS = {"comment", "as", "op", "args", "session", "expect", "bug"}
EXPECT_KEYS = {"ok", "error", "match", "save"}
FILE_KEYS = {"name", "description", "profile", "clock", "admin", "users", "steps"}


class Mismatch(Exception):
    def __init__(self, doc: Any, problems: List[str]) -> None:
        super().__init__("\n    ".join(problems))
        self.doc = doc
        self.problems = problems


def run_step(ctx: Ctx, step: Dict[str, Any]) -> Tuple[Any, bool]:
    unknown = set(step) - STEP_KEYS
    if unknown:
        raise ScenarioError(f"unknown step keys {sorted(unknown)}")
    op = step["op"]
    if op not in OPS:
        raise ScenarioError(f"unknown op `{op}` (see tests/scenarios/README.md; add it to OPS)")
    takes_session, call = OPS[op]
    args = substitute(step.get("args", {}), ctx.variables)
    if not isinstance(args, dict):
        raise ScenarioError("args must be an object")
    actor = step.get("as")
    session = NO_SESSION
    if not takes_session and actor is not None:
        raise ScenarioError(f"`{op}` takes no `as` (got {actor})")
    if takes_session:
        if actor is None:
            raise ScenarioError(f"`{op}` needs `as`")
        if actor not in ctx.sessions:
            raise ScenarioError(f"no session named {actor!r}: sign in first")
        session = ctx.sessions[actor]
    if "session" in step and op not in ("login", "login_external"):
        raise ScenarioError("`session` is only for login and login_external")
    if "session" not in step and op == "login_external":
        raise ScenarioError("login_external needs `session` (the name to keep it under)")
    ctx.last_session = None
    a = Args(op, args)
    try:
        result = call(ctx, session, a)
        a.finish()
        doc, ok = to_json(result), True
    except kamkor.KamkorError as e:
        a.finish()
        doc, ok = e.to_dict(), False
    except (TypeError, ValueError) as e:
        raise ScenarioError(f"{op}: {e!r}") from None
    if ctx.last_session is not None:
        name = step.get("session") or args.get("login")
        if not name:
            raise ScenarioError("a new session needs a name (`session`)")
        ctx.sessions[name] = ctx.last_session
    expect = step.get("expect", {})
    unknown = set(expect) - EXPECT_KEYS
    if unknown:
        raise ScenarioError(f"unknown expect keys {sorted(unknown)}")
    if expect.get("ok") is True and "error" in expect:
        raise ScenarioError("expect has both ok: true and error")
    want_ok = expect.get("ok", "error" not in expect)
    problems = []
    if want_ok and not ok:
        problems.append("expected success, got an error")
    if not want_ok and ok:
        problems.append("expected an error, got success")
    if "error" in expect and not ok:
        for k, v in expect["error"].items():
            if k not in ("code", "reason", "field"):
                raise ScenarioError(f"expect.error takes code, reason, field (got {k})")
            p = check(doc, f"/{k}", substitute(v, ctx.variables))
            if p is not None:
                problems.append(f"error {p}")
    if not problems:
        for name, ptr in expect.get("save", {}).items():
            if not isinstance(ptr, str):
                raise ScenarioError(f"save.{name} must be a JSON Pointer string")
            v = pointer(doc, ptr)
            if v is _MISSING:
                problems.append(f"save {name}: nothing at {ptr}")
            else:
                ctx.variables[name] = v
        for ptr, expected in expect.get("match", {}).items():
            p = check(doc, ptr, substitute(expected, ctx.variables))
            if p is not None:
                problems.append(p)
    if problems:
        raise Mismatch(doc, problems)
    return doc, ok


def run_file(path: Path, trace: bool = False) -> FileReport:
    report = FileReport(path.name)
    try:
        sc = json.loads(path.read_text(encoding="utf-8"))
        unknown = set(sc) - FILE_KEYS
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
    except (OSError, ValueError) as e:
        report.failures.append(f"{path.name}: not a scenario: {e}")
        return report
    if f"{sc.get('name')}.json" != path.name:
        report.failures.append(f"{path.name}: `name` is {sc.get('name')!r}; it must be the file name without .json")
    try:
        ctx = setup(sc, path)
    except Exception as e:  # noqa: BLE001 - reported as the file's failure
        report.failures.append(f"{path.name}: setup failed: {e!r}")
        return report
    try:
        for i, step in enumerate(sc["steps"]):
            report.steps += 1
            at = f"{path.name} step {i} `{step.get('op')}`" + (f" as {step['as']}" if "as" in step else "")
            bug = step.get("bug")
            try:
                doc, ok = run_step(ctx, step)
                if trace:
                    print(f"[trace] {at}: {'ok' if ok else 'error'} {short(doc, 4000)}")
                if bug is not None:
                    report.failures.append(
                        f"{at}: marked as a known core bug ({bug}) but now behaves as expected: remove the `bug` marker"
                    )
            except Mismatch as m:
                if bug is not None:
                    report.known_bugs.append(f"{at}: {bug}\n    " + "\n    ".join(p[:300] for p in m.problems))
                    continue
                comment = f" ({step['comment']})" if "comment" in step else ""
                report.failures.append(
                    f"{at}{comment}\n    args:     {short(step.get('args', {}), 1500)}\n"
                    f"    expected: {short(step.get('expect', {'ok': True}), 1500)}\n"
                    f"    got:      {short(m.doc, 3000)}\n    " + "\n    ".join(m.problems)
                )
                break
            except ScenarioError as e:
                report.failures.append(f"{at}: scenario error: {e}")
                break
    finally:
        ctx.reg.close()
    return report


def scenario_files() -> List[Path]:
    return sorted(SCENARIO_DIR.glob("*.json"))
