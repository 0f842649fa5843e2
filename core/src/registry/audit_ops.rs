//! Reading and verifying the audit log (ACC-7; Sanarip aimak 004 §15.2).

use super::{AuditDraft, Registry, Session};
use crate::audit::{AuditEntry, Break, Link, Outcome, Verifier};
use crate::profile::Action;
use crate::store::{for_each, Tree};
use crate::Error;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The result of verifying the audit chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AuditReport {
    /// Entries checked.
    pub entries: u64,
    /// Whether the whole chain, and its head, verify.
    pub ok: bool,
    /// The first break, if any.
    pub first_break: Option<Break>,
}

/// A refused attempt, as listed for the owner.
pub type DeniedAttempt = AuditEntry;

impl Registry {
    /// Verifies the audit chain without an actor (used by restore and by the store's owner
    /// holding the key). Any altered, removed, inserted or reordered entry is found.
    pub fn verify_audit_chain(&self) -> Result<AuditReport, Error> {
        let mut v = Verifier::new(&self.keys.audit);
        let mut first_break: Option<Break> = None;
        // The anchor: (entries, MAC of the last) as of the last flush, kept outside the log.
        let anchor = self.store.read_anchor().map_err(Error::storage)?;
        let anchor = match anchor.as_deref() {
            Some(a) if a.len() == 40 => {
                Some((u64::from_be_bytes(a[..8].try_into().unwrap_or_default()), a[8..].to_vec()))
            }
            Some(_) => {
                first_break = Some(Break { at: 0, problem: "ANCHOR_DAMAGED".into() });
                None
            }
            None => None,
        };
        let check_anchor = |v: &Verifier<'_>| match &anchor {
            Some((n, mac)) if *n == v.next_seq && v.prev.as_slice() != mac.as_slice() => {
                Some(Break { at: v.next_seq, problem: "ANCHOR_MISMATCH".into() })
            }
            _ => None,
        };
        for_each(self.store.as_ref(), Tree::Audit, b"", |k, val| {
            if first_break.is_none() {
                first_break = check_anchor(&v);
            }
            if first_break.is_none() {
                if let Err(b) = v.check(k, val) {
                    first_break = Some(b);
                }
            }
            Ok(())
        })?;
        if first_break.is_none() {
            first_break = check_anchor(&v);
        }
        if first_break.is_none() {
            if let Some((n, _)) = &anchor {
                if v.next_seq < *n {
                    first_break = Some(Break { at: v.next_seq, problem: "TRUNCATED".into() });
                }
            }
        }
        if first_break.is_none() {
            // This handle's own head (what it last wrote) must be the chain's end: a tail
            // removed while the registry is open shows here; after a restart, the anchor.
            let (n, head) = self.head()?;
            if n != v.next_seq || head != v.prev {
                first_break = Some(Break { at: v.next_seq, problem: "HEAD_MISMATCH".into() });
            }
        }
        Ok(AuditReport { entries: v.next_seq, ok: first_break.is_none(), first_break })
    }

    /// Verifies the audit chain (needs `read_audit`); the verification itself is audited.
    pub fn verify_audit(&self, session: &Session) -> Result<AuditReport, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ReadAudit, None, "audit.verify", None)?;
        let report = self.verify_audit_chain()?;
        self.audit(
            AuditDraft::allowed(&actor.user.id, "audit.verify", None)
                .with_detail(format!("entries={} ok={}", report.entries, report.ok)),
        )?;
        Ok(report)
    }

    /// Audit entries from a sequence number on (needs `read_audit`).
    pub fn audit_entries(&self, session: &Session, from: u64, limit: usize) -> Result<Vec<AuditEntry>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ReadAudit, None, "audit.read", None)?;
        let out = self.scan_audit(from, limit, |_| true)?;
        self.audit(
            AuditDraft::allowed(&actor.user.id, "audit.read", None).with_detail(format!("entries={}", out.len())),
        )?;
        Ok(out)
    }

    /// Refused attempts (access denials and failed sign-ins), optionally since a time.
    pub fn denied_attempts(
        &self,
        session: &Session,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<DeniedAttempt>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::ReadAudit, None, "audit.read", None)?;
        let out = self.scan_audit(0, usize::MAX, |e| {
            matches!(e.outcome, Outcome::Denied { .. }) && since.is_none_or(|s| e.time >= s)
        })?;
        self.audit(
            AuditDraft::allowed(&actor.user.id, "audit.read", None).with_detail(format!("denied={}", out.len())),
        )?;
        Ok(out)
    }

    fn scan_audit(
        &self,
        from: u64,
        limit: usize,
        keep: impl Fn(&AuditEntry) -> bool,
    ) -> Result<Vec<AuditEntry>, Error> {
        let mut out = Vec::new();
        let start = from.to_be_bytes();
        let mut cursor = start.to_vec();
        loop {
            let page = self.store.scan(Tree::Audit, b"", &cursor, 4096).map_err(Error::storage)?;
            let n = page.len();
            for (_, v) in &page {
                if out.len() >= limit {
                    return Ok(out);
                }
                let link: Link =
                    serde_json::from_slice(v).map_err(|_| Error::new(crate::ErrorCode::Storage, "STORE_DAMAGED"))?;
                if keep(&link.entry) {
                    out.push(link.entry);
                }
            }
            match page.last() {
                Some((k, _)) if n == 4096 => {
                    cursor = k.clone();
                    cursor.push(0);
                }
                _ => return Ok(out),
            }
        }
    }
}
