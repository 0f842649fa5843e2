//! The CLI's own messages (`cli/locales/*.ftl`) on top of the core catalog,
//! and the choice of language.

use kamkor_core::i18n::Catalog;
use kamkor_core::Lang;
use std::sync::OnceLock;

const CLI_EN: &str = include_str!("../locales/en.ftl");
const CLI_RU: &str = include_str!("../locales/ru.ftl");
const CLI_KY: &str = include_str!("../locales/ky.ftl");
const REPORTS_EN: &str = include_str!("../locales/reports-en.ftl");
const REPORTS_RU: &str = include_str!("../locales/reports-ru.ftl");
const REPORTS_KY: &str = include_str!("../locales/reports-ky.ftl");

/// Every CLI resource: the main catalog and the one of reports, printing and retention.
const RESOURCES: [(Lang, &str); 6] = [
    (Lang::En, CLI_EN),
    (Lang::Ru, CLI_RU),
    (Lang::Ky, CLI_KY),
    (Lang::En, REPORTS_EN),
    (Lang::Ru, REPORTS_RU),
    (Lang::Ky, REPORTS_KY),
];

fn catalog() -> Option<&'static Catalog> {
    static CATALOG: OnceLock<Option<Catalog>> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::with_resources(&RESOURCES).ok()).as_ref()
}

/// The language from the environment's locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), else English.
pub fn lang_from_env() -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .and_then(|v| Lang::parse(&v))
        .unwrap_or(Lang::En)
}

/// How to talk to the user: the language and whether output is JSON.
#[derive(Clone, Copy, Debug)]
pub struct Ui {
    /// Language of messages and labels.
    pub lang: Lang,
    /// Machine-readable output.
    pub json: bool,
}

impl Ui {
    /// A message without arguments.
    pub fn t(&self, id: &str) -> String {
        self.ta(id, &[])
    }
    /// A message with arguments.
    pub fn ta(&self, id: &str, args: &[(&str, String)]) -> String {
        match catalog() {
            Some(c) => c.message(self.lang, id, args),
            None => id.to_string(),
        }
    }
    /// Whether a message exists (in the language or in English).
    pub fn has(&self, id: &str) -> bool {
        catalog().is_some_and(|c| c.has(self.lang, id) || c.has(Lang::En, id))
    }
    /// The two-letter code of the language (for territory names).
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
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

    /// The ids of every CLI resource of a language.
    fn lang_ids(lang: Lang) -> Vec<String> {
        RESOURCES.iter().filter(|(l, _)| *l == lang).flat_map(|(_, src)| ids(src)).collect()
    }

