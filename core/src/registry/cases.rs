//! Cases through the facade (WF-1 .. WF-6): open, transition, assess, visit, programme.
//! Each change is a [`CaseEvent`] fact; the stored case is derived by applying it.

use super::children::HistoryEntry;
use super::{index, AuditDraft, PendingFact, Registry, Session};
use crate::assessment::Assessment;
use crate::case::{BasisDocument, Case, CaseEvent, Contribution, Decision, DecisionKind, Visit};
use crate::facts::{self, FactBody, StateBody, StateHeader, SubjectKind};
use crate::model::SubjectId;
use crate::profile::Action;
use crate::store::{Batch, Tree};
use crate::workflow::{Requirement, WorkflowConfig};
use crate::{Error, ErrorCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Opening a case for a registered child (WF-1, WF-6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    /// The child.
    pub child: SubjectId,
    /// An opening of the workflow (`identification`, `signal`).
    pub opening: String,
    /// Code of `inclusion_ground`.
    pub ground: String,
    /// The basis document.
    pub document: BasisDocument,
    /// When the identification or signal was received (default: now). Deadlines count from it.
    #[serde(default)]
    pub received_at: Option<DateTime<Utc>>,
}

/// A transition request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// Transition id.
    pub transition: String,
    /// Exit ground (code of `exit_ground`), when required.
    #[serde(default)]
    pub ground: Option<String>,
    /// Explanation, when required (and always for the `other` exit ground).
    #[serde(default)]
    pub text: Option<String>,
    /// Basis document, when required.
    #[serde(default)]
    pub document: Option<BasisDocument>,
}

/// A case as a reader sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseView {
    /// Case id.
    pub id: SubjectId,
    /// Number of events.
    pub version: u64,
    /// The derived case.
    pub case: Case,
    /// Transitions available from the current state.
    pub available: Vec<String>,
    /// What is due in this case, most urgent first, with the reason.
    pub due: Vec<super::due::DueItem>,
}

impl Registry {
    pub(crate) fn workflow(&self) -> Result<&WorkflowConfig, Error> {
        self.profile.workflow.as_ref().ok_or_else(|| {
            Error::new(ErrorCode::Profile, "PROFILE_MISSING").with_field("workflow").arg("code", "workflow")
        })
    }

    /// Loads a case for an action; refusals are audited.
    pub(crate) fn load_case(
        &self,
        actor: &super::Actor,
        id: &SubjectId,
        action: Action,
        op: &'static str,
    ) -> Result<(StateHeader, Case), Error> {
        let Some((h, bytes)) = self.state_header(id)?.filter(|(h, _)| h.kind == SubjectKind::Case) else {
            self.authorize(actor, action, None, op, Some(id.to_string()))?;
            return Err(self.not_found(actor, op, id, "CASE_NOT_FOUND"));
        };
        self.authorize(actor, action, Some(&Self::target_of(&h)), op, Some(id.to_string()))?;
        let key = self.subject_key(id)?;
        match self.open_state(id, &bytes, &key)? {
            (h, StateBody::Case { record }) => Ok((h, record)),
            _ => Err(Error::new(ErrorCode::Storage, "STORE_DAMAGED")),
        }
    }

    /// Records an event: applies it to the case, re-indexes deadlines, appends the fact and the audit entry.
    pub(crate) fn record_case_event(
        &self,
        actor: &super::Actor,
        id: &SubjectId,
        header: &StateHeader,
        old: &Case,
        event: CaseEvent,
        op: &'static str,
    ) -> Result<CaseView, Error> {
        let now = self.now();
        let mut case = old.clone();
        case.apply(&event, now, &actor.user.id);
        let key = self.subject_key(id)?;
        let mut batch = Batch::new();
        self.reindex_due(&mut batch, id, &header.territory, Some(old), &case)?;
        let stats = self.restat_child_with(&case)?;
        let new_header =
            StateHeader { version: header.version + 1, updated_ms: now.timestamp_millis(), ..header.clone() };
        self.put_state(&mut batch, id, &new_header, &StateBody::Case { record: case.clone() }, &key)?;
        let fact = PendingFact {
            subject: *id,
            kind: SubjectKind::Case,
            base_version: header.version,
            author: &actor.user.id,
            body: FactBody::Case { event },
            key: &key,
        };
        self.commit_with_stats(
            batch,
            vec![fact],
            vec![AuditDraft::allowed(&actor.user.id, op, Some(id.to_string()))],
            &stats,
        )?;
        self.case_view(*id, new_header.version, case)
    }

