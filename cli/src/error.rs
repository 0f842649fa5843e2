//! The CLI's error: a core error, or one of the tool's own, with a stable
//! code and reason, a localized message and an exit code.

use crate::i18n::Ui;
use kamkor_core::{Error, ErrorCode};
use serde_json::json;

/// Exit code for failures of the tool itself (its own I/O, a broken audit chain).
pub const EXIT_OTHER: u8 = 1;

/// An error as the CLI reports it.
#[derive(Debug, Clone)]
pub struct CliError {
    /// Stable class: a core `ErrorCode` name, or `IO` for the tool's own failures.
    pub code: String,
    /// Fine-grained stable reason; its kebab-case form is the Fluent message id.
    pub reason: String,
    /// The input concerned.
    pub field: Option<String>,
    /// Message arguments.
    pub args: Vec<(String, String)>,
    /// The process exit code.
    pub exit: u8,
    /// Already shown to the user (only the exit code remains to give).
    pub reported: bool,
}

/// Result alias.
pub type CliResult<T = ()> = Result<T, CliError>;

/// The exit code of a core error class.
pub fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::AccessDenied | ErrorCode::Unauthenticated => 3,
        ErrorCode::Validation => 4,
        ErrorCode::NotFound => 5,
        ErrorCode::Conflict => 6,
        ErrorCode::Storage | ErrorCode::Crypto | ErrorCode::Profile => 7,
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError {
            code: e.code.as_str().to_string(),
            exit: exit_code(e.code),
            reason: e.reason,
            field: e.field,
            args: e.args.into_iter().collect(),
            reported: false,
        }
    }
}

impl CliError {
    /// An error of a core class raised by the CLI itself (its reason is in the CLI's catalog).
    pub fn new(code: ErrorCode, reason: &str) -> Self {
        Error::new(code, reason).into()
    }
    /// A failure of the tool's own input/output on a path.
    pub fn io(reason: &str, path: &std::path::Path, e: &std::io::Error) -> Self {
        CliError {
            code: "IO".into(),
            reason: reason.into(),
            field: None,
            args: vec![("path".into(), path.display().to_string()), ("detail".into(), e.to_string())],
            exit: EXIT_OTHER,
            reported: false,
        }
    }
    /// Adds a message argument.
    pub fn arg(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.args.push((name.to_string(), value.to_string()));
        self
    }
    /// Sets the field.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    /// Marks the error as already shown.
    pub fn reported(mut self) -> Self {
        self.reported = true;
        self
    }
    /// Sets the exit code.
    pub fn with_exit(mut self, exit: u8) -> Self {
        self.exit = exit;
        self
    }

    /// The message in the user's language: the reason's message, else the class's generic one.
    pub fn message(&self, ui: &Ui) -> String {
        let mut args: Vec<(&str, String)> = self.args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        args.push(("field", self.field.clone().unwrap_or_default()));
        let id = kamkor_core::i18n::reason_message_id(&self.reason);
        if ui.has(&id) {
            return ui.ta(&id, &args);
        }
        let generic = kamkor_core::i18n::reason_message_id(&self.code);
        if ui.has(&generic) {
            return ui.ta(&generic, &args);
        }
        ui.ta("error-unknown", &args)
    }

    /// Prints the error: JSON on stdout with `--json`, else a localized line on stderr.
    pub fn report(&self, ui: &Ui) {
        if self.reported {
            return;
        }
        let message = self.message(ui);
        if ui.json {
            let v =
                json!({"error": {"code": self.code, "reason": self.reason, "field": self.field, "message": message}});
            outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        } else {
            let mut line = format!("{}: {message} [{}/{}", ui.t("error-prefix"), self.code, self.reason);
            if let Some(f) = &self.field {
                line.push_str(&format!(", {}: {f}", ui.t("error-field")));
            }
            line.push(']');
            eprintln!("{line}");
        }
    }
}
