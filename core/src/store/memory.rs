//! The in-memory backend: for WASM, tests and throwaway registries.

use super::{Batch, Pair, SideWrite, Store, StoreError, Tree};
use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

type Trees = HashMap<Tree, BTreeMap<Vec<u8>, Vec<u8>>>;

/// A store held in memory (lost when dropped; save it with a backup).
#[derive(Debug, Default)]
pub struct MemoryStore {
    trees: RwLock<Trees>,
    side: RwLock<HashMap<String, Vec<u8>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Backend("memory store lock poisoned".into())
}

impl Store for MemoryStore {
    fn get(&self, tree: Tree, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let trees = self.trees.read().map_err(poisoned)?;
        Ok(trees.get(&tree).and_then(|t| t.get(key).cloned()))
    }

    fn scan(&self, tree: Tree, prefix: &[u8], start: &[u8], limit: usize) -> Result<Vec<Pair>, StoreError> {
        let trees = self.trees.read().map_err(poisoned)?;
        let Some(t) = trees.get(&tree) else { return Ok(Vec::new()) };
        let from = if start >= prefix { start } else { prefix };
        Ok(t.range(from.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn last(&self, tree: Tree) -> Result<Option<Pair>, StoreError> {
        let trees = self.trees.read().map_err(poisoned)?;
        Ok(trees.get(&tree).and_then(|t| t.iter().next_back().map(|(k, v)| (k.clone(), v.clone()))))
    }

    fn len(&self, tree: Tree) -> Result<usize, StoreError> {
        let trees = self.trees.read().map_err(poisoned)?;
        Ok(trees.get(&tree).map_or(0, BTreeMap::len))
    }

    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        // One write lock for the whole batch: readers see all of it or none.
        let mut trees = self.trees.write().map_err(poisoned)?;
        for op in batch.ops {
            let t = trees.entry(op.tree).or_default();
            match op.value {
                Some(v) => {
                    t.insert(op.key, v);
                }
                None => {
                    t.remove(&op.key);
                }
            }
        }
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn put_side(&self, name: &str, data: &[u8], _how: SideWrite) -> Result<(), StoreError> {
        self.side.write().map_err(poisoned)?.insert(name.to_string(), data.to_vec());
        Ok(())
    }

    fn get_side(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.side.read().map_err(poisoned)?.get(name).cloned())
    }
}
