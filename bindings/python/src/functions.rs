//! The module's free functions: localized messages, renderers, archives, link secrets, the
//! household book and the built-in profiles.

use crate::convert::*;
use chrono::NaiveDate;
use kamkor_core::import::{ImportReport, Mapping};
use kamkor_core::sync::LinkSecret;
use kamkor_core::{Error, ErrorCode};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The message of an error (given as JSON) in a language.
#[pyfunction]
pub(crate) fn localize_error(error: String, lang_code: String) -> PyResult<String> {
    #[derive(serde::Deserialize)]
    struct E {
        code: ErrorCode,
        reason: String,
        field: Option<String>,
        #[serde(default)]
        args: std::collections::BTreeMap<String, String>,
    }
    let e: E = de(&error, "error").map_err(py_err)?;
    let l = lang(&lang_code).map_err(py_err)?;
    Ok(Error { code: e.code, reason: e.reason, field: e.field, args: e.args }.localized(l))
}

/// The message of a registration warning (given as JSON) in a language.
#[pyfunction]
pub(crate) fn localize_warning(warning: String, lang_code: String) -> PyResult<String> {
    let w: kamkor_core::Warning = de(&warning, "warning").map_err(py_err)?;
    Ok(w.localized(lang(&lang_code).map_err(py_err)?))
}

/// A printable document (JSON of `report::Document`) as PDF bytes.
#[pyfunction]
pub(crate) fn render_document_pdf(py: Python<'_>, document: String) -> PyResult<Py<PyBytes>> {
    let bytes = py
        .detach(|| {
            let doc: kamkor_core::report::Document = de(&document, "document")?;
            kamkor_core::render::pdf::document_pdf(&doc).map_err(render_err)
        })
        .map_err(py_err)?;
    Ok(PyBytes::new(py, &bytes).unbind())
}

/// A report (JSON of `report::Report`) as CSV text.
#[pyfunction]
pub(crate) fn render_report_csv(report: String, lang_code: String) -> PyResult<String> {
    let r: kamkor_core::report::Report = de(&report, "report").map_err(py_err)?;
    Ok(kamkor_core::render::csv::report_csv(&r, lang(&lang_code).map_err(py_err)?))
}

/// A report (JSON of `report::Report`) as an XLSX workbook.
#[pyfunction]
pub(crate) fn render_report_xlsx(py: Python<'_>, report: String, lang_code: String) -> PyResult<Py<PyBytes>> {
    let bytes = py
        .detach(|| {
            let r: kamkor_core::report::Report = de(&report, "report")?;
            kamkor_core::render::xlsx::report_xlsx(&r, lang(&lang_code)?).map_err(render_err)
        })
        .map_err(py_err)?;
    Ok(PyBytes::new(py, &bytes).unbind())
}

/// Opens an archive package with the master key: the archived records as JSON.
#[pyfunction]
pub(crate) fn open_archive(py: Python<'_>, package: Vec<u8>, master_key: Vec<u8>) -> PyResult<String> {
    py.detach(|| {
        let payload = kamkor_core::archive::open(&package, &key(&master_key)?)?;
        ser(&payload)
    })
    .map_err(py_err)
}

/// An import report's CSV files: `rejects` (with the source's headers), `review` or `signals`.
#[pyfunction]
pub(crate) fn import_report_csv(
    report: String,
    which: String,
    headers: Vec<String>,
    lang_code: String,
) -> PyResult<String> {
    let r: ImportReport = de(&report, "report").map_err(py_err)?;
    let l = lang(&lang_code).map_err(py_err)?;
    match which.as_str() {
        "rejects" => r.rejects_csv(&headers, l),
        "review" => r.review_csv(),
        "signals" => r.signals_csv(l),
        other => Err(Error::validation("BAD_VALUE", "which").arg("detail", other)),
    }
    .map_err(py_err)
}

/// A new link secret (JSON; keep it like the master key): a fresh signing key from the OS.
#[pyfunction]
pub(crate) fn link_secret_generate() -> String {
    LinkSecret::generate(&mut rand::rngs::OsRng).to_text()
}

/// The public key (hex) of a link secret, for the receiver's administrator.
#[pyfunction]
pub(crate) fn link_secret_public_key(secret: String) -> PyResult<String> {
    let secret: LinkSecret = de(&secret, "secret").map_err(py_err)?;
    Ok(secret.public_key())
}

/// Completes a link secret with the receiver's enrolment (JSON); returns the secret (JSON).
#[pyfunction]
#[pyo3(signature = (secret, enrolment, origin=None))]
pub(crate) fn link_secret_complete(secret: String, enrolment: String, origin: Option<String>) -> PyResult<String> {
    let secret: LinkSecret = de(&secret, "secret").map_err(py_err)?;
    let enrolment: kamkor_core::sync::Enrolment = de(&enrolment, "enrolment").map_err(py_err)?;
    Ok(secret.complete(&enrolment, origin.as_deref()).to_text())
}

/// Checks a mapping (TOML text); returns it as JSON.
#[pyfunction]
pub(crate) fn parse_mapping(toml_text: String) -> PyResult<String> {
    Mapping::from_toml(&toml_text).and_then(|m| ser(&m)).map_err(py_err)
}

/// The columns of the Sanarip aimak household book export.
#[pyfunction]
pub(crate) fn household_book_columns() -> Vec<&'static str> {
    kamkor_core::import::household::COLUMNS.to_vec()
}

/// A synthetic household book (CSV text, `;`-delimited) of `households` households over the
/// built-in Kyrgyz territories, deterministic for a seed: sample files and benchmarks.
#[pyfunction]
pub(crate) fn synth_household_book(py: Python<'_>, seed: u64, households: usize, today: NaiveDate) -> String {
    py.detach(|| {
        let territories = kamkor_core::Territories::kyrgyzstan();
        kamkor_core::synth::Synth::new(seed, &territories, today).household_book(households)
    })
}

/// The built-in Kyrgyz profile (TOML text).
#[pyfunction]
pub(crate) fn kyrgyzstan_profile() -> &'static str {
    kamkor_core::profile::KYRGYZSTAN_TOML
}

/// The built-in profiles: (id, TOML text).
#[pyfunction]
pub(crate) fn builtin_profiles() -> Vec<(&'static str, &'static str)> {
    kamkor_core::profile::BUILTIN.to_vec()
}
