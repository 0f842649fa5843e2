//! Administrative territories (REG-7): a versioned hierarchy of places used by access
//! scopes ("is this record's territory within the user's?"), reports and maps.
//!
//! The hierarchy knows nothing about any country's code format; only [`is_soate`] knows the
//! Kyrgyz SOATE layout (`417` + oblast 2 + district 3 + ayil aimak 3 + settlement 3 digits).
//! Nodes carry `valid_from`/`valid_to` dates so closed codes (the 2024 ayil aimak merger)
//! still resolve and stay within their district.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

type Error = TerritoryError;

const KG_CSV: &str = include_str!("../data/kg-territories.csv");
const KG_ROOT: &str = "41700000000000";

/// A territory code (SOATE in Kyrgyzstan): ASCII digits, 1..=20 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TerritoryCode(String);

impl TerritoryCode {
    /// Parses a code: 1 to 20 ASCII digits, nothing else (no trimming).
    pub fn parse(s: &str) -> Result<Self, TerritoryError> {
        if (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(TerritoryError::BadCode { line: None, code: s.to_owned() })
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TerritoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TerritoryCode {
    type Error = TerritoryError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TerritoryCode> for String {
    fn from(c: TerritoryCode) -> String {
        c.0
    }
}

/// Is this a syntactically valid Kyrgyz SOATE code (14 digits starting with 417)?
pub fn is_soate(code: &str) -> bool {
    code.len() == 14 && code.starts_with("417") && code.bytes().all(|b| b.is_ascii_digit())
}

/// One version of a node of the hierarchy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Territory {
    /// The node's code.
    pub code: TerritoryCode,
    /// Free-text level: country, oblast, city_republican, city_district, raion, city_oblast,
    /// ayil_aimak, settlement, ...
    pub kind: String,
    /// The enclosing node; `None` only for the root.
    pub parent: Option<TerritoryCode>,
    /// Russian name.
    pub name_ru: String,
    /// Kyrgyz name.
    pub name_ky: String,
    /// English name.
    pub name_en: String,
    /// First day in force (inclusive); `None` = since always.
    pub valid_from: Option<NaiveDate>,
    /// First day no longer in force (exclusive); `None` = still in force.
    pub valid_to: Option<NaiveDate>,
}

impl Territory {
    /// The name in a language: "ru" and "ky" (also "ru-RU", "ky_KG"), anything else gives
    /// English. An empty name falls back to the Russian one.
    pub fn name(&self, lang: &str) -> &str {
        let name = match lang.split(['-', '_']).next() {
            Some("ru") => &self.name_ru,
            Some("ky") => &self.name_ky,
            _ => &self.name_en,
        };
        if name.is_empty() {
            &self.name_ru
        } else {
            name
        }
    }

    /// Is this version in force on `d` (`valid_from <= d < valid_to`)?
    pub fn active_on(&self, d: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= d) && self.valid_to.is_none_or(|t| d < t)
    }
}

/// What [`Territories::load_classifier`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LoadSummary {
    /// New nodes and new versions of existing nodes.
    pub added: usize,
    /// Rows identical to what was already loaded.
    pub unchanged: usize,
    /// Versions given (or moved to) a `valid_to` date.
    pub closed: usize,
}

/// Why a hierarchy could not be built or extended. `line` is the 1-based line in the input
/// file (comment and blank lines count); `code` is the offending row's code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[allow(missing_docs)] // fields are described above and in each variant's doc
pub enum TerritoryError {
    /// A code that is not 1..=20 ASCII digits (`line` when read from a file).
    #[error("bad territory code {code:?}")]
    BadCode { line: Option<u64>, code: String },
    /// A row's `parent` is neither loaded nor in the file.
    #[error("line {line}: parent {parent} of {code} is unknown")]
    UnknownParent { line: u64, code: String, parent: String },
    /// The same code twice in one file.
    #[error("line {line}: duplicate code {code}")]
    Duplicate { line: u64, code: String },
    /// Malformed CSV (unequal row lengths, bad UTF-8, I/O), with the parser's `message`.
    #[error("CSV error: {message}")]
    Csv { line: Option<u64>, message: String },
    /// A date `value` that is not `YYYY-MM-DD`.
    #[error("line {line}: bad date {value:?}")]
    BadDate { line: u64, value: String },
    /// `valid_to` not after `valid_from`.
    #[error("line {line}: empty validity interval for {code}")]
    EmptyInterval { line: u64, code: String },
    /// A row without a parent that is not the root (the root is the first such row).
    #[error("line {line}: {code} has no parent but is not the root")]
    MissingParent { line: u64, code: String },
    /// Parent links that loop (`code` is on the loop).
    #[error("territory {code} is its own ancestor")]
    Cycle { code: String },
    /// No row without a parent.
    #[error("no root territory (a row without a parent)")]
    NoRoot,
    /// A required `column` is absent from the header.
    #[error("missing column {column}")]
    MissingColumn { column: String },
    /// A changed row takes effect on or before the current version's `valid_from`
    /// (e.g. an older classifier loaded after a newer one).
    #[error("line {line}: change to {code} predates its current version")]
    Conflict { line: u64, code: String },
}

impl TerritoryError {
    /// Stable machine-readable code, e.g. "TERRITORY_BAD_CODE".
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadCode { .. } => "TERRITORY_BAD_CODE",
            Self::UnknownParent { .. } => "TERRITORY_UNKNOWN_PARENT",
            Self::Duplicate { .. } => "TERRITORY_DUPLICATE",
            Self::Csv { .. } => "TERRITORY_CSV",
            Self::BadDate { .. } => "TERRITORY_BAD_DATE",
            Self::EmptyInterval { .. } => "TERRITORY_EMPTY_INTERVAL",
            Self::MissingParent { .. } => "TERRITORY_MISSING_PARENT",
            Self::Cycle { .. } => "TERRITORY_CYCLE",
            Self::NoRoot => "TERRITORY_NO_ROOT",
            Self::MissingColumn { .. } => "TERRITORY_MISSING_COLUMN",
            Self::Conflict { .. } => "TERRITORY_CONFLICT",
        }
    }

    /// The 1-based line in the input file, when known.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::BadCode { line, .. } | Self::Csv { line, .. } => *line,
            Self::UnknownParent { line, .. }
            | Self::Duplicate { line, .. }
            | Self::BadDate { line, .. }
            | Self::EmptyInterval { line, .. }
            | Self::MissingParent { line, .. }
            | Self::Conflict { line, .. } => Some(*line),
            Self::Cycle { .. } | Self::NoRoot | Self::MissingColumn { .. } => None,
        }
    }
}

