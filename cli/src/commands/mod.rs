//! The commands, and helpers they share.

pub mod audit;
pub mod cases;
mod children;
mod families;
mod render;
mod setup;
mod users;

pub use setup::KYRGYZSTAN_PROFILE;

use crate::app::App;
use crate::args::Command;
use crate::error::{CliError, CliResult};
use chrono::{DateTime, Utc};
use kamkor_core::{ErrorCode, SubjectId};
use serde::de::DeserializeOwned;
use std::path::Path;

/// Runs one command.
pub fn run(app: &App, command: Command) -> CliResult {
    match command {
        Command::Init(a) => setup::init(app, a),
        Command::Profile(c) => setup::profile(app, c),
        Command::Territory(c) => setup::territory(app, c),
        Command::Backup { file } => setup::backup(app, &file),
        Command::Restore { file } => setup::restore(app, &file),
        Command::Login(a) => users::login(app, a),
        Command::Logout => users::logout(app),
        Command::Whoami => users::whoami(app),
        Command::User(c) => users::user(app, c),
        Command::Child(c) => children::run(app, c),
        Command::Family(c) => families::run(app, c),
        Command::Case(c) => cases::run(app, c),
        Command::Due(a) => cases::due_list(app, a),
        Command::Audit(c) => audit::run(app, c),
        Command::Demo(a) => crate::demo::run(app, a),
    }
}

/// Parses a record id (32 hex digits).
pub fn parse_id(s: &str) -> CliResult<SubjectId> {
    Ok(SubjectId::parse(s)?)
}

/// Reads a text file.
pub fn read_text(path: &Path) -> CliResult<String> {
    std::fs::read_to_string(path).map_err(|e| {
        let err = CliError::io("FILE_UNREADABLE", path, &e);
        if e.kind() == std::io::ErrorKind::NotFound {
            err.with_exit(5)
        } else {
            err
        }
    })
}

/// Parses JSON text into a value, reporting the place of a mistake.
pub fn parse_json<T: DeserializeOwned>(text: &str, place: &str) -> CliResult<T> {
    serde_json::from_str(text).map_err(|e| {
        CliError::new(ErrorCode::Validation, "BAD_JSON")
            .with_field(place.to_string())
            .arg("line", e.line())
            .arg("column", e.column())
            .arg("detail", e)
    })
}

/// An instant for people.
pub fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}