    pub(crate) fn case_view(&self, id: SubjectId, version: u64, case: Case) -> Result<CaseView, Error> {
        let w = self.workflow()?;
        let available = w
            .available(&case.state)
            .into_iter()
            .filter(|t| t.applies_to(&case.opening) && Self::ground_change_applies(t, &case))
            .map(|t| t.id.clone())
            .collect();
        let due = self.due_items_of(&id, &case)?;
        Ok(CaseView { id, version, case, available, due })
    }

    /// Opens a case for a child: needs a ground and a basis document (WF-6).
    pub fn open_case(&self, session: &Session, req: OpenCase) -> Result<CaseView, Error> {
        let actor = self.actor(session)?;
        let w = self.workflow()?;
        let Some((ch, _)) = self.state_header(&req.child)?.filter(|(h, _)| h.kind == SubjectKind::Child) else {
            self.authorize(&actor, Action::Write, None, "case.open", Some(req.child.to_string()))?;
            return Err(self.not_found(&actor, "case.open", &req.child, "CHILD_NOT_FOUND"));
        };
        // Opening a case is a change to the child's file: the writer needs the child in scope.
        self.authorize(&actor, Action::Write, Some(&Self::target_of(&ch)), "case.open", Some(req.child.to_string()))?;
        let opening = w.opening(&req.opening).ok_or_else(|| {
            Error::validation("UNKNOWN_CODE", "opening").arg("code", &req.opening).arg("vocabulary", "openings")
        })?;
        self.profile.check_term("inclusion_ground", &req.ground, "ground")?;
        self.check_document(&req.document, "document")?;
        // A register accepts only its categories and its basis documents (WF-6, WF-7).
        if !opening.grounds.is_empty() && !opening.grounds.contains(&req.ground) {
            return Err(Error::validation("NOT_ACCEPTED_HERE", "ground")
                .arg("code", &req.ground)
                .arg("context", &opening.id));
        }
        if !opening.documents.is_empty() && !opening.documents.contains(&req.document.kind) {
            return Err(Error::validation("NOT_ACCEPTED_HERE", "document.kind")
                .arg("code", &req.document.kind)
                .arg("context", &opening.id));
        }
        let now = self.now();
        let received_at = req.received_at.unwrap_or(now);
        if received_at > now {
            return Err(Error::validation("DATE_IN_FUTURE", "received_at").arg("date", received_at));
        }
        let per_opening = w.case_per_opening;
        if self
            .cases_of(&req.child)?
            .iter()
            .any(|(_, c)| !self.is_final(&c.state) && (!per_opening || c.opening == opening.id))
        {
            return Err(Error::new(ErrorCode::Conflict, "CASE_ALREADY_OPEN"));
        }
        let event = CaseEvent::Opened {
            child: req.child,
            opening: opening.id.clone(),
            state: opening.state.clone(),
            ground: req.ground,
            document: req.document,
            received_at,
        };
        let case = Case::open(&event, now).ok_or_else(|| Error::storage("opening event"))?;
        // The case's data key is the child's: erasing the child erases its cases.
        let child_key = self.subject_key(&req.child)?;
        let id = SubjectId(self.random::<16>()?);
        let mut batch = Batch::new();
        self.wrap_key(&mut batch, &id, &child_key)?;
        batch.put(Tree::Index, index::child_case(&req.child, &id), Vec::new());
        // A screening signal is answered by opening the case.
        Self::clear_signal(&mut batch, &req.child);
        let header = StateHeader {
            format: facts::FORMAT,
            kind: SubjectKind::Case,
            version: 1,
            territory: ch.territory.clone(),
            organization: actor.user.data.agency_inn.clone(),
            created_ms: now.timestamp_millis(),
            updated_ms: now.timestamp_millis(),
        };
        self.reindex_due(&mut batch, &id, &ch.territory, None, &case)?;
        self.put_state(&mut batch, &id, &header, &StateBody::Case { record: case.clone() }, &child_key)?;
        let fact = PendingFact {
            subject: id,
            kind: SubjectKind::Case,
            base_version: 0,
            author: &actor.user.id,
            body: FactBody::Case { event },
            key: &child_key,
        };
        let stats = self.restat_child_with(&case)?;
        self.commit_with_stats(
            batch,
            vec![fact],
            vec![AuditDraft::allowed(&actor.user.id, "case.open", Some(id.to_string()))],
            &stats,
        )?;
        self.case_view(id, 1, case)
    }