/// All versions of one code plus its links (by slot index, from the current version).
#[derive(Clone, Debug)]
struct Slot {
    current: Territory,
    /// Older versions, oldest first.
    history: Vec<Territory>,
    parent: Option<usize>,
    children: Vec<usize>,
}

impl Slot {
    fn new(t: Territory) -> Self {
        Self { current: t, history: Vec::new(), parent: None, children: Vec::new() }
    }

    fn on(&self, d: NaiveDate) -> Option<&Territory> {
        std::iter::once(&self.current).chain(self.history.iter().rev()).find(|t| t.active_on(d))
    }
}

/// A versioned territory hierarchy with one root. Cheap ancestor checks; `Send + Sync`.
#[derive(Clone, Debug)]
pub struct Territories {
    slots: Vec<Slot>,
    index: HashMap<TerritoryCode, usize>,
    root: usize,
}

impl Territories {
    /// The shipped Kyrgyz hierarchy (country, oblasts, cities, districts).
    pub fn kyrgyzstan() -> Territories {
        Self::from_csv(KG_CSV.as_bytes()).unwrap_or_else(|_| {
            let root = Territory {
                code: TerritoryCode(KG_ROOT.to_owned()),
                kind: "country".to_owned(),
                parent: None,
                name_ru: "Кыргызская Республика".to_owned(),
                name_ky: "Кыргыз Республикасы".to_owned(),
                name_en: "Kyrgyz Republic".to_owned(),
                valid_from: None,
                valid_to: None,
            };
            let index = HashMap::from([(root.code.clone(), 0)]);
            Territories { slots: vec![Slot::new(root)], index, root: 0 }
        })
    }

