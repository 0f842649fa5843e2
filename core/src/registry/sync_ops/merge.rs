//! Applying a bundle's changes in memory, all or nothing: field edits of children and
//! families are merged three-way; events (case events, family links, screening flags) are
//! re-checked with the facade's domain rules and either applied or sent to the review queue.

use super::review::{review_key, ReviewKind, StoredReview};
use super::{applied_key, field_value, ms, out_of_scope, Merged, StoredLink, SyncedFact};
use crate::access::{self, Target};
use crate::case::Case;
use crate::crypto::Key;
use crate::facts::{self, FactBody, FactHeader, StateBody, StateHeader, SubjectKind};
use crate::model::{apply_changes, FieldChange, SubjectId};
use crate::profile::Action;
use crate::registry::index;
use crate::registry::stats_ops::StatChange;
use crate::registry::{st, Registry};
use crate::store::{Batch, Tree};
use crate::sync::{self, Leaf, Mark, SyncMeta, WireChange};
use crate::territory::TerritoryCode;
use crate::users::User;
use crate::{Error, ErrorCode};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Work on one subject during an import.
pub(super) struct Work {
    pub header: StateHeader,
    pub body: StateBody,
    /// The state as stored before the import (None: created by this bundle).
    pub before: Option<StateBody>,
    pub key: Key,
    /// Merge state (children and families).
    pub meta: SyncMeta,
    /// Field edits were merged into it: re-validate the record.
    pub merged: bool,
}

/// The state of one import.
pub(super) struct Merge<'a> {
    pub link: &'a StoredLink,
    pub user: Option<User>,
    pub batch: Batch,
    pub work: HashMap<SubjectId, Work>,
    pub order: Vec<SubjectId>,
    pub facts: Vec<SyncedFact>,
    /// Possible duplicates found (pairs, smaller id first) with the reason.
    pub duplicates: BTreeMap<(SubjectId, SubjectId), String>,
    /// Review entries to write: (anchor, kind, tail, entry).
    pub reviews: Vec<(SubjectId, StoredReview)>,
    /// Cases whose opening went to the review queue in this bundle: case -> child.
    pub queued_cases: HashMap<SubjectId, SubjectId>,
    /// Replaying one queued event (a supervisor's "apply"): no duplicate check.
    pub replay: bool,
}

impl Merge<'_> {
    /// Whether the sender may do `action` over a record (a device: its worker's grant, the
    /// facade's access function; a registry: its enrolled territory).
    pub fn may(&self, reg: &Registry, action: Action, territory: &TerritoryCode, organization: &str) -> bool {
        match &self.user {
            Some(u) => access::decide(
                &reg.profile,
                &reg.territories,
                &Registry::device_principal(u),
                action,
                Some(&Target { territory, organization }),
            )
            .is_ok(),
            None => reg.territories.is_within(territory, &self.link.info.territory),
        }
    }

    /// The sender's organization (a device: its worker's).
    pub fn organization(&self) -> Option<String> {
        self.user.as_ref().map(|u| u.data.agency_inn.clone())
    }
}

/// What became of one event.
pub(super) enum Fate {
    /// Applied to the work set: record the fact.
    Applied,
    /// Not applicable here now: to the review queue, anchored on a record, with the reason.
    NotApplicable(SubjectId, Error),
    /// Its record is erased here (or was never known): dropped, never revived.
    Erased,
}

impl Registry {
    /// Loads a subject into the work set; None if unknown or erased here.
    pub(super) fn work_in(&self, m: &mut Merge<'_>, id: &SubjectId) -> Result<bool, Error> {
        if m.work.contains_key(id) {
            return Ok(true);
        }
        let Some((_, bytes)) = self.state_header(id)? else { return Ok(false) };
        let Ok(key) = self.subject_key(id) else { return Ok(false) };
        let (header, body) = self.open_state(id, &bytes, &key)?;
        let meta =
            if header.kind == SubjectKind::Case { SyncMeta::default() } else { self.catch_up(id, &key, &mut m.batch)? };
        m.work.insert(*id, Work { header, before: Some(body.clone()), body, key, meta, merged: false });
        m.order.push(*id);
        Ok(true)
    }

