//! The native module `kamkor._native`: a thin pyo3 layer over the `kamkor_core` facade.
//!
//! Values cross the boundary in the core's serde JSON form (strings in, strings out); the
//! pure-Python package `kamkor` turns them into dataclass-like records, dates and exceptions.
//! Every registry call releases the GIL while the core works. Errors are raised as
//! `NativeError(json)` with the core's `Error` as JSON; the package maps them to the
//! `KamkorError` hierarchy.

mod convert;
mod functions;
mod registry;

use convert::{NativeError, PyManualClock};
use functions::*;
use pyo3::prelude::*;
use registry::PyRegistry;

/// The native module.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add_class::<PyManualClock>()?;
    m.add_class::<PyRegistry>()?;
    m.add_function(wrap_pyfunction!(localize_error, m)?)?;
    m.add_function(wrap_pyfunction!(localize_warning, m)?)?;
    m.add_function(wrap_pyfunction!(render_document_pdf, m)?)?;
    m.add_function(wrap_pyfunction!(render_report_csv, m)?)?;
    m.add_function(wrap_pyfunction!(render_report_xlsx, m)?)?;
    m.add_function(wrap_pyfunction!(open_archive, m)?)?;
    m.add_function(wrap_pyfunction!(kyrgyzstan_profile, m)?)?;
    m.add_function(wrap_pyfunction!(builtin_profiles, m)?)?;
    m.add_function(wrap_pyfunction!(link_secret_generate, m)?)?;
    m.add_function(wrap_pyfunction!(link_secret_public_key, m)?)?;
    m.add_function(wrap_pyfunction!(link_secret_complete, m)?)?;
    m.add_function(wrap_pyfunction!(import_report_csv, m)?)?;
    m.add_function(wrap_pyfunction!(parse_mapping, m)?)?;
    m.add_function(wrap_pyfunction!(household_book_columns, m)?)?;
    m.add_function(wrap_pyfunction!(synth_household_book, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
