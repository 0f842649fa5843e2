//! Keys and encryption at rest (DESIGN.md invariant 5, `docs/src/adr/0001-keys-and-erasure.md`).
//!
//! The host supplies one 32-byte master key. From it and the registry's random
//! salt, HKDF derives purpose keys: the key-encryption key that wraps every
//! subject's own data key, the blind-index key, the audit-chain key, the
//! users key and a key-check value. Each child or family has a random data key
//! (its facts and current state are sealed with it); destroying that key makes
//! every copy of the subject's data unreadable, old facts included.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand_core::{CryptoRng, RngCore};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Errors of key handling and sealing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// A key text is not 64 hex digits (or 32 raw bytes).
    #[error("a key must be 32 bytes written as 64 hex digits")]
    BadKeyFormat,
    /// Decryption failed: wrong key or damaged data.
    #[error("decryption failed: wrong key or damaged data")]
    Open,
    /// The sealed text is too short to hold a nonce and tag.
    #[error("sealed data truncated")]
    Truncated,
}

/// A 32-byte secret, wiped from memory when dropped.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

impl Key {
    /// From raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Key {
        Key(bytes)
    }
    /// From 64 hex digits (surrounding whitespace ignored), or from exactly 32 raw bytes.
    pub fn parse(text: &[u8]) -> Result<Key, CryptoError> {
        let trimmed = std::str::from_utf8(text).map(str::trim).ok();
        if let Some(t) = trimmed.filter(|t| t.len() == 64) {
            let mut out = [0u8; 32];
            hex::decode_to_slice(t, &mut out).map_err(|_| CryptoError::BadKeyFormat)?;
            return Ok(Key(out));
        }
        if text.len() == 32 {
            let mut out = [0u8; 32];
            out.copy_from_slice(text);
            return Ok(Key(out));
        }
        Err(CryptoError::BadKeyFormat)
    }
    /// A fresh random key.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Key {
        let mut out = [0u8; 32];
        rng.fill_bytes(&mut out);
        Key(out)
    }
    /// The key as 64 hex digits (for writing a new key file).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Purpose keys derived from the host's master key and the registry salt.
#[derive(Clone, Debug)]
pub struct KeySet {
    /// Wraps the per-subject data keys.
    pub kek: Key,
    /// Keys the blind indexes (PIN, name tokens, birth dates, logins).
    pub blind: Key,
    /// Keys the audit hash chain.
    pub audit: Key,
    /// Seals user accounts (specialists' personal data).
    pub users: Key,
    /// Seals the depersonalized statistics (not per subject: they survive erasure).
    pub stats: Key,
    /// Base key of archive packages (each package derives its own key with a random salt).
    pub archive: Key,
    /// A value stored in the registry to recognise the right master key.
    pub check: [u8; 32],
}

impl KeySet {
    /// Derives the purpose keys (HKDF-SHA256, salt = registry salt).
    pub fn derive(master: &Key, salt: &[u8]) -> KeySet {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(salt), master.as_bytes());
        let get = |info: &str| {
            let mut out = [0u8; 32];
            // 32 bytes is always a valid HKDF-SHA256 output length.
            let _ = hk.expand(info.as_bytes(), &mut out);
            out
        };
        KeySet {
            kek: Key(get("kamkor/v1/kek")),
            blind: Key(get("kamkor/v1/blind-index")),
            audit: Key(get("kamkor/v1/audit-chain")),
            users: Key(get("kamkor/v1/users")),
            stats: Key(get("kamkor/v1/stats")),
            archive: Key(get("kamkor/v1/archive")),
            check: get("kamkor/v1/key-check"),
        }
    }
}

const NONCE: usize = 24;

/// Encrypts with XChaCha20-Poly1305; `aad` binds the ciphertext to its place (subject, sequence).
/// Output: nonce (24 bytes) then ciphertext and tag.
pub fn seal(key: &Key, aad: &[u8], plaintext: &[u8], rng: &mut (impl RngCore + CryptoRng)) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
    let mut nonce = [0u8; NONCE];
    rng.fill_bytes(&mut nonce);
    let mut out = nonce.to_vec();
    // Encryption of an in-memory buffer cannot fail for sizes below 256 GiB.
    if let Ok(ct) = cipher.encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad }) {
        out.extend_from_slice(&ct);
    }
    out
}

/// Decrypts what [`seal`] produced with the same key and `aad`.
pub fn open(key: &Key, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < NONCE + 16 {
        return Err(CryptoError::Truncated);
    }
    let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
    let (nonce, ct) = sealed.split_at(NONCE);
    cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad }).map_err(|_| CryptoError::Open)
}

/// A keyed, truncated HMAC-SHA256 of a value in a domain: equality search without plaintext.
pub fn blind(key: &Key, domain: &str, value: &str) -> [u8; 16] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).unwrap_or_else(|_| unreachable_mac());
    mac.update(domain.as_bytes());
    mac.update(&[0]);
    mac.update(value.as_bytes());
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// HMAC-SHA256 of the previous link and an entry: one link of the audit chain.
pub fn chain_mac(key: &Key, prev: &[u8; 32], entry: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).unwrap_or_else(|_| unreachable_mac());
    mac.update(prev);
    mac.update(entry);
    mac.finalize().into_bytes().into()
}

// HMAC accepts keys of any length, so `new_from_slice` cannot fail; this keeps the
// code free of unwrap while documenting the impossibility.
fn unreachable_mac() -> Hmac<Sha256> {
    match <Hmac<Sha256> as Mac>::new_from_slice(&[0u8; 32]) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

/// SHA-256 of bytes.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    Sha256::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn seal_open_roundtrip_and_binding() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let k = Key::generate(&mut rng);
        let s = seal(&k, b"subject-1", b"Aigul", &mut rng);
        assert_eq!(open(&k, b"subject-1", &s).unwrap(), b"Aigul");
        assert_eq!(open(&k, b"subject-2", &s), Err(CryptoError::Open));
        let other = Key::generate(&mut rng);
        assert_eq!(open(&other, b"subject-1", &s), Err(CryptoError::Open));
        assert_eq!(open(&k, b"subject-1", &s[..10]), Err(CryptoError::Truncated));
        let mut bad = s.clone();
        bad[30] ^= 1;
        assert_eq!(open(&k, b"subject-1", &bad), Err(CryptoError::Open));
    }

    #[test]
    fn key_parse() {
        let hex64 = "00".repeat(31) + "ff";
        assert!(Key::parse(hex64.as_bytes()).is_ok());
        assert!(Key::parse(format!("{hex64}\n").as_bytes()).is_ok());
        assert_eq!(Key::parse(b"short"), Err(CryptoError::BadKeyFormat));
        assert_eq!(Key::parse("zz".repeat(32).as_bytes()), Err(CryptoError::BadKeyFormat));
    }

    #[test]
    fn derived_keys_differ_by_salt_and_purpose() {
        let m = Key::from_bytes([1; 32]);
        let a = KeySet::derive(&m, b"salt-a");
        let b = KeySet::derive(&m, b"salt-b");
        assert_ne!(a.check, b.check);
        assert_ne!(a.kek, a.blind);
        assert_ne!(blind(&a.blind, "pin", "x"), blind(&b.blind, "pin", "x"));
        assert_ne!(blind(&a.blind, "pin", "x"), blind(&a.blind, "name", "x"));
    }
}
