//! Command-line arguments (clap derive). Help texts stay in English; every
//! message the tool itself prints is localized.

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};
use kamkor_core::{Lang, TerritoryCode};
use std::path::PathBuf;

mod case;
mod reports;
pub use case::{
    AssessArgs, CaseCmd, DocArgs, DueArgs, MeasureCmd, MonitorArgs, OpenArgs, OptDocArgs, PlanAddArgs, PlanChangeArgs,
    PlanCmd, ProgrammeCmd, TransitionArgs,
};
pub use reports::{
    ArchiveCmd, ArchiveRequestArgs, CertificateArgs, DatasetArgs, LoadArgs, PrintArgs, ReportCmd, ReportFormat,
    ReportOpts, RetentionCmd,
};

/// The `kamkor` command.
#[derive(Debug, Parser)]
#[command(name = "kamkor", version, about = "Registry of children and families in difficult life situations")]
pub struct Cli {
    /// The registry directory [env: KAMKOR_REGISTRY; default: ./kamkor-data].
    #[arg(long, global = true)]
    pub registry: Option<PathBuf>,
    /// A file holding the master key (64 hex digits) [env: KAMKOR_KEY_FILE; else the key itself in KAMKOR_KEY].
    #[arg(long, global = true)]
    pub key_file: Option<PathBuf>,
    /// Language of messages: ru, ky or en [env: KAMKOR_LANG; else the locale; else en].
    #[arg(long, global = true, value_parser = parse_lang)]
    pub lang: Option<Lang>,
    /// Machine-readable JSON output.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a registry with a profile and its first administrator.
    Init(InitArgs),
    /// Work with jurisdiction profiles.
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Sign in and keep the session for the following commands.
    Login(LoginArgs),
    /// End the current session.
    Logout,
    /// Show who the current session belongs to.
    Whoami,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Children's records.
    #[command(subcommand)]
    Child(ChildCmd),
    /// Family records.
    #[command(subcommand)]
    Family(FamilyCmd),
    /// Cases: the work with a child from identification to exit.
    #[command(subcommand)]
    Case(CaseCmd),
    /// What is due and overdue in your scope, most urgent first.
    Due(DueArgs),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Write a backup of the whole registry to a new file.
    Backup {
        /// The backup file (must not exist).
        file: PathBuf,
    },
    /// Restore a backup into a new or empty registry directory.
    Restore {
        /// The backup file.
        file: PathBuf,
    },
    /// The territory hierarchy.
    #[command(subcommand)]
    Territory(TerritoryCmd),
    /// Statutory reports for your scope: text, JSON, CSV, XLSX, SVG charts and the map.
    #[command(subcommand)]
    Report(ReportCmd),
    /// The depersonalized data set for official statistics.
    Dataset(DatasetArgs),
    /// Retention: children past the retention age are archived and erased.
    #[command(subcommand)]
    Retention(RetentionCmd),
    /// Archive packages: archiving on request, the request log, reading a package.
    #[command(subcommand)]
    Archive(ArchiveCmd),
    /// Offline devices and sync: enrol, scope downloads, change bundles, the conflict queue.
    #[command(subcommand)]
    Sync(crate::commands::sync::SyncCmd),
    /// Build a demonstration registry with synthetic data and show the access rules at work.
    Demo(DemoArgs),
    /// Bulk import of children (CSV, XLSX, JSON Lines) under a mapping, or of the household book.
    Import(ImportArgs),
    /// Children flagged by household screening, with no case opened yet.
    Signals,
}

/// `kamkor import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The source file (.csv, .xlsx, .jsonl).
    pub file: PathBuf,
    /// The mapping (TOML): source columns to fields, value maps, date formats.
    #[arg(long, conflicts_with = "household_book")]
    pub mapping: Option<PathBuf>,
    /// The file is a Sanarip aimak household book export (families, minors, screening).
    #[arg(long)]
    pub household_book: bool,
    /// validate (a dry run), all-or-nothing, or row-by-row.
    #[arg(long, default_value = "all-or-nothing")]
    pub mode: String,
    /// Text encoding: auto (UTF-8, else cp1251), utf-8 or cp1251.
    #[arg(long)]
    pub encoding: Option<String>,
}