    /// Merges a bundle's changes in memory: the writes, the facts, the merge states, the
    /// statistics, the conflict markers and the review entries. Any refusal leaves nothing written.
    pub(super) fn merge(
        &self,
        link: &StoredLink,
        changes: Vec<WireChange>,
        report: &mut super::SyncReport,
        replay: bool,
    ) -> Result<Merged, Error> {
        let user = match &link.info.user {
            Some(u) => Some(self.load_user(u)?.ok_or_else(|| Error::new(ErrorCode::AccessDenied, "LINK_UNKNOWN"))?),
            None => None,
        };
        let last_day = link.info.valid_until;
        let mut m = Merge {
            link,
            user,
            batch: Batch::new(),
            work: HashMap::new(),
            order: Vec::new(),
            facts: Vec::new(),
            duplicates: BTreeMap::new(),
            reviews: Vec::new(),
            queued_cases: HashMap::new(),
            replay,
        };
        let mut seen = std::collections::HashSet::new();
        // PINs and match values registered in this bundle (duplicates among its own registrations).
        let mut pins: HashMap<String, SubjectId> = HashMap::new();
        let mut matches: HashMap<String, Vec<SubjectId>> = HashMap::new();
        let ctx = self.context();
        for c in changes {
            let mark = Mark { origin: c.origin.clone(), seq: c.seq };
            if !m.replay
                && (c.origin == self.origin
                    || !seen.insert(mark.clone())
                    || self.store.get(Tree::Index, &applied_key(&mark)).map_err(st)?.is_some())
            {
                report.duplicates += 1;
                continue;
            }
            if let Some(u) = &m.user {
                // A device speaks only for its own worker, only for its own origin, only within its term.
                if c.author != u.id || Some(&c.origin) != link.info.origin.as_ref() {
                    return Err(sync::refused(ErrorCode::Crypto, "BUNDLE_FORGED"));
                }
                if ms(c.time_ms).date_naive() > last_day {
                    return Err(Error::new(ErrorCode::AccessDenied, "LINK_EXPIRED").arg("date", last_day));
                }
            }
            let id = c.subject;
            let fact_header = FactHeader {
                format: facts::FORMAT,
                origin: c.origin.clone(),
                seq: c.seq,
                subject: id.0,
                kind: c.kind,
                author: c.author.clone(),
                time_ms: c.time_ms,
                base_version: c.base_version,
            };
            match (c.kind, &c.body) {
                (SubjectKind::Child, FactBody::ChildRegistered { record, organization, .. }) => {
                    if m.work.contains_key(&id) || self.state_header(&id)?.is_some() {
                        report.duplicates += 1;
                        continue;
                    }
                    if !m.may(self, Action::Write, &record.identified_in, organization) {
                        return Err(out_of_scope(&id));
                    }
                    let mut record = record.clone();
                    record.validate(&ctx).map_err(|e| e.in_context("bundle"))?;
                    let key = wire_key(&c)?;
                    // Registered offline on two devices (or a device and the centre)? Both are
                    // kept; the pair goes to the review queue for a supervisor.
                    if let Some(pin) = &record.pin {
                        let mut holders = self.pin_holders(pin)?;
                        holders.extend(pins.get(pin).copied());
                        for other in holders.into_iter().filter(|o| *o != id) {
                            m.duplicates.insert(pair(id, other), "DUPLICATE_PIN".into());
                        }
                        pins.insert(pin.clone(), id);
                    }
                    // Every child already holding the same folded name and birth date (not only
                    // the first): the pairs found do not depend on the order registrations arrive in.
                    let values = index::match_values(&record.surname, &record.given_name, record.birth_date);
                    let mut likely: BTreeSet<SubjectId> = BTreeSet::new();
                    for v in &values {
                        let prefix = index::blind_prefix(index::MATCH, &self.blind("match", v));
                        for (k, _) in self.store.scan_prefix(Tree::Index, &prefix).map_err(st)? {
                            likely.extend(index::trailing_id(&k));
                        }
                        likely.extend(matches.get(v).into_iter().flatten().copied());
                    }
                    for other in likely.into_iter().filter(|o| *o != id) {
                        m.duplicates.entry(pair(id, other)).or_insert_with(|| "LIKELY_MATCH".into());
                    }
                    for v in values {
                        matches.entry(v).or_default().push(id);
                    }
                    self.wrap_key(&mut m.batch, &id, &key)?;
                    let header = new_header(SubjectKind::Child, record.identified_in.clone(), organization, c.time_ms);
                    let meta = SyncMeta { upto: 0, reg: Some(mark.clone()), fields: BTreeMap::new() };
                    let body = StateBody::Child { record, family: None, stat: None };
                    m.work.insert(id, Work { header, body, before: None, key: key.clone(), meta, merged: false });
                    m.order.push(id);
                    m.facts.push(SyncedFact { header: fact_header, body: c.body.clone(), key, parents: None, mark });
                    report.applied += 1;
                }
                (SubjectKind::Family, FactBody::FamilyRegistered { record, organization, .. }) => {
                    if m.work.contains_key(&id) || self.state_header(&id)?.is_some() {
                        report.duplicates += 1;
                        continue;
                    }
                    if !m.may(self, Action::Write, &record.territory, organization) {
                        return Err(out_of_scope(&id));
                    }
                    let mut record = record.clone();
                    record.validate(&ctx).map_err(|e| e.in_context("bundle"))?;
                    let key = wire_key(&c)?;
                    self.wrap_key(&mut m.batch, &id, &key)?;
                    let header = new_header(SubjectKind::Family, record.territory.clone(), organization, c.time_ms);
                    let meta = SyncMeta { upto: 0, reg: Some(mark.clone()), fields: BTreeMap::new() };
                    let body = StateBody::Family { record, stat: None };
                    m.work.insert(id, Work { header, body, before: None, key: key.clone(), meta, merged: false });
                    m.order.push(id);
                    m.facts.push(SyncedFact { header: fact_header, body: c.body.clone(), key, parents: None, mark });
                    report.applied += 1;
                }
                (SubjectKind::Child | SubjectKind::Family, FactBody::Changed { changes, .. }) => {
                    if !self.work_in(&mut m, &id)? {
                        // Erased here (or never known): the change is not revived.
                        report.erased += 1;
                        m.batch.put(Tree::Index, applied_key(&mark), Vec::new());
                        continue;
                    }
                    let allowed = {
                        let w = &m.work[&id];
                        if w.header.kind != c.kind {
                            return Err(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"));
                        }
                        m.may(self, Action::Write, &w.header.territory, &w.header.organization)
                    };
                    if !allowed {
                        return Err(out_of_scope(&id));
                    }
                    let new_territory = self.merge_fields(&mut m, &id, &c, changes, &mark)?;
                    let w = &m.work[&id];
                    if new_territory != w.header.territory
                        && !m.may(self, Action::Write, &new_territory, &w.header.organization)
                    {
                        return Err(out_of_scope(&id));
                    }
                    let Some(w) = m.work.get_mut(&id) else { continue };
                    w.header.version += 1;
                    w.header.territory = new_territory;
                    w.header.updated_ms = w.header.updated_ms.max(c.time_ms);
                    w.merged = true;
                    let key = w.key.clone();
                    m.facts.push(SyncedFact {
                        header: fact_header,
                        body: c.body.clone(),
                        key,
                        parents: Some(c.parents.clone()),
                        mark,
                    });
                    report.applied += 1;
                }
                (SubjectKind::Child, FactBody::FamilyLinked { .. } | FactBody::Screened { .. })
                | (SubjectKind::Case, FactBody::Case { .. }) => match self.apply_event(&mut m, &c)? {
                    Fate::Applied => {
                        let Some(w) = m.work.get_mut(&id) else { continue };
                        w.header.version += 1;
                        w.header.updated_ms = w.header.updated_ms.max(c.time_ms);
                        let key = w.key.clone();
                        m.facts.push(SyncedFact {
                            header: fact_header,
                            body: c.body.clone(),
                            key,
                            parents: None,
                            mark,
                        });
                        report.applied += 1;
                    }
                    Fate::Erased => {
                        report.erased += 1;
                        m.batch.put(Tree::Index, applied_key(&mark), Vec::new());
                    }
                    Fate::NotApplicable(anchor, why) => {
                        report.queued += 1;
                        report.review.push((anchor, why.reason.clone()));
                        m.batch.put(Tree::Index, applied_key(&mark), Vec::new());
                        let entry = StoredReview::event(anchor, &c, &why, &m.link.info.id);
                        m.reviews.push((anchor, entry));
                    }
                },
                _ => return Err(Error::new(ErrorCode::Validation, "SYNC_UNSUPPORTED").with_field("bundle")),
            }
        }
        self.finish(m, report)
    }

    /// Folds one change's field edits into a child's or family's merge state and record;
    /// returns the record's territory after it.
    fn merge_fields(
        &self,
        m: &mut Merge<'_>,
        id: &SubjectId,
        c: &WireChange,
        changes: &[FieldChange],
        mark: &Mark,
    ) -> Result<TerritoryCode, Error> {
        let Some(w) = m.work.get_mut(id) else { return Err(Error::storage("work")) };
        let json = match &w.body {
            StateBody::Child { record, .. } => serde_json::to_value(record).map_err(st)?,
            StateBody::Family { record, .. } => serde_json::to_value(record).map_err(st)?,
            StateBody::Case { .. } => return Err(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED")),
        };
        let leaf = |v: &serde_json::Value| Leaf {
            mark: mark.clone(),
            value: v.clone(),
            author: c.author.clone(),
            time_ms: c.time_ms,
        };
        for ch in changes {
            let parents = c.parents.get(&ch.field).cloned().unwrap_or_default();
            w.meta.apply(&ch.field, &parents, leaf(&ch.value), || field_value(&json, &ch.field));
        }
        let resolved: Vec<FieldChange> = changes
            .iter()
            .filter_map(|ch| {
                w.meta.resolved(&ch.field).map(|(value, _)| FieldChange { field: ch.field.clone(), value })
            })
            .collect();
        match &mut w.body {
            StateBody::Child { record, .. } => {
                *record = apply_changes(record, &resolved).map_err(|e| e.in_context("bundle"))?;
                Ok(record.identified_in.clone())
            }
            StateBody::Family { record, .. } => {
                *record = apply_changes(record, &resolved).map_err(|e| e.in_context("bundle"))?;
                Ok(record.territory.clone())
            }
            StateBody::Case { .. } => Err(sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED")),
        }
    }

    /// Writes the work set: states, indexes, due entries, statistics, merge states, conflict
    /// markers, re-validation and duplicate review entries.
    fn finish(&self, mut m: Merge<'_>, report: &mut super::SyncReport) -> Result<Merged, Error> {
        let ctx = self.context();
        let mut stats = Vec::new();
        let mut metas = Vec::new();
        let mut marks = Vec::new();
        // Cases first: their children's statistics depend on them.
        let mut case_children: BTreeSet<SubjectId> = BTreeSet::new();
        let mut new_cases: HashMap<SubjectId, Vec<(SubjectId, Case)>> = HashMap::new();
        for id in &m.order {
            let Some(w) = m.work.get(id) else { continue };
            let StateBody::Case { record } = &w.body else { continue };
            let before = match &w.before {
                Some(StateBody::Case { record }) => Some(record),
                _ => None,
            };
            self.reindex_due(&mut m.batch, id, &w.header.territory, before, record)?;
            self.put_state(&mut m.batch, id, &w.header, &w.body, &w.key)?;
            case_children.insert(record.child);
            new_cases.entry(record.child).or_default().push((*id, record.clone()));
        }
        // The latest case of a child, with this bundle's cases in.
        let latest_case = |child: &SubjectId| -> Result<Option<Case>, Error> {
            let mut all: HashMap<SubjectId, Case> = self.cases_of(child)?.into_iter().collect();
            for (id, c) in new_cases.get(child).into_iter().flatten() {
                all.insert(*id, c.clone());
            }
            Ok(all.into_values().max_by_key(|c| c.received_at))
        };
        for id in m.order.clone() {
            let Some(w) = m.work.get_mut(&id) else { continue };
            match &mut w.body {
                StateBody::Child { record, family, stat } => {
                    let old = match &w.before {
                        Some(StateBody::Child { record, family, .. }) => Some((record, family)),
                        _ => None,
                    };
                    let old_keys = old.map(|(r, _)| self.child_index_keys(&id, r)).unwrap_or_default();
                    let new_keys = self.child_index_keys(&id, record);
                    for k in old_keys.difference(&new_keys) {
                        m.batch.delete(Tree::Index, k.clone());
                    }
                    for k in new_keys.difference(&old_keys) {
                        m.batch.put(Tree::Index, k.clone(), Vec::new());
                    }
                    let old_family = old.and_then(|(_, f)| *f);
                    if old_family != *family {
                        if let Some(f) = old_family {
                            m.batch.delete(Tree::Index, index::family_child(&f, &id));
                        }
                        if let Some(f) = family {
                            m.batch.put(Tree::Index, index::family_child(f, &id), Vec::new());
                        }
                    }
                    case_children.remove(&id);
                    let latest = latest_case(&id)?;
                    let change = self.child_stat_change(*stat, record, latest.as_ref())?;
                    *stat = Some(change.id);
                    stats.push(change);
                    if w.merged {
                        let pin_changed = old.is_none_or(|(r, _)| r.pin != record.pin);
                        let check = self.recheck_child(&id, record, pin_changed, &ctx);
                        self.stage_recheck(&mut m.batch, &mut m.reviews, &id, check, report);
                    }
                }
                StateBody::Family { record, stat } => {
                    let stat_id = match stat {
                        Some(s) => *s,
                        None => SubjectId(self.random::<16>()?),
                    };
                    stats.push(StatChange {
                        id: stat_id,
                        old: self.stat_record(&stat_id)?,
                        new: Some(crate::stats::StatRecord::of_family(record)),
                    });
                    *stat = Some(stat_id);
                    if w.merged {
                        let check = record.clone().validate(&ctx).map(|_| ());
                        self.stage_recheck(&mut m.batch, &mut m.reviews, &id, check, report);
                    }
                }
                StateBody::Case { .. } => continue,
            }
            let Some(w) = m.work.get(&id) else { continue };
            self.put_state(&mut m.batch, &id, &w.header, &w.body, &w.key)?;
            let open: Vec<String> = w.meta.conflicts().map(|(f, _)| f.clone()).collect();
            for f in &open {
                report.conflicts.push((id, f.clone()));
            }
            marks.push((id, !open.is_empty()));
        }
        // Children whose cases changed but not themselves: their statistical record follows the case.
        for child in case_children {
            let Some((_, bytes)) = self.state_header(&child)? else { continue };
            let Ok(key) = self.subject_key(&child) else { continue };
            if let (_, StateBody::Child { record, stat: Some(stat), .. }) = self.open_state(&child, &bytes, &key)? {
                let latest = latest_case(&child)?;
                stats.push(self.child_stat_change(Some(stat), &record, latest.as_ref())?);
            }
        }
        // Possible duplicates: one entry per pair, anchored on the smaller id.
        for ((a, b), reason) in std::mem::take(&mut m.duplicates) {
            report.review.push((a, reason.clone()));
            m.reviews.push((a, StoredReview::duplicate(a, b, &reason)));
        }
        for (anchor, entry) in std::mem::take(&mut m.reviews) {
            let key = match m.work.get(&anchor) {
                Some(w) => w.key.clone(),
                None => self.subject_key(&anchor)?,
            };
            let k = review_key(&anchor, entry.review.kind, &entry.tail);
            let sealed = super::seal_json(self, &key, &k, &entry)?;
            m.batch.put(Tree::Index, k, sealed);
        }
        for id in m.order {
            if let Some(w) = m.work.remove(&id) {
                if w.header.kind != SubjectKind::Case {
                    metas.push((id, w.key, w.meta));
                }
            }
        }
        Ok((m.batch, m.facts, metas, stats, marks))
    }

    /// The facade's cross-field checks of a child record after a merge: the record's own
    /// validation, consent rules and (when the PIN changed) PIN uniqueness.
    fn recheck_child(
        &self,
        id: &SubjectId,
        record: &crate::model::Child,
        pin_changed: bool,
        ctx: &crate::model::Context<'_>,
    ) -> Result<(), Error> {
        record.clone().validate(ctx)?;
        self.check_consent(record, None)?;
        if pin_changed {
            if let Some(pin) = &record.pin {
                if self.pin_holders(pin)?.iter().any(|o| o != id) {
                    return Err(Error::new(ErrorCode::Conflict, "DUPLICATE_PIN").with_field("pin"));
                }
            }
        }
        Ok(())
    }

    /// A failed re-check becomes an "invalid after merge" entry; a passed one clears it.
    fn stage_recheck(
        &self,
        batch: &mut Batch,
        reviews: &mut Vec<(SubjectId, StoredReview)>,
        id: &SubjectId,
        check: Result<(), Error>,
        report: &mut super::SyncReport,
    ) {
        match check {
            Ok(()) => {
                // Clear an earlier entry (a read first: most records never had one).
                let k = review_key(id, ReviewKind::InvalidAfterMerge, &[]);
                if self.store.get(Tree::Index, &k).ok().flatten().is_some() {
                    batch.delete(Tree::Index, k);
                }
            }
            Err(e) => {
                report.review.push((*id, e.reason.clone()));
                reviews.push((*id, StoredReview::invalid(*id, &e)));
            }
        }
    }
}

fn pair(a: SubjectId, b: SubjectId) -> (SubjectId, SubjectId) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

fn wire_key(c: &WireChange) -> Result<Key, Error> {
    c.key
        .as_deref()
        .and_then(|k| Key::parse(k.as_bytes()).ok())
        .ok_or_else(|| sync::refused(ErrorCode::Validation, "BUNDLE_DAMAGED"))
}

pub(super) fn new_header(kind: SubjectKind, territory: TerritoryCode, organization: &str, time_ms: i64) -> StateHeader {
    StateHeader {
        format: facts::FORMAT,
        kind,
        version: 1,
        territory,
        organization: organization.to_string(),
        created_ms: time_ms,
        updated_ms: time_ms,
    }
}
