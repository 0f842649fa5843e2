//! Deadlines (WF-2): a due index per territory, ordered by time, so "what is due and
//! overdue in my scope" is a bounded scan; each item says why it is due.

use super::{index, Registry, Session};
use crate::case::{Case, MeasureStatus};
use crate::model::SubjectId;
use crate::profile::{Action, Label, TerritoryScope};
use crate::store::{Batch, Tree};
use crate::territory::TerritoryCode;
use crate::workflow::end_of_day;
use crate::Error;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What kind of thing is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DueKind {
    /// The next step of the workflow (leave the current state).
    Stage,
    /// A plan measure.
    Measure,
    /// A monitoring visit.
    Visit,
}

/// Something due, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DueItem {
    /// The case.
    pub case: SubjectId,
    /// The child.
    pub child: SubjectId,
    /// The territory of the case.
    pub territory: TerritoryCode,
    /// What is due.
    pub kind: DueKind,
    /// The state, measure id or visit it concerns.
    pub reference: String,
    /// When.
    pub due_at: DateTime<Utc>,
    /// Whether the time has passed.
    pub overdue: bool,
    /// Why it is due, in words (the deadline's label or the measure's title).
    pub reason: Label,
    /// A signal about a child in danger.
    pub urgent: bool,
}

/// A query of the due list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DueQuery {
    /// Items due up to this time (default: 5 days from now); overdue ones are always included.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Only under this territory.
    #[serde(default)]
    pub territory: Option<TerritoryCode>,
    /// At most this many (default 100).
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Serialize, Deserialize)]
struct DueRef {
    kind: DueKind,
    reference: String,
    child: SubjectId,
    opening: String,
    urgent: bool,
}

const ORDER_BIAS: u64 = 1 << 63;

fn due_key(territory: &TerritoryCode, at: DateTime<Utc>, case: &SubjectId, kind: DueKind, reference: &str) -> Vec<u8> {
    let mut k = due_prefix(territory);
    k.extend_from_slice(&((at.timestamp_millis() as u64) ^ ORDER_BIAS).to_be_bytes());
    k.extend_from_slice(&case.0);
    k.push(kind as u8);
    k.extend_from_slice(reference.as_bytes());
    k
}

fn due_prefix(territory: &TerritoryCode) -> Vec<u8> {
    let mut k = vec![index::DUE];
    k.extend_from_slice(territory.as_str().as_bytes());
    k.push(0);
    k
}

/// A measure's title from the case's own plan.
fn case_reason(case: &Case, kind: DueKind, reference: &str) -> Option<Label> {
    if kind != DueKind::Measure {
        return None;
    }
    case.measures.iter().find(|m| m.measure.id == reference).map(|m| {
        let t = &m.measure.title;
        Label { ru: t.ru.clone(), ky: t.ky.clone(), en: t.en.clone() }
    })
}

impl Registry {
    /// A case's derived record, without access checks (the caller has checked).
    fn case_record(&self, id: &SubjectId) -> Result<Option<Case>, Error> {
        let Some((_, bytes)) = self.state_header(id)? else { return Ok(None) };
        let key = self.subject_key(id)?;
        match self.open_state(id, &bytes, &key)? {
            (_, crate::facts::StateBody::Case { record }) => Ok(Some(record)),
            _ => Ok(None),
        }
    }

    /// The due entries of a case (pure function of the case, the workflow and the calendar).
    fn due_entries(&self, case: &Case) -> Vec<(DueKind, String, DateTime<Utc>)> {
        let Ok(w) = self.workflow() else { return Vec::new() };
        let mut out = Vec::new();
        if let Some((_, at)) = w.due(&case.state, &case.opening, case.state_since, &self.calendar) {
            out.push((DueKind::Stage, case.state.clone(), at));
        }
        if w.state(&case.state).is_some_and(|s| s.is_final || s.paused) {
            return out;
        }
        for m in &case.measures {
            if !m.measure.dropped && matches!(m.status, MeasureStatus::Planned | MeasureStatus::InProgress) {
                out.push((DueKind::Measure, m.measure.id.clone(), end_of_day(m.due)));
            }
        }
        if w.state(&case.state).is_some_and(|s| s.monitoring) {
            let last = case
                .visits
                .iter()
                .map(|v| v.date)
                .max()
                .unwrap_or(case.state_since.date_naive())
                .max(case.state_since.date_naive());
            let at = end_of_day(self.calendar.add_working_days(last, w.monitoring_every_working_days));
            out.push((DueKind::Visit, "visit".into(), at));
        }
        out
    }

