//! The audit log (ACC-7): append-only, hash-chained with a key only the registry holds.
//!
//! Each entry's MAC is HMAC-SHA256(audit key, previous MAC || entry JSON). Altering,
//! removing, inserting or reordering entries breaks the chain; the head (number of
//! entries and the last MAC) is also kept in the registry metadata and, at every flush,
//! in an anchor outside the store's log, so truncation shows.

use crate::crypto::{chain_mac, Key};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What became of an attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Outcome {
    /// Done.
    Allowed,
    /// Refused by an access decision or an authentication check.
    Denied {
        /// The stable reason code.
        reason: String,
    },
    /// Allowed but failed (e.g. validation).
    Failed {
        /// The stable error reason.
        reason: String,
    },
}

/// One audited event. It names users and subjects by id only: no personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AuditEntry {
    /// Position in the chain, from 0.
    pub seq: u64,
    /// When.
    pub time: DateTime<Utc>,
    /// The user id, when known.
    pub actor: Option<String>,
    /// The operation, e.g. `child.read`, `login`, `user.add`.
    pub action: String,
    /// The record concerned (subject or user id).
    pub target: Option<String>,
    /// What became of it.
    pub outcome: Outcome,
    /// Non-personal detail (result counts, external issuer, exchange headers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// An entry as stored: the entry, its predecessor's MAC and its own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The entry.
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// MAC of the previous link (zeros for the first).
    pub prev: String,
    /// MAC of this link.
    pub mac: String,
}

/// The MAC before the first entry.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// Builds the stored link for an entry following `prev`.
pub fn link(key: &Key, prev: &[u8; 32], entry: AuditEntry) -> (Link, [u8; 32]) {
    let body = serde_json::to_vec(&entry).unwrap_or_default();
    let mac = chain_mac(key, prev, &body);
    (Link { entry, prev: hex::encode(prev), mac: hex::encode(mac) }, mac)
}

/// The first break found in a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Break {
    /// The sequence position where the chain breaks.
    pub at: u64,
    /// What is wrong: `UNREADABLE`, `SEQUENCE_GAP`, `PREVIOUS_MISMATCH`, `MAC_MISMATCH`,
    /// `HEAD_MISMATCH`, `ANCHOR_MISMATCH`, `ANCHOR_DAMAGED`, `TRUNCATED`.
    pub problem: String,
}

/// Checks links in order; `next_seq` and `prev` carry the state between pages.
#[derive(Debug)]
pub struct Verifier<'a> {
    key: &'a Key,
    /// The next expected sequence number.
    pub next_seq: u64,
    /// The MAC of the last link checked.
    pub prev: [u8; 32],
}

impl<'a> Verifier<'a> {
    /// A verifier at the start of the chain.
    pub fn new(key: &'a Key) -> Self {
        Verifier { key, next_seq: 0, prev: GENESIS }
    }

    /// Checks the next stored link (key = big-endian seq, value = link JSON).
    pub fn check(&mut self, key: &[u8], value: &[u8]) -> Result<&'static str, Break> {
        let at = self.next_seq;
        let brk = |problem: &str| Break { at, problem: problem.to_string() };
        let stored_seq = <[u8; 8]>::try_from(key).map(u64::from_be_bytes).map_err(|_| brk("UNREADABLE"))?;
        let link: Link = serde_json::from_slice(value).map_err(|_| brk("UNREADABLE"))?;
        if stored_seq != at || link.entry.seq != at {
            return Err(brk("SEQUENCE_GAP"));
        }
        if link.prev != hex::encode(self.prev) {
            return Err(brk("PREVIOUS_MISMATCH"));
        }
        let body = serde_json::to_vec(&link.entry).map_err(|_| brk("UNREADABLE"))?;
        let mac = chain_mac(self.key, &self.prev, &body);
        if hex::encode(mac) != link.mac {
            return Err(brk("MAC_MISMATCH"));
        }
        self.prev = mac;
        self.next_seq += 1;
        Ok("ok")
    }
}
