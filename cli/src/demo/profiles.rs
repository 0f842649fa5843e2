//! `kamkor demo --profile omsk|yamal`: the flows of the Russian regional profiles (issue 8)
//! on an in-memory registry with synthetic people, each step checked and shown.

use crate::app::App;
use crate::error::CliResult;
use crate::i18n::Ui;
use chrono::{Datelike, Months, NaiveDate};
use kamkor_core::case::{BasisDocument, Contribution, ContributionKind, Decision, DecisionKind};
use kamkor_core::registry::{NewChild, OpenCase, TransitionRequest};
use kamkor_core::store::MemoryStore;
use kamkor_core::users::Undertaking;
use kamkor_core::{
    Child, Error, FieldChange, Key, NewUser, Profile, Provenance, Registry, Session, Sex, SubjectId, TerritoryCode,
};
use std::sync::Arc;

const PASSWORD: &str = "demo password 2026";

/// Who writes which field with which value, and the expected outcome.
type AgencyWrite<'a> = (&'a Session, &'a str, &'a str, &'a str, Result<(), &'a str>);

struct Demo<'a> {
    ui: &'a Ui,
    reg: Registry,
    admin: Session,
    today: NaiveDate,
    failed: usize,
}

impl Demo<'_> {
    fn profile(&self) -> &Profile {
        self.reg.profile()
    }

    fn check(&mut self, ok: bool, line: String) {
        if !ok {
            self.failed += 1;
        }
        outln!("  {} {line}", if ok { "✓" } else { "✗" });
    }

    fn user(&self, login: &str, role: &str, territory: &str, inn: &str, agency: &str) -> CliResult<Session> {
        let u = new_user(login, role, territory, inn, agency, self.today)?;
        self.reg.add_user(&self.admin, u)?;
        Ok(self.reg.login(login, PASSWORD)?)
    }

    fn role_label(&self, role: &str) -> String {
        self.profile().role(role).map(|r| r.label.get(self.ui.lang).to_string()).unwrap_or_else(|| role.into())
    }

    fn term(&self, vocabulary: &str, code: &str) -> String {
        self.profile()
            .term(vocabulary, code)
            .map(|t| match self.ui.lang {
                kamkor_core::Lang::Ru => t.ru.clone(),
                kamkor_core::Lang::Ky => t.ky.clone(),
                kamkor_core::Lang::En => t.en.clone(),
            })
            .unwrap_or_else(|| code.into())
    }

    /// A refusal expected with a reason: shown with the core's localized message.
    fn refused<T>(&mut self, what: &str, reason: &str, r: Result<T, Error>) {
        let (ok, got) = match r {
            Err(e) => (e.reason == reason, e.reason),
            Ok(_) => (false, "OK".to_string()),
        };
        let line = self.ui.ta("demo-p-refused", &[("what", what.to_string()), ("reason", got)]);
        self.check(ok, line);
    }

    fn read_as(&mut self, who: &Session, role: &str, child: &SubjectId, want: Result<(), &str>) {
        let got = self.reg.get_child(who, child).map(|_| ()).map_err(|e| e.reason);
        let result = match &got {
            Ok(()) => self.ui.t("demo-p-allowed"),
            Err(r) => self.ui.ta("demo-p-denied", &[("reason", r.clone())]),
        };
        let ok = got.as_ref().map(|_| ()).map_err(String::as_str) == want;
        let line = self.ui.ta("demo-p-scope", &[("role", self.role_label(role)), ("result", result)]);
        self.check(ok, line);
    }
}

fn new_user(login: &str, role: &str, territory: &str, inn: &str, agency: &str, today: NaiveDate) -> CliResult<NewUser> {
    Ok(NewUser {
        login: login.into(),
        surname: "Демо".into(),
        given_name: login.into(),
        patronymic: None,
        pin: None,
        position: "Специалист".into(),
        agency: agency.into(),
        agency_inn: inn.into(),
        address: "—".into(),
        territory: TerritoryCode::parse(territory)
            .map_err(|e| Error::validation("BAD_VALUE", "territory").arg("detail", e))?,
        role: role.into(),
        valid_from: today.checked_sub_months(Months::new(1)).unwrap_or(today),
        valid_until: today.checked_add_months(Months::new(12)).unwrap_or(today),
        password: Some(PASSWORD.into()),
        external_login: false,
    })
}

