//! The conformance suite every [`Store`](super::Store) backend runs.
//!
//! ```ignore
//! kamkor_core::store_conformance_tests!(memory, || kamkor_core::store::MemoryStore::new());
//! ```

use super::{Batch, Store, Tree};

/// Runs every conformance check against a fresh store from `make`.
#[doc(hidden)]
pub fn check_all<S: Store>(make: impl Fn() -> S) {
    get_put_delete(&make());
    trees_are_isolated(&make());
    scan_is_ordered_prefixed_and_paged(&make());
    last_and_len(&make());
    batch_is_all_or_nothing_visible(&make());
    binary_keys_and_empty_values(&make());
    anchor_roundtrip(&make());
}

fn anchor_roundtrip(s: &dyn Store) {
    assert_eq!(s.read_anchor().expect("read"), None);
    s.write_anchor(b"head-1").expect("write");
    s.write_anchor(b"head-2").expect("write");
    assert_eq!(s.read_anchor().expect("read"), Some(b"head-2".to_vec()));
    // Overwritten side records: the latest content wins, of any length up to a slot.
    assert_eq!(s.get_side("secret").expect("read"), None);
    s.put_side("secret", &[1u8; 100], super::SideWrite::Overwrite).expect("write");
    s.put_side("secret", b"short", super::SideWrite::Overwrite).expect("write");
    assert_eq!(s.get_side("secret").expect("read"), Some(b"short".to_vec()));
    assert_eq!(s.read_anchor().expect("read"), Some(b"head-2".to_vec()), "records are separate");
}

fn get_put_delete(s: &dyn Store) {
    assert_eq!(s.get(Tree::Meta, b"k").expect("get"), None);
    let mut b = Batch::new();
    b.put(Tree::Meta, b"k".to_vec(), b"v1".to_vec());
    s.apply(b).expect("apply");
    assert_eq!(s.get(Tree::Meta, b"k").expect("get"), Some(b"v1".to_vec()));
    let mut b = Batch::new();
    b.put(Tree::Meta, b"k".to_vec(), b"v2".to_vec());
    s.apply(b).expect("apply");
    assert_eq!(s.get(Tree::Meta, b"k").expect("get"), Some(b"v2".to_vec()));
    let mut b = Batch::new();
    b.delete(Tree::Meta, b"k".to_vec());
    s.apply(b).expect("apply");
    assert_eq!(s.get(Tree::Meta, b"k").expect("get"), None);
    s.flush().expect("flush");
}

fn trees_are_isolated(s: &dyn Store) {
    let mut b = Batch::new();
    for t in Tree::ALL {
        b.put(t, b"same".to_vec(), t.name().as_bytes().to_vec());
    }
    s.apply(b).expect("apply");
    for t in Tree::ALL {
        assert_eq!(s.get(t, b"same").expect("get"), Some(t.name().as_bytes().to_vec()));
        assert_eq!(s.len(t).expect("len"), 1);
    }
}

fn scan_is_ordered_prefixed_and_paged(s: &dyn Store) {
    let mut b = Batch::new();
    for i in (0u32..50).rev() {
        b.put(Tree::Index, [b"a/".as_slice(), &i.to_be_bytes()].concat(), i.to_string().into_bytes());
    }
    b.put(Tree::Index, b"a".to_vec(), b"no".to_vec());
    b.put(Tree::Index, b"b/0".to_vec(), b"no".to_vec());
    s.apply(b).expect("apply");
    let all = s.scan_prefix(Tree::Index, b"a/").expect("scan");
    assert_eq!(all.len(), 50);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0), "scan must be in key order");
    let page = s.scan(Tree::Index, b"a/", &all[10].0, 5).expect("scan");
    assert_eq!(page.len(), 5);
    assert_eq!(page[0].0, all[10].0);
    let before_prefix = s.scan(Tree::Index, b"a/", b"", 3).expect("scan");
    assert_eq!(before_prefix[0].0, all[0].0, "a start below the prefix starts at the prefix");
    let mut n = 0;
    super::for_each(s, Tree::Index, b"a/", |_, _| {
        n += 1;
        Ok(())
    })
    .expect("for_each");
    assert_eq!(n, 50);
    assert!(s.scan_prefix(Tree::Index, b"zz").expect("scan").is_empty());
}

fn last_and_len(s: &dyn Store) {
    assert_eq!(s.last(Tree::Audit).expect("last"), None);
    assert_eq!(s.len(Tree::Audit).expect("len"), 0);
    let mut b = Batch::new();
    for i in [3u64, 1, 2, 300] {
        b.put(Tree::Audit, i.to_be_bytes().to_vec(), vec![i as u8]);
    }
    s.apply(b).expect("apply");
    assert_eq!(s.last(Tree::Audit).expect("last").map(|p| p.0), Some(300u64.to_be_bytes().to_vec()));
    assert_eq!(s.len(Tree::Audit).expect("len"), 4);
}

fn batch_is_all_or_nothing_visible(s: &dyn Store) {
    let mut b = Batch::new();
    b.put(Tree::Facts, b"f1".to_vec(), b"x".to_vec());
    b.put(Tree::State, b"s1".to_vec(), b"y".to_vec());
    b.put(Tree::Facts, b"f1".to_vec(), b"x2".to_vec());
    b.delete(Tree::State, b"missing".to_vec());
    s.apply(b).expect("apply");
    assert_eq!(s.get(Tree::Facts, b"f1").expect("get"), Some(b"x2".to_vec()), "later ops win");
    assert_eq!(s.get(Tree::State, b"s1").expect("get"), Some(b"y".to_vec()));
    s.apply(Batch::new()).expect("empty batch");
}

fn binary_keys_and_empty_values(s: &dyn Store) {
    let key = vec![0u8, 255, 0, 1];
    let mut b = Batch::new();
    b.put(Tree::Keys, key.clone(), Vec::new());
    s.apply(b).expect("apply");
    assert_eq!(s.get(Tree::Keys, &key).expect("get"), Some(Vec::new()));
}

/// Declares a test module running the conformance suite on a backend.
#[macro_export]
macro_rules! store_conformance_tests {
    ($name:ident, $make:expr) => {
        #[test]
        fn $name() {
            $crate::store::conformance::check_all($make);
        }
    };
}
