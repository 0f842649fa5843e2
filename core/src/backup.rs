//! Backup to one file and restore from it (ACC-9).
//!
//! Format (version 1), all integers big-endian:
//! `"KAMKOR-BACKUP\n"` · `u32` format · records `u8 tree · u32 key length · key · u32 value length · value`
//! (tree 255: a side record, the key being its name — the sealed keyring) · `u8 0` (end)
//! · SHA-256 of everything before it (32 bytes).
//! Personal data stay sealed inside, so a backup is as unreadable without the
//! master key as the store. Sessions are not backed up.

use crate::registry::{AuditDraft, Env, Registry, Session};
use crate::store::{Batch, MemoryStore, Store, Tree};
use crate::{crypto, Error, ErrorCode, Key};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::sync::Arc;

const MAGIC: &[u8] = b"KAMKOR-BACKUP\n";
const FORMAT: u32 = 1;

/// What a backup or restore handled.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BackupSummary {
    /// Records written or read.
    pub records: u64,
    /// Bytes of the file.
    pub bytes: u64,
    /// SHA-256 of the file's content (hex), for the owner's register of backups.
    pub sha256: String,
}

fn tree_tag(t: Tree) -> u8 {
    Tree::ALL.iter().position(|x| *x == t).map_or(0, |i| i as u8 + 1)
}

fn io(e: std::io::Error) -> Error {
    Error::new(ErrorCode::Storage, "BACKUP_IO").arg("detail", e)
}

struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    fn put(&mut self, data: &[u8]) -> Result<(), Error> {
        self.hash.update(data);
        self.bytes += data.len() as u64;
        self.inner.write_all(data).map_err(io)
    }
}

impl Registry {
    /// Writes a backup of the whole registry (needs `backup`). Audited.
    pub fn backup(&self, session: &Session, out: &mut dyn Write) -> Result<BackupSummary, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, crate::profile::Action::Backup, None, "backup", None)?;
        // The audit entry goes in first so that the backup contains its own record.
        self.audit(AuditDraft::allowed(&actor.user.id, "backup", None))?;
        let summary = write_backup(self.store().as_ref(), out)?;
        Ok(summary)
    }

    /// Restores a backup into an empty store: checks the file's integrity, the master key
    /// and the audit chain before writing anything. A damaged backup changes nothing.
    pub fn restore(
        target: Arc<dyn Store>,
        input: &mut dyn Read,
        master: &Key,
        env: Env,
    ) -> Result<(Registry, BackupSummary), Error> {
        if Tree::ALL.iter().any(|t| target.len(*t).map(|n| n > 0).unwrap_or(true)) {
            return Err(Error::new(ErrorCode::Conflict, "STORE_NOT_EMPTY"));
        }
        let (staging, summary) = read_backup(input)?;
        // Open the staged copy: checks format and key, then the audit chain.
        let staged = Registry::open(staging.clone(), master, Env::seeded(env.clock.clone(), 0))?;
        let report = staged.verify_audit_chain()?;
        if !report.ok {
            return Err(Error::new(ErrorCode::Storage, "BACKUP_DAMAGED")
                .arg("detail", format!("audit chain breaks at {}", report.first_break.map_or(0, |b| b.at))));
        }
        drop(staged);
        let mut batch = Batch::new();
        for t in Tree::ALL {
            for (k, v) in staging.scan_prefix(t, b"").map_err(Error::storage)? {
                batch.put(t, k, v);
            }
        }
        for name in SIDES {
            if let Some(v) = staging.get_side(name).map_err(Error::storage)? {
                target.put_side(name, &v, crate::store::SideWrite::Overwrite).map_err(Error::storage)?;
            }
        }
        target.apply(batch).map_err(Error::storage)?;
        target.flush().map_err(Error::storage)?;
        let reg = Registry::open(target, master, env)?;
        reg.audit(AuditDraft {
            actor: None,
            action: "restore".into(),
            target: None,
            outcome: crate::audit::Outcome::Allowed,
            detail: Some(format!("sha256={}", summary.sha256)),
        })?;
        Ok((reg, summary))
    }
}

const SIDE_TAG: u8 = 255;
/// Side records carried by a backup.
const SIDES: [&str; 1] = ["keyring"];