fn doc(kind: &str, number: &str, date: NaiveDate, issuer: &str) -> BasisDocument {
    BasisDocument { kind: kind.into(), number: number.into(), date, issuer: issuer.into() }
}

fn child(
    surname: &str,
    given: &str,
    sex: Sex,
    birth: (i32, u32, u32),
    territory: &str,
    today: NaiveDate,
) -> CliResult<NewChild> {
    let mut c: Child = serde_json::from_value(serde_json::json!({
        "surname": surname, "given_name": given, "sex": sex, "identified_on": today, "identified_in": territory,
        "birth_date": NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2), "legal_status": "with_parents",
    }))
    .map_err(|e| Error::validation("BAD_VALUE", "child").arg("detail", e))?;
    c.identified_on = today;
    let source = "commission".to_string();
    Ok(NewChild { record: c, provenance: Provenance { source, received_on: today, reference: None } })
}

fn change(field: &str, value: serde_json::Value) -> Vec<FieldChange> {
    vec![FieldChange { field: field.into(), value }]
}

fn quarter_end(d: NaiveDate) -> (String, NaiveDate) {
    let q = (d.month0() / 3) + 1;
    let last_month = q * 3;
    let end = NaiveDate::from_ymd_opt(d.year(), last_month, 1)
        .and_then(|m| m.checked_add_months(Months::new(1)))
        .and_then(|n| n.pred_opt())
        .unwrap_or(d);
    (format!("Q{q} {}", d.year()), end)
}

/// Runs the demo of a built-in Russian profile.
pub fn run(app: &App, profile: &str) -> CliResult {
    let ui = &app.ui;
    let text = crate::commands::profile_text(profile)?;
    let parsed = Profile::from_toml(&text)?;
    let (role, territory) = match profile {
        "omsk" => ("regional_operator", "52000000000"),
        _ => ("administrator", "71900000000"),
    };
    let today = app.today();
    let admin = new_user("admin", role, territory, "5500000001", "Оператор", today)?;
    let key = Key::generate(&mut rand::rngs::OsRng);
    let reg = Registry::create(Arc::new(MemoryStore::new()), &text, &key, app.env(), admin)?;
    let admin = reg.login("admin", PASSWORD)?;
    outln!("{}", ui.ta("demo-profile-title", &[("profile", parsed.profile.name.get(ui.lang).to_string())]));
    let mut d = Demo { ui, reg, admin, today, failed: 0 };
    match profile {
        "omsk" => omsk(&mut d)?,
        _ => yamal(&mut d)?,
    }
    outln!("{}", ui.t(if d.failed == 0 { "demo-all-passed" } else { "demo-some-failed" }));
    Ok(())
}