    #[test]
    fn every_message_exists_in_every_language() {
        let en = lang_ids(Lang::En);
        assert!(en.len() > 50, "catalog too small: {}", en.len());
        for lang in [Lang::Ru, Lang::Ky] {
            let other = lang_ids(lang);
            for id in &en {
                assert!(other.contains(id), "{id} missing in {}", lang.code());
            }
            for id in &other {
                assert!(en.contains(id), "{id} only in {}", lang.code());
            }
        }
        let mut sorted = en.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), en.len(), "duplicate ids in the English catalogs");
    }

    #[test]
    fn catalogs_parse() {
        for (lang, src) in RESOURCES {
            assert!(Catalog::with_resources(&[(lang, src)]).is_ok(), "{} does not parse", lang.code());
        }
        assert!(catalog().is_some());
        let ui = Ui { lang: Lang::Ky, json: false };
        assert_ne!(ui.t("key-missing"), "key-missing");
        assert!(ui.t("label-children").contains("Балдар"));
    }

    #[test]
    fn used_ids_exist() {
        // Every t("...")/ta("...") literal in the sources must be in the catalog.
        let sources = [
            include_str!("main.rs"),
            include_str!("app.rs"),
            include_str!("error.rs"),
            include_str!("output.rs"),
            include_str!("password.rs"),
            include_str!("commands/mod.rs"),
            include_str!("commands/setup.rs"),
            include_str!("commands/users.rs"),
            include_str!("commands/children.rs"),
            include_str!("commands/families.rs"),
            include_str!("commands/audit.rs"),
            include_str!("commands/render.rs"),
            include_str!("commands/archive.rs"),
            include_str!("commands/classifier.rs"),
            include_str!("commands/dataset.rs"),
            include_str!("commands/print.rs"),
            include_str!("commands/reports/mod.rs"),
            include_str!("commands/reports/text.rs"),
            include_str!("commands/cases/mod.rs"),
            include_str!("commands/cases/assess.rs"),
            include_str!("commands/cases/due.rs"),
            include_str!("commands/cases/history.rs"),
            include_str!("commands/cases/labels.rs"),
            include_str!("commands/cases/plan.rs"),
            include_str!("commands/cases/programme.rs"),
            include_str!("commands/cases/render.rs"),
            include_str!("demo/mod.rs"),
            include_str!("demo/cast.rs"),
            include_str!("demo/scenario.rs"),
            include_str!("demo/report.rs"),
            include_str!("demo/report_cases.rs"),
            include_str!("demo/cases_tour.rs"),
            include_str!("demo/clock.rs"),
            include_str!("demo/findings.rs"),
            include_str!("demo/walk.rs"),
            include_str!("demo/walk/steps.rs"),
            include_str!("demo/walk/work.rs"),
        ];
        let en = lang_ids(Lang::En);
        let ui = Ui { lang: Lang::En, json: false };
        // Every kebab-case string literal in the sources is a message id, but for these.
        let not_ids = ["kamkor-demo-2026", "not-the-password"];
        for src in sources {
            for (i, chunk) in src.split('"').enumerate() {
                let literal = i % 2 == 1;
                let kebab = chunk.contains('-')
                    && !chunk.ends_with('-')
                    && chunk.starts_with(|c: char| c.is_ascii_lowercase())
                    && chunk.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
                if literal && kebab && !not_ids.contains(&chunk) {
                    assert!(
                        en.contains(&chunk.to_string()) || ui.has(chunk),
                        "message id {chunk} is not in the catalog"
                    );
                }
            }
        }
        // Ids built at run time.
        let dynamic = [
            "status-active",
            "status-expired",
            "status-not-yet-valid",
            "status-revoked",
            "status-locked",
            "flag-no-pin",
            "kind-country",
            "kind-oblast",
            "kind-city-republican",
            "kind-city-district",
            "kind-raion",
            "kind-city-oblast",
            "audit-problem-unreadable",
            "audit-problem-sequence-gap",
            "audit-problem-previous-mismatch",
            "audit-problem-mac-mismatch",
            "audit-problem-head-mismatch",
            "audit-problem-anchor-damaged",
            "audit-problem-anchor-mismatch",
            "audit-problem-truncated",
        ];
        for id in dynamic
            .iter()
            .map(|s| s.to_string())
            .chain(crate::demo::CHECK_IDS.iter().map(|c| format!("demo-check-{}", c.replace('_', "-"))))
        {
            assert!(en.contains(&id), "message id {id} is not in the catalog");
        }
        // Reasons the CLI raises itself.
        for reason in [
            "KEY_MISSING",
            "KEY_FORMAT",
            "KEY_FILE_UNREADABLE",
            "NOT_SIGNED_IN",
            "NOW_INVALID",
            "STORE_OPEN",
            "FILE_UNREADABLE",
            "FILE_UNWRITABLE",
            "FILE_EXISTS",
            "DIR_NOT_EMPTY",
            "RESTORE_DIR_NOT_EMPTY",
            "PASSWORD_MISSING",
            "PASSWORD_MISMATCH",
            "STDIN_UNREADABLE",
            "BAD_JSON",
            "SET_SYNTAX",
            "PIN_NOT_FOUND",
            "AUDIT_BROKEN",
            "DEMO_DIR_NOT_EMPTY",
            "DEMO_NO_REGISTRAR",
            "JSON_OUTPUT",
            "REGISTRY_MISSING",
            "IO",
            "FINDING_SYNTAX",
            "OUT_REQUIRED",
            "UNKNOWN_TABLE",
            "UNKNOWN_COLUMN",
            "NOT_BY_TERRITORY",
            "RENDER_FAILED",
            "CSV_OUTPUT",
            // Core reasons the core catalog lacks a message for.
            "ARCHIVE_DAMAGED",
            "ARCHIVE_FORMAT",
            "LEGAL_HOLD",
        ] {
            let id = kamkor_core::i18n::reason_message_id(reason);
            assert!(en.contains(&id), "message id {id} for {reason} is not in the CLI catalog");
        }
    }
}
