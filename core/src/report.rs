//! Report model (REP-1 .. REP-3): tables of counts with localized labels, limited to the
//! reader's scope; depersonalized outputs carry suppressed cells. Renderers (CSV, XLSX,
//! SVG charts, the map) and printed documents work from these types only.

use crate::profile::Label;
use crate::territory::TerritoryCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One cell: a count, or suppressed (a small count that could single out a child).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// A count.
    Count(u64),
    /// Hidden: below the threshold, or hidden so that it cannot be recovered from totals.
    Suppressed,
}

impl Cell {
    /// The count, when shown.
    pub fn value(self) -> Option<u64> {
        match self {
            Cell::Count(n) => Some(n),
            Cell::Suppressed => None,
        }
    }
}

/// A column of a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Stable id (e.g. `female`, `total`).
    pub id: String,
    /// Localized heading.
    pub label: Label,
}

/// A row of a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// Stable id (a territory code, a circumstance code, an agency code, ...).
    pub id: String,
    /// Localized heading.
    pub label: Label,
    /// The territory the row is about, when it is one (maps colour by it).
    pub territory: Option<TerritoryCode>,
    /// One cell per column.
    pub cells: Vec<Cell>,
}

/// A table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Stable id (e.g. `identified_by_sex`).
    pub id: String,
    /// Localized title.
    pub title: Label,
    /// Heading of the row label column.
    pub row_header: Label,
    /// Columns.
    pub columns: Vec<Column>,
    /// Rows.
    pub rows: Vec<Row>,
    /// The totals row, when meaningful.
    pub totals: Option<Row>,
}

/// A report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Stable id (e.g. `kg_consolidated`, `quarterly_district`).
    pub id: String,
    /// Localized title.
    pub title: Label,
    /// The territory the report covers (the reader's scope or a part of it).
    pub scope: TerritoryCode,
    /// Localized name of the scope.
    pub scope_name: Label,
    /// First and last day of the reporting period, when there is one.
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// When the report is due to its recipient (statutory date), when there is one.
    pub due_date: Option<NaiveDate>,
    /// When it was produced (injected clock).
    pub generated_at: DateTime<Utc>,
    /// Whether small cells are suppressed (depersonalized output).
    pub depersonalized: bool,
    /// Cells below this count are suppressed in depersonalized output.
    pub threshold: u32,
    /// The tables.
    pub tables: Vec<Table>,
}

/// The data of a printed child card or a data subject certificate: titled sections of
/// labelled values, already localized by the registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Document title (e.g. "Карточка ребёнка").
    pub title: String,
    /// The registry / owner line printed at the top.
    pub issuer: String,
    /// Sections in order.
    pub sections: Vec<Section>,
    /// "Printed on … by …" line: date and time of printing and who printed.
    pub printed: String,
    /// Confidentiality mark (e.g. "Конфиденциально. Персональные данные.").
    pub confidentiality: String,
    /// For certificates: the SHA-256 of the canonical JSON, printed so a signature can be checked.
    pub digest: Option<String>,
}

/// A titled list of label/value lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// Lines.
    pub lines: Vec<(String, String)>,
}
