//! Archive packages (RET-1, RET-2): what retention or a reasoned request moves out of the
//! live registry, encrypted so that only the owner (holding the master key) reads it.
//!
//! Format 1, integers big-endian: `"KAMKOR-ARCHIVE\n"` · `u32` format · 16-byte registry
//! salt · 16-byte package salt · XChaCha20-Poly1305 sealed JSON ([`ArchivePayload`]),
//! with the first 51 bytes as associated data. The key is
//! HKDF-SHA256(ikm = the registry's archive key, salt = package salt), where the archive
//! key derives from the master key and the registry salt like every purpose key.

use crate::case::Case;
use crate::crypto::{self, Key, KeySet};
use crate::registry::{ChildView, FamilyView, HistoryEntry};
use crate::{Error, ErrorCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

const MAGIC: &[u8] = b"KAMKOR-ARCHIVE\n";
const FORMAT: u32 = 1;
const HEADER: usize = 15 + 4 + 16 + 16;

/// A reasoned request to archive a record (the Omsk request form, RET-2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRequest {
    /// Why the record is to be archived.
    pub reason: String,
    /// Who asked (name and position, or body).
    pub requested_by: String,
    /// The request's number and date, as written.
    pub document: String,
}

/// A case as archived.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedCase {
    /// Case id.
    pub id: crate::SubjectId,
    /// The case.
    pub case: Case,
    /// Its events.
    pub history: Vec<HistoryEntry>,
}

/// A child as archived: the record, its whole history, its cases and its family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedChild {
    /// The child.
    pub child: ChildView,
    /// Every fact about the child.
    pub history: Vec<HistoryEntry>,
    /// Cases.
    pub cases: Vec<ArchivedCase>,
    /// The family, when the child was the last of it to leave the registry.
    pub family: Option<FamilyView>,
}

/// The content of an archive package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivePayload {
    /// Payload format.
    pub format: u32,
    /// The registry that wrote it.
    pub origin: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// `retention` or `request`.
    pub reason: String,
    /// The request, for an archive on request.
    pub request: Option<ArchiveRequest>,
    /// The archived children.
    pub children: Vec<ArchivedChild>,
}

fn package_key(keys: &KeySet, salt: &[u8]) -> Key {
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), keys.archive.as_bytes());
    let mut out = [0u8; 32];
    let _ = hk.expand(b"kamkor/v1/archive-package", &mut out);
    Key::from_bytes(out)
}

/// Seals a payload into a package.
pub(crate) fn seal(
    keys: &KeySet,
    registry_salt: &[u8; 16],
    payload: &ArchivePayload,
    rng: &mut (impl rand_core::RngCore + rand_core::CryptoRng),
) -> Result<Vec<u8>, Error> {
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    let mut out = Vec::with_capacity(HEADER);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_be_bytes());
    out.extend_from_slice(registry_salt);
    out.extend_from_slice(&salt);
    let plain = serde_json::to_vec(payload).map_err(Error::storage)?;
    let sealed = crypto::seal(&package_key(keys, &salt), &out, &plain, rng);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens a package with the owner's master key (no registry needed).
/// `CRYPTO/ARCHIVE_WRONG_KEY` for another key or damaged content; `STORAGE/ARCHIVE_DAMAGED` for a broken frame.
pub fn open(bytes: &[u8], master: &Key) -> Result<ArchivePayload, Error> {
    let damaged = |d: &str| Error::new(ErrorCode::Storage, "ARCHIVE_DAMAGED").arg("detail", d);
    if bytes.len() < HEADER || !bytes.starts_with(MAGIC) {
        return Err(damaged("not a kamkor archive"));
    }
    let format = u32::from_be_bytes(bytes[15..19].try_into().map_err(|_| damaged("format"))?);
    if format != FORMAT {
        return Err(Error::new(ErrorCode::Storage, "ARCHIVE_FORMAT").arg("found", format));
    }
    let keys = KeySet::derive(master, &bytes[19..35]);
    let key = package_key(&keys, &bytes[35..51]);
    let plain = crypto::open(&key, &bytes[..HEADER], &bytes[HEADER..])
        .map_err(|_| Error::new(ErrorCode::Crypto, "ARCHIVE_WRONG_KEY"))?;
    serde_json::from_slice(&plain).map_err(|_| damaged("payload"))
}
