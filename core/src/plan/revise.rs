//! Plans as cases store them: regeneration as a diff, and hand edits with reasons.

use super::{Label, PlanError, PlanKind, Proposed, MAX_DUE_WORKING_DAYS};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What kind of hand edit a measure carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EditKind {
    /// Added by hand.
    Added,
    /// Changed by hand.
    Changed,
    /// Dropped by hand.
    Dropped,
}

/// The latest hand edit of a measure: who, when and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualEdit {
    /// What was done.
    pub kind: EditKind,
    /// Why (never empty).
    pub reason: String,
    /// Who did it (user id).
    pub by: String,
    /// When.
    pub at: NaiveDate,
}

/// A measure in a person's plan (what a case stores).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanMeasure {
    /// `rule_id/measure_key` for generated measures, `manual/N` for hand-added ones.
    pub id: String,
    /// The generated source; `None` for hand-added measures.
    pub proposed: Option<Proposed>,
    /// What is to be done.
    pub title: Label,
    /// The responsible agency's code.
    pub agency: String,
    /// The plan it belongs to.
    pub plan: PlanKind,
    /// Working days from the plan's date (the case layer turns this into a date).
    pub due_working_days: u32,
    /// Set when a person added, changed or dropped it; such measures regeneration never touches.
    pub manual: Option<ManualEdit>,
    /// Dropped by hand (kept with the reason).
    pub dropped: bool,
}

impl PlanMeasure {
    /// A plan measure taken over from a generated one.
    pub fn from_proposed(p: &Proposed) -> PlanMeasure {
        PlanMeasure {
            id: p.id.clone(),
            proposed: Some(p.clone()),
            title: p.title.clone(),
            agency: p.agency.clone(),
            plan: p.plan,
            due_working_days: p.due_working_days,
            manual: None,
            dropped: false,
        }
    }

    /// Generated and never edited by a person: the only measures regeneration may change.
    pub fn is_untouched(&self) -> bool {
        self.proposed.is_some() && self.manual.is_none() && !self.dropped
    }
}

/// The proposed revision of a plan when circumstances (or rules) changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDiff {
    /// New measures (ids not yet in the plan), sorted by (plan, id).
    pub add: Vec<Proposed>,
    /// Ids of generated, untouched measures no longer produced, sorted.
    pub drop: Vec<String>,
    /// Generated, untouched measures whose rule now yields different content
    /// (rule version, need, title, agency, due, plan), by id, sorted.
    pub change: Vec<(String, Proposed)>,
}

impl PlanDiff {
    /// Whether nothing is proposed.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.drop.is_empty() && self.change.is_empty()
    }

    /// Every id the diff proposes something for (to accept all of it).
    pub fn ids(&self) -> Vec<String> {
        let adds = self.add.iter().map(|p| p.id.clone());
        adds.chain(self.drop.iter().cloned()).chain(self.change.iter().map(|(id, _)| id.clone())).collect()
    }
}

/// Compares a plan with freshly generated measures. Measures a person added, changed or
/// dropped are left out of every part: they are neither changed, dropped nor re-added.
pub fn diff(current: &[PlanMeasure], proposed: &[Proposed]) -> PlanDiff {
    let by_id: BTreeMap<&str, &PlanMeasure> = current.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut d = PlanDiff::default();
    for p in proposed {
        match by_id.get(p.id.as_str()) {
            None => d.add.push(p.clone()),
            Some(m) if m.is_untouched() && m.proposed.as_ref() != Some(p) => d.change.push((p.id.clone(), p.clone())),
            Some(_) => {}
        }
    }
    let produced: BTreeSet<&str> = proposed.iter().map(|p| p.id.as_str()).collect();
    d.drop = current
        .iter()
        .filter(|m| m.is_untouched() && !produced.contains(m.id.as_str()))
        .map(|m| m.id.clone())
        .collect();
    d.add.sort_by(|a, b| (a.plan, &a.id).cmp(&(b.plan, &b.id)));
    d.add.dedup_by(|a, b| a.id == b.id);
    d.drop.sort();
    d.change.sort_by(|a, b| a.0.cmp(&b.0));
    d
}

/// Applies the accepted parts of a diff (ids of its `add`, `drop` and `change` entries) and
/// returns the new plan. Order is kept; additions go to the end. Measures with `manual` set are
/// never changed or dropped, and an id already in the plan is never added again.
pub fn apply(current: &[PlanMeasure], diff: &PlanDiff, accepted: &[String]) -> Vec<PlanMeasure> {
    let ok: BTreeSet<&str> = accepted.iter().map(String::as_str).collect();
    let drops: BTreeSet<&str> = diff.drop.iter().map(String::as_str).filter(|id| ok.contains(id)).collect();
    let changes: BTreeMap<&str, &Proposed> =
        diff.change.iter().filter(|(id, _)| ok.contains(id.as_str())).map(|(id, p)| (id.as_str(), p)).collect();
    let mut out: Vec<PlanMeasure> = Vec::with_capacity(current.len() + diff.add.len());
    for m in current {
        if !m.is_untouched() {
            out.push(m.clone());
        } else if drops.contains(m.id.as_str()) {
            continue;
        } else if let Some(p) = changes.get(m.id.as_str()).filter(|p| p.id == m.id) {
            out.push(PlanMeasure::from_proposed(p));
        } else {
            out.push(m.clone());
        }
    }
    for p in &diff.add {
        if ok.contains(p.id.as_str()) && !out.iter().any(|m| m.id == p.id) {
            out.push(PlanMeasure::from_proposed(p));
        }
    }
    out
}

