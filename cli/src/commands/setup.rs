//! Setting a registry up and keeping it safe: `init`, `profile check`,
//! `territory list`, `backup`, `restore`.

use super::read_text;
use crate::app::{self, App};
use crate::args::{InitArgs, ProfileCmd};
use crate::error::{CliError, CliResult};
use crate::output::{print_json, Table};
use crate::password;
use chrono::Months;
use kamkor_core::profile::{Action, Profile};
use kamkor_core::{ErrorCode, Key, NewUser, Registry, Territories, TerritoryCode};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;

/// The shipped Kyrgyz profile, verbatim (comments included) so a registry keeps the exact text.
pub const KYRGYZSTAN_PROFILE: &str = kamkor_core::profile::KYRGYZSTAN_TOML;

/// The text of a profile: a built-in one (`kyrgyzstan`, `omsk`, `yamal`) or a path to a TOML file.
pub fn profile_text(spec: &str) -> CliResult<String> {
    if let Some(text) = kamkor_core::profile::builtin(spec) {
        return Ok(text.to_string());
    }
    read_text(Path::new(spec))
}

fn looks_like_sled(dir: &Path) -> bool {
    dir.join("conf").is_file() && dir.join("db").is_file()
}

/// `kamkor init`.
pub fn init(app: &App, a: InitArgs) -> CliResult {
    let ui = &app.ui;
    let text = profile_text(&a.profile)?;
    let profile = Profile::from_toml(&text)?;
    if !app::dir_is_empty_or_missing(&app.dir) && !looks_like_sled(&app.dir) {
        return Err(CliError::new(ErrorCode::Conflict, "DIR_NOT_EMPTY").arg("path", app.dir.display()));
    }
    let role = match a.admin_role.clone() {
        Some(r) => r,
        None => profile
            .roles
            .iter()
            .find(|r| r.grant(Action::ManageUsers).is_some())
            .map(|r| r.id.clone())
            .ok_or_else(|| CliError::new(ErrorCode::Profile, "NOT_AN_ADMINISTRATOR").arg("code", "-"))?,
    };
    let territories = profile.territories()?;
    let today = app.today();
    let key = match &a.new_key_file {
        Some(_) => Key::generate(&mut rand::rngs::OsRng),
        None => app.key()?,
    };
    let password = password::obtain(&a.password, ui, true)?;
    let admin = NewUser {
        login: a.admin_login.clone(),
        surname: a.admin_surname,
        given_name: a.admin_given_name,
        patronymic: a.admin_patronymic,
        pin: a.admin_pin,
        position: a.admin_position,
        agency: a.agency,
        agency_inn: a.agency_inn,
        address: a.address,
        territory: a.territory.unwrap_or_else(|| territories.root().clone()),
        role,
        valid_from: today,
        valid_until: a.valid_until.unwrap_or_else(|| today.checked_add_months(Months::new(12)).unwrap_or(today)),
        password: Some(password),
        external_login: false,
    };
    if let Some(path) = &a.new_key_file {
        app::write_private_new(path, key.to_hex().as_bytes()).map_err(|e| key_file_error(path, &e))?;
    }
    let created_dir = !app.dir.exists();
    let result = app::open_store(&app.dir)
        .and_then(|store| Registry::create(Arc::new(store), &text, &key, app.env(), admin).map_err(CliError::from));
    let reg = match result {
        Ok(r) => r,
        Err(e) => {
            // Leave nothing half-made behind: the new directory and the new key file go.
            if created_dir {
                let _ = std::fs::remove_dir_all(&app.dir);
            }
            if let Some(path) = &a.new_key_file {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
    };
    reg.flush()?;
    let key_file = a.new_key_file.as_ref().or(app.key_file.as_ref()).map(|p| p.display().to_string());
    if ui.json {
        return print_json(&json!({
            "registry": app.dir.display().to_string(),
            "profile": reg.profile().profile.id,
            "profile_version": reg.profile().profile.version,
            "origin": reg.origin(),
            "admin_login": a.admin_login,
            "key_file": key_file,
        }));
    }
    outln!(
        "{}",
        ui.ta(
            "init-done",
            &[
                ("path", app.dir.display().to_string()),
                ("profile", reg.profile().profile.name.get(ui.lang).to_string())
            ]
        )
    );
    if let Some(k) = &key_file {
        outln!("{}", ui.ta("init-key-file", &[("path", k.clone())]));
    }
    outln!("{}", ui.ta("init-next", &[("login", a.admin_login)]));
    Ok(())
}

fn key_file_error(path: &Path, e: &std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::AlreadyExists {
        CliError::new(ErrorCode::Conflict, "FILE_EXISTS").arg("path", path.display())
    } else {
        CliError::io("FILE_UNWRITABLE", path, e)
    }
}

/// `kamkor profile check FILE`.
pub fn profile(app: &App, cmd: ProfileCmd) -> CliResult {
    let ProfileCmd::Check { file } = cmd;
    let spec = file.to_string_lossy().to_string();
    let text = if file.exists() { read_text(&file)? } else { profile_text(&spec)? };
    let p = match Profile::from_toml(&text) {
        Ok(p) => p,
        Err(e) => {
            show_place(app, &spec, &text, &e);
            return Err(e.into());
        }
    };
    let territories = p.territories()?;
    let vocab_terms: usize = p.vocabularies.values().map(Vec::len).sum();
    if app.ui.json {
        return print_json(&json!({
            "ok": true, "id": p.profile.id, "version": p.profile.version, "roles": p.roles.len(),
            "vocabularies": p.vocabularies.len(), "terms": vocab_terms, "territories": territories.len(),
        }));
    }
    let ui = &app.ui;
    outln!(
        "{}",
        ui.ta(
            "profile-ok",
            &[
                ("name", p.profile.name.get(ui.lang).to_string()),
                ("id", p.profile.id.clone()),
                ("version", p.profile.version.clone()),
                ("roles", p.roles.len().to_string()),
                ("vocabularies", p.vocabularies.len().to_string()),
                ("terms", vocab_terms.to_string()),
                ("territories", territories.len().to_string()),
            ]
        )
    );
    let mut t = Table::new(ui, &["col-code", "col-role", "col-grants"]);
    for r in &p.roles {
        let grants: Vec<&str> = r.grants.iter().map(|g| g.action.name()).collect();
        t.row(vec![r.id.clone(), r.label.get(ui.lang).to_string(), grants.join(", ")]);
    }
    t.print();
    Ok(())
}

/// Points a profile error at its line: `FILE:line:column`, the line itself and a caret.
fn show_place(app: &App, file: &str, text: &str, e: &kamkor_core::Error) {
    let num = |k: &str| e.args.get(k).and_then(|v| v.parse::<usize>().ok());
    let (Some(line), Some(column)) = (num("line"), num("column")) else { return };
    let ui = &app.ui;
    let place = ui.ta(
        "profile-error-at",
        &[("file", file.to_string()), ("line", line.to_string()), ("column", column.to_string())],
    );
    if ui.json {
        // stdout holds one JSON document (the error): the place goes only to a human reader.
        return;
    }
    eprintln!("{place}");
    if let Some(src) = text.lines().nth(line.saturating_sub(1)) {
        eprintln!("{line:>5} | {src}");
        eprintln!("      | {}^", " ".repeat(column.saturating_sub(1)));
    }
}

/// `kamkor territory list`.
pub fn territory(app: &App, under: Option<TerritoryCode>, profile: Option<String>) -> CliResult {
    let territories: Territories = match profile {
        Some(spec) => Profile::from_toml(&profile_text(&spec)?)?.territories()?,
        None if !app::dir_is_empty_or_missing(&app.dir) => app.open()?.territories().clone(),
        None => Territories::kyrgyzstan(),
    };
    let top = under.unwrap_or_else(|| territories.root().clone());
    if !territories.contains(&top) {
        return Err(kamkor_core::Error::validation("UNKNOWN_TERRITORY", "under").arg("code", &top).into());
    }
    let base = territories.path(&top).len();
    let ui = &app.ui;
    let mut rows = Vec::new();
    for code in territories.subtree(&top) {
        let Some(t) = territories.get(&code) else { continue };
        let depth = territories.path(&code).len().saturating_sub(base);
        rows.push((depth, t));
    }
    if ui.json {
        let out: Vec<_> = rows
            .iter()
            .map(|(d, t)| json!({"code": t.code, "depth": d, "kind": t.kind, "parent": t.parent, "name": t.name(ui.code()), "name_ru": t.name_ru, "name_ky": t.name_ky, "name_en": t.name_en}))
            .collect();
        return print_json(&out);
    }
    let mut table = Table::new(ui, &["col-code", "col-name", "col-kind"]);
    for (d, t) in rows {
        table.row(vec![
            t.code.to_string(),
            format!("{}{}", "  ".repeat(d), t.name(ui.code())),
            kind_label(ui, &t.kind),
        ]);
    }
    table.print();
    Ok(())
}

fn kind_label(ui: &crate::i18n::Ui, kind: &str) -> String {
    let id = format!("kind-{}", kind.replace('_', "-"));
    if ui.has(&id) {
        ui.t(&id)
    } else {
        kind.to_string()
    }
}

/// `kamkor backup FILE`.
pub fn backup(app: &App, file: &Path) -> CliResult {
    let (reg, session) = app.open_session()?;
    let f =
        std::fs::OpenOptions::new().write(true).create_new(true).open(file).map_err(|e| key_file_error(file, &e))?;
    let mut w = std::io::BufWriter::new(f);
    let summary = match reg.backup(&session, &mut w) {
        Ok(s) => s,
        Err(e) => {
            drop(w);
            let _ = std::fs::remove_file(file);
            return Err(e.into());
        }
    };
    if app.ui.json {
        return print_json(&json!({"file": file.display().to_string(), "summary": summary}));
    }
    let ui = &app.ui;
    outln!(
        "{}",
        ui.ta(
            "backup-done",
            &[
                ("path", file.display().to_string()),
                ("records", summary.records.to_string()),
                ("bytes", summary.bytes.to_string())
            ]
        )
    );
    outln!("SHA-256: {}", summary.sha256);
    Ok(())
}

/// `kamkor restore FILE`.
pub fn restore(app: &App, file: &Path) -> CliResult {
    if !app::dir_is_empty_or_missing(&app.dir) {
        return Err(CliError::new(ErrorCode::Conflict, "RESTORE_DIR_NOT_EMPTY").arg("path", app.dir.display()));
    }
    let key = app.key()?;
    let f = std::fs::File::open(file).map_err(|e| CliError::io("FILE_UNREADABLE", file, &e))?;
    let mut r = std::io::BufReader::new(f);
    let existed = app.dir.exists();
    let result = app::open_store(&app.dir)
        .and_then(|store| Registry::restore(Arc::new(store), &mut r, &key, app.env()).map_err(CliError::from));
    let (reg, summary) = match result {
        Ok(x) => x,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&app.dir);
            if existed {
                let _ = std::fs::create_dir_all(&app.dir);
            }
            return Err(e);
        }
    };
    reg.flush()?;
    if app.ui.json {
        return print_json(&json!({"registry": app.dir.display().to_string(), "summary": summary}));
    }
    let ui = &app.ui;
    outln!(
        "{}",
        ui.ta(
            "restore-done",
            &[
                ("path", app.dir.display().to_string()),
                ("records", summary.records.to_string()),
                ("sha", summary.sha256.clone())
            ]
        )
    );
    outln!("{}", ui.t("restore-next"));
    Ok(())
}
