//! Configuration documents as text: profiles, working-day calendars, plan rules and import
//! mappings are TOML files, or the same document written as JSON. One reader for all of them.
//!
//! - A text whose first non-blank character is `{` is JSON (a TOML document cannot start so);
//!   the JSON form has exactly the tables, keys and values of the TOML one.
//! - The shipped documents (`core/profiles/*.toml`, `core/calendars/*.toml`) are also kept in
//!   their JSON form, generated from the TOML ([`PREBUILT`], checked by a test that fails when
//!   stale): a text whose SHA-256 is a shipped document's is read from that JSON form.
//! - Anything else is parsed as TOML, with the crate feature `toml` (on by default). The
//!   WebAssembly package leaves it out to stay small: there, shipped documents still open (by
//!   their hash), custom ones are given in the JSON form, and other TOML is refused with a
//!   syntax error that says so.

use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::ops::Range;

mod prebuilt;
pub(crate) use prebuilt::PREBUILT;

/// Why a document could not be read: a message and, when known, the byte span in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    message: String,
    span: Option<Range<usize>>,
}

impl TextError {
    /// What is wrong, in the parser's words.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where in the text (bytes), when the parser knows.
    pub fn span(&self) -> Option<Range<usize>> {
        self.span.clone()
    }
}

/// Whether a document text is in the JSON form.
pub fn is_json(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// The JSON form of a shipped document whose text this is, found by the text's SHA-256.
pub fn prebuilt(text: &str) -> Option<&'static str> {
    let digest = Sha256::digest(text.as_bytes());
    let hash = hex::encode(digest);
    PREBUILT.iter().find(|p| p.1 == hash).map(|p| p.2)
}

/// The JSON form of a shipped document by name (`kyrgyzstan`, `omsk`, `yamal`, `calendar-kg`,
/// `calendar-ru`).
pub fn prebuilt_by_name(name: &str) -> Option<&'static str> {
    PREBUILT.iter().find(|p| p.0 == name).map(|p| p.2)
}

/// Reads a document: JSON, a shipped document, or TOML (see the module documentation).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, TextError> {
    if is_json(text) {
        return from_json(text);
    }
    if let Some(json) = prebuilt(text) {
        // Generated from this very text and checked by a test: an error here is a stale table,
        // reported as such rather than at a place of a text it does not belong to.
        return from_json(json)
            .map_err(|e| TextError { message: format!("shipped JSON form: {}", e.message), span: None });
    }
    from_toml(text)
}

fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, TextError> {
    // `from_slice`, as the store reads its records: one instantiation of the JSON reader per type.
    serde_json::from_slice(text.as_bytes()).map_err(|e| {
        let span = (e.line() > 0).then(|| {
            let start: usize = text.split_inclusive('\n').take(e.line() - 1).map(str::len).sum();
            let at = (start + e.column().saturating_sub(1)).min(text.len());
            at..at
        });
        TextError { message: e.to_string(), span }
    })
}

/// Parses TOML text (the feature `toml`).
#[cfg(feature = "toml")]
pub fn from_toml<T: DeserializeOwned>(text: &str) -> Result<T, TextError> {
    toml::from_str(text).map_err(|e| TextError { message: e.message().to_string(), span: e.span() })
}

/// Without the feature `toml` only the JSON form and the shipped documents are read.
#[cfg(not(feature = "toml"))]
pub fn from_toml<T: DeserializeOwned>(_text: &str) -> Result<T, TextError> {
    Err(TextError {
        message: "this build reads the JSON form of a document only (no TOML parser, crate feature `toml`)".into(),
        span: Some(0..0),
    })
}

/// The JSON form of a TOML document: the same tables, keys and values.
#[cfg(feature = "toml")]
pub fn toml_to_json(text: &str) -> Result<String, TextError> {
    let value: toml::Value = from_toml(text)?;
    serde_json::to_string(&value).map_err(|e| TextError { message: e.to_string(), span: None })
}

