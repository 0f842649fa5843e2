//! Printed documents (WF-8, INT-3): a child's card for the personal file, and a statement
//! of what the registry holds about a person as canonical JSON with its SHA-256 (ready to
//! be signed by the host) and as a document to print. Both are audited.

use super::{AuditDraft, Registry, Session};
use crate::i18n::{catalog, Lang};
use crate::model::{Child, SubjectId};
use crate::profile::{Action, Label};
use crate::report::{Document, Section};
use crate::{crypto, Error};
use serde::{Deserialize, Serialize};

/// A data subject's certificate: canonical JSON, its digest, and the printable document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Canonical JSON (object keys sorted, no insignificant whitespace): what is signed.
    pub json: String,
    /// SHA-256 of `json` (hex).
    pub sha256: String,
    /// The same content as a printable document.
    pub document: Document,
}

fn m(lang: Lang, id: &str) -> String {
    catalog().message(lang, id, &[])
}

fn pick(l: &Label, lang: Lang) -> String {
    l.get(lang).to_string()
}

impl Registry {
    fn term_label(&self, vocabulary: &str, code: &str, lang: Lang) -> String {
        self.profile.term(vocabulary, code).map_or_else(
            || code.to_string(),
            |t| match lang {
                Lang::Ru => t.ru.clone(),
                Lang::Ky => t.ky.clone(),
                Lang::En => t.en.clone(),
            },
        )
    }

    fn child_sections(&self, c: &Child, lang: Lang) -> Vec<Section> {
        let yes_no = |b: bool| m(lang, if b { "print-yes" } else { "print-no" });
        let place = |code: &crate::TerritoryCode| {
            self.territories.get(code).map_or_else(|| code.to_string(), |t| t.name(lang.code()).to_string())
        };
        let mut person = vec![
            (m(lang, "print-full-name"), c.full_name()),
            (m(lang, "print-sex"), m(lang, if c.sex == crate::Sex::Female { "print-female" } else { "print-male" })),
            (m(lang, "print-birth-date"), c.birth_date.to_string()),
            (m(lang, "print-pin"), c.pin.clone().unwrap_or_else(|| m(lang, "print-none"))),
            (m(lang, "print-identified"), format!("{}, {}", c.identified_on, place(&c.identified_in))),
            (m(lang, "print-legal-status"), self.term_label("legal_status", &c.legal_status, lang)),
            (
                m(lang, "print-disability"),
                match &c.disability.details {
                    Some(d) if c.disability.present => format!("{}: {d}", yes_no(true)),
                    _ => yes_no(c.disability.present),
                },
            ),
        ];
        if let Some(r) = &c.residence {
            let mut v = r.territory.as_ref().map(place).unwrap_or_default();
            if let Some(t) = &r.text {
                v = if v.is_empty() { t.clone() } else { format!("{v}, {t}") };
            }
            person.push((m(lang, "print-residence"), v));
        }
        let relatives = c
            .relatives
            .iter()
            .map(|r| {
                let name = [&r.surname, &r.given_name, &r.patronymic]
                    .iter()
                    .filter_map(|x| x.as_deref())
                    .collect::<Vec<_>>()
                    .join(" ");
                let pin = r.pin.as_ref().map(|p| format!(", {} {p}", m(lang, "print-pin"))).unwrap_or_default();
                (
                    self.term_label("relation", &r.relation, lang),
                    format!("{name} — {}{pin}", self.term_label("presence", &r.presence, lang)),
                )
            })
            .collect();
        let mut support: Vec<(String, String)> = c
            .social_payments
            .iter()
            .map(|p| {
                (
                    m(lang, "print-payment"),
                    format!(
                        "{}{}",
                        self.term_label("social_payment", &p.kind, lang),
                        p.details.as_ref().map(|d| format!(": {d}")).unwrap_or_default()
                    ),
                )
            })
            .collect();
        if let Some(h) = &c.housing {
            support.push((m(lang, "print-housing"), h.clone()));
        }
        for p in &c.property {
            support.push((m(lang, "print-property"), p.clone()));
        }
        for (k, v) in &c.needs {
            support.push((k.clone(), v.clone()));
        }
        let mut out = vec![Section { title: m(lang, "print-section-child"), lines: person }];
        if !c.relatives.is_empty() {
            out.push(Section { title: m(lang, "print-section-relatives"), lines: relatives });
        }
        if !support.is_empty() {
            out.push(Section { title: m(lang, "print-section-support"), lines: support });
        }
        out
    }

