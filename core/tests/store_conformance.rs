//! The same conformance suite on every backend (DESIGN.md: storage trait + conformance suite).

use kamkor_core::store::{Batch, MemoryStore, SledStore, Store, Tree};

kamkor_core::store_conformance_tests!(memory_backend, MemoryStore::new);
kamkor_core::store_conformance_tests!(sled_backend, || SledStore::temporary().expect("temporary sled"));

#[test]
fn sled_keeps_data_across_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let s = SledStore::open(dir.path()).expect("open");
        let mut b = Batch::new();
        b.put(Tree::Facts, 1u64.to_be_bytes().to_vec(), b"fact".to_vec());
        b.put(Tree::Audit, 1u64.to_be_bytes().to_vec(), b"entry".to_vec());
        s.apply(b).expect("apply");
        s.flush().expect("flush");
    }
    let s = SledStore::open(dir.path()).expect("reopen");
    assert_eq!(s.get(Tree::Facts, &1u64.to_be_bytes()).expect("get"), Some(b"fact".to_vec()));
    assert_eq!(s.len(Tree::Audit).expect("len"), 1);
}
