//! The walk of cases: after the registry part, a share of the synthetic children get
//! cases that move through the workflow one working day at a time over the last weeks,
//! so that due and overdue lists mean something. Specialists act with plausible delays;
//! some let a deadline pass, and some cases stall.

use super::cast::{Cast, DemoUser};
use super::clock::WalkClock;
use super::findings;
use crate::error::CliResult;
use chrono::{DateTime, Duration, Utc};
use kamkor_core::calendar::Calendar;
use kamkor_core::case::MeasureStatus;
use kamkor_core::registry::{CaseView, TransitionRequest};
use kamkor_core::{Child, Clock, Registry, Session, SubjectId, TerritoryCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::BTreeMap;

/// Calendar days the walk covers, ending yesterday.
pub const WALK_DAYS: i64 = 49;
/// Share of the children who get a case.
const CASE_SHARE: f64 = 0.4;
/// Share of cases opened by a signal about a child in danger.
const SIGNAL_SHARE: f64 = 0.12;
/// Chance that a specialist leaves a case where it is after a step.
const STALL: f64 = 0.07;
/// "Never" for a stalled case.
const NEVER: i64 = i64::MAX;

/// A registered synthetic child.
pub struct WalkChild {
    /// Its id.
    pub id: SubjectId,
    /// Its record.
    pub record: Child,
}

/// What the walk did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Walk {
    /// Calendar days walked.
    pub days: i64,
    /// Cases opened.
    pub opened: usize,
    /// Of them, on a signal.
    pub signals: usize,
    /// Changes recorded in cases.
    pub events: usize,
    /// Sign-ins through the identification system.
    pub sign_ins: usize,
    /// Measures done.
    pub measures_done: usize,
    /// Monitoring visits.
    pub visits: usize,
    /// Cases by state at the end (state id).
    pub by_state: BTreeMap<String, usize>,
    /// Milliseconds spent.
    pub millis: u128,
    /// A case with plans in progress, and the login of its specialist.
    #[serde(skip)]
    pub sample: Option<(SubjectId, String)>,
    /// A case waiting for the territorial division's consent to suspension.
    #[serde(skip)]
    pub pending_suspension: Option<SubjectId>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Step {
    Open,
    Primary,
    Start,
    Draft,
    Submit,
    Plan,
    Approve,
    Monitor,
    Exit,
    Done,
}

struct Track {
    child: usize,
    owner: usize,
    signal: bool,
    case: Option<SubjectId>,
    step: Step,
    next: i64,
    state: String,
    measures: usize,
    /// Asks for suspension instead of assessing: `Some(true)` gets consent, `Some(false)` waits.
    suspend: Option<bool>,
}

enum Job {
    Measure(String, MeasureStatus),
    Visit,
    Consent,
}

/// The specialists who work cases: the district ones first (they win where they are), then one per oblast.
pub fn case_workers(cast: &Cast) -> Vec<&DemoUser> {
    let mut v = vec![&cast.alamudun, &cast.sokuluk, &cast.leninsky];
    v.extend(cast.registrars.iter());
    v
}

/// Who works a case in a territory (an index into [`case_workers`]).
pub fn owner_of(reg: &Registry, workers: &[&DemoUser], territory: &TerritoryCode) -> Option<usize> {
    workers.iter().position(|w| reg.territories().is_within(territory, &w.territory))
}

struct Walker<'a> {
    reg: &'a Registry,
    cast: &'a Cast,
    clock: &'a WalkClock,
    children: &'a [WalkChild],
    domains: Vec<String>,
    rng: StdRng,
    tracks: Vec<Track>,
    jobs: Vec<(i64, usize, Job)>,
    walk: Walk,
    now: DateTime<Utc>,
}

