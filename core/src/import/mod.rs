//! Bulk import of legacy registers (REG-5) and of the Sanarip aimak household book (INT-1).
//!
//! Pure parts only (no I/O): reading a file's bytes into rows ([`read`]), turning a row into
//! a record under a [`Mapping`] ([`convert`]), grouping household members ([`household`]) and
//! the screening rules of the profile ([`screening`]). The registry side (matching against
//! existing records, writing, audit) is `Registry::import` and `Registry::import_household_book`.

pub mod convert;
pub mod household;
pub mod read;
pub mod screening;

use crate::model::SubjectId;
use crate::profile::Label;
use crate::territory::TerritoryCode;
use crate::{Error, ErrorCode, Lang};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use read::{Encoding, Format, SourceRow, Table};

/// How rows are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A dry run: every check, matching included, and nothing written.
    Validate,
    /// Everything or nothing: one rejected row and nothing is written.
    AllOrNothing,
    /// Accepted rows are written; rejected rows are reported and change nothing.
    RowByRow,
}

impl Mode {
    /// Parses `validate`, `all-or-nothing` / `all_or_nothing`, `row-by-row` / `row_by_row`.
    pub fn parse(s: &str) -> Option<Mode> {
        match s.replace('-', "_").as_str() {
            "validate" => Some(Mode::Validate),
            "all_or_nothing" => Some(Mode::AllOrNothing),
            "row_by_row" => Some(Mode::RowByRow),
            _ => None,
        }
    }
}

/// What a source file's columns mean: a TOML document (see `docs/src/import.md`).
///
/// ```toml
/// source = "other_agency"          # the profile's `source` vocabulary code
/// system = "Osh district register" # the source system, kept in every fact's provenance
/// format = "csv"                   # csv | xlsx | jsonl (default: from the file name)
/// encoding = "auto"                # auto | utf-8 | cp1251
/// delimiter = ";"
/// date_formats = ["%d.%m.%Y"]
/// [columns]
/// "Фамилия" = "surname"
/// [values.sex]
/// "М" = "male"
/// [defaults]
/// identified_in = "41711000000000"
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The profile's `source` code for the provenance of every imported fact.
    pub source: String,
    /// The source system's name (provenance reference: system, file, row).
    pub system: String,
    /// The file format; by default from the file name's extension.
    #[serde(default)]
    pub format: Option<Format>,
    /// The text encoding of CSV and JSON Lines files.
    #[serde(default)]
    pub encoding: Encoding,
    /// The CSV delimiter (default: guessed among `,` `;` tab from the header line).
    #[serde(default)]
    pub delimiter: Option<char>,
    /// The XLSX sheet (default: the first).
    #[serde(default)]
    pub sheet: Option<String>,
    /// Date formats tried in order (chrono `strftime`); ISO dates are always accepted.
    #[serde(default)]
    pub date_formats: Vec<String>,
    /// Source column → record field (see [`convert::FIELDS`]).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Field → (source value → value), applied before parsing.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Field → value, for fields no column gives (or a row leaves empty).
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
}

impl Mapping {
    /// Parses and checks a mapping (unknown fields, fields mapped twice); errors name the line.
    pub fn from_toml(text: &str) -> Result<Mapping, Error> {
        let m: Mapping = crate::profile::text::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text.as_bytes()[..s.start.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1);
            let mut err = Error::new(ErrorCode::Validation, "MAPPING_SYNTAX").arg("detail", e.message());
            if let Some(l) = line {
                err = err.arg("line", l).with_field(format!("line {l}"));
            }
            err
        })?;
        m.check()?;
        Ok(m)
    }

    /// Checks the field names and that the required fields are given.
    pub fn check(&self) -> Result<(), Error> {
        let mut seen = BTreeMap::new();
        for (col, field) in &self.columns {
            if !convert::is_field(field) {
                return Err(Error::validation("MAPPING_UNKNOWN_FIELD", format!("columns.{col}")).arg("name", field));
            }
            if let Some(other) = seen.insert(field.as_str(), col.as_str()) {
                return Err(Error::validation("MAPPING_FIELD_TWICE", format!("columns.{col}"))
                    .arg("name", field)
                    .arg("other", other));
            }
        }
        for field in self.values.keys().chain(self.defaults.keys()) {
            if !convert::is_field(field) {
                return Err(Error::validation("MAPPING_UNKNOWN_FIELD", field.clone()).arg("name", field));
            }
        }
        for field in convert::REQUIRED {
            if !seen.contains_key(field) && !self.defaults.contains_key(*field) {
                return Err(Error::validation("MAPPING_INCOMPLETE", "columns").arg("name", field));
            }
        }
        Ok(())
    }
}

/// What the caller tells an import besides the mapping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// Dry run, all-or-nothing or row by row.
    pub mode: Mode,
    /// The file's name (provenance and the format by extension).
    pub file_name: String,
    /// Overrides the mapping's encoding (e.g. `--encoding cp1251`).
    #[serde(default)]
    pub encoding: Option<Encoding>,
}

/// How far an import has got, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Rows processed.
    pub done: u64,
    /// Rows in the file.
    pub total: u64,
}

/// A rejected row: where, why, and the row as it was (to fix and feed back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The row's line in the file (1 = the header; for XLSX the sheet row).
    pub line: u64,
    /// The field (record field or source column) at fault, when one is.
    pub field: Option<String>,
    /// The error code (`VALIDATION`, `CONFLICT`, ...).
    pub code: String,
    /// The coded reason (`PIN_CHECKSUM`, `DUPLICATE_ROW`, ...).
    pub reason: String,
    /// Arguments of the message.
    pub args: BTreeMap<String, String>,
    /// The source row's values by column, in file order.
    pub values: Vec<(String, String)>,
}

