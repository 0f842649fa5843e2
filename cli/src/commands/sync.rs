//! `kamkor sync`: offline devices and conflict-aware sync (issue 7). Bundles are files here;
//! any transport can carry them.

use super::{parse_id, read_bytes, read_text};
use crate::app::{self, App};
use crate::error::{CliError, CliResult};
use crate::output::{print_json, Table};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use kamkor_core::registry::{LinkKind, NewLink};
use kamkor_core::sync::{Enrolment, LinkSecret};
use kamkor_core::{ErrorCode, Provenance, Registry, TerritoryCode};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `kamkor sync …`.
#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Make a device's (or an uploading registry's) signing key; prints the public key to enrol.
    Keygen {
        /// The secret file to create (keep it like the master key).
        #[arg(long)]
        out: PathBuf,
    },
    /// Enrol a device for a field worker, or a registry that uploads here (administrator).
    Enrol(EnrolArgs),
    /// Complete a secret file with the enrolment the receiver gave.
    Complete {
        /// The secret file from `keygen`.
        #[arg(long)]
        secret: PathBuf,
        /// The enrolment file from `enrol`.
        #[arg(long)]
        enrolment: PathBuf,
        /// For a registry: its own origin (`kamkor sync origin`); a device's origin is its link id.
        #[arg(long)]
        origin: Option<String>,
    },
    /// This registry's origin (an uploading registry completes its secret with it).
    Origin,
    /// Write a device's initial download of its worker's scope (administrator).
    Scope {
        /// The device's link id.
        link: String,
        /// The bundle file to create.
        #[arg(long)]
        out: PathBuf,
    },
    /// Create the device registry (in --registry, under its own master key) from a scope download.
    DeviceInit {
        /// The completed secret file.
        #[arg(long)]
        secret: PathBuf,
        /// The scope bundle.
        #[arg(long)]
        scope: PathBuf,
    },
    /// Give out this registry's changes as a bundle.
    Export {
        /// The completed secret file.
        #[arg(long)]
        secret: PathBuf,
        /// From this log position (what the receiver acknowledged last; 0 for everything).
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// The bundle file to create.
        #[arg(long)]
        out: PathBuf,
    },
    /// Take in a bundle of changes (all or nothing).
    Import {
        /// The bundle file.
        file: PathBuf,
    },
    /// The conflict queue in your scope (supervisors).
    Conflicts,
    /// Resolve a conflict: the value to keep (JSON, or plain text for a text field).
    Resolve(ResolveArgs),
    /// Enrolled devices and registries.
    Links,
    /// Revoke a device or registry: its bundles are refused from now on.
    Revoke {
        /// The link id.
        link: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

/// `kamkor sync enrol`.
#[derive(Debug, Args)]
pub struct EnrolArgs {
    /// The public key from `keygen`.
    #[arg(long)]
    pub public_key: String,
    /// Last day of the grant.
    #[arg(long)]
    pub until: NaiveDate,
    /// For a device: the field worker's login.
    #[arg(long, conflicts_with = "territory")]
    pub login: Option<String>,
    /// For an uploading registry: the territory its uploads may touch.
    #[arg(long, value_parser = parse_territory)]
    pub territory: Option<TerritoryCode>,
    /// The enrolment file to create (hand it to the device with its secret).
    #[arg(long)]
    pub out: PathBuf,
}

/// `kamkor sync resolve`.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The child's id.
    pub id: String,
    /// The field in conflict.
    pub field: String,
    /// The value to keep.
    pub value: String,
    /// Source code of the decision.
    #[arg(long, default_value = "specialist")]
    pub source: String,
    /// Date the information was received (default: today).
    #[arg(long)]
    pub received: Option<NaiveDate>,
    /// A comment.
    #[arg(long)]
    pub note: Option<String>,
}

fn parse_territory(s: &str) -> Result<TerritoryCode, String> {
    TerritoryCode::parse(s.trim()).map_err(|e| e.to_string())
}

fn write_new(path: &Path, bytes: &[u8]) -> CliResult {
    app::write_private_new(path, bytes).map_err(|e| CliError::io("FILE_UNWRITABLE", path, &e))
}

