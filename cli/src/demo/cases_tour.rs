//! The cases in the tour: what is due and overdue for each specialist, one case in full
//! (plans with the reason of every measure), and two refusals of the workflow: a
//! transition the state does not allow, and a specialist giving the territorial
//! division's consent.

use super::cast::{Cast, DemoUser};
use super::scenario::{reason, Outcome, Tour};
use super::walk::{case_workers, owner_of, Walk};
use crate::app::App;
use crate::commands::cases::due::{reason as due_reason, relative};
use crate::commands::cases::labels::Labels;
use crate::commands::cases::render::case_view;
use crate::error::CliResult;
use crate::output::{role_label, territory_name};
use chrono::{DateTime, Utc};
use kamkor_core::registry::{CaseView, DueItem, DueKind, DueQuery, TransitionRequest};
use kamkor_core::{Registry, Session, SubjectId, TerritoryCode};
use serde::Serialize;

/// Items shown per person.
const TOP: usize = 5;

/// One due item as the demo shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DueLine {
    /// The case.
    pub case: SubjectId,
    /// Its territory's name.
    pub territory: String,
    /// Stage, measure or visit.
    pub kind: DueKind,
    /// When.
    pub due_at: DateTime<Utc>,
    /// Past due.
    pub overdue: bool,
    /// Opened on a signal.
    pub urgent: bool,
    /// "overdue by ..." or "in ...".
    pub when: String,
    /// Why, in the language.
    pub reason: String,
}

/// A person's due list in short.
#[derive(Debug, Clone, Serialize)]
pub struct PersonDue {
    /// Login.
    pub login: String,
    /// Role in the language.
    pub role: String,
    /// Territory name.
    pub territory: String,
    /// Items due in the next five days (overdue ones included).
    pub due: usize,
    /// Of them, overdue.
    pub overdue: usize,
    /// The most urgent.
    pub top: Vec<DueLine>,
}

/// Cases at one state.
#[derive(Debug, Clone, Serialize)]
pub struct StateCount {
    /// State id.
    pub state: String,
    /// Its name in the language.
    pub label: String,
    /// How many cases.
    pub count: usize,
}

/// The cases part of the summary.
#[derive(Debug, Clone, Serialize, Default)]
pub struct CaseFigures {
    /// What the walk did (absent when the demo existed already).
    pub walk: Option<Walk>,
    /// Cases by state at the end of the walk.
    pub states: Vec<StateCount>,
    /// Items due in the next five days in the whole registry (the central body's view).
    pub due_total: usize,
    /// Of them, overdue.
    pub overdue_total: usize,
    /// Each case worker's (and the territorial division's) due list in short.
    pub people: Vec<PersonDue>,
    /// A case in full, and who works it.
    pub sample: Option<CaseView>,
    /// Login of the sample's specialist.
    pub sample_owner: Option<String>,
    /// The sample as people see it.
    #[serde(skip)]
    pub sample_text: String,
}

fn all(reg: &Registry, s: &Session) -> CliResult<Vec<DueItem>> {
    Ok(reg.due(s, &DueQuery { limit: Some(10_000), ..DueQuery::default() })?)
}

