//! Offline devices and conflict-aware sync (issue 7): the bundle format, credentials and the
//! field-level merge. The registry side (enrolment, import, export, conflicts) is in
//! `registry::sync_ops`; the format and the decisions are documented in `docs/src/sync.md`.
//!
//! A **bundle** is what the library gives out and takes in; its transport is the host's:
//!
//! ```text
//! magic "KMKS" | format u16 | kind u8 | header length u32 | header | body length u32 | body | signature (64)
//! ```
//!
//! All integers are big-endian. The header is clear (bincode, fixed-width big-endian integers);
//! the body is sealed (XChaCha20-Poly1305) with the link's transport key, the bytes before it as
//! associated data; the signature is Ed25519 by the sender over every byte before it.

use crate::crypto::{self, Key};
use crate::model::SubjectId;
use crate::{Error, ErrorCode};
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The bundle format version this library writes and the newest it reads.
pub const BUNDLE_FORMAT: u16 = 1;
/// The four bytes every bundle starts with.
pub const MAGIC: &[u8; 4] = b"KMKS";
/// Length of the signature that ends a bundle.
pub const SIGNATURE_LEN: usize = 64;

/// What a bundle carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleKind {
    /// Changes recorded by the sender (a device's offline work, a registry's upload).
    Changes = 1,
    /// A device's initial download of its scope from the centre.
    Scope = 2,
    /// The centre's changes to a device's scope since the device's acknowledged position:
    /// records newly in scope (with their data keys), erasure notices, changes.
    Downstream = 3,
}

/// The clear header of a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleHeader {
    /// The sender's link id at the receiver (a device id, or a registry's enrolment id);
    /// for a scope download, the device it is for.
    pub link: String,
    /// The origin of the sender (its facts carry it).
    pub sender_origin: String,
    /// The origin of the receiver.
    pub receiver_origin: String,
    /// First position of the sender's fact log covered (inclusive).
    pub from: u64,
    /// End of the range covered (exclusive): after applying, the receiver acknowledges `to`.
    pub to: u64,
    /// The sender's base mark: for a scope download, the centre's log position it reflects;
    /// for changes, the position of the receiver's log the sender last received (0 if none).
    pub base: u64,
    /// The number of entries in the body.
    pub count: u32,
    /// When the bundle was made, milliseconds since the epoch.
    pub created_ms: i64,
}

/// A bundle whose frame, version and signature were checked, body still sealed.
#[derive(Debug)]
pub(crate) struct Frame<'a> {
    pub kind: BundleKind,
    pub header: BundleHeader,
    /// The frame and header: the body's associated data.
    pub aad: &'a [u8],
    pub sealed: &'a [u8],
    /// Every byte the signature covers.
    pub signed: &'a [u8],
    pub signature: [u8; SIGNATURE_LEN],
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_big_endian().with_fixed_int_encoding()
}

/// A refusal of a bundle: `VALIDATION` (or `CRYPTO` for a forged one) with a reason.
pub(crate) fn refused(code: ErrorCode, reason: &str) -> Error {
    Error::new(code, reason).with_field("bundle")
}

/// Encodes a bundle: frame, header, sealed body, signature.
pub(crate) fn encode(
    kind: BundleKind,
    header: &BundleHeader,
    body: &[u8],
    transport: &Key,
    signer: &SigningKey,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Vec<u8>, Error> {
    let h = bincode::serde::encode_to_vec(header, config()).map_err(Error::storage)?;
    let mut out = Vec::with_capacity(body.len() + h.len() + 160);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&BUNDLE_FORMAT.to_be_bytes());
    out.push(kind as u8);
    out.extend_from_slice(&(h.len() as u32).to_be_bytes());
    out.extend_from_slice(&h);
    let sealed = crypto::seal(transport, &out, body, rng);
    out.extend_from_slice(&(sealed.len() as u32).to_be_bytes());
    out.extend_from_slice(&sealed);
    let sig = signer.sign(&out);
    out.extend_from_slice(&sig.to_bytes());
    Ok(out)
}

