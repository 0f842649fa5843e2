//! A case: the work with one child from identification to exit (WF-1 .. WF-6).
//!
//! Every change is a [`CaseEvent`] appended as a fact; the current [`Case`] is derived
//! by applying the events in order ([`Case::apply`]), so history is never lost.

use crate::assessment::Assessment;
use crate::model::SubjectId;
use crate::plan::{PlanMeasure, Proposed};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A basis document (WF-6): kind, number, date, issuer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasisDocument {
    /// Code of the `document_kind` vocabulary.
    pub kind: String,
    /// Number as written on it.
    pub number: String,
    /// Date of the document.
    pub date: NaiveDate,
    /// Who issued it.
    pub issuer: String,
}

/// Status of a measure. "Overdue" is derived (due date passed while not done or cancelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    /// Planned.
    Planned,
    /// Under way.
    InProgress,
    /// Done.
    Done,
    /// Cancelled.
    Cancelled,
}

/// A measure of an accepted plan, with its execution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseMeasure {
    /// The plan measure (rule, circumstance, title, agency).
    pub measure: PlanMeasure,
    /// Due date (working days counted from acceptance on the profile's calendar).
    pub due: NaiveDate,
    /// Status.
    pub status: MeasureStatus,
    /// Responsible specialist or agency unit, when named.
    pub responsible: Option<String>,
    /// Result, when done.
    pub result: Option<String>,
}

/// A monitoring visit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Visit {
    /// Date of the visit.
    pub date: NaiveDate,
    /// What was found.
    pub findings: String,
    /// Circumstance codes of new or persisting concerns.
    #[serde(default)]
    pub concerns: Vec<String>,
}

/// A commission decision on an interagency programme (Omsk "MPR", 002 §18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Approve the programme for a period.
    Approve,
    /// Extend it to a new end date.
    Extend,
    /// Change it.
    Change,
    /// End it.
    End,
}

/// A commission decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// What was decided.
    pub kind: DecisionKind,
    /// The decision's document.
    pub document: BasisDocument,
    /// The programme's end date (approve, extend).
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// What changes (change) or why (end).
    #[serde(default)]
    pub text: Option<String>,
}

/// What a participant records in a programme (002 §19).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContributionKind {
    /// A planned measure.
    PlannedMeasure,
    /// A result.
    Result,
    /// A proposal for more.
    Proposal,
}

/// A participant's entry in a programme.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    /// The participating agency kind.
    pub agency: String,
    /// What it is.
    pub kind: ContributionKind,
    /// The text.
    pub text: String,
}

/// An interagency programme.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    /// Whether it is in force.
    pub active: bool,
    /// Its end date.
    pub until: Option<NaiveDate>,
    /// Commission decisions, in order.
    pub decisions: Vec<Decision>,
    /// Participants' entries, with author (user id) and date.
    pub contributions: Vec<(Contribution, String, NaiveDate)>,
}

/// Something that happened in a case. Stored as facts; replayed to derive the case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // serialized data
pub enum CaseEvent {
    /// The case opened: how, on what ground and document, when the information was received.
    Opened {
        /// The child.
        child: SubjectId,
        /// Opening id of the workflow (`identification`, `signal`).
        opening: String,
        /// Initial state.
        state: String,
        /// Code of `inclusion_ground`.
        ground: String,
        /// The basis document.
        document: BasisDocument,
        /// When the identification or signal was received (deadlines count from it).
        received_at: DateTime<Utc>,
    },
    /// A transition.
    Transitioned {
        /// Transition id.
        transition: String,
        /// From state.
        from: String,
        /// To state.
        to: String,
        /// Exit ground, when required.
        #[serde(default)]
        ground: Option<String>,
        /// Explanation.
        #[serde(default)]
        text: Option<String>,
        /// Document.
        #[serde(default)]
        document: Option<BasisDocument>,
        /// What the transition starts afresh (`assessment`).
        #[serde(default)]
        resets: Vec<String>,
        /// The inclusion ground (category) the case stays under from now on, when the
        /// transition changes it (Yamal §4.2).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_ground: Option<String>,
    },
    /// The assessment was saved (partial) or submitted.
    Assessed {
        /// The assessment as saved.
        assessment: Assessment,
    },
    /// Plan measures were set: the accepted proposal or a person's edit, with the reason.
    PlanSet {
        /// The whole plan after the change.
        measures: Vec<CaseMeasure>,
        /// The rule set version the proposal came from.
        rules_version: Option<String>,
        /// What was accepted from the proposal (ids), for the record.
        accepted: Vec<String>,
        /// Proposals left out, for the record.
        #[serde(default)]
        declined: Vec<Proposed>,
    },
    /// A measure's execution changed.
    MeasureUpdated {
        /// Measure id.
        id: String,
        /// New status.
        status: MeasureStatus,
        /// Result.
        #[serde(default)]
        result: Option<String>,
        /// Responsible.
        #[serde(default)]
        responsible: Option<String>,
    },
    /// A monitoring visit.
    Visited {
        /// The visit.
        visit: Visit,
    },
    /// A commission decision on the interagency programme.
    ProgrammeDecided {
        /// The decision.
        decision: Decision,
    },
    /// A participant's entry in the programme.
    ProgrammeContributed {
        /// The entry.
        contribution: Contribution,
        /// Its date.
        on: NaiveDate,
    },
}

