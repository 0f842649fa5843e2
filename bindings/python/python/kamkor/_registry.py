"""The registry: the facade's operations, each a method of `Registry`."""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
import typing
from types import TracebackType
from typing import (
    IO,
    Any,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
)

from . import _native
from ._records import (
    ArchiveRequest,
    Assessment,
    AuditEntry,
    AuditReport,
    BackupSummary,
    CaseView,
    Certificate,
    Child,
    ChildList,
    ChildView,
    Contribution,
    Decision,
    DueItem,
    DueQuery,
    DuplicateCandidate,
    ExternalPrincipal,
    Family,
    FamilyView,
    FieldChange,
    HistoryEntry,
    ImportReport,
    LoadSummary,
    ManualMeasure,
    Match,
    MeasureChange,
    MeasureUpdate,
    NewChild,
    NewUser,
    OpenCase,
    PlanProposal,
    Provenance,
    Registered,
    ReportRequest,
    RequestLogEntry,
    RetentionPlan,
    RetentionReport,
    SearchQuery,
    Signal,
    Territory,
    TransitionRequest,
    Undertaking,
    UserInfo,
    Visit,
)
from ._common import (
    Out,
    PathLike,
    R,
    _aware,
    _check_lang,
    _js,
    _key,
    _raise,
    _rec,
    _import_options,
    _source,
    _write,
)

from ._functions import render_document_pdf
from ._session import ManualClock, Session

__all__ = ["Registry", "Session", "ManualClock"]


def _native_clock(clock: Optional[ManualClock]) -> Optional[_native.ManualClock]:
    return clock._native if clock is not None else None