/// Reads a bundle's frame: magic, version, lengths (a cut bundle is refused whole).
/// The signature is not checked here (the sender's key depends on the header).
pub(crate) fn frame(bytes: &[u8]) -> Result<Frame<'_>, Error> {
    let truncated = || refused(ErrorCode::Validation, "BUNDLE_TRUNCATED");
    if bytes.len() < 7 {
        return Err(if bytes.len() >= 4 && &bytes[..4] != MAGIC {
            refused(ErrorCode::Validation, "BUNDLE_NOT_A_BUNDLE")
        } else {
            truncated()
        });
    }
    if &bytes[..4] != MAGIC {
        return Err(refused(ErrorCode::Validation, "BUNDLE_NOT_A_BUNDLE"));
    }
    let version = u16::from_be_bytes([bytes[4], bytes[5]]);
    if version > BUNDLE_FORMAT {
        return Err(refused(ErrorCode::Validation, "BUNDLE_VERSION").arg("found", version).arg("max", BUNDLE_FORMAT));
    }
    if version == 0 {
        return Err(refused(ErrorCode::Validation, "BUNDLE_NOT_A_BUNDLE"));
    }
    let kind = match bytes[6] {
        1 => BundleKind::Changes,
        2 => BundleKind::Scope,
        3 => BundleKind::Downstream,
        _ => return Err(refused(ErrorCode::Validation, "BUNDLE_NOT_A_BUNDLE")),
    };
    let take_u32 = |at: usize| -> Result<usize, Error> {
        let b = bytes.get(at..at + 4).ok_or_else(truncated)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let hlen = take_u32(7)?;
    let h_end = 11usize.checked_add(hlen).ok_or_else(truncated)?;
    let h = bytes.get(11..h_end).ok_or_else(truncated)?;
    let blen = take_u32(h_end)?;
    let b_start = h_end + 4;
    let b_end = b_start.checked_add(blen).ok_or_else(truncated)?;
    let sealed = bytes.get(b_start..b_end).ok_or_else(truncated)?;
    let sig = bytes.get(b_end..b_end + SIGNATURE_LEN).ok_or_else(truncated)?;
    if bytes.len() != b_end + SIGNATURE_LEN {
        return Err(refused(ErrorCode::Validation, "BUNDLE_TRAILING_BYTES"));
    }
    let (header, used): (BundleHeader, usize) =
        bincode::serde::decode_from_slice(h, config()).map_err(|_| refused(ErrorCode::Validation, "BUNDLE_DAMAGED"))?;
    if used != h.len() {
        return Err(refused(ErrorCode::Validation, "BUNDLE_DAMAGED"));
    }
    let mut signature = [0u8; SIGNATURE_LEN];
    signature.copy_from_slice(sig);
    Ok(Frame { kind, header, aad: &bytes[..h_end], sealed, signed: &bytes[..b_end], signature })
}

impl Frame<'_> {
    /// Checks the signature with the sender's public key, then opens the body.
    pub(crate) fn open(&self, public: &[u8; 32], transport: &Key) -> Result<Vec<u8>, Error> {
        let forged = || refused(ErrorCode::Crypto, "BUNDLE_FORGED");
        let key = VerifyingKey::from_bytes(public).map_err(|_| forged())?;
        let sig = ed25519_dalek::Signature::from_bytes(&self.signature);
        key.verify(self.signed, &sig).map_err(|_| forged())?;
        crypto::open(transport, self.aad, self.sealed).map_err(|_| forged())
    }
}

/// A change's identity and a field value's version: the origin that recorded it and its
/// sequence there. Unique across every registry and device.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Mark {
    /// The origin (registry or device).
    pub origin: String,
    /// The sequence within the origin.
    pub seq: u64,
}

impl std::fmt::Display for Mark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.origin, self.seq)
    }
}

/// One value of a field that no later change has replaced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leaf {
    /// The change that set it.
    pub mark: Mark,
    /// The value.
    pub value: serde_json::Value,
    /// Who set it (user id).
    pub author: String,
    /// When it was recorded, milliseconds since the epoch.
    pub time_ms: i64,
}

/// The per-subject merge state: for every field changed since registration, the values no
/// later change has replaced (one when settled, several on a true conflict). Sealed with the
/// subject's data key, so erasing the subject erases it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SyncMeta {
    /// Facts of this registry's log below this position are folded in.
    pub upto: u64,
    /// The registration's mark: the implicit version of every field not in `fields`.
    pub reg: Option<Mark>,
    /// Field path -> its open values.
    pub fields: BTreeMap<String, Vec<Leaf>>,
}

impl SyncMeta {
    /// The versions a change of `field` made now would be based on.
    pub fn parents_of(&self, field: &str) -> Vec<Mark> {
        match self.fields.get(field) {
            Some(leaves) => leaves.iter().map(|l| l.mark.clone()).collect(),
            None => self.reg.iter().cloned().collect(),
        }
    }

    /// Folds a change of one field into the merge state: the leaves it was based on are
    /// replaced, any other leaf stays (a concurrent edit). `current` is the field's value
    /// before the change (the implicit registration leaf's value on first touch).
    pub fn apply(&mut self, field: &str, parents: &[Mark], leaf: Leaf, current: impl FnOnce() -> serde_json::Value) {
        let reg = self.reg.clone();
        let leaves = self.fields.entry(field.to_string()).or_insert_with(|| match reg {
            Some(mark) => vec![Leaf { mark, value: current(), author: String::new(), time_ms: i64::MIN }],
            None => Vec::new(),
        });
        if leaves.iter().any(|l| l.mark == leaf.mark) {
            return;
        }
        leaves.retain(|l| !parents.contains(&l.mark));
        leaves.push(leaf);
        leaves.sort_by(|a, b| a.mark.cmp(&b.mark));
    }

