//! What the walk writes into cases, derived from the synthetic record: the assessment's
//! findings, the grounds and basis documents, the texts of visits and exits.

use chrono::NaiveDate;
use kamkor_core::assessment::{Assessment, Finding};
use kamkor_core::case::BasisDocument;
use kamkor_core::plan::Severity;
use kamkor_core::Child;
use rand::rngs::StdRng;
use rand::Rng;

fn finding(domain: &str, circumstance: &str, severity: Option<Severity>, note: &str) -> Finding {
    Finding {
        domain: domain.into(),
        circumstance: circumstance.into(),
        severity,
        note: (!note.is_empty()).then(|| note.to_string()),
    }
}

fn parents_with<'a>(c: &'a Child, presence: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    c.relatives
        .iter()
        .filter(move |r| (r.relation == "mother" || r.relation == "father") && r.presence == presence)
        .map(|r| r.relation.as_str())
}

/// The findings a specialist would plausibly record for this child: parents abroad as
/// migrants, in prison or deprived of rights; orphanhood; an institution; no PIN; a
/// disability; unmet health needs and school absence from the record's needs; no social
/// payment at all in a family missing a parent; and for a signal, a danger to safety.
pub fn findings(c: &Child, signal: bool, rng: &mut StdRng) -> Vec<Finding> {
    let mut out = Vec::new();
    if parents_with(c, "abroad_migrant").next().is_some() {
        out.push(finding("family", "parents_labour_migrants", None, "Родители на заработках за рубежом"));
    }
    if parents_with(c, "in_prison").next().is_some() {
        out.push(finding("family", "parents_in_prison", None, ""));
    }
    if c.legal_status == "residential_institution" {
        out.push(finding("family", "residential_placement", None, ""));
    }
    if c.legal_status == "orphan" {
        out.push(finding("legal", "orphan", None, "Оба родителя умерли"));
    } else if parents_with(c, "deprived_of_rights").next().is_some() {
        out.push(finding("legal", "parents_deprived_of_rights", None, ""));
    } else if c.pin.is_none() {
        out.push(finding("legal", "no_pin", None, "ПИН не присвоен"));
    }
    if c.disability.present {
        out.push(finding("health", "disability", None, "Инвалидность установлена"));
    } else if let Some(n) = c.needs.get("health") {
        out.push(finding("health", "health_needs_unmet", Some(Severity::Medium), n));
    }
    if let Some(n) = c.needs.get("education") {
        out.push(finding("education", "school_absence", None, n));
    }
    let missing_parent = c.relatives.iter().any(|r| r.presence != "present");
    if c.social_payments.is_empty() && missing_parent {
        out.push(finding("income", "low_income_no_benefits", None, "Пособия не назначены"));
    }
    if signal {
        let (code, sev, note) = match rng.gen_range(0..10) {
            0..=5 => ("neglect", Severity::High, "Ребёнок длительное время без присмотра"),
            6..=7 => ("psychological_violence", Severity::High, "Со слов соседей — постоянные крики и угрозы"),
            _ => ("physical_violence", Severity::Critical, "Следы побоев, сообщение участкового"),
        };
        out.push(finding("safety", code, Some(sev), note));
    }
    if out.is_empty() {
        // Every case has a reason to be open; without a clue in the record, a poor household.
        out.push(finding("income", "low_income_no_benefits", Some(Severity::Low), "Доход ниже прожиточного минимума"));
    }
    out
}

/// A complete assessment: the findings, and "no concerns" for every other domain.
pub fn complete(findings: Vec<Finding>, domains: &[String]) -> Assessment {
    let no_concerns = domains.iter().filter(|d| !findings.iter().any(|f| &f.domain == *d)).cloned().collect();
    Assessment { findings, no_concerns, submitted_at: None, risk: None }
}

/// How a case opens: the inclusion ground and the basis document.
pub fn opening(signal: bool, on: NaiveDate, n: usize, rng: &mut StdRng) -> (String, BasisDocument) {
    let doc = |kind: &str, issuer: &str| BasisDocument {
        kind: kind.into(),
        number: format!("{}-{n}", on.format("%m%d")),
        date: on,
        issuer: issuer.into(),
    };
    if signal {
        let issuer = if rng.gen_bool(0.5) {
            "Телефон доверия 111 (демо)"
        } else {
            "Участковый инспектор (демо)"
        };
        return ("signal_danger".into(), doc("signal_record", issuer));
    }
    let (ground, kind, issuer) = match rng.gen_range(0..10) {
        0..=3 => ("identified_by_specialist", "official_conclusion", "Ответственный специалист (демо)"),
        4..=5 => ("household_screening", "act_of_inspection", "Айыл өкмөтү (демо)"),
        6..=8 => ("agency_report", "agency_letter", "Школа-гимназия № 5 (демо)"),
        _ => ("application", "application", "Заявление бабушки (демо)"),
    };
    (ground.into(), doc(kind, issuer))
}

/// The exit ground of a case that ends well, or otherwise.
pub fn exit_ground(c: &Child, today: NaiveDate, rng: &mut StdRng) -> (String, Option<String>) {
    let age = today.years_since(c.birth_date).unwrap_or(0);
    match rng.gen_range(0..20) {
        _ if age >= 18 => ("age_limit".into(), None),
        0..=1 => ("moved_out".into(), Some("Семья переехала в другой район".into())),
        2 => ("other".into(), Some("Ребёнок передан под опеку родственникам в другой области".into())),
        _ => ("risk_eliminated".into(), Some("Факторы риска устранены, семья справляется".into())),
    }
}

/// What a monitoring visit found.
pub fn visit_text(rng: &mut StdRng) -> (String, bool) {
    match rng.gen_range(0..6) {
        0 => ("Ребёнок пропускает занятия, мать обещала контролировать".into(), true),
        1 => ("Условия проживания удовлетворительные, продукты есть".into(), false),
        2 => ("Ребёнок посещает школу, здоров, опекун справляется".into(), false),
        3 => ("Пособие назначено, семья получает выплаты".into(), false),
        4 => ("Ребёнок записан в кружок, конфликтов в семье нет".into(), false),
        _ => ("Посещение на дому, замечаний нет".into(), false),
    }
}
