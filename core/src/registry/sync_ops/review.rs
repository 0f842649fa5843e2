//! The review part of the conflict queue: what a merge cannot decide alone and a supervisor
//! must see. Three kinds: an event no longer applicable at the receiver, a record that fails
//! the facade's cross-field checks after a merge, and a possible duplicate registered offline.
//! Each entry is an index entry under the record it concerns (its anchor), sealed with that
//! record's data key (erasing the record erases its entries).

use super::{applied_key, ms, open_json, StoredLink, SyncReport, REVIEW_TAG};
use crate::model::SubjectId;
use crate::profile::Action;
use crate::registry::{st, AuditDraft, Registry, Session};
use crate::store::{Batch, Tree};
use crate::sync::WireChange;
use crate::{access, Error, ErrorCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// An event (a case transition, an assessment, a measure, a family link …) recorded
    /// elsewhere that the domain rules refuse here now: not applied, not dropped.
    EventNotApplicable,
    /// A merged record that fails the facade's cross-field checks.
    InvalidAfterMerge,
    /// Two children with the same PIN, or the same folded name and birth date, registered
    /// without seeing each other (offline on two devices, or a device and the centre).
    PossibleDuplicate,
}

impl ReviewKind {
    fn tag(self) -> u8 {
        match self {
            ReviewKind::EventNotApplicable => b'E',
            ReviewKind::InvalidAfterMerge => b'I',
            ReviewKind::PossibleDuplicate => b'D',
        }
    }
}

/// An entry of the review queue as a supervisor sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Review {
    /// The entry's id (to resolve it).
    pub id: String,
    /// What kind.
    pub kind: ReviewKind,
    /// The record it concerns (for an event on a case: the case; for an opening that was not
    /// applied: the child).
    pub subject: SubjectId,
    /// The other child of a possible duplicate.
    pub other: Option<SubjectId>,
    /// The coded reason (an error reason such as `TRANSITION_NOT_ALLOWED`, `CASE_CLOSED`,
    /// `DUPLICATE_PIN`, `LIKELY_MATCH`).
    pub reason: String,
    /// The field the reason is about, when there is one.
    pub field: Option<String>,
    /// The reason's arguments (for the localized message).
    pub args: Vec<(String, String)>,
    /// The event's change (`origin:seq`).
    pub change: Option<String>,
    /// Who recorded the event (user id).
    pub author: Option<String>,
    /// When the event was recorded.
    pub time: Option<DateTime<Utc>>,
    /// The event as recorded (the fact body).
    pub event: Option<serde_json::Value>,
    /// The link an event came through (empty for the other kinds: a merge's result or a pair
    /// of registrations do not depend on which bundle arrived last).
    pub link: String,
}

/// What the supervisor decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// Apply the event now (only an event, and only if the domain rules allow it now).
    Apply,
    /// Close the entry with a note (the records stay as they are).
    Dismiss,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct StoredReview {
    pub review: Review,
    pub tail: Vec<u8>,
    pub wire: Option<WireChange>,
}

