//! Automatic plans through the facade (WF-3, WF-4): propose from the assessment and the
//! record, accept what a person chooses, edit by hand with a reason, execute measures.

use super::cases::CaseView;
use super::{Registry, Session};
use crate::case::{CaseEvent, CaseMeasure, MeasureStatus};
use crate::facts::StateBody;
use crate::model::{Child, SubjectId};
use crate::plan::{self, PlanConfig, PlanDiff, PlanKind, PlanMeasure, Proposed, Severity, Situation};
use crate::profile::{Action, Label};
use crate::{Error, ErrorCode};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// What the rules propose for a case now, and how it differs from its plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanProposal {
    /// The rule set version.
    pub rules_version: String,
    /// The circumstances the rules looked at (assessment and record), with severity.
    pub circumstances: Vec<(String, Severity)>,
    /// Everything the rules produce now.
    pub proposed: Vec<Proposed>,
    /// What accepting would change: ids to add, drop or change.
    pub diff: PlanDiff,
}

/// A change in a measure's execution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MeasureUpdate {
    /// New status.
    pub status: MeasureStatus,
    /// Result (required when done).
    #[serde(default)]
    pub result: Option<String>,
    /// The responsible specialist or unit.
    #[serde(default)]
    pub responsible: Option<String>,
}

/// A measure a person adds by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ManualMeasure {
    /// What is to be done.
    pub title: String,
    /// Responsible agency kind.
    pub agency: String,
    /// Child plan or family plan.
    pub plan: PlanKind,
    /// Due in working days from today.
    pub due_working_days: u32,
    /// Why it is added.
    pub reason: String,
}

/// A person's change to a measure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MeasureChange {
    /// New title.
    #[serde(default)]
    pub title: Option<String>,
    /// New responsible agency kind.
    #[serde(default)]
    pub agency: Option<String>,
    /// New due, in working days from today.
    #[serde(default)]
    pub due_working_days: Option<u32>,
    /// Why.
    pub reason: String,
}

fn label(text: &str) -> Label {
    Label { ru: text.to_string(), ky: text.to_string(), en: text.to_string() }
}

impl Registry {
    pub(crate) fn plan_config(&self) -> Result<&PlanConfig, Error> {
        self.profile
            .plan
            .as_ref()
            .ok_or_else(|| Error::new(ErrorCode::Profile, "PROFILE_MISSING").with_field("plan").arg("code", "plan"))
    }

    /// The title of a generated measure id (`rule/key`).
    pub(crate) fn measure_title(&self, id: &str) -> Option<Label> {
        let (rule, key) = id.split_once('/')?;
        let plan = self.profile.plan.as_ref()?;
        let r = plan.rules.iter().find(|r| r.id == rule)?;
        r.measures.iter().find(|m| m.key == key).map(|m| to_label(&m.title))
    }

    fn child_record(&self, child: &SubjectId) -> Result<Child, Error> {
        let (_, bytes) = self.state_header(child)?.ok_or_else(|| Error::new(ErrorCode::NotFound, "CHILD_NOT_FOUND"))?;
        let key = self.subject_key(child)?;
        match self.open_state(child, &bytes, &key)? {
            (_, StateBody::Child { record, .. }) => Ok(record),
            _ => Err(Error::new(ErrorCode::Storage, "STORE_DAMAGED")),
        }
    }

    fn proposal(&self, case: &crate::case::Case) -> Result<PlanProposal, Error> {
        let plan = self.plan_config()?;
        let w = self.workflow()?;
        let Some(a) = case.assessment.as_ref().filter(|a| a.submitted_at.is_some()) else {
            return Err(Error::new(ErrorCode::Conflict, "ASSESSMENT_NOT_SUBMITTED"));
        };
        let child = self.child_record(&case.child)?;
        let mut circumstances = a.circumstances(plan);
        for d in w.derive.iter().filter(|d| d.matches(&child)) {
            if !circumstances.iter().any(|(c, _)| c == &d.circumstance) {
                let sev = plan.circumstance(&d.circumstance).map_or(Severity::Medium, |c| c.severity);
                circumstances.push((d.circumstance.clone(), sev));
            }
        }
        circumstances.sort();
        let today = self.clock.today();
        let mut age = today.year() - child.birth_date.year();
        if (today.month(), today.day()) < (child.birth_date.month(), child.birth_date.day()) {
            age -= 1;
        }
        let sex = match child.sex {
            crate::Sex::Female => "female",
            crate::Sex::Male => "male",
        };
        let situation = Situation {
            circumstances: &circumstances,
            age_years: age.max(0) as u32,
            disability: child.disability.present,
            sex,
            legal_status: &child.legal_status,
        };
        let proposed = plan::generate(plan, &situation);
        let current: Vec<PlanMeasure> = case.measures.iter().map(|m| m.measure.clone()).collect();
        let mut diff = plan::diff(&current, &proposed);
        // A measure under way, done or cancelled is history: regeneration never drops it.
        diff.drop.retain(|id| case.measures.iter().any(|m| &m.measure.id == id && m.status == MeasureStatus::Planned));
        Ok(PlanProposal { rules_version: plan.version.clone(), circumstances, proposed, diff })
    }