/// Where a password comes from: `--password-stdin`, env `KAMKOR_PASSWORD`, or a hidden prompt.
#[derive(Debug, Args, Clone, Default)]
pub struct PasswordArgs {
    /// Read the password from one line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

/// `kamkor init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The profile: a built-in one (`kyrgyzstan`, `omsk`, `yamal`) or a path to a profile TOML file.
    #[arg(long, default_value = "kyrgyzstan")]
    pub profile: String,
    /// Generate a new random master key into this file (mode 0600) and use it.
    #[arg(long)]
    pub new_key_file: Option<PathBuf>,
    /// The administrator's login.
    #[arg(long)]
    pub admin_login: String,
    /// The administrator's surname.
    #[arg(long)]
    pub admin_surname: String,
    /// The administrator's given name.
    #[arg(long)]
    pub admin_given_name: String,
    /// The administrator's patronymic.
    #[arg(long)]
    pub admin_patronymic: Option<String>,
    /// The administrator's PIN.
    #[arg(long)]
    pub admin_pin: Option<String>,
    /// The administrator's position.
    #[arg(long)]
    pub admin_position: String,
    /// The administrator's role (default: the first role of the profile that manages users).
    #[arg(long)]
    pub admin_role: Option<String>,
    /// The agency's name.
    #[arg(long)]
    pub agency: String,
    /// The agency's taxpayer number (INN).
    #[arg(long)]
    pub agency_inn: String,
    /// The agency's address.
    #[arg(long)]
    pub address: String,
    /// The administrator's territory (default: the root of the hierarchy).
    #[arg(long, value_parser = parse_territory)]
    pub territory: Option<TerritoryCode>,
    /// Last day of the administrator's access (default: one year from today).
    #[arg(long)]
    pub valid_until: Option<NaiveDate>,
    /// Password source.
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// `kamkor profile ...`.
#[derive(Debug, Subcommand)]
pub enum ProfileCmd {
    /// Validate a profile TOML file.
    Check {
        /// The profile file, or the name of a built-in profile (`kyrgyzstan`, `omsk`, `yamal`).
        file: PathBuf,
    },
}

/// `kamkor login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The login.
    #[arg(long)]
    pub user: String,
    /// Print the session token instead of keeping it in the registry directory.
    #[arg(long)]
    pub print_token: bool,
    /// Password source.
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// `kamkor user ...`.
#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Register a user.
    Add(Box<UserAddArgs>),
    /// List the users you manage.
    List,
    /// Revoke a user's access at once.
    Revoke {
        /// The user id (`u-...`) or login.
        user: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

/// `kamkor user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Login.
    #[arg(long)]
    pub login: String,
    /// Surname.
    #[arg(long)]
    pub surname: String,
    /// Given name.
    #[arg(long)]
    pub given_name: String,
    /// Patronymic.
    #[arg(long)]
    pub patronymic: Option<String>,
    /// PIN (needed for external sign-in).
    #[arg(long)]
    pub pin: Option<String>,
    /// Position.
    #[arg(long)]
    pub position: String,
    /// Agency name.
    #[arg(long)]
    pub agency: String,
    /// Agency INN.
    #[arg(long)]
    pub agency_inn: String,
    /// Agency address.
    #[arg(long)]
    pub address: String,
    /// Territory code the user works in.
    #[arg(long, value_parser = parse_territory)]
    pub territory: TerritoryCode,
    /// Role id of the profile.
    #[arg(long)]
    pub role: String,
    /// First day of access (default: today).
    #[arg(long)]
    pub valid_from: Option<NaiveDate>,
    /// Last day of access (default: one year from today).
    #[arg(long)]
    pub valid_until: Option<NaiveDate>,
    /// The user signs in through the national identification system (a password is then optional).
    #[arg(long)]
    pub external_login: bool,
    /// Password source.
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// `kamkor child ...`.
#[derive(Debug, Subcommand)]
pub enum ChildCmd {
    /// Register a child (`.json`: one record) or many (`.jsonl`: one per line, all or nothing).
    Register {
        /// The file: `{"record": {...}, "provenance": {...}}` per record.
        #[arg(long)]
        file: PathBuf,
    },
    /// Show a child's record.
    Show {
        /// The child's id.
        id: String,
    },
    /// Find a child by PIN.
    FindPin {
        /// The PIN.
        pin: String,
    },
    /// Search by name in any script and order.
    Search {
        /// Words of the name.
        #[arg(required = true)]
        words: Vec<String>,
        /// Date of birth (YYYY-MM-DD).
        #[arg(long)]
        birth_date: Option<NaiveDate>,
        /// At most this many results.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Record a change of circumstances.
    Update(UpdateArgs),
    /// Show a record's history.
    History {
        /// The child's id.
        id: String,
    },
    /// List children in your scope.
    List {
        /// Only under this territory.
        #[arg(long, value_parser = parse_territory)]
        territory: Option<TerritoryCode>,
        /// Skip this many.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Show at most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Check a record (JSON file) for possible duplicates before registering it.
    Duplicates {
        /// The file: a child record, or `{"record": ..., "provenance": ...}`.
        #[arg(long)]
        file: PathBuf,
    },
    /// Print a child's card for the personal file, as PDF.
    Print(PrintArgs),
    /// Issue a statement of the data held about a child: PDF, and canonical JSON with its SHA-256.
    Certificate(CertificateArgs),
}

/// `kamkor child update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The child's id.
    pub id: String,
    /// A change `field=VALUE` (VALUE is JSON, or else taken as text); repeatable.
    #[arg(long = "set", required = true)]
    pub set: Vec<String>,
    /// Source code (vocabulary `source`).
    #[arg(long)]
    pub source: String,
    /// Date the information was received.
    #[arg(long)]
    pub received_on: NaiveDate,
    /// Document or reference.
    #[arg(long)]
    pub reference: Option<String>,
    /// A comment.
    #[arg(long)]
    pub note: Option<String>,
    /// The version the change is based on (refused if the record changed meanwhile).
    #[arg(long)]
    pub base_version: Option<u64>,
}

/// `kamkor family ...`.
#[derive(Debug, Subcommand)]
pub enum FamilyCmd {
    /// Register a family from a JSON file `{"record": {...}, "provenance": {...}}`.
    Register {
        /// The file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Show a family.
    Show {
        /// The family's id.
        id: String,
    },
    /// Link a child to a family (or unlink with --unlink).
    Link {
        /// The child's id.
        child: String,
        /// The family's id (not needed with --unlink).
        #[arg(required_unless_present = "unlink")]
        family: Option<String>,
        /// Remove the child from its family.
        #[arg(long)]
        unlink: bool,
        /// Source code (vocabulary `source`).
        #[arg(long)]
        source: String,
        /// Date the information was received.
        #[arg(long)]
        received_on: NaiveDate,
        /// Document or reference.
        #[arg(long)]
        reference: Option<String>,
    },
}

/// `kamkor audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Verify the audit chain (exit code 1 when it is broken).
    Verify,
    /// List refused attempts.
    Denied {
        /// Only since this instant (RFC 3339).
        #[arg(long, value_parser = parse_instant)]
        since: Option<DateTime<Utc>>,
    },
    /// List audit entries.
    List {
        /// From this sequence number.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

/// `kamkor territory ...`.
#[derive(Debug, Subcommand)]
pub enum TerritoryCmd {
    /// List territory codes with names, indented by depth.
    List {
        /// Only this node and what lies below it.
        #[arg(long, value_parser = parse_territory)]
        under: Option<TerritoryCode>,
        /// Use this profile's hierarchy (`kyrgyzstan` or a TOML path) instead of the registry's.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Load finer levels (ayil aimaks, settlements) from the statistics committee's classifier.
    Load(LoadArgs),
}

/// `kamkor demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The demo directory (registry and key file go inside).
    #[arg(long, default_value = "./kamkor-demo")]
    pub dir: PathBuf,
    /// Number of synthetic children.
    #[arg(long, default_value_t = 3000)]
    pub children: usize,
    /// Seed of the synthetic population.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Wipe an existing demo in the directory and build it anew.
    #[arg(long)]
    pub fresh: bool,
    /// The profile to show: `kyrgyzstan` (the full demo in --dir), `omsk` or `yamal` (their
    /// flows on an in-memory registry).
    #[arg(long, default_value = "kyrgyzstan")]
    pub profile: String,
}

/// An environment variable, unless unset or blank.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language {s:?}: use ru, ky or en"))
}

fn parse_territory(s: &str) -> Result<TerritoryCode, String> {
    TerritoryCode::parse(s.trim()).map_err(|e| e.to_string())
}

fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("{e} (expected RFC 3339, e.g. 2026-01-31T12:00:00Z)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }
}