    fn printed_line(&self, actor: &super::Actor, lang: Lang) -> String {
        let d = &actor.user.data;
        catalog().message(
            lang,
            "print-printed",
            &[
                ("at", self.now().format("%Y-%m-%d %H:%M UTC").to_string()),
                ("who", format!("{} {}", d.surname, d.given_name)),
                ("position", d.position.clone()),
                ("agency", d.agency.clone()),
            ],
        )
    }

    /// The printable card of a child, for the personal file (WF-8). Audited as `child.print`.
    pub fn child_card(&self, session: &Session, id: &SubjectId, lang: Lang) -> Result<Document, Error> {
        let actor = self.actor(session)?;
        let (h, record, _, _) = self.load_child(&actor, id, Action::Read, "child.print")?;
        let mut sections = self.child_sections(&record, lang);
        let cases = self.cases_of(id)?;
        if let Some((_, case)) = cases.iter().max_by_key(|(_, c)| c.received_at) {
            if let Ok(w) = self.workflow() {
                let state = w.state(&case.state).map_or_else(|| case.state.clone(), |s| pick(&s.label, lang));
                let mut lines = vec![(m(lang, "print-case-state"), state)];
                for cm in case.measures.iter().filter(|x| !x.measure.dropped) {
                    lines.push((cm.due.to_string(), pick(&to_label(&cm.measure.title), lang)));
                }
                sections.push(Section { title: m(lang, "print-section-case"), lines });
            }
        }
        let doc = Document {
            title: m(lang, "print-card-title"),
            issuer: pick(&self.profile.profile.name, lang),
            sections,
            printed: self.printed_line(&actor, lang),
            confidentiality: m(lang, "print-confidential"),
            digest: None,
        };
        self.audit(
            AuditDraft::allowed(&actor.user.id, "child.print", Some(id.to_string()))
                .with_detail(format!("version={}", h.version)),
        )?;
        Ok(doc)
    }

    /// A statement of everything the registry holds about a child (INT-3): the record, its
    /// family and cases, as canonical JSON with its SHA-256, and as a printable document.
    /// Audited as `child.certificate`.
    pub fn certificate(&self, session: &Session, id: &SubjectId, lang: Lang) -> Result<Certificate, Error> {
        let actor = self.actor(session)?;
        let (h, record, family, _) = self.load_child(&actor, id, Action::Read, "child.certificate")?;
        let view = Self::view(*id, &h, record.clone(), family);
        let family_view = match family {
            Some(f) => self.family_view_internal(&f)?,
            None => None,
        };
        let cases: Vec<serde_json::Value> =
            self.cases_of(id)?.into_iter().map(|(cid, c)| serde_json::json!({ "id": cid, "case": c })).collect();
        let issued_at = self.now();
        let d = &actor.user.data;
        let body = serde_json::json!({
            "format": 1,
            "kind": "kamkor.certificate",
            "registry": self.origin,
            "issued_at": issued_at,
            "issued_by": { "user": actor.user.id, "name": format!("{} {}", d.surname, d.given_name), "position": d.position, "agency": d.agency, "agency_inn": d.agency_inn },
            "subject": view,
            "family": family_view,
            "cases": cases,
        });
        // serde_json's Map keeps keys sorted: to_string gives a canonical form.
        let json = serde_json::to_string(&body).map_err(Error::storage)?;
        let sha256 = hex::encode(crypto::sha256(json.as_bytes()));
        let mut sections = self.child_sections(&record, lang);
        if let Some(f) = &family_view {
            let mut lines = vec![(m(lang, "print-family-name"), f.record.name.clone())];
            for mem in &f.record.members {
                lines.push((
                    self.term_label("relation", &mem.relation, lang),
                    format!(
                        "{} {} — {}",
                        mem.surname,
                        mem.given_name,
                        self.term_label("presence", &mem.presence, lang)
                    ),
                ));
            }
            sections.push(Section { title: m(lang, "print-section-family"), lines });
        }
        let document = Document {
            title: m(lang, "print-certificate-title"),
            issuer: pick(&self.profile.profile.name, lang),
            sections,
            printed: self.printed_line(&actor, lang),
            confidentiality: m(lang, "print-confidential"),
            digest: Some(format!("SHA-256: {sha256}")),
        };
        self.audit(
            AuditDraft::allowed(&actor.user.id, "child.certificate", Some(id.to_string()))
                .with_detail(format!("sha256={sha256}")),
        )?;
        Ok(Certificate { json, sha256, document })
    }
}

fn to_label(l: &crate::plan::Label) -> Label {
    Label { ru: l.ru.clone(), ky: l.ky.clone(), en: l.en.clone() }
}
