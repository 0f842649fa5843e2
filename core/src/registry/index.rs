//! Secondary index keys. PINs, names and birth dates appear only as blind
//! (keyed HMAC) tokens; territories and subject ids carry no personal data.

use super::Registry;
use crate::model::{Child, SubjectId};
use crate::names;
use crate::territory::TerritoryCode;
use std::collections::BTreeSet;

pub(crate) const PIN: u8 = b'P';
pub(crate) const NAME: u8 = b'N';
pub(crate) const MATCH: u8 = b'M';
pub(crate) const BIRTH: u8 = b'D';
pub(crate) const TERRITORY: u8 = b'T';
pub(crate) const SUBJECT_FACT: u8 = b'S';
pub(crate) const FAMILY_CHILD: u8 = b'F';
pub(crate) const CHILD_CASE: u8 = b'C';
pub(crate) const DUE: u8 = b'Q';
pub(crate) const PAIR: u8 = b'G';
/// An open screening signal of a child (sealed rules with the child's key).
pub(crate) const SIGNAL: u8 = b'R';
/// A household of the household book already imported as a family (blind household id).
pub(crate) const HOUSEHOLD: u8 = b'H';

pub(crate) fn blind_key(tag: u8, blind: &[u8; 16], id: &SubjectId) -> Vec<u8> {
    let mut k = Vec::with_capacity(33);
    k.push(tag);
    k.extend_from_slice(blind);
    k.extend_from_slice(&id.0);
    k
}

pub(crate) fn blind_prefix(tag: u8, blind: &[u8; 16]) -> Vec<u8> {
    let mut k = Vec::with_capacity(17);
    k.push(tag);
    k.extend_from_slice(blind);
    k
}

/// The subject id at the end of an index key.
pub(crate) fn trailing_id(key: &[u8]) -> Option<SubjectId> {
    let tail = key.get(key.len().checked_sub(16)?..)?;
    Some(SubjectId(tail.try_into().ok()?))
}

pub(crate) fn territory_prefix(code: &TerritoryCode) -> Vec<u8> {
    let mut k = vec![TERRITORY];
    k.extend_from_slice(code.as_str().as_bytes());
    k.push(0);
    k
}

pub(crate) fn territory_key(code: &TerritoryCode, id: &SubjectId) -> Vec<u8> {
    let mut k = territory_prefix(code);
    k.extend_from_slice(&id.0);
    k
}

pub(crate) fn subject_fact(id: &SubjectId, seq: u64) -> Vec<u8> {
    let mut k = vec![SUBJECT_FACT];
    k.extend_from_slice(&id.0);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

pub(crate) fn family_child(family: &SubjectId, child: &SubjectId) -> Vec<u8> {
    let mut k = vec![FAMILY_CHILD];
    k.extend_from_slice(&family.0);
    k.extend_from_slice(&child.0);
    k
}

pub(crate) fn child_case(child: &SubjectId, case: &SubjectId) -> Vec<u8> {
    let mut k = vec![CHILD_CASE];
    k.extend_from_slice(&child.0);
    k.extend_from_slice(&case.0);
    k
}

/// The folded "surname|given|birth date" key, both name orders.
pub(crate) fn match_values(surname: &str, given: &str, birth: chrono::NaiveDate) -> [String; 2] {
    let (s, g) = (names::fold(surname), names::fold(given));
    [format!("{s}|{g}|{birth}"), format!("{g}|{s}|{birth}")]
}

impl Registry {
    /// Every index key of a child record.
    pub(crate) fn child_index_keys(&self, id: &SubjectId, c: &Child) -> BTreeSet<Vec<u8>> {
        let mut keys = BTreeSet::new();
        if let Some(pin) = &c.pin {
            keys.insert(blind_key(PIN, &self.blind("pin", pin), id));
        }
        let full = c.full_name();
        for token in names::tokens(&full) {
            keys.insert(blind_key(NAME, &self.blind("name", &token), id));
        }
        let (s, g) = (names::fold(&c.surname), names::fold(&c.given_name));
        for pair in [format!("{s}|{g}"), format!("{g}|{s}")] {
            keys.insert(blind_key(PAIR, &self.blind("pair", &pair), id));
        }
        for m in match_values(&c.surname, &c.given_name, c.birth_date) {
            keys.insert(blind_key(MATCH, &self.blind("match", &m), id));
        }
        keys.insert(blind_key(BIRTH, &self.blind("birth", &c.birth_date.to_string()), id));
        keys.insert(territory_key(&c.identified_in, id));
        keys
    }
}