    /// Makes a field settled on one value (a supervisor's or a local user's decision).
    pub fn settle(&mut self, field: &str, leaf: Leaf) {
        self.fields.insert(field.to_string(), vec![leaf]);
    }

    /// The field's value after the merge and whether it is a true conflict.
    pub fn resolved(&self, field: &str) -> Option<(serde_json::Value, bool)> {
        let leaves = self.fields.get(field)?;
        let winner = winner(leaves)?;
        let conflict = leaves.iter().any(|l| l.value != winner.value);
        Some((winner.value.clone(), conflict))
    }

    /// Fields with a true conflict.
    pub fn conflicts(&self) -> impl Iterator<Item = (&String, &Vec<Leaf>)> {
        self.fields.iter().filter(|(_, leaves)| leaves.iter().any(|l| l.value != leaves[0].value))
    }
}

/// The value shown while a conflict is open: the latest recorded (time, then origin and
/// sequence), a rule that does not depend on the order bundles arrive in. It is shown, never
/// final: the conflict stays in the queue until a supervisor resolves it.
pub(crate) fn winner(leaves: &[Leaf]) -> Option<&Leaf> {
    leaves.iter().max_by(|a, b| (a.time_ms, &a.mark).cmp(&(b.time_ms, &b.mark)))
}

/// One change as a bundle carries it (inside the sealed body).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct WireChange {
    pub origin: String,
    pub seq: u64,
    pub subject: SubjectId,
    pub kind: crate::facts::SubjectKind,
    pub author: String,
    pub time_ms: i64,
    pub base_version: u64,
    pub body: crate::facts::FactBody,
    /// For a change: per field, the versions it was based on (the three-way merge's base).
    #[serde(default)]
    pub parents: BTreeMap<String, Vec<Mark>>,
    /// For a registration: the subject's data key (the body is sealed for the link only).
    #[serde(default)]
    pub key: Option<String>,
}

/// The secrets a device (or a registry uploading to another) keeps to sync over one link:
/// its signing key, the transport key shared with the receiver, and the receiver's identity.
/// Made in two steps: [`LinkSecret::generate`] on the device, then [`LinkSecret::complete`]
/// with the receiver's [`Enrolment`]. Keep it like the master key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkSecret {
    /// Ed25519 signing key seed (hex).
    signing: String,
    /// The link id at the receiver (empty until enrolled).
    pub link: String,
    /// The sender's origin on this link (a device's origin is its id).
    pub origin: String,
    /// The transport key shared with the receiver (hex, empty until enrolled).
    transport: String,
    /// The receiver's origin.
    pub peer_origin: String,
    /// The receiver's public key (hex), to check what it sends.
    pub peer_public: String,
}

impl std::fmt::Debug for LinkSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkSecret").field("link", &self.link).field("origin", &self.origin).finish()
    }
}

/// What the receiver gives back on enrolment (to hand to the device once, like a password).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The link id (for a device: its origin, `d-` and 12 hex digits).
    pub link: String,
    /// The transport key (hex).
    pub transport: String,
    /// The receiver's origin.
    pub peer_origin: String,
    /// The receiver's public key (hex).
    pub peer_public: String,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrolment").field("link", &self.link).finish()
    }
}

impl LinkSecret {
    /// A new signing key; give [`LinkSecret::public_key`] to the receiver's administrator.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> LinkSecret {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        LinkSecret {
            signing: hex::encode(seed),
            link: String::new(),
            origin: String::new(),
            transport: String::new(),
            peer_origin: String::new(),
            peer_public: String::new(),
        }
    }
    /// The public key (64 hex digits) the receiver registers.
    pub fn public_key(&self) -> String {
        self.signer().map(|s| hex::encode(s.verifying_key().to_bytes())).unwrap_or_default()
    }
    /// Completes the secret with the receiver's answer. `origin` is the sender's own origin
    /// (for a device, the link id).
    pub fn complete(mut self, enrolment: &Enrolment, origin: Option<&str>) -> LinkSecret {
        self.link = enrolment.link.clone();
        self.origin = origin.unwrap_or(&enrolment.link).to_string();
        self.transport = enrolment.transport.clone();
        self.peer_origin = enrolment.peer_origin.clone();
        self.peer_public = enrolment.peer_public.clone();
        self
    }
    /// The secret as JSON text (to keep in the host's secure storage).
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
    /// Reads [`LinkSecret::to_text`].
    pub fn from_text(text: &str) -> Result<LinkSecret, Error> {
        serde_json::from_str(text).map_err(|_| Error::validation("BAD_LINK_SECRET", "secret"))
    }
    pub(crate) fn signer(&self) -> Result<SigningKey, Error> {
        let mut seed = [0u8; 32];
        hex::decode_to_slice(&self.signing, &mut seed).map_err(|_| Error::validation("BAD_LINK_SECRET", "secret"))?;
        Ok(SigningKey::from_bytes(&seed))
    }
    pub(crate) fn transport_key(&self) -> Result<Key, Error> {
        Key::parse(self.transport.as_bytes()).map_err(|_| Error::validation("BAD_LINK_SECRET", "secret"))
    }
    pub(crate) fn peer_key(&self) -> Result<[u8; 32], Error> {
        parse_public(&self.peer_public).map_err(|_| Error::validation("BAD_LINK_SECRET", "secret"))
    }
}

