//! Agency competence and consent (ACC-5, Yamal §§5.2, 5.2.5): a role's `write` grant may list
//! the parts of a record it changes, and a profile's consent rules keep protected data out of
//! a record until the subject's consent is recorded in it.

use super::{Actor, Registry};
use crate::access::DenyReason;
use crate::model::{Child, FieldChange};
use crate::profile::{field_matches, Action};
use crate::Error;

impl Registry {
    /// Refuses (audited) a change of a field outside the actor's competence.
    pub(crate) fn check_competence(
        &self,
        actor: &Actor,
        changes: &[FieldChange],
        op: &str,
        subject: Option<String>,
    ) -> Result<(), Error> {
        let Some(grant) = self.profile.role(&actor.user.data.role).and_then(|r| r.grant(Action::Write)) else {
            return Ok(());
        };
        if let Some((i, c)) = changes.iter().enumerate().find(|(_, c)| !grant.covers_field(&c.field)) {
            let err = self.deny(Some(&actor.user.id), op, subject, DenyReason::OutsideCompetence);
            return Err(err.with_field(format!("changes[{i}].{}", c.field)));
        }
        Ok(())
    }

    /// Refuses a registration whose open-ended data (`needs`) fall outside the actor's competence.
    pub(crate) fn check_competence_of_record(&self, actor: &Actor, record: &Child) -> Result<(), Error> {
        let changes: Vec<FieldChange> = record
            .needs
            .keys()
            .map(|k| FieldChange { field: format!("needs.{k}"), value: serde_json::Value::Null })
            .collect();
        self.check_competence(actor, &changes, "child.register", None)
    }

    /// Refuses protected data in a record that holds no consent for them.
    pub(crate) fn check_consent(&self, record: &Child, changed: Option<&[FieldChange]>) -> Result<(), Error> {
        for rule in &self.profile.consent {
            let Some(consent_key) = rule.record.strip_prefix("needs.") else { continue };
            if record.needs.get(consent_key).is_some_and(|v| !v.trim().is_empty()) {
                continue;
            }
            let touched: Option<String> = match changed {
                // A change writes protected data (removing them needs no consent).
                Some(changes) => changes
                    .iter()
                    .find(|c| !c.value.is_null() && rule.fields.iter().any(|f| field_matches(f, &c.field)))
                    .map(|c| c.field.clone()),
                // A new record holds protected data.
                None => protected_in(record, &rule.fields),
            };
            if let Some(field) = touched {
                return Err(Error::validation("CONSENT_REQUIRED", field).arg("code", &rule.record));
            }
        }
        Ok(())
    }
}

fn protected_in(record: &Child, fields: &[String]) -> Option<String> {
    for f in fields {
        if f == "disability" && (record.disability.present || record.disability.details.is_some()) {
            return Some(f.clone());
        }
        if let Some(k) = record.needs.keys().map(|k| format!("needs.{k}")).find(|k| field_matches(f, k)) {
            return Some(k);
        }
    }
    None
}
