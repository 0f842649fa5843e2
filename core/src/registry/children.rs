//! Child records: registration (single and batched), reading, search, duplicates,
//! changes of circumstances and their history (REG-1, REG-3, REG-4, REG-6).

use super::index::{self, blind_prefix, trailing_id};
use super::{Actor, AuditDraft, PendingFact, Registry, Session};
use crate::facts::{FactBody, Provenance, StateBody, StateHeader, SubjectKind};
use crate::model::{apply_changes, Child, FieldChange, SubjectId, Warning};
use crate::names;
use crate::profile::Action;
use crate::store::{Batch, Tree};
use crate::territory::TerritoryCode;
use crate::{facts, Error, ErrorCode};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

/// A child to register, with where the information came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewChild {
    /// The record.
    pub record: Child,
    /// Source and date received.
    pub provenance: Provenance,
}

/// The result of a registration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// The new child's id.
    pub id: SubjectId,
    /// Warnings: missing PIN, PIN disagreement, likely duplicates.
    pub warnings: Vec<Warning>,
}

/// A child as a reader sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildView {
    /// Id.
    pub id: SubjectId,
    /// Number of facts applied.
    pub version: u64,
    /// The current record.
    pub record: Child,
    /// The family, if linked.
    pub family: Option<SubjectId>,
    /// The registering organization.
    pub organization: String,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
    /// Standing flags (e.g. `NO_PIN`).
    pub flags: Vec<String>,
}

/// A page of the children in a reader's scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildList {
    /// How many children the reader may see (under the territory asked).
    pub total: usize,
    /// The page.
    pub children: Vec<ChildView>,
}

/// A search result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// Name similarity in [0, 1].
    pub score: f64,
    /// The child.
    pub child: ChildView,
}

/// A name search (REG-6): words of a name in any script and order, optionally a birth date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SearchQuery {
    /// Words of the name (surname, given name, patronymic, in any order and script).
    pub name: String,
    /// Birth date, when known: narrows and allows misspellings.
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    /// At most this many results (default 20).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// A possible duplicate of a record being entered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DuplicateCandidate {
    /// `PIN` (same PIN) or `NAME_BIRTH_DATE` (likely match).
    pub kind: String,
    /// The existing record's id, when the reader may see it; `None` when it lies outside the reader's scope.
    pub id: Option<SubjectId>,
    /// Name similarity.
    pub score: f64,
}

/// One entry of a record's history (REG-4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The origin that recorded it.
    pub origin: String,
    /// Sequence within the origin.
    pub seq: u64,
    /// When recorded.
    pub time: DateTime<Utc>,
    /// Who entered it (user id).
    pub author: String,
    /// The version it was based on.
    pub base_version: u64,
    /// What happened, with the source and the date received.
    pub fact: FactBody,
}

pub(crate) fn ms(t: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(t).single().unwrap_or_default()
}

fn flags(c: &Child) -> Vec<String> {
    let mut f = Vec::new();
    if c.pin.is_none() {
        f.push("NO_PIN".to_string());
    }
    f
}

/// A checked child to stage: its warnings, its family (linked at once) and the screening
/// rules it met.
pub(crate) struct ToStage {
    pub(crate) child: NewChild,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) family: Option<SubjectId>,
    pub(crate) rules: Vec<String>,
}

/// Children staged into a batch, waiting for the commit.
pub(crate) struct Staged<'a> {
    pub(crate) facts: Vec<PendingFact<'a>>,
    pub(crate) audit: Vec<AuditDraft>,
    pub(crate) stats: Vec<super::stats_ops::StatChange>,
    pub(crate) registered: Vec<Registered>,
}

impl Registry {
    /// Registers one child. `CONFLICT/DUPLICATE_PIN` when the PIN is registered already;
    /// a likely duplicate by name and birth date is a warning.
    pub fn register_child(&self, session: &Session, child: NewChild) -> Result<Registered, Error> {
        let mut out = self.register_inner(session, vec![child], false)?;
        out.pop().ok_or_else(|| Error::storage("empty registration"))
    }