/// Walks the cases; the clock ends at the host's time.
pub fn run(reg: &Registry, cast: &Cast, clock: &WalkClock, children: &[WalkChild], seed: u64) -> CliResult<Walk> {
    let started = super::stopwatch();
    let end = clock.now() + Duration::days(WALK_DAYS);
    let start = end - Duration::days(WALK_DAYS);
    let workflow = reg.profile().workflow.as_ref();
    let calendar = Calendar::builtin(workflow.map_or("kg", |w| w.calendar.as_str()))?;
    let domains = reg.profile().plan.as_ref().map(|p| p.domains.iter().map(|d| d.id.clone()).collect());
    let mut w = Walker {
        reg,
        cast,
        clock,
        children,
        domains: domains.unwrap_or_default(),
        rng: StdRng::seed_from_u64(seed ^ 0x00ca_5e5e_ed00),
        tracks: Vec::new(),
        jobs: Vec::new(),
        walk: Walk { days: WALK_DAYS, ..Walk::default() },
        now: start,
    };
    w.plan_tracks(&calendar, start);
    let workers = case_workers(cast);
    for day in 0..WALK_DAYS {
        let at = start + Duration::days(day);
        if !calendar.is_working_day(at.date_naive()) {
            continue;
        }
        clock.set(at);
        w.now = at;
        for (owner, worker) in workers.iter().enumerate() {
            let due: Vec<usize> =
                (0..w.tracks.len()).filter(|&t| w.tracks[t].owner == owner && w.tracks[t].next <= day).collect();
            let jobs = w.take_jobs(day, |t, job| t.owner == owner && !matches!(job, Job::Consent));
            if due.is_empty() && jobs.is_empty() {
                continue;
            }
            let s = cast.sign_in(reg, worker)?;
            w.walk.sign_ins += 1;
            for t in due {
                while w.tracks[t].next <= day && w.tracks[t].step != Step::Done {
                    w.step(&s, t, day)?;
                }
            }
            for (t, job) in jobs {
                w.job(&s, t, day, job)?;
            }
            reg.logout(&s)?;
        }
        let consents = w.take_jobs(day, |_, job| matches!(job, Job::Consent));
        if !consents.is_empty() {
            let s = cast.sign_in(reg, &cast.chui_reader)?;
            w.walk.sign_ins += 1;
            for (t, job) in consents {
                w.job(&s, t, day, job)?;
            }
            reg.logout(&s)?;
        }
    }
    clock.catch_up();
    w.finish(&workers)?;
    w.walk.millis = started.elapsed().as_millis();
    Ok(w.walk)
}

impl Walker<'_> {
    fn plan_tracks(&mut self, calendar: &Calendar, start: DateTime<Utc>) {
        let workers = case_workers(self.cast);
        let chui = &self.cast.chui_reader.territory;
        let (mut consent, mut waiting) = (false, false);
        for (i, c) in self.children.iter().enumerate() {
            if !self.rng.gen_bool(CASE_SHARE) {
                continue;
            }
            let Some(owner) = owner_of(self.reg, &workers, &c.record.identified_in) else { continue };
            let signal = self.rng.gen_bool(SIGNAL_SHARE);
            // Most cases are recent (cheap to walk, and early stages fill the due lists); an
            // older fifth reaches plans, measures, monitoring and exit.
            let age = (self.rng.gen::<f64>().powi(3) * WALK_DAYS as f64) as i64;
            let mut open = (WALK_DAYS - 1 - age).max(0);
            while open > 0 && !calendar.is_working_day((start + Duration::days(open)).date_naive()) {
                open -= 1;
            }
            let in_chui = self.reg.territories().is_within(&c.record.identified_in, chui);
            let suspend = if in_chui && !signal && !consent && open < WALK_DAYS - 25 {
                consent = true;
                Some(true)
            } else if in_chui && !signal && !waiting && (WALK_DAYS - 15..WALK_DAYS - 8).contains(&open) {
                waiting = true;
                Some(false)
            } else {
                None
            };
            let track = Track {
                child: i,
                owner,
                signal,
                case: None,
                step: Step::Open,
                next: open,
                state: String::new(),
                measures: 0,
                suspend,
            };
            self.tracks.push(track);
        }
    }

    fn take_jobs(&mut self, day: i64, mut pick: impl FnMut(&Track, &Job) -> bool) -> Vec<(usize, Job)> {
        let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.jobs)
            .into_iter()
            .partition(|(d, t, job)| *d <= day && pick(&self.tracks[*t], job));
        self.jobs = later;
        now.into_iter().map(|(_, t, job)| (t, job)).collect()
    }

    /// Days until the next step, or never when the specialist lets the case stall.
    fn after(&mut self, day: i64, lo: i64, hi: i64) -> i64 {
        if self.rng.gen_bool(STALL) {
            NEVER
        } else {
            day + self.rng.gen_range(lo..=hi)
        }
    }

    fn seen(&mut self, t: usize, v: &CaseView) {
        self.walk.events += 1;
        self.tracks[t].case = Some(v.id);
        self.tracks[t].state = v.case.state.clone();
        self.tracks[t].measures = v.case.measures.iter().filter(|m| !m.measure.dropped).count();
    }

    fn go(
        &mut self,
        s: &Session,
        t: usize,
        transition: &str,
        ground: Option<String>,
        text: Option<String>,
    ) -> CliResult<Option<CaseView>> {
        let Some(id) = self.tracks[t].case else { return Ok(None) };
        let req = TransitionRequest { transition: transition.into(), ground, text, document: None };
        let v = self.reg.transition(s, &id, req)?;
        self.seen(t, &v);
        Ok(Some(v))
    }
}

mod steps;
mod work;