    /// What the rules propose now and how it differs from the case's plan. Changes nothing.
    pub fn propose_plan(&self, session: &Session, id: &SubjectId) -> Result<PlanProposal, Error> {
        let actor = self.actor(session)?;
        let (_, case) = self.load_case(&actor, id, Action::Read, "case.plan")?;
        let p = self.proposal(&case)?;
        self.audit(super::AuditDraft::allowed(&actor.user.id, "case.plan", Some(id.to_string())))?;
        Ok(p)
    }

    /// Accepts parts of the current proposal (ids from its diff: measures to add, drop or change).
    /// Measures people added, changed or dropped by hand are never touched.
    pub fn accept_plan(&self, session: &Session, id: &SubjectId, accepted: Vec<String>) -> Result<CaseView, Error> {
        let actor = self.actor(session)?;
        let (h, case) = self.load_case(&actor, id, Action::Write, "case.plan")?;
        if !self.workflow()?.state(&case.state).is_some_and(|s| s.planning) {
            return Err(Error::new(ErrorCode::Conflict, "TRANSITION_NOT_ALLOWED")
                .arg("code", "accept_plan")
                .arg("state", &case.state));
        }
        let p = self.proposal(&case)?;
        let offered: Vec<&str> = p
            .diff
            .add
            .iter()
            .map(|m| m.id.as_str())
            .chain(p.diff.drop.iter().map(String::as_str))
            .chain(p.diff.change.iter().map(|(i, _)| i.as_str()))
            .collect();
        for (i, a) in accepted.iter().enumerate() {
            if !offered.contains(&a.as_str()) {
                return Err(Error::validation("NOT_PROPOSED", format!("accepted[{i}]")).arg("code", a));
            }
        }
        let current: Vec<PlanMeasure> = case.measures.iter().map(|m| m.measure.clone()).collect();
        let next = plan::apply(&current, &p.diff, &accepted);
        let measures = self.with_execution(&case.measures, next);
        let declined = p.diff.add.iter().filter(|m| !accepted.contains(&m.id)).cloned().collect();
        let event = CaseEvent::PlanSet { measures, rules_version: Some(p.rules_version), accepted, declined };
        self.record_case_event(&actor, id, &h, &case, event, "case.plan")
    }

    /// Keeps execution state of measures that stay; new ones are planned and due from today.
    fn with_execution(&self, old: &[CaseMeasure], next: Vec<PlanMeasure>) -> Vec<CaseMeasure> {
        let today = self.clock.today();
        next.into_iter()
            .map(|m| match old.iter().find(|o| o.measure.id == m.id) {
                Some(o) if o.measure.due_working_days == m.due_working_days => CaseMeasure { measure: m, ..o.clone() },
                Some(o) => CaseMeasure {
                    due: self.calendar.add_working_days(today, m.due_working_days),
                    measure: m,
                    ..o.clone()
                },
                None => CaseMeasure {
                    due: self.calendar.add_working_days(today, m.due_working_days),
                    measure: m,
                    status: MeasureStatus::Planned,
                    responsible: None,
                    result: None,
                },
            })
            .collect()
    }

    /// Applies a person's edit (through the plan module's checked functions) and records it.
    fn edit_plan(
        &self,
        session: &Session,
        id: &SubjectId,
        edit: impl FnOnce(&mut Vec<PlanMeasure>, &str, NaiveDate) -> Result<(), plan::PlanError>,
    ) -> Result<CaseView, Error> {
        let actor = self.actor(session)?;
        let (h, case) = self.load_case(&actor, id, Action::Write, "case.plan")?;
        self.check_open(&case)?;
        let mut measures: Vec<PlanMeasure> = case.measures.iter().map(|m| m.measure.clone()).collect();
        edit(&mut measures, &actor.user.id, self.clock.today()).map_err(plan_error)?;
        let measures = self.with_execution(&case.measures, measures);
        let event = CaseEvent::PlanSet { measures, rules_version: None, accepted: Vec::new(), declined: Vec::new() };
        self.record_case_event(&actor, id, &h, &case, event, "case.plan")
    }

