//! The walk's work inside a case: assessment, plans, measures, visits, consent.

use super::{findings, Job, Step, Walker};
use crate::error::CliResult;
use chrono::Duration;
use kamkor_core::assessment::{Assessment, Finding};
use kamkor_core::case::{Contribution, ContributionKind, Decision, DecisionKind, MeasureStatus, Visit};
use kamkor_core::registry::{CaseView, ManualMeasure, MeasureUpdate, TransitionRequest};
use kamkor_core::Session;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

impl Walker<'_> {
    /// The case's findings (the same on every call: the draft is the first half of them).
    pub(super) fn findings(&self, t: usize) -> Vec<Finding> {
        let track = &self.tracks[t];
        let mut rng = StdRng::seed_from_u64(track.child as u64);
        findings::findings(&self.children[track.child].record, track.signal, &mut rng)
    }

    pub(super) fn assess(&mut self, s: &Session, t: usize, found: Vec<Finding>, submit: bool) -> CliResult {
        let Some(id) = self.tracks[t].case else { return Ok(()) };
        let a = if submit {
            findings::complete(found, &self.domains)
        } else {
            Assessment { findings: found, ..Assessment::default() }
        };
        let v = self.reg.save_assessment(s, &id, a)?;
        self.seen(t, &v);
        if submit {
            let v = self.reg.submit_assessment(s, &id)?;
            self.seen(t, &v);
        }
        Ok(())
    }

    /// Accepts what the rules propose; now and then drops a measure or adds one by hand.
    pub(super) fn plan(&mut self, s: &Session, t: usize) -> CliResult {
        let Some(id) = self.tracks[t].case else { return Ok(()) };
        let ids = self.reg.propose_plan(s, &id)?.diff.ids();
        let v = self.reg.accept_plan(s, &id, ids)?;
        self.seen(t, &v);
        let family = v.case.measures.iter().find(|m| m.measure.plan == kamkor_core::plan::PlanKind::Family);
        if let Some(m) = family.filter(|_| v.case.measures.len() > 2 && self.rng.gen_bool(0.08)) {
            let reason = "Мера уже выполняется по линии другой службы";
            let v = self.reg.drop_measure(s, &id, &m.measure.id.clone(), reason)?;
            self.seen(t, &v);
        }
        if self.rng.gen_bool(0.06) {
            let m = ManualMeasure {
                title: "Записать ребёнка в спортивную секцию".into(),
                agency: "youth_culture_sport".into(),
                plan: kamkor_core::plan::PlanKind::Child,
                due_working_days: 15,
                reason: "По просьбе ребёнка".into(),
            };
            let v = self.reg.add_measure(s, &id, m)?;
            self.seen(t, &v);
        }
        Ok(())
    }

    /// A fifth of the measures get done (some after their due date), some are under way, the
    /// rest wait: each update rewrites the whole case, and the demo keeps to its time.
    pub(super) fn schedule_measures(&mut self, t: usize, day: i64, v: &CaseView) {
        let today = self.now.date_naive();
        for m in v.case.measures.iter().filter(|m| !m.measure.dropped) {
            let to_due = (m.due - today).num_days().max(1);
            match self.rng.gen_range(0..100) {
                0..=19 => {
                    let at = day + self.rng.gen_range(1..=to_due + 6);
                    self.jobs.push((at, t, Job::Measure(m.measure.id.clone(), MeasureStatus::Done)));
                }
                20..=27 => {
                    let at = day + self.rng.gen_range(1..=7);
                    self.jobs.push((at, t, Job::Measure(m.measure.id.clone(), MeasureStatus::InProgress)));
                }
                _ => {}
            }
        }
    }

    pub(super) fn job(&mut self, s: &Session, t: usize, day: i64, job: Job) -> CliResult {
        let Some(id) = self.tracks[t].case else { return Ok(()) };
        let state = self.tracks[t].state.clone();
        match job {
            Job::Measure(measure, status) if matches!(state.as_str(), "in_work" | "monitoring") => {
                let done = status == MeasureStatus::Done;
                let update = MeasureUpdate {
                    status,
                    result: done.then(|| "Выполнено, подтверждено документально".to_string()),
                    responsible: Some(self.cast.registrars.first().map_or("—", |r| r.position).to_string()),
                };
                let v = self.reg.update_measure(s, &id, &measure, update)?;
                self.seen(t, &v);
                self.walk.measures_done += usize::from(done);
            }
            Job::Visit if state == "monitoring" => {
                let (findings, concern) = findings::visit_text(&mut self.rng);
                let concerns = if concern { vec!["school_absence".to_string()] } else { Vec::new() };
                let visit = Visit { date: self.now.date_naive(), findings, concerns };
                let v = self.reg.record_visit(s, &id, visit)?;
                self.seen(t, &v);
                self.walk.visits += 1;
                let next = day + self.rng.gen_range(15..=28);
                self.jobs.push((next, t, Job::Visit));
            }
            Job::Consent if state == "suspension_requested" => {
                let req = TransitionRequest { transition: "approve_suspension".into(), ..TransitionRequest::default() };
                let v = self.reg.transition(s, &id, req)?;
                self.seen(t, &v);
            }
            _ => {}
        }
        Ok(())
    }

    /// The tally, and a sample case with plans in progress given an interagency programme.
    pub(super) fn finish(&mut self, workers: &[&super::DemoUser]) -> CliResult {
        for t in self.tracks.iter().filter(|t| !t.state.is_empty()) {
            *self.walk.by_state.entry(t.state.clone()).or_default() += 1;
        }
        let working = |t: &&super::Track| matches!(t.state.as_str(), "in_work" | "monitoring") && t.step != Step::Done;
        let best = |owner: Option<usize>| {
            self.tracks
                .iter()
                .filter(working)
                .filter(|t| owner.is_none_or(|o| t.owner == o))
                .max_by_key(|t| (t.measures, std::cmp::Reverse(t.child)))
                .and_then(|t| Some((t.case?, t.owner)))
        };
        let Some((case, owner)) = best(Some(0)).or_else(|| best(None)) else { return Ok(()) };
        let worker = workers[owner];
        let s = self.cast.sign_in(self.reg, worker)?;
        self.walk.sign_ins += 1;
        let today = self.clock_today();
        let document = kamkor_core::case::BasisDocument {
            kind: "commission_decision".into(),
            number: "КДД-12".into(),
            date: today,
            issuer: "Комиссия по делам детей (демо)".into(),
        };
        let until = today + Duration::days(180);
        let decision = Decision { kind: DecisionKind::Approve, document, until: Some(until), text: None };
        self.reg.programme_decision(&s, &case, decision)?;
        let entry = Contribution {
            agency: "education".into(),
            kind: ContributionKind::PlannedMeasure,
            text: "Школа организует дополнительные занятия по математике".into(),
        };
        self.reg.programme_contribution(&s, &case, entry)?;
        self.walk.events += 2;
        self.reg.logout(&s)?;
        self.walk.sample = Some((case, worker.login.clone()));
        Ok(())
    }

    fn clock_today(&self) -> chrono::NaiveDate {
        kamkor_core::Clock::today(self.clock)
    }
}
