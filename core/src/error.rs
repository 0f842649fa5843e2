//! The public error: a stable code, a fine-grained reason, and a localized message.
//!
//! Modules keep their own `thiserror` enums; everything that crosses the
//! registry facade becomes an [`Error`] with a stable [`ErrorCode`] that the
//! bindings map to exceptions (Python), `Error.code` (JS) and enums (uniffi).

use crate::i18n::{self, Lang};
use serde::Serialize;

/// Stable error classes. Their `SCREAMING_SNAKE_CASE` names never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The actor is known but may not do this; `reason` says why.
    AccessDenied,
    /// No valid session or credentials (wrong password, expired session, locked account).
    Unauthenticated,
    /// The input is invalid; `field` names the offending part.
    Validation,
    /// The record, user or file does not exist (or is not visible).
    NotFound,
    /// The change conflicts with the current state (duplicate, stale version).
    Conflict,
    /// The store failed or is damaged.
    Storage,
    /// A key is wrong or encrypted data is damaged.
    Crypto,
    /// A jurisdiction profile or data file is invalid.
    Profile,
}

impl ErrorCode {
    /// The stable string form, e.g. `"ACCESS_DENIED"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AccessDenied => "ACCESS_DENIED",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Validation => "VALIDATION",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Storage => "STORAGE",
            ErrorCode::Crypto => "CRYPTO",
            ErrorCode::Profile => "PROFILE",
        }
    }

    /// The code of its stable string form (the inverse of [`ErrorCode::as_str`]).
    pub fn parse(s: &str) -> Option<ErrorCode> {
        [
            ErrorCode::AccessDenied,
            ErrorCode::Unauthenticated,
            ErrorCode::Validation,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::Storage,
            ErrorCode::Crypto,
            ErrorCode::Profile,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// The error every public operation returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Error {
    /// The error class.
    pub code: ErrorCode,
    /// A fine-grained stable reason, e.g. `"NOT_IN_TERRITORY"` or `"PIN_LENGTH"`.
    pub reason: String,
    /// The input field concerned, when there is one (e.g. `"pin"`, `"rows[12].birth_date"`).
    pub field: Option<String>,
    /// Named values the localized message interpolates (e.g. `existing` for a duplicate).
    pub args: std::collections::BTreeMap<String, String>,
}

/// Result alias for public operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error with a code and a reason.
    pub fn new(code: ErrorCode, reason: impl Into<String>) -> Self {
        Error { code, reason: reason.into(), field: None, args: Default::default() }
    }
    /// Shorthand for a validation error about a field.
    pub fn validation(reason: impl Into<String>, field: impl Into<String>) -> Self {
        Error::new(ErrorCode::Validation, reason).with_field(field)
    }
    /// Shorthand for a storage error.
    pub fn storage(detail: impl std::fmt::Display) -> Self {
        Error::new(ErrorCode::Storage, "STORE_FAILED").arg("detail", detail)
    }
    /// Sets the field.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    /// Prefixes the field with a context, e.g. a row index: `rows[3].pin`.
    pub fn in_context(mut self, ctx: &str) -> Self {
        self.field = Some(match self.field.take() {
            Some(f) => format!("{ctx}.{f}"),
            None => ctx.to_string(),
        });
        self
    }
    /// Adds a message argument.
    pub fn arg(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.args.insert(name.to_string(), value.to_string());
        self
    }
    /// The message in a language (Fluent catalogs in `core/locales`).
    pub fn localized(&self, lang: Lang) -> String {
        self.localized_in(i18n::catalog(), lang)
    }

    /// The message in a language from a host's catalog (core messages plus the host's own,
    /// see [`i18n::Catalog::with_resources`]).
    pub fn localized_in(&self, catalog: &i18n::Catalog, lang: Lang) -> String {
        let id = i18n::reason_message_id(&self.reason);
        let mut args: Vec<(&str, String)> = self.args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        args.push(("field", self.field.clone().unwrap_or_default()));
        let text = catalog.message(lang, &id, &args);
        if text == id {
            // No message for this reason: fall back to the generic one of its class.
            let generic = i18n::reason_message_id(self.code.as_str());
            return catalog.message(lang, &generic, &args);
        }
        text
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}/{})", self.localized(Lang::En), self.code.as_str(), self.reason)
    }
}

impl std::error::Error for Error {}
