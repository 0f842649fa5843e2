//! The Sanarip aimak household book export (INT-1): one row per household member, grouped
//! by household. The format is documented in `docs/src/household-book.md`:
//!
//! `household_id; soate; address; low_income; member_no; relation; surname; given_name;
//! patronymic; sex; birth_date; pin; abroad; disability; deceased_on; mother_no; father_no`
//!
//! A household becomes a family (adults as members, circumstances from the flags) and its
//! minors become children linked to it, with their parents as relatives. A household is
//! imported whole or not at all: one bad member row rejects all its rows.

use super::convert::{parse_bool, parse_date, parse_sex, parse_territory};
use super::{RowError, SourceRow, Table};
use crate::facts::Provenance;
use crate::model::{Address, Child, Disability, Family, FamilyMember, Relative};
use crate::pin::Sex;
use crate::registry::NewChild;
use crate::{Error, ErrorCode};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// The columns of the household book export, in order.
pub const COLUMNS: [&str; 17] = [
    "household_id",
    "soate",
    "address",
    "low_income",
    "member_no",
    "relation",
    "surname",
    "given_name",
    "patronymic",
    "sex",
    "birth_date",
    "pin",
    "abroad",
    "disability",
    "deceased_on",
    "mother_no",
    "father_no",
];

/// Relations to the head of the household the export uses.
pub const RELATIONS: [&str; 8] =
    ["head", "spouse", "child", "grandchild", "parent", "sibling", "child_in_law", "other"];

/// The source system named in provenance.
pub const SYSTEM: &str = "Sanarip aimak household book";

/// Date formats of the export (ISO is always accepted).
fn formats() -> Vec<String> {
    vec!["%d.%m.%Y".into()]
}

/// One member row, parsed.
#[derive(Clone, Debug)]
struct Member {
    line: u64,
    no: String,
    relation: String,
    surname: String,
    given_name: String,
    patronymic: Option<String>,
    sex: Sex,
    birth_date: NaiveDate,
    pin: Option<String>,
    abroad: bool,
    disability: bool,
    deceased: bool,
    mother_no: Option<String>,
    father_no: Option<String>,
}

/// A household ready to import.
#[derive(Clone, Debug)]
pub struct Household {
    /// The household's id in the book.
    pub id: String,
    /// Its member rows' lines.
    pub lines: Vec<u64>,
    /// The family record.
    pub family: Family,
    /// The family's provenance.
    pub provenance: Provenance,
    /// The minors, each with its row's line.
    pub children: Vec<(u64, NewChild)>,
}

fn text(row: &SourceRow, col: &str) -> Option<String> {
    row.get(col).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

fn required(row: &SourceRow, col: &str) -> Result<String, Error> {
    text(row, col).ok_or_else(|| Error::validation("REQUIRED", col))
}

fn member(row: &SourceRow) -> Result<Member, Error> {
    let relation = required(row, "relation")?;
    if !RELATIONS.contains(&relation.as_str()) {
        return Err(Error::validation("UNKNOWN_CODE", "relation").arg("code", &relation).arg("vocabulary", "relation"));
    }
    let flag = |c: &str| text(row, c).map(|v| parse_bool(&v, c)).transpose().map(|b| b.unwrap_or(false));
    Ok(Member {
        line: row.line,
        no: required(row, "member_no")?,
        relation,
        surname: required(row, "surname")?,
        given_name: required(row, "given_name")?,
        patronymic: text(row, "patronymic"),
        sex: parse_sex(&required(row, "sex")?)?,
        birth_date: parse_date(&required(row, "birth_date")?, &formats(), "birth_date")?,
        pin: text(row, "pin"),
        abroad: flag("abroad")?,
        disability: flag("disability")?,
        deceased: text(row, "deceased_on").map(|v| parse_date(&v, &formats(), "deceased_on")).transpose()?.is_some(),
        mother_no: text(row, "mother_no"),
        father_no: text(row, "father_no"),
    })
}

fn age(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut a = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a
}

fn presence(m: &Member) -> &'static str {
    if m.deceased {
        "deceased"
    } else if m.abroad {
        "abroad_migrant"
    } else {
        "present"
    }
}