/// Writes every tree but sessions, and the keyring side record.
pub fn write_backup(store: &dyn Store, out: &mut dyn Write) -> Result<BackupSummary, Error> {
    let mut w = Hashing { inner: out, hash: Sha256::new(), bytes: 0 };
    w.put(MAGIC)?;
    w.put(&FORMAT.to_be_bytes())?;
    let mut records = 0u64;
    for t in Tree::ALL.into_iter().filter(|t| *t != Tree::Sessions) {
        let mut err = None;
        crate::store::for_each(store, t, b"", |k, v| {
            let mut rec = Vec::with_capacity(9 + k.len() + v.len());
            rec.push(tree_tag(t));
            rec.extend_from_slice(&(k.len() as u32).to_be_bytes());
            rec.extend_from_slice(k);
            rec.extend_from_slice(&(v.len() as u32).to_be_bytes());
            rec.extend_from_slice(v);
            if let Err(e) = w.put(&rec) {
                err = Some(e);
            }
            records += 1;
            Ok(())
        })?;
        if let Some(e) = err {
            return Err(e);
        }
    }
    for name in SIDES {
        if let Some(v) = store.get_side(name).map_err(Error::storage)? {
            let mut rec = vec![SIDE_TAG];
            rec.extend_from_slice(&(name.len() as u32).to_be_bytes());
            rec.extend_from_slice(name.as_bytes());
            rec.extend_from_slice(&(v.len() as u32).to_be_bytes());
            rec.extend_from_slice(&v);
            w.put(&rec)?;
            records += 1;
        }
    }
    w.put(&[0])?;
    let digest: [u8; 32] = w.hash.clone().finalize().into();
    w.inner.write_all(&digest).map_err(io)?;
    w.inner.flush().map_err(io)?;
    Ok(BackupSummary { records, bytes: w.bytes + 32, sha256: hex::encode(digest) })
}

fn damaged(detail: &str) -> Error {
    Error::new(ErrorCode::Storage, "BACKUP_DAMAGED").arg("detail", detail)
}

/// Reads and checks a backup into a memory store.
pub fn read_backup(input: &mut dyn Read) -> Result<(Arc<dyn Store>, BackupSummary), Error> {
    let mut all = Vec::new();
    input.read_to_end(&mut all).map_err(io)?;
    if all.len() < MAGIC.len() + 4 + 1 + 32 || !all.starts_with(MAGIC) {
        return Err(damaged("not a kamkor backup"));
    }
    let (body, digest) = all.split_at(all.len() - 32);
    if crypto::sha256(body).as_slice() != digest {
        return Err(damaged("checksum mismatch"));
    }
    let mut pos = MAGIC.len();
    let format = u32::from_be_bytes(body[pos..pos + 4].try_into().map_err(|_| damaged("format"))?);
    if format != FORMAT {
        return Err(Error::new(ErrorCode::Storage, "BACKUP_FORMAT").arg("found", format));
    }
    pos += 4;
    let take = |pos: &mut usize, n: usize| -> Result<&[u8], Error> {
        let s = body.get(*pos..*pos + n).ok_or_else(|| damaged("truncated"))?;
        *pos += n;
        Ok(s)
    };
    let store = MemoryStore::new();
    let mut batch = Batch::new();
    let mut records = 0u64;
    loop {
        let tag = take(&mut pos, 1)?[0];
        if tag == 0 {
            break;
        }
        let kl = u32::from_be_bytes(take(&mut pos, 4)?.try_into().map_err(|_| damaged("length"))?) as usize;
        let k = take(&mut pos, kl)?.to_vec();
        let vl = u32::from_be_bytes(take(&mut pos, 4)?.try_into().map_err(|_| damaged("length"))?) as usize;
        let v = take(&mut pos, vl)?.to_vec();
        if tag == SIDE_TAG {
            let name = std::str::from_utf8(&k).map_err(|_| damaged("side record"))?;
            if !SIDES.contains(&name) {
                return Err(damaged("side record"));
            }
            store.put_side(name, &v, crate::store::SideWrite::Overwrite).map_err(Error::storage)?;
        } else {
            let tree = Tree::ALL.get(tag as usize - 1).copied().ok_or_else(|| damaged("tree"))?;
            batch.put(tree, k, v);
        }
        records += 1;
    }
    if pos != body.len() {
        return Err(damaged("trailing data"));
    }
    store.apply(batch).map_err(Error::storage)?;
    Ok((Arc::new(store), BackupSummary { records, bytes: all.len() as u64, sha256: hex::encode(digest) }))
}