fn read_secret(path: &Path) -> CliResult<LinkSecret> {
    Ok(LinkSecret::from_text(&read_text(path)?)?)
}

/// Runs a `sync` command.
pub fn run(app: &App, cmd: SyncCmd) -> CliResult {
    let ui = &app.ui;
    match cmd {
        SyncCmd::Keygen { out } => {
            let secret = LinkSecret::generate(&mut rand::rngs::OsRng);
            write_new(&out, secret.to_text().as_bytes())?;
            if ui.json {
                return print_json(&json!({"public_key": secret.public_key(), "secret": out.display().to_string()}));
            }
            outln!("{}", ui.ta("sync-keygen", &[("key", secret.public_key()), ("path", out.display().to_string())]));
        }
        SyncCmd::Enrol(a) => {
            let (reg, session) = app.open_session()?;
            let kind = if a.login.is_some() { LinkKind::Device } else { LinkKind::Registry };
            let e = reg.enrol_link(
                &session,
                NewLink {
                    kind,
                    login: a.login,
                    territory: a.territory,
                    public_key: a.public_key,
                    valid_until: a.until,
                },
            )?;
            reg.flush()?;
            write_new(
                &a.out,
                serde_json::to_string(&e)
                    .map_err(|e| CliError::new(ErrorCode::Storage, "JSON").arg("detail", e))?
                    .as_bytes(),
            )?;
            if ui.json {
                return print_json(&json!({"link": e.link, "enrolment": a.out.display().to_string()}));
            }
            outln!("{}", ui.ta("sync-enrolled", &[("link", e.link.clone()), ("path", a.out.display().to_string())]));
        }
        SyncCmd::Complete { secret, enrolment, origin } => {
            let s = read_secret(&secret)?;
            let e: Enrolment = serde_json::from_str(&read_text(&enrolment)?)
                .map_err(|_| CliError::new(ErrorCode::Validation, "BAD_LINK_SECRET"))?;
            let s = s.complete(&e, origin.as_deref());
            app::write_private(&secret, s.to_text().as_bytes())
                .map_err(|e| CliError::io("FILE_UNWRITABLE", &secret, &e))?;
            if ui.json {
                return print_json(&json!({"link": s.link, "origin": s.origin, "peer": s.peer_origin}));
            }
            outln!("{}", ui.ta("sync-completed", &[("link", s.link.clone()), ("peer", s.peer_origin.clone())]));
        }
        SyncCmd::Origin => {
            let reg = app.open()?;
            if ui.json {
                return print_json(&json!({"origin": reg.origin(), "public_key": reg.sync_public_key()}));
            }
            outln!("{}", reg.origin());
        }
        SyncCmd::Scope { link, out } => {
            let (reg, session) = app.open_session()?;
            let bytes = reg.export_scope(&session, &link)?;
            reg.flush()?;
            write_new(&out, &bytes)?;
            if ui.json {
                return print_json(&json!({"link": link, "bytes": bytes.len(), "file": out.display().to_string()}));
            }
            outln!(
                "{}",
                ui.ta("sync-scope-written", &[("path", out.display().to_string()), ("bytes", bytes.len().to_string())])
            );
        }
        SyncCmd::DeviceInit { secret, scope } => {
            if !app::dir_is_empty_or_missing(&app.dir) {
                return Err(CliError::new(ErrorCode::Conflict, "DIR_NOT_EMPTY").arg("path", app.dir.display()));
            }
            let s = read_secret(&secret)?;
            let bytes = read_bytes(&scope)?;
            let key = app.key()?;
            std::fs::create_dir_all(&app.dir).map_err(|e| CliError::io("FILE_UNWRITABLE", &app.dir, &e))?;
            let store = app::open_store(&app.dir)?;
            let reg = Registry::create_device(Arc::new(store), &key, app.env(), &s, &bytes)?;
            reg.flush()?;
            if ui.json {
                return print_json(&json!({"origin": reg.origin(), "registry": app.dir.display().to_string()}));
            }
            outln!(
                "{}",
                ui.ta(
                    "sync-device-created",
                    &[("origin", reg.origin().to_string()), ("path", app.dir.display().to_string())]
                )
            );
        }
        SyncCmd::Export { secret, from, out } => {
            let s = read_secret(&secret)?;
            let (reg, session) = app.open_session()?;
            let bytes = reg.export_changes(&session, &s, from, None)?;
            reg.flush()?;
            write_new(&out, &bytes)?;
            if ui.json {
                return print_json(&json!({"bytes": bytes.len(), "file": out.display().to_string()}));
            }
            outln!(
                "{}",
                ui.ta("sync-exported", &[("path", out.display().to_string()), ("bytes", bytes.len().to_string())])
            );
        }
        SyncCmd::Import { file } => {
            let bytes = read_bytes(&file)?;
            let (reg, session) = app.open_session()?;
            let r = reg.import_changes(&session, &bytes);
            reg.flush()?;
            let r = r?;
            if ui.json {
                return print_json(&r);
            }
            outln!(
                "{}",
                ui.ta(
                    "sync-imported",
                    &[
                        ("link", r.link.clone()),
                        ("applied", r.applied.to_string()),
                        ("duplicates", r.duplicates.to_string()),
                        ("conflicts", r.conflicts.len().to_string()),
                        ("ack", r.acknowledged.to_string()),
                    ]
                )
            );
        }
        SyncCmd::Conflicts => {
            let (reg, session) = app.open_session()?;
            let q = reg.sync_conflicts(&session)?;
            reg.flush()?;
            if ui.json {
                return print_json(&q);
            }
            if q.is_empty() {
                outln!("{}", ui.t("sync-no-conflicts"));
                return Ok(());
            }
            let mut t = Table::new(
                ui,
                &["sync-col-child", "sync-col-field", "sync-col-value", "sync-col-author", "sync-col-time"],
            );
            for c in &q {
                for p in &c.proposals {
                    t.row(vec![
                        c.subject.to_string(),
                        c.field.clone(),
                        p.value.to_string(),
                        p.author.clone(),
                        p.time.format("%Y-%m-%d %H:%M").to_string(),
                    ]);
                }
            }
            t.print();
        }
        SyncCmd::Resolve(a) => {
            let (reg, session) = app.open_session()?;
            let id = parse_id(&a.id)?;
            let value = serde_json::from_str(&a.value).unwrap_or(serde_json::Value::String(a.value.clone()));
            let provenance = Provenance {
                source: a.source,
                received_on: a.received.unwrap_or_else(|| app.today()),
                reference: None,
            };
            let v = reg.resolve_conflict(&session, &id, &a.field, value, provenance, a.note);
            reg.flush()?;
            let v = v?;
            if ui.json {
                return print_json(&v);
            }
            outln!(
                "{}",
                ui.ta(
                    "sync-resolved",
                    &[("id", id.to_string()), ("field", a.field), ("version", v.version.to_string())]
                )
            );
        }
        SyncCmd::Links => {
            let (reg, session) = app.open_session()?;
            let links = reg.links(&session)?;
            reg.flush()?;
            if ui.json {
                return print_json(&links);
            }
            let mut t = Table::new(
                ui,
                &["sync-col-link", "sync-col-territory", "sync-col-until", "sync-col-ack", "sync-col-state"],
            );
            for l in &links {
                let state = if l.revoked.is_some() { ui.t("sync-state-revoked") } else { ui.t("sync-state-active") };
                t.row(vec![
                    l.id.clone(),
                    l.territory.to_string(),
                    l.valid_until.to_string(),
                    l.acknowledged.to_string(),
                    state,
                ]);
            }
            t.print();
        }
        SyncCmd::Revoke { link, reason } => {
            let (reg, session) = app.open_session()?;
            let l = reg.revoke_link(&session, &link, &reason)?;
            reg.flush()?;
            if ui.json {
                return print_json(&l);
            }
            outln!("{}", ui.ta("sync-revoked", &[("link", link)]));
        }
    }
    Ok(())
}
