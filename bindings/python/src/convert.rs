//! Conversions at the boundary: arguments from JSON, results and errors to JSON, the clocks,
//! stores and progress callbacks the registry is given.

use chrono::{DateTime, TimeDelta, Utc};
use kamkor_core::import::{Mapping, Progress};
use kamkor_core::store::{MemoryStore, SledStore, Store};
use kamkor_core::{Clock, Env, Error, ErrorCode, Key, Lang, ManualClock, Session, SubjectId};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;

create_exception!(_native, NativeError, PyException, "An error of the core; its only argument is the error as JSON.");

/// The operating system's clock. The binding is a host: real time enters the core here.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    // The host is where real time enters (DESIGN.md invariant 2): the one allowed call.
    // Truncated to microseconds, the precision of Python's datetime, so that a time read
    // back from the registry converts to a datetime without loss.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        let micros = now.timestamp_micros();
        DateTime::from_timestamp_micros(micros).unwrap_or(now)
    }
}

/// The error as the JSON the package reads.
pub(crate) fn error_json(e: &Error) -> String {
    serde_json::to_string(e).unwrap_or_else(|_| {
        format!("{{\"code\":\"{}\",\"reason\":\"{}\",\"field\":null,\"args\":{{}}}}", e.code.as_str(), e.reason)
    })
}

pub(crate) fn py_err(e: Error) -> PyErr {
    NativeError::new_err(error_json(&e))
}

/// Reads an argument from its JSON; a value that does not fit is a validation error naming it.
pub(crate) fn de<T: DeserializeOwned>(json: &str, field: &str) -> Result<T, Error> {
    serde_json::from_str(json).map_err(|e| Error::validation("BAD_VALUE", field).arg("detail", e))
}

pub(crate) fn ser<T: Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::new(ErrorCode::Storage, "ENCODE_FAILED").arg("detail", e))
}

pub(crate) fn lang(code: &str) -> Result<Lang, Error> {
    Lang::parse(code).ok_or_else(|| Error::validation("BAD_VALUE", "lang").arg("detail", code))
}

pub(crate) fn id(s: &str, field: &str) -> Result<SubjectId, Error> {
    de(&serde_json::Value::String(s.to_string()).to_string(), field)
}

pub(crate) fn key(bytes: &[u8]) -> Result<Key, Error> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| Error::validation("BAD_VALUE", "master_key").arg("detail", "the master key is 32 bytes"))?;
    Ok(Key::from_bytes(arr))
}

pub(crate) fn render_err(e: kamkor_core::render::RenderError) -> Error {
    Error::new(ErrorCode::Storage, e.code()).arg("detail", e)
}

/// Calls the host's progress callback (with the GIL) from inside an import that runs without it.
/// An exception in the callback cannot stop the import: it goes to `sys.unraisablehook`.
pub(crate) fn progress_fn(callback: Option<Py<PyAny>>) -> impl FnMut(Progress) + Send {
    move |p: Progress| {
        if let Some(cb) = &callback {
            Python::attach(|py| {
                if let Err(e) = cb.call1(py, (p.done, p.total)) {
                    e.write_unraisable(py, Some(cb.bind(py)));
                }
            });
        }
    }
}

pub(crate) fn mapping(toml_text: Option<&str>, json: Option<&str>) -> Result<Mapping, Error> {
    match (toml_text, json) {
        (Some(t), _) => Mapping::from_toml(t),
        (None, Some(j)) => {
            let m: Mapping = de(j, "mapping")?;
            m.check()?;
            Ok(m)
        }
        (None, None) => Err(Error::validation("BAD_VALUE", "mapping").arg("detail", "a mapping is needed")),
    }
}

/// A clock the host sets and moves (tests, scenario replays, reproducible runs).
#[pyclass(module = "kamkor._native", name = "ManualClock", frozen)]
pub(crate) struct PyManualClock {
    inner: Arc<ManualClock>,
}

#[pymethods]
impl PyManualClock {
    #[new]
    fn new(at: DateTime<Utc>) -> Self {
        PyManualClock { inner: Arc::new(ManualClock::new(at)) }
    }
    /// The current time.
    fn now(&self) -> DateTime<Utc> {
        self.inner.now()
    }
    /// Moves the clock (a negative delta moves it back).
    fn advance(&self, by: TimeDelta) {
        self.inner.advance(by)
    }
    /// Sets the clock.
    fn set(&self, at: DateTime<Utc>) {
        self.inner.set(at)
    }
}

pub(crate) fn env(clock: Option<&PyManualClock>, seed: Option<u64>) -> Env {
    let clock: Arc<dyn Clock> = match clock {
        Some(c) => c.inner.clone(),
        None => Arc::new(SystemClock),
    };
    match seed {
        Some(s) => Env::seeded(clock, s),
        None => Env::new(clock),
    }
}

pub(crate) fn store(path: Option<&str>) -> Result<Arc<dyn Store>, Error> {
    Ok(match path {
        Some(p) => Arc::new(SledStore::open(std::path::Path::new(p)).map_err(Error::storage)?),
        None => Arc::new(MemoryStore::new()),
    })
}

pub(crate) fn closed() -> Error {
    Error::new(ErrorCode::Storage, "REGISTRY_CLOSED")
}

pub(crate) fn territory_code(code: String) -> Result<kamkor_core::TerritoryCode, Error> {
    de(&serde_json::Value::String(code).to_string(), "code")
}

pub(crate) fn s(token: &str) -> Session {
    Session::from_token(token)
}

pub(crate) fn pair(py: Python<'_>, r: Result<(String, Vec<u8>), Error>) -> PyResult<(String, Py<PyBytes>)> {
    let (json, bytes) = r.map_err(py_err)?;
    Ok((json, PyBytes::new(py, &bytes).unbind()))
}
