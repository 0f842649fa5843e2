//! The tour: what each role sees, the refusals the rules produce, the audit.

use super::cases_tour::CaseFigures;
use super::cast::{Cast, DemoUser, BISHKEK};
use super::walk::Walk;
use super::{show_path, Paths, Population, DEMO_PASSWORD};
use crate::app::App;
use crate::commands::audit::reason_text;
use crate::error::{CliError, CliResult};
use crate::i18n::Ui;
use crate::output::{role_label, territory_name};
use chrono::{DateTime, Utc};
use kamkor_core::registry::{AuditReport, ChildView, NewChild, SearchQuery};
use kamkor_core::{Error, FieldChange, Provenance, Registry, Session, TerritoryCode};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The scenarios of the tour (each has a `demo-check-*` message).
pub const CHECK_IDS: [&str; 12] = [
    "wrong_password",
    "expired_login",
    "revoked_login",
    "reader_outside_territory",
    "central_reader_edits",
    "statistician_reads",
    "administrator_reads",
    "other_agency_edit",
    "duplicate_pin",
    "latin_spelling",
    "illegal_transition",
    "specialist_approves",
];

/// The result of one attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// Whether it was allowed.
    pub allowed: bool,
    /// The refusal's reason code.
    pub reason: Option<String>,
    /// What was seen, or the localized refusal.
    pub detail: String,
}

/// What one role can do.
#[derive(Debug, Clone, Serialize)]
pub struct RoleRow {
    /// Login.
    pub login: String,
    /// Role id.
    pub role: String,
    /// Role label in the language.
    pub role_label: String,
    /// Territory code.
    pub territory: TerritoryCode,
    /// Territory name.
    pub territory_name: String,
    /// Children the role can list (`None` when listing is refused).
    pub visible: Option<usize>,
    /// Listing children.
    pub list: Attempt,
    /// A sample read.
    pub sample: Attempt,
}

/// One expected outcome of the rules.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable id of the scenario.
    pub id: &'static str,
    /// Who tried.
    pub actor: String,
    /// What was tried, in the language.
    pub attempt: String,
    /// The expected reason.
    pub expected: &'static str,
    /// The actual reason (`ALLOWED` when it went through).
    pub got: String,
    /// Whether they agree.
    pub passed: bool,
    /// The localized message of the outcome.
    pub message: String,
}

/// A refused attempt from the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct DeniedRow {
    /// Audit sequence.
    pub seq: u64,
    /// When.
    pub time: DateTime<Utc>,
    /// User id.
    pub actor: Option<String>,
    /// Login, when known.
    pub login: Option<String>,
    /// Operation.
    pub action: String,
    /// Record or user concerned.
    pub target: Option<String>,
    /// Reason code.
    pub reason: String,
}

/// Everything the demo reports.
#[derive(Debug, Serialize, Default)]
pub struct Summary {
    /// The directory held a demo already (nothing was registered this time).
    pub existing: bool,
    /// Demo directory.
    pub dir: String,
    /// Registry directory.
    pub registry: String,
    /// Key file.
    pub key_file: String,
    /// Password of every demo account.
    pub password: &'static str,
    /// Seed of the synthetic population.
    pub seed: u64,
    /// What was registered (absent when the demo existed already).
    pub population: Option<Population>,
    /// Children in the registry (as the central body sees them).
    pub children_total: Option<usize>,
    /// What each role can do.
    pub roles: Vec<RoleRow>,
    /// Refusals and duplicate detection.
    pub checks: Vec<Check>,
    /// Whether every check came out as expected.
    pub all_passed: bool,
    /// Cases: the walk, what is due for whom, a case in full.
    pub cases: Option<CaseFigures>,
    /// The audit chain verification.
    pub audit: Option<AuditReport>,
    /// Refused attempts logged during this run.
    pub denied: Vec<DeniedRow>,
    /// Sample record ids: a Bishkek child, a child with history, the Cyrillic "Айгүл".
    pub samples: BTreeMap<&'static str, String>,
    /// Commands to explore further.
    pub commands: Vec<String>,
    /// Wall time of the whole demo.
    pub elapsed_ms: u128,
}

/// The outcome of an attempt: `ALLOWED` or the refusal's reason, and its localized message.
pub(super) fn reason<T>(r: &Result<T, Error>) -> Outcome {
    match r {
        Ok(_) => Outcome { got: "ALLOWED".into(), message: None },
        Err(e) => Outcome { got: e.reason.clone(), message: Some(e.clone()) },
    }
}