    /// Builds a hierarchy from CSV (`soate` (or `code`), `kind`, `parent`, `name_ru`, `name_ky`,
    /// `name_en`, optional `valid_from`, `valid_to`; `#` lines are comments). The first row
    /// without a parent is the root; parents may come after their children. Each code appears
    /// once (later versions come from [`Self::load_classifier`]).
    pub fn from_csv<R: Read>(reader: R) -> Result<Territories, TerritoryError> {
        let rows = read_rows(reader)?;
        let mut index = HashMap::with_capacity(rows.len());
        let mut root = None;
        for (i, r) in rows.iter().enumerate() {
            if index.insert(r.t.code.clone(), i).is_some() {
                return Err(TerritoryError::Duplicate { line: r.line, code: r.t.code.to_string() });
            }
            if r.t.parent.is_none() {
                if root.is_some() {
                    return Err(missing_parent(r));
                }
                root = Some(i);
            }
        }
        let root = root.ok_or(TerritoryError::NoRoot)?;
        for r in &rows {
            if let Some(p) = r.t.parent.as_ref().filter(|p| !index.contains_key(*p)) {
                return Err(unknown_parent(r, p));
            }
        }
        let slots = rows.into_iter().map(|r| Slot::new(r.t)).collect();
        let mut h = Territories { slots, index, root };
        h.relink()?;
        Ok(h)
    }

    /// Adds finer levels (ayil aimaks, settlements) from a classifier CSV in the same column
    /// layout; all-or-nothing: on any error nothing is added. Rows whose code exists already
    /// with identical data are skipped (loading twice is harmless); a row that only adds or
    /// changes `valid_to` closes the current version in place (a row without `valid_to` never
    /// reopens a closed code); a changed row (kind, parent or names) closes the old version at
    /// the new row's valid_from (or `effective` if the row has none) and adds the new one.
    pub fn load_classifier<R: Read>(&mut self, reader: R, effective: NaiveDate) -> Result<LoadSummary, TerritoryError> {
        let rows = read_rows(reader)?;
        let mut in_file = HashSet::with_capacity(rows.len());
        for r in &rows {
            if !in_file.insert(&r.t.code) {
                return Err(TerritoryError::Duplicate { line: r.line, code: r.t.code.to_string() });
            }
        }
        for r in &rows {
            match &r.t.parent {
                Some(p) if !self.index.contains_key(p) && !in_file.contains(p) => return Err(unknown_parent(r, p)),
                None if r.t.code != *self.root() => return Err(missing_parent(r)),
                _ => {}
            }
        }
        let mut next = self.clone();
        let mut summary = LoadSummary::default();
        for r in rows {
            next.apply(r, effective, &mut summary)?;
        }
        next.relink()?;
        *self = next;
        Ok(summary)
    }

    /// Applies one validated classifier row (see [`Self::load_classifier`]).
    fn apply(&mut self, row: Row, on: NaiveDate, sum: &mut LoadSummary) -> Result<(), Error> {
        let Row { line, t } = row;
        let Some(&i) = self.index.get(&t.code) else {
            self.index.insert(t.code.clone(), self.slots.len());
            self.slots.push(Slot::new(t));
            sum.added += 1;
            return Ok(());
        };
        let conflict = || TerritoryError::Conflict { line, code: t.code.to_string() };
        let slot = &mut self.slots[i];
        let cur = &mut slot.current;
        let same = cur.kind == t.kind
            && cur.parent == t.parent
            && (&cur.name_ru, &cur.name_ky, &cur.name_en) == (&t.name_ru, &t.name_ky, &t.name_en);
        if same {
            match t.valid_to {
                Some(to) if cur.valid_to != Some(to) => {
                    if cur.valid_from.is_some_and(|f| to <= f) {
                        return Err(conflict());
                    }
                    cur.valid_to = Some(to);
                    sum.closed += 1;
                }
                _ => sum.unchanged += 1,
            }
            return Ok(());
        }
        let cut = t.valid_from.unwrap_or(on);
        if cur.valid_from.is_some_and(|f| cut <= f) {
            return Err(conflict());
        }
        if t.valid_to.is_some_and(|to| to <= cut) {
            return Err(TerritoryError::EmptyInterval { line, code: t.code.to_string() });
        }
        if cur.valid_to.is_none_or(|to| to > cut) {
            cur.valid_to = Some(cut);
            sum.closed += 1;
        }
        let old = std::mem::replace(&mut slot.current, Territory { valid_from: Some(cut), ..t });
        slot.history.push(old);
        sum.added += 1;
        Ok(())
    }