fn omsk(d: &mut Demo<'_>) -> CliResult {
    let (kirov, tara) = ("52401364000", "52254000000");
    let today = d.today;
    let curator = d.user("curator", "curator", kirov, "5504000001", "Городской центр ППМС-помощи")?;
    let school = d.user("school", "organization", kirov, "5507000055", "СОШ № 55")?;
    let district = d.user("tara", "district", tara, "5535000100", "КЦСОН Тарского района")?;
    let c = child("Петров", "Артём", Sex::Male, (2012, 3, 14), kirov, today)?;
    let r = d.reg.register_child(&curator, c.clone());
    d.refused(&d.role_label("curator"), "UNDERTAKING_MISSING", r);
    let mut count = 0;
    for login in ["curator", "school", "tara"] {
        if let Some(id) = d.reg.user_id_by_login(&d.admin, login)? {
            let u =
                Undertaking { reference: format!("ОБ-{login}"), signed_on: today, kept_by: "Куратор".into() };
            d.reg.record_undertaking(&d.admin, &id, u)?;
            count += 1;
        }
    }
    d.check(count == 3, d.ui.ta("demo-p-undertaking-recorded", &[("count", count.to_string())]));
    let child_id = d.reg.register_child(&curator, c)?.id;
    d.check(true, d.ui.ta("demo-p-registered", &[("name", "Петров Артём".into())]));
    let head = doc("head_decision", "Пр-17", today, "Директор СОШ № 55");
    let kdn = doc("commission_decision", "КДНиЗП-112", today, "КДНиЗП Кировского АО");
    let open = |opening: &str, ground: &str, document: &BasisDocument| OpenCase {
        child: child_id,
        opening: opening.into(),
        ground: ground.into(),
        document: document.clone(),
        received_at: None,
    };
    let school_case = d.reg.open_case(&curator, open("school", "c03_truancy", &head))?;
    opened(d, &school_case);
    let r = d.reg.open_case(&curator, open("sop", "c04_neglected", &head));
    d.refused(&d.term("document_kind", "head_decision"), "NOT_ACCEPTED_HERE", r);
    let sop = d.reg.open_case(&curator, open("sop", "c04_neglected", &kdn))?;
    opened(d, &sop);
    let until = today.checked_add_months(Months::new(6)).unwrap_or(today);
    let decide = |kind, until: Option<NaiveDate>, text: Option<&str>| Decision {
        kind,
        document: kdn.clone(),
        until,
        text: text.map(str::to_string),
    };
    d.reg.programme_decision(&curator, &sop.id, decide(DecisionKind::Approve, Some(until), None))?;
    for (kind, text) in [
        (ContributionKind::PlannedMeasure, "Ежедневный контроль посещаемости"),
        (ContributionKind::Result, "Пропусков без причины нет"),
        (ContributionKind::Proposal, "Занятия в спортивной секции"),
    ] {
        let c = Contribution { agency: "education".into(), kind, text: text.into() };
        d.reg.programme_contribution(&curator, &sop.id, c)?;
    }
    let later = until.checked_add_months(Months::new(6)).unwrap_or(until);
    d.reg.programme_decision(&curator, &sop.id, decide(DecisionKind::Extend, Some(later), None))?;
    d.reg.programme_decision(&curator, &sop.id, decide(DecisionKind::Change, None, Some("Консультация психолога")))?;
    let v = d.reg.programme_decision(&curator, &sop.id, decide(DecisionKind::End, None, None))?;
    let p = v.case.programme.unwrap_or_default();
    d.check(
        p.decisions.len() == 4 && p.contributions.len() == 3 && !p.active,
        d.ui.ta(
            "demo-p-programme",
            &[("decisions", p.decisions.len().to_string()), ("contributions", p.contributions.len().to_string())],
        ),
    );
    d.read_as(&district, "district", &child_id, Err("NOT_IN_TERRITORY"));
    d.read_as(&school, "organization", &child_id, Err("OTHER_ORGANIZATION"));
    d.read_as(&curator, "curator", &child_id, Ok(()));
    let exclude = TransitionRequest {
        transition: "exclude_sop".into(),
        ground: Some("correction".into()),
        text: None,
        document: Some(kdn.clone()),
    };
    let v = d.reg.transition(&curator, &sop.id, exclude)?;
    state(d, &v, "excluded", "correction");
    let (quarter, end) = quarter_end(today);
    let due = end + chrono::Duration::days(i64::from(d.profile().reporting.quarterly_due_days));
    d.check(true, d.ui.ta("demo-p-quarterly", &[("quarter", quarter), ("date", due.to_string())]));
    Ok(())
}

fn opened(d: &mut Demo<'_>, v: &kamkor_core::registry::CaseView) {
    let w = d.profile().workflow.as_ref();
    let register = w.and_then(|w| w.opening(&v.case.opening)).map(|o| o.label.get(d.ui.lang).to_string());
    let due = v
        .due
        .first()
        .map(|x| format!("{} — {}", x.reason.get(d.ui.lang), x.due_at.date_naive()))
        .unwrap_or_else(|| "—".into());
    let line = d.ui.ta(
        "demo-p-opened",
        &[
            ("register", register.unwrap_or_else(|| v.case.opening.clone())),
            ("category", d.term("inclusion_ground", &v.case.ground)),
            ("document", d.term("document_kind", &v.case.document.kind)),
            ("due", due),
        ],
    );
    d.check(true, line);
}

fn state(d: &mut Demo<'_>, v: &kamkor_core::registry::CaseView, want: &str, ground: &str) {
    let w = d.profile().workflow.as_ref();
    let label = w.and_then(|w| w.state(&v.case.state)).map(|s| s.label.get(d.ui.lang).to_string());
    let line = d.ui.ta(
        "demo-p-state",
        &[("state", label.unwrap_or_else(|| v.case.state.clone())), ("ground", d.term("exit_ground", ground))],
    );
    d.check(v.case.state == want && v.case.exit_ground.as_deref() == Some(ground), line);
}

