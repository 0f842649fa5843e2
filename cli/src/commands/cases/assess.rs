//! `kamkor case assess`: findings by domain, saved as a draft that later calls add to,
//! then submitted.

use super::labels::Labels;
use super::parse_id;
use crate::app::App;
use crate::args::AssessArgs;
use crate::commands::{parse_json, read_text};
use crate::error::{CliError, CliResult};
use crate::output::print_json;
use kamkor_core::assessment::{Assessment, Finding};
use kamkor_core::ErrorCode;

fn syntax(value: &str) -> CliError {
    CliError::new(ErrorCode::Validation, "FINDING_SYNTAX").with_field("finding").arg("value", value)
}

/// Parses `domain:circumstance[:severity][:note]` (the note may itself hold colons).
pub fn parse_finding(s: &str) -> CliResult<Finding> {
    let mut parts = s.splitn(4, ':');
    let domain = parts.next().unwrap_or("").trim();
    let circumstance = parts.next().unwrap_or("").trim();
    if domain.is_empty() || circumstance.is_empty() {
        return Err(syntax(s));
    }
    let severity = match parts.next().map(str::trim).filter(|x| !x.is_empty()) {
        Some(x) => {
            Some(serde_json::from_value(serde_json::Value::String(x.to_ascii_lowercase())).map_err(|_| syntax(s))?)
        }
        None => None,
    };
    let note = parts.next().map(str::trim).filter(|x| !x.is_empty()).map(str::to_string);
    Ok(Finding { domain: domain.to_string(), circumstance: circumstance.to_string(), severity, note })
}

/// Adds findings and "no concerns" to a draft; the latest statement about a domain wins.
pub fn merge(mut base: Assessment, findings: Vec<Finding>, no_concerns: Vec<String>) -> Assessment {
    for f in findings {
        base.findings.retain(|x| !(x.domain == f.domain && x.circumstance == f.circumstance));
        base.no_concerns.retain(|d| d != &f.domain);
        base.findings.push(f);
    }
    for d in no_concerns {
        base.findings.retain(|x| x.domain != d);
        if !base.no_concerns.contains(&d) {
            base.no_concerns.push(d);
        }
    }
    base
}

/// `kamkor case assess`.
pub fn run(app: &App, a: AssessArgs) -> CliResult {
    let id = parse_id(&a.id)?;
    let findings = a.finding.iter().map(|f| parse_finding(f)).collect::<CliResult<Vec<_>>>()?;
    let from_file: Option<Assessment> = match &a.file {
        Some(path) => Some(parse_json(&read_text(path)?, &path.display().to_string())?),
        None => None,
    };
    let has_content = from_file.is_some() || !findings.is_empty() || !a.no_concerns.is_empty();
    let (reg, session) = app.open_session()?;
    let mut view = None;
    if has_content {
        let base = if a.replace {
            Assessment::default()
        } else {
            reg.get_case(&session, &id)?.case.assessment.filter(|x| x.submitted_at.is_none()).unwrap_or_default()
        };
        let base = match from_file {
            Some(f) => merge(base, f.findings, f.no_concerns),
            None => base,
        };
        view = Some(reg.save_assessment(&session, &id, merge(base, findings, a.no_concerns))?);
    }
    if a.submit {
        view = Some(reg.submit_assessment(&session, &id)?);
    }
    let Some(v) = view else { return Ok(()) };
    let ui = &app.ui;
    if ui.json {
        return print_json(&v);
    }
    let l = Labels { ui, profile: reg.profile() };
    let Some(saved) = &v.case.assessment else { return Ok(()) };
    match saved.risk {
        Some(risk) if saved.submitted_at.is_some() => {
            outln!("{}", ui.ta("assessment-submitted-done", &[("id", id.to_string()), ("risk", l.severity(risk))]));
            outln!("{}", ui.ta("assessment-next", &[("id", id.to_string())]));
        }
        _ => {
            let missing = reg.profile().plan.as_ref().map(|p| saved.missing_domains(p)).unwrap_or_default();
            let names: Vec<String> = missing.iter().map(|d| l.domain(d)).collect();
            let names = if names.is_empty() { ui.t("word-none") } else { names.join("; ") };
            outln!(
                "{}",
                ui.ta(
                    "assessment-saved",
                    &[("id", id.to_string()), ("findings", saved.findings.len().to_string()), ("missing", names)]
                )
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kamkor_core::plan::Severity;

    #[test]
    fn findings_parse_with_optional_parts() {
        let f = parse_finding("family:parents_labour_migrants").unwrap();
        assert_eq!(
            (f.domain.as_str(), f.circumstance.as_str(), f.severity, f.note),
            ("family", "parents_labour_migrants", None, None)
        );
        let f = parse_finding("safety:neglect:High:Дети одни: 3 дня").unwrap();
        assert_eq!(f.severity, Some(Severity::High));
        assert_eq!(f.note.as_deref(), Some("Дети одни: 3 дня"));
        let f = parse_finding("health:disability::note").unwrap();
        assert_eq!((f.severity, f.note.as_deref()), (None, Some("note")));
        assert!(parse_finding("health").is_err());
        assert!(parse_finding("health:disability:huge").is_err());
    }

    #[test]
    fn the_latest_statement_about_a_domain_wins() {
        let f = |d: &str, c: &str| Finding { domain: d.into(), circumstance: c.into(), severity: None, note: None };
        let a = merge(Assessment::default(), vec![f("health", "disability")], vec!["income".into()]);
        let a = merge(a, vec![f("income", "low_income_no_benefits")], vec!["health".into()]);
        assert_eq!(a.findings, vec![f("income", "low_income_no_benefits")]);
        assert_eq!(a.no_concerns, vec!["health".to_string()]);
    }
}
