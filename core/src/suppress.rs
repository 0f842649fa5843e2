//! Small-cell suppression for depersonalized tables (REP-3): cells below the threshold
//! are hidden, then more cells are hidden until no hidden cell can be recovered by
//! subtracting visible cells from a visible total, along rows (parts of a total column)
//! and along columns (rows of the totals row).

use crate::report::{Cell, Table};

/// How a table's cells add up: `parts` columns sum to the `total` column in every row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// Column indexes of the parts.
    pub parts: Vec<usize>,
    /// Column index of their total.
    pub total: usize,
}

fn hide(cells: &mut [Option<u64>], hidden: &mut [bool], group: &[usize]) -> bool {
    // A group of cells that sum up (parts and their total): exactly one hidden cell is
    // recoverable, so hide the smallest other non-zero visible one (any if all are zero).
    let n_hidden = group.iter().filter(|i| hidden[**i]).count();
    if n_hidden != 1 {
        return false;
    }
    let pick = group
        .iter()
        .filter(|i| !hidden[**i] && cells[**i].unwrap_or(0) > 0)
        .min_by_key(|i| (cells[**i].unwrap_or(0), **i))
        .or_else(|| group.iter().find(|i| !hidden[**i]));
    match pick {
        Some(i) => {
            hidden[*i] = true;
            true
        }
        None => false,
    }
}

/// Suppresses a table in place. `threshold`: counts `1..threshold` are hidden.
pub fn suppress(table: &mut Table, threshold: u32, partitions: &[Partition]) {
    let ncols = table.columns.len();
    let mut rows: Vec<Vec<Cell>> = table.rows.iter().map(|r| r.cells.clone()).collect();
    if let Some(t) = &table.totals {
        rows.push(t.cells.clone());
    }
    let nrows = rows.len();
    let has_totals = table.totals.is_some();
    let idx = |r: usize, c: usize| r * ncols + c;
    let mut values: Vec<Option<u64>> = rows.iter().flat_map(|r| r.iter().map(|c| c.value())).collect();
    values.resize(nrows * ncols, Some(0));
    let mut hidden: Vec<bool> =
        values.iter().map(|v| matches!(v, Some(n) if *n > 0 && *n < u64::from(threshold))).collect();
    loop {
        let mut changed = false;
        for r in 0..nrows {
            for p in partitions {
                let group: Vec<usize> = p.parts.iter().chain(std::iter::once(&p.total)).map(|c| idx(r, *c)).collect();
                changed |= hide(&mut values, &mut hidden, &group);
            }
        }
        if has_totals {
            for c in 0..ncols {
                let group: Vec<usize> = (0..nrows).map(|r| idx(r, c)).collect();
                changed |= hide(&mut values, &mut hidden, &group);
            }
        }
        if !changed {
            break;
        }
    }
    let cell = |i: usize| if hidden[i] { Cell::Suppressed } else { Cell::Count(values[i].unwrap_or(0)) };
    for (r, row) in table.rows.iter_mut().enumerate() {
        row.cells = (0..ncols).map(|c| cell(idx(r, c))).collect();
    }
    if let Some(t) = &mut table.totals {
        t.cells = (0..ncols).map(|c| cell(idx(nrows - 1, c))).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Label;
    use crate::report::{Column, Row};
    use proptest::prelude::*;

    fn l(s: &str) -> Label {
        Label { ru: s.into(), ky: s.into(), en: s.into() }
    }

    /// rows of (female, male); columns total, female, male; a totals row.
    fn table(rows: &[(u64, u64)]) -> Table {
        let mk = |id: String, f: u64, m: u64| Row {
            id: id.clone(),
            label: l(&id),
            territory: None,
            cells: vec![Cell::Count(f + m), Cell::Count(f), Cell::Count(m)],
        };
        let (tf, tm) = rows.iter().fold((0, 0), |(a, b), (f, m)| (a + f, b + m));
        Table {
            id: "t".into(),
            title: l("t"),
            row_header: l("r"),
            columns: ["total", "female", "male"].iter().map(|c| Column { id: c.to_string(), label: l(c) }).collect(),
            rows: rows.iter().enumerate().map(|(i, (f, m))| mk(format!("r{i}"), *f, *m)).collect(),
            totals: Some(mk("total".into(), tf, tm)),
        }
    }

    fn groups_ok(t: &Table) -> bool {
        let all: Vec<&Row> = t.rows.iter().chain(t.totals.iter()).collect();
        let row_ok = all.iter().all(|r| r.cells.iter().filter(|c| **c == Cell::Suppressed).count() != 1);
        let col_ok = (0..t.columns.len()).all(|c| all.iter().filter(|r| r.cells[c] == Cell::Suppressed).count() != 1);
        row_ok && col_ok
    }

    #[test]
    fn small_cells_and_their_complements_are_hidden() {
        let mut t = table(&[(3, 10), (20, 25), (7, 9)]);
        suppress(&mut t, 5, &[Partition { parts: vec![1, 2], total: 0 }]);
        assert_eq!(t.rows[0].cells[1], Cell::Suppressed, "3 < 5");
        assert!(groups_ok(&t), "{t:?}");
        assert_eq!(t.rows[1].cells[0], Cell::Count(45), "large cells stay where they can");
    }

    proptest! {
        #[test]
        fn no_hidden_cell_is_recoverable_from_a_total(rows in proptest::collection::vec((0u64..12, 0u64..12), 1..8), threshold in 2u32..6) {
            let mut t = table(&rows);
            suppress(&mut t, threshold, &[Partition { parts: vec![1, 2], total: 0 }]);
            prop_assert!(groups_ok(&t));
            // Every small non-zero count is hidden.
            let orig = table(&rows);
            for (a, b) in orig.rows.iter().chain(orig.totals.iter()).zip(t.rows.iter().chain(t.totals.iter())) {
                for (x, y) in a.cells.iter().zip(&b.cells) {
                    if let Cell::Count(n) = x {
                        if *n > 0 && *n < u64::from(threshold) {
                            prop_assert_eq!(*y, Cell::Suppressed);
                        }
                    }
                }
            }
        }
    }
}
