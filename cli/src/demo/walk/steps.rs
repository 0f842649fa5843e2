//! The walk's steps through the workflow: open, primary information, assessment, plans,
//! approval, monitoring, exit, each after a plausible delay (or never, when a case stalls).

use super::{findings, Job, Step, Walker, NEVER};
use crate::error::CliResult;
use chrono::Duration;
use kamkor_core::registry::OpenCase;
use kamkor_core::Session;
use rand::Rng;

impl Walker<'_> {
    pub(super) fn step(&mut self, s: &Session, t: usize, day: i64) -> CliResult {
        let today = self.now.date_naive();
        let (signal, step) = (self.tracks[t].signal, self.tracks[t].step);
        let (next, step) = match step {
            Step::Open => {
                let (ground, document) = findings::opening(signal, today, self.walk.opened + 1, &mut self.rng);
                let hours = if signal { self.rng.gen_range(1..6) } else { self.rng.gen_range(2..40) };
                let req = OpenCase {
                    child: self.children[self.tracks[t].child].id,
                    opening: if signal { "signal" } else { "identification" }.into(),
                    ground,
                    document,
                    received_at: Some(self.now - Duration::hours(hours)),
                };
                let v = self.reg.open_case(s, req)?;
                self.seen(t, &v);
                self.walk.opened += 1;
                self.walk.signals += usize::from(signal);
                let late = self.rng.gen_range(0..20);
                let next = match (signal, late) {
                    (true, 0..=14) => day,
                    (true, 15..=17) => day + 1,
                    (true, _) => day + 3,
                    (false, _) => self.after(day, 1, 4),
                };
                (next, Step::Primary)
            }
            Step::Primary if self.rng.gen_bool(0.03) => {
                self.go(s, t, "exit", Some("moved_out".into()), Some("Семья выбыла до оценки".into()))?;
                (NEVER, Step::Done)
            }
            Step::Primary => {
                self.go(s, t, "record_primary_info", None, None)?;
                (self.after(day, 1, 7), Step::Start)
            }
            Step::Start => {
                self.go(s, t, "start_assessment", None, None)?;
                (self.after(day, 1, 3), Step::Draft)
            }
            Step::Draft if self.tracks[t].suspend.is_some() => {
                let text = "Семья временно выехала на сезонные работы, оценка невозможна".to_string();
                self.go(s, t, "request_suspension", None, Some(text))?;
                if self.tracks[t].suspend == Some(true) {
                    self.jobs.push((day + 1, t, Job::Consent));
                } else {
                    self.walk.pending_suspension = self.tracks[t].case;
                }
                (NEVER, Step::Done)
            }
            Step::Draft => {
                // A quarter save a first draft; the others record the assessment in one go.
                if self.rng.gen_bool(0.25) {
                    let mut all = self.findings(t);
                    all.truncate(all.len().div_ceil(2));
                    self.assess(s, t, all, false)?;
                }
                (self.after(day, 2, 12), Step::Submit)
            }
            Step::Submit => {
                let all = self.findings(t);
                self.assess(s, t, all, true)?;
                self.go(s, t, "complete_assessment", None, None)?;
                (self.after(day, 0, 2), Step::Plan)
            }
            Step::Plan => {
                self.plan(s, t)?;
                (self.after(day, 0, 6), Step::Approve)
            }
            Step::Approve => {
                if let Some(v) = self.go(s, t, "approve_plans", None, None)? {
                    self.schedule_measures(t, day, &v);
                }
                (self.after(day, 12, 30), Step::Monitor)
            }
            Step::Monitor => {
                self.go(s, t, "start_monitoring", None, None)?;
                let first = day + self.rng.gen_range(3..=12);
                self.jobs.push((first, t, Job::Visit));
                (self.after(day, 20, 45), Step::Exit)
            }
            Step::Exit => {
                let child = &self.children[self.tracks[t].child].record;
                let (ground, text) = findings::exit_ground(child, today, &mut self.rng);
                self.go(s, t, "exit", Some(ground), text)?;
                (NEVER, Step::Done)
            }
            Step::Done => (NEVER, Step::Done),
        };
        // The cases that ask for suspension move on every working day, so the request is made.
        let next = if self.tracks[t].suspend.is_some() { next.min(day + 1) } else { next };
        self.tracks[t].next = next;
        self.tracks[t].step = step;
        Ok(())
    }
}
