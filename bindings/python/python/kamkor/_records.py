"""Dataclass-like records for the core's types, converting to and from the core's JSON form.

Every record is a frozen dataclass. ``to_dict()`` gives the core's serde JSON form (dates as
``"2026-11-23"``, times as RFC 3339 UTC ``"2026-11-24T09:00:00Z"``) and ``from_dict()`` reads it,
turning dates into :class:`datetime.date`, times into aware :class:`datetime.datetime` (UTC) and
nested records into their classes. Deeper nested values stay plain dicts and lists.

A record read with ``from_dict`` remembers which keys were present (so a ``null`` the core wrote
stays ``null`` and a key it left out stays out) and keeps keys it does not know, so
``Cls.from_dict(d).to_dict() == d`` for whatever the core returns.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
import sys
import typing
from typing import Any, ClassVar, Dict, FrozenSet, List, Mapping, Optional, Tuple, Type, TypeVar, Union

__all__ = [
    "Record",
    "format_datetime",
    "parse_datetime",
    "Provenance",
    "Child",
    "Family",
    "FamilyMember",
    "NewChild",
    "Warning",
    "Registered",
    "ChildView",
    "ChildList",
    "Match",
    "SearchQuery",
    "DuplicateCandidate",
    "FieldChange",
    "HistoryEntry",
    "FamilyView",
    "NewUser",
    "UserInfo",
    "ExternalPrincipal",
    "Undertaking",
    "BasisDocument",
    "OpenCase",
    "TransitionRequest",
    "Case",
    "CaseView",
    "Assessment",
    "Finding",
    "Visit",
    "Decision",
    "Contribution",
    "DueItem",
    "DueQuery",
    "PlanProposal",
    "ManualMeasure",
    "MeasureChange",
    "MeasureUpdate",
    "AuditReport",
    "AuditEntry",
    "BackupSummary",
    "LoadSummary",
    "ReportRequest",
    "RetentionCandidate",
    "RetentionPlan",
    "RetentionReport",
    "ArchiveRequest",
    "RequestLogEntry",
    "Certificate",
    "Territory",
    "RowError",
    "ReviewItem",
    "Signal",
    "ImportReport",
]

R = TypeVar("R", bound="Record")

_DT_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})$")


def parse_datetime(text: str) -> _dt.datetime:
    """Reads an RFC 3339 time (``Z`` or an offset; fractions of any length) as an aware UTC datetime."""
    m = _DT_RE.match(text)
    if m is None:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    day, hh, mm, ss, frac, tz = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    d = _dt.date.fromisoformat(day)
    if tz in ("Z", "z"):
        off = _dt.timedelta(0)
    else:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        off = sign * _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    value = _dt.datetime(d.year, d.month, d.day, int(hh), int(mm), int(ss), micro, tzinfo=_dt.timezone(off))
    return value.astimezone(_dt.timezone.utc)


def format_datetime(value: _dt.datetime) -> str:
    """An aware datetime as the core writes it: RFC 3339 UTC with ``Z``, fractions only when non-zero."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("an aware datetime is needed (e.g. datetime(..., tzinfo=timezone.utc))")
    u = value.astimezone(_dt.timezone.utc)
    base = u.strftime("%Y-%m-%dT%H:%M:%S")
    if u.microsecond == 0:
        return base + "Z"
    if u.microsecond % 1000 == 0:
        return f"{base}.{u.microsecond // 1000:03d}Z"
    return f"{base}.{u.microsecond:06d}Z"


def _format_date(value: _dt.date) -> str:
    if isinstance(value, _dt.datetime):
        raise ValueError("a date is needed, not a datetime")
    return value.isoformat()


def _parse_date(value: Any) -> _dt.date:
    if isinstance(value, _dt.datetime):
        raise ValueError("a date is needed, not a datetime")
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        return _dt.date.fromisoformat(value)
    raise TypeError(f"a date is needed, got {value!r}")


def _decode(tp: Any, value: Any) -> Any:
    """JSON value -> Python value for an annotation."""
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin is Union:
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(inner[0], value) if len(inner) == 1 else value
    if origin in (list, List):
        (arg,) = typing.get_args(tp)
        return [_decode(arg, v) for v in value]
    if origin in (dict, Dict):
        _, varg = typing.get_args(tp)
        return {k: _decode(varg, v) for k, v in value.items()}
    if tp is _dt.datetime:
        if isinstance(value, _dt.datetime):
            return value
        return parse_datetime(value)
    if tp is _dt.date:
        return _parse_date(value)
    if isinstance(tp, type) and issubclass(tp, Record):
        if isinstance(value, tp):
            return value
        return tp.from_dict(value)
    return value


