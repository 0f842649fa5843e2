//! Arguments of the case workflow: `kamkor case ...` and `kamkor due`.

use super::{parse_instant, parse_territory};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use kamkor_core::case::{ContributionKind, DecisionKind, MeasureStatus};
use kamkor_core::plan::PlanKind;
use kamkor_core::TerritoryCode;
use serde::de::DeserializeOwned;
use std::path::PathBuf;

/// A snake_case code of a core enum (`in_progress`, `planned_measure`, ...), read through its serde form.
fn parse_code<T: DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_string())).map_err(|e| e.to_string())
}

/// `kamkor case ...`.
#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    /// Open a case for a registered child (an identification, or a signal about a child in danger).
    Open(Box<OpenArgs>),
    /// Show a case: state, next steps, assessment, plans with reasons, visits, programme, what is due.
    Show {
        /// The case's id.
        id: String,
    },
    /// List a child's cases.
    List {
        /// The child's id.
        child: String,
    },
    /// Move a case along a transition of the workflow.
    Transition(Box<TransitionArgs>),
    /// Save the comprehensive assessment (findings by domain), or submit it.
    Assess(AssessArgs),
    /// The individual child protection plan and the family work plan.
    #[command(subcommand)]
    Plan(PlanCmd),
    /// The execution of plan measures.
    #[command(subcommand)]
    Measure(MeasureCmd),
    /// Record a monitoring visit.
    Monitor(MonitorArgs),
    /// The interagency programme: commission decisions and participants' entries.
    #[command(subcommand)]
    Programme(ProgrammeCmd),
    /// Every event of a case, oldest first.
    History {
        /// The case's id.
        id: String,
    },
    /// What is due in a case, when, and why.
    Due {
        /// The case's id.
        id: String,
    },
}

/// A basis document, required.
#[derive(Debug, Args, Clone)]
pub struct DocArgs {
    /// Kind of the basis document (vocabulary `document_kind`, e.g. signal_record, official_conclusion).
    #[arg(long)]
    pub doc_kind: String,
    /// Its number.
    #[arg(long)]
    pub doc_number: String,
    /// Its date (YYYY-MM-DD).
    #[arg(long)]
    pub doc_date: NaiveDate,
    /// Who issued it.
    #[arg(long)]
    pub doc_issuer: String,
}

/// A basis document, when the transition requires one.
#[derive(Debug, Args, Clone, Default)]
pub struct OptDocArgs {
    /// Kind of the basis document (vocabulary `document_kind`).
    #[arg(long, requires_all = ["doc_number", "doc_date", "doc_issuer"])]
    pub doc_kind: Option<String>,
    /// Its number.
    #[arg(long, requires = "doc_kind")]
    pub doc_number: Option<String>,
    /// Its date (YYYY-MM-DD).
    #[arg(long, requires = "doc_kind")]
    pub doc_date: Option<NaiveDate>,
    /// Who issued it.
    #[arg(long, requires = "doc_kind")]
    pub doc_issuer: Option<String>,
}

/// `kamkor case open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// The child's id.
    pub child: String,
    /// How the case opens: identification or signal (a child in danger: the shortest deadlines).
    #[arg(long)]
    pub opening: String,
    /// Inclusion ground (vocabulary `inclusion_ground`).
    #[arg(long)]
    pub ground: String,
    /// The basis document.
    #[command(flatten)]
    pub doc: DocArgs,
    /// When the identification or signal was received (RFC 3339; default now). Deadlines count from it.
    #[arg(long, value_parser = parse_instant)]
    pub received_at: Option<DateTime<Utc>>,
}

/// `kamkor case transition`.
#[derive(Debug, Args)]
pub struct TransitionArgs {
    /// The case's id.
    pub id: String,
    /// The transition (see `kamkor case show` for those available).
    pub transition: String,
    /// Exit ground (vocabulary `exit_ground`), when the transition needs one.
    #[arg(long)]
    pub ground: Option<String>,
    /// Explanation.
    #[arg(long)]
    pub text: Option<String>,
    /// The basis document, when the transition needs one.
    #[command(flatten)]
    pub doc: OptDocArgs,
}

/// `kamkor case assess`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("content").multiple(true).args(["finding", "no_concerns", "file"]))]
#[command(group = clap::ArgGroup::new("what").multiple(true).required(true).args(["finding", "no_concerns", "file", "submit"]))]
pub struct AssessArgs {
    /// The case's id.
    pub id: String,
    /// A finding `domain:circumstance[:severity][:note]` (severity: low, medium, high, critical); repeatable.
    #[arg(long)]
    pub finding: Vec<String>,
    /// A domain assessed with no concerns; repeatable.
    #[arg(long)]
    pub no_concerns: Vec<String>,
    /// An assessment as JSON: `{"findings": [...], "no_concerns": [...]}`.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Start from an empty draft instead of adding to the saved one.
    #[arg(long, requires = "content")]
    pub replace: bool,
    /// Submit the assessment (after saving what is given): every domain must be assessed.
    #[arg(long)]
    pub submit: bool,
}