/// Parses a 64-hex-digit Ed25519 public key.
pub(crate) fn parse_public(text: &str) -> Result<[u8; 32], Error> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut out).map_err(|_| Error::validation("BAD_PUBLIC_KEY", "public_key"))?;
    VerifyingKey::from_bytes(&out).map_err(|_| Error::validation("BAD_PUBLIC_KEY", "public_key"))?;
    Ok(out)
}

/// A registry's own signing key, derived from its keys (so it needs no storage of its own).
pub(crate) fn registry_signer(seed: [u8; 32]) -> SigningKey {
    SigningKey::from_bytes(&seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn header() -> BundleHeader {
        BundleHeader {
            link: "d-000000000001".into(),
            sender_origin: "d-000000000001".into(),
            receiver_origin: "r-00000000000a".into(),
            from: 3,
            to: 9,
            base: 0,
            count: 6,
            created_ms: 1,
        }
    }

    #[test]
    fn round_trip_and_every_cut_is_refused() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let key = Key::generate(&mut rng);
        let signer = SigningKey::from_bytes(&[5u8; 32]);
        let bytes = encode(BundleKind::Changes, &header(), b"body", &key, &signer, &mut rng).expect("encode");
        let f = frame(&bytes).expect("frame");
        assert_eq!(f.header, header());
        assert_eq!(f.open(&signer.verifying_key().to_bytes(), &key).expect("open"), b"body");
        for cut in 0..bytes.len() {
            let e = frame(&bytes[..cut]).err().map(|e| e.reason);
            assert_eq!(e.as_deref(), Some("BUNDLE_TRUNCATED"), "cut at {cut}");
        }
        let other = SigningKey::from_bytes(&[6u8; 32]);
        assert_eq!(
            f.open(&other.verifying_key().to_bytes(), &key).err().map(|e| e.reason).as_deref(),
            Some("BUNDLE_FORGED")
        );
        let mut flipped = bytes.clone();
        let at = flipped.len() - 70;
        flipped[at] ^= 1;
        let f = frame(&flipped).expect("frame");
        assert!(f.open(&signer.verifying_key().to_bytes(), &key).is_err());
        let mut newer = bytes;
        newer[5] = 2;
        assert_eq!(frame(&newer).err().map(|e| e.reason).as_deref(), Some("BUNDLE_VERSION"));
    }

    fn leaf(origin: &str, seq: u64, v: &str, t: i64) -> Leaf {
        Leaf { mark: Mark { origin: origin.into(), seq }, value: v.into(), author: "u".into(), time_ms: t }
    }

    #[test]
    fn merge_is_independent_of_order() {
        let reg = Mark { origin: "r".into(), seq: 0 };
        let changes = [
            (leaf("a", 1, "x", 5), vec![reg.clone()]),
            (leaf("b", 1, "y", 4), vec![reg.clone()]),
            (leaf("a", 2, "z", 6), vec![Mark { origin: "a".into(), seq: 1 }]),
        ];
        let run = |order: &[usize]| {
            let mut m = SyncMeta { reg: Some(reg.clone()), ..Default::default() };
            for &i in order {
                let (l, p) = &changes[i];
                m.apply("f", p, l.clone(), || "old".into());
            }
            m
        };
        let a = run(&[0, 1, 2]);
        let b = run(&[1, 0, 2]);
        assert_eq!(a, b);
        assert_eq!(a.resolved("f"), Some(("z".into(), true)));
        // Same value from two people is no conflict.
        let mut m = SyncMeta { reg: Some(reg.clone()), ..Default::default() };
        m.apply("g", std::slice::from_ref(&reg), leaf("a", 1, "same", 1), || "old".into());
        m.apply("g", std::slice::from_ref(&reg), leaf("b", 1, "same", 2), || "old".into());
        assert_eq!(m.resolved("g"), Some(("same".into(), false)));
    }
}
