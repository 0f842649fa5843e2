//! Reading a source file's bytes into rows: CSV (UTF-8 or cp1251, delimiter guessed),
//! XLSX (feature `xlsx`) and JSON Lines. A row that cannot be read (a line cut off, broken
//! JSON, a wrong number of cells) becomes a row error; a file that cannot be read at all
//! (no header, a damaged workbook) is one error and nothing is imported.

use super::RowError;
use crate::{Error, ErrorCode};
use serde::{Deserialize, Serialize};

/// A source file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Comma (or semicolon, or tab) separated values with a header line.
    Csv,
    /// An Excel workbook; the first row of the sheet is the header.
    Xlsx,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// The format a file name's extension suggests.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let ext = name.rsplit('.').next()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" | "tsv" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// A text encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-8 when the bytes are valid UTF-8, else Windows-1251 (common in the region).
    #[default]
    Auto,
    /// UTF-8 (a byte order mark is skipped).
    #[serde(alias = "utf8")]
    Utf8,
    /// Windows-1251.
    #[serde(alias = "windows-1251")]
    Cp1251,
}

impl Encoding {
    /// Parses `auto`, `utf-8`/`utf8`, `cp1251`/`windows-1251`.
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Some(Encoding::Auto),
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "cp1251" | "windows-1251" => Some(Encoding::Cp1251),
            _ => None,
        }
    }
}

/// One data row: its line and its values by column (file order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRow {
    /// The line in the file (the header is line 1 for CSV and XLSX; JSON Lines count from 1).
    pub line: u64,
    /// Column → value, in the header's order.
    pub values: Vec<(String, String)>,
}

impl SourceRow {
    /// The value of a column (`None` when the row has no such column).
    pub fn get(&self, column: &str) -> Option<&str> {
        self.values.iter().find(|(k, _)| k == column).map(|(_, v)| v.as_str())
    }
}

/// A file read into rows.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// The column names (CSV/XLSX header; JSON Lines: keys in first-seen order).
    pub headers: Vec<String>,
    /// Rows, or why a row could not be read.
    pub rows: Vec<Result<SourceRow, RowError>>,
    /// The encoding used (`utf-8`, `cp1251`, `binary`).
    pub encoding: String,
}

fn file_error(reason: &str) -> Error {
    Error::new(ErrorCode::Validation, reason).with_field("file")
}

/// Decodes text: a BOM is skipped; `Auto` falls back to cp1251 when the bytes are not UTF-8.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<(String, &'static str), Error> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let utf8 = std::str::from_utf8(bytes);
    match (encoding, utf8) {
        (Encoding::Auto | Encoding::Utf8, Ok(s)) => Ok((s.to_string(), "utf-8")),
        (Encoding::Utf8, Err(e)) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
            Err(file_error("ENCODING_INVALID").arg("line", line).arg("encoding", "utf-8"))
        }
        (Encoding::Auto | Encoding::Cp1251, _) => {
            let (text, _, _) = encoding_rs::WINDOWS_1251.decode(bytes);
            Ok((text.into_owned(), "cp1251"))
        }
    }
}

/// Reads a file's bytes as a table.
pub fn read(
    bytes: &[u8],
    format: Format,
    encoding: Encoding,
    delimiter: Option<char>,
    sheet: Option<&str>,
) -> Result<Table, Error> {
    match format {
        Format::Csv => {
            let (text, enc) = decode(bytes, encoding)?;
            read_csv(&text, delimiter, enc)
        }
        Format::Jsonl => {
            let (text, enc) = decode(bytes, encoding)?;
            Ok(read_jsonl(&text, enc))
        }
        Format::Xlsx => read_xlsx(bytes, sheet),
    }
}

fn guess_delimiter(text: &str) -> u8 {
    let head = text.lines().next().unwrap_or("");
    [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| (head.bytes().filter(|b| b == d).count(), *d == b','))
        .unwrap_or(b',')
}

fn read_csv(text: &str, delimiter: Option<char>, enc: &str) -> Result<Table, Error> {
    let delim = match delimiter {
        Some(c) if c.is_ascii() => c as u8,
        Some(_) => return Err(Error::validation("DELIMITER_NOT_ASCII", "delimiter")),
        None => guess_delimiter(text),
    };
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delim).flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(|s| s.trim().to_string()).collect(),
        Some(Err(_)) | None => return Err(file_error("FILE_NO_HEADER")),
    };
    if headers.iter().all(|h| h.is_empty()) {
        return Err(file_error("FILE_NO_HEADER"));
    }
    let mut rows = Vec::new();
    for rec in records {
        match rec {
            Ok(r) => {
                let line = r.position().map(|p| p.line()).unwrap_or(0);
                let values: Vec<(String, String)> =
                    headers.iter().cloned().zip(r.iter().map(|v| v.trim().to_string())).collect();
                if r.iter().all(|v| v.trim().is_empty()) {
                    continue;
                }
                if r.len() != headers.len() {
                    let reason = if r.len() < headers.len() { "ROW_TOO_SHORT" } else { "ROW_TOO_LONG" };
                    let e = Error::validation(reason, "row").arg("expected", headers.len()).arg("found", r.len());
                    rows.push(Err(RowError::from_error(line, &e, values)));
                } else {
                    rows.push(Ok(SourceRow { line, values }));
                }
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                let err = Error::validation("ROW_UNREADABLE", "row").arg("detail", e);
                rows.push(Err(RowError::from_error(line, &err, Vec::new())));
                // The csv reader cannot resume inside a broken quoted field: the rest is cut.
                break;
            }
        }
    }
    Ok(Table { headers, rows, encoding: enc.to_string() })
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}