    /// Registers many children all-or-nothing: any invalid row refuses the whole batch,
    /// with the row in the error's field (`rows[i].…`).
    pub fn register_children(&self, session: &Session, children: Vec<NewChild>) -> Result<Vec<Registered>, Error> {
        self.register_inner(session, children, true)
    }

    fn register_inner(
        &self,
        session: &Session,
        mut items: Vec<NewChild>,
        rows: bool,
    ) -> Result<Vec<Registered>, Error> {
        let actor = self.actor(session)?;
        let row = |i: usize, e: Error| if rows { e.in_context(&format!("rows[{i}]")) } else { e };
        let mut warnings = Vec::with_capacity(items.len());
        let mut pins_in_batch = HashSet::new();
        for (i, item) in items.iter_mut().enumerate() {
            warnings.push(self.check_child_record(&actor, item).map_err(|e| row(i, e))?);
            if let Some(pin) = &item.record.pin {
                if !pins_in_batch.insert(pin.clone()) {
                    return Err(row(i, Error::new(ErrorCode::Conflict, "DUPLICATE_PIN").with_field("pin")));
                }
            }
        }
        // Duplicates against the registry.
        for (i, item) in items.iter().enumerate() {
            if let Some(pin) = &item.record.pin {
                if let Some(existing) = self.pin_holders(pin)?.into_iter().next() {
                    let mut e = Error::new(ErrorCode::Conflict, "DUPLICATE_PIN").with_field("pin");
                    if let Some(id) = self.visible_id(&actor, &existing)? {
                        e = e.arg("existing", id);
                    }
                    return Err(row(i, e));
                }
            }
            if let Some(id) = self.likely_match(&item.record)? {
                let detail = self.visible_id(&actor, &id)?.map(|i| i.to_string());
                warnings[i].push(Warning { code: "LIKELY_DUPLICATE".into(), field: Some("surname".into()), detail });
            }
        }
        let mut batch = Batch::new();
        let keys = (0..items.len()).map(|_| self.new_subject(&mut batch)).collect::<Result<Vec<_>, _>>()?;
        let staged = self.stage_children(
            &actor,
            &mut batch,
            &keys,
            items
                .into_iter()
                .zip(warnings)
                .map(|(child, warnings)| ToStage { child, warnings, family: None, rules: Vec::new() })
                .collect(),
        )?;
        self.commit_with_stats(batch, staged.facts, staged.audit, &staged.stats)?;
        Ok(staged.registered)
    }

    /// Normalizes and validates a record for registration by an actor: the record, the
    /// provenance and the actor's right to write in its territory. Returns the warnings.
    pub(crate) fn check_child_record(&self, actor: &Actor, item: &mut NewChild) -> Result<Vec<Warning>, Error> {
        let w = item.record.validate(&self.context())?;
        self.check_provenance(&item.provenance)?;
        let org = &actor.user.data.agency_inn;
        let target = crate::access::Target { territory: &item.record.identified_in, organization: org };
        self.authorize(actor, Action::Write, Some(&target), "child.register", None)?;
        self.check_competence_of_record(actor, &item.record)?;
        self.check_consent(&item.record, None)?;
        Ok(w)
    }

    /// A registered child with the same folded name and birth date, if any (REG-6).
    pub(crate) fn likely_match(&self, record: &Child) -> Result<Option<SubjectId>, Error> {
        for m in index::match_values(&record.surname, &record.given_name, record.birth_date) {
            let prefix = blind_prefix(index::MATCH, &self.blind("match", &m));
            if let Some((k, _)) =
                self.store.scan(Tree::Index, &prefix, &prefix, 1).map_err(Error::storage)?.into_iter().next()
            {
                if let Some(id) = trailing_id(&k) {
                    return Ok(Some(id));
                }
            }
        }
        Ok(None)
    }

