//! Child and family records (REG-1, REG-2) and their validation.
//!
//! Records are plain data; coded fields (legal status, relations, payments,
//! circumstances) hold codes of the profile's vocabularies, so an owner extends
//! them without a code change. `needs` is open-ended (001 §18, last item).

use crate::pin::{KgPin, PinWarning, Sex};
use crate::profile::{PinScheme, Profile};
use crate::territory::{Territories, TerritoryCode};
use crate::Error;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The identifier of a child or family: 16 random bytes, written as 32 hex digits.
/// It carries no personal data, so audit entries and indexes can name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectId(pub [u8; 16]);

impl SubjectId {
    /// Parses 32 hex digits.
    pub fn parse(s: &str) -> Result<SubjectId, Error> {
        let mut b = [0u8; 16];
        hex::decode_to_slice(s.trim(), &mut b).map_err(|_| Error::validation("BAD_ID", "id").arg("value", s))?;
        Ok(SubjectId(b))
    }
}

impl std::fmt::Display for SubjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl Serialize for SubjectId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for SubjectId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SubjectId::parse(&s).map_err(|e| serde::de::Error::custom(e.reason))
    }
}

/// A relative of the child: present or absent, with names and PIN when known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Relative {
    /// Code of the `relation` vocabulary (mother, father, grandmother, ...).
    pub relation: String,
    /// Code of the `presence` vocabulary (present, deceased, abroad_migrant, ...).
    pub presence: String,
    /// Surname, when known.
    #[serde(default)]
    pub surname: Option<String>,
    /// Given name, when known.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Patronymic, when there is one.
    #[serde(default)]
    pub patronymic: Option<String>,
    /// Personal identification number, when known.
    #[serde(default)]
    pub pin: Option<String>,
}

/// Disability: yes or no, and details.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Disability {
    /// Whether the child has an established disability.
    pub present: bool,
    /// Group, diagnosis category, date established, as recorded.
    #[serde(default)]
    pub details: Option<String>,
}

/// A social payment the child receives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SocialPayment {
    /// Code of the `social_payment` vocabulary.
    pub kind: String,
    /// Amount, since when, decision number, as recorded.
    #[serde(default)]
    pub details: Option<String>,
}

/// An address: a territory node and free text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Address {
    /// The territory (district, ayil aimak, settlement), when known.
    #[serde(default)]
    pub territory: Option<TerritoryCode>,
    /// Street, house, as written.
    #[serde(default)]
    pub text: Option<String>,
}

/// A child in a difficult life situation (REG-1; 001 §18).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Child {
    /// Surname.
    pub surname: String,
    /// Given name.
    pub given_name: String,
    /// Patronymic (optional; Kyrgyz names often use "uulu"/"kyzy").
    #[serde(default)]
    pub patronymic: Option<String>,
    /// Sex.
    pub sex: Sex,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// Personal identification number; absent for foundlings and undocumented children (flagged).
    #[serde(default)]
    pub pin: Option<String>,
    /// Date of identification.
    pub identified_on: NaiveDate,
    /// Place of identification: a territory node.
    pub identified_in: TerritoryCode,
    /// Place of identification in words (school, hospital, street), optional.
    #[serde(default)]
    pub identified_place: Option<String>,
    /// Place of residence, when there is one.
    #[serde(default)]
    pub residence: Option<Address>,
    /// Parents and close relatives, present or absent.
    #[serde(default)]
    pub relatives: Vec<Relative>,
    /// Disability.
    #[serde(default)]
    pub disability: Disability,
    /// Social payments received.
    #[serde(default)]
    pub social_payments: Vec<SocialPayment>,
    /// Housing assigned to the child, when there is one.
    #[serde(default)]
    pub housing: Option<String>,
    /// Inventory of other property.
    #[serde(default)]
    pub property: Vec<String>,
    /// Code of the `legal_status` vocabulary.
    pub legal_status: String,
    /// Other information about the child's needs: open-ended key -> text.
    #[serde(default)]
    pub needs: BTreeMap<String, String>,
}

/// A member of a family (adults and children not registered as children of the registry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FamilyMember {
    /// Surname.
    pub surname: String,
    /// Given name.
    pub given_name: String,
    /// Patronymic.
    #[serde(default)]
    pub patronymic: Option<String>,
    /// Code of the `relation` vocabulary, relative to the head of the household.
    pub relation: String,
    /// Code of the `presence` vocabulary.
    pub presence: String,
    /// Date of birth, when known.
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    /// PIN, when known.
    #[serde(default)]
    pub pin: Option<String>,
}

