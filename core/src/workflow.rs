//! The case workflow as data (WF-1, WF-2, WF-5, WF-6): states, openings, transitions
//! with their requirements, and deadlines in hours or working days.
//!
//! Pure: the registry asks this module whether a transition is allowed and when the
//! current stage is due; it never reads a clock or a store.

use crate::calendar::Calendar;
use crate::profile::{Action, Label};
use crate::{Error, ErrorCode};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// A state of a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Stable id.
    pub id: String,
    /// Localized name.
    pub label: Label,
    /// A final state: no deadlines run.
    #[serde(default, rename = "final")]
    pub is_final: bool,
    /// The comprehensive assessment is edited and submitted in this state.
    #[serde(default)]
    pub assessing: bool,
    /// Plans are proposed and accepted in this state.
    #[serde(default)]
    pub planning: bool,
    /// Monitoring visits fall due in this state.
    #[serde(default)]
    pub monitoring: bool,
    /// Work is paused: measures do not fall due.
    #[serde(default)]
    pub paused: bool,
}

/// A way a case opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Opening {
    /// Stable id (`identification`, `signal`).
    pub id: String,
    /// The state a case opened this way starts in.
    pub state: String,
    /// A signal about a child in danger: the shortest deadlines apply.
    #[serde(default)]
    pub urgent: bool,
    /// Localized name.
    pub label: Label,
    /// Inclusion grounds (codes of `inclusion_ground`) accepted for this opening; empty: any.
    /// Omsk: the categories of one register; Yamal: the grounds of §4.2.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grounds: Vec<String>,
    /// Basis document kinds (codes of `document_kind`) accepted for this opening; empty: any.
    /// Omsk §§10, 16: a decision of the head of the prevention body, or of the municipal commission.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
}

/// A change of a case's inclusion ground (its category) made by a transition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroundChange {
    /// The grounds it lifts (the case's current ground must be one of them).
    pub from: Vec<String>,
    /// The ground the case stays under.
    pub to: String,
}

/// What a transition needs besides the right to act.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// An exit ground (a code of the `exit_ground` vocabulary).
    Ground,
    /// A basis document.
    Document,
    /// An explanation.
    Text,
    /// A submitted comprehensive assessment.
    Assessment,
    /// An accepted plan.
    Plan,
}

/// A transition between states.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// Stable id.
    pub id: String,
    /// States it leaves from.
    pub from: Vec<String>,
    /// The state it leads to, or `@previous`.
    pub to: String,
    /// The grant needed (default `write`; `approve` for decisions of a supervising body).
    #[serde(default = "default_action")]
    pub action: Action,
    /// What it needs.
    #[serde(default)]
    pub requires: Vec<Requirement>,
    /// What it starts afresh: `assessment` (a new assessment begins; the old one stays in history).
    #[serde(default)]
    pub resets: Vec<String>,
    /// Localized name.
    pub label: Label,
    /// Only for cases opened one of these ways (registers); empty: any case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub openings: Vec<String>,
    /// Basis document kinds accepted when the transition takes a document; empty: any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<String>,
    /// Changes the case's inclusion ground (Yamal §4.2: "neglected" lifted, the child stays
    /// under "environment not meeting upbringing requirements").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_ground: Option<GroundChange>,
}

impl Transition {
    /// Whether the transition applies to a case opened a given way.
    pub fn applies_to(&self, opening: &str) -> bool {
        self.openings.is_empty() || self.openings.iter().any(|o| o == opening)
    }
}

fn default_action() -> Action {
    Action::Write
}

/// A deadline for leaving a state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// The state it applies in.
    pub state: String,
    /// Only for cases opened this way (the first matching deadline wins, so list specific ones first).
    #[serde(default)]
    pub opening: Option<String>,
    /// Due this many hours after entering the state.
    #[serde(default)]
    pub hours: Option<u32>,
    /// Due this many working days after entering the state (end of that day, UTC).
    #[serde(default)]
    pub working_days: Option<u32>,
    /// What is due, in words (the "reason" a due list shows).
    pub label: Label,
}

/// Derives a circumstance from the registry's record of the child (not only from the
/// assessment): all given conditions must hold. Data, so owners extend it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeriveRule {
    /// The circumstance code produced.
    pub circumstance: String,
    /// The child's legal status is one of these.
    #[serde(default)]
    pub legal_status: Vec<String>,
    /// The child has no PIN.
    #[serde(default)]
    pub no_pin: Option<bool>,
    /// The child has (or has not) a disability.
    #[serde(default)]
    pub disability: Option<bool>,
    /// A parent (mother or father) has one of these presence codes.
    #[serde(default)]
    pub parent_presence: Vec<String>,
    /// With `parent_presence`: every recorded parent must have one of them (at least one recorded).
    #[serde(default)]
    pub all_parents: bool,
    /// The child's open-ended needs contain this key.
    #[serde(default)]
    pub need: Option<String>,
}