    /// Replaces a case's due index entries.
    pub(crate) fn reindex_due(
        &self,
        batch: &mut Batch,
        id: &SubjectId,
        territory: &TerritoryCode,
        old: Option<&Case>,
        new: &Case,
    ) -> Result<(), Error> {
        let keys = |c: &Case| -> BTreeSet<Vec<u8>> {
            self.due_entries(c).into_iter().map(|(k, r, at)| due_key(territory, at, id, k, &r)).collect()
        };
        let before = old.map(keys).unwrap_or_default();
        let after = keys(new);
        for k in before.difference(&after) {
            batch.delete(Tree::Index, k.clone());
        }
        let signal = self.workflow().ok().and_then(|w| w.opening(&new.opening)).is_some_and(|o| o.urgent);
        for (kind, reference, at) in self.due_entries(new) {
            // Only the stage deadline of a signal is urgent; its measures run on their own dates.
            let urgent = signal && kind == DueKind::Stage;
            let key = due_key(territory, at, id, kind, &reference);
            if !before.contains(&key) {
                let v = serde_json::to_vec(&DueRef {
                    kind,
                    reference,
                    child: new.child,
                    opening: new.opening.clone(),
                    urgent,
                })
                .map_err(Error::storage)?;
                batch.put(Tree::Index, key, v);
            }
        }
        Ok(())
    }

    /// Removes every due entry of a case (erasure).
    pub(crate) fn remove_due(&self, batch: &mut Batch, id: &SubjectId, territory: &TerritoryCode, case: &Case) {
        for (k, r, at) in self.due_entries(case) {
            batch.delete(Tree::Index, due_key(territory, at, id, k, &r));
        }
    }

    fn reason(&self, case_opening: &str, kind: DueKind, reference: &str) -> Label {
        let fallback = Label { ru: reference.to_string(), ky: reference.to_string(), en: reference.to_string() };
        let Ok(w) = self.workflow() else { return fallback };
        match kind {
            DueKind::Stage => w
                .deadlines
                .iter()
                .find(|d| d.state == reference && d.opening.as_deref().is_none_or(|o| o == case_opening))
                .map(|d| d.label.clone())
                .unwrap_or(fallback),
            DueKind::Visit => w.states.iter().find(|s| s.monitoring).map(|s| s.label.clone()).unwrap_or(fallback),
            DueKind::Measure => self.measure_title(reference).unwrap_or(fallback),
        }
    }

    pub(crate) fn due_items_of(&self, id: &SubjectId, case: &Case) -> Result<Vec<DueItem>, Error> {
        let now = self.now();
        let territory = self.state_header(id)?.map(|(h, _)| h.territory);
        let signal = self.workflow().ok().and_then(|w| w.opening(&case.opening)).is_some_and(|o| o.urgent);
        let mut out: Vec<DueItem> = self
            .due_entries(case)
            .into_iter()
            .map(|(kind, reference, due_at)| DueItem {
                case: *id,
                child: case.child,
                territory: territory.clone().unwrap_or_else(|| self.territories.root().clone()),
                reason: case_reason(case, kind, &reference)
                    .unwrap_or_else(|| self.reason(&case.opening, kind, &reference)),
                urgent: signal && kind == DueKind::Stage,
                kind,
                reference,
                due_at,
                overdue: due_at < now,
            })
            .collect();
        out.sort_by(|a, b| a.due_at.cmp(&b.due_at).then(b.urgent.cmp(&a.urgent)));
        Ok(out)
    }

