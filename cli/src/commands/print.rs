//! `kamkor child print` (WF-8) and `kamkor child certificate` (INT-3): printed documents as PDF,
//! and the certificate's canonical JSON with its SHA-256, ready to be signed.

use super::{ensure_absent, parse_id, render_error, write_new};
use crate::app::App;
use crate::args::{CertificateArgs, PrintArgs};
use crate::error::CliResult;
use crate::output::print_json;
use kamkor_core::render::pdf::document_pdf;
use serde_json::json;

/// `kamkor child print ID --out card.pdf`.
pub fn card(app: &App, a: PrintArgs) -> CliResult {
    let id = parse_id(&a.id)?;
    ensure_absent(&a.out)?;
    let (reg, session) = app.open_session()?;
    let doc = reg.child_card(&session, &id, app.ui.lang)?;
    let pdf = document_pdf(&doc).map_err(render_error)?;
    write_new(&a.out, &pdf)?;
    let ui = &app.ui;
    if ui.json {
        return print_json(&json!({"child": id, "file": a.out.display().to_string(), "bytes": pdf.len()}));
    }
    outln!(
        "{}",
        ui.ta(
            "card-written",
            &[("id", id.to_string()), ("path", a.out.display().to_string()), ("bytes", pdf.len().to_string())]
        )
    );
    Ok(())
}

/// `kamkor child certificate ID --out cert.pdf [--json-out cert.json]`.
pub fn certificate(app: &App, a: CertificateArgs) -> CliResult {
    let id = parse_id(&a.id)?;
    ensure_absent(&a.out)?;
    if let Some(j) = &a.json_out {
        ensure_absent(j)?;
    }
    let (reg, session) = app.open_session()?;
    let cert = reg.certificate(&session, &id, app.ui.lang)?;
    let pdf = document_pdf(&cert.document).map_err(render_error)?;
    // The canonical JSON exactly as issued: its bytes are what the digest and a signature cover.
    if let Some(j) = &a.json_out {
        write_new(j, cert.json.as_bytes())?;
    }
    if let Err(e) = write_new(&a.out, &pdf) {
        if let Some(j) = &a.json_out {
            let _ = std::fs::remove_file(j);
        }
        return Err(e);
    }
    let ui = &app.ui;
    if ui.json {
        return print_json(&json!({
            "child": id,
            "file": a.out.display().to_string(),
            "json_file": a.json_out.as_ref().map(|p| p.display().to_string()),
            "sha256": cert.sha256,
        }));
    }
    outln!("{}", ui.ta("certificate-written", &[("id", id.to_string()), ("path", a.out.display().to_string())]));
    if let Some(j) = &a.json_out {
        outln!("{}", ui.ta("certificate-json-written", &[("path", j.display().to_string())]));
    }
    outln!("SHA-256: {}", cert.sha256);
    Ok(())
}
