//! Signing in and user administration: `login`, `logout`, `whoami`, `user ...`.

use crate::app::{self, App, SESSION_FILE};
use crate::args::{LoginArgs, UserAddArgs, UserCmd};
use crate::error::{CliError, CliResult};
use crate::output::{print_fields, print_json, role_label, status_label, territory_full, Table};
use crate::password;
use chrono::Months;
use kamkor_core::users::UserInfo;
use kamkor_core::{ErrorCode, NewUser, Registry};
use serde_json::json;

/// `kamkor login`.
pub fn login(app: &App, a: LoginArgs) -> CliResult {
    let reg = app.open()?;
    let password = password::obtain(&a.password, &app.ui, false)?;
    let session = reg.login(&a.user, &password)?;
    let info = reg.whoami(&session)?;
    let ui = &app.ui;
    if a.print_token {
        if ui.json {
            return print_json(&json!({"token": session.token(), "user": info}));
        }
        outln!("{}", session.token());
        return Ok(());
    }
    let path = app.dir.join(SESSION_FILE);
    app::write_private(&path, session.token().as_bytes()).map_err(|e| CliError::io("FILE_UNWRITABLE", &path, &e))?;
    if ui.json {
        return print_json(&json!({"session_file": path.display().to_string(), "user": info}));
    }
    let role = role_label(reg.profile(), &info.role, ui.lang);
    outln!(
        "{}",
        ui.ta("login-done", &[("name", info.full_name.clone()), ("login", info.login.clone()), ("role", role)])
    );
    Ok(())
}

/// `kamkor logout`.
pub fn logout(app: &App) -> CliResult {
    let (reg, session) = app.open_session()?;
    reg.logout(&session)?;
    let path = app.dir.join(SESSION_FILE);
    if std::fs::read_to_string(&path).is_ok_and(|t| t.trim() == session.token()) {
        std::fs::remove_file(&path).map_err(|e| CliError::io("FILE_UNWRITABLE", &path, &e))?;
    }
    if app.ui.json {
        return print_json(&json!({"signed_out": true}));
    }
    outln!("{}", app.ui.t("logout-done"));
    Ok(())
}

/// `kamkor whoami`.
pub fn whoami(app: &App) -> CliResult {
    let (reg, session) = app.open_session()?;
    let info = reg.whoami(&session)?;
    if app.ui.json {
        return print_json(&info);
    }
    print_user(app, &reg, &info);
    Ok(())
}

fn print_user(app: &App, reg: &Registry, u: &UserInfo) {
    let ui = &app.ui;
    print_fields(
        ui,
        &[
            ("field-user-id", u.id.clone()),
            ("field-login", u.login.clone()),
            ("field-full-name", u.full_name.clone()),
            ("field-role", role_label(reg.profile(), &u.role, ui.lang)),
            ("field-territory", territory_full(reg.territories(), &u.territory, ui)),
            ("field-agency", format!("{} ({} {})", u.agency, ui.t("word-inn"), u.agency_inn)),
            ("field-position", u.position.clone()),
            ("field-term", format!("{} — {}", u.valid_from, u.valid_until)),
            ("field-status", status_label(ui, &u.status)),
        ],
    );
}

/// `kamkor user ...`.
pub fn user(app: &App, cmd: UserCmd) -> CliResult {
    match cmd {
        UserCmd::Add(a) => add(app, *a),
        UserCmd::List => list(app),
        UserCmd::Revoke { user, reason } => revoke(app, &user, &reason),
    }
}

fn add(app: &App, a: UserAddArgs) -> CliResult {
    let (reg, session) = app.open_session()?;
    let password = if a.external_login {
        password::given(&a.password)?
    } else {
        Some(password::obtain(&a.password, &app.ui, true)?)
    };
    let today = app.today();
    let valid_from = a.valid_from.unwrap_or(today);
    let user = NewUser {
        login: a.login,
        surname: a.surname,
        given_name: a.given_name,
        patronymic: a.patronymic,
        pin: a.pin,
        position: a.position,
        agency: a.agency,
        agency_inn: a.agency_inn,
        address: a.address,
        territory: a.territory,
        role: a.role,
        valid_from,
        valid_until: a
            .valid_until
            .unwrap_or_else(|| valid_from.checked_add_months(Months::new(12)).unwrap_or(valid_from)),
        password,
        external_login: a.external_login,
    };
    let info = reg.add_user(&session, user)?;
    if app.ui.json {
        return print_json(&info);
    }
    outln!("{}", app.ui.ta("user-added", &[("login", info.login.clone()), ("id", info.id.clone())]));
    print_user(app, &reg, &info);
    Ok(())
}

fn list(app: &App) -> CliResult {
    let (reg, session) = app.open_session()?;
    let users = reg.list_users(&session)?;
    let ui = &app.ui;
    if ui.json {
        return print_json(&users);
    }
    let mut t = Table::new(
        ui,
        &["col-login", "col-full-name", "col-role", "col-territory", "col-agency", "col-term", "col-status", "col-id"],
    );
    for u in &users {
        t.row(vec![
            u.login.clone(),
            u.full_name.clone(),
            role_label(reg.profile(), &u.role, ui.lang),
            territory_full(reg.territories(), &u.territory, ui),
            u.agency.clone(),
            format!("{} — {}", u.valid_from, u.valid_until),
            status_label(ui, &u.status),
            u.id.clone(),
        ]);
    }
    t.print();
    outln!("{}", ui.ta("users-total", &[("count", users.len().to_string())]));
    Ok(())
}

fn revoke(app: &App, user: &str, reason: &str) -> CliResult {
    let (reg, session) = app.open_session()?;
    let id = if user.starts_with("u-") {
        user.to_string()
    } else {
        reg.user_id_by_login(&session, user)?
            .ok_or_else(|| CliError::new(ErrorCode::NotFound, "USER_NOT_FOUND").arg("id", user))?
    };
    let info = reg.revoke_user(&session, &id, reason)?;
    if app.ui.json {
        return print_json(&info);
    }
    outln!("{}", app.ui.ta("user-revoked", &[("login", info.login.clone()), ("id", info.id.clone())]));
    Ok(())
}