    /// What is due and overdue in the actor's scope, most urgent first: overdue items
    /// (oldest first), then items due up to `until`. Audited as a read.
    pub fn due(&self, session: &Session, query: &DueQuery) -> Result<Vec<DueItem>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Read, None, "case.due", None)?;
        let now = self.now();
        let until = query.until.unwrap_or(now + Duration::days(5));
        let limit = query.limit.unwrap_or(100).clamp(1, 10_000);
        let who = actor.principal();
        let grant = self.profile.role(who.role).and_then(|r| r.grant(Action::Read)).cloned();
        let root = query.territory.clone().unwrap_or_else(|| self.territories.root().clone());
        let mut items: Vec<DueItem> = Vec::new();
        let mut openings: Vec<String> = Vec::new();
        let end = ((until.timestamp_millis() as u64) ^ ORDER_BIAS).to_be_bytes();
        let own_org = grant.as_ref().is_some_and(|g| g.organization == crate::profile::OrgScope::Own);
        for code in self.territories.subtree(&root) {
            if grant.as_ref().is_some_and(|g| g.territory == TerritoryScope::Subtree)
                && !self.territories.is_within(&code, who.territory)
            {
                continue;
            }
            // Entries of one territory are in time order: only its first `limit` can reach the top.
            let prefix = due_prefix(&code);
            let mut start = prefix.clone();
            let mut taken = 0usize;
            'pages: loop {
                let page = self.store.scan(Tree::Index, &prefix, &start, 256).map_err(Error::storage)?;
                let n = page.len();
                for (k, v) in &page {
                    let at_bytes = &k[prefix.len()..prefix.len() + 8];
                    if at_bytes > end.as_slice() || taken >= limit {
                        break 'pages;
                    }
                    let ms = (u64::from_be_bytes(at_bytes.try_into().unwrap_or_default()) ^ ORDER_BIAS) as i64;
                    let Some(case) =
                        k.get(prefix.len() + 8..prefix.len() + 24).and_then(|b| b.try_into().ok()).map(SubjectId)
                    else {
                        continue;
                    };
                    let Ok(r) = serde_json::from_slice::<DueRef>(v) else { continue };
                    if own_org && self.state_header(&case)?.is_none_or(|(h, _)| h.organization != who.organization) {
                        continue;
                    }
                    let due_at = Utc.timestamp_millis_opt(ms).single().unwrap_or(now);
                    openings.push(r.opening.clone());
                    items.push(DueItem {
                        case,
                        child: r.child,
                        territory: code.clone(),
                        kind: r.kind,
                        reason: Label { ru: String::new(), ky: String::new(), en: String::new() },
                        reference: r.reference,
                        due_at,
                        overdue: due_at < now,
                        urgent: r.urgent,
                    });
                    taken += 1;
                }
                match page.last() {
                    Some((k, _)) if n == 256 => {
                        start = k.clone();
                        start.push(0);
                    }
                    _ => break,
                }
            }
        }
        // Most urgent first: earliest due; at equal times, signals first.
        let mut items: Vec<(DueItem, String)> = items.into_iter().zip(openings).collect();
        items.sort_by(|(a, _), (b, _)| a.due_at.cmp(&b.due_at).then(b.urgent.cmp(&a.urgent)).then(a.case.cmp(&b.case)));
        if grant.as_ref().is_some_and(|g| g.organization == crate::profile::OrgScope::Own) {
            items.retain(|(i, _)| {
                self.state_header(&i.case).ok().flatten().is_some_and(|(h, _)| h.organization == who.organization)
            });
        }
        items.truncate(limit);
        // Measures are named by the case's own plan (titles may have been changed by hand).
        let mut cases: std::collections::HashMap<SubjectId, Option<Case>> = Default::default();
        let mut out = Vec::with_capacity(items.len());
        for (mut i, opening) in items {
            let from_case = if i.kind == DueKind::Measure {
                if let std::collections::hash_map::Entry::Vacant(e) = cases.entry(i.case) {
                    e.insert(self.case_record(&i.case)?);
                }
                cases.get(&i.case).and_then(|c| c.as_ref()).and_then(|c| case_reason(c, i.kind, &i.reference))
            } else {
                None
            };
            i.reason = from_case.unwrap_or_else(|| self.reason(&opening, i.kind, &i.reference));
            out.push(i);
        }
        let items = out;
        self.audit(
            super::AuditDraft::allowed(&actor.user.id, "case.due", None).with_detail(format!("items={}", items.len())),
        )?;
        Ok(items)
    }
}