    /// Recomputes parent/children links from current versions and rejects cycles.
    fn relink(&mut self) -> Result<(), TerritoryError> {
        let parents: Vec<Option<usize>> =
            (self.slots.iter()).map(|s| s.current.parent.as_ref().and_then(|p| self.index.get(p).copied())).collect();
        self.slots.iter_mut().for_each(|s| s.children.clear());
        for (i, p) in parents.into_iter().enumerate() {
            self.slots[i].parent = p;
            if let Some(p) = p {
                self.slots[p].children.push(i);
            }
        }
        for i in 0..self.slots.len() {
            let mut ch = std::mem::take(&mut self.slots[i].children);
            ch.sort_by(|a, b| self.slots[*a].current.code.cmp(&self.slots[*b].current.code));
            self.slots[i].children = ch;
        }
        // 0 = unknown, 1 = on the walk in progress, 2 = reaches the root.
        let mut state = vec![0u8; self.slots.len()];
        if self.slots[self.root].parent.is_none() {
            state[self.root] = 2;
        }
        let mut walk = Vec::new();
        for i in 0..self.slots.len() {
            let mut cur = i;
            while state[cur] != 2 {
                let parent = self.slots[cur].parent.filter(|_| state[cur] == 0);
                let Some(p) = parent else {
                    let code = self.slots[cur].current.code.to_string();
                    return Err(TerritoryError::Cycle { code });
                };
                state[cur] = 1;
                walk.push(cur);
                cur = p;
            }
            walk.drain(..).for_each(|j| state[j] = 2);
        }
        Ok(())
    }

    /// The root code.
    pub fn root(&self) -> &TerritoryCode {
        &self.slots[self.root].current.code
    }

    /// The current (latest) version of a node, whatever its dates.
    pub fn get(&self, code: &TerritoryCode) -> Option<&Territory> {
        self.index.get(code).map(|&i| &self.slots[i].current)
    }

    /// The version in force on a date.
    pub fn get_on(&self, code: &TerritoryCode, on: NaiveDate) -> Option<&Territory> {
        self.slots[*self.index.get(code)?].on(on)
    }

    /// Every version of a node, oldest first (empty if unknown).
    pub fn versions(&self, code: &TerritoryCode) -> Vec<&Territory> {
        let Some(&i) = self.index.get(code) else { return Vec::new() };
        self.slots[i].history.iter().chain(std::iter::once(&self.slots[i].current)).collect()
    }

    /// Is the code known (in any version, open or closed)?
    pub fn contains(&self, code: &TerritoryCode) -> bool {
        self.index.contains_key(code)
    }

    /// True when `code` equals `ancestor` or lies below it (using the latest parent of each
    /// node). Fast: O(depth), no allocation. Unknown codes are within nothing.
    pub fn is_within(&self, code: &TerritoryCode, ancestor: &TerritoryCode) -> bool {
        let (Some(&a), Some(&anc)) = (self.index.get(code), self.index.get(ancestor)) else {
            return false;
        };
        let mut cur = Some(a);
        for _ in 0..=self.slots.len() {
            match cur {
                Some(i) if i == anc => return true,
                Some(i) => cur = self.slots[i].parent,
                None => return false,
            }
        }
        false
    }

    /// Path from the root down to the code, inclusive (empty if unknown).
    pub fn path(&self, code: &TerritoryCode) -> Vec<TerritoryCode> {
        let mut out = Vec::new();
        let mut cur = self.index.get(code).copied();
        while let Some(i) = cur.filter(|_| out.len() <= self.slots.len()) {
            out.push(self.slots[i].current.code.clone());
            cur = self.slots[i].parent;
        }
        out.reverse();
        out
    }

    /// The code and every node below it (all versions, closed ones too), for listing a scope;
    /// depth-first, children by code. Empty if unknown.
    pub fn subtree(&self, code: &TerritoryCode) -> Vec<TerritoryCode> {
        let mut out = Vec::new();
        let mut stack: Vec<usize> = self.index.get(code).copied().into_iter().collect();
        while let Some(i) = stack.pop() {
            out.push(self.slots[i].current.code.clone());
            stack.extend(self.slots[i].children.iter().rev());
        }
        out
    }

    /// Current versions of the direct children (closed ones too), sorted by code.
    pub fn children(&self, code: &TerritoryCode) -> Vec<&Territory> {
        let Some(&i) = self.index.get(code) else { return Vec::new() };
        self.slots[i].children.iter().map(|&c| &self.slots[c].current).collect()
    }