fn args_of(e: &Error) -> Vec<(String, String)> {
    e.args.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

impl StoredReview {
    pub fn event(anchor: SubjectId, c: &WireChange, why: &Error, link: &str) -> StoredReview {
        let tail = applied_key(&crate::sync::Mark { origin: c.origin.clone(), seq: c.seq });
        StoredReview {
            review: Review {
                id: String::new(),
                kind: ReviewKind::EventNotApplicable,
                subject: anchor,
                other: None,
                reason: why.reason.clone(),
                field: why.field.clone(),
                args: args_of(why),
                change: Some(format!("{}:{}", c.origin, c.seq)),
                author: Some(c.author.clone()),
                time: Some(ms(c.time_ms)),
                event: serde_json::to_value(&c.body).ok(),
                link: link.to_string(),
            },
            tail,
            wire: Some(c.clone()),
        }
    }

    pub fn invalid(id: SubjectId, why: &Error) -> StoredReview {
        StoredReview {
            review: Review {
                id: String::new(),
                kind: ReviewKind::InvalidAfterMerge,
                subject: id,
                other: None,
                reason: why.reason.clone(),
                field: why.field.clone(),
                args: args_of(why),
                change: None,
                author: None,
                time: None,
                event: None,
                link: String::new(),
            },
            tail: Vec::new(),
            wire: None,
        }
    }

    pub fn duplicate(a: SubjectId, b: SubjectId, reason: &str) -> StoredReview {
        StoredReview {
            review: Review {
                id: String::new(),
                kind: ReviewKind::PossibleDuplicate,
                subject: a,
                other: Some(b),
                reason: reason.to_string(),
                field: None,
                args: Vec::new(),
                change: None,
                author: None,
                time: None,
                event: None,
                link: String::new(),
            },
            tail: b.0.to_vec(),
            wire: None,
        }
    }
}

/// The index key of an entry: tag, anchor, kind, tail.
pub(super) fn review_key(anchor: &SubjectId, kind: ReviewKind, tail: &[u8]) -> Vec<u8> {
    [&[REVIEW_TAG][..], &anchor.0, &[kind.tag()], tail].concat()
}

impl Registry {
    fn load_reviews(&self, anchor_filter: Option<&[u8]>) -> Result<Vec<(Vec<u8>, SubjectId)>, Error> {
        let prefix = match anchor_filter {
            Some(p) => [&[REVIEW_TAG][..], p].concat(),
            None => vec![REVIEW_TAG],
        };
        Ok(self
            .store
            .scan_prefix(Tree::Index, &prefix)
            .map_err(st)?
            .into_iter()
            .filter_map(|(k, _)| k.get(1..17).and_then(|b| b.try_into().ok()).map(|b| (k.clone(), SubjectId(b))))
            .collect())
    }

    fn open_review(&self, k: &[u8], anchor: &SubjectId) -> Result<Option<StoredReview>, Error> {
        let Some(sealed) = self.store.get(Tree::Index, k).map_err(st)? else { return Ok(None) };
        let Ok(key) = self.subject_key(anchor) else { return Ok(None) };
        let mut r: StoredReview = open_json(&key, k, &sealed)?;
        r.review.id = hex::encode(&k[1..]);
        Ok(Some(r))
    }

    /// The review queue in the supervisor's scope (`approve` over the record): events not
    /// applicable here, records invalid after a merge, possible duplicates. Field conflicts
    /// are in [`Registry::sync_conflicts`].
    pub fn sync_reviews(&self, session: &Session) -> Result<Vec<Review>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Approve, None, "sync.reviews", None)?;
        let who = actor.principal();
        let mut out = Vec::new();
        for (k, anchor) in self.load_reviews(None)? {
            let Some((h, _)) = self.state_header(&anchor)? else { continue };
            if access::decide(&self.profile, &self.territories, &who, Action::Approve, Some(&Self::target_of(&h)))
                .is_err()
            {
                continue;
            }
            if let Some(r) = self.open_review(&k, &anchor)? {
                out.push(r.review);
            }
        }
        self.audit(
            AuditDraft::allowed(&actor.user.id, "sync.reviews", None).with_detail(format!("open={}", out.len())),
        )?;
        Ok(out)
    }

    /// Resolves a review entry (`approve` over the record). `Apply` applies a queued event now
    /// if the domain rules allow it now (as its author's change, with its original time), else
    /// refuses with the coded reason and leaves the entry; `Dismiss` closes the entry with the
    /// note. Either way the decision is audited in the supervisor's name with the note.
    pub fn resolve_review(
        &self,
        session: &Session,
        id: &str,
        decision: ReviewDecision,
        note: &str,
    ) -> Result<SyncReport, Error> {
        let actor = self.actor(session)?;
        let bytes = hex::decode(id.trim()).map_err(|_| Error::validation("REVIEW_NOT_FOUND", "id"))?;
        let k = [&[REVIEW_TAG][..], &bytes].concat();
        let anchor = bytes.get(..16).and_then(|b| b.try_into().ok()).map(SubjectId);
        let found = match anchor {
            Some(a) => self.state_header(&a)?.map(|(h, _)| (a, h)),
            None => None,
        };
        let Some((anchor, h)) = found else {
            self.authorize(&actor, Action::Approve, None, "sync.review", Some(id.to_string()))?;
            return Err(Error::new(ErrorCode::NotFound, "REVIEW_NOT_FOUND").arg("id", id));
        };
        self.authorize(&actor, Action::Approve, Some(&Self::target_of(&h)), "sync.review", Some(anchor.to_string()))?;
        let Some(entry) = self.open_review(&k, &anchor)? else {
            return Err(Error::new(ErrorCode::NotFound, "REVIEW_NOT_FOUND").arg("id", id));
        };
        if note.trim().is_empty() {
            return Err(Error::validation("REQUIRED", "note"));
        }
        let draft = AuditDraft::allowed(&actor.user.id, "sync.review", Some(anchor.to_string())).with_detail(format!(
            "{:?} {:?} {} note: {}",
            decision,
            entry.review.kind,
            entry.review.reason,
            note.trim()
        ));
        match decision {
            ReviewDecision::Dismiss => {
                let mut b = Batch::new();
                b.delete(Tree::Index, k);
                self.commit(b, Vec::new(), vec![draft])?;
                Ok(SyncReport { link: entry.review.link, ..Default::default() })
            }
            ReviewDecision::Apply => {
                let Some(wire) = entry.wire.clone().filter(|_| entry.review.kind == ReviewKind::EventNotApplicable)
                else {
                    return Err(Error::new(ErrorCode::Conflict, "REVIEW_NOT_AN_EVENT"));
                };
                let link: StoredLink = self
                    .load_link(&entry.review.link)?
                    .ok_or_else(|| Error::new(ErrorCode::NotFound, "LINK_UNKNOWN").arg("id", &entry.review.link))?;
                let mut report = SyncReport { link: link.info.id.clone(), ..Default::default() };
                let (mut batch, facts, metas, stats, marks) = self.merge(&link, vec![wire], &mut report, true)?;
                if report.queued > 0 {
                    let why = report.review.first().map(|(_, r)| r.clone()).unwrap_or_default();
                    return Err(Error::new(ErrorCode::Conflict, "EVENT_NOT_APPLICABLE").arg("reason", why));
                }
                batch.delete(Tree::Index, k);
                self.stage_conflict_marks(&mut batch, &marks);
                let mut drafts = vec![draft];
                drafts.extend(self.apply_drafts(&link.info.id, &facts));
                self.commit_synced(batch, facts, metas, drafts, &stats)?;
                Ok(report)
            }
        }
    }
}
