
// ---- Kamkor records: the JSON (serde) form of the core's types (tests/scenarios/README.md) ----

/** `YYYY-MM-DD`. */
export type IsoDate = string;
/** RFC 3339 UTC, e.g. `2026-11-24T09:00:00Z`. */
export type IsoDateTime = string;
/** 32 lowercase hex digits. */
export type SubjectId = string;
/** A 14-digit SOATE code. */
export type TerritoryCode = string;
export type Sex = "female" | "male";
export type Severity = "low" | "medium" | "high" | "critical";
export type PlanKind = "child" | "family";
export type MeasureStatus = "planned" | "in_progress" | "done" | "cancelled";
export type DueKind = "stage" | "measure" | "visit";
export type ErrorCodeName =
  | "ACCESS_DENIED" | "UNAUTHENTICATED" | "VALIDATION" | "NOT_FOUND"
  | "CONFLICT" | "STORAGE" | "CRYPTO" | "PROFILE";

/** Every error thrown by the package. */
export interface KamkorError extends Error {
  name: "KamkorError";
  /** The stable class. */
  code: ErrorCodeName;
  /** The stable fine-grained reason, e.g. `PIN_LENGTH`, `NOT_IN_TERRITORY`. */
  reason: string;
  /** The input field concerned, e.g. `pin`, `rows[3].birth_date`. */
  field: string | null;
  args: Record<string, string>;
  /** The message in ru, ky and en (`message` is in the registry's language). */
  messages: { ru: string; ky: string; en: string };
}

export interface Label { ru: string; ky: string; en: string }

export interface RegistryOptions {
  /** Fix the clock at this instant (tests); left out: `Date.now()`. */
  now?: IsoDateTime;
  /** A deterministic random source (tests and reproducible demos only). */
  seed?: number;
  /** Language of error messages (default `ru`). */
  lang?: "ru" | "ky" | "en";
}

export interface NewUser {
  login: string; surname: string; given_name: string; patronymic?: string | null; pin?: string | null;
  position: string; agency: string; agency_inn: string; address: string;
  territory: TerritoryCode; role: string; valid_from: IsoDate; valid_until: IsoDate;
  password?: string | null; external_login?: boolean;
}
export interface UserInfo {
  id: string; login: string; full_name: string; role: string; territory: TerritoryCode;
  agency: string; agency_inn: string; position: string; valid_from: IsoDate; valid_until: IsoDate; status: string;
  undertaking?: Undertaking;
}
/** A signed non-disclosure undertaking (ACC-6). */
export interface Undertaking { reference: string; signed_on: IsoDate; kept_by: string }
export interface ExternalPrincipal { pin: string; issuer: string }

export interface Relative {
  relation: string; presence: string; surname?: string | null; given_name?: string | null;
  patronymic?: string | null; pin?: string | null;
}
export interface Address { territory?: TerritoryCode | null; text?: string | null }
export interface Disability { present: boolean; details?: string | null }
export interface SocialPayment { kind: string; details?: string | null }
export interface Child {
  surname: string; given_name: string; patronymic?: string | null; sex: Sex; birth_date: IsoDate;
  pin?: string | null; identified_on: IsoDate; identified_in: TerritoryCode; identified_place?: string | null;
  residence?: Address | null; relatives?: Relative[]; disability?: Disability; social_payments?: SocialPayment[];
  housing?: string | null; property?: string[]; legal_status: string; needs?: Record<string, string>;
}
export interface Provenance { source: string; received_on: IsoDate; reference?: string | null }
export interface NewChild { record: Child; provenance: Provenance }
export interface Warning { code: string; field: string | null; detail: string | null }
export interface Registered { id: SubjectId; warnings: Warning[] }
export interface ChildView {
  id: SubjectId; version: number; record: Child; family: SubjectId | null; organization: string;
  created_at: IsoDateTime; updated_at: IsoDateTime; flags: string[];
}
export interface ChildList { total: number; children: ChildView[] }
export interface SearchQuery { name: string; birth_date?: IsoDate | null; limit?: number | null }
export interface Match { score: number; child: ChildView }
export interface DuplicateCandidate { kind: string; id: SubjectId | null; score: number }
export interface FieldChange { field: string; value: unknown }
export interface HistoryEntry {
  origin: string; seq: number; time: IsoDateTime; author: string; base_version: number;
  fact: { type: string; [key: string]: unknown };
}
export interface FamilyMember {
  surname: string; given_name: string; patronymic?: string | null; relation: string; presence: string;
  birth_date?: IsoDate | null; [key: string]: unknown;
}
export interface Family {
  name: string; territory: TerritoryCode; address?: string | null; members?: FamilyMember[];
  circumstances?: string[]; notes?: string | null;
}
export interface FamilyView {
  id: SubjectId; version: number; record: Family; children: SubjectId[]; organization: string;
  created_at: IsoDateTime; updated_at: IsoDateTime;
}