impl RowError {
    /// A row error from a core error.
    pub fn from_error(line: u64, e: &Error, values: Vec<(String, String)>) -> RowError {
        RowError {
            line,
            field: e.field.clone(),
            code: e.code.as_str().to_string(),
            reason: e.reason.clone(),
            args: e.args.clone(),
            values,
        }
    }

    /// The core error this row error stands for.
    pub fn to_error(&self) -> Error {
        let code = ErrorCode::parse(&self.code).unwrap_or(ErrorCode::Validation);
        let mut e = Error::new(code, self.reason.clone());
        e.field = self.field.clone();
        e.args = self.args.clone();
        e
    }

    /// The readable message in a language.
    pub fn message(&self, lang: Lang) -> String {
        self.to_error().localized(lang)
    }
}

/// Why an accepted row was not written and needs a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// The row's PIN belongs to a registered child whose recorded value differs.
    Contradiction,
    /// No PIN match, but a registered child has the same name and birth date.
    LikelyMatch,
}

/// A row flagged for a person to resolve (REG-5): never silently overwritten.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    /// The row's line.
    pub line: u64,
    /// Contradiction or likely match.
    pub kind: ReviewKind,
    /// The registered child (`None` when it lies outside the importer's scope).
    pub child: Option<SubjectId>,
    /// The field that differs (contradictions).
    pub field: Option<String>,
    /// The registered value (contradictions; only when the importer may read it).
    pub existing: Option<String>,
    /// The imported value.
    pub imported: Option<String>,
}

/// A child flagged by a screening rule: ready for a specialist to open a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    /// The child; `None` in a dry run (validate mode), where no child is registered yet.
    pub child: Option<SubjectId>,
    /// The household's family, when imported from a household book.
    pub family: Option<SubjectId>,
    /// The child's territory.
    pub territory: TerritoryCode,
    /// The screening rule's id.
    pub rule: String,
    /// The rule's label.
    pub label: Label,
    /// The source row (0 when raised outside an import).
    pub line: u64,
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImportReport {
    /// The file's name.
    pub file: String,
    /// The encoding the text was read in (`utf-8`, `cp1251`; `binary` for XLSX).
    pub encoding: String,
    /// Data rows read (the header not counted).
    pub rows: u64,
    /// Rows that passed every check.
    pub accepted: u64,
    /// Children created (0 in a dry run or when nothing was written).
    pub created: u64,
    /// Families created (household books).
    pub families: u64,
    /// Rows whose child is registered already with the same data.
    pub unchanged: u64,
    /// Whether anything was written.
    pub written: bool,
    /// Rejected rows.
    pub rejected: Vec<RowError>,
    /// Rows flagged for review.
    pub review: Vec<ReviewItem>,
    /// Children flagged by the screening rules.
    pub signals: Vec<Signal>,
}

impl ImportReport {
    /// The rejected rows as CSV: the original columns plus `kamkor_line`, `kamkor_field`,
    /// `kamkor_code`, `kamkor_reason` and `kamkor_message` (ignored when fed back, since no
    /// mapping names them). Fix the values and import the file again.
    pub fn rejects_csv(&self, headers: &[String], lang: Lang) -> Result<String, Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut head: Vec<String> =
            ["kamkor_line", "kamkor_field", "kamkor_code", "kamkor_reason", "kamkor_message"].map(String::from).into();
        head.extend(headers.iter().cloned());
        w.write_record(&head).map_err(Error::storage)?;
        for r in &self.rejected {
            let mut rec = vec![
                r.line.to_string(),
                r.field.clone().unwrap_or_default(),
                r.code.clone(),
                r.reason.clone(),
                r.message(lang),
            ];
            for h in headers {
                rec.push(r.values.iter().find(|(k, _)| k == h).map(|(_, v)| v.clone()).unwrap_or_default());
            }
            w.write_record(&rec).map_err(Error::storage)?;
        }
        String::from_utf8(w.into_inner().map_err(Error::storage)?).map_err(Error::storage)
    }

    /// The review items as CSV (`line, kind, child, field, existing, imported`).
    pub fn review_csv(&self) -> Result<String, Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["line", "kind", "child", "field", "existing", "imported"]).map_err(Error::storage)?;
        for r in &self.review {
            let kind = match r.kind {
                ReviewKind::Contradiction => "contradiction",
                ReviewKind::LikelyMatch => "likely_match",
            };
            w.write_record([
                r.line.to_string(),
                kind.to_string(),
                r.child.map(|c| c.to_string()).unwrap_or_default(),
                r.field.clone().unwrap_or_default(),
                r.existing.clone().unwrap_or_default(),
                r.imported.clone().unwrap_or_default(),
            ])
            .map_err(Error::storage)?;
        }
        String::from_utf8(w.into_inner().map_err(Error::storage)?).map_err(Error::storage)
    }

    /// The signals as CSV (`child, family, territory, rule, label`), the label in a language.
    pub fn signals_csv(&self, lang: Lang) -> Result<String, Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["line", "child", "family", "territory", "rule", "label"]).map_err(Error::storage)?;
        for s in &self.signals {
            w.write_record([
                s.line.to_string(),
                s.child.map(|c| c.to_string()).unwrap_or_default(),
                s.family.map(|f| f.to_string()).unwrap_or_default(),
                s.territory.to_string(),
                s.rule.clone(),
                s.label.get(lang).to_string(),
            ])
            .map_err(Error::storage)?;
        }
        String::from_utf8(w.into_inner().map_err(Error::storage)?).map_err(Error::storage)
    }
}