    /// Stages checked children into a batch (one key per child, from `keys`), each optionally
    /// linked to a family at once and flagged by screening rules (a `screened` fact). The caller commits the batch with the returned facts,
    /// audit entries and statistics.
    pub(crate) fn stage_children<'a>(
        &self,
        actor: &'a Actor,
        batch: &mut Batch,
        keys: &'a [(SubjectId, crate::crypto::Key)],
        items: Vec<ToStage>,
    ) -> Result<Staged<'a>, Error> {
        let now = self.now().timestamp_millis();
        let org = actor.user.data.agency_inn.clone();
        let mut staged = Staged {
            facts: Vec::with_capacity(items.len()),
            audit: Vec::with_capacity(items.len()),
            stats: Vec::with_capacity(items.len()),
            registered: Vec::with_capacity(items.len()),
        };
        for (ToStage { child: item, warnings: w, family, rules }, (id, key)) in items.into_iter().zip(keys.iter()) {
            let change = self.child_stat_change(None, &item.record, None)?;
            let stat = Some(change.id);
            staged.stats.push(change);
            for k in self.child_index_keys(id, &item.record) {
                batch.put(Tree::Index, k, Vec::new());
            }
            if let Some(f) = &family {
                batch.put(Tree::Index, index::family_child(f, id), Vec::new());
            }
            let header = StateHeader {
                format: facts::FORMAT,
                kind: SubjectKind::Child,
                version: 1 + u64::from(family.is_some()) + u64::from(!rules.is_empty()),
                territory: item.record.identified_in.clone(),
                organization: org.clone(),
                created_ms: now,
                updated_ms: now,
            };
            self.put_state(batch, id, &header, &StateBody::Child { record: item.record.clone(), family, stat }, key)?;
            let provenance = item.provenance.clone();
            staged.facts.push(PendingFact {
                subject: *id,
                kind: SubjectKind::Child,
                base_version: 0,
                author: &actor.user.id,
                body: FactBody::ChildRegistered {
                    record: item.record,
                    organization: org.clone(),
                    provenance: item.provenance,
                },
                key,
            });
            staged.audit.push(AuditDraft::allowed(&actor.user.id, "child.register", Some(id.to_string())));
            if family.is_some() {
                staged.facts.push(PendingFact {
                    subject: *id,
                    kind: SubjectKind::Child,
                    base_version: 1,
                    author: &actor.user.id,
                    body: FactBody::FamilyLinked { family, provenance: provenance.clone() },
                    key,
                });
            }
            if !rules.is_empty() {
                staged.facts.push(PendingFact {
                    subject: *id,
                    kind: SubjectKind::Child,
                    base_version: 1 + u64::from(family.is_some()),
                    author: &actor.user.id,
                    body: FactBody::Screened { rules, provenance },
                    key,
                });
            }
            staged.registered.push(Registered { id: *id, warnings: w });
        }
        Ok(staged)
    }

    /// Subjects holding a PIN (normally zero or one).
    pub(crate) fn pin_holders(&self, pin: &str) -> Result<Vec<SubjectId>, Error> {
        let prefix = blind_prefix(index::PIN, &self.blind("pin", pin));
        Ok(self
            .store
            .scan_prefix(Tree::Index, &prefix)
            .map_err(Error::storage)?
            .iter()
            .filter_map(|(k, _)| trailing_id(k))
            .collect())
    }

    /// The id if the actor may read the subject.
    pub(crate) fn visible_id(&self, actor: &Actor, id: &SubjectId) -> Result<Option<SubjectId>, Error> {
        Ok(self.state_header(id)?.and_then(|(h, _)| {
            crate::access::decide(
                &self.profile,
                &self.territories,
                &actor.principal(),
                Action::Read,
                Some(&Self::target_of(&h)),
            )
            .ok()
            .map(|_| *id)
        }))
    }

    /// Loads a child for an actor and an action, auditing a refusal.
    pub(crate) fn load_child(
        &self,
        actor: &Actor,
        id: &SubjectId,
        action: Action,
        op: &'static str,
    ) -> Result<(StateHeader, Child, Option<SubjectId>, Option<SubjectId>), Error> {
        let Some((h, bytes)) = self.state_header(id)?.filter(|(h, _)| h.kind == SubjectKind::Child) else {
            self.authorize(actor, action, None, op, Some(id.to_string()))?;
            return Err(self.not_found(actor, op, id, "CHILD_NOT_FOUND"));
        };
        self.authorize(actor, action, Some(&Self::target_of(&h)), op, Some(id.to_string()))?;
        let key = self.subject_key(id)?;
        match self.open_state(id, &bytes, &key)? {
            (h, StateBody::Child { record, family, stat }) => Ok((h, record, family, stat)),
            _ => Err(Error::new(ErrorCode::Storage, "STORE_DAMAGED")),
        }
    }

    pub(crate) fn view(id: SubjectId, h: &StateHeader, record: Child, family: Option<SubjectId>) -> ChildView {
        ChildView {
            id,
            version: h.version,
            flags: flags(&record),
            record,
            family,
            organization: h.organization.clone(),
            created_at: ms(h.created_ms),
            updated_at: ms(h.updated_ms),
        }
    }

    /// Reads a child. Outside the actor's scope: `ACCESS_DENIED`, audited.
    pub fn get_child(&self, session: &Session, id: &SubjectId) -> Result<ChildView, Error> {
        let actor = self.actor(session)?;
        let (h, record, family, _) = self.load_child(&actor, id, Action::Read, "child.read")?;
        self.audit(AuditDraft::allowed(&actor.user.id, "child.read", Some(id.to_string())))?;
        Ok(Self::view(*id, &h, record, family))
    }

    /// Finds a child by PIN. `Ok(None)` when no child has it; `ACCESS_DENIED` when it lies outside the scope.
    pub fn find_by_pin(&self, session: &Session, pin: &str) -> Result<Option<ChildView>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Read, None, "child.read", None)?;
        let pin = crate::model::validate_pin(pin, &self.context(), "pin")?;
        let Some(id) = self.pin_holders(&pin)?.into_iter().next() else {
            self.audit(AuditDraft::allowed(&actor.user.id, "child.search", None).with_detail("results=0"))?;
            return Ok(None);
        };
        let (h, record, family, _) = self.load_child(&actor, &id, Action::Read, "child.read")?;
        self.audit(AuditDraft::allowed(&actor.user.id, "child.read", Some(id.to_string())))?;
        Ok(Some(Self::view(id, &h, record, family)))
    }

    /// Searches by name (and birth date) within the actor's scope, best matches first.
    pub fn search(&self, session: &Session, query: &SearchQuery) -> Result<Vec<Match>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Read, None, "child.search", None)?;
        let limit = query.limit.unwrap_or(20).clamp(1, 1000);
        let tokens = names::tokens(&query.name);
        if tokens.is_empty() && query.birth_date.is_none() {
            return Err(Error::validation("REQUIRED", "name"));
        }
        const CAP: usize = 5000;
        let words: Vec<&str> = query.name.split_whitespace().collect();
        let mut candidates: BTreeSet<SubjectId> = BTreeSet::new();
        if let Some(d) = query.birth_date {
            // With a birth date, the date's bucket is small and allows misspelled names
            // (scored below): the name lists are not needed.
            candidates.extend(self.postings(index::BIRTH, &self.blind("birth", &d.to_string()), CAP)?);
        } else if let [a, b, ..] = words.as_slice() {
            // Two words: the pair index (folded surname and given name, both orders).
            let pair = format!("{}|{}", names::fold(a), names::fold(b));
            candidates.extend(self.postings(index::PAIR, &self.blind("pair", &pair), CAP)?);
        }
        if candidates.is_empty() && query.birth_date.is_none() {
            // One word, or a pair not found as such: intersect the token lists.
            let mut lists: Vec<Vec<SubjectId>> = Vec::new();
            for t in &tokens {
                lists.push(self.postings(index::NAME, &self.blind("name", t), CAP)?);
            }
            lists.sort_by_key(Vec::len);
            let mut it = lists.into_iter();
            candidates.extend(it.next().unwrap_or_default());
            for other in it {
                let other: HashSet<SubjectId> = other.into_iter().collect();
                candidates.retain(|c| other.contains(c));
            }
        }
        let mut results = Vec::new();
        for id in candidates {
            let Some((h, bytes)) = self.state_header(&id)? else { continue };
            if h.kind != SubjectKind::Child
                || crate::access::decide(
                    &self.profile,
                    &self.territories,
                    &actor.principal(),
                    Action::Read,
                    Some(&Self::target_of(&h)),
                )
                .is_err()
            {
                continue;
            }
            let Ok(key) = self.subject_key(&id) else { continue };
            let (h, body) = self.open_state(&id, &bytes, &key)?;
            let StateBody::Child { record, family, .. } = body else { continue };
            let score = score_name(&words, &record);
            if query.birth_date.is_some() && score < names::LIKELY_MATCH_THRESHOLD && !tokens.is_empty() {
                continue;
            }
            results.push(Match { score, child: Self::view(id, &h, record, family) });
        }
        results.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.child.id.cmp(&b.child.id)));
        results.truncate(limit);
        let ids: Vec<String> = results.iter().map(|m| m.child.id.to_string()).collect();
        self.audit(AuditDraft::allowed(&actor.user.id, "child.search", None).with_detail(format!(
            "results={} ids={}",
            ids.len(),
            ids.join(",")
        )))?;
        Ok(results)
    }

    fn postings(&self, tag: u8, blind: &[u8; 16], cap: usize) -> Result<Vec<SubjectId>, Error> {
        let prefix = blind_prefix(tag, blind);
        Ok(self
            .store
            .scan(Tree::Index, &prefix, &prefix, cap)
            .map_err(Error::storage)?
            .iter()
            .filter_map(|(k, _)| trailing_id(k))
            .collect())
    }

    /// Possible duplicates of a record being entered (as-you-type check): same PIN, or a
    /// likely match on name and birth date across Cyrillic/Latin spellings.
    pub fn check_duplicates(&self, session: &Session, child: &Child) -> Result<Vec<DuplicateCandidate>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Read, None, "child.duplicates", None)?;
        let mut out = Vec::new();
        if let Some(pin) = child.pin.as_deref().and_then(|p| crate::model::validate_pin(p, &self.context(), "pin").ok())
        {
            for id in self.pin_holders(&pin)? {
                out.push(DuplicateCandidate { kind: "PIN".into(), id: self.visible_id(&actor, &id)?, score: 1.0 });
            }
        }
        for id in self.postings(index::BIRTH, &self.blind("birth", &child.birth_date.to_string()), 5000)? {
            let Some((_, bytes)) = self.state_header(&id)? else { continue };
            let Ok(key) = self.subject_key(&id) else { continue };
            if let (_, StateBody::Child { record, .. }) = self.open_state(&id, &bytes, &key)? {
                let score =
                    names::person_similarity(&child.surname, &child.given_name, &record.surname, &record.given_name);
                let same_pin = record.pin.is_some() && record.pin == child.pin;
                if score >= names::LIKELY_MATCH_THRESHOLD && !same_pin {
                    out.push(DuplicateCandidate {
                        kind: "NAME_BIRTH_DATE".into(),
                        id: self.visible_id(&actor, &id)?,
                        score,
                    });
                }
            }
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        self.audit(
            AuditDraft::allowed(&actor.user.id, "child.duplicates", None).with_detail(format!("results={}", out.len())),
        )?;
        Ok(out)
    }

    /// Records a change of circumstances (REG-4): field changes with the source and the date
    /// the information was received. With `base_version`, a stale change is refused (`CONFLICT/STALE_VERSION`).
    pub fn update_child(
        &self,
        session: &Session,
        id: &SubjectId,
        changes: Vec<FieldChange>,
        provenance: Provenance,
        note: Option<String>,
        base_version: Option<u64>,
    ) -> Result<ChildView, Error> {
        let actor = self.actor(session)?;
        let (h, old, family, stat) = self.load_child(&actor, id, Action::Write, "child.update")?;
        if let Some(v) = base_version {
            if v != h.version {
                return Err(Error::new(ErrorCode::Conflict, "STALE_VERSION")
                    .arg("expected", v)
                    .arg("found", h.version));
            }
        }
        if changes.is_empty() {
            return Err(Error::validation("REQUIRED", "changes"));
        }
        self.check_competence(&actor, &changes, "child.update", Some(id.to_string()))?;
        let ctx = self.context();
        self.check_provenance(&provenance)?;
        let mut new = apply_changes(&old, &changes)?;
        new.validate(&ctx)?;
        self.check_consent(&new, Some(&changes))?;
        if new.identified_in != old.identified_in {
            let target = crate::access::Target { territory: &new.identified_in, organization: &h.organization };
            self.authorize(&actor, Action::Write, Some(&target), "child.update", Some(id.to_string()))?;
        }
        if new.pin != old.pin {
            if let Some(pin) = &new.pin {
                if self.pin_holders(pin)?.iter().any(|other| other != id) {
                    return Err(Error::new(ErrorCode::Conflict, "DUPLICATE_PIN").with_field("pin"));
                }
            }
        }
        let key = self.subject_key(id)?;
        let mut batch = Batch::new();
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
        self.commit(
            batch,
            vec![fact],
            vec![AuditDraft::allowed(&actor.user.id, "child.update", Some(id.to_string()))],
        )?;
        Ok(Self::view(*id, &header, new, family))
    }

    /// The full history of a record: every fact, oldest first (REG-4).
    pub fn history(&self, session: &Session, id: &SubjectId) -> Result<Vec<HistoryEntry>, Error> {
        let actor = self.actor(session)?;
        let Some((h, _)) = self.state_header(id)?.filter(|(h, _)| h.kind == SubjectKind::Child) else {
            self.authorize(&actor, Action::Read, None, "child.history", Some(id.to_string()))?;
            return Err(self.not_found(&actor, "child.history", id, "CHILD_NOT_FOUND"));
        };
        self.authorize(&actor, Action::Read, Some(&Self::target_of(&h)), "child.history", Some(id.to_string()))?;
        let out = self.facts_of(id)?;
        self.audit(AuditDraft::allowed(&actor.user.id, "child.history", Some(id.to_string())))?;
        Ok(out)
    }

    /// Children in the actor's read scope, optionally under a territory: the total and one page
    /// of views (`offset`, `limit`), in territory order.
    pub fn list_children(
        &self,
        session: &Session,
        under: Option<&TerritoryCode>,
        offset: usize,
        limit: usize,
    ) -> Result<ChildList, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Read, None, "child.list", None)?;
        let root = under.cloned().unwrap_or_else(|| self.territories.root().clone());
        let mut total = 0usize;
        let mut page = Vec::new();
        let who = actor.principal();
        // Territories the read grant reaches (organization narrowing is checked per record).
        let reach = self.profile.role(who.role).and_then(|r| r.grant(Action::Read)).map(|g| g.territory);
        for code in self.territories.subtree(&root) {
            if reach == Some(crate::profile::TerritoryScope::Subtree)
                && !self.territories.is_within(&code, who.territory)
            {
                continue;
            }
            for (k, _) in
                self.store.scan_prefix(Tree::Index, &index::territory_prefix(&code)).map_err(Error::storage)?
            {
                let Some(id) = trailing_id(&k) else { continue };
                let Some((h, bytes)) = self.state_header(&id)? else { continue };
                if crate::access::decide(
                    &self.profile,
                    &self.territories,
                    &who,
                    Action::Read,
                    Some(&Self::target_of(&h)),
                )
                .is_err()
                {
                    continue;
                }
                if total >= offset && page.len() < limit {
                    let key = self.subject_key(&id)?;
                    if let (h, StateBody::Child { record, family, .. }) = self.open_state(&id, &bytes, &key)? {
                        page.push(Self::view(id, &h, record, family));
                    }
                }
                total += 1;
            }
        }
        self.audit(
            AuditDraft::allowed(&actor.user.id, "child.list", None)
                .with_detail(format!("total={total} returned={}", page.len())),
        )?;
        Ok(ChildList { total, children: page })
    }
}

fn score_name(words: &[&str], c: &Child) -> f64 {
    match words {
        [] => 1.0,
        [one] => {
            let s = names::similarity(one, &c.surname).max(names::similarity(one, &c.given_name));
            c.patronymic.as_deref().map_or(s, |p| s.max(names::similarity(one, p)))
        }
        [a, b, ..] => names::person_similarity(a, b, &c.surname, &c.given_name),
    }
}
