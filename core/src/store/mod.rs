//! Storage behind a trait: ordered key-value trees with atomic multi-tree batches.
//!
//! Domain modules never touch a backend: the registry encodes facts, state,
//! indexes and the audit chain into [`Tree`]s and applies every change as one
//! [`Batch`], so a registry is never left half-updated. Backends: [`MemoryStore`]
//! (WASM, tests) and `SledStore` (the embedded default, feature `sled`). Both
//! pass the same conformance suite ([`store_conformance_tests!`](crate::store_conformance_tests)).

#[doc(hidden)]
pub mod conformance;
mod memory;
#[cfg(feature = "sled")]
mod side_file;
#[cfg(feature = "sled")]
mod sled_store;

pub use memory::MemoryStore;
#[cfg(feature = "sled")]
pub use sled_store::SledStore;

/// The named trees of a registry store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tree {
    /// Registry metadata: format version, salt, key check, origin, profile, audit head,
    /// loaded territory classifiers (`classifier/…`).
    Meta,
    /// The append-only fact log, keyed by sequence (big-endian u64).
    Facts,
    /// Current state per subject (derived from facts; rebuildable).
    State,
    /// Secondary indexes, by first byte: `P` blind PIN, `N` blind name token, `M` blind
    /// folded name + birth date, `D` blind birth date, `T` territory, `S` subject's facts,
    /// `F` family's children, `C` child's cases, `Q` due items by territory and time.
    Index,
    /// The hash-chained audit log, keyed by sequence.
    Audit,
    /// User accounts (sealed) and their login index.
    Users,
    /// Sign-in sessions.
    Sessions,
    /// Wrapped per-subject data keys: destroying one erases a subject.
    Keys,
    /// Depersonalized statistical records and per-territory counters (sealed with the stats key).
    Stats,
}

impl Tree {
    /// Every tree, in a fixed order (used by backups).
    pub const ALL: [Tree; 8] =
        [Tree::Meta, Tree::Facts, Tree::State, Tree::Index, Tree::Audit, Tree::Users, Tree::Sessions, Tree::Keys];
    /// The tree's stable name.
    pub fn name(self) -> &'static str {
        match self {
            Tree::Meta => "meta",
            Tree::Facts => "facts",
            Tree::State => "state",
            Tree::Index => "index",
            Tree::Audit => "audit",
            Tree::Users => "users",
            Tree::Sessions => "sessions",
            Tree::Keys => "keys",
            Tree::Stats => "stats",
        }
    }
    /// The tree of a stable name.
    pub fn from_name(name: &str) -> Option<Tree> {
        Tree::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// One write: a value to put, or `None` to remove the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Op {
    /// The tree written.
    pub tree: Tree,
    /// The key.
    pub key: Vec<u8>,
    /// The new value, or `None` to delete.
    pub value: Option<Vec<u8>>,
}

/// Writes applied all together or not at all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// The writes, applied in order.
    pub ops: Vec<Op>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Batch::default()
    }
    /// Adds a put.
    pub fn put(&mut self, tree: Tree, key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) {
        self.ops.push(Op { tree, key: key.into(), value: Some(value.into()) });
    }
    /// Adds a delete.
    pub fn delete(&mut self, tree: Tree, key: impl Into<Vec<u8>>) {
        self.ops.push(Op { tree, key: key.into(), value: None });
    }
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
    /// Appends another batch.
    pub fn extend(&mut self, other: Batch) {
        self.ops.extend(other.ops);
    }
}

/// How a side record replaces its previous content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SideWrite {
    /// A new copy replaces the old one atomically (the old bytes may linger on disk).
    Atomic,
    /// The old bytes are overwritten in place, crash-safely (two slots written in turn):
    /// for secrets whose old values must not survive.
    Overwrite,
}

/// Errors of a storage backend.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The backend failed (I/O, lock, corruption detected by the backend).
    #[error("storage backend: {0}")]
    Backend(String),
    /// The store is damaged.
    #[error("store damaged: {0}")]
    Corrupt(String),
}

/// A key-value pair.
pub type Pair = (Vec<u8>, Vec<u8>);

/// An ordered key-value store with named trees.
pub trait Store: Send + Sync {
    /// The value under a key.
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Up to `limit` pairs with keys `>= start` that begin with `prefix`, in key order.
    fn scan(&self, tree: Tree, prefix: &[u8], start: &[u8], limit: usize) -> Result<Vec<Pair>, StoreError>;
    /// The pair with the greatest key.
    fn last(&self, tree: Tree) -> Result<Option<Pair>, StoreError>;
    /// The number of keys in a tree.
    fn len(&self, tree: Tree) -> Result<usize, StoreError>;
    /// Applies every write of the batch atomically.
    fn apply(&self, batch: Batch) -> Result<(), StoreError>;
    /// Makes applied batches durable.
    fn flush(&self) -> Result<(), StoreError>;

    /// Keeps a small named record outside the backend's own log: the audit anchor (a log
    /// that can lose its tail silently must not hold it) and the keyring secret (which must
    /// be destroyable for real, which a log-structured store cannot promise).
    fn put_side(&self, name: &str, data: &[u8], how: SideWrite) -> Result<(), StoreError>;
    /// A record written by [`Store::put_side`], if any.
    fn get_side(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Records the audit anchor (atomically replaced).
    fn write_anchor(&self, anchor: &[u8]) -> Result<(), StoreError> {
        self.put_side("anchor", anchor, SideWrite::Atomic)
    }
    /// The audit anchor, if any.
    fn read_anchor(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.get_side("anchor")
    }

    /// Every pair with a prefix (convenience over [`Store::scan`]).
    fn scan_prefix(&self, tree: Tree, prefix: &[u8]) -> Result<Vec<Pair>, StoreError> {
        self.scan(tree, prefix, prefix, usize::MAX)
    }
}

/// Calls `f` on every pair of a tree with a prefix, in pages, without loading the tree at once.
pub fn for_each(
    store: &dyn Store,
    tree: Tree,
    prefix: &[u8],
    mut f: impl FnMut(&[u8], &[u8]) -> Result<(), crate::Error>,
) -> Result<(), crate::Error> {
    const PAGE: usize = 4096;
    let mut start = prefix.to_vec();
    loop {
        let page = store.scan(tree, prefix, &start, PAGE).map_err(crate::Error::storage)?;
        let n = page.len();
        for (k, v) in &page {
            f(k, v)?;
        }
        match page.last() {
            Some((k, _)) if n == PAGE => {
                start = k.clone();
                start.push(0);
            }
            _ => return Ok(()),
        }
    }
}