class Registry:
    """A registry of children and families.

    Open one with :meth:`open` (an existing registry on disk), :meth:`create` (a new one on disk),
    :meth:`in_memory` or :meth:`restore`; use it as a context manager to close (and flush) it::

        with kamkor.Registry.open("registry-dir", master_key) as reg:
            session = reg.login("admin", password)
            print(reg.whoami(session))

    Every call takes a :class:`Session`, returns records and raises :class:`kamkor.KamkorError`
    subclasses whose ``message`` is in :attr:`lang` (``ru``, ``ky`` or ``en``). Calls release the GIL.
    """

    def __init__(self, native: _native.Registry, *, lang: str = "en") -> None:
        self._native = native
        self._lang = _check_lang(lang)
        #: The summary of the backup this registry was restored from (None otherwise).
        self.restored: Optional[BackupSummary] = None

    # ---- opening and closing

    @classmethod
    def open(
        cls,
        path: PathLike,
        master_key: bytes,
        *,
        clock: Optional[ManualClock] = None,
        seed: Optional[int] = None,
        lang: str = "en",
    ) -> "Registry":
        """Opens the registry stored (sled) in the directory ``path`` with the host's 32-byte master key."""
        _check_lang(lang)
        try:
            native = _native.Registry.open(os.fspath(path), _key(master_key), _native_clock(clock), seed)
        except _native.NativeError as e:
            raise _raise(e, lang) from None
        return cls(native, lang=lang)

    @classmethod
    def create(
        cls,
        path: Optional[PathLike],
        master_key: bytes,
        first_admin: Union[NewUser, Mapping[str, Any]],
        *,
        profile: Optional[str] = None,
        clock: Optional[ManualClock] = None,
        seed: Optional[int] = None,
        lang: str = "en",
    ) -> "Registry":
        """Creates a registry in the directory ``path`` (None: in memory) with a profile (TOML text;
        None: the built-in Kyrgyz profile) and the first administrator."""
        _check_lang(lang)
        admin = _js(_rec(NewUser, first_admin))
        where = os.fspath(path) if path is not None else None
        try:
            native = _native.Registry.create(where, profile, _key(master_key), admin, _native_clock(clock), seed)
        except _native.NativeError as e:
            raise _raise(e, lang) from None
        return cls(native, lang=lang)

    @classmethod
    def in_memory(
        cls,
        master_key: bytes,
        first_admin: Union[NewUser, Mapping[str, Any]],
        *,
        profile: Optional[str] = None,
        clock: Optional[ManualClock] = None,
        seed: Optional[int] = None,
        lang: str = "en",
    ) -> "Registry":
        """Creates a registry in memory (tests, demos, the browser-like case); see :meth:`create`."""
        return cls.create(None, master_key, first_admin, profile=profile, clock=clock, seed=seed, lang=lang)

    @classmethod
    def restore(
        cls,
        backup: Union[bytes, PathLike, IO[bytes]],
        master_key: bytes,
        *,
        path: Optional[PathLike] = None,
        clock: Optional[ManualClock] = None,
        seed: Optional[int] = None,
        lang: str = "en",
    ) -> "Registry":
        """Restores a backup (bytes, a file path or a binary file) into an empty store at ``path``
        (None: in memory). The backup's summary is kept in :attr:`restored`."""
        _check_lang(lang)
        if isinstance(backup, (bytes, bytearray, memoryview)):
            data = bytes(backup)
        elif isinstance(backup, (str, os.PathLike)):
            with open(backup, "rb") as f:
                data = f.read()
        else:
            data = backup.read()
        where = os.fspath(path) if path is not None else None
        try:
            native, summary = _native.Registry.restore(where, data, _key(master_key), _native_clock(clock), seed)
        except _native.NativeError as e:
            raise _raise(e, lang) from None
        reg = cls(native, lang=lang)
        reg.restored = BackupSummary.from_dict(json.loads(summary))
        return reg

    def close(self) -> None:
        """Flushes and closes the registry (later calls raise ``StorageError`` ``REGISTRY_CLOSED``)."""
        self._call("close")

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return bool(self._native.closed())

    def __enter__(self) -> "Registry":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.closed:
            return "Registry(<closed>)"
        return f"Registry(origin={self.origin!r}, profile={self.profile_id!r}, lang={self._lang!r})"

    @property
    def lang(self) -> str:
        """The language of error messages: ``ru``, ``ky`` or ``en``."""
        return self._lang

    @lang.setter
    def lang(self, value: str) -> None:
        self._lang = _check_lang(value)

    # ---- plumbing

    def _call(self, name: str, *args: Any) -> Any:
        fn: Callable[..., Any] = getattr(self._native, name)
        try:
            return fn(*args)
        except _native.NativeError as e:
            raise _raise(e, self._lang) from None

    def _json(self, name: str, *args: Any) -> Any:
        return json.loads(self._call(name, *args))

    def _one(self, cls: Type[R], name: str, *args: Any) -> R:
        return cls.from_dict(self._json(name, *args))

    def _many(self, cls: Type[R], name: str, *args: Any) -> List[R]:
        return [cls.from_dict(v) for v in self._json(name, *args)]

    # ---- the registry

    @property
    def origin(self) -> str:
        """This registry's origin id (facts it records carry it)."""
        return str(self._json("origin"))

    @property
    def profile_id(self) -> str:
        """The id of the profile in force."""
        return str(self._json("profile_id"))

    def profile(self) -> Dict[str, Any]:
        """The profile in force (roles, vocabularies, workflow, plan rules, ...) as a dict."""
        return dict(self._json("profile"))

    def territory(self, code: str) -> Optional[Territory]:
        """A territory by SOATE code (loaded classifier levels included), or None."""
        v = self._json("territory", code)
        return None if v is None else Territory.from_dict(v)

    def territory_children(self, code: Optional[str] = None) -> List[Territory]:
        """The direct subdivisions of a territory (of the country when ``code`` is None)."""
        return self._many(Territory, "territory_children", code)

    def territory_path(self, code: str) -> List[str]:
        """The codes from the country down to a territory."""
        return [str(c) for c in self._json("territory_path", code)]

    def flush(self) -> None:
        """Makes every change durable and records the audit anchor."""
        self._call("flush")

    # ---- sessions and users

    def login(self, login: str, password: str) -> Session:
        """Signs in with a login and password."""
        return Session(str(self._json("login", login, password)))

    def login_external(self, principal: Union[ExternalPrincipal, Mapping[str, Any]]) -> Session:
        """Signs in a person authenticated by an outside system (PIN and issuer)."""
        return Session(str(self._json("login_external", _js(_rec(ExternalPrincipal, principal)))))

    def logout(self, session: Session) -> None:
        """Ends a session."""
        self._call("logout", session.token)

    def whoami(self, session: Session) -> UserInfo:
        """The session's user."""
        return self._one(UserInfo, "whoami", session.token)

    def add_user(self, session: Session, user: Union[NewUser, Mapping[str, Any]]) -> UserInfo:
        """Creates a user account (administrators)."""
        return self._one(UserInfo, "add_user", session.token, _js(_rec(NewUser, user)))

    def list_users(self, session: Session) -> List[UserInfo]:
        """Every user, sorted by login."""
        return self._many(UserInfo, "list_users", session.token)

    def revoke_user(self, session: Session, user_id: str, reason: str) -> UserInfo:
        """Revokes a user's account (its live sessions end)."""
        return self._one(UserInfo, "revoke_user", session.token, user_id, reason)

    def record_undertaking(
        self, session: Session, user_id: str, undertaking: Union[Undertaking, Mapping[str, Any]]
    ) -> UserInfo:
        """Records a user's signed non-disclosure undertaking (needed first by roles that require one)."""
        return self._one(UserInfo, "record_undertaking", session.token, user_id, _js(_rec(Undertaking, undertaking)))

    def user_id_by_login(self, session: Session, login: str) -> Optional[str]:
        """A user's id by login, or None."""
        v = self._json("user_id_by_login", session.token, login)
        return None if v is None else str(v)

    # ---- children

    def register_child(self, session: Session, child: Union[NewChild, Mapping[str, Any]]) -> Registered:
        """Registers a child; likely duplicates and PIN problems come back as warnings."""
        return self._one(Registered, "register_child", session.token, _js(_rec(NewChild, child)))

    def register_children(
        self, session: Session, children: Sequence[Union[NewChild, Mapping[str, Any]]]
    ) -> List[Registered]:
        """Registers a batch of children, all or nothing."""
        batch = [_rec(NewChild, c) for c in children]
        return self._many(Registered, "register_children", session.token, _js(batch))

    def get_child(self, session: Session, id: str) -> ChildView:
        """A child by id."""
        return self._one(ChildView, "get_child", session.token, id)

    def find_by_pin(self, session: Session, pin: str) -> Optional[ChildView]:
        """A child by PIN, or None."""
        v = self._json("find_by_pin", session.token, pin)
        return None if v is None else ChildView.from_dict(v)

    def search(
        self,
        session: Session,
        query: Union[SearchQuery, Mapping[str, Any], str],
        *,
        birth_date: Optional[_dt.date] = None,
        limit: Optional[int] = None,
    ) -> List[Match]:
        """Searches by name in any script and order (a string, or a :class:`SearchQuery`)."""
        q = SearchQuery(query, birth_date, limit) if isinstance(query, str) else _rec(SearchQuery, query)
        return self._many(Match, "search", session.token, _js(q))

    def check_duplicates(self, session: Session, child: Union[Child, Mapping[str, Any]]) -> List[DuplicateCandidate]:
        """Possible duplicates of a record being entered."""
        return self._many(DuplicateCandidate, "check_duplicates", session.token, _js(_rec(Child, child)))

    def update_child(
        self,
        session: Session,
        id: str,
        changes: Sequence[Union[FieldChange, Mapping[str, Any]]],
        provenance: Union[Provenance, Mapping[str, Any]],
        note: Optional[str] = None,
        base_version: Optional[int] = None,
    ) -> ChildView:
        """Changes fields of a child's record (a change of circumstances), optionally checking the version."""
        ch = _js([_rec(FieldChange, c) for c in changes])
        prov = _js(_rec(Provenance, provenance))
        return self._one(ChildView, "update_child", session.token, id, ch, prov, note, base_version)

    def history(self, session: Session, id: str) -> List[HistoryEntry]:
        """A child's history, oldest first."""
        return self._many(HistoryEntry, "history", session.token, id)

    def list_children(
        self, session: Session, under: Optional[str] = None, offset: int = 0, limit: int = 100
    ) -> ChildList:
        """A page of the children in the reader's scope (optionally under a territory)."""
        return self._one(ChildList, "list_children", session.token, under, offset, limit)

    def iter_children(self, session: Session, under: Optional[str] = None, page_size: int = 100) -> Iterator[ChildView]:
        """Every child in the reader's scope, page by page."""
        if page_size < 1:
            raise ValueError("page_size must be positive")
        offset = 0
        while True:
            page = self.list_children(session, under, offset, page_size)
            yield from page.children
            offset += len(page.children)
            if not page.children or offset >= page.total:
                return

    # ---- families

    def register_family(
        self,
        session: Session,
        family: Union[Family, Mapping[str, Any]],
        provenance: Union[Provenance, Mapping[str, Any]],
    ) -> str:
        """Registers a family; returns its id."""
        fam, prov = _js(_rec(Family, family)), _js(_rec(Provenance, provenance))
        return str(self._json("register_family", session.token, fam, prov))

    def get_family(self, session: Session, id: str) -> FamilyView:
        """A family by id."""
        return self._one(FamilyView, "get_family", session.token, id)

    def update_family(
        self,
        session: Session,
        id: str,
        changes: Sequence[Union[FieldChange, Mapping[str, Any]]],
        provenance: Union[Provenance, Mapping[str, Any]],
        note: Optional[str] = None,
        base_version: Optional[int] = None,
    ) -> FamilyView:
        """Changes fields of a family's record."""
        ch = _js([_rec(FieldChange, c) for c in changes])
        prov = _js(_rec(Provenance, provenance))
        return self._one(FamilyView, "update_family", session.token, id, ch, prov, note, base_version)

    def link_child(
        self,
        session: Session,
        child: str,
        family: Optional[str],
        provenance: Union[Provenance, Mapping[str, Any]],
    ) -> None:
        """Links a child to a family (None unlinks)."""
        self._call("link_child", session.token, child, family, _js(_rec(Provenance, provenance)))

    # ---- cases

    def open_case(self, session: Session, request: Union[OpenCase, Mapping[str, Any]]) -> CaseView:
        """Opens a case for a child on a ground and a basis document."""
        return self._one(CaseView, "open_case", session.token, _js(_rec(OpenCase, request)))

    def get_case(self, session: Session, id: str) -> CaseView:
        """A case by id."""
        return self._one(CaseView, "get_case", session.token, id)

    def child_cases(self, session: Session, child: str) -> List[CaseView]:
        """A child's cases."""
        return self._many(CaseView, "child_cases", session.token, child)

    def transition(
        self, session: Session, id: str, request: Union[TransitionRequest, Mapping[str, Any], str]
    ) -> CaseView:
        """Moves a case through the workflow (a transition id, or a :class:`TransitionRequest`)."""
        req = TransitionRequest(request) if isinstance(request, str) else _rec(TransitionRequest, request)
        return self._one(CaseView, "transition", session.token, id, _js(req))

    def save_assessment(self, session: Session, id: str, assessment: Union[Assessment, Mapping[str, Any]]) -> CaseView:
        """Saves an assessment (partial saves allowed)."""
        return self._one(CaseView, "save_assessment", session.token, id, _js(_rec(Assessment, assessment)))

    def submit_assessment(self, session: Session, id: str) -> CaseView:
        """Submits the saved assessment (it must be complete)."""
        return self._one(CaseView, "submit_assessment", session.token, id)

    def record_visit(self, session: Session, id: str, visit: Union[Visit, Mapping[str, Any]]) -> CaseView:
        """Records a monitoring visit."""
        return self._one(CaseView, "record_visit", session.token, id, _js(_rec(Visit, visit)))

    def programme_decision(self, session: Session, id: str, decision: Union[Decision, Mapping[str, Any]]) -> CaseView:
        """Records a commission's decision on the interagency programme."""
        return self._one(CaseView, "programme_decision", session.token, id, _js(_rec(Decision, decision)))

    def programme_contribution(
        self, session: Session, id: str, contribution: Union[Contribution, Mapping[str, Any]]
    ) -> CaseView:
        """Records an agency's contribution to the programme."""
        return self._one(CaseView, "programme_contribution", session.token, id, _js(_rec(Contribution, contribution)))

    def case_history(self, session: Session, id: str) -> List[HistoryEntry]:
        """A case's events, oldest first."""
        return self._many(HistoryEntry, "case_history", session.token, id)

    # ---- plans

    def propose_plan(self, session: Session, id: str) -> PlanProposal:
        """Proposes a plan from the submitted assessment and the record's circumstances."""
        return self._one(PlanProposal, "propose_plan", session.token, id)

    def accept_plan(self, session: Session, id: str, accepted: Sequence[str]) -> CaseView:
        """Accepts parts of the proposal's diff (ids from it)."""
        return self._one(CaseView, "accept_plan", session.token, id, _js(list(accepted)))

    def add_measure(self, session: Session, id: str, measure: Union[ManualMeasure, Mapping[str, Any]]) -> CaseView:
        """Adds a measure by hand (with a reason)."""
        return self._one(CaseView, "add_measure", session.token, id, _js(_rec(ManualMeasure, measure)))

    def change_measure(
        self, session: Session, id: str, measure: str, change: Union[MeasureChange, Mapping[str, Any]]
    ) -> CaseView:
        """Changes a measure by hand (with a reason)."""
        return self._one(CaseView, "change_measure", session.token, id, measure, _js(_rec(MeasureChange, change)))

    def drop_measure(self, session: Session, id: str, measure: str, reason: str) -> CaseView:
        """Drops a measure by hand (with a reason)."""
        return self._one(CaseView, "drop_measure", session.token, id, measure, reason)

    def update_measure(
        self, session: Session, id: str, measure: str, update: Union[MeasureUpdate, Mapping[str, Any]]
    ) -> CaseView:
        """Records the execution of a measure."""
        return self._one(CaseView, "update_measure", session.token, id, measure, _js(_rec(MeasureUpdate, update)))

    # ---- deadlines, reports, data set, print

    def due(self, session: Session, query: Union[DueQuery, Mapping[str, Any], None] = None) -> List[DueItem]:
        """What is due in the reader's scope (stages, measures, visits), soonest first."""
        q = DueQuery() if query is None else _rec(DueQuery, query)
        return self._many(DueItem, "due", session.token, _js(q))

    def report(self, session: Session, request: Union[ReportRequest, Mapping[str, Any]]) -> Dict[str, Any]:
        """A statutory report (the core's ``report::Report`` as a dict; render it with
        :func:`render_report_csv` / :func:`render_report_xlsx`)."""
        return dict(self._json("report", session.token, _js(_rec(ReportRequest, request))))

    def depersonalized_dataset(self, session: Session) -> Dict[str, Any]:
        """The depersonalized data set (generalized, coarsened, withheld) as a dict."""
        return dict(self._json("depersonalized_dataset", session.token))

    def child_card(self, session: Session, id: str, lang: Optional[str] = None) -> Dict[str, Any]:
        """The child's card as a printable document (a dict; see :meth:`child_card_pdf`)."""
        return dict(self._json("child_card", session.token, id, _check_lang(lang or self._lang)))

    def child_card_pdf(self, session: Session, id: str, lang: Optional[str] = None) -> bytes:
        """The child's card as PDF bytes."""
        return render_document_pdf(self.child_card(session, id, lang))

    def certificate(self, session: Session, id: str, lang: Optional[str] = None) -> Certificate:
        """The data subject's certificate (canonical JSON, its SHA-256, the document)."""
        return self._one(Certificate, "certificate", session.token, id, _check_lang(lang or self._lang))

    def certificate_pdf(self, session: Session, id: str, lang: Optional[str] = None) -> bytes:
        """The data subject's certificate as PDF bytes."""
        return render_document_pdf(self.certificate(session, id, lang).document)

    # ---- retention and archive

    def set_legal_hold(self, session: Session, child: str, reason: Optional[str]) -> None:
        """Sets (or with None lifts) a legal hold: a held child is never erased."""
        self._call("set_legal_hold", session.token, child, reason)

    def retention_plan(self, session: Session) -> RetentionPlan:
        """What a retention run would do now (changes nothing)."""
        return self._one(RetentionPlan, "retention_plan", session.token)

    def retention_run(self, session: Session, out: Out) -> RetentionReport:
        """Archives every child due into one package written to ``out`` (a path or a binary file),
        then erases them."""
        report, package = self._call("retention_run", session.token)
        _write(out, package)
        return RetentionReport.from_dict(json.loads(report))

    def archive_on_request(
        self,
        session: Session,
        child: str,
        request: Union[ArchiveRequest, Mapping[str, Any]],
        out: Out,
    ) -> RetentionReport:
        """Archives one child on a reasoned request into ``out``, then erases it."""
        report, package = self._call("archive_on_request", session.token, child, _js(_rec(ArchiveRequest, request)))
        _write(out, package)
        return RetentionReport.from_dict(json.loads(report))

    def archive_requests(self, session: Session) -> List[RequestLogEntry]:
        """The archive request log."""
        return self._many(RequestLogEntry, "archive_requests", session.token)

    # ---- administration and audit

    def load_classifier(self, session: Session, csv: Union[str, bytes], effective: _dt.date) -> LoadSummary:
        """Loads territory levels (CSV ``soate,kind,parent,name_ru,name_ky,name_en[,valid_from,valid_to]``)
        effective from a date, all or nothing."""
        data = csv.encode("utf-8") if isinstance(csv, str) else bytes(csv)
        return self._one(LoadSummary, "load_classifier", session.token, data, effective)

    def verify_audit_chain(self) -> AuditReport:
        """Checks the whole audit chain and its anchor (no session: a host's integrity check)."""
        return self._one(AuditReport, "verify_audit_chain")

    def verify_audit(self, session: Session) -> AuditReport:
        """Checks the audit chain (auditors and administrators)."""
        return self._one(AuditReport, "verify_audit", session.token)

    def audit_entries(self, session: Session, start: int = 0, limit: int = 100) -> List[AuditEntry]:
        """Audit entries from sequence number ``start`` (the facade's ``from``)."""
        return self._many(AuditEntry, "audit_entries", session.token, start, limit)

    def iter_audit_entries(self, session: Session, start: int = 0, page_size: int = 500) -> Iterator[AuditEntry]:
        """Every audit entry from ``start`` on, page by page."""
        if page_size < 1:
            raise ValueError("page_size must be positive")
        while True:
            page = self.audit_entries(session, start, page_size)
            yield from page
            if len(page) < page_size:
                return
            start = page[-1].seq + 1

    def denied_attempts(self, session: Session, since: Optional[_dt.datetime] = None) -> List[AuditEntry]:
        """Refused attempts (optionally since a time)."""
        return self._many(AuditEntry, "denied_attempts", session.token, None if since is None else _aware(since))

    # ---- sync: devices and registries exchanging signed bundles

    @classmethod
    def create_device(
        cls,
        path: Optional[PathLike],
        master_key: bytes,
        secret: str,
        scope: bytes,
        *,
        clock: Optional[ManualClock] = None,
        seed: Optional[int] = None,
        lang: str = "en",
    ) -> "Registry":
        """Creates a device registry (at ``path``, or in memory) from a completed link secret
        (see :func:`link_secret_generate`, :func:`link_secret_complete`) and the scope bundle its
        registry exported with :meth:`export_scope`."""
        _check_lang(lang)
        where = os.fspath(path) if path is not None else None
        try:
            native = _native.Registry.create_device(where, _key(master_key), secret, bytes(scope),
                                                    _native_clock(clock), seed)
        except _native.NativeError as e:
            raise _raise(e, lang) from None
        return cls(native, lang=lang)

    def sync_public_key(self) -> str:
        """This registry's sync signing key (hex), for peers to check its bundles."""
        return str(self._json("sync_public_key"))

    def enrol_link(self, session: Session, link: Mapping[str, Any]) -> Dict[str, Any]:
        """Enrols a device or registry link (``{kind, login?, territory?, public_key, valid_until}``);
        returns the enrolment to hand to the device once, like a password."""
        return dict(self._json("enrol_link", session.token, _js(link)))

    def revoke_link(self, session: Session, link: str, reason: str) -> Dict[str, Any]:
        """Revokes a link: its bundles are refused from now on."""
        return dict(self._json("revoke_link", session.token, link, reason))

    def links(self, session: Session) -> List[Dict[str, Any]]:
        """The enrolled links."""
        return list(self._json("links", session.token))

    def export_scope(self, session: Session, link: str) -> bytes:
        """The signed scope bundle a device is created from."""
        return bytes(self._call("export_scope", session.token, link))

    def export_changes(self, session: Session, secret: str, start: int = 0, limit: Optional[int] = None) -> bytes:
        """A signed bundle of this registry's changes from sequence ``start`` (the facade's ``from``)."""
        return bytes(self._call("export_changes", session.token, secret, start, limit))

    def import_changes(self, session: Session, bundle: bytes) -> Dict[str, Any]:
        """Imports a peer's bundle: field-level merge; conflicts are queued, never overwritten."""
        return dict(self._json("import_changes", session.token, bytes(bundle)))

    def export_downstream(self, session: Session, link: str, start: int) -> bytes:
        """On the centre: a device's downstream bundle from ``start`` (its ``downstream_position``)."""
        return bytes(self._call("export_downstream", session.token, link, start))

    def downstream_position(self, secret: str) -> int:
        """On a device: the centre's log position this device has applied up to."""
        return int(self._json("downstream_position", secret))

    def import_downstream(self, session: Session, secret: str, bundle: bytes) -> Dict[str, Any]:
        """On a device: applies the centre's downstream bundle (idempotent, all or nothing)."""
        return dict(self._json("import_downstream", session.token, secret, bytes(bundle)))

    def sync_conflicts(self, session: Session) -> List[Dict[str, Any]]:
        """The queue of sync conflicts waiting for a person."""
        return list(self._json("sync_conflicts", session.token))

    def sync_reviews(self, session: Session) -> List[Dict[str, Any]]:
        """The review queue: events not applicable here, records invalid after a merge, possible duplicates."""
        return list(self._json("sync_reviews", session.token))

    def resolve_review(self, session: Session, review_id: str, decision: str, note: str) -> Dict[str, Any]:
        """Resolves a review entry with a note: ``decision`` is ``"apply"`` (an event, if valid now) or ``"dismiss"``."""
        return dict(self._json("resolve_review", session.token, review_id, decision, note))

    def resolve_conflict(
        self,
        session: Session,
        id: str,
        field: str,
        value: Any,
        provenance: Union[Provenance, Mapping[str, Any]],
        note: Optional[str] = None,
    ) -> ChildView:
        """Resolves a conflict on a child's field with the chosen value."""
        return self._one(ChildView, "resolve_conflict", session.token, id, field, _js(value),
                         _js(_rec(Provenance, provenance)), note)

    # ---- bulk import (REG-5) and the household book (INT-1)

    def import_file(
        self,
        session: Session,
        source: Union[bytes, PathLike, IO[bytes]],
        mapping: Union[str, Mapping[str, Any], "os.PathLike[str]"],
        *,
        mode: str = "validate",
        file_name: Optional[str] = None,
        encoding: Optional[str] = None,
        progress: Optional[Callable[[int, int], Any]] = None,
    ) -> ImportReport:
        """Imports children from a CSV, XLSX or JSON Lines file (the facade's ``import``).

        ``mapping`` is the mapping's TOML text, a path to it, or the mapping as a dict (source
        column -> field, value maps, defaults, date formats; see the import docs). ``mode`` is
        ``validate`` (a dry run), ``all_or_nothing`` or ``row_by_row``; ``encoding`` (``utf-8``,
        ``cp1251``, ``auto``) overrides the mapping's; ``file_name`` (default: the path's name) goes
        into every fact's provenance and gives the format by extension. ``progress(done, total)``
        is called after every chunk of rows; the GIL is released while importing. A rejected row
        is reported in the result and, in every mode, changes nothing.
        """
        data, name = _source(source, file_name)
        toml_text: Optional[str] = None
        mapping_json: Optional[str] = None
        if isinstance(mapping, os.PathLike):
            with open(mapping, encoding="utf-8") as f:
                toml_text = f.read()
        elif isinstance(mapping, str):
            toml_text = mapping
        else:
            mapping_json = _js(mapping)
        options = _import_options(mode, name, encoding)
        report = self._call("import_file", session.token, data, toml_text, mapping_json, options, progress)
        return ImportReport.from_dict(json.loads(report))

    def import_household_book(
        self,
        session: Session,
        source: Union[bytes, PathLike, IO[bytes]],
        *,
        mode: str = "validate",
        file_name: Optional[str] = None,
        encoding: Optional[str] = None,
        progress: Optional[Callable[[int, int], Any]] = None,
    ) -> ImportReport:
        """Imports a Sanarip aimak household book export (CSV, see :func:`household_book_columns`):
        households become families with their minors, screened by the profile's rules; every
        flagged child gets a :class:`Signal`. A household is written whole or not at all, and one
        imported before is not duplicated. Modes, encoding and progress as in :meth:`import_file`."""
        data, name = _source(source, file_name)
        options = _import_options(mode, name, encoding)
        report = self._call("import_household_book", session.token, data, options, progress)
        return ImportReport.from_dict(json.loads(report))

    def signals(self, session: Session) -> List[Signal]:
        """Open screening signals in the reader's scope (children flagged, no case opened since)."""
        return self._many(Signal, "signals", session.token)

    def backup(self, session: Session, out: Out) -> BackupSummary:
        """Writes a backup of the whole registry to ``out`` (a path or a binary file)."""
        summary, data = self._call("backup", session.token)
        _write(out, data)
        return BackupSummary.from_dict(json.loads(summary))

    def backup_bytes(self, session: Session) -> Tuple[BackupSummary, bytes]:
        """A backup in memory: its summary and bytes."""
        buf = io.BytesIO()
        summary = self.backup(session, buf)
        return summary, buf.getvalue()
