//! Small files beside the sled database: replaced atomically (the audit anchor) or
//! overwritten in place (the keyring secret, whose old value must not survive).
//!
//! An overwritten file has two slots of [`SLOT`] bytes; each holds `magic, sequence,
//! length, data, SHA-256`. A write fills the slot not holding the newest copy, syncs,
//! then fills the other one with the same content and syncs again: a torn write leaves
//! one valid slot, and after both writes no slot holds the old value.

use super::StoreError;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Size of one slot; side records are small.
pub const SLOT: usize = 4096;
const MAGIC: &[u8; 4] = b"KSD1";
const HEADER: usize = 4 + 8 + 4;

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |e| StoreError::Backend(format!("{}: {e}", path.display()))
}

/// Replaces a file with new content atomically (write a new file, sync, rename).
pub fn replace(path: &Path, data: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(data).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io(path))
}

fn slot_bytes(seq: u64, data: &[u8]) -> Vec<u8> {
    let mut s = Vec::with_capacity(SLOT);
    s.extend_from_slice(MAGIC);
    s.extend_from_slice(&seq.to_be_bytes());
    s.extend_from_slice(&(data.len() as u32).to_be_bytes());
    s.extend_from_slice(data);
    s.extend_from_slice(&crate::crypto::sha256(&s));
    s.resize(SLOT, 0);
    s
}

fn parse_slot(slot: &[u8]) -> Option<(u64, Vec<u8>)> {
    if slot.len() < HEADER + 32 || &slot[..4] != MAGIC {
        return None;
    }
    let seq = u64::from_be_bytes(slot[4..12].try_into().ok()?);
    let len = u32::from_be_bytes(slot[12..16].try_into().ok()?) as usize;
    let end = HEADER.checked_add(len)?;
    let sum = slot.get(end..end + 32)?;
    (crate::crypto::sha256(&slot[..end]).as_slice() == sum).then(|| (seq, slot[HEADER..end].to_vec()))
}

/// A slot's sequence number and data, when the slot is valid.
type Slot = Option<(u64, Vec<u8>)>;

fn read_slots(path: &Path) -> Result<Option<Vec<Slot>>, StoreError> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path)(e)),
    };
    let mut all = Vec::new();
    f.read_to_end(&mut all).map_err(io(path))?;
    if all.len() == 2 * SLOT {
        Ok(Some(vec![parse_slot(&all[..SLOT]), parse_slot(&all[SLOT..])]))
    } else {
        // Not a slotted file: an atomically replaced record.
        Ok(Some(vec![Some((0, all))]))
    }
}

/// Reads a side record: the newest valid slot of an overwritten file, or a replaced file whole.
pub fn read(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(slots) = read_slots(path)? else { return Ok(None) };
    let best = slots.into_iter().flatten().max_by_key(|(seq, _)| *seq);
    match best {
        Some((_, data)) => Ok(Some(data)),
        None => Err(StoreError::Corrupt(format!("{}: no valid copy", path.display()))),
    }
}

/// Overwrites a slotted side file in place, crash-safely.
pub fn overwrite(path: &Path, data: &[u8]) -> Result<(), StoreError> {
    if data.len() + HEADER + 32 > SLOT {
        return Err(StoreError::Backend(format!("{}: record too large", path.display())));
    }
    let slots = match read_slots(path)? {
        Some(s) if s.len() == 2 => s,
        _ => vec![None, None],
    };
    let newest = slots.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|(q, _)| (i, *q))).max_by_key(|(_, q)| *q);
    let (first, seq) = match newest {
        Some((i, q)) => (1 - i, q + 1),
        None => (0, 1),
    };
    let bytes = slot_bytes(seq, data);
    let mut f = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(io(path))?;
    if f.metadata().map_err(io(path))?.len() != 2 * SLOT as u64 {
        f.set_len(2 * SLOT as u64).map_err(io(path))?;
    }
    for slot in [first, 1 - first] {
        f.seek(SeekFrom::Start((slot * SLOT) as u64)).map_err(io(path))?;
        f.write_all(&bytes).map_err(io(path))?;
        f.sync_data().map_err(io(path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overwritten_secret_leaves_no_old_copy_and_survives_a_torn_slot() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kamkor.keyring");
        overwrite(&p, b"OLD-SECRET-OLD-SECRET").unwrap();
        overwrite(&p, b"new").unwrap();
        let raw = std::fs::read(&p).unwrap();
        assert!(!raw.windows(10).any(|w| w == b"OLD-SECRET"), "old value overwritten in both slots");
        assert_eq!(read(&p).unwrap(), Some(b"new".to_vec()));
        // A torn write in one slot: the other still answers.
        let mut torn = raw.clone();
        torn[SLOT + 20] ^= 0xff;
        std::fs::write(&p, &torn).unwrap();
        assert_eq!(read(&p).unwrap(), Some(b"new".to_vec()));
        torn[20] ^= 0xff;
        std::fs::write(&p, &torn).unwrap();
        assert!(read(&p).is_err(), "both slots damaged is an error, never a silent loss");
    }
}
