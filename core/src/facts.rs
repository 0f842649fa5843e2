//! Facts: every change is appended to a log (DESIGN.md invariant 4); state is derived.
//!
//! A stored fact is a clear header (origin, sequence, subject, author, time, the
//! version it was based on) and a body sealed with the subject's own data key,
//! with the header as associated data so neither can be swapped unnoticed.
//! Current state is a second, derived record per subject, sealed the same way.

use crate::model::{Child, Family, FieldChange, SubjectId};
use crate::territory::TerritoryCode;
use crate::{Error, ErrorCode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The storage format version of facts and state.
pub const FORMAT: u8 = 1;

/// Whether a subject is a child or a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A child.
    Child,
    /// A family.
    Family,
    /// A case (sealed with its child's data key).
    Case,
}

/// The clear part of a stored fact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactHeader {
    /// Storage format.
    pub format: u8,
    /// The registry or device that recorded the fact.
    pub origin: String,
    /// Sequence within the origin.
    pub seq: u64,
    /// The subject changed.
    pub subject: [u8; 16],
    /// Child or family.
    pub kind: SubjectKind,
    /// The author (user id).
    pub author: String,
    /// When recorded, milliseconds since the epoch (UTC).
    pub time_ms: i64,
    /// The subject's version this change was based on (0 for a registration).
    pub base_version: u64,
}

/// Where a piece of information came from (REG-4, REG-5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// Code of the profile's `source` vocabulary.
    pub source: String,
    /// The date the information was received.
    pub received_on: NaiveDate,
    /// A document or reference (letter number, source system and row), when there is one.
    #[serde(default)]
    pub reference: Option<String>,
}

/// What happened. Bodies are sealed; only the registry with the key reads them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // serialized data, never held in bulk
pub enum FactBody {
    /// A child was registered.
    ChildRegistered {
        /// The record as registered.
        record: Child,
        /// The registering organization (INN).
        organization: String,
        /// Where the information came from.
        provenance: Provenance,
    },
    /// A family was registered.
    FamilyRegistered {
        /// The record as registered.
        record: Family,
        /// The registering organization (INN).
        organization: String,
        /// Where the information came from.
        provenance: Provenance,
    },
    /// Circumstances changed (child or family).
    Changed {
        /// Field-level changes.
        changes: Vec<FieldChange>,
        /// Where the information came from and when it was received.
        provenance: Provenance,
        /// A free comment.
        #[serde(default)]
        note: Option<String>,
    },
    /// Something happened in a case.
    Case {
        /// The event.
        event: crate::case::CaseEvent,
    },
    /// The child joined a family, or left one (`None`).
    FamilyLinked {
        /// The family.
        family: Option<SubjectId>,
        /// Where the information came from.
        provenance: Provenance,
    },
    /// Screening rules of the profile flagged the child (INT-1): a signal for a specialist.
    Screened {
        /// The rules met (ids of the profile's `[screening]` rules).
        rules: Vec<String>,
        /// Where the information came from (the household book row).
        provenance: Provenance,
    },
}

/// The clear part of a subject's current state: what access checks need without decrypting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateHeader {
    /// Storage format.
    pub format: u8,
    /// Child or family.
    pub kind: SubjectKind,
    /// Number of facts applied.
    pub version: u64,
    /// The territory scopes are checked against.
    pub territory: TerritoryCode,
    /// The registering organization.
    pub organization: String,
    /// Registered at, milliseconds since the epoch.
    pub created_ms: i64,
    /// Last changed at, milliseconds since the epoch.
    pub updated_ms: i64,
}

/// The sealed part of a subject's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // serialized data, never held in bulk
pub enum StateBody {
    /// A child.
    Child {
        /// The current record.
        record: Child,
        /// The family, if linked.
        family: Option<SubjectId>,
        /// The child's depersonalized statistical record (kept only here: erasure unlinks it).
        #[serde(default)]
        stat: Option<SubjectId>,
    },
    /// A family.
    Family {
        /// The current record.
        record: Family,
        /// The family's statistical record.
        #[serde(default)]
        stat: Option<SubjectId>,
    },
    /// A case.
    Case {
        /// The case derived from its events.
        record: crate::case::Case,
    },
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_big_endian().with_fixed_int_encoding()
}

fn damaged(what: &str) -> Error {
    Error::new(ErrorCode::Storage, "STORE_DAMAGED").arg("detail", what)
}

/// Encodes a header followed by a sealed body: `u32 header length | header | body`.
pub fn encode_envelope<H: Serialize>(header: &H, sealed: &[u8]) -> Vec<u8> {
    let h = bincode::serde::encode_to_vec(header, config()).unwrap_or_default();
    let mut out = Vec::with_capacity(4 + h.len() + sealed.len());
    out.extend_from_slice(&(h.len() as u32).to_be_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(sealed);
    out
}

/// Splits an envelope into its decoded header, the header bytes (the AAD) and the sealed body.
pub fn decode_envelope<H: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<(H, &[u8], &[u8]), Error> {
    if bytes.len() < 4 {
        return Err(damaged("envelope"));
    }
    let (len, rest) = bytes.split_at(4);
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    if rest.len() < len {
        return Err(damaged("envelope"));
    }
    let (h, body) = rest.split_at(len);
    let (header, _) = bincode::serde::decode_from_slice(h, config()).map_err(|_| damaged("header"))?;
    Ok((header, h, body))
}

/// The store key of a fact: origin-local sequence, big-endian.
pub fn fact_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}
