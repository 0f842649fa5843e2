//! The keyring: every subject's data key is wrapped under a *generation secret* kept
//! outside the store's log (a side record overwritten in place). Erasure deletes the
//! wrapped keys and then rotates the generation: surviving keys are re-wrapped under a
//! new secret and the old secret is overwritten, so a wrapped key left behind in an old
//! log segment can no longer be opened, even with the master key (ADR 0001).

use super::{st, Registry};
use crate::crypto::{self, Key};
use crate::model::SubjectId;
use crate::store::{Batch, SideWrite, Store, Tree};
use crate::{Error, ErrorCode};
use rand_core::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The side record holding the generation secrets.
pub(crate) const SIDE: &str = "keyring";
const AAD: &[u8] = b"kamkor/v1/keyring";

#[derive(Serialize, Deserialize)]
struct Stored {
    /// Generation number -> secret (hex).
    generations: BTreeMap<u32, String>,
    current: u32,
}

/// The wrapping keys in memory.
#[derive(Clone, Debug, Default)]
pub(crate) struct Keyring {
    current: u32,
    keys: BTreeMap<u32, Key>,
}

fn wrapping_key(kek: &Key, secret: &[u8; 32]) -> Key {
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(kek.as_bytes()), secret);
    let mut out = [0u8; 32];
    let _ = hk.expand(b"kamkor/v1/keyring-generation", &mut out);
    Key::from_bytes(out)
}

fn damaged(detail: &str) -> Error {
    Error::new(ErrorCode::Storage, "STORE_DAMAGED").arg("detail", detail)
}

/// Starts a fresh keyring (a new registry).
pub(crate) fn create(store: &dyn Store, kek: &Key, rng: &mut dyn RngCore) -> Result<Keyring, Error> {
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    save(store, kek, &BTreeMap::from([(1, secret)]), 1, rng)?;
    Ok(Keyring { current: 1, keys: BTreeMap::from([(1, wrapping_key(kek, &secret))]) })
}

/// Loads the keyring; creates the first generation in a store without keys.
pub(crate) fn load(store: &dyn Store, kek: &Key, rng: &mut dyn RngCore) -> Result<Keyring, Error> {
    match store.get_side(SIDE).map_err(st)? {
        Some(sealed) => {
            let plain = crypto::open(kek, AAD, &sealed).map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
            let stored: Stored = serde_json::from_slice(&plain).map_err(|_| damaged("keyring"))?;
            let mut keys = BTreeMap::new();
            for (g, hex_secret) in &stored.generations {
                let mut s = [0u8; 32];
                hex::decode_to_slice(hex_secret, &mut s).map_err(|_| damaged("keyring"))?;
                keys.insert(*g, wrapping_key(kek, &s));
            }
            if !keys.contains_key(&stored.current) {
                return Err(damaged("keyring"));
            }
            Ok(Keyring { current: stored.current, keys })
        }
        None if store.len(Tree::Keys).map_err(st)? == 0 => create(store, kek, rng),
        None => Err(damaged("keyring missing")),
    }
}

fn save(
    store: &dyn Store,
    kek: &Key,
    secrets: &BTreeMap<u32, [u8; 32]>,
    current: u32,
    rng: &mut dyn RngCore,
) -> Result<(), Error> {
    let stored = Stored { generations: secrets.iter().map(|(g, s)| (*g, hex::encode(s))).collect(), current };
    let plain = serde_json::to_vec(&stored).map_err(st)?;
    let mut rng = CryptoAdapter(rng);
    let sealed = crypto::seal(kek, AAD, &plain, &mut rng);
    store.put_side(SIDE, &sealed, SideWrite::Overwrite).map_err(st)
}

/// `rand_core` wants a `CryptoRng`; the registry's entropy is one, behind a `dyn RngCore`.
/// (Only ever wraps the registry's `Entropy`, which is cryptographically secure.)
pub(crate) struct CryptoAdapter<'a>(pub &'a mut dyn RngCore);
impl RngCore for CryptoAdapter<'_> {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.0.try_fill_bytes(dest)
    }
}
impl rand_core::CryptoRng for CryptoAdapter<'_> {}

impl Keyring {
    /// Wraps a data key under the current generation: `u32 generation | sealed key`.
    pub(crate) fn wrap(&self, id: &SubjectId, key: &Key, rng: &mut dyn RngCore) -> Vec<u8> {
        let mut out = self.current.to_be_bytes().to_vec();
        if let Some(k) = self.keys.get(&self.current) {
            out.extend_from_slice(&crypto::seal(k, &id.0, key.as_bytes(), &mut CryptoAdapter(rng)));
        }
        out
    }

    /// Unwraps a data key.
    pub(crate) fn unwrap(&self, id: &SubjectId, wrapped: &[u8]) -> Result<Key, Error> {
        let bad = || Error::new(ErrorCode::Crypto, "DATA_DAMAGED");
        let (g, sealed) = wrapped.split_at_checked(4).ok_or_else(bad)?;
        let g = u32::from_be_bytes(g.try_into().map_err(|_| bad())?);
        let k = self.keys.get(&g).ok_or_else(bad)?;
        let raw = crypto::open(k, &id.0, sealed).map_err(|_| bad())?;
        Ok(Key::from_bytes(raw.as_slice().try_into().map_err(|_| bad())?))
    }
}