/// The parents of a minor: by `mother_no`/`father_no`, else the head and spouse for a `child`.
fn parents<'a>(child: &Member, all: &'a [Member]) -> Vec<(&'static str, &'a Member)> {
    let by_no = |no: &Option<String>| no.as_ref().and_then(|n| all.iter().find(|m| &m.no == n));
    let mut out = Vec::new();
    let explicit = child.mother_no.is_some() || child.father_no.is_some();
    if explicit {
        if let Some(m) = by_no(&child.mother_no) {
            out.push(("mother", m));
        }
        if let Some(f) = by_no(&child.father_no) {
            out.push(("father", f));
        }
    } else if child.relation == "child" {
        for m in all.iter().filter(|m| m.relation == "head" || m.relation == "spouse") {
            out.push((if m.sex == Sex::Female { "mother" } else { "father" }, m));
        }
    }
    out
}

/// The family member's relation code (the profile's `relation` vocabulary), seen from the minors.
fn family_relation(m: &Member, parent_nos: &[&str]) -> &'static str {
    let female = m.sex == Sex::Female;
    if parent_nos.contains(&m.no.as_str()) {
        return if female { "mother" } else { "father" };
    }
    match m.relation.as_str() {
        "parent" => {
            if female {
                "grandmother"
            } else {
                "grandfather"
            }
        }
        "head" | "spouse" => {
            if female {
                "grandmother"
            } else {
                "grandfather"
            }
        }
        "child" | "sibling" => {
            if female {
                "aunt"
            } else {
                "uncle"
            }
        }
        _ => "other",
    }
}

fn build(
    id: &str,
    rows: &[&SourceRow],
    members: Vec<Member>,
    file: &str,
    today: NaiveDate,
    many_children_from: u32,
) -> Result<Household, (u64, Error)> {
    let first = rows[0];
    let soate = required(first, "soate").and_then(|s| parse_territory(&s, "soate")).map_err(|e| (first.line, e))?;
    let address = text(first, "address");
    let low_income = text(first, "low_income")
        .map(|v| parse_bool(&v, "low_income"))
        .transpose()
        .map_err(|e| (first.line, e))?
        .unwrap_or(false);
    for r in &rows[1..] {
        let same = |c: &str| text(r, c) == text(first, c) || text(r, c).is_none();
        if !same("soate") || !same("low_income") {
            let e = Error::validation("HOUSEHOLD_INCONSISTENT", "soate").arg("household", id).arg("first", first.line);
            return Err((r.line, e));
        }
    }
    for m in &members {
        if members.iter().filter(|x| x.no == m.no).count() > 1 {
            return Err((
                m.line,
                Error::new(ErrorCode::Conflict, "DUPLICATE_ROW").with_field("member_no").arg("value", &m.no),
            ));
        }
        for (col, no) in [("mother_no", &m.mother_no), ("father_no", &m.father_no)] {
            if let Some(n) = no {
                if !members.iter().any(|x| &x.no == n) {
                    return Err((m.line, Error::validation("MEMBER_NOT_FOUND", col).arg("value", n)));
                }
            }
        }
    }
    if members.iter().filter(|m| m.relation == "head").count() != 1 {
        return Err((first.line, Error::validation("HOUSEHOLD_HEAD", "relation").arg("household", id)));
    }
    let is_minor = |m: &Member| !m.deceased && m.birth_date <= today && age(m.birth_date, today) < 18;
    let minors: Vec<&Member> = members.iter().filter(|m| is_minor(m)).collect();
    let mut parent_nos: Vec<&str> = Vec::new();
    for c in &minors {
        for (_, p) in parents(c, &members) {
            parent_nos.push(&p.no);
        }
    }
    let mut circumstances = Vec::new();
    if low_income {
        circumstances.push("low_income".to_string());
    }
    if minors.len() as u32 >= many_children_from {
        circumstances.push("many_children".to_string());
    }
    if members.iter().any(|m| parent_nos.contains(&m.no.as_str()) && m.abroad && !m.deceased) {
        circumstances.push("labour_migration".to_string());
    }
    if members.iter().any(|m| m.disability && !m.deceased) {
        circumstances.push("disability".to_string());
    }
    let head = members.iter().find(|m| m.relation == "head").map(|m| m.surname.clone()).unwrap_or_default();
    let reference = |line: u64| Some(format!("{SYSTEM}; file {file}; row {line}; household {id}"));
    let family = Family {
        name: head,
        territory: soate.clone(),
        address: address.clone(),
        members: members
            .iter()
            .filter(|m| !is_minor(m))
            .map(|m| FamilyMember {
                surname: m.surname.clone(),
                given_name: m.given_name.clone(),
                patronymic: m.patronymic.clone(),
                relation: family_relation(m, &parent_nos).into(),
                presence: presence(m).into(),
                birth_date: Some(m.birth_date),
                pin: m.pin.clone(),
            })
            .collect(),
        circumstances,
        notes: None,
    };
    let children = minors
        .iter()
        .map(|c| {
            let relatives: Vec<Relative> = parents(c, &members)
                .into_iter()
                .map(|(relation, p)| Relative {
                    relation: relation.into(),
                    presence: presence(p).into(),
                    surname: Some(p.surname.clone()),
                    given_name: Some(p.given_name.clone()),
                    patronymic: p.patronymic.clone(),
                    pin: p.pin.clone(),
                })
                .collect();
            let with_parents = relatives.iter().any(|r| r.presence == "present");
            let record = Child {
                surname: c.surname.clone(),
                given_name: c.given_name.clone(),
                patronymic: c.patronymic.clone(),
                sex: c.sex,
                birth_date: c.birth_date,
                pin: c.pin.clone(),
                identified_on: today,
                identified_in: soate.clone(),
                identified_place: None,
                residence: Some(Address { territory: Some(soate.clone()), text: address.clone() }),
                relatives,
                disability: Disability { present: c.disability, details: None },
                social_payments: Vec::new(),
                housing: None,
                property: Vec::new(),
                legal_status: if with_parents { "with_parents" } else { "not_established" }.into(),
                needs: BTreeMap::new(),
            };
            let provenance =
                Provenance { source: "household_book".into(), received_on: today, reference: reference(c.line) };
            (c.line, NewChild { record, provenance })
        })
        .collect();
    Ok(Household {
        id: id.to_string(),
        lines: rows.iter().map(|r| r.line).collect(),
        family,
        provenance: Provenance {
            source: "household_book".into(),
            received_on: today,
            reference: reference(first.line),
        },
        children,
    })
}