export interface BasisDocument { kind: string; number: string; date: IsoDate; issuer: string }
export interface OpenCase {
  child: SubjectId; opening: string; ground: string; document: BasisDocument; received_at?: IsoDateTime | null;
}
export interface TransitionRequest {
  transition: string; ground?: string | null; text?: string | null; document?: BasisDocument | null;
}
export interface Finding { domain: string; circumstance: string; severity?: Severity | null; note?: string | null }
export interface Assessment {
  findings?: Finding[]; no_concerns?: string[]; submitted_at?: IsoDateTime | null; risk?: Severity | null;
}
export interface Visit { date: IsoDate; findings: string; concerns?: string[] }
export interface Decision {
  kind: "approve" | "extend" | "change" | "end"; document: BasisDocument; until?: IsoDate | null; text?: string | null;
}
export interface Contribution { agency: string; kind: "planned_measure" | "result" | "proposal"; text: string }
export interface Programme {
  active: boolean; until: IsoDate | null; decisions: Decision[]; contributions: [Contribution, string, IsoDate][];
}
export interface Proposed {
  id: string; rule: string; rule_version: string; circumstance: string; need: Label; title: Label;
  agency: string; due_working_days: number; plan: PlanKind;
}
export interface ManualEdit { kind: string; reason: string; by: string; at: IsoDate }
export interface PlanMeasure {
  id: string; proposed: Proposed | null; title: Label; agency: string; plan: PlanKind;
  due_working_days: number; manual: ManualEdit | null; dropped: boolean;
}
export interface CaseMeasure {
  measure: PlanMeasure; due: IsoDate; status: MeasureStatus; responsible: string | null; result: string | null;
}
export interface Case {
  child: SubjectId; opening: string; ground: string; document: BasisDocument; received_at: IsoDateTime;
  state: string; previous_state: string | null; state_since: IsoDateTime; previous_since?: IsoDateTime | null;
  exit_ground: string | null; assessment: Assessment | null; measures: CaseMeasure[];
  rules_version: string | null; visits: Visit[]; programme: Programme | null;
}
export interface DueItem {
  case: SubjectId; child: SubjectId; territory: TerritoryCode; kind: DueKind; reference: string;
  due_at: IsoDateTime; overdue: boolean; reason: Label; urgent: boolean;
}
export interface CaseView { id: SubjectId; version: number; case: Case; available: string[]; due: DueItem[] }
export interface PlanDiff { add: Proposed[]; drop: string[]; change: [string, Proposed][] }
export interface PlanProposal {
  rules_version: string; circumstances: [string, Severity][]; proposed: Proposed[]; diff: PlanDiff;
}
export interface ManualMeasure { title: string; agency: string; plan: PlanKind; due_working_days: number; reason: string }
export interface MeasureChange { title?: string | null; agency?: string | null; due_working_days?: number | null; reason: string }
export interface MeasureUpdate { status: MeasureStatus; result?: string | null; responsible?: string | null }
export interface DueQuery { until?: IsoDateTime | null; territory?: TerritoryCode | null; limit?: number | null }

export type ReportKind =
  | { kind: "consolidated" }
  | { kind: "quarterly"; year: number; quarter: number }
  | { kind: "monitoring"; year: number; quarter: number };
export interface ReportRequest { report: ReportKind; territory?: TerritoryCode | null; depersonalized?: boolean }
/** A count, or `"suppressed"` in depersonalized output. */
export type Cell = { count: number } | "suppressed";
export interface Column { id: string; label: Label }
export interface Row { id: string; label: Label; territory: TerritoryCode | null; cells: Cell[] }
export interface Table { id: string; title: Label; row_header: Label; columns: Column[]; rows: Row[]; totals: Row | null }
export interface Report {
  id: string; title: Label; scope: TerritoryCode; scope_name: Label; period: [IsoDate, IsoDate] | null;
  due_date: IsoDate | null; generated_at: IsoDateTime; depersonalized: boolean; threshold: number; tables: Table[];
}
export interface Dataset { [key: string]: unknown }
export interface PrintedDocument { title: string; issuer: string; [key: string]: unknown }
export interface Certificate { [key: string]: unknown }
export interface RetentionPlan { [key: string]: unknown }
export interface RetentionReport { [key: string]: unknown }
export interface RequestLogEntry { [key: string]: unknown }

export type Outcome = { result: "allowed" } | { result: "denied"; reason: string } | { result: "failed"; reason: string };
export interface AuditEntry {
  seq: number; time: IsoDateTime; actor: string | null; action: string; target: string | null;
  outcome: Outcome; detail?: string;
}
export interface AuditReport { entries: number; ok: boolean; first_break: { at: number; [key: string]: unknown } | null }
export interface BackupSummary { records: number; bytes: number; sha256: string }
export interface LoadSummary { added: number; unchanged: number; closed: number }
export interface Territory {
  code: TerritoryCode; kind: string; parent: TerritoryCode | null; name_ru: string; name_ky: string; name_en: string;
  valid_from: IsoDate | null; valid_to: IsoDate | null;
}
export interface Term { code: string; ru: string; ky: string; en: string }
export interface Role { id: string; label: Label; grants: { action: string; territory: string; organization: string }[] }
/** The profile in force; `workflow` and `plan` are the profile's TOML sections as JSON. */
export interface Profile {
  profile: { id: string; version: string; name: Label; format: number; pin: "kg" | "snils" };
  roles: Role[];
  vocabularies: Record<string, Term[]>;
  workflow: { states: { id: string; label: Label; [key: string]: unknown }[]; transitions: { id: string; label: Label; [key: string]: unknown }[]; [key: string]: unknown } | null;
  plan: { [key: string]: unknown } | null;
  [key: string]: unknown;
}