    /// Nodes of a given kind active on a date, sorted by code.
    pub fn of_kind(&self, kind: &str, on: NaiveDate) -> Vec<&Territory> {
        let mut out: Vec<&Territory> = self.slots.iter().filter_map(|s| s.on(on)).filter(|t| t.kind == kind).collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        out
    }

    /// Leaf-level districts and cities (what synthetic data and reports spread over): nodes
    /// without children, sorted by code (current versions; closed codes too, filter with
    /// [`Territory::active_on`]).
    pub fn leaves(&self) -> Vec<&Territory> {
        let mut out: Vec<&Territory> =
            self.slots.iter().filter(|s| s.children.is_empty()).map(|s| &s.current).collect();
        out.sort_by(|a, b| a.code.cmp(&b.code));
        out
    }

    /// Number of distinct codes (not versions).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Never true for a built hierarchy (it has a root); present for API symmetry.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

struct Row {
    line: u64,
    t: Territory,
}

fn unknown_parent(r: &Row, p: &TerritoryCode) -> TerritoryError {
    let (line, code, parent) = (r.line, r.t.code.to_string(), p.to_string());
    TerritoryError::UnknownParent { line, code, parent }
}

fn missing_parent(r: &Row) -> TerritoryError {
    TerritoryError::MissingParent { line: r.line, code: r.t.code.to_string() }
}

fn parse_date(s: &str, line: u64) -> Result<Option<NaiveDate>, TerritoryError> {
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| TerritoryError::BadDate { line, value: s.to_owned() })
}

/// Drops blank and `#` comment lines (outside quoted fields), keeping each kept line's
/// 1-based number in the original text (the csv crate miscounts skipped lines).
fn strip_comments(text: &str) -> (String, Vec<u64>) {
    let (mut out, mut lines, mut quoted) = (String::with_capacity(text.len()), Vec::new(), false);
    for (n, line) in (1u64..).zip(text.split_inclusive('\n')) {
        let t = line.trim();
        if quoted || !(t.is_empty() || t.starts_with('#')) {
            out.push_str(line);
            lines.push(n);
            quoted ^= line.bytes().filter(|&b| b == b'"').count() % 2 == 1;
        }
    }
    (out, lines)
}