pub(super) struct Outcome {
    pub(super) got: String,
    pub(super) message: Option<Error>,
}

fn attempt<T>(ui: &Ui, r: Result<T, Error>, ok: impl FnOnce(T) -> String) -> Attempt {
    match r {
        Ok(v) => Attempt { allowed: true, reason: None, detail: ok(v) },
        Err(e) => Attempt { allowed: false, detail: reason_text(ui, &e.reason), reason: Some(e.reason) },
    }
}

fn describe(ui: &Ui, reg: &Registry, c: &ChildView) -> String {
    let r = &c.record;
    format!("{} ({}), {}", r.full_name(), r.birth_date, territory_name(reg.territories(), &r.identified_in, ui))
}

pub(super) struct Tour<'a> {
    ui: &'a Ui,
    checks: Vec<Check>,
}

impl Tour<'_> {
    pub(super) fn check(&mut self, id: &'static str, actor: &DemoUser, expected: &'static str, outcome: Outcome) {
        debug_assert!(CHECK_IDS.contains(&id), "unlisted check {id}");
        let got = outcome.got;
        let message = match outcome.message {
            Some(e) => CliError::from(e).message(self.ui),
            None if got == "ALLOWED" => self.ui.t("outcome-allowed"),
            None if got == "NO_SAMPLE" => self.ui.t("demo-no-sample"),
            None => reason_text(self.ui, &got),
        };
        let attempt = self.ui.t(&format!("demo-check-{}", id.replace('_', "-")));
        self.checks.push(Check {
            id,
            actor: actor.login.clone(),
            attempt,
            expected,
            passed: got == expected,
            got,
            message,
        });
    }
}

