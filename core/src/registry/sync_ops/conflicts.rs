//! The conflict queue: field conflicts listed for a supervisor and resolved by an ordinary,
//! audited change.

use super::*;

impl Registry {
    /// The conflict queue in the supervisor's scope (`approve`): each field with two or more
    /// different values from edits that did not see each other, with authors and times.
    pub fn sync_conflicts(&self, session: &Session) -> Result<Vec<Conflict>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Approve, None, "sync.conflicts", None)?;
        let mut out = Vec::new();
        let mut catch = Batch::new();
        for (k, _) in self.store.scan_prefix(Tree::Index, &[TAG_CONFLICT]).map_err(st)? {
            let Some(id) = k.get(1..17).and_then(|b| b.try_into().ok()).map(SubjectId) else { continue };
            let Some((h, _)) = self.state_header(&id)? else { continue };
            let who = actor.principal();
            if access::decide(&self.profile, &self.territories, &who, Action::Approve, Some(&Self::target_of(&h)))
                .is_err()
            {
                continue;
            }
            let Ok(key) = self.subject_key(&id) else { continue };
            let meta = self.catch_up(&id, &key, &mut catch)?;
            for (field, leaves) in meta.conflicts() {
                let shown = sync::winner(leaves).map(|l| l.value.clone()).unwrap_or_default();
                let proposals = leaves
                    .iter()
                    .map(|l| Proposal {
                        change: l.mark.to_string(),
                        value: l.value.clone(),
                        author: l.author.clone(),
                        time: ms(l.time_ms),
                    })
                    .collect();
                out.push(Conflict { subject: id, field: field.clone(), shown, proposals });
            }
        }
        if !catch.is_empty() {
            self.store.apply(catch).map_err(st)?;
        }
        self.audit(
            AuditDraft::allowed(&actor.user.id, "sync.conflicts", None).with_detail(format!("open={}", out.len())),
        )?;
        Ok(out)
    }

    /// Resolves a conflict (`approve` over the record): the supervisor chooses one of the
    /// values or enters another; it is recorded as their change, based on every open value.
    pub fn resolve_conflict(
        &self,
        session: &Session,
        id: &SubjectId,
        field: &str,
        value: serde_json::Value,
        provenance: Provenance,
        note: Option<String>,
    ) -> Result<crate::registry::ChildView, Error> {
        let actor = self.actor(session)?;
        let (h, old, family, stat) = self.load_child(&actor, id, Action::Approve, "sync.resolve")?;
        let key = self.subject_key(id)?;
        let mut catch = Batch::new();
        let meta = self.catch_up(id, &key, &mut catch)?;
        if !meta.conflicts().any(|(f, _)| f == field) {
            return Err(Error::new(ErrorCode::Conflict, "NO_CONFLICT").with_field(field).arg("field", field));
        }
        self.check_provenance(&provenance)?;
        let changes = vec![FieldChange { field: field.to_string(), value }];
        let mut new = apply_changes(&old, &changes)?;
        new.validate(&self.context())?;
        let mut batch = catch;
        let (old_keys, new_keys) = (self.child_index_keys(id, &old), self.child_index_keys(id, &new));
        for k in old_keys.difference(&new_keys) {
            batch.delete(Tree::Index, k.clone());
        }
        for k in new_keys.difference(&old_keys) {
            batch.put(Tree::Index, k.clone(), Vec::new());
        }
        let header = StateHeader {
            version: h.version + 1,
            territory: new.identified_in.clone(),
            updated_ms: self.now().timestamp_millis(),
            ..h.clone()
        };
        let latest = self.latest_case(id)?;
        let change = self.child_stat_change(stat, &new, latest.as_ref().map(|(_, c)| c))?;
        let stat = Some(change.id);
        self.put_state(&mut batch, id, &header, &StateBody::Child { record: new.clone(), family, stat }, &key)?;
        let fact = PendingFact {
            subject: *id,
            kind: SubjectKind::Child,
            base_version: h.version,
            author: &actor.user.id,
            body: FactBody::Changed { changes, provenance, note },
            key: &key,
        };
        let draft = AuditDraft::allowed(&actor.user.id, "sync.resolve", Some(id.to_string())).with_detail(field);
        self.commit_with_stats(batch, vec![fact], vec![draft], &[change])?;
        // Fold the decision into the merge state now (it would be on the next sync anyway).
        let mut after = Batch::new();
        let meta = self.catch_up(id, &key, &mut after)?;
        if meta.conflicts().next().is_none() {
            after.delete(Tree::Index, conflict_key(id));
        }
        self.store.apply(after).map_err(st)?;
        Ok(Self::view(*id, &header, new, family))
    }
}
