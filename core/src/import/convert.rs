//! A source row to a child record under a [`Mapping`]: value maps, defaults, dates in the
//! mapping's formats, PINs with spaces, yes/no in three languages. Errors name the field.

use super::{Mapping, SourceRow};
use crate::facts::Provenance;
use crate::model::{Address, Child, Disability, Relative};
use crate::pin::Sex;
use crate::registry::NewChild;
use crate::territory::TerritoryCode;
use crate::Error;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The record fields a mapping may name (plus `needs.<key>` for open-ended needs).
pub const FIELDS: &[&str] = &[
    "surname",
    "given_name",
    "patronymic",
    "sex",
    "birth_date",
    "pin",
    "identified_on",
    "identified_in",
    "identified_place",
    "residence_territory",
    "residence_address",
    "legal_status",
    "disability",
    "disability_details",
    "housing",
    "mother_presence",
    "father_presence",
    "received_on",
    "reference",
];

/// Fields every mapping must give (by a column or a default).
pub const REQUIRED: &[&str] = &["surname", "given_name", "sex", "birth_date", "identified_in"];

/// Whether a mapping may name this field.
pub fn is_field(name: &str) -> bool {
    FIELDS.contains(&name) || name.strip_prefix("needs.").is_some_and(|k| !k.is_empty())
}

/// A row's values by field, after value maps and defaults.
pub struct Fields {
    values: BTreeMap<String, String>,
}

impl Fields {
    /// Maps a row: `columns` then `values` maps then `defaults` for what is missing or empty.
    pub fn of(row: &SourceRow, mapping: &Mapping) -> Fields {
        let mut values = BTreeMap::new();
        for (col, field) in &mapping.columns {
            if let Some(v) = row.get(col).map(str::trim).filter(|v| !v.is_empty()) {
                let mapped = mapping
                    .values
                    .get(field)
                    .and_then(|m| {
                        m.get(v)
                            .or_else(|| m.iter().find(|(k, _)| k.to_lowercase() == v.to_lowercase()).map(|(_, x)| x))
                    })
                    .cloned()
                    .unwrap_or_else(|| v.to_string());
                values.insert(field.clone(), mapped);
            }
        }
        for (field, v) in &mapping.defaults {
            values.entry(field.clone()).or_insert_with(|| v.clone());
        }
        Fields { values }
    }

    /// A field's text, when given.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.values.get(field).map(String::as_str)
    }

    fn required(&self, field: &str) -> Result<&str, Error> {
        self.get(field).ok_or_else(|| Error::validation("REQUIRED", field))
    }

    /// The open-ended needs (`needs.<key>` fields).
    pub fn needs(&self) -> BTreeMap<String, String> {
        self.values.iter().filter_map(|(k, v)| Some((k.strip_prefix("needs.")?.to_string(), v.clone()))).collect()
    }
}

/// Parses a date: ISO first, then each format in order.
pub fn parse_date(value: &str, formats: &[String], field: &str) -> Result<NaiveDate, Error> {
    let v = value.trim();
    // Spreadsheet exports sometimes carry a time part: "2015-03-04 00:00:00".
    let v = v.split_once(' ').map(|(d, _)| d).filter(|d| d.len() >= 8).unwrap_or(v);
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(d);
    }
    for f in formats {
        if let Ok(d) = NaiveDate::parse_from_str(v, f) {
            return Ok(d);
        }
    }
    Err(Error::validation("DATE_FORMAT", field).arg("value", value).arg("formats", formats.join(", ")))
}

/// Parses a sex in the usual spellings (en, ru, ky; one letter or whole word).
pub fn parse_sex(value: &str) -> Result<Sex, Error> {
    match value.trim().to_lowercase().as_str() {
        "female" | "f" | "ж" | "жен" | "женский" | "аял" | "кыз" | "1" => Ok(Sex::Female),
        "male" | "m" | "м" | "муж" | "мужской" | "эркек" | "эр" | "2" => Ok(Sex::Male),
        _ => Err(Error::validation("SEX_UNKNOWN", "sex").arg("value", value)),
    }
}

/// Parses yes/no (1/0, true/false, yes/no, да/нет, ооба/жок, x/empty).
pub fn parse_bool(value: &str, field: &str) -> Result<bool, Error> {
    match value.trim().to_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "да" | "д" | "ооба" | "x" | "+" => Ok(true),
        "0" | "false" | "no" | "n" | "нет" | "н" | "жок" | "-" | "" => Ok(false),
        _ => Err(Error::validation("BOOL_FORMAT", field).arg("value", value)),
    }
}

/// Parses a territory code.
pub fn parse_territory(value: &str, field: &str) -> Result<TerritoryCode, Error> {
    TerritoryCode::parse(value.trim()).map_err(|_| Error::validation("TERRITORY_CODE", field).arg("value", value))
}

/// The provenance of a row: the mapping's source, the row's date received (or `today`),
/// and a reference naming the system, the file and the row.
pub fn provenance(
    fields: &Fields,
    mapping: &Mapping,
    file: &str,
    line: u64,
    today: NaiveDate,
) -> Result<Provenance, Error> {
    let received_on = match fields.get("received_on") {
        Some(v) => parse_date(v, &mapping.date_formats, "received_on")?,
        None => today,
    };
    let mut reference = format!("{}; file {}; row {}", mapping.system, file, line);
    if let Some(r) = fields.get("reference") {
        reference.push_str("; ");
        reference.push_str(r);
    }
    Ok(Provenance { source: mapping.source.clone(), received_on, reference: Some(reference) })
}