/// Runs the tour on a populated registry.
pub fn run(app: &App, reg: &Registry, cast: &Cast, paths: &Paths, walk: Option<Walk>) -> CliResult<Summary> {
    let ui = &app.ui;
    let since = app.clock.now();
    let mut tour = Tour { ui, checks: Vec::new() };
    let today = app.today();
    let prov = |source: &str| Provenance { source: source.into(), received_on: today, reference: None };

    // Sign-in refusals.
    tour.check(
        "wrong_password",
        &cast.admin,
        "BAD_CREDENTIALS",
        reason(&reg.login(&cast.admin.login, "not-the-password")),
    );
    tour.check(
        "expired_login",
        &cast.expired,
        "ACCOUNT_EXPIRED",
        reason(&reg.login(&cast.expired.login, DEMO_PASSWORD)),
    );
    tour.check(
        "revoked_login",
        &cast.revoked,
        "ACCOUNT_REVOKED",
        reason(&reg.login(&cast.revoked.login, DEMO_PASSWORD)),
    );

    let admin = cast.login(reg, &cast.admin)?;
    let central = cast.login(reg, &cast.central)?;
    let chui = cast.login(reg, &cast.chui_reader)?;
    let alamudun = cast.login(reg, &cast.alamudun)?;
    let sokuluk = cast.login(reg, &cast.sokuluk)?;
    let leninsky = cast.login(reg, &cast.leninsky)?;
    let stat = cast.login(reg, &cast.statistician)?;
    let sessions: [(&DemoUser, &Session); 7] = [
        (&cast.admin, &admin),
        (&cast.central, &central),
        (&cast.chui_reader, &chui),
        (&cast.alamudun, &alamudun),
        (&cast.sokuluk, &sokuluk),
        (&cast.leninsky, &leninsky),
        (&cast.statistician, &stat),
    ];

    // Sample records, found the way a user would.
    let bishkek = TerritoryCode::parse(BISHKEK).unwrap_or_else(|_| reg.territories().root().clone());
    let total = reg.list_children(&central, None, 0, 0)?.total;
    let bishkek_child = reg.list_children(&central, Some(&bishkek), 0, 1)?.children.into_iter().next();
    let in_alamudun = reg.list_children(&central, Some(&cast.alamudun.territory), 0, usize::MAX)?.children;
    let chui_registrar = cast.registrar(&cast.chui_reader.territory);
    let foreign =
        in_alamudun.iter().find(|c| chui_registrar.is_some_and(|r| r.inn == c.organization) && c.record.pin.is_some());
    let own = in_alamudun.iter().filter(|c| c.organization == cast.alamudun.inn).max_by_key(|c| c.version);
    let aigul = reg
        .search(&leninsky, &SearchQuery { name: "Асанова Айгүл".into(), birth_date: None, limit: Some(50) })?
        .into_iter()
        .map(|m| m.child)
        .find(|c| c.organization == cast.leninsky.inn);

    // What each role can do.
    let mut roles = Vec::new();
    for (u, s) in sessions {
        let listed = reg.list_children(s, None, 0, 1);
        let first = listed.as_ref().ok().and_then(|l| l.children.first().cloned());
        let visible = listed.as_ref().ok().map(|l| l.total);
        let list = attempt(ui, listed, |l| l.total.to_string());
        let sample_id = match u.role {
            "central_reader" => bishkek_child.as_ref().map(|c| c.id),
            "territorial_reader" => foreign.map(|c| c.id),
            _ => first.map(|c| c.id),
        };
        let sample = match (u.role, sample_id) {
            ("administrator", _) => {
                attempt(ui, reg.list_users(s), |v| ui.ta("demo-sample-users", &[("count", v.len().to_string())]))
            }
            ("statistician", _) => attempt(ui, reg.whoami(s), |_| ui.t("demo-sample-statistics")),
            (_, Some(id)) => attempt(ui, reg.get_child(s, &id), |c| describe(ui, reg, &c)),
            (_, None) => Attempt { allowed: false, reason: None, detail: ui.t("demo-no-sample") },
        };
        roles.push(RoleRow {
            login: u.login.clone(),
            role: u.role.to_string(),
            role_label: role_label(reg.profile(), u.role, ui.lang),
            territory: u.territory.clone(),
            territory_name: territory_name(reg.territories(), &u.territory, ui),
            visible,
            list,
            sample,
        });
    }

    // Access refusals.
    let missing = || Outcome { got: "NO_SAMPLE".into(), message: None };
    let change = || vec![FieldChange { field: "needs.demo".into(), value: "—".into() }];
    let b = bishkek_child.as_ref();
    tour.check(
        "reader_outside_territory",
        &cast.chui_reader,
        "NOT_IN_TERRITORY",
        b.map_or_else(missing, |c| reason(&reg.get_child(&chui, &c.id))),
    );
    tour.check(
        "central_reader_edits",
        &cast.central,
        "READ_ONLY",
        b.map_or_else(missing, |c| {
            reason(&reg.update_child(&central, &c.id, change(), prov("specialist"), None, None))
        }),
    );
    tour.check(
        "statistician_reads",
        &cast.statistician,
        "PERSONAL_DATA_NOT_ALLOWED",
        b.map_or_else(missing, |c| reason(&reg.get_child(&stat, &c.id))),
    );
    tour.check(
        "administrator_reads",
        &cast.admin,
        "NO_PERMISSION",
        b.map_or_else(missing, |c| reason(&reg.get_child(&admin, &c.id))),
    );
    tour.check(
        "other_agency_edit",
        &cast.alamudun,
        "OTHER_ORGANIZATION",
        foreign.map_or_else(missing, |c| {
            reason(&reg.update_child(&alamudun, &c.id, change(), prov("specialist"), None, None))
        }),
    );
    match (foreign, chui_registrar) {
        (Some(c), Some(r)) => {
            let s = cast.login(reg, r)?;
            let again = reg.register_child(&s, NewChild { record: c.record.clone(), provenance: prov("education") });
            tour.check("duplicate_pin", r, "DUPLICATE_PIN", reason(&again));
            reg.logout(&s)?;
        }
        _ => tour.check("duplicate_pin", &cast.admin, "DUPLICATE_PIN", missing()),
    }
    let mut latin_detail = String::new();
    let got = match &aigul {
        Some(a) => {
            let mut probe = a.record.clone();
            probe.surname = "Asanova".into();
            probe.given_name = "Aigul".into();
            probe.patronymic = None;
            probe.pin = None;
            let dups = reg.check_duplicates(&leninsky, &probe)?;
            let dup = dups.iter().find(|d| d.id == Some(a.id));
            let hits = reg
                .search(&leninsky, &SearchQuery { name: "Aigul Asanova".into(), birth_date: None, limit: Some(20) })?;
            let found = hits.iter().any(|m| m.child.id == a.id);
            latin_detail = ui.ta(
                "demo-latin-detail",
                &[
                    ("score", dup.map_or_else(|| "—".into(), |d| format!("{:.2}", d.score))),
                    ("found", crate::output::yes_no(ui, found)),
                    ("name", a.record.full_name()),
                ],
            );
            Outcome {
                got: if dup.is_some() && found { "LIKELY_DUPLICATE" } else { "NOT_FOUND" }.to_string(),
                message: None,
            }
        }
        None => missing(),
    };
    tour.check("latin_spelling", &cast.leninsky, "LIKELY_DUPLICATE", got);
    if let Some(last) = tour.checks.last_mut() {
        if last.passed {
            last.message = latin_detail;
        }
    }

    // The cases: what is due for whom, a case in full, two refusals of the workflow.
    let cases = super::cases_tour::run(app, reg, cast, walk, &mut tour)?;

    // The audit.
    let audit = reg.verify_audit(&admin)?;
    let logins: HashMap<String, String> = reg.list_users(&admin)?.into_iter().map(|u| (u.id, u.login)).collect();
    let denied = reg
        .denied_attempts(&admin, Some(since))?
        .into_iter()
        .map(|e| DeniedRow {
            seq: e.seq,
            time: e.time,
            login: e.actor.as_ref().and_then(|a| logins.get(a).cloned()),
            actor: e.actor,
            action: e.action,
            target: e.target,
            reason: match e.outcome {
                kamkor_core::audit::Outcome::Denied { reason } | kamkor_core::audit::Outcome::Failed { reason } => {
                    reason
                }
                kamkor_core::audit::Outcome::Allowed => String::new(),
            },
        })
        .collect();
    for (_, s) in sessions {
        reg.logout(s)?;
    }

    let mut samples = BTreeMap::new();
    if let Some(c) = &bishkek_child {
        samples.insert("bishkek_child", c.id.to_string());
    }
    if let Some(c) = own {
        samples.insert("child_with_history", c.id.to_string());
    }
    if let Some(c) = &aigul {
        samples.insert("aigul", c.id.to_string());
    }
    if let (Some(v), Some(owner)) = (&cases.sample, &cases.sample_owner) {
        samples.insert("case", v.id.to_string());
        samples.insert("case_owner", owner.clone());
    }
    let all_passed = tour.checks.iter().all(|c| c.passed) && audit.ok;
    Ok(Summary {
        dir: show_path(&paths.dir),
        registry: show_path(&paths.registry),
        key_file: show_path(&paths.key),
        password: DEMO_PASSWORD,
        children_total: Some(total),
        roles,
        checks: tour.checks,
        cases: Some(cases),
        all_passed,
        audit: Some(audit),
        denied,
        commands: commands(ui, paths, &samples),
        samples,
        ..Summary::default()
    })
}