impl DeriveRule {
    /// Whether the record meets every condition.
    pub fn matches(&self, c: &crate::model::Child) -> bool {
        let parents: Vec<&crate::model::Relative> =
            c.relatives.iter().filter(|r| r.relation == "mother" || r.relation == "father").collect();
        let has = |r: &&crate::model::Relative| self.parent_presence.contains(&r.presence);
        let presence_ok = self.parent_presence.is_empty()
            || if self.all_parents { !parents.is_empty() && parents.iter().all(has) } else { parents.iter().any(has) };
        (self.legal_status.is_empty() || self.legal_status.contains(&c.legal_status))
            && self.no_pin.is_none_or(|v| v == c.pin.is_none())
            && self.disability.is_none_or(|v| v == c.disability.present)
            && presence_ok
            && self.need.as_ref().is_none_or(|k| c.needs.contains_key(k))
    }
}

/// The workflow section of a profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowConfig {
    /// The working-day calendar: `kg` or `ru`.
    pub calendar: String,
    /// Risk escalates one level when this many findings share the highest severity.
    pub risk_escalate_after: u32,
    /// Working days between monitoring visits.
    pub monitoring_every_working_days: u32,
    /// States.
    pub states: Vec<State>,
    /// Ways to open a case.
    pub openings: Vec<Opening>,
    /// Transitions.
    pub transitions: Vec<Transition>,
    /// Deadlines.
    #[serde(default)]
    pub deadlines: Vec<Deadline>,
    /// Circumstances derived from the child's record for plan generation.
    #[serde(default)]
    pub derive: Vec<DeriveRule>,
    /// A child may have one open case per opening (a register each, Omsk §6) instead of one
    /// open case in all.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub case_per_opening: bool,
}

fn bad(reason: &str, path: String) -> Error {
    Error::new(ErrorCode::Profile, reason).with_field(path)
}

impl WorkflowConfig {
    /// Checks every reference to a state, opening and action; errors carry the path.
    pub fn validate(&self) -> Result<(), Error> {
        let known = |s: &str| self.states.iter().any(|x| x.id == s);
        for (i, s) in self.states.iter().enumerate() {
            if self.states.iter().filter(|x| x.id == s.id).count() > 1 {
                return Err(bad("PROFILE_DUPLICATE", format!("workflow.states[{i}]")).arg("code", &s.id));
            }
        }
        for (i, o) in self.openings.iter().enumerate() {
            if !known(&o.state) {
                return Err(bad("PROFILE_UNKNOWN_REF", format!("workflow.openings[{i}].state")).arg("code", &o.state));
            }
        }
        for (i, t) in self.transitions.iter().enumerate() {
            if self.transitions.iter().filter(|x| x.id == t.id).count() > 1 {
                return Err(bad("PROFILE_DUPLICATE", format!("workflow.transitions[{i}]")).arg("code", &t.id));
            }
            for (j, f) in t.from.iter().enumerate() {
                if !known(f) {
                    return Err(
                        bad("PROFILE_UNKNOWN_REF", format!("workflow.transitions[{i}].from[{j}]")).arg("code", f)
                    );
                }
            }
            if t.to != "@previous" && !known(&t.to) {
                return Err(bad("PROFILE_UNKNOWN_REF", format!("workflow.transitions[{i}].to")).arg("code", &t.to));
            }
            for (j, o) in t.openings.iter().enumerate() {
                if self.opening(o).is_none() {
                    return Err(
                        bad("PROFILE_UNKNOWN_REF", format!("workflow.transitions[{i}].openings[{j}]")).arg("code", o)
                    );
                }
            }
            if let Some(r) = t.resets.iter().find(|r| r.as_str() != "assessment") {
                return Err(bad("PROFILE_UNKNOWN_REF", format!("workflow.transitions[{i}].resets")).arg("code", r));
            }
            if !matches!(t.action, Action::Write | Action::Approve) {
                return Err(
                    bad("PROFILE_SCOPE", format!("workflow.transitions[{i}].action")).arg("code", t.action.name())
                );
            }
        }
        for (i, d) in self.deadlines.iter().enumerate() {
            let path = format!("workflow.deadlines[{i}]");
            if !known(&d.state) {
                return Err(bad("PROFILE_UNKNOWN_REF", format!("{path}.state")).arg("code", &d.state));
            }
            if let Some(o) = &d.opening {
                if !self.openings.iter().any(|x| &x.id == o) {
                    return Err(bad("PROFILE_UNKNOWN_REF", format!("{path}.opening")).arg("code", o));
                }
            }
            if d.hours.is_some() == d.working_days.is_some() {
                return Err(bad("PROFILE_SCOPE", path).arg("code", "hours|working_days"));
            }
        }
        Calendar::builtin(&self.calendar).map_err(|e| e.with_field("workflow.calendar"))?;
        Ok(())
    }

    /// The state with an id.
    pub fn state(&self, id: &str) -> Option<&State> {
        self.states.iter().find(|s| s.id == id)
    }

