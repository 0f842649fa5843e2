//! Arguments of reporting, printing and retention: `kamkor report`, `dataset`,
//! `child print|certificate`, `retention ...`, `archive ...`, `territory load`.

use super::parse_territory;
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use kamkor_core::TerritoryCode;
use std::path::PathBuf;

/// `kamkor report ...`.
#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// The consolidated statutory report (REP-1) for your scope or a part of it.
    Consolidated(ReportOpts),
    /// A quarter's report per district and city (REP-2), with its statutory due date.
    Quarterly {
        /// Year (with --quarter; default: the last quarter that has ended).
        #[arg(long, requires = "quarter")]
        year: Option<i32>,
        /// Quarter 1-4 (with --year).
        #[arg(long, requires = "year", value_parser = clap::value_parser!(u32).range(1..=4))]
        quarter: Option<u32>,
        /// What and how to output.
        #[command(flatten)]
        opts: ReportOpts,
    },
    /// A quarter's monitoring results, due on the profile's day of the following month.
    Monitoring {
        /// Year (with --quarter; default: the last quarter that has ended).
        #[arg(long, requires = "quarter")]
        year: Option<i32>,
        /// Quarter 1-4 (with --year).
        #[arg(long, requires = "year", value_parser = clap::value_parser!(u32).range(1..=4))]
        quarter: Option<u32>,
        /// What and how to output.
        #[command(flatten)]
        opts: ReportOpts,
    },
}

/// How a report is output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned tables for people.
    Text,
    /// The report model as JSON.
    Json,
    /// CSV for spreadsheets (UTF-8 with BOM, `;`).
    Csv,
    /// An Excel workbook (needs --out).
    Xlsx,
    /// SVG: the map, or a bar chart of the table given with --chart.
    Svg,
    /// SVG: the schematic map by territory.
    Map,
}

/// Options shared by the reports.
#[derive(Debug, Args)]
pub struct ReportOpts {
    /// The territory reported on (default: your territory, or the republic).
    #[arg(long, value_parser = parse_territory)]
    pub territory: Option<TerritoryCode>,
    /// Hide small numbers (always so for readers of statistics only).
    #[arg(long)]
    pub depersonalized: bool,
    /// Output format (default text, or json with --json).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Write to this new file instead of standard output (required for xlsx).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// SVG: a bar chart of this table (its id, e.g. identified, legal_status) instead of the map;
    /// map: the table to map (default the first).
    #[arg(long)]
    pub chart: Option<String>,
    /// SVG: the column charted or mapped (its id, e.g. total, female; default total).
    #[arg(long)]
    pub column: Option<String>,
}

/// `kamkor dataset`.
#[derive(Debug, Args)]
pub struct DatasetArgs {
    /// Write to this new file: `.csv` (default) or `.json`; without it the CSV goes to standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `kamkor child print`.
#[derive(Debug, Args)]
pub struct PrintArgs {
    /// The child's id.
    pub id: String,
    /// The PDF file to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
}

/// `kamkor child certificate`.
#[derive(Debug, Args)]
pub struct CertificateArgs {
    /// The child's id.
    pub id: String,
    /// The PDF file to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the canonical JSON (what is signed) to this new file.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
}

/// `kamkor retention ...`.
#[derive(Debug, Subcommand)]
pub enum RetentionCmd {
    /// Who has reached the retention age: to archive and erase, or held.
    Plan,
    /// Archive every due child into a new package file, then erase them from the registry.
    Run {
        /// The archive package to write (must not exist).
        #[arg(long)]
        archive: PathBuf,
    },
    /// Put a legal hold on a child: a held child is never erased.
    Hold {
        /// The child's id.
        child: String,
        /// Why (e.g. a court case).
        #[arg(long)]
        reason: String,
    },
    /// Lift a legal hold.
    Release {
        /// The child's id.
        child: String,
    },
}

/// `kamkor archive ...`.
#[derive(Debug, Subcommand)]
pub enum ArchiveCmd {
    /// Archive one child on a reasoned request, and erase it from the registry.
    Request(ArchiveRequestArgs),
    /// The log of archive requests.
    Requests,
    /// Read an archive package with the master key (no registry or sign-in needed).
    Open {
        /// The package.
        file: PathBuf,
    },
}

/// `kamkor archive request`.
#[derive(Debug, Args)]
pub struct ArchiveRequestArgs {
    /// The child's id.
    pub child: String,
    /// Why the record is to be archived.
    #[arg(long)]
    pub reason: String,
    /// Who asked (name and position, or body).
    #[arg(long)]
    pub requested_by: String,
    /// The request's number and date, as written.
    #[arg(long)]
    pub document: String,
    /// The archive package to write (must not exist).
    #[arg(long)]
    pub archive: PathBuf,
}

/// `kamkor territory load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The classifier (CSV: soate,kind,parent,name_ru,name_ky,name_en[,valid_from,valid_to]).
    pub file: PathBuf,
    /// The day the classifier takes effect (YYYY-MM-DD).
    #[arg(long)]
    pub effective: NaiveDate,
}