/// Forensic check of erasure: counts the places in raw bytes (say, every file of a store)
/// where a data key of `subject` can be unwrapped with a keyring record (the sealed side
/// record as stored) and the master key. After retention this must be zero with the
/// keyring the store now holds.
pub fn recoverable_keys(
    raw: &[u8],
    master: &Key,
    registry_salt: &[u8],
    keyring_record: &[u8],
    subject: &SubjectId,
) -> Result<usize, Error> {
    let keys = crypto::KeySet::derive(master, registry_salt);
    let plain = crypto::open(&keys.kek, AAD, keyring_record).map_err(|_| Error::new(ErrorCode::Crypto, "WRONG_KEY"))?;
    let stored: Stored = serde_json::from_slice(&plain).map_err(|_| damaged("keyring"))?;
    let mut found = 0;
    const WRAPPED: usize = 24 + 32 + 16;
    for (g, h) in &stored.generations {
        let mut s = [0u8; 32];
        hex::decode_to_slice(h, &mut s).map_err(|_| damaged("keyring"))?;
        let k = wrapping_key(&keys.kek, &s);
        let tag = g.to_be_bytes();
        for i in 0..raw.len().saturating_sub(4 + WRAPPED - 1) {
            if raw[i..i + 4] == tag && crypto::open(&k, &subject.0, &raw[i + 4..i + 4 + WRAPPED]).is_ok() {
                found += 1;
            }
        }
    }
    Ok(found)
}

/// What a rotation did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Rotation {
    /// The generation now in force.
    pub generation: u32,
    /// Data keys re-wrapped.
    pub rewrapped: u64,
}

impl Registry {
    /// Re-wraps every data key under a new generation and destroys the older secrets.
    /// Crash-safe: the new secret is recorded before any key uses it, and old secrets are
    /// destroyed only after every key was re-wrapped and flushed.
    pub(crate) fn rotate_keyring(&self) -> Result<Rotation, Error> {
        let mut inner = self.lock()?;
        let mut ring = self.keyring.write().map_err(|_| Error::storage("keyring lock"))?;
        let old = ring.clone();
        let mut secret = [0u8; 32];
        inner.rng.fill_bytes(&mut secret);
        let next = old.current + 1;
        let new_key = wrapping_key(&self.keys.kek, &secret);
        // 1. Record old and new secrets together (the old ones are needed until the end).
        let old_secrets = self.secrets()?;
        let mut both = old_secrets.clone();
        both.insert(next, secret);
        save(self.store.as_ref(), &self.keys.kek, &both, old.current, &mut inner.rng)?;
        // 2. Re-wrap every key, page by page.
        let mut staged = old.clone();
        staged.keys.insert(next, new_key.clone());
        staged.current = next;
        let mut rewrapped = 0u64;
        let mut start = Vec::new();
        loop {
            let page = self.store.scan(Tree::Keys, b"", &start, 4096).map_err(st)?;
            let n = page.len();
            let mut batch = Batch::new();
            for (k, v) in &page {
                let id = SubjectId(k.as_slice().try_into().map_err(|_| damaged("key id"))?);
                let dek = old.unwrap(&id, v)?;
                batch.put(Tree::Keys, k.clone(), staged.wrap(&id, &dek, &mut inner.rng));
                rewrapped += 1;
            }
            self.store.apply(batch).map_err(st)?;
            match page.last() {
                Some((k, _)) if n == 4096 => {
                    start = k.clone();
                    start.push(0);
                }
                _ => break,
            }
        }
        self.store.flush().map_err(st)?;
        // 3. Keep only the new secret: the older ones are overwritten in place.
        save(self.store.as_ref(), &self.keys.kek, &BTreeMap::from([(next, secret)]), next, &mut inner.rng)?;
        *ring = Keyring { current: next, keys: BTreeMap::from([(next, new_key)]) };
        Ok(Rotation { generation: next, rewrapped })
    }

    /// The raw secrets of the stored keyring (for rotation).
    fn secrets(&self) -> Result<BTreeMap<u32, [u8; 32]>, Error> {
        let sealed = self.store.get_side(SIDE).map_err(st)?.ok_or_else(|| damaged("keyring missing"))?;
        let plain =
            crypto::open(&self.keys.kek, AAD, &sealed).map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
        let stored: Stored = serde_json::from_slice(&plain).map_err(|_| damaged("keyring"))?;
        let mut out = BTreeMap::new();
        for (g, h) in stored.generations {
            let mut s = [0u8; 32];
            hex::decode_to_slice(&h, &mut s).map_err(|_| damaged("keyring"))?;
            out.insert(g, s);
        }
        Ok(out)
    }
}