fn read_jsonl(text: &str, enc: &str) -> Table {
    let mut headers: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    let ends_cleanly = text.ends_with('\n');
    let count = text.lines().count();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u64 + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw) {
            Ok(obj) => {
                let mut values = Vec::with_capacity(obj.len());
                for (k, v) in &obj {
                    if !headers.contains(k) {
                        headers.push(k.clone());
                    }
                    values.push((k.clone(), json_text(v)));
                }
                rows.push(Ok(SourceRow { line, values }));
            }
            Err(e) => {
                let reason = if i + 1 == count && !ends_cleanly { "ROW_CUT_OFF" } else { "ROW_INVALID_JSON" };
                let err = Error::validation(reason, "row").arg("detail", e);
                rows.push(Err(RowError::from_error(line, &err, vec![("json".into(), raw.to_string())])));
            }
        }
    }
    Table { headers, rows, encoding: enc.to_string() }
}

#[cfg(feature = "xlsx")]
fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // Excel serial days count from 1899-12-30 (the 1900 leap-year bug included).
        Data::DateTime(dt) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|base| base.checked_add_days(chrono::Days::new(dt.as_f64().floor().max(0.0) as u64)))
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| c.to_string()),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        other => other.to_string(),
    }
}

#[cfg(feature = "xlsx")]
fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Table, Error> {
    use calamine::Reader;
    let mut book =
        calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| file_error("FILE_DAMAGED").arg("detail", e))?;
    let name = match sheet {
        Some(s) => s.to_string(),
        None => book.sheet_names().first().cloned().ok_or_else(|| file_error("FILE_NO_HEADER"))?,
    };
    let range =
        book.worksheet_range(&name).map_err(|e| file_error("SHEET_NOT_FOUND").arg("sheet", &name).arg("detail", e))?;
    let first_row = range.start().map(|(r, _)| u64::from(r)).unwrap_or(0);
    let mut it = range.rows();
    let headers: Vec<String> = it.next().map(|r| r.iter().map(cell_text).collect()).unwrap_or_default();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(file_error("FILE_NO_HEADER"));
    }
    let mut rows = Vec::new();
    for (i, r) in it.enumerate() {
        let line = first_row + i as u64 + 2;
        let cells: Vec<String> = r.iter().map(cell_text).collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        rows.push(Ok(SourceRow { line, values: headers.iter().cloned().zip(cells).collect() }));
    }
    Ok(Table { headers, rows, encoding: "binary".into() })
}

#[cfg(not(feature = "xlsx"))]
fn read_xlsx(_bytes: &[u8], _sheet: Option<&str>) -> Result<Table, Error> {
    Err(file_error("FORMAT_NOT_SUPPORTED").arg("format", "xlsx"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp1251_is_detected_and_semicolons_guessed() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("Фамилия;Имя\nАсанова;Гулзат\nОмурбеков;Алмаз\n");
        let t = read(&bytes, Format::Csv, Encoding::Auto, None, None).expect("read");
        assert_eq!(t.encoding, "cp1251");
        assert_eq!(t.headers, vec!["Фамилия", "Имя"]);
        let rows: Vec<_> = t.rows.into_iter().map(|r| r.expect("row")).collect();
        assert_eq!(rows[1].get("Фамилия"), Some("Омурбеков"));
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn forced_utf8_refuses_cp1251_with_the_line() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("a,b\nx,y\nАсанова,z\n");
        let e = read(&bytes, Format::Csv, Encoding::Utf8, None, None).expect_err("not utf-8");
        assert_eq!(e.reason, "ENCODING_INVALID");
        assert_eq!(e.args.get("line").map(String::as_str), Some("3"));
    }

    #[test]
    fn short_rows_and_cut_files_are_row_errors() {
        let t = read(b"a,b,c\n1,2,3\n4,5\n6,7,\"8", Format::Csv, Encoding::Auto, None, None).expect("read");
        assert!(t.rows[0].is_ok());
        let e = t.rows[1].as_ref().expect_err("short");
        assert_eq!((e.line, e.reason.as_str()), (3, "ROW_TOO_SHORT"));
        assert_eq!(t.rows.len(), 3);
        let t = read(b"{\"a\":1}\n{\"a\":2}\n{\"a\":", Format::Jsonl, Encoding::Auto, None, None).expect("read");
        assert_eq!(t.rows.len(), 3);
        let e = t.rows[2].as_ref().expect_err("cut");
        assert_eq!((e.line, e.reason.as_str()), (3, "ROW_CUT_OFF"));
    }

    #[test]
    fn a_file_without_header_is_refused() {
        assert_eq!(read(b"", Format::Csv, Encoding::Auto, None, None).expect_err("empty").reason, "FILE_NO_HEADER");
        #[cfg(feature = "xlsx")]
        assert_eq!(
            read(b"PK\x03\x04garbage", Format::Xlsx, Encoding::Auto, None, None).expect_err("zip").reason,
            "FILE_DAMAGED"
        );
    }
}
