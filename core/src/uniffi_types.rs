//! How the core's types cross to Kotlin and Swift (feature `uniffi`, used by `bindings/ffi`).
//!
//! Records and enums derive the uniffi attributes where they are defined; this module gives the
//! custom types their foreign form and the error its methods:
//!
//! | Rust | foreign | form |
//! |---|---|---|
//! | [`SubjectId`] | `String` | 32 lowercase hex digits |
//! | [`TerritoryCode`] | `String` | the digits of the code |
//! | `NaiveDate` | `String` | `"2026-11-23"` |
//! | `DateTime<Utc>` ([`Timestamp`]) | `String` | RFC 3339 UTC, as in the JSON form |
//! | `BTreeMap<String, String>` ([`StringMap`]) | `Map<String, String>` | |
//! | `usize` ([`Count`]) | `u64` | |
//!
//! A foreign string that does not parse cannot be turned into a typed error by uniffi (it
//! surfaces as an internal error): the bindings take ids, codes and dates that come from
//! people as plain strings and parse them inside, returning the core's [`Error`].

use crate::error::{Error, ErrorCode};
use crate::i18n::Lang;
use crate::model::SubjectId;
use crate::territory::TerritoryCode;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};

/// An instant, crossing as its RFC 3339 text.
pub type Timestamp = DateTime<Utc>;
/// Named string values (error arguments, a child's needs).
pub type StringMap = BTreeMap<String, String>;
/// A count or a limit.
pub type Count = usize;

uniffi::custom_type!(SubjectId, String, {
    lower: |id| id.to_string(),
    try_lift: |s| SubjectId::parse(&s).map_err(|e| uniffi::deps::anyhow::anyhow!(e.to_string())),
});

uniffi::custom_type!(TerritoryCode, String, {
    lower: |c| c.as_str().to_string(),
    try_lift: |s| TerritoryCode::parse(&s).map_err(|e| uniffi::deps::anyhow::anyhow!(e.to_string())),
});

uniffi::custom_type!(NaiveDate, String, {
    remote,
    lower: |d| d.format("%Y-%m-%d").to_string(),
    try_lift: |s| Ok(s.parse::<NaiveDate>()?),
});

uniffi::custom_type!(Timestamp, String, {
    remote,
    lower: |t| timestamp_text(&t),
    try_lift: |s| Ok(DateTime::parse_from_rfc3339(&s)?.with_timezone(&Utc)),
});

uniffi::custom_type!(StringMap, HashMap<String, String>, {
    remote,
    lower: |m| m.into_iter().collect(),
    try_lift: |m| Ok(m.into_iter().collect()),
});

uniffi::custom_type!(Count, u64, {
    remote,
    lower: |n| n as u64,
    try_lift: |n| Ok(usize::try_from(n)?),
});

/// The JSON (serde) text of an instant: RFC 3339 UTC with `Z`, fractions only when non-zero.
pub fn timestamp_text(t: &DateTime<Utc>) -> String {
    serde_json::to_value(t).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| t.to_rfc3339())
}

fn lang_of(code: &str) -> Lang {
    match code {
        "ru" => Lang::Ru,
        "ky" => Lang::Ky,
        _ => Lang::En,
    }
}

/// The error's fields and localized message, as methods of the thrown object.
#[uniffi::export]
impl Error {
    /// The stable error class.
    #[uniffi::method(name = "code")]
    pub fn ffi_code(&self) -> ErrorCode {
        self.code
    }
    /// The stable fine-grained reason, e.g. `NOT_IN_TERRITORY`.
    #[uniffi::method(name = "reason")]
    pub fn ffi_reason(&self) -> String {
        self.reason.clone()
    }
    /// The input field concerned, if any.
    #[uniffi::method(name = "field")]
    pub fn ffi_field(&self) -> Option<String> {
        self.field.clone()
    }
    /// Named values of the message.
    #[uniffi::method(name = "args")]
    pub fn ffi_args(&self) -> StringMap {
        self.args.clone()
    }
    /// The message in `ru`, `ky` or `en` (any other code gives English).
    #[uniffi::method(name = "message")]
    pub fn ffi_message(&self, lang: String) -> String {
        self.localized(lang_of(&lang))
    }
    /// The error as JSON: `{"code", "reason", "field", "args"}` (the scenarios' form).
    #[uniffi::method(name = "to_json")]
    pub fn ffi_to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Checks a record id typed by a person (32 hex digits): `VALIDATION/BAD_ID` when it is not one.
#[uniffi::export]
pub fn parse_subject_id(text: String) -> Result<SubjectId, std::sync::Arc<Error>> {
    SubjectId::parse(&text).map_err(std::sync::Arc::new)
}

/// Checks a territory code typed by a person: `VALIDATION/TERRITORY_BAD_CODE` when it is not one.
#[uniffi::export]
pub fn parse_territory_code(text: String) -> Result<TerritoryCode, std::sync::Arc<Error>> {
    TerritoryCode::parse(&text)
        .map_err(|e| std::sync::Arc::new(Error::validation(e.code(), "territory").arg("value", text.as_str())))
}