    /// The change of the child's statistical record when one of its cases changes. The
    /// child's sealed state is rewritten only if it had no statistical record yet.
    fn restat_child_with(&self, case: &Case) -> Result<Vec<super::stats_ops::StatChange>, Error> {
        let Some((_, bytes)) = self.state_header(&case.child)? else { return Ok(Vec::new()) };
        let key = self.subject_key(&case.child)?;
        match self.open_state(&case.child, &bytes, &key)? {
            (_, StateBody::Child { record, stat: Some(stat), .. }) => {
                Ok(vec![self.child_stat_change(Some(stat), &record, Some(case))?])
            }
            _ => Ok(Vec::new()),
        }
    }

    fn check_document(&self, d: &BasisDocument, field: &str) -> Result<(), Error> {
        self.profile.check_term("document_kind", &d.kind, &format!("{field}.kind"))?;
        if d.number.trim().is_empty() {
            return Err(Error::validation("REQUIRED", format!("{field}.number")));
        }
        if d.issuer.trim().is_empty() {
            return Err(Error::validation("REQUIRED", format!("{field}.issuer")));
        }
        if d.date > self.clock.today() {
            return Err(Error::validation("DATE_IN_FUTURE", format!("{field}.date")).arg("date", d.date));
        }
        Ok(())
    }

    fn is_final(&self, state: &str) -> bool {
        self.workflow().ok().and_then(|w| w.state(state)).is_some_and(|s| s.is_final)
    }

    /// Cases of a child (ids and derived cases), without access checks.
    pub(crate) fn cases_of(&self, child: &SubjectId) -> Result<Vec<(SubjectId, Case)>, Error> {
        let mut prefix = vec![index::CHILD_CASE];
        prefix.extend_from_slice(&child.0);
        let mut out = Vec::new();
        for (k, _) in self.store.scan_prefix(Tree::Index, &prefix).map_err(Error::storage)? {
            let Some(id) = index::trailing_id(&k) else { continue };
            let Some((_, bytes)) = self.state_header(&id)? else { continue };
            let key = self.subject_key(&id)?;
            if let (_, StateBody::Case { record }) = self.open_state(&id, &bytes, &key)? {
                out.push((id, record));
            }
        }
        Ok(out)
    }

    /// Reads a case.
    pub fn get_case(&self, session: &Session, id: &SubjectId) -> Result<CaseView, Error> {
        let actor = self.actor(session)?;
        let (h, case) = self.load_case(&actor, id, Action::Read, "case.read")?;
        self.audit(AuditDraft::allowed(&actor.user.id, "case.read", Some(id.to_string())))?;
        self.case_view(*id, h.version, case)
    }

    /// The cases of a child.
    pub fn child_cases(&self, session: &Session, child: &SubjectId) -> Result<Vec<CaseView>, Error> {
        let actor = self.actor(session)?;
        let Some((h, _)) = self.state_header(child)?.filter(|(h, _)| h.kind == SubjectKind::Child) else {
            self.authorize(&actor, Action::Read, None, "case.read", Some(child.to_string()))?;
            return Err(self.not_found(&actor, "case.read", child, "CHILD_NOT_FOUND"));
        };
        self.authorize(&actor, Action::Read, Some(&Self::target_of(&h)), "case.read", Some(child.to_string()))?;
        let mut out = Vec::new();
        for (id, case) in self.cases_of(child)? {
            let version = self.state_header(&id)?.map_or(0, |(h, _)| h.version);
            out.push(self.case_view(id, version, case)?);
        }
        self.audit(
            AuditDraft::allowed(&actor.user.id, "case.read", Some(child.to_string()))
                .with_detail(format!("cases={}", out.len())),
        )?;
        Ok(out)
    }

