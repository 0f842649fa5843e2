//! Family records (REG-2): members, address, circumstances; children link to one family.

use super::children::ms;
use super::index;
use super::{AuditDraft, PendingFact, Registry, Session};
use crate::access::Target;
use crate::facts::{FactBody, Provenance, StateBody, StateHeader, SubjectKind};
use crate::model::{apply_changes, Family, FieldChange, SubjectId};
use crate::profile::Action;
use crate::store::{Batch, Tree};
use crate::{facts, Error, ErrorCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A family as a reader sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyView {
    /// Id.
    pub id: SubjectId,
    /// Number of facts applied.
    pub version: u64,
    /// The current record.
    pub record: Family,
    /// Registered children linked to the family.
    pub children: Vec<SubjectId>,
    /// The registering organization.
    pub organization: String,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

impl Registry {
    /// Registers a family.
    pub fn register_family(
        &self,
        session: &Session,
        mut family: Family,
        provenance: Provenance,
    ) -> Result<SubjectId, Error> {
        let actor = self.actor(session)?;
        let ctx = self.context();
        family.validate(&ctx)?;
        self.check_provenance(&provenance)?;
        self.authorize(
            &actor,
            Action::Write,
            Some(&Target { territory: &family.territory, organization: &actor.user.data.agency_inn }),
            "family.register",
            None,
        )?;
        let mut batch = Batch::new();
        let (id, key) = self.new_subject(&mut batch)?;
        let (fact, stat) = self.stage_family(&actor, &mut batch, &id, &key, family, provenance)?;
        self.commit_with_stats(
            batch,
            vec![fact],
            vec![AuditDraft::allowed(&actor.user.id, "family.register", Some(id.to_string()))],
            &[stat],
        )?;
        Ok(id)
    }

    /// Stages a checked family into a batch; the caller commits the fact and the statistics.
    pub(crate) fn stage_family<'a>(
        &self,
        actor: &'a super::Actor,
        batch: &mut Batch,
        id: &SubjectId,
        key: &'a crate::crypto::Key,
        family: Family,
        provenance: Provenance,
    ) -> Result<(PendingFact<'a>, super::stats_ops::StatChange), Error> {
        let org = actor.user.data.agency_inn.clone();
        let now = self.now().timestamp_millis();
        let header = StateHeader {
            format: facts::FORMAT,
            kind: SubjectKind::Family,
            version: 1,
            territory: family.territory.clone(),
            organization: org.clone(),
            created_ms: now,
            updated_ms: now,
        };
        let change = super::stats_ops::StatChange {
            id: SubjectId(self.random::<16>()?),
            old: None,
            new: Some(crate::stats::StatRecord::of_family(&family)),
        };
        let stat = Some(change.id);
        self.put_state(batch, id, &header, &StateBody::Family { record: family.clone(), stat }, key)?;
        let fact = PendingFact {
            subject: *id,
            kind: SubjectKind::Family,
            base_version: 0,
            author: &actor.user.id,
            body: FactBody::FamilyRegistered { record: family, organization: org, provenance },
            key,
        };
        Ok((fact, change))
    }

    fn load_family(
        &self,
        session: &Session,
        id: &SubjectId,
        action: Action,
        op: &'static str,
    ) -> Result<(super::Actor, StateHeader, Family, Option<SubjectId>), Error> {
        let actor = self.actor(session)?;
        let Some((h, bytes)) = self.state_header(id)?.filter(|(h, _)| h.kind == SubjectKind::Family) else {
            self.authorize(&actor, action, None, op, Some(id.to_string()))?;
            return Err(self.not_found(&actor, op, id, "FAMILY_NOT_FOUND"));
        };
        self.authorize(&actor, action, Some(&Self::target_of(&h)), op, Some(id.to_string()))?;
        let key = self.subject_key(id)?;
        match self.open_state(id, &bytes, &key)? {
            (h, StateBody::Family { record, stat }) => Ok((actor, h, record, stat)),
            _ => Err(Error::new(ErrorCode::Storage, "STORE_DAMAGED")),
        }
    }

    fn family_children(&self, id: &SubjectId) -> Result<Vec<SubjectId>, Error> {
        let mut prefix = vec![index::FAMILY_CHILD];
        prefix.extend_from_slice(&id.0);
        Ok(self
            .store
            .scan_prefix(Tree::Index, &prefix)
            .map_err(Error::storage)?
            .iter()
            .filter_map(|(k, _)| index::trailing_id(k))
            .collect())
    }

    /// A family's view without access checks (retention archives it).
    pub(crate) fn family_view_internal(&self, id: &SubjectId) -> Result<Option<FamilyView>, Error> {
        let Some((_, bytes)) = self.state_header(id)?.filter(|(h, _)| h.kind == SubjectKind::Family) else {
            return Ok(None);
        };
        let key = self.subject_key(id)?;
        match self.open_state(id, &bytes, &key)? {
            (h, StateBody::Family { record, .. }) => Ok(Some(FamilyView {
                id: *id,
                version: h.version,
                record,
                children: self.family_children(id)?,
                organization: h.organization,
                created_at: ms(h.created_ms),
                updated_at: ms(h.updated_ms),
            })),
            _ => Ok(None),
        }
    }

    /// Reads a family with its linked children's ids.
    pub fn get_family(&self, session: &Session, id: &SubjectId) -> Result<FamilyView, Error> {
        let (actor, h, record, _) = self.load_family(session, id, Action::Read, "family.read")?;
        let children = self.family_children(id)?;
        self.audit(AuditDraft::allowed(&actor.user.id, "family.read", Some(id.to_string())))?;
        Ok(FamilyView {
            id: *id,
            version: h.version,
            record,
            children,
            organization: h.organization,
            created_at: ms(h.created_ms),
            updated_at: ms(h.updated_ms),
        })
    }

    /// Records a change of the family's circumstances.
    pub fn update_family(
        &self,
        session: &Session,
        id: &SubjectId,
        changes: Vec<FieldChange>,
        provenance: Provenance,
        note: Option<String>,
        base_version: Option<u64>,
    ) -> Result<FamilyView, Error> {
        let (actor, h, old, stat) = self.load_family(session, id, Action::Write, "family.update")?;
        if let Some(v) = base_version.filter(|v| *v != h.version) {
            return Err(Error::new(ErrorCode::Conflict, "STALE_VERSION").arg("expected", v).arg("found", h.version));
        }
        if changes.is_empty() {
            return Err(Error::validation("REQUIRED", "changes"));
        }
        let ctx = self.context();
        self.check_provenance(&provenance)?;
        let mut new = apply_changes(&old, &changes)?;
        new.validate(&ctx)?;
        if new.territory != old.territory {
            let target = Target { territory: &new.territory, organization: &h.organization };
            self.authorize(&actor, Action::Write, Some(&target), "family.update", Some(id.to_string()))?;
        }
        let key = self.subject_key(id)?;
        let mut batch = Batch::new();
        let header = StateHeader {
            version: h.version + 1,
            territory: new.territory.clone(),
            updated_ms: self.now().timestamp_millis(),
            ..h.clone()
        };
        let stat_id = match stat {
            Some(s) => s,
            None => SubjectId(self.random::<16>()?),
        };
        let change = super::stats_ops::StatChange {
            id: stat_id,
            old: self.stat_record(&stat_id)?,
            new: Some(crate::stats::StatRecord::of_family(&new)),
        };
        self.put_state(&mut batch, id, &header, &StateBody::Family { record: new.clone(), stat: Some(stat_id) }, &key)?;
        let fact = PendingFact {
            subject: *id,
            kind: SubjectKind::Family,
            base_version: h.version,
            author: &actor.user.id,
            body: FactBody::Changed { changes, provenance, note },
            key: &key,
        };
        let audit = vec![AuditDraft::allowed(&actor.user.id, "family.update", Some(id.to_string()))];
        self.commit_with_stats(batch, vec![fact], audit, &[change])?;
        Ok(FamilyView {
            id: *id,
            version: header.version,
            record: new,
            children: self.family_children(id)?,
            organization: h.organization,
            created_at: ms(h.created_ms),
            updated_at: ms(header.updated_ms),
        })
    }

    /// Links a child to a family (or unlinks with `None`). A child belongs to at most one
    /// family: linking a child of another family is `CONFLICT/ALREADY_IN_FAMILY`.
    pub fn link_child(
        &self,
        session: &Session,
        child: &SubjectId,
        family: Option<&SubjectId>,
        provenance: Provenance,
    ) -> Result<(), Error> {
        let actor = self.actor(session)?;
        let Some((ch, bytes)) = self.state_header(child)?.filter(|(h, _)| h.kind == SubjectKind::Child) else {
            self.authorize(&actor, Action::Write, None, "family.link", Some(child.to_string()))?;
            return Err(self.not_found(&actor, "family.link", child, "CHILD_NOT_FOUND"));
        };
        self.authorize(&actor, Action::Write, Some(&Self::target_of(&ch)), "family.link", Some(child.to_string()))?;
        if let Some(f) = family {
            let Some((fh, _)) = self.state_header(f)?.filter(|(h, _)| h.kind == SubjectKind::Family) else {
                return Err(self.not_found(&actor, "family.link", f, "FAMILY_NOT_FOUND"));
            };
            self.authorize(&actor, Action::Write, Some(&Self::target_of(&fh)), "family.link", Some(f.to_string()))?;
        }
        self.check_provenance(&provenance)?;
        let key = self.subject_key(child)?;
        let (h, body) = self.open_state(child, &bytes, &key)?;
        let StateBody::Child { record, family: current, stat } = body else {
            return Err(Error::new(ErrorCode::Storage, "STORE_DAMAGED"));
        };
        if let (Some(cur), Some(new)) = (current, family) {
            if cur != *new {
                return Err(Error::new(ErrorCode::Conflict, "ALREADY_IN_FAMILY").arg("family", cur));
            }
            return Ok(());
        }
        let mut batch = Batch::new();
        if let Some(cur) = current {
            batch.delete(Tree::Index, index::family_child(&cur, child));
        }
        if let Some(f) = family {
            batch.put(Tree::Index, index::family_child(f, child), Vec::new());
        }
        let header = StateHeader { version: h.version + 1, updated_ms: self.now().timestamp_millis(), ..h.clone() };
        self.put_state(&mut batch, child, &header, &StateBody::Child { record, family: family.copied(), stat }, &key)?;
        let fact = PendingFact {
            subject: *child,
            kind: SubjectKind::Child,
            base_version: h.version,
            author: &actor.user.id,
            body: FactBody::FamilyLinked { family: family.copied(), provenance },
            key: &key,
        };
        self.commit(
            batch,
            vec![fact],
            vec![AuditDraft::allowed(&actor.user.id, "family.link", Some(child.to_string()))],
        )?;
        Ok(())
    }
}
