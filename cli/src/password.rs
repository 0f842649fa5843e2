//! Passwords: one line of stdin (`--password-stdin`), env `KAMKOR_PASSWORD`, or a hidden prompt.

use crate::args::PasswordArgs;
use crate::error::{CliError, CliResult};
use crate::i18n::Ui;
use kamkor_core::ErrorCode;
use std::io::BufRead;

fn missing() -> CliError {
    CliError::new(ErrorCode::Validation, "PASSWORD_MISSING").with_field("password")
}

fn from_stdin() -> CliResult<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::io("STDIN_UNREADABLE", std::path::Path::new("-"), &e))?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        return Err(missing());
    }
    Ok(p)
}

fn from_env() -> Option<String> {
    std::env::var("KAMKOR_PASSWORD").ok().filter(|p| !p.is_empty())
}

/// A password without prompting: stdin if asked for, else the environment.
pub fn given(args: &PasswordArgs) -> CliResult<Option<String>> {
    if args.password_stdin {
        return from_stdin().map(Some);
    }
    Ok(from_env())
}

/// A password: given, or asked for on the terminal (twice when `confirm`).
pub fn obtain(args: &PasswordArgs, ui: &Ui, confirm: bool) -> CliResult<String> {
    if let Some(p) = given(args)? {
        return Ok(p);
    }
    let first = rpassword::prompt_password(ui.t("prompt-password")).map_err(|_| missing())?;
    if first.is_empty() {
        return Err(missing());
    }
    if confirm {
        let again = rpassword::prompt_password(ui.t("prompt-password-again")).map_err(|_| missing())?;
        if again != first {
            return Err(CliError::new(ErrorCode::Validation, "PASSWORD_MISMATCH").with_field("password"));
        }
    }
    Ok(first)
}