    /// Moves a case along a transition of the workflow; refuses a transition not allowed
    /// from the current state (`CONFLICT/TRANSITION_NOT_ALLOWED`) or missing what it requires.
    pub fn transition(&self, session: &Session, id: &SubjectId, req: TransitionRequest) -> Result<CaseView, Error> {
        let actor = self.actor(session)?;
        let w = self.workflow()?;
        let action = w.transition(&req.transition).map_or(Action::Write, |t| t.action);
        let (h, case) = self.load_case(&actor, id, action, "case.transition")?;
        let (t, to) = w.target(&req.transition, &case.state, case.previous_state.as_deref())?;
        // A transition of another register, or a category change of a case not under the
        // category it lifts, is not allowed from here.
        if !t.applies_to(&case.opening) || !Self::ground_change_applies(t, &case) {
            return Err(Error::new(ErrorCode::Conflict, "TRANSITION_NOT_ALLOWED")
                .arg("code", &t.id)
                .arg("state", &case.state));
        }
        if let Some(d) = &req.document {
            if !t.documents.is_empty() && !t.documents.contains(&d.kind) {
                return Err(Error::validation("NOT_ACCEPTED_HERE", "document.kind")
                    .arg("code", &d.kind)
                    .arg("context", &t.id));
            }
        }
        // A ground or document given where none is required is still checked, never stored blindly.
        if let Some(g) = &req.ground {
            self.profile.check_term("exit_ground", g, "ground")?;
        }
        if let Some(d) = &req.document {
            self.check_document(d, "document")?;
        }
        for r in &t.requires {
            match r {
                Requirement::Ground => {
                    let g = req.ground.as_deref().ok_or_else(|| Error::validation("REQUIRED", "ground"))?;
                    self.profile.check_term("exit_ground", g, "ground")?;
                    if g == "other" && req.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
                        return Err(Error::validation("REQUIRED", "text"));
                    }
                }
                Requirement::Document => {
                    let d = req.document.as_ref().ok_or_else(|| Error::validation("REQUIRED", "document"))?;
                    self.check_document(d, "document")?;
                }
                Requirement::Text => {
                    if req.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
                        return Err(Error::validation("REQUIRED", "text"));
                    }
                }
                Requirement::Assessment => {
                    if case.assessment.as_ref().is_none_or(|a| a.submitted_at.is_none()) {
                        return Err(Error::new(ErrorCode::Conflict, "ASSESSMENT_NOT_SUBMITTED"));
                    }
                }
                Requirement::Plan => {
                    if case.measures.iter().all(|m| m.measure.dropped) {
                        return Err(Error::new(ErrorCode::Conflict, "PLAN_NOT_ACCEPTED"));
                    }
                }
            }
        }
        let event = CaseEvent::Transitioned {
            transition: t.id.clone(),
            from: case.state.clone(),
            to,
            ground: if t.requires.contains(&Requirement::Ground) { req.ground } else { None },
            text: req.text,
            document: req.document,
            resets: t.resets.clone(),
            new_ground: t.change_ground.as_ref().map(|c| c.to.clone()),
        };
        self.record_case_event(&actor, id, &h, &case, event, "case.transition")
    }

    fn ground_change_applies(t: &crate::workflow::Transition, case: &Case) -> bool {
        t.change_ground.as_ref().is_none_or(|c| c.from.contains(&case.ground))
    }

    /// Saves the assessment (a draft may be partial and resumed later). Only while the case
    /// is in a state that allows it: before submission, in the `assessment` state.
    pub fn save_assessment(
        &self,
        session: &Session,
        id: &SubjectId,
        assessment: Assessment,
    ) -> Result<CaseView, Error> {
        let actor = self.actor(session)?;
        let (h, case) = self.load_case(&actor, id, Action::Write, "case.assess")?;
        self.check_assessable(&case)?;
        let plan = self.plan_config()?;
        let mut a = assessment;
        a.submitted_at = None;
        a.risk = None;
        a.validate(plan)?;
        self.record_case_event(&actor, id, &h, &case, CaseEvent::Assessed { assessment: a }, "case.assess")
    }

    /// Submits the saved assessment: every domain must be assessed; the risk level is derived.
    pub fn submit_assessment(&self, session: &Session, id: &SubjectId) -> Result<CaseView, Error> {
        let actor = self.actor(session)?;
        let (h, case) = self.load_case(&actor, id, Action::Write, "case.assess")?;
        self.check_assessable(&case)?;
        let plan = self.plan_config()?;
        let mut a = case.assessment.clone().unwrap_or_default();
        let missing = a.missing_domains(plan);
        if !missing.is_empty() {
            return Err(Error::validation("ASSESSMENT_INCOMPLETE", "assessment").arg("domains", missing.join(", ")));
        }
        a.risk = Some(a.risk(plan, self.workflow()?.risk_escalate_after));
        a.submitted_at = Some(self.now());
        self.record_case_event(&actor, id, &h, &case, CaseEvent::Assessed { assessment: a }, "case.assess")
    }

    fn check_assessable(&self, case: &Case) -> Result<(), Error> {
        if !self.workflow()?.state(&case.state).is_some_and(|s| s.assessing) {
            return Err(Error::new(ErrorCode::Conflict, "TRANSITION_NOT_ALLOWED")
                .arg("code", "assess")
                .arg("state", &case.state));
        }
        if case.assessment.as_ref().is_some_and(|a| a.submitted_at.is_some()) {
            return Err(Error::new(ErrorCode::Conflict, "ASSESSMENT_SUBMITTED"));
        }
        Ok(())
    }

    /// Records a monitoring visit (presence of monitoring is derivable for reports).
    pub fn record_visit(&self, session: &Session, id: &SubjectId, visit: Visit) -> Result<CaseView, Error> {
        let actor = self.actor(session)?;
        let (h, case) = self.load_case(&actor, id, Action::Write, "case.visit")?;
        if visit.date > self.clock.today() {
            return Err(Error::validation("DATE_IN_FUTURE", "date").arg("date", visit.date));
        }
        if visit.findings.trim().is_empty() {
            return Err(Error::validation("REQUIRED", "findings"));
        }
        let plan = self.plan_config()?;
        for (i, c) in visit.concerns.iter().enumerate() {
            if plan.circumstance(c).is_none() {
                return Err(Error::validation("UNKNOWN_CODE", format!("concerns[{i}]"))
                    .arg("code", c)
                    .arg("vocabulary", "circumstances"));
            }
        }
        if self.is_final(&case.state) {
            return Err(Error::new(ErrorCode::Conflict, "CASE_CLOSED"));
        }
        self.record_case_event(&actor, id, &h, &case, CaseEvent::Visited { visit }, "case.visit")
    }

    /// Records a commission decision on the case's interagency programme (approve, extend, change, end).
    pub fn programme_decision(&self, session: &Session, id: &SubjectId, decision: Decision) -> Result<CaseView, Error> {
        let actor = self.actor(session)?;
        let (h, case) = self.load_case(&actor, id, Action::Write, "case.programme")?;
        self.check_open(&case)?;
        self.check_document(&decision.document, "document")?;
        if decision.until.is_some_and(|u| u < self.clock.today()) {
            return Err(Error::validation("DATE_IN_PAST", "until"));
        }
        let active = case.programme.as_ref().is_some_and(|p| p.active);
        let ok = match decision.kind {
            DecisionKind::Approve => !active && decision.until.is_some(),
            DecisionKind::Extend => {
                active
                    && decision
                        .until
                        .is_some_and(|u| case.programme.as_ref().and_then(|p| p.until).is_none_or(|old| u > old))
            }
            DecisionKind::Change => active && decision.text.as_deref().is_some_and(|t| !t.trim().is_empty()),
            DecisionKind::End => active,
        };
        if !ok {
            return Err(Error::new(ErrorCode::Conflict, "PROGRAMME_DECISION_NOT_ALLOWED")
                .arg("code", format!("{:?}", decision.kind).to_lowercase()));
        }
        self.record_case_event(&actor, id, &h, &case, CaseEvent::ProgrammeDecided { decision }, "case.programme")
    }

    /// A participant records a planned measure, a result or a proposal in an active programme.
    pub fn programme_contribution(
        &self,
        session: &Session,
        id: &SubjectId,
        contribution: Contribution,
    ) -> Result<CaseView, Error> {
        let actor = self.actor(session)?;
        let (h, case) = self.load_case(&actor, id, Action::Write, "case.programme")?;
        self.check_open(&case)?;
        if !case.programme.as_ref().is_some_and(|p| p.active) {
            return Err(Error::new(ErrorCode::Conflict, "PROGRAMME_NOT_ACTIVE"));
        }
        if self.plan_config()?.agencies.iter().all(|a| a.code != contribution.agency) {
            return Err(Error::validation("UNKNOWN_CODE", "agency")
                .arg("code", &contribution.agency)
                .arg("vocabulary", "agencies"));
        }
        if contribution.text.trim().is_empty() {
            return Err(Error::validation("REQUIRED", "text"));
        }
        let on = self.clock.today();
        self.record_case_event(
            &actor,
            id,
            &h,
            &case,
            CaseEvent::ProgrammeContributed { contribution, on },
            "case.programme",
        )
    }

    /// Every event of a case, oldest first.
    pub fn case_history(&self, session: &Session, id: &SubjectId) -> Result<Vec<HistoryEntry>, Error> {
        let actor = self.actor(session)?;
        let _ = self.load_case(&actor, id, Action::Read, "case.history")?;
        let out = self.facts_of(id)?;
        self.audit(AuditDraft::allowed(&actor.user.id, "case.history", Some(id.to_string())))?;
        Ok(out)
    }
}