/// The current state of a case, derived from its events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The child.
    pub child: SubjectId,
    /// How it opened.
    pub opening: String,
    /// Inclusion ground.
    pub ground: String,
    /// Inclusion basis document.
    pub document: BasisDocument,
    /// When the information was received.
    pub received_at: DateTime<Utc>,
    /// Current state.
    pub state: String,
    /// The state before (for `@previous`).
    pub previous_state: Option<String>,
    /// When the current state was entered.
    pub state_since: DateTime<Utc>,
    /// When the previous state was entered (a return to it keeps its deadline).
    #[serde(default)]
    pub previous_since: Option<DateTime<Utc>>,
    /// Exit ground, when exited.
    pub exit_ground: Option<String>,
    /// The comprehensive assessment, partial or submitted.
    pub assessment: Option<Assessment>,
    /// The plans' measures (child plan and family plan).
    pub measures: Vec<CaseMeasure>,
    /// The rule set version of the last accepted proposal.
    pub rules_version: Option<String>,
    /// Monitoring visits.
    pub visits: Vec<Visit>,
    /// The interagency programme, if any.
    pub programme: Option<Programme>,
}

impl Case {
    /// A case from its opening event.
    pub fn open(event: &CaseEvent, at: DateTime<Utc>) -> Option<Case> {
        let CaseEvent::Opened { child, opening, state, ground, document, received_at } = event else { return None };
        Some(Case {
            child: *child,
            opening: opening.clone(),
            ground: ground.clone(),
            document: document.clone(),
            received_at: *received_at,
            state: state.clone(),
            previous_state: None,
            state_since: (*received_at).min(at),
            previous_since: None,
            exit_ground: None,
            assessment: None,
            measures: Vec::new(),
            rules_version: None,
            visits: Vec::new(),
            programme: None,
        })
    }

    /// Applies a later event recorded at `at` (checks are the registry's, before recording).
    pub fn apply(&mut self, event: &CaseEvent, at: DateTime<Utc>, by: &str) {
        match event {
            CaseEvent::Opened { .. } => {}
            CaseEvent::Transitioned { from, to, ground, resets, new_ground, .. } => {
                if let Some(g) = new_ground {
                    self.ground = g.clone();
                }
                // Returning to the state before keeps the time it was entered (its deadline).
                let since = if self.previous_state.as_deref() == Some(to.as_str()) {
                    self.previous_since.unwrap_or(at)
                } else {
                    at
                };
                self.previous_state = Some(from.clone());
                self.previous_since = Some(self.state_since);
                self.state = to.clone();
                self.state_since = since;
                // The exit ground belongs to the exit: any later transition (a reopening) clears it.
                self.exit_ground = ground.clone();
                if resets.iter().any(|r| r == "assessment") {
                    self.assessment = None;
                }
            }
            CaseEvent::Assessed { assessment } => self.assessment = Some(assessment.clone()),
            CaseEvent::PlanSet { measures, rules_version, .. } => {
                self.measures = measures.clone();
                if rules_version.is_some() {
                    self.rules_version = rules_version.clone();
                }
            }
            CaseEvent::MeasureUpdated { id, status, result, responsible } => {
                if let Some(m) = self.measures.iter_mut().find(|m| &m.measure.id == id) {
                    m.status = *status;
                    if result.is_some() {
                        m.result = result.clone();
                    }
                    if responsible.is_some() {
                        m.responsible = responsible.clone();
                    }
                }
            }
            CaseEvent::Visited { visit } => self.visits.push(visit.clone()),
            CaseEvent::ProgrammeDecided { decision } => {
                let p = self.programme.get_or_insert_with(Programme::default);
                match decision.kind {
                    DecisionKind::Approve | DecisionKind::Extend => {
                        p.active = true;
                        p.until = decision.until.or(p.until);
                    }
                    DecisionKind::Change => {}
                    DecisionKind::End => p.active = false,
                }
                p.decisions.push(decision.clone());
            }
            CaseEvent::ProgrammeContributed { contribution, on } => {
                let p = self.programme.get_or_insert_with(Programme::default);
                p.contributions.push((contribution.clone(), by.to_string(), *on));
            }
        }
    }

    /// Whether monitoring is present (REP-1): at least one visit recorded.
    pub fn has_monitoring(&self) -> bool {
        !self.visits.is_empty()
    }

    /// Measures past their due date and not done or cancelled.
    pub fn overdue_measures(&self, today: NaiveDate) -> impl Iterator<Item = &CaseMeasure> {
        self.measures.iter().filter(move |m| {
            !m.measure.dropped
                && m.due < today
                && matches!(m.status, MeasureStatus::Planned | MeasureStatus::InProgress)
        })
    }
}
