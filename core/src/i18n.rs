//! Localized messages (Russian, Kyrgyz, English) from Fluent catalogs.
//!
//! The core ships `locales/{en,ru,ky}.ftl`; a host (the CLI, a binding) may add
//! its own resources with [`Catalog::with_resources`].

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::OnceLock;
use unic_langid::LanguageIdentifier;

/// A language of messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Russian.
    Ru,
    /// Kyrgyz.
    Ky,
    /// English.
    #[default]
    En,
}

impl Lang {
    /// All languages, in catalog order.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ru, Lang::Ky];

    /// Parses "ru", "ky", "en" and locale strings such as "ru_RU.UTF-8" or "ky-KG".
    pub fn parse(s: &str) -> Option<Lang> {
        let lower = s.trim().to_ascii_lowercase();
        let head = lower.split(['_', '-', '.']).next().unwrap_or("");
        match head {
            "ru" | "rus" => Some(Lang::Ru),
            "ky" | "kir" | "kg" => Some(Lang::Ky),
            "en" | "eng" | "c" | "posix" => Some(Lang::En),
            _ => None,
        }
    }
    /// The two-letter code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::Ky => "ky",
            Lang::En => "en",
        }
    }
}

/// Fluent message id for a stable reason code: `NOT_IN_TERRITORY` -> `not-in-territory`.
pub fn reason_message_id(reason: &str) -> String {
    reason.to_ascii_lowercase().replace('_', "-")
}

const CORE_EN: &str = include_str!("../locales/en.ftl");
const CORE_RU: &str = include_str!("../locales/ru.ftl");
const CORE_KY: &str = include_str!("../locales/ky.ftl");

/// Message bundles for the three languages.
pub struct Catalog {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Catalog")
    }
}

impl Catalog {
    /// The core catalog plus extra resources (`(lang, ftl source)`), which may override core messages.
    /// Returns the parse errors of any resource as text.
    pub fn with_resources(extra: &[(Lang, &str)]) -> Result<Catalog, String> {
        let mut bundles = Vec::new();
        for lang in Lang::ALL {
            let id: LanguageIdentifier = lang.code().parse().map_err(|e| format!("{e:?}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            bundle.set_use_isolating(false);
            let core = match lang {
                Lang::En => CORE_EN,
                Lang::Ru => CORE_RU,
                Lang::Ky => CORE_KY,
            };
            let sources = std::iter::once(core).chain(extra.iter().filter(|(l, _)| *l == lang).map(|(_, s)| *s));
            for src in sources {
                let res = FluentResource::try_new(src.to_string())
                    .map_err(|(_, errs)| format!("{}: {errs:?}", lang.code()))?;
                bundle.add_resource_overriding(res);
            }
            bundles.push((lang, bundle));
        }
        Ok(Catalog { bundles })
    }

    /// The message `id` in `lang`, falling back to English, then to the id itself.
    pub fn message(&self, lang: Lang, id: &str, args: &[(&str, String)]) -> String {
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.clone());
        }
        for try_lang in [lang, Lang::En] {
            if let Some((_, bundle)) = self.bundles.iter().find(|(l, _)| *l == try_lang) {
                if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                    let mut errors = Vec::new();
                    return bundle.format_pattern(pattern, Some(&fargs), &mut errors).into_owned();
                }
            }
        }
        id.to_string()
    }

    /// Whether `lang` has its own message `id` (no fallback).
    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.bundles.iter().any(|(l, b)| *l == lang && b.has_message(id))
    }
}

/// The core catalog, built once.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::with_resources(&[]).unwrap_or_else(|_| Catalog { bundles: Vec::new() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(src: &str) -> Vec<String> {
        src.lines()
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next().map(str::to_string))
            .collect()
    }

    #[test]
    fn every_message_exists_in_every_language() {
        let en = ids(CORE_EN);
        assert!(en.len() > 20, "catalog too small: {}", en.len());
        for (lang, src) in [(Lang::Ru, CORE_RU), (Lang::Ky, CORE_KY)] {
            let other = ids(src);
            for id in &en {
                assert!(other.contains(id), "{id} missing in {}", lang.code());
            }
            for id in &other {
                assert!(en.contains(id), "{id} only in {}", lang.code());
            }
        }
    }

    #[test]
    fn catalogs_parse_and_interpolate() {
        let c = Catalog::with_resources(&[]).expect("core catalogs parse");
        let m = c.message(Lang::Ru, "pin-length", &[("len", "13".into())]);
        assert!(m.contains("13") && m.contains("ПИН"), "{m}");
        assert_eq!(c.message(Lang::Ky, "no-such-id", &[]), "no-such-id");
    }

    #[test]
    fn lang_parses_locales() {
        assert_eq!(Lang::parse("ru_RU.UTF-8"), Some(Lang::Ru));
        assert_eq!(Lang::parse("ky-KG"), Some(Lang::Ky));
        assert_eq!(Lang::parse("C"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
    }
}
