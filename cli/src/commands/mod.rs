//! The commands, and helpers they share.

mod archive;
pub mod audit;
pub mod cases;
mod children;
mod classifier;
mod dataset;
mod families;
mod import;
mod print;
mod render;
mod reports;
mod setup;
pub mod sync;
mod users;

pub use setup::{profile_text, KYRGYZSTAN_PROFILE};

use crate::app::App;
use crate::args::{Command, TerritoryCmd};
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
        Command::Territory(TerritoryCmd::List { under, profile }) => setup::territory(app, under, profile),
        Command::Territory(TerritoryCmd::Load(a)) => classifier::load(app, a),
        Command::Import(a) => import::run(app, a),
        Command::Signals => import::signals(app),
        Command::Report(c) => reports::run(app, c),
        Command::Dataset(a) => dataset::run(app, a),
        Command::Retention(c) => archive::retention(app, c),
        Command::Archive(c) => archive::run(app, c),
        Command::Sync(c) => sync::run(app, c),
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

/// Reads a file's bytes.
pub fn read_bytes(path: &Path) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
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

/// The error of creating a new file: `CONFLICT/FILE_EXISTS` (exit 6) when it exists already.
pub fn new_file_error(path: &Path, e: &std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        CliError::new(ErrorCode::Conflict, "FILE_EXISTS").arg("path", path.display())
    } else {
        CliError::io("FILE_UNWRITABLE", path, e)
    }
}

/// Refuses early (before any work is done or audited) when an output file exists already.
pub fn ensure_absent(path: &Path) -> CliResult {
    if path.exists() {
        return Err(CliError::new(ErrorCode::Conflict, "FILE_EXISTS").arg("path", path.display()));
    }
    Ok(())
}

/// Writes a new file readable by its owner only; never overwrites.
pub fn write_new(path: &Path, content: &[u8]) -> CliResult {
    crate::app::write_private_new(path, content).map_err(|e| new_file_error(path, &e))
}

/// A renderer's failure (a broken build rather than bad input): the tool's own failure, exit 1.
pub fn render_error(e: kamkor_core::render::RenderError) -> CliError {
    let mut err =
        CliError::new(ErrorCode::Storage, "RENDER_FAILED").arg("detail", &e).with_exit(crate::error::EXIT_OTHER);
    err.code = "RENDER".into();
    err
}