/// A family (REG-2): members, address, circumstances; children link to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Family {
    /// How the family is called (usually the head's surname).
    pub name: String,
    /// The territory the family lives in (scopes and reports use it).
    pub territory: TerritoryCode,
    /// Street, house, as written.
    #[serde(default)]
    pub address: Option<String>,
    /// Members other than the registered children.
    #[serde(default)]
    pub members: Vec<FamilyMember>,
    /// Codes of the `family_circumstance` vocabulary.
    #[serde(default)]
    pub circumstances: Vec<String>,
    /// Free notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A non-blocking finding about a record: PIN disagreement, missing PIN, likely duplicate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Warning {
    /// Stable code, e.g. `NO_PIN`, `PIN_SEX_MISMATCH`, `LIKELY_DUPLICATE`.
    pub code: String,
    /// The field concerned.
    pub field: Option<String>,
    /// Extra detail (e.g. the id of the likely duplicate when the reader may see it).
    pub detail: Option<String>,
}

impl Warning {
    /// The message in a language.
    pub fn localized(&self, lang: crate::Lang) -> String {
        let id = crate::i18n::reason_message_id(&self.code);
        crate::i18n::catalog().message(
            lang,
            &id,
            &[("field", self.field.clone().unwrap_or_default()), ("detail", self.detail.clone().unwrap_or_default())],
        )
    }
}

/// What validation needs besides the record.
pub struct Context<'a> {
    /// The profile (vocabularies, PIN scheme).
    pub profile: &'a Profile,
    /// The territory hierarchy.
    pub territories: &'a Territories,
    /// Today, from the injected clock.
    pub today: NaiveDate,
}

const MAX_TEXT: usize = 4000;
const MAX_NAME: usize = 100;

fn name(value: &str, field: &str) -> Result<(), Error> {
    let t = value.trim();
    if t.is_empty() {
        return Err(Error::validation("REQUIRED", field));
    }
    if t.chars().count() > MAX_NAME || t.chars().any(char::is_control) {
        return Err(Error::validation("TEXT_INVALID", field));
    }
    Ok(())
}

fn text(value: &Option<String>, field: &str) -> Result<(), Error> {
    match value {
        Some(v) if v.chars().count() > MAX_TEXT => Err(Error::validation("TEXT_INVALID", field)),
        _ => Ok(()),
    }
}

fn date(d: NaiveDate, today: NaiveDate, field: &str) -> Result<(), Error> {
    if d > today {
        return Err(Error::validation("DATE_IN_FUTURE", field).arg("date", d));
    }
    if d.year() < 1900 {
        return Err(Error::validation("DATE_IMPOSSIBLE", field).arg("date", d));
    }
    Ok(())
}

fn territory(code: &TerritoryCode, ctx: &Context<'_>, field: &str) -> Result<(), Error> {
    if ctx.territories.contains(code) {
        Ok(())
    } else {
        Err(Error::validation("UNKNOWN_TERRITORY", field).arg("code", code))
    }
}

/// Validates a PIN under the profile's scheme; returns the normalized PIN.
pub fn validate_pin(pin: &str, ctx: &Context<'_>, field: &str) -> Result<String, Error> {
    match ctx.profile.profile.pin {
        PinScheme::Kg => KgPin::parse(pin)
            .map(|p| p.as_str().to_string())
            .map_err(|e| Error::validation(e.code(), field).arg("detail", &e).arg("len", pin.len())),
        PinScheme::Snils => crate::pin::validate_snils(pin)
            .map_err(|e| Error::validation(e.code(), field).arg("detail", &e).arg("len", pin.len())),
    }
}

impl Child {
    /// Normalizes (trims names, normalizes PINs) and validates the record; returns warnings.
    pub fn validate(&mut self, ctx: &Context<'_>) -> Result<Vec<Warning>, Error> {
        let mut warnings = Vec::new();
        trim(&mut self.surname);
        trim(&mut self.given_name);
        name(&self.surname, "surname")?;
        name(&self.given_name, "given_name")?;
        if let Some(p) = &self.patronymic {
            name(p, "patronymic")?;
        }
        date(self.birth_date, ctx.today, "birth_date")?;
        date(self.identified_on, ctx.today, "identified_on")?;
        if self.identified_on < self.birth_date {
            return Err(Error::validation("IDENTIFIED_BEFORE_BIRTH", "identified_on"));
        }
        territory(&self.identified_in, ctx, "identified_in")?;
        if let Some(Address { territory: Some(t), .. }) = &self.residence {
            territory(t, ctx, "residence.territory")?;
        }
        match self.pin.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => {
                self.pin = None;
                warnings.push(Warning { code: "NO_PIN".into(), field: Some("pin".into()), detail: None });
            }
            Some(raw) => {
                let normalized = validate_pin(raw, ctx, "pin")?;
                if ctx.profile.profile.pin == PinScheme::Kg {
                    if let Ok(kg) = KgPin::parse(&normalized) {
                        for w in kg.check_against(self.sex, self.birth_date) {
                            let detail = match &w {
                                PinWarning::SexMismatch { pin, .. } => format!("{pin:?}").to_lowercase(),
                                PinWarning::BirthDateMismatch { pin, .. } => pin.to_string(),
                            };
                            warnings.push(Warning {
                                code: w.code().into(),
                                field: Some("pin".into()),
                                detail: Some(detail),
                            });
                        }
                    }
                }
                self.pin = Some(normalized);
            }
        }
        for (i, r) in self.relatives.iter_mut().enumerate() {
            let f = format!("relatives[{i}]");
            ctx.profile.check_term("relation", &r.relation, &format!("{f}.relation"))?;
            ctx.profile.check_term("presence", &r.presence, &format!("{f}.presence"))?;
            for (v, part) in [(&r.surname, "surname"), (&r.given_name, "given_name"), (&r.patronymic, "patronymic")] {
                if let Some(v) = v {
                    name(v, &format!("{f}.{part}"))?;
                }
            }
            if let Some(p) = r.pin.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                r.pin = Some(validate_pin(p, ctx, &format!("{f}.pin"))?);
            } else {
                r.pin = None;
            }
        }
        text(&self.disability.details, "disability.details")?;
        for (i, p) in self.social_payments.iter().enumerate() {
            ctx.profile.check_term("social_payment", &p.kind, &format!("social_payments[{i}].kind"))?;
            text(&p.details, &format!("social_payments[{i}].details"))?;
        }
        text(&self.housing, "housing")?;
        text(&self.identified_place, "identified_place")?;
        for (i, p) in self.property.iter().enumerate() {
            text(&Some(p.clone()), &format!("property[{i}]"))?;
        }
        ctx.profile.check_term("legal_status", &self.legal_status, "legal_status")?;
        for (k, v) in &self.needs {
            let key_ok = !k.is_empty()
                && k.len() <= 64
                && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !key_ok {
                return Err(Error::validation("NEED_KEY_INVALID", format!("needs.{k}")));
            }
            text(&Some(v.clone()), &format!("needs.{k}"))?;
        }
        Ok(warnings)
    }

    /// Full name: surname, given name, patronymic.
    pub fn full_name(&self) -> String {
        let mut s = format!("{} {}", self.surname, self.given_name);
        if let Some(p) = &self.patronymic {
            s.push(' ');
            s.push_str(p);
        }
        s
    }
}

