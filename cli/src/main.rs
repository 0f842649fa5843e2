//! `kamkor`: the command-line tool for Kamkor registries of children and families
//! in difficult life situations: setup, users, records, audit, backups and a demo.
//!
//! Exit codes: 0 success; 1 the tool's own failures (I/O, a broken audit chain);
//! 2 usage; 3 access denied or not signed in; 4 invalid input; 5 not found;
//! 6 conflict; 7 storage, key or profile problems.

/// Prints a line on stdout; a closed pipe (`kamkor ... | head`) is not an error worth a panic.
macro_rules! outln {
    () => {
        outln!("")
    };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

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
    let lang = cli.lang.or_else(|| args::env_var("KAMKOR_LANG").and_then(|v| kamkor_core::Lang::parse(&v)));
    let ui = i18n::Ui { lang: lang.unwrap_or_else(i18n::lang_from_env), json: cli.json };
    let key_file = cli.key_file.clone().or_else(|| args::env_var("KAMKOR_KEY_FILE").map(Into::into));
    let result = app::clock_from_env().and_then(|clock| {
        let dir = cli
            .registry
            .clone()
            .or_else(|| args::env_var("KAMKOR_REGISTRY").map(Into::into))
            .unwrap_or_else(|| "./kamkor-data".into());
        let app = app::App { ui, dir, key_file, clock };
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