fn parent(fields: &Fields, field: &str, relation: &str) -> Option<Relative> {
    fields.get(field).map(|p| Relative {
        relation: relation.into(),
        presence: p.to_string(),
        surname: None,
        given_name: None,
        patronymic: None,
        pin: None,
    })
}

/// Builds the child of a row (validation against the profile happens at registration).
pub fn child(row: &SourceRow, mapping: &Mapping, file: &str, today: NaiveDate) -> Result<NewChild, Error> {
    let f = Fields::of(row, mapping);
    let formats = &mapping.date_formats;
    let provenance = provenance(&f, mapping, file, row.line, today)?;
    let birth_date = parse_date(f.required("birth_date")?, formats, "birth_date")?;
    let identified_on = match f.get("identified_on") {
        Some(v) => parse_date(v, formats, "identified_on")?,
        None => provenance.received_on,
    };
    let residence_territory =
        f.get("residence_territory").map(|v| parse_territory(v, "residence_territory")).transpose()?;
    let residence_text = f.get("residence_address").map(str::to_string);
    let residence = (residence_territory.is_some() || residence_text.is_some())
        .then_some(Address { territory: residence_territory, text: residence_text });
    let disability = Disability {
        present: f.get("disability").map(|v| parse_bool(v, "disability")).transpose()?.unwrap_or(false),
        details: f.get("disability_details").map(str::to_string),
    };
    let relatives = [parent(&f, "mother_presence", "mother"), parent(&f, "father_presence", "father")]
        .into_iter()
        .flatten()
        .collect();
    let record = Child {
        surname: f.required("surname")?.to_string(),
        given_name: f.required("given_name")?.to_string(),
        patronymic: f.get("patronymic").map(str::to_string),
        sex: parse_sex(f.required("sex")?)?,
        birth_date,
        pin: f.get("pin").map(str::to_string),
        identified_on,
        identified_in: parse_territory(f.required("identified_in")?, "identified_in")?,
        identified_place: f.get("identified_place").map(str::to_string),
        residence,
        relatives,
        disability,
        social_payments: Vec::new(),
        housing: f.get("housing").map(str::to_string),
        property: Vec::new(),
        legal_status: f.get("legal_status").unwrap_or("not_established").to_string(),
        needs: f.needs(),
    };
    Ok(NewChild { record, provenance })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> Mapping {
        Mapping::from_toml(
            r#"
source = "other_agency"
system = "Legacy"
date_formats = ["%d.%m.%Y"]
[columns]
"Фамилия" = "surname"
"Имя" = "given_name"
"Пол" = "sex"
"Дата" = "birth_date"
"ПИН" = "pin"
"Инв" = "disability"
"Нужды" = "needs.food"
[values.sex]
"Д" = "female"
[defaults]
identified_in = "41711000000000"
"#,
        )
        .expect("mapping")
    }

    fn row(vals: &[(&str, &str)]) -> SourceRow {
        SourceRow { line: 7, values: vals.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() }
    }

    #[test]
    fn a_row_becomes_a_child_with_provenance() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let r = row(&[
            ("Фамилия", "Асанова"),
            ("Имя", "Айгүл"),
            ("Пол", "д"),
            ("Дата", "04.03.2015"),
            ("ПИН", "1 0403 2015 00012"),
            ("Инв", "да"),
            ("Нужды", "питание"),
        ]);
        let c = child(&r, &mapping(), "old.csv", today).expect("child");
        assert_eq!(c.record.sex, Sex::Female);
        assert_eq!(c.record.birth_date, NaiveDate::from_ymd_opt(2015, 3, 4).expect("date"));
        assert!(c.record.disability.present);
        assert_eq!(c.record.needs.get("food").map(String::as_str), Some("питание"));
        assert_eq!(c.provenance.reference.as_deref(), Some("Legacy; file old.csv; row 7"));
        assert_eq!(c.record.identified_on, today);
    }

    #[test]
    fn bad_values_name_their_field() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let e = child(
            &row(&[("Фамилия", "А"), ("Имя", "Б"), ("Пол", "ж"), ("Дата", "2015/31/12")]),
            &mapping(),
            "f",
            today,
        )
        .expect_err("date");
        assert_eq!((e.reason.as_str(), e.field.as_deref()), ("DATE_FORMAT", Some("birth_date")));
        let e = child(&row(&[("Фамилия", "А"), ("Пол", "ж"), ("Дата", "2015-01-01")]), &mapping(), "f", today)
            .expect_err("missing");
        assert_eq!((e.reason.as_str(), e.field.as_deref()), ("REQUIRED", Some("given_name")));
    }

    #[test]
    fn mappings_are_checked() {
        let e = Mapping::from_toml("source='a'\nsystem='b'\n[columns]\nx = 'nope'\n").expect_err("field");
        assert_eq!(e.reason, "MAPPING_UNKNOWN_FIELD");
        let e = Mapping::from_toml("source='a'\nsystem='b'\n[columns]\nx = 'surname'\n").expect_err("incomplete");
        assert_eq!(e.reason, "MAPPING_INCOMPLETE");
        let e = Mapping::from_toml("source='a'\nsystem='b'\nbogus = 1\n").expect_err("syntax");
        assert_eq!((e.reason.as_str(), e.field.as_deref()), ("MAPPING_SYNTAX", Some("line 3")));
    }
}