/// Groups a household book table into households; a household with a bad row is rejected
/// whole (the bad row with its error, the others with `HOUSEHOLD_REJECTED`).
pub fn households(
    table: &Table,
    file: &str,
    today: NaiveDate,
    many_children_from: u32,
) -> Result<(Vec<Household>, Vec<RowError>), Error> {
    if let Some(missing) = COLUMNS.iter().find(|c| !table.headers.iter().any(|h| h == *c)) {
        return Err(Error::validation("MISSING_COLUMN", "file").arg("column", missing));
    }
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<&SourceRow>> = BTreeMap::new();
    let mut rejected = Vec::new();
    for row in &table.rows {
        match row {
            Ok(r) => match text(r, "household_id") {
                Some(h) => {
                    if !groups.contains_key(&h) {
                        order.push(h.clone());
                    }
                    groups.entry(h).or_default().push(r);
                }
                None => rejected.push(RowError::from_error(
                    r.line,
                    &Error::validation("REQUIRED", "household_id"),
                    r.values.clone(),
                )),
            },
            Err(e) => rejected.push(e.clone()),
        }
    }
    let mut out = Vec::new();
    for id in order {
        let rows = &groups[&id];
        let parsed: Result<Vec<Member>, (u64, Error)> =
            rows.iter().map(|r| member(r).map_err(|e| (r.line, e))).collect();
        let result = parsed.and_then(|members| build(&id, rows, members, file, today, many_children_from));
        match result {
            Ok(h) => out.push(h),
            Err((line, e)) => {
                for r in rows {
                    let err = if r.line == line {
                        e.clone()
                    } else {
                        Error::validation("HOUSEHOLD_REJECTED", "household_id").arg("household", &id).arg("row", line)
                    };
                    rejected.push(RowError::from_error(r.line, &err, r.values.clone()));
                }
            }
        }
    }
    rejected.sort_by_key(|r| r.line);
    Ok((out, rejected))
}
