//! The sled backend: the embedded on-disk default.

use super::{Batch, Pair, SideWrite, Store, StoreError, Tree};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Side records live in `kamkor.<name>` beside sled's own files.
const SIDE_PREFIX: &str = "kamkor.";

/// A registry store in a sled database directory.
#[derive(Debug, Clone)]
pub struct SledStore {
    db: sled::Db,
    trees: Vec<sled::Tree>,
    /// Where the anchor file lives; `None` for a temporary store (anchor kept in memory).
    dir: Option<PathBuf>,
    memory_side: Arc<RwLock<std::collections::HashMap<String, Vec<u8>>>>,
}

fn backend(e: sled::Error) -> StoreError {
    match e {
        sled::Error::Corruption { .. } => StoreError::Corrupt(e.to_string()),
        other => StoreError::Backend(other.to_string()),
    }
}

impl SledStore {
    /// Opens (or creates) a store in a directory.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let config = sled::Config::new().path(path).cache_capacity(128 * 1024 * 1024);
        // sled 0.34 can panic while recovering a damaged log (seen: "tried to serialize
        // Uninitialized" in its snapshot code). A damaged store must be an error the host
        // can report, never a crash, so the panic is contained here.
        // sled releases its file lock from a background thread after the last handle is
        // dropped: a reopen right after a close (same process) waits for it, briefly.
        let mut opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open()));
        for _ in 0..100 {
            match &opened {
                Ok(Err(sled::Error::Io(e))) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open()));
                }
                _ => break,
            }
        }
        let db = match opened {
            Ok(r) => r.map_err(backend)?,
            Err(p) => {
                let what = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                return Err(StoreError::Corrupt(format!("the store could not be recovered: {what}")));
            }
        };
        Self::from_db(db, Some(path.to_path_buf()))
    }

    /// A store in a temporary directory, removed when dropped (for tests).
    pub fn temporary() -> Result<Self, StoreError> {
        let db = sled::Config::new().temporary(true).open().map_err(backend)?;
        Self::from_db(db, None)
    }

    fn from_db(db: sled::Db, dir: Option<PathBuf>) -> Result<Self, StoreError> {
        let trees = Tree::ALL.iter().map(|t| db.open_tree(t.name())).collect::<Result<Vec<_>, _>>().map_err(backend)?;
        Ok(SledStore { db, trees, dir, memory_side: Arc::default() })
    }

    fn tree(&self, tree: Tree) -> &sled::Tree {
        // `trees` holds one entry per `Tree::ALL`, in that order.
        let i = Tree::ALL.iter().position(|t| *t == tree).unwrap_or(0);
        &self.trees[i]
    }

    /// Bytes the database occupies on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(backend)
    }
}

impl Store for SledStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree(tree).get(key).map_err(backend)?.map(|v| v.to_vec()))
    }

    fn scan(&self, tree: Tree, prefix: &[u8], start: &[u8], limit: usize) -> Result<Vec<Pair>, StoreError> {
        let from = if start >= prefix { start } else { prefix };
        let mut out = Vec::new();
        for item in self.tree(tree).range(from.to_vec()..) {
            let (k, v) = item.map_err(backend)?;
            if !k.starts_with(prefix) || out.len() >= limit {
                break;
            }
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }

    fn last(&self, tree: Tree) -> Result<Option<Pair>, StoreError> {
        Ok(self.tree(tree).last().map_err(backend)?.map(|(k, v)| (k.to_vec(), v.to_vec())))
    }

    fn len(&self, tree: Tree) -> Result<usize, StoreError> {
        Ok(self.tree(tree).len())
    }

    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        // One tree: sled applies a batch to one tree atomically, without a transaction.
        if batch.ops.iter().all(|o| o.tree == batch.ops[0].tree) {
            let mut b = sled::Batch::default();
            for op in &batch.ops {
                match &op.value {
                    Some(v) => b.insert(op.key.as_slice(), v.as_slice()),
                    None => b.remove(op.key.as_slice()),
                }
            }
            return self.tree(batch.ops[0].tree).apply_batch(b).map_err(backend);
        }
        // Group by tree, then one multi-tree transaction over the trees touched.
        let mut touched: Vec<Tree> = batch.ops.iter().map(|o| o.tree).collect();
        touched.sort();
        touched.dedup();
        let handles: Vec<&sled::Tree> = touched.iter().map(|t| self.tree(*t)).collect();
        let result: Result<(), TransactionError<StoreError>> = handles.as_slice().transaction(|txs| {
            for op in &batch.ops {
                let i = touched.iter().position(|t| *t == op.tree).ok_or_else(|| {
                    ConflictableTransactionError::Abort(StoreError::Backend("tree not in transaction".into()))
                })?;
                match &op.value {
                    Some(v) => {
                        txs[i].insert(op.key.as_slice(), v.as_slice())?;
                    }
                    None => {
                        txs[i].remove(op.key.as_slice())?;
                    }
                }
            }
            Ok(())
        });
        match result {
            Ok(()) => Ok(()),
            Err(TransactionError::Abort(e)) => Err(e),
            Err(TransactionError::Storage(e)) => Err(backend(e)),
        }
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(backend)
    }

    fn put_side(&self, name: &str, data: &[u8], how: SideWrite) -> Result<(), StoreError> {
        let Some(dir) = &self.dir else {
            let mut m = self.memory_side.write().map_err(|_| StoreError::Backend("side lock".into()))?;
            m.insert(name.to_string(), data.to_vec());
            return Ok(());
        };
        let path = dir.join(format!("{SIDE_PREFIX}{name}"));
        match how {
            SideWrite::Atomic => super::side_file::replace(&path, data),
            SideWrite::Overwrite => super::side_file::overwrite(&path, data),
        }
    }

    fn get_side(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(dir) = &self.dir else {
            return Ok(self
                .memory_side
                .read()
                .map_err(|_| StoreError::Backend("side lock".into()))?
                .get(name)
                .cloned());
        };
        super::side_file::read(&dir.join(format!("{SIDE_PREFIX}{name}")))
    }
}