/// A measure a person adds by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureContent {
    /// What is to be done.
    pub title: Label,
    /// The responsible agency or specialist.
    pub agency: String,
    /// The plan it goes to.
    pub plan: PlanKind,
    /// Working days from the plan's date.
    pub due_working_days: u32,
}

/// What a person changes on a measure; `None` keeps the current value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureChange {
    /// A new title.
    pub title: Option<Label>,
    /// A new responsible agency or specialist.
    pub agency: Option<String>,
    /// A new due, in working days from the plan's date.
    pub due_working_days: Option<u32>,
}

fn edit(kind: EditKind, reason: &str, by: &str, at: NaiveDate) -> Result<ManualEdit, PlanError> {
    if reason.trim().is_empty() {
        return Err(PlanError::new("REASON_REQUIRED", "reason", "", "a hand edit needs a reason"));
    }
    Ok(ManualEdit { kind, reason: reason.trim().to_string(), by: by.to_string(), at })
}

fn check_due(due: u32) -> Result<(), PlanError> {
    if due > MAX_DUE_WORKING_DAYS {
        return Err(PlanError::new("MEASURE_DUE_RANGE", "due_working_days", &due.to_string(), "within 0..=365"));
    }
    Ok(())
}

fn find<'a>(plan: &'a mut [PlanMeasure], id: &str) -> Result<&'a mut PlanMeasure, PlanError> {
    let m = plan
        .iter_mut()
        .find(|m| m.id == id)
        .ok_or_else(|| PlanError::new("MEASURE_NOT_FOUND", "id", id, "no measure with this id"))?;
    if m.dropped {
        return Err(PlanError::new("MEASURE_DROPPED", "id", id, "the measure was dropped"));
    }
    Ok(m)
}

/// Adds a measure by hand; returns its new id `manual/N`.
pub fn add_manual(
    plan: &mut Vec<PlanMeasure>,
    content: MeasureContent,
    reason: &str,
    by: &str,
    at: NaiveDate,
) -> Result<String, PlanError> {
    let manual = edit(EditKind::Added, reason, by, at)?;
    check_due(content.due_working_days)?;
    if content.agency.trim().is_empty() {
        return Err(PlanError::new("MEASURE_AGENCY_REQUIRED", "agency", "", "a measure needs a responsible agency"));
    }
    let n = plan.iter().filter_map(|m| m.id.strip_prefix("manual/")?.parse::<u64>().ok()).max().unwrap_or(0) + 1;
    let id = format!("manual/{n}");
    plan.push(PlanMeasure {
        id: id.clone(),
        proposed: None,
        title: content.title,
        agency: content.agency,
        plan: content.plan,
        due_working_days: content.due_working_days,
        manual: Some(manual),
        dropped: false,
    });
    Ok(id)
}

/// Changes a measure by hand (generated or hand-added); regeneration will not touch it again.
pub fn change_manual(
    plan: &mut [PlanMeasure],
    id: &str,
    change: MeasureChange,
    reason: &str,
    by: &str,
    at: NaiveDate,
) -> Result<(), PlanError> {
    let manual = edit(EditKind::Changed, reason, by, at)?;
    if change == MeasureChange::default() {
        return Err(PlanError::new("MEASURE_NO_CHANGE", "change", id, "nothing to change"));
    }
    if let Some(d) = change.due_working_days {
        check_due(d)?;
    }
    if change.agency.as_deref().is_some_and(|a| a.trim().is_empty()) {
        return Err(PlanError::new("MEASURE_AGENCY_REQUIRED", "agency", "", "a measure needs a responsible agency"));
    }
    let m = find(plan, id)?;
    if let Some(t) = change.title {
        m.title = t;
    }
    if let Some(a) = change.agency {
        m.agency = a;
    }
    if let Some(d) = change.due_working_days {
        m.due_working_days = d;
    }
    m.manual = Some(manual);
    Ok(())
}

/// Drops a measure by hand; it stays in the plan, marked dropped with the reason, and is never re-added.
pub fn drop_manual(plan: &mut [PlanMeasure], id: &str, reason: &str, by: &str, at: NaiveDate) -> Result<(), PlanError> {
    let manual = edit(EditKind::Dropped, reason, by, at)?;
    let m = find(plan, id)?;
    m.dropped = true;
    m.manual = Some(manual);
    Ok(())
}