    pub(crate) fn check_open(&self, case: &crate::case::Case) -> Result<(), Error> {
        if matches!(self.workflow()?.state(&case.state), Some(s) if s.is_final) {
            return Err(Error::new(ErrorCode::Conflict, "CASE_CLOSED"));
        }
        Ok(())
    }

    fn check_agency(&self, agency: &str) -> Result<(), Error> {
        if self.plan_config()?.agencies.iter().any(|a| a.code == agency) {
            Ok(())
        } else {
            Err(Error::validation("UNKNOWN_CODE", "agency").arg("code", agency).arg("vocabulary", "agencies"))
        }
    }

    /// Adds a measure by hand, with a reason.
    pub fn add_measure(&self, session: &Session, id: &SubjectId, m: ManualMeasure) -> Result<CaseView, Error> {
        self.check_agency(&m.agency)?;
        if m.title.trim().is_empty() {
            return Err(Error::validation("REQUIRED", "title"));
        }
        self.edit_plan(session, id, |measures, by, at| {
            let content = plan::MeasureContent {
                title: to_plan_label(&label(m.title.trim())),
                agency: m.agency,
                plan: m.plan,
                due_working_days: m.due_working_days,
            };
            plan::add_manual(measures, content, &m.reason, by, at).map(|_| ())
        })
    }

    /// Changes a measure by hand, with a reason; regeneration never overwrites it afterwards.
    pub fn change_measure(
        &self,
        session: &Session,
        id: &SubjectId,
        measure: &str,
        change: MeasureChange,
    ) -> Result<CaseView, Error> {
        if let Some(a) = &change.agency {
            self.check_agency(a)?;
        }
        self.edit_plan(session, id, |measures, by, at| {
            let c = plan::MeasureChange {
                title: change
                    .title
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| to_plan_label(&label(t))),
                agency: change.agency,
                due_working_days: change.due_working_days,
            };
            plan::change_manual(measures, measure, c, &change.reason, by, at)
        })
    }

    /// Drops a measure by hand, with a reason; it is not proposed again.
    pub fn drop_measure(
        &self,
        session: &Session,
        id: &SubjectId,
        measure: &str,
        reason: &str,
    ) -> Result<CaseView, Error> {
        self.edit_plan(session, id, |measures, by, at| plan::drop_manual(measures, measure, reason, by, at))
    }

    /// Records the execution of a measure: status, result, responsible (WF-4).
    pub fn update_measure(
        &self,
        session: &Session,
        id: &SubjectId,
        measure: &str,
        update: MeasureUpdate,
    ) -> Result<CaseView, Error> {
        let actor = self.actor(session)?;
        let (h, case) = self.load_case(&actor, id, Action::Write, "case.measure")?;
        self.check_open(&case)?;
        let Some(m) = case.measures.iter().find(|m| m.measure.id == measure && !m.measure.dropped) else {
            return Err(Error::new(ErrorCode::NotFound, "MEASURE_NOT_FOUND").arg("id", measure));
        };
        if matches!(m.status, MeasureStatus::Done | MeasureStatus::Cancelled) {
            return Err(Error::new(ErrorCode::Conflict, "MEASURE_CLOSED").arg("id", measure));
        }
        if update.status == MeasureStatus::Done && update.result.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(Error::validation("REQUIRED", "result"));
        }
        let event = CaseEvent::MeasureUpdated {
            id: measure.to_string(),
            status: update.status,
            result: update.result,
            responsible: update.responsible,
        };
        self.record_case_event(&actor, id, &h, &case, event, "case.measure")
    }
}

/// The public error of a plan edit refused by the plan module.
fn plan_error(e: plan::PlanError) -> Error {
    let code = match e.code() {
        "MEASURE_NOT_FOUND" => ErrorCode::NotFound,
        "MEASURE_DROPPED" => ErrorCode::Conflict,
        _ => ErrorCode::Validation,
    };
    let mut err = Error::new(code, e.code()).with_field(e.path().unwrap_or_default());
    if let Some(v) = e.value() {
        err = err.arg("id", v).arg("code", v);
    }
    err
}

fn to_label(l: &plan::Label) -> Label {
    Label { ru: l.ru.clone(), ky: l.ky.clone(), en: l.en.clone() }
}

fn to_plan_label(l: &Label) -> plan::Label {
    plan::Label { ru: l.ru.clone(), ky: l.ky.clone(), en: l.en.clone() }
}