fn read_rows<R: Read>(mut reader: R) -> Result<Vec<Row>, TerritoryError> {
    let mut text = String::new();
    (reader.read_to_string(&mut text)).map_err(|e| TerritoryError::Csv { line: None, message: e.to_string() })?;
    let (text, lines) = strip_comments(text.strip_prefix('\u{feff}').unwrap_or(&text));
    let real =
        |p: Option<&csv::Position>| p.and_then(|p| lines.get(usize::try_from(p.line()).ok()?.checked_sub(1)?)).copied();
    let csv_err = |e: csv::Error| TerritoryError::Csv { line: real(e.position()), message: e.to_string() };
    let mut rdr = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(csv_err)?.clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let req = |name: &str| col(name).ok_or_else(|| TerritoryError::MissingColumn { column: name.to_owned() });
    let c_code = col("soate").or_else(|| col("code")).map_or_else(|| req("soate"), Ok)?;
    let (c_kind, c_parent) = (req("kind")?, req("parent")?);
    let (c_ru, c_ky, c_en) = (req("name_ru")?, req("name_ky")?, req("name_en")?);
    let (c_from, c_to) = (col("valid_from"), col("valid_to"));
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let line = real(rec.position()).unwrap_or(0);
        let field = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("");
        let code = |s: &str| {
            let bad = || TerritoryError::BadCode { line: Some(line), code: s.to_owned() };
            TerritoryCode::parse(s).map_err(|_| bad())
        };
        let t = Territory {
            code: code(field(Some(c_code)))?,
            kind: field(Some(c_kind)).to_owned(),
            parent: match field(Some(c_parent)) {
                "" => None,
                p => Some(code(p)?),
            },
            name_ru: field(Some(c_ru)).to_owned(),
            name_ky: field(Some(c_ky)).to_owned(),
            name_en: field(Some(c_en)).to_owned(),
            valid_from: parse_date(field(c_from), line)?,
            valid_to: parse_date(field(c_to), line)?,
        };
        if let (Some(f), Some(to)) = (t.valid_from, t.valid_to) {
            if to <= f {
                return Err(TerritoryError::EmptyInterval { line, code: t.code.to_string() });
            }
        }
        rows.push(Row { line, t });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HDR: &str = "soate,kind,parent,name_ru,name_ky,name_en,valid_from,valid_to\n";
    const ALAMUDUN: &str = "41708203000000";
    const AIMAKS: &str = "41708203805000,ayil_aimak,41708203000000,Арашан,Арашан,Arashan,,\n\
        41708203810000,ayil_aimak,41708203000000,Кой-Таш,Кой-Таш,Koi-Tash,,\n\
        41708203815000,ayil_aimak,41708203000000,Ленинский,Ленин,Leninsky,,\n";

    fn c(s: &str) -> TerritoryCode {
        TerritoryCode::parse(s).unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn load(t: &mut Territories, body: &str, on: &str) -> Result<LoadSummary, TerritoryError> {
        t.load_classifier(format!("{HDR}{body}").as_bytes(), d(on))
    }
    fn with_aimaks() -> Territories {
        let mut t = Territories::kyrgyzstan();
        let s = load(&mut t, AIMAKS, "2021-01-01").unwrap();
        assert_eq!(s, LoadSummary { added: 3, unchanged: 0, closed: 0 });
        t
    }

    #[test]
    fn shipped_csv_loads() {
        let t = Territories::from_csv(KG_CSV.as_bytes()).unwrap();
        let codes =
            |k: &str| -> Vec<String> { t.of_kind(k, d("2025-01-01")).iter().map(|t| t.code.to_string()).collect() };
        assert_eq!((t.root().as_str(), codes("country")), (KG_ROOT, vec![KG_ROOT.to_owned()]));
        let oblasts: Vec<String> = (2..=8).map(|n| format!("4170{n}000000000")).collect();
        assert_eq!(codes("oblast"), oblasts);
        assert_eq!(codes("city_republican"), ["41711000000000", "41721000000000"]);
        assert_eq!(codes("city_district").len(), 4);
        assert!(codes("city_district").iter().all(|c| c.starts_with("41711")));
        assert_eq!((codes("raion").len(), codes("city_oblast").len(), t.len()), (40, 12, 66));
        assert_eq!(Territories::kyrgyzstan().len(), 66);
        assert!(t.subtree(t.root()).iter().all(|c| is_soate(c.as_str())));
        let bishkek = t.get(&c("41711000000000")).unwrap();
        assert_eq!((bishkek.name("en"), bishkek.name("ky-KG")), ("Bishkek city", "Бишкек ш."));
        // Leaves: raions, oblast cities, Bishkek districts and Osh city (no districts).
        let leaves = t.leaves();
        assert_eq!(leaves.len(), 40 + 12 + 4 + 1);
        assert!(leaves.windows(2).all(|w| w[0].code < w[1].code));
    }

    #[test]
    fn paths_end_at_root() {
        let t = Territories::kyrgyzstan();
        for code in t.subtree(t.root()) {
            let p = t.path(&code);
            assert_eq!((p.first(), p.last()), (Some(t.root()), Some(&code)));
        }
        assert!(t.path(&c("41799999999999")).is_empty());
        assert_eq!(t.subtree(t.root()).len(), t.len());
    }

    #[test]
    fn bishkek_districts() {
        let t = Territories::kyrgyzstan();
        let (leninsky, bishkek) = (c("41711201000000"), c("41711000000000"));
        assert!(t.is_within(&leninsky, &bishkek) && t.is_within(&leninsky, &leninsky));
        assert!(t.is_within(&leninsky, t.root()));
        assert!(!t.is_within(&bishkek, &leninsky));
        assert!(!t.is_within(&leninsky, &c("41706000000000")));
        assert!(!t.is_within(&c("41799999999999"), t.root()));
        assert_eq!((t.children(&bishkek).len(), t.subtree(&bishkek).len()), (4, 5));
        assert_eq!(t.subtree(&bishkek)[0], bishkek);
    }

    #[test]
    fn classifier_adds_ayil_aimaks() {
        let t = with_aimaks();
        let aimak = c("41708203810000");
        assert!(t.is_within(&aimak, &c(ALAMUDUN)) && t.is_within(&aimak, &c("41708000000000")));
        assert!(!t.is_within(&aimak, &c("41707000000000")));
        assert_eq!(t.path(&aimak).len(), 4);
        assert_eq!(t.of_kind("ayil_aimak", d("2022-01-01")).len(), 3);
        assert!(!t.leaves().iter().any(|l| l.code.as_str() == ALAMUDUN));
    }

    #[test]
    fn reform_closes_merges_and_renames() {
        let mut t = with_aimaks();
        let reform = "41708203810000,ayil_aimak,41708203000000,Кой-Таш,Кой-Таш,Koi-Tash,,2024-01-01\n\
            41708203820000,ayil_aimak,41708203000000,Кой-Таш,Кой-Таш,Koi-Tash-Arashan,2024-01-01,\n\
            41708203805000,ayil_aimak,41708203000000,Арашан,Арашан,Arashan-Ata,2024-01-01,\n";
        let s = load(&mut t, reform, "2024-01-01").unwrap();
        assert_eq!(s, LoadSummary { added: 2, unchanged: 0, closed: 2 });
        let (old, merged) = (c("41708203810000"), c("41708203820000"));
        let renamed = c("41708203805000");
        let (before, after) = (d("2023-06-01"), d("2024-06-01"));
        assert!(t.contains(&old) && t.is_within(&old, &c(ALAMUDUN)));
        assert_eq!(t.get(&old).and_then(|o| o.valid_to), Some(d("2024-01-01")));
        assert!(t.get_on(&old, before).is_some() && t.get_on(&old, after).is_none());
        assert!(t.get_on(&merged, before).is_none() && t.get_on(&merged, after).is_some());
        assert_eq!(t.get_on(&renamed, before).map(|r| r.name("en")), Some("Arashan"));
        assert_eq!(t.get_on(&renamed, after).map(|r| r.name("en")), Some("Arashan-Ata"));
        assert_eq!(t.get(&renamed).map(|r| r.name("en")), Some("Arashan-Ata"));
        assert_eq!(t.versions(&renamed).len(), 2);
        assert_eq!(t.of_kind("ayil_aimak", before).len(), 3);
        assert_eq!(t.of_kind("ayil_aimak", after).len(), 3);
        assert_eq!(t.subtree(&c(ALAMUDUN)).len(), 5);
        // Loading the same file twice adds nothing; an older file after it is refused.
        let s = load(&mut t, reform, "2024-01-01").unwrap();
        assert_eq!(s, LoadSummary { added: 0, unchanged: 3, closed: 0 });
        let e = load(&mut t, AIMAKS, "2021-01-01").unwrap_err();
        assert_eq!(e.code(), "TERRITORY_CONFLICT");
        assert_eq!((t.len(), t.versions(&renamed).len()), (70, 2));
    }

    #[test]
    fn loading_twice_is_harmless() {
        let mut t = with_aimaks();
        let s = load(&mut t, AIMAKS, "2022-01-01").unwrap();
        assert_eq!((s, t.len()), (LoadSummary { added: 0, unchanged: 3, closed: 0 }, 69));
        let s = t.load_classifier(KG_CSV.as_bytes(), d("2022-01-01")).unwrap();
        assert_eq!(s.unchanged, 66);
    }

    #[test]
    fn unknown_parent_changes_nothing() {
        let mut t = with_aimaks();
        let bad = "41708203825000,ayil_aimak,41708203000000,А,А,A,,\n\
            41708203825001,settlement,41708203999000,Б,Б,B,,\n";
        let e = load(&mut t, bad, "2024-01-01").unwrap_err();
        assert_eq!((e.code(), e.line()), ("TERRITORY_UNKNOWN_PARENT", Some(3)));
        assert!(t.len() == 69 && !t.contains(&c("41708203825000")));
        // Parents may follow their children within one file.
        let ok = "41708203825001,settlement,41708203825000,Б,Б,B,,\n\
            41708203825000,ayil_aimak,41708203000000,А,А,A,,\n";
        assert_eq!(load(&mut t, ok, "2024-01-01").map(|s| s.added), Ok(2));
        assert!(t.is_within(&c("41708203825001"), &c("41708000000000")));
    }

    #[test]
    fn cycles_fail() {
        let h = "code,kind,parent,name_ru,name_ky,name_en\n1,country,,R,R,R\n";
        for body in ["2,a,3,A,A,A\n3,b,2,B,B,B\n", "2,a,2,A,A,A\n"] {
            let e = Territories::from_csv(format!("{h}{body}").as_bytes()).unwrap_err();
            assert_eq!(e.code(), "TERRITORY_CYCLE");
        }
        // Moving the Chui oblast under one of its own raions is a cycle; nothing changes.
        let mut t = Territories::kyrgyzstan();
        let chui = c("41708000000000");
        let mv = "41708000000000,oblast,41708203000000,Ч,Ч,Chui,2024-01-01,\n";
        let e = load(&mut t, mv, "2024-01-01");
        assert_eq!(e.unwrap_err().code(), "TERRITORY_CYCLE");
        assert!(t.is_within(&chui, t.root()) && t.versions(&chui).len() == 1);
    }

    #[test]
    fn bad_input_fails() {
        for s in ["", "12a", "417000000000000000001", " 417", "-1"] {
            assert_eq!(TerritoryCode::parse(s).unwrap_err().code(), "TERRITORY_BAD_CODE");
        }
        assert_eq!(TerritoryCode::try_from("417".to_owned()).map(String::from), Ok("417".into()));
        assert!(is_soate("41711201000000") && !is_soate("41811201000000"));
        assert!(!is_soate("4171120100000") && !is_soate("4171120100000x"));
        let root = "1,country,,R,R,R,,\n";
        let cases = [
            ("2,raion,1,A,A,A,,\n3x,raion,1,B,B,B,,\n", "TERRITORY_BAD_CODE", Some(4)),
            ("2,raion,1,A,A,A,2024-13-01,\n", "TERRITORY_BAD_DATE", Some(3)),
            ("2,raion,1,A,A,A,2024-01-01,2023-01-01\n", "TERRITORY_EMPTY_INTERVAL", Some(3)),
            ("1,raion,1,A,A,A,,\n", "TERRITORY_DUPLICATE", Some(3)),
            ("2,country,,A,A,A,,\n", "TERRITORY_MISSING_PARENT", Some(3)),
            ("2,raion,1,A,A\n", "TERRITORY_CSV", Some(3)),
            ("2,raion,9,A,A,A,,\n", "TERRITORY_UNKNOWN_PARENT", Some(3)),
        ];
        for (body, code, line) in cases {
            let e = Territories::from_csv(format!("{HDR}{root}{body}").as_bytes()).unwrap_err();
            assert_eq!((e.code(), e.line()), (code, line), "{body}: {e}");
        }
        assert_eq!(Territories::from_csv(HDR.as_bytes()).unwrap_err(), TerritoryError::NoRoot);
        let e = Territories::from_csv("soate,kind,parent,name_ru\n".as_bytes()).unwrap_err();
        assert_eq!(e, TerritoryError::MissingColumn { column: "name_ky".to_owned() });
        let not_utf8 = [HDR.as_bytes(), b"1,country,,\xff,R,R,,\n"].concat();
        assert_eq!(Territories::from_csv(&not_utf8[..]).unwrap_err().code(), "TERRITORY_CSV");
    }

    #[test]
    fn comments_blank_lines_bom_and_names() {
        // Comment and blank lines count; a quoted field may hold them.
        let f = format!(
            "\u{feff}# c, \"x\n{HDR}\n1,country,,R,R,R,,\n\n\
             2,raion,1,\"A\n\n# not a comment\",A,A,,\n3,x,9,B,B,B,,\n"
        );
        assert_eq!(Territories::from_csv(f.as_bytes()).unwrap_err().line(), Some(9));
        let f = "# other profile\ncode,kind,parent,name_ru,name_ky,name_en\n 77 ,region,,Москва,,\n\
                 7701,district, 77,Тверской,,Tverskoy\n";
        let t = Territories::from_csv(f.as_bytes()).unwrap();
        let msk = t.get(t.root()).unwrap();
        assert_eq!((msk.name("ky"), msk.name("en"), msk.name("ru")), ("Москва", "Москва", "Москва"));
        assert!(t.is_within(&c("7701"), &c("77")));
        let more = format!("{f}# c\n78,x,,A,,\n");
        let e = t.clone().load_classifier(more.as_bytes(), d("2024-01-01"));
        assert_eq!(e.map_err(|e| (e.code(), e.line())), Err(("TERRITORY_MISSING_PARENT", Some(6))));
    }

    #[test]
    fn send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Territories>();
    }

    proptest! {
        #[test]
        fn is_within_matches_path(a: prop::sample::Index, b: prop::sample::Index) {
            let t = Territories::kyrgyzstan();
            let codes = t.subtree(t.root());
            let (a, b) = (a.get(&codes), b.get(&codes));
            prop_assert_eq!(t.is_within(a, b), t.path(a).contains(b));
        }
    }
}