/// Runs the cases part of the tour.
pub fn run(app: &App, reg: &Registry, cast: &Cast, walk: Option<Walk>, tour: &mut Tour<'_>) -> CliResult<CaseFigures> {
    let ui = &app.ui;
    let l = Labels { ui, profile: reg.profile() };
    let now = app.clock.now();
    let central = cast.login(reg, &cast.central)?;
    let everything = all(reg, &central)?;
    reg.logout(&central)?;
    let workers = case_workers(cast);
    let mut people_users: Vec<&DemoUser> = workers.clone();
    people_users.push(&cast.chui_reader);
    let mut sessions = Vec::new();
    let mut lists = Vec::new();
    for u in &people_users {
        let s = cast.sign_in(reg, u)?;
        lists.push(all(reg, &s)?);
        sessions.push(s);
    }
    let line = |i: &DueItem| DueLine {
        case: i.case,
        territory: territory_name(reg.territories(), &i.territory, ui),
        kind: i.kind,
        due_at: i.due_at,
        overdue: i.overdue,
        urgent: i.urgent,
        when: relative(ui, i.due_at, now),
        reason: due_reason(&l, i, None),
    };
    let people = people_users
        .iter()
        .zip(&lists)
        .map(|(u, items)| PersonDue {
            login: u.login.clone(),
            role: role_label(reg.profile(), u.role, ui.lang),
            territory: territory_name(reg.territories(), &u.territory, ui),
            due: items.len(),
            overdue: items.iter().filter(|i| i.overdue).count(),
            top: items.iter().take(TOP).map(line).collect(),
        })
        .collect();

    // The sample: from the walk, else the first case with measures under way in a worker's own list.
    let owner_index = |territory: &TerritoryCode| owner_of(reg, &workers, territory);
    let known = walk.as_ref().and_then(|w| w.sample.clone());
    let mut sample: Option<(CaseView, usize)> = None;
    if let Some((id, login)) = known {
        if let Some(o) = workers.iter().position(|w| w.login == login) {
            sample = reg.get_case(&sessions[o], &id).ok().map(|v| (v, o));
        }
    }
    // Else the first of a worker's own cases with measures under way; else any of their cases.
    for measures in [true, false] {
        for (o, items) in lists.iter().enumerate().take(workers.len()) {
            let mine = items
                .iter()
                .filter(|i| (!measures || i.kind == DueKind::Measure) && owner_index(&i.territory) == Some(o));
            for i in mine {
                if sample.is_some() {
                    break;
                }
                let Ok(v) = reg.get_case(&sessions[o], &i.case) else { continue };
                if !measures || matches!(v.case.state.as_str(), "in_work" | "monitoring") {
                    sample = Some((v, o));
                }
            }
        }
    }
    let mut figures = CaseFigures {
        states: states(&l, walk.as_ref()),
        walk,
        due_total: everything.len(),
        overdue_total: everything.iter().filter(|i| i.overdue).count(),
        people,
        ..CaseFigures::default()
    };
    let missing = || Outcome { got: "NO_SAMPLE".into(), message: None };
    match &sample {
        Some((v, o)) => {
            let s = &sessions[*o];
            let child = reg.get_child(s, &v.case.child).ok();
            figures.sample_text = case_view(&l, reg, v, child.as_ref(), now).0;
            let t = if v.available.iter().any(|t| t == "approve_plans") { "start_assessment" } else { "approve_plans" };
            let req = TransitionRequest { transition: t.into(), ..TransitionRequest::default() };
            tour.check(
                "illegal_transition",
                workers[*o],
                "TRANSITION_NOT_ALLOWED",
                reason(&reg.transition(s, &v.id, req)),
            );
            figures.sample_owner = Some(workers[*o].login.clone());
        }
        None => tour.check("illegal_transition", &cast.alamudun, "TRANSITION_NOT_ALLOWED", missing()),
    }
    // Consent to suspension is the territorial division's: a specialist is refused.
    let reader_list = lists.last().map(Vec::as_slice).unwrap_or_default();
    let requested = reader_list.iter().find(|i| i.kind == DueKind::Stage && i.reference == "suspension_requested");
    let target = requested
        .and_then(|i| Some((i.case, owner_index(&i.territory)?)))
        .or_else(|| sample.as_ref().map(|(v, o)| (v.id, *o)));
    match target {
        Some((id, o)) => {
            let req = TransitionRequest { transition: "approve_suspension".into(), ..TransitionRequest::default() };
            tour.check(
                "specialist_approves",
                workers[o],
                "NO_PERMISSION",
                reason(&reg.transition(&sessions[o], &id, req)),
            );
        }
        None => tour.check("specialist_approves", &cast.alamudun, "NO_PERMISSION", missing()),
    }
    figures.sample = sample.map(|(v, _)| v);
    for s in &sessions {
        reg.logout(s)?;
    }
    Ok(figures)
}

fn states(l: &Labels<'_>, walk: Option<&Walk>) -> Vec<StateCount> {
    let Some(w) = walk else { return Vec::new() };
    let order = l.profile.workflow.as_ref().map(|w| w.states.clone()).unwrap_or_default();
    order
        .iter()
        .filter_map(|s| {
            let count = *w.by_state.get(&s.id)?;
            Some(StateCount { state: s.id.clone(), label: l.state(&s.id), count })
        })
        .collect()
}