impl Family {
    /// Normalizes and validates the record.
    pub fn validate(&mut self, ctx: &Context<'_>) -> Result<Vec<Warning>, Error> {
        trim(&mut self.name);
        name(&self.name, "name")?;
        territory(&self.territory, ctx, "territory")?;
        text(&self.address, "address")?;
        text(&self.notes, "notes")?;
        for (i, m) in self.members.iter_mut().enumerate() {
            let f = format!("members[{i}]");
            name(&m.surname, &format!("{f}.surname"))?;
            name(&m.given_name, &format!("{f}.given_name"))?;
            ctx.profile.check_term("relation", &m.relation, &format!("{f}.relation"))?;
            ctx.profile.check_term("presence", &m.presence, &format!("{f}.presence"))?;
            if let Some(d) = m.birth_date {
                date(d, ctx.today, &format!("{f}.birth_date"))?;
            }
            if let Some(p) = m.pin.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                m.pin = Some(validate_pin(p, ctx, &format!("{f}.pin"))?);
            } else {
                m.pin = None;
            }
        }
        for (i, c) in self.circumstances.iter().enumerate() {
            ctx.profile.check_term("family_circumstance", c, &format!("circumstances[{i}]"))?;
        }
        Ok(Vec::new())
    }
}

fn trim(s: &mut String) {
    let t = s.trim();
    if t.len() != s.len() {
        *s = t.to_string();
    }
}

/// One change of one field: `field` is a top-level field name of the record, or
/// `needs.<key>` for one need; `value` is the new value in the record's JSON form
/// (`null` clears an optional field or removes a need).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldChange {
    /// The field changed.
    pub field: String,
    /// The new value.
    pub value: serde_json::Value,
}

/// Applies field changes to a record through its JSON form; the result is re-read
/// (so types are checked) but not validated; callers validate.
pub fn apply_changes<T: Serialize + serde::de::DeserializeOwned>(
    record: &T,
    changes: &[FieldChange],
) -> Result<T, Error> {
    let mut json =
        serde_json::to_value(record).map_err(|e| Error::validation("BAD_VALUE", "record").arg("detail", e))?;
    let obj = json.as_object_mut().ok_or_else(|| Error::validation("BAD_VALUE", "record"))?;
    for (i, ch) in changes.iter().enumerate() {
        let field = format!("changes[{i}].{}", ch.field);
        if let Some(key) = ch.field.strip_prefix("needs.") {
            let needs = obj
                .get_mut("needs")
                .and_then(|n| n.as_object_mut())
                .ok_or_else(|| Error::validation("UNKNOWN_FIELD", &field))?;
            match &ch.value {
                serde_json::Value::Null => {
                    needs.remove(key);
                }
                v => {
                    needs.insert(key.to_string(), v.clone());
                }
            }
        } else if obj.contains_key(&ch.field) {
            obj.insert(ch.field.clone(), ch.value.clone());
        } else {
            return Err(Error::validation("UNKNOWN_FIELD", &field).arg("code", &ch.field));
        }
    }
    serde_json::from_value(json).map_err(|e| Error::validation("BAD_VALUE", "changes").arg("detail", e))
}
