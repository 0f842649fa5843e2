//! What every command needs: the language, the clock, the master key, the
//! registry directory and the session kept between commands.

use crate::error::{CliError, CliResult};
use crate::i18n::Ui;
use chrono::{DateTime, NaiveDate, Utc};
use kamkor_core::store::SledStore;
use kamkor_core::{Clock, Env, ErrorCode, Key, ManualClock, Registry, Session};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The operating system's clock. The CLI is the host: it injects real time into the core.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The host is where real time enters (DESIGN.md invariant 2): the one allowed call.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The file in the registry directory that keeps the session token.
pub const SESSION_FILE: &str = ".session";

/// The clock: `KAMKOR_NOW` (RFC 3339) fixes it, for reproducible runs; else the system clock.
pub fn clock_from_env() -> CliResult<Arc<dyn Clock>> {
    match std::env::var("KAMKOR_NOW") {
        Ok(v) if !v.trim().is_empty() => {
            let at = DateTime::parse_from_rfc3339(v.trim()).map_err(|_| {
                CliError::new(ErrorCode::Validation, "NOW_INVALID").with_field("KAMKOR_NOW").arg("value", v.trim())
            })?;
            Ok(Arc::new(ManualClock::new(at.with_timezone(&Utc))))
        }
        _ => Ok(Arc::new(SystemClock)),
    }
}

/// The shared context of a command.
pub struct App {
    /// Language and output mode.
    pub ui: Ui,
    /// The registry directory.
    pub dir: PathBuf,
    /// `--key-file`.
    pub key_file: Option<PathBuf>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

impl App {
    /// Today by the clock.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// The master key from `--key-file`/`KAMKOR_KEY_FILE`, else from `KAMKOR_KEY`.
    pub fn key(&self) -> CliResult<Key> {
        if let Some(path) = &self.key_file {
            return read_key_file(path);
        }
        match std::env::var("KAMKOR_KEY") {
            Ok(v) if !v.trim().is_empty() => Key::parse(v.trim().as_bytes())
                .map_err(|_| CliError::new(ErrorCode::Crypto, "KEY_FORMAT").arg("source", "KAMKOR_KEY")),
            _ => Err(CliError::new(ErrorCode::Crypto, "KEY_MISSING")),
        }
    }

    /// A fresh environment (clock and OS randomness) for the core.
    pub fn env(&self) -> Env {
        Env::new(self.clock.clone())
    }

    /// Opens the registry in the directory (which must exist and hold one).
    pub fn open(&self) -> CliResult<Registry> {
        if !self.dir.is_dir() {
            return Err(CliError::new(ErrorCode::NotFound, "REGISTRY_MISSING").arg("path", self.dir.display()));
        }
        let key = self.key()?;
        let store = open_store(&self.dir)?;
        Registry::open(Arc::new(store), &key, self.env()).map_err(|e| {
            let missing = e.reason == "REGISTRY_MISSING";
            let err = CliError::from(e);
            if missing {
                err.arg("path", self.dir.display())
            } else {
                err
            }
        })
    }

    /// Opens the registry and the session (`KAMKOR_SESSION`, else the session file).
    pub fn open_session(&self) -> CliResult<(Registry, Session)> {
        let reg = self.open()?;
        Ok((reg, self.session()?))
    }

    /// The session token kept by `login`.
    pub fn session(&self) -> CliResult<Session> {
        if let Ok(t) = std::env::var("KAMKOR_SESSION") {
            if !t.trim().is_empty() {
                return Ok(Session::from_token(t.trim()));
            }
        }
        match std::fs::read_to_string(self.dir.join(SESSION_FILE)) {
            Ok(t) if !t.trim().is_empty() => Ok(Session::from_token(t.trim())),
            _ => Err(CliError::new(ErrorCode::Unauthenticated, "NOT_SIGNED_IN")),
        }
    }
}

/// Opens (or creates) the sled store in a directory.
pub fn open_store(dir: &Path) -> CliResult<SledStore> {
    SledStore::open(dir)
        .map_err(|e| CliError::new(ErrorCode::Storage, "STORE_OPEN").arg("path", dir.display()).arg("detail", e))
}

/// Reads a key file (64 hex digits).
pub fn read_key_file(path: &Path) -> CliResult<Key> {
    let bytes = std::fs::read(path).map_err(|e| CliError::io("KEY_FILE_UNREADABLE", path, &e).with_exit(7))?;
    Key::parse(&bytes).map_err(|_| CliError::new(ErrorCode::Crypto, "KEY_FORMAT").arg("source", path.display()))
}

/// Writes a new file readable by its owner only (0600 on Unix); refuses to overwrite.
pub fn write_private_new(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let mut f = create_private_new(path)?;
    f.write_all(content)?;
    f.sync_all()
}

/// Creates a new file readable by its owner only; refuses to overwrite.
pub fn create_private_new(path: &Path) -> std::io::Result<std::fs::File> {
    private_options().create_new(true).open(path)
}

/// Writes (or replaces) a file readable by its owner only.
pub fn write_private(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let mut f = private_options().create(true).truncate(true).open(path)?;
    f.write_all(content)?;
    f.sync_all()
}

fn private_options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Whether a directory is missing or has no entries.
pub fn dir_is_empty_or_missing(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut it) => it.next().is_none(),
        Err(_) => !dir.exists(),
    }
}
