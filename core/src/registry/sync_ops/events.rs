//! Events (append-only facts: case events, family links, screening flags) arriving in a
//! bundle. Each is re-checked at the receiver with the domain rules the facade applies when a
//! person does the same thing here (workflow transitions from the current state and their
//! requirements, assessment and plan rules, the author's grant). An event that is no longer
//! valid is neither dropped nor forced: it goes to the review queue with the coded reason.

use super::merge::{new_header, Fate, Merge, Work};
use super::{ms, out_of_scope, REVIEW_QUEUED_CASE};
use crate::case::{Case, CaseEvent, DecisionKind, MeasureStatus};
use crate::facts::{FactBody, StateBody, SubjectKind};
use crate::model::SubjectId;
use crate::profile::Action;
use crate::registry::{index, st, Registry};
use crate::store::Tree;
use crate::sync::{self, WireChange};
use crate::workflow::Requirement;
use crate::{Error, ErrorCode};
use chrono::{DateTime, Utc};

fn conflict(reason: &str) -> Error {
    Error::new(ErrorCode::Conflict, reason)
}

impl Registry {
    /// Applies one event to the work set if it is valid here now.
    pub(super) fn apply_event(&self, m: &mut Merge<'_>, c: &WireChange) -> Result<Fate, Error> {
        let id = c.subject;
        match &c.body {
            FactBody::FamilyLinked { family, .. } => {
                if !self.work_in(m, &id)? {
                    return Ok(Fate::Erased);
                }
                let w = &m.work[&id];
                if w.header.kind != SubjectKind::Child {
                    return Err(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"));
                }
                if !m.may(self, Action::Write, &w.header.territory, &w.header.organization) {
                    return Err(out_of_scope(&id));
                }
                if let Some(f) = family {
                    if !self.work_in(m, f)? {
                        return Ok(Fate::NotApplicable(id, Error::new(ErrorCode::NotFound, "FAMILY_NOT_FOUND")));
                    }
                    let fw = &m.work[f];
                    if fw.header.kind != SubjectKind::Family {
                        return Ok(Fate::NotApplicable(id, Error::new(ErrorCode::NotFound, "FAMILY_NOT_FOUND")));
                    }
                    if !m.may(self, Action::Write, &fw.header.territory, &fw.header.organization) {
                        return Err(out_of_scope(f));
                    }
                }
                let Some(w) = m.work.get_mut(&id) else { return Ok(Fate::Erased) };
                let StateBody::Child { family: current, .. } = &mut w.body else {
                    return Err(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"));
                };
                if let (Some(cur), Some(new)) = (*current, family) {
                    if cur != *new {
                        return Ok(Fate::NotApplicable(
                            id,
                            conflict("ALREADY_IN_FAMILY").arg("family", cur).with_field("family"),
                        ));
                    }
                }
                *current = *family;
                Ok(Fate::Applied)
            }
            FactBody::Screened { .. } => {
                if !self.work_in(m, &id)? {
                    return Ok(Fate::Erased);
                }
                let w = &m.work[&id];
                if !m.may(self, Action::Write, &w.header.territory, &w.header.organization) {
                    return Err(out_of_scope(&id));
                }
                Ok(Fate::Applied)
            }
            FactBody::Case { event } => self.apply_case_event(m, c, event),
            _ => Err(Error::new(ErrorCode::Validation, "SYNC_UNSUPPORTED").with_field("bundle")),
        }
    }

    fn apply_case_event(&self, m: &mut Merge<'_>, c: &WireChange, event: &CaseEvent) -> Result<Fate, Error> {
        let id = c.subject;
        let at = ms(c.time_ms);
        if let CaseEvent::Opened { child, .. } = event {
            if m.work.contains_key(&id) || self.state_header(&id)?.is_some() {
                return Err(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"));
            }
            if !self.work_in(m, child)? {
                return Ok(Fate::Erased);
            }
            let cw = &m.work[child];
            if cw.header.kind != SubjectKind::Child {
                return Err(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"));
            }
            if !m.may(self, Action::Write, &cw.header.territory, &cw.header.organization) {
                return Err(out_of_scope(child));
            }
            if let Err(e) = self.check_opening(m, child, event, at) {
                m.queued_cases.insert(id, *child);
                m.batch.put(Tree::Index, queued_case_key(&id), child.0.to_vec());
                return Ok(Fate::NotApplicable(*child, e));
            }
            let case = Case::open(event, at).ok_or_else(|| Error::storage("opening event"))?;
            let (territory, organization) = (cw.header.territory.clone(), cw.header.organization.clone());
            let key = cw.key.clone();
            let organization = m.organization().unwrap_or(organization);
            self.wrap_key(&mut m.batch, &id, &key)?;
            m.batch.put(Tree::Index, index::child_case(child, &id), Vec::new());
            m.batch.delete(Tree::Index, queued_case_key(&id));
            let mut header = new_header(SubjectKind::Case, territory, &organization, c.time_ms);
            // The fact about to be recorded makes it version 1.
            header.version = 0;
            m.work.insert(
                id,
                Work {
                    header,
                    body: StateBody::Case { record: case },
                    before: None,
                    key,
                    meta: Default::default(),
                    merged: false,
                },
            );
            m.order.push(id);
            return Ok(Fate::Applied);
        }
        if !self.work_in(m, &id)? {
            // Its opening is waiting in the review queue (or the case is erased here).
            let child = match m.queued_cases.get(&id) {
                Some(ch) => Some(*ch),
                None => self
                    .store
                    .get(Tree::Index, &queued_case_key(&id))
                    .map_err(st)?
                    .and_then(|v| v.try_into().ok().map(SubjectId)),
            };
            return Ok(match child {
                Some(ch) if self.subject_key(&ch).is_ok() => {
                    Fate::NotApplicable(ch, Error::new(ErrorCode::NotFound, "CASE_NOT_FOUND"))
                }
                _ => Fate::Erased,
            });
        }
        let w = &m.work[&id];
        let StateBody::Case { record: case } = &w.body else {
            return Err(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"));
        };
        if !m.may(self, Action::Write, &w.header.territory, &w.header.organization) {
            return Err(out_of_scope(&id));
        }
        if let Err(e) = self.check_case_event(m, case, event, &w.header) {
            return Ok(Fate::NotApplicable(id, e));
        }
        let Some(w) = m.work.get_mut(&id) else { return Ok(Fate::Erased) };
        if let StateBody::Case { record } = &mut w.body {
            record.apply(event, at, &c.author);
        }
        Ok(Fate::Applied)
    }

    /// The facade's rules for opening a case (`open_case`), at the receiver now.
    fn check_opening(
        &self,
        m: &Merge<'_>,
        child: &SubjectId,
        event: &CaseEvent,
        at: DateTime<Utc>,
    ) -> Result<(), Error> {
        let CaseEvent::Opened { opening, state, ground, document, received_at, .. } = event else { return Ok(()) };
        let w = self.workflow()?;
        let o = w.opening(opening).ok_or_else(|| {
            Error::validation("UNKNOWN_CODE", "opening").arg("code", opening).arg("vocabulary", "openings")
        })?;
        if &o.state != state {
            return Err(conflict("TRANSITION_NOT_ALLOWED").arg("code", opening).arg("state", state));
        }
        self.profile.check_term("inclusion_ground", ground, "ground")?;
        self.check_document_at(document, "document", at)?;
        if !o.grounds.is_empty() && !o.grounds.contains(ground) {
            return Err(Error::validation("NOT_ACCEPTED_HERE", "ground").arg("code", ground).arg("context", &o.id));
        }
        if !o.documents.is_empty() && !o.documents.contains(&document.kind) {
            return Err(Error::validation("NOT_ACCEPTED_HERE", "document.kind")
                .arg("code", &document.kind)
                .arg("context", &o.id));
        }
        if *received_at > at {
            return Err(Error::validation("DATE_IN_FUTURE", "received_at").arg("date", received_at));
        }
        // One open case per child (per opening, when the workflow says so), this bundle's included.
        let mut cases: std::collections::HashMap<SubjectId, Case> = self.cases_of(child)?.into_iter().collect();
        for (cid, cw) in &m.work {
            if let StateBody::Case { record } = &cw.body {
                if record.child == *child {
                    cases.insert(*cid, record.clone());
                }
            }
        }
        let per_opening = w.case_per_opening;
        if cases.values().any(|c| !self.is_final_state(&c.state) && (!per_opening || c.opening == o.id)) {
            return Err(conflict("CASE_ALREADY_OPEN"));
        }
        Ok(())
    }

    fn is_final_state(&self, state: &str) -> bool {
        self.workflow().ok().and_then(|w| w.state(state)).is_some_and(|s| s.is_final)
    }

    /// The facade's document check (`check_document`), with the event's day as "today".
    fn check_document_at(&self, d: &crate::case::BasisDocument, field: &str, at: DateTime<Utc>) -> Result<(), Error> {
        self.profile.check_term("document_kind", &d.kind, &format!("{field}.kind"))?;
        if d.number.trim().is_empty() {
            return Err(Error::validation("REQUIRED", format!("{field}.number")));
        }
        if d.issuer.trim().is_empty() {
            return Err(Error::validation("REQUIRED", format!("{field}.issuer")));
        }
        if d.date > at.date_naive() {
            return Err(Error::validation("DATE_IN_FUTURE", format!("{field}.date")).arg("date", d.date));
        }
        Ok(())
    }

    /// The facade's rules for an event on an existing case (`transition`, `save_assessment`,
    /// `submit_assessment`, `accept_plan` and the plan edits, `update_measure`, `record_visit`,
    /// `programme_decision`, `programme_contribution`), against the case as it is here now.
    fn check_case_event(
        &self,
        m: &Merge<'_>,
        case: &Case,
        event: &CaseEvent,
        header: &crate::facts::StateHeader,
    ) -> Result<(), Error> {
        let w = self.workflow()?;
        match event {
            CaseEvent::Opened { .. } => Err(conflict("CASE_ALREADY_OPEN")),
            CaseEvent::Transitioned { transition, from, to, ground, text, document, .. } => {
                let (t, target) = w.target(transition, &case.state, case.previous_state.as_deref())?;
                // The worker decided from the state they saw; another one here now is a conflict.
                if from != &case.state || to != &target {
                    return Err(conflict("CASE_STATE_CHANGED").arg("from", from).arg("state", &case.state));
                }
                if !t.applies_to(&case.opening)
                    || t.change_ground.as_ref().is_some_and(|c| !c.from.contains(&case.ground))
                {
                    return Err(conflict("TRANSITION_NOT_ALLOWED").arg("code", &t.id).arg("state", &case.state));
                }
                if t.action != Action::Write && !m.may(self, t.action, &header.territory, &header.organization) {
                    return Err(Error::new(ErrorCode::AccessDenied, "NO_PERMISSION"));
                }
                for r in &t.requires {
                    match r {
                        Requirement::Ground => {
                            let g = ground.as_deref().ok_or_else(|| Error::validation("REQUIRED", "ground"))?;
                            self.profile.check_term("exit_ground", g, "ground")?;
                        }
                        Requirement::Document => {
                            if document.is_none() {
                                return Err(Error::validation("REQUIRED", "document"));
                            }
                        }
                        Requirement::Text => {
                            if text.as_deref().is_none_or(|t| t.trim().is_empty()) {
                                return Err(Error::validation("REQUIRED", "text"));
                            }
                        }
                        Requirement::Assessment => {
                            if case.assessment.as_ref().is_none_or(|a| a.submitted_at.is_none()) {
                                return Err(conflict("ASSESSMENT_NOT_SUBMITTED"));
                            }
                        }
                        Requirement::Plan => {
                            if case.measures.iter().all(|m| m.measure.dropped) {
                                return Err(conflict("PLAN_NOT_ACCEPTED"));
                            }
                        }
                    }
                }
                Ok(())
            }
            CaseEvent::Assessed { assessment } => {
                if !w.state(&case.state).is_some_and(|s| s.assessing) {
                    return Err(conflict("TRANSITION_NOT_ALLOWED").arg("code", "assess").arg("state", &case.state));
                }
                if case.assessment.as_ref().is_some_and(|a| a.submitted_at.is_some()) {
                    return Err(conflict("ASSESSMENT_SUBMITTED"));
                }
                let plan = self.plan_config()?;
                assessment.validate(plan)?;
                if assessment.submitted_at.is_some() {
                    let missing = assessment.missing_domains(plan);
                    if !missing.is_empty() {
                        return Err(
                            Error::validation("ASSESSMENT_INCOMPLETE", "assessment").arg("domains", missing.join(", "))
                        );
                    }
                }
                Ok(())
            }
            CaseEvent::PlanSet { rules_version, .. } => {
                self.check_open(case)?;
                if rules_version.is_some() && !w.state(&case.state).is_some_and(|s| s.planning) {
                    return Err(conflict("TRANSITION_NOT_ALLOWED")
                        .arg("code", "accept_plan")
                        .arg("state", &case.state));
                }
                Ok(())
            }
            CaseEvent::MeasureUpdated { id, status, result, .. } => {
                self.check_open(case)?;
                let Some(measure) = case.measures.iter().find(|x| &x.measure.id == id && !x.measure.dropped) else {
                    return Err(Error::new(ErrorCode::NotFound, "MEASURE_NOT_FOUND").arg("id", id));
                };
                if matches!(measure.status, MeasureStatus::Done | MeasureStatus::Cancelled) {
                    return Err(conflict("MEASURE_CLOSED").arg("id", id));
                }
                if *status == MeasureStatus::Done && result.as_deref().is_none_or(|r| r.trim().is_empty()) {
                    return Err(Error::validation("REQUIRED", "result"));
                }
                Ok(())
            }
            CaseEvent::Visited { .. } => {
                if self.is_final_state(&case.state) {
                    return Err(conflict("CASE_CLOSED"));
                }
                Ok(())
            }
            CaseEvent::ProgrammeDecided { decision } => {
                self.check_open(case)?;
                let active = case.programme.as_ref().is_some_and(|p| p.active);
                let ok = match decision.kind {
                    DecisionKind::Approve => !active && decision.until.is_some(),
                    DecisionKind::Extend => {
                        active
                            && decision.until.is_some_and(|u| {
                                case.programme.as_ref().and_then(|p| p.until).is_none_or(|old| u > old)
                            })
                    }
                    DecisionKind::Change => active && decision.text.as_deref().is_some_and(|t| !t.trim().is_empty()),
                    DecisionKind::End => active,
                };
                if !ok {
                    return Err(conflict("PROGRAMME_DECISION_NOT_ALLOWED")
                        .arg("code", format!("{:?}", decision.kind).to_lowercase()));
                }
                Ok(())
            }
            CaseEvent::ProgrammeContributed { .. } => {
                self.check_open(case)?;
                if !case.programme.as_ref().is_some_and(|p| p.active) {
                    return Err(conflict("PROGRAMME_NOT_ACTIVE"));
                }
                Ok(())
            }
        }
    }
}

/// Index entry of a case whose opening waits in the review queue: its child.
pub(super) fn queued_case_key(case: &SubjectId) -> Vec<u8> {
    [&[REVIEW_QUEUED_CASE][..], &case.0].concat()
}