#[cfg(all(test, feature = "toml"))]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::profile::{Profile, BUILTIN};

    /// The shipped documents the table is generated from: name and TOML text (JSON form in
    /// `core/profiles/json/<name>.json`).
    fn sources() -> Vec<(&'static str, &'static str)> {
        let mut out: Vec<_> = BUILTIN.to_vec();
        out.push(("calendar-kg", include_str!("../../calendars/kg.toml")));
        out.push(("calendar-ru", include_str!("../../calendars/ru.toml")));
        out
    }

    /// The generated table is current: same names, hashes of the TOML and JSON forms.
    /// `KAMKOR_REGENERATE=1 cargo test -p kamkor-core --lib prebuilt` rewrites it.
    #[test]
    fn prebuilt_table_is_current() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut rs = String::from(
            "//! Generated by `KAMKOR_REGENERATE=1 cargo test -p kamkor-core --lib prebuilt` from the shipped\n\
             //! TOML documents: do not edit. Name, SHA-256 of the TOML text, its JSON form.\n\n\
             /// The shipped documents in their JSON form, by the SHA-256 of their TOML text.\n\
             #[rustfmt::skip]\n\
             pub(crate) const PREBUILT: &[(&str, &str, &str)] = &[\n",
        );
        let mut stale = Vec::new();
        let dir = root.join("profiles/json");
        for (name, text) in sources() {
            let json = toml_to_json(text).expect("shipped TOML parses");
            let hash = hex::encode(Sha256::digest(text.as_bytes()));
            rs.push_str(&format!(
                "    (\"{name}\", \"{hash}\", include_str!(\"../../../profiles/json/{name}.json\")),\n"
            ));
            let current = PREBUILT.iter().find(|p| p.0 == name);
            if current.map(|p| (p.1, p.2)) != Some((hash.as_str(), json.as_str())) {
                stale.push(name);
            }
            if std::env::var_os("KAMKOR_REGENERATE").is_some() {
                std::fs::create_dir_all(&dir).expect("mkdir");
                std::fs::write(dir.join(format!("{name}.json")), &json).expect("write json");
            }
        }
        rs.push_str("];\n");
        if std::env::var_os("KAMKOR_REGENERATE").is_some() {
            std::fs::write(root.join("src/profile/text/prebuilt.rs"), rs).expect("write table");
            return;
        }
        assert_eq!(PREBUILT.len(), sources().len(), "the table lists other documents: regenerate it");
        assert!(
            stale.is_empty(),
            "stale JSON forms of {stale:?}: run KAMKOR_REGENERATE=1 cargo test -p kamkor-core --lib prebuilt"
        );
    }

    /// A shipped text is read from its JSON form, with the same result as parsing its TOML
    /// (a comment added changes the hash, so that text goes through the TOML parser).
    #[test]
    fn shipped_documents_read_the_same_from_both_forms() {
        for (name, text) in BUILTIN {
            assert!(prebuilt(text).is_some(), "{name}");
            assert_eq!(crate::profile::builtin_json(name), prebuilt_by_name(name), "{name}");
            let edited = format!("{text}\n# edited\n");
            assert!(prebuilt(&edited).is_none());
            let fast = Profile::from_toml(text).expect("prebuilt");
            let slow = Profile::from_toml(&edited).expect("toml");
            let json = Profile::from_toml(prebuilt_by_name(name).expect("by name")).expect("json");
            assert_eq!(fast, slow, "{name}");
            assert_eq!(json, slow, "{name}");
        }
        for (name, text) in
            [("kg", include_str!("../../calendars/kg.toml")), ("ru", include_str!("../../calendars/ru.toml"))]
        {
            let edited = format!("{text}\n# edited\n");
            assert!(prebuilt(text).is_some() && prebuilt(&edited).is_none());
            assert_eq!(Calendar::from_toml(text).expect(name), Calendar::from_toml(&edited).expect(name));
            assert_eq!(Calendar::builtin(name).expect(name), Calendar::from_toml(&edited).expect(name));
        }
    }

    #[test]
    fn json_errors_carry_their_place() {
        let e = from_str::<toml::Value>("{\n  \"a\": 1,\n  \"b\": ]\n}").expect_err("bad json");
        let span = e.span().expect("span");
        assert_eq!(crate::profile::locate::line_column("{\n  \"a\": 1,\n  \"b\": ]\n}", span.start).0, 3);
        // A profile in the JSON form is validated like the TOML one, errors and all.
        let mut v: serde_json::Value = serde_json::from_str(prebuilt_by_name("kyrgyzstan").expect("kg")).expect("json");
        v["profile"]["format"] = serde_json::json!(99);
        let e = Profile::from_toml(&v.to_string()).expect_err("format");
        assert_eq!(e.reason, "PROFILE_FORMAT");
        let e = Profile::from_toml("{\"profile\": 1}").expect_err("syntax");
        assert_eq!(e.reason, "PROFILE_SYNTAX");
    }
}