fn yamal(d: &mut Demo<'_>) -> CliResult {
    let slh = "71171000000";
    let today = d.today;
    let kdn = d.user("kdn", "municipal_commission", slh, "8901000100", "КДНиЗП г. Салехарда")?;
    let police = d.user("police", "police", slh, "8901000400", "ОМВД России по г. Салехарду")?;
    let health = d.user("health", "health", slh, "8901000300", "ГБУЗ СОКБ")?;
    let regional = d.user("regional", "regional_commission", "71900000000", "8901000001", "Аппарат КДНиЗП ЯНАО")?;
    let c = child("Салиндер", "Илья", Sex::Male, (2013, 2, 11), slh, today)?;
    let child_id = d.reg.register_child(&kdn, c)?.id;
    d.check(true, d.ui.ta("demo-p-registered", &[("name", "Салиндер Илья".into())]));
    let decision = doc("official_decision", "П-45", today, "КДНиЗП г. Салехарда");
    let open = OpenCase {
        child: child_id,
        opening: "commission_decision".into(),
        ground: "neglected".into(),
        document: decision.clone(),
        received_at: None,
    };
    let v = d.reg.open_case(&kdn, open)?;
    opened(d, &v);
    let until = today.checked_add_months(Months::new(6)).unwrap_or(today);
    let approve = Decision { kind: DecisionKind::Approve, document: decision, until: Some(until), text: None };
    d.reg.programme_decision(&kdn, &v.id, approve)?;
    let lift = TransitionRequest {
        transition: "lift_neglect".into(),
        text: Some("Посещает школу и секцию".into()),
        ..Default::default()
    };
    let after = d.reg.transition(&kdn, &v.id, lift)?;
    let line = d.ui.ta(
        "demo-p-category",
        &[("from", d.term("inclusion_ground", "neglected")), ("to", d.term("inclusion_ground", &after.case.ground))],
    );
    d.check(after.case.ground == "environment_unfit", line);
    let prov = || Provenance { source: "police".into(), received_on: today, reference: None };
    let writes: [AgencyWrite<'_>; 5] = [
        (&police, "police", "needs.police_offence", "Протокол 12.11", Ok(())),
        (&police, "police", "needs.health_note", "Осмотр", Err("OUTSIDE_COMPETENCE")),
        (&health, "health", "needs.health_checkup", "Осмотр", Err("CONSENT_REQUIRED")),
        (&health, "health", "needs.consent_health", "Согласие № 12", Ok(())),
        (&health, "health", "needs.health_checkup", "Осмотр", Ok(())),
    ];
    for (who, role, field, value, want) in writes {
        let got = d
            .reg
            .update_child(who, &child_id, change(field, value.into()), prov(), None, None)
            .map(|_| ())
            .map_err(|e| e.reason);
        let result = match &got {
            Ok(()) => d.ui.t("demo-p-allowed"),
            Err(r) => d.ui.ta("demo-p-denied", &[("reason", r.clone())]),
        };
        let line =
            d.ui.ta("demo-p-competence", &[("role", d.role_label(role)), ("field", field.into()), ("result", result)]);
        d.check(got.as_ref().map(|_| ()).map_err(String::as_str) == want, line);
    }
    d.read_as(&regional, "regional_commission", &child_id, Ok(()));
    let remove =
        TransitionRequest { transition: "remove".into(), ground: Some("moved_region".into()), ..Default::default() };
    let v = d.reg.transition(&kdn, &v.id, remove)?;
    state(d, &v, "removed", "moved_region");
    if let Some(x) = d.profile().exchange.clone() {
        let (quarter, end) = quarter_end(today);
        let cal = kamkor_core::calendar::Calendar::builtin("ru")?;
        let upload = cal.add_working_days(end, x.upload_due_working_days);
        let load = cal.add_working_days(end, x.load_due_working_days);
        let day = d.profile().reporting.monitoring_due_day;
        let monitoring = end.checked_add_months(Months::new(1)).and_then(|m| m.with_day(day)).unwrap_or(end);
        let line = d.ui.ta(
            "demo-p-exchange",
            &[
                ("quarter", quarter),
                ("upload", upload.to_string()),
                ("load", load.to_string()),
                ("monitoring", monitoring.to_string()),
            ],
        );
        d.check(upload < load, line);
    }
    Ok(())
}