fn commands(ui: &Ui, paths: &Paths, samples: &BTreeMap<&'static str, String>) -> Vec<String> {
    let mut v = vec![
        format!(
            "export KAMKOR_REGISTRY={} KAMKOR_KEY_FILE={} KAMKOR_LANG={}",
            show_path(&paths.registry),
            show_path(&paths.key),
            ui.code()
        ),
        format!("export KAMKOR_PASSWORD={DEMO_PASSWORD}"),
        "kamkor login --user central".to_string(),
        "kamkor child list --limit 10".to_string(),
        "kamkor child search Aigul Asanova".to_string(),
    ];
    if let Some(id) = samples.get("bishkek_child") {
        v.push(format!("kamkor child show {id}"));
    }
    if let Some(id) = samples.get("child_with_history") {
        v.push(format!("kamkor child history {id}"));
    }
    if let (Some(id), Some(owner)) = (samples.get("case"), samples.get("case_owner")) {
        v.push(format!("kamkor login --user {owner}"));
        v.push("kamkor due --days 7".to_string());
        v.push(format!("kamkor case show {id}"));
        v.push(format!("kamkor case history {id}"));
        v.push(format!("kamkor case plan propose {id}"));
    }
    v.push("kamkor territory list --under 41708000000000".to_string());
    v.push("kamkor login --user admin".to_string());
    v.push("kamkor audit verify".to_string());
    v.push("kamkor audit denied".to_string());
    v.push("kamkor user list".to_string());
    v
}
