//! `kamkor`: the command-line tool for Kamkor registries of children and families
//! in difficult life situations: setup, users, records, audit, backups and a demo.
//!
//! Exit codes: 0 success; 1 the tool's own failures (I/O, a broken audit chain);
//! 2 usage; 3 access denied or not signed in; 4 invalid input; 5 not found;
//! 6 conflict; 7 storage, key or profile problems.

mod app;
mod args;
mod commands;
mod demo;
mod error;
mod i18n;
mod output;
mod password;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let ui = i18n::Ui { lang: cli.lang.unwrap_or_else(i18n::lang_from_env), json: cli.json };
    let result = app::clock_from_env().and_then(|clock| {
        let app = app::App { ui, dir: cli.registry.clone(), key_file: cli.key_file.clone(), clock };
        commands::run(&app, cli.command)
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.report(&ui);
            ExitCode::from(e.exit)
        }
    }
}