    /// The opening with an id.
    pub fn opening(&self, id: &str) -> Option<&Opening> {
        self.openings.iter().find(|o| o.id == id)
    }

    /// The transition with an id.
    pub fn transition(&self, id: &str) -> Option<&Transition> {
        self.transitions.iter().find(|t| t.id == id)
    }

    /// Transitions available from a state.
    pub fn available(&self, state: &str) -> Vec<&Transition> {
        self.transitions.iter().filter(|t| t.from.iter().any(|f| f == state)).collect()
    }

    /// Where a transition leads from `state`, or `CONFLICT/TRANSITION_NOT_ALLOWED`.
    pub fn target(
        &self,
        transition: &str,
        state: &str,
        previous: Option<&str>,
    ) -> Result<(&Transition, String), Error> {
        let t = self.transition(transition).ok_or_else(|| {
            Error::validation("UNKNOWN_CODE", "transition").arg("code", transition).arg("vocabulary", "transitions")
        })?;
        if !t.from.iter().any(|f| f == state) {
            return Err(Error::new(ErrorCode::Conflict, "TRANSITION_NOT_ALLOWED")
                .arg("code", transition)
                .arg("state", state));
        }
        let to = if t.to == "@previous" { previous.unwrap_or(state).to_string() } else { t.to.clone() };
        Ok((t, to))
    }

    /// The deadline of a state for a case opened a given way, and when it falls.
    pub fn due(
        &self,
        state: &str,
        opening: &str,
        entered: DateTime<Utc>,
        calendar: &Calendar,
    ) -> Option<(&Deadline, DateTime<Utc>)> {
        if self.state(state).is_some_and(|s| s.is_final) {
            return None;
        }
        let d =
            self.deadlines.iter().find(|d| d.state == state && d.opening.as_deref().is_none_or(|o| o == opening))?;
        let at = match (d.hours, d.working_days) {
            (Some(h), _) => entered + Duration::hours(i64::from(h)),
            (None, Some(n)) => end_of_day(calendar.add_working_days(entered.date_naive(), n)),
            (None, None) => return None,
        };
        Some((d, at))
    }
}

/// The last instant of a day (UTC): a deadline "within N days" runs to the day's end.
pub fn end_of_day(d: chrono::NaiveDate) -> DateTime<Utc> {
    let t = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default();
    d.and_time(t).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kg() -> WorkflowConfig {
        crate::Profile::kyrgyzstan().unwrap().workflow.unwrap()
    }

    #[test]
    fn shipped_workflow_is_valid_and_reachable() {
        let w = kg();
        w.validate().unwrap();
        // Every state can be reached from an opening state.
        let mut reached = vec![w.openings[0].state.clone()];
        let mut i = 0;
        while i < reached.len() {
            for t in w.available(&reached[i].clone()) {
                if t.to != "@previous" && !reached.contains(&t.to) {
                    reached.push(t.to.clone());
                }
            }
            i += 1;
        }
        for s in &w.states {
            assert!(reached.contains(&s.id), "{} unreachable", s.id);
        }
    }

    #[test]
    fn illegal_transition_is_a_conflict() {
        let w = kg();
        let e = w.target("approve_plans", "identified", None).unwrap_err();
        assert_eq!((e.code, e.reason.as_str()), (ErrorCode::Conflict, "TRANSITION_NOT_ALLOWED"));
        assert_eq!(w.target("reject_suspension", "suspension_requested", Some("assessment")).unwrap().1, "assessment");
        assert_eq!(w.target("nonsense", "identified", None).unwrap_err().reason, "UNKNOWN_CODE");
    }

    #[test]
    fn deadlines_in_hours_and_working_days() {
        let w = kg();
        let cal = Calendar::kyrgyzstan().unwrap();
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 8, 28, 10, 0, 0).unwrap();
        let (d, at) = w.due("identified", "signal", t, &cal).unwrap();
        assert_eq!(d.hours, Some(24));
        assert_eq!(at, t + Duration::hours(24));
        // Friday 28 August + 3 working days: 31 August is a holiday -> Thursday 3 September.
        let (_, at) = w.due("identified", "identification", t, &cal).unwrap();
        assert_eq!(at.date_naive(), chrono::NaiveDate::from_ymd_opt(2026, 9, 3).unwrap());
        assert!(w.due("exited", "signal", t, &cal).is_none());
    }

    #[test]
    fn broken_workflows_are_refused_with_the_place() {
        let mut w = kg();
        w.transitions[0].to = "nowhere".into();
        assert_eq!(w.validate().unwrap_err().field.as_deref(), Some("workflow.transitions[0].to"));
        let mut w = kg();
        w.deadlines[1].working_days = None;
        assert_eq!(w.validate().unwrap_err().field.as_deref(), Some("workflow.deadlines[1]"));
        let mut w = kg();
        w.calendar = "mars".into();
        assert_eq!(w.validate().unwrap_err().field.as_deref(), Some("workflow.calendar"));
    }
}