def _encode(value: Any) -> Any:
    """Python value -> JSON value."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, _dt.datetime):
        return format_datetime(value)
    if isinstance(value, _dt.date):
        return _format_date(value)
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


class Record:
    """Base of the records: JSON conversion, and the bookkeeping of present and unknown keys."""

    _hints: ClassVar[Dict[str, Any]]
    _present: FrozenSet[str]
    _extra: Dict[str, Any]

    @classmethod
    def _field_types(cls) -> Dict[str, Any]:
        hints = cls.__dict__.get("_hints_cache")
        if hints is None:
            module = sys.modules[cls.__module__]
            hints = typing.get_type_hints(cls, vars(module))
            setattr(cls, "_hints_cache", hints)
        return typing.cast(Dict[str, Any], hints)

    @classmethod
    def from_dict(cls: Type[R], data: Mapping[str, Any]) -> R:
        """Reads the core's JSON form (a dict as ``json.loads`` gives it)."""
        if not isinstance(data, Mapping):
            raise TypeError(f"{cls.__name__}.from_dict needs a mapping, got {type(data).__name__}")
        types = cls._field_types()
        names = [f.name for f in dataclasses.fields(typing.cast(Any, cls))]
        kwargs = {n: _decode(types[n], data[n]) for n in names if n in data}
        missing = [
            f.name
            for f in dataclasses.fields(typing.cast(Any, cls))
            if f.name not in data
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise ValueError(f"{cls.__name__}: missing {', '.join(missing)}")
        obj = cls(**kwargs)
        object.__setattr__(obj, "_present", frozenset(k for k in data if k in names))
        object.__setattr__(obj, "_extra", {k: v for k, v in data.items() if k not in names})
        return obj

    def to_dict(self) -> Dict[str, Any]:
        """The core's JSON form (a dict ready for ``json.dumps``)."""
        present: FrozenSet[str] = getattr(self, "_present", frozenset())
        out: Dict[str, Any] = {}
        for f in dataclasses.fields(typing.cast(Any, self)):
            value = getattr(self, f.name)
            if value is None and f.name not in present:
                continue
            out[f.name] = _encode(value)
        out.update(getattr(self, "_extra", {}))
        return out

    def replace(self: R, **changes: Any) -> R:
        """A copy with some fields changed (``dataclasses.replace``)."""
        new = dataclasses.replace(typing.cast(Any, self), **changes)
        object.__setattr__(new, "_present", getattr(self, "_present", frozenset()) | frozenset(changes))
        object.__setattr__(new, "_extra", dict(getattr(self, "_extra", {})))
        return typing.cast(R, new)


# ---- children and families ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Provenance(Record):
    """Where information came from: a ``source`` code of the profile, the date received, a reference."""

    source: str
    received_on: _dt.date
    reference: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Child(Record):
    """A child's record (``model::Child``). Nested parts (residence, relatives, ...) are dicts."""

    surname: str
    given_name: str
    sex: str
    birth_date: _dt.date
    identified_on: _dt.date
    identified_in: str
    legal_status: str
    patronymic: Optional[str] = None
    pin: Optional[str] = None
    identified_place: Optional[str] = None
    residence: Optional[Dict[str, Any]] = None
    relatives: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
    disability: Dict[str, Any] = dataclasses.field(default_factory=lambda: {"present": False, "details": None})
    social_payments: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
    housing: Optional[str] = None
    property: List[str] = dataclasses.field(default_factory=list)
    needs: Dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class FamilyMember(Record):
    """A family member other than the registered children."""

    surname: str
    given_name: str
    relation: str
    presence: str
    patronymic: Optional[str] = None
    birth_date: Optional[_dt.date] = None
    pin: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Family(Record):
    """A family's record (``model::Family``)."""

    name: str
    territory: str
    address: Optional[str] = None
    members: List[FamilyMember] = dataclasses.field(default_factory=list)
    circumstances: List[str] = dataclasses.field(default_factory=list)
    notes: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class NewChild(Record):
    """A child to register, with its provenance."""

    record: Child
    provenance: Provenance


@dataclasses.dataclass(frozen=True)
class Warning(Record):
    """A non-blocking finding of a registration (``NO_PIN``, ``LIKELY_DUPLICATE``, ...)."""

    code: str
    field: Optional[str] = None
    detail: Optional[str] = None

    def message(self, lang: str = "en") -> str:
        """The warning's message in ``ru``, ``ky`` or ``en``."""
        import json

        from . import _native

        return _native.localize_warning(json.dumps(self.to_dict()), lang)


@dataclasses.dataclass(frozen=True)
class Registered(Record):
    """The result of a registration: the new id and the warnings."""

    id: str
    warnings: List[Warning] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class ChildView(Record):
    """A child as a reader sees it."""

    id: str
    version: int
    record: Child
    organization: str
    created_at: _dt.datetime
    updated_at: _dt.datetime
    family: Optional[str] = None
    flags: List[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class ChildList(Record):
    """A page of the children in a reader's scope."""

    total: int
    children: List[ChildView]


@dataclasses.dataclass(frozen=True)
class Match(Record):
    """A search result: the name similarity and the child."""

    score: float
    child: ChildView


@dataclasses.dataclass(frozen=True)
class SearchQuery(Record):
    """A name search: words of a name in any script and order, optionally a birth date."""

    name: str
    birth_date: Optional[_dt.date] = None
    limit: Optional[int] = None


@dataclasses.dataclass(frozen=True)
class DuplicateCandidate(Record):
    """A possible duplicate: ``PIN`` or ``NAME_BIRTH_DATE``, the id when visible, the score."""

    kind: str
    score: float
    id: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class FieldChange(Record):
    """One change of a record field (``value`` in the field's JSON form)."""

    field: str
    value: Any


@dataclasses.dataclass(frozen=True)
class HistoryEntry(Record):
    """One entry of a record's history; ``fact`` is the fact body (a dict tagged by ``type``)."""

    origin: str
    seq: int
    time: _dt.datetime
    author: str
    base_version: int
    fact: Dict[str, Any]


@dataclasses.dataclass(frozen=True)
class FamilyView(Record):
    """A family as a reader sees it."""

    id: str
    version: int
    record: Family
    organization: str
    created_at: _dt.datetime
    updated_at: _dt.datetime
    children: List[str] = dataclasses.field(default_factory=list)


# ---- users ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class NewUser(Record):
    """A user account to create."""

    login: str
    surname: str
    given_name: str
    position: str
    agency: str
    agency_inn: str
    address: str
    territory: str
    role: str
    valid_from: _dt.date
    valid_until: _dt.date
    password: Optional[str] = dataclasses.field(default=None, repr=False)
    patronymic: Optional[str] = None
    pin: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Undertaking(Record):
    """A signed non-disclosure undertaking (ACC-6): its reference, date and who keeps it."""

    reference: str
    signed_on: _dt.date
    kept_by: str


@dataclasses.dataclass(frozen=True)
class UserInfo(Record):
    """A user as the registry shows it (no secrets)."""

    id: str
    login: str
    full_name: str
    role: str
    territory: str
    agency: str
    agency_inn: str
    position: str
    valid_from: _dt.date
    valid_until: _dt.date
    status: str
    undertaking: Optional[Undertaking] = None


@dataclasses.dataclass(frozen=True)
class ExternalPrincipal(Record):
    """A person authenticated by an outside system (a PIN and the issuer)."""

    pin: str
    issuer: str


# ---- cases ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BasisDocument(Record):
    """The document a case step rests on."""

    kind: str
    number: str
    date: _dt.date
    issuer: str


@dataclasses.dataclass(frozen=True)
class OpenCase(Record):
    """A request to open a case for a child."""

    child: str
    opening: str
    ground: str
    document: BasisDocument
    received_at: Optional[_dt.datetime] = None


@dataclasses.dataclass(frozen=True)
class TransitionRequest(Record):
    """A workflow transition with its ground, text and document when required."""

    transition: str
    ground: Optional[str] = None
    text: Optional[str] = None
    document: Optional[BasisDocument] = None


@dataclasses.dataclass(frozen=True)
class Finding(Record):
    """One finding of an assessment."""

    domain: str
    circumstance: str
    severity: Optional[str] = None
    note: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Assessment(Record):
    """An assessment of a child's needs: findings, the domains without concerns, and (set by the
    registry) when it was submitted and the risk level."""

    findings: List[Finding] = dataclasses.field(default_factory=list)
    no_concerns: List[str] = dataclasses.field(default_factory=list)
    submitted_at: Optional[_dt.datetime] = None
    risk: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Visit(Record):
    """A monitoring visit."""

    date: _dt.date
    findings: str
    concerns: List[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Decision(Record):
    """A commission's decision on an interagency programme."""

    kind: str
    document: BasisDocument
    until: Optional[_dt.date] = None
    text: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Contribution(Record):
    """An agency's contribution to a programme."""

    agency: str
    kind: str
    text: str


@dataclasses.dataclass(frozen=True)
class Case(Record):
    """A case (``case::Case``); measures, visits and the programme stay dicts."""

    child: str
    opening: str
    ground: str
    document: BasisDocument
    received_at: _dt.datetime
    state: str
    state_since: _dt.datetime
    previous_state: Optional[str] = None
    previous_since: Optional[_dt.datetime] = None
    exit_ground: Optional[str] = None
    assessment: Optional[Assessment] = None
    measures: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
    rules_version: Optional[str] = None
    visits: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
    programme: Optional[Dict[str, Any]] = None


@dataclasses.dataclass(frozen=True)
class DueItem(Record):
    """Something due on a case: a stage deadline, a measure or a visit."""

    case: str
    child: str
    territory: str
    kind: str
    reference: str
    due_at: _dt.datetime
    overdue: bool
    reason: Dict[str, str]
    urgent: bool


@dataclasses.dataclass(frozen=True)
class CaseView(Record):
    """A case as a reader sees it: the case, the transitions available and what is due."""

    id: str
    version: int
    case: Case
    available: List[str] = dataclasses.field(default_factory=list)
    due: List[DueItem] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class DueQuery(Record):
    """Which due items to list."""

    until: Optional[_dt.datetime] = None
    territory: Optional[str] = None
    limit: Optional[int] = None


# ---- plans ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PlanProposal(Record):
    """A proposed plan: circumstances ``[[code, severity]...]``, proposed measures and the diff."""

    rules_version: str
    circumstances: List[List[str]]
    proposed: List[Dict[str, Any]]
    diff: Dict[str, Any]


@dataclasses.dataclass(frozen=True)
class ManualMeasure(Record):
    """A measure added by hand."""

    title: str
    agency: str
    plan: str
    due_working_days: int
    reason: str


@dataclasses.dataclass(frozen=True)
class MeasureChange(Record):
    """A change of a measure by hand (with a reason)."""

    reason: str
    title: Optional[str] = None
    agency: Optional[str] = None
    due_working_days: Optional[int] = None


@dataclasses.dataclass(frozen=True)
class MeasureUpdate(Record):
    """The execution of a measure: its status, result and responsible person."""

    status: str
    result: Optional[str] = None
    responsible: Optional[str] = None


# ---- audit, backup, territories, reports, retention ----------------------------------------


@dataclasses.dataclass(frozen=True)
class AuditReport(Record):
    """The result of an audit chain check."""

    entries: int
    ok: bool
    first_break: Optional[Dict[str, Any]] = None


@dataclasses.dataclass(frozen=True)
class AuditEntry(Record):
    """An audit entry: who did what to which target, and whether it was allowed."""

    seq: int
    time: _dt.datetime
    action: str
    outcome: Dict[str, Any]
    actor: Optional[str] = None
    target: Optional[str] = None
    detail: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class BackupSummary(Record):
    """What a backup holds: records, size and SHA-256."""

    records: int
    bytes: int
    sha256: str


@dataclasses.dataclass(frozen=True)
class LoadSummary(Record):
    """What loading a territory classifier did."""

    added: int
    unchanged: int
    closed: int


@dataclasses.dataclass(frozen=True)
class ReportRequest(Record):
    """A statutory report: ``report`` is ``{"kind": "consolidated"}`` or a quarter's report."""

    report: Dict[str, Any]
    territory: Optional[str] = None
    depersonalized: bool = False

    @staticmethod
    def consolidated(territory: Optional[str] = None, depersonalized: bool = False) -> "ReportRequest":
        """The consolidated report."""
        return ReportRequest({"kind": "consolidated"}, territory, depersonalized)

    @staticmethod
    def quarterly(year: int, quarter: int, territory: Optional[str] = None) -> "ReportRequest":
        """The quarterly report."""
        return ReportRequest({"kind": "quarterly", "year": year, "quarter": quarter}, territory)

    @staticmethod
    def monitoring(year: int, quarter: int, territory: Optional[str] = None) -> "ReportRequest":
        """The monitoring report of a quarter."""
        return ReportRequest({"kind": "monitoring", "year": year, "quarter": quarter}, territory)


@dataclasses.dataclass(frozen=True)
class RetentionCandidate(Record):
    """A child due for retention (or held)."""

    child: str
    territory: str
    reaches_age_on: _dt.date
    hold: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class RetentionPlan(Record):
    """What a retention run would do now."""

    as_of: _dt.date
    age_years: int
    action: str
    due: List[RetentionCandidate] = dataclasses.field(default_factory=list)
    held: List[RetentionCandidate] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class RetentionReport(Record):
    """What a retention run or an archive on request did."""

    erased_children: int
    erased_cases: int
    erased_families: int
    held: int
    archive_bytes: int
    erased: List[str] = dataclasses.field(default_factory=list)
    archive_sha256: Optional[str] = None
    keyring_generation: Optional[int] = None


@dataclasses.dataclass(frozen=True)
class ArchiveRequest(Record):
    """A reasoned request to archive a record."""

    reason: str
    requested_by: str
    document: str


@dataclasses.dataclass(frozen=True)
class RequestLogEntry(Record):
    """An entry of the archive request log."""

    at: _dt.datetime
    by: str
    child: str
    request: ArchiveRequest
    outcome: str


@dataclasses.dataclass(frozen=True)
class Certificate(Record):
    """A data subject's certificate: canonical JSON, its SHA-256 and the printable document."""

    json: str
    sha256: str
    document: Dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Territory(Record):
    """A node of the territory hierarchy (SOATE code, kind, parent, names, validity)."""

    code: str
    kind: str
    name_ru: str
    name_ky: str
    name_en: str
    parent: Optional[str] = None
    valid_from: Optional[_dt.date] = None
    valid_to: Optional[_dt.date] = None

    def name(self, lang: str = "en") -> str:
        """The name in ``ru``, ``ky`` or ``en``."""
        return {"ru": self.name_ru, "ky": self.name_ky}.get(lang, self.name_en)


# ---- bulk import and the household book ---------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RowError(Record):
    """A rejected row: its line (1 is the header), field, coded reason and the row as it was."""

    line: int
    code: str
    reason: str
    field: Optional[str] = None
    args: Dict[str, str] = dataclasses.field(default_factory=dict)
    values: List[List[str]] = dataclasses.field(default_factory=list)

    def message(self, lang: str = "en") -> str:
        """The readable message in ``ru``, ``ky`` or ``en``."""
        import json

        from . import _native

        error = {"code": self.code, "reason": self.reason, "field": self.field, "args": self.args}
        return _native.localize_error(json.dumps(error), lang)

    def value(self, column: str) -> Optional[str]:
        """The row's value in a source column."""
        return next((v for k, v in self.values if k == column), None)


@dataclasses.dataclass(frozen=True)
class ReviewItem(Record):
    """A row flagged for a person: a ``contradiction`` with a registered child, or a ``likely_match``."""

    line: int
    kind: str
    child: Optional[str] = None
    field: Optional[str] = None
    existing: Optional[str] = None
    imported: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Signal(Record):
    """A child flagged by a screening rule, ready for a specialist to open a case.

    ``child`` is None in a dry run (``mode="validate"``): no child is registered yet."""

    child: Optional[str]
    territory: str
    rule: str
    label: Dict[str, str]
    line: int
    family: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class ImportReport(Record):
    """What an import did (or, in a dry run, would do)."""

    file: str
    encoding: str
    rows: int
    accepted: int
    created: int
    families: int
    unchanged: int
    written: bool
    rejected: List[RowError] = dataclasses.field(default_factory=list)
    review: List[ReviewItem] = dataclasses.field(default_factory=list)
    signals: List[Signal] = dataclasses.field(default_factory=list)

    def _csv(self, which: str, headers: List[str], lang: str) -> str:
        import json

        from . import _native

        return _native.import_report_csv(json.dumps(self.to_dict()), which, headers, lang)

    def rejects_csv(self, lang: str = "en", headers: Optional[List[str]] = None) -> str:
        """The rejected rows as CSV to fix and feed back: ``kamkor_line``, ``kamkor_field``,
        ``kamkor_code``, ``kamkor_reason``, ``kamkor_message``, then the source's columns
        (``headers``; by default the columns of the rejected rows, in file order)."""
        if headers is None:
            headers = []
            for r in self.rejected:
                headers.extend(k for k, _ in r.values if k not in headers)
        return self._csv("rejects", headers, lang)

    def review_csv(self) -> str:
        """The rows flagged for review as CSV."""
        return self._csv("review", [], "en")

    def signals_csv(self, lang: str = "en") -> str:
        """The screening signals as CSV (labels in a language)."""
        return self._csv("signals", [], lang)


def dump(value: Union[Record, Mapping[str, Any], List[Any], Tuple[Any, ...]]) -> Any:
    """A record, a mapping or a list of them as JSON-ready values."""
    return _encode(value)