/// `kamkor case plan ...`.
#[derive(Debug, Subcommand)]
pub enum PlanCmd {
    /// What the rules propose now, and how it differs from the plan: to add, to drop, to change.
    Propose {
        /// The case's id.
        id: String,
    },
    /// Accept proposed measures (ids from `plan propose`), or all of the proposal.
    Accept {
        /// The case's id.
        id: String,
        /// Ids of measures to add, drop or change.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        ids: Vec<String>,
        /// Accept the whole proposal.
        #[arg(long)]
        all: bool,
    },
    /// Add a measure by hand, with a reason.
    Add(PlanAddArgs),
    /// Change a measure by hand, with a reason.
    Change(PlanChangeArgs),
    /// Drop a measure by hand, with a reason (it stays on record and is not proposed again).
    Drop {
        /// The case's id.
        id: String,
        /// The measure's id.
        measure: String,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
    },
}

/// `kamkor case plan add`.
#[derive(Debug, Args)]
pub struct PlanAddArgs {
    /// The case's id.
    pub id: String,
    /// What is to be done.
    #[arg(long)]
    pub title: String,
    /// The responsible agency (code of the plan's agencies, e.g. social_protection).
    #[arg(long)]
    pub agency: String,
    /// The plan: child or family.
    #[arg(long, value_parser = parse_code::<PlanKind>)]
    pub plan: PlanKind,
    /// Due in this many working days from today.
    #[arg(long)]
    pub due_days: u32,
    /// Why.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `kamkor case plan change`.
#[derive(Debug, Args)]
pub struct PlanChangeArgs {
    /// The case's id.
    pub id: String,
    /// The measure's id.
    pub measure: String,
    /// A new title.
    #[arg(long)]
    pub title: Option<String>,
    /// A new responsible agency.
    #[arg(long)]
    pub agency: Option<String>,
    /// A new due, in working days from today.
    #[arg(long)]
    pub due_days: Option<u32>,
    /// Why.
    #[arg(long)]
    pub reason: Option<String>,
}

/// `kamkor case measure ...`.
#[derive(Debug, Subcommand)]
pub enum MeasureCmd {
    /// Record a measure's status, result and responsible.
    Update {
        /// The case's id.
        id: String,
        /// The measure's id.
        measure: String,
        /// planned, in_progress, done or cancelled.
        #[arg(long, value_parser = parse_code::<MeasureStatus>)]
        status: MeasureStatus,
        /// The result (required when done).
        #[arg(long)]
        result: Option<String>,
        /// The responsible specialist or unit.
        #[arg(long)]
        responsible: Option<String>,
    },
}

/// `kamkor case monitor`.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// The case's id.
    pub id: String,
    /// Date of the visit (YYYY-MM-DD).
    #[arg(long)]
    pub date: NaiveDate,
    /// What was found.
    #[arg(long)]
    pub findings: String,
    /// A circumstance code of a new or persisting concern; repeatable.
    #[arg(long)]
    pub concern: Vec<String>,
}

/// `kamkor case programme ...`.
#[derive(Debug, Subcommand)]
pub enum ProgrammeCmd {
    /// Record a commission decision: approve, extend, change or end the programme.
    Decide(Box<DecideArgs>),
    /// A participant records a planned measure, a result or a proposal.
    Contribute {
        /// The case's id.
        id: String,
        /// The participating agency (code of the plan's agencies).
        #[arg(long)]
        agency: String,
        /// planned_measure, result or proposal.
        #[arg(long, value_parser = parse_code::<ContributionKind>)]
        kind: ContributionKind,
        /// The text.
        #[arg(long)]
        text: String,
    },
}

/// `kamkor case programme decide`.
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The case's id.
    pub id: String,
    /// approve, extend, change or end.
    #[arg(long, value_parser = parse_code::<DecisionKind>)]
    pub kind: DecisionKind,
    /// The decision's document.
    #[command(flatten)]
    pub doc: DocArgs,
    /// The programme's end date (approve, extend).
    #[arg(long)]
    pub until: Option<NaiveDate>,
    /// What changes (change) or why (end).
    #[arg(long)]
    pub text: Option<String>,
}

/// `kamkor due`.
#[derive(Debug, Args)]
pub struct DueArgs {
    /// Items due up to this instant (RFC 3339); overdue ones are always shown. Default: 5 days ahead.
    #[arg(long, value_parser = parse_instant, conflicts_with = "days")]
    pub until: Option<DateTime<Utc>>,
    /// Items due within this many days.
    #[arg(long)]
    pub days: Option<u32>,
    /// Only under this territory.
    #[arg(long, value_parser = parse_territory)]
    pub territory: Option<TerritoryCode>,
    /// At most this many (default 100).
    #[arg(long)]
    pub limit: Option<usize>,
}
