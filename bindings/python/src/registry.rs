//! `Registry`: the facade's operations, each run without the GIL.

use crate::convert::*;
use chrono::{DateTime, NaiveDate, Utc};
use kamkor_core::archive::ArchiveRequest;
use kamkor_core::import::ImportOptions;
use kamkor_core::registry::{DueQuery, ReportRequest, SearchQuery};
use kamkor_core::sync::LinkSecret;
use kamkor_core::{Error, NewUser, Registry};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde::Serialize;
use std::sync::RwLock;

/// An open registry. Closed by `close()` (which flushes) or when collected.
#[pyclass(module = "kamkor._native", name = "Registry", frozen)]
pub(crate) struct PyRegistry {
    inner: RwLock<Option<Registry>>,
}

impl PyRegistry {
    fn wrap(reg: Registry) -> Self {
        PyRegistry { inner: RwLock::new(Some(reg)) }
    }

    /// Runs `f` on the registry without the GIL and returns its result as JSON.
    fn run<T, F>(&self, py: Python<'_>, f: F) -> PyResult<String>
    where
        T: Serialize,
        F: FnOnce(&Registry) -> Result<T, Error> + Send,
    {
        py.detach(|| {
            let guard = self.inner.read().map_err(|_| Error::storage("registry lock poisoned"))?;
            let reg = guard.as_ref().ok_or_else(closed)?;
            ser(&f(reg)?)
        })
        .map_err(py_err)
    }

    /// Like `run`, for calls that also produce bytes (backups, archives, PDFs).
    fn run_bytes<F>(&self, py: Python<'_>, f: F) -> Result<(String, Vec<u8>), Error>
    where
        F: FnOnce(&Registry) -> Result<(String, Vec<u8>), Error> + Send,
    {
        py.detach(|| {
            let guard = self.inner.read().map_err(|_| Error::storage("registry lock poisoned"))?;
            let reg = guard.as_ref().ok_or_else(closed)?;
            f(reg)
        })
    }
}

#[pymethods]
impl PyRegistry {
    /// Creates a registry: in a sled store at `path`, or in memory when `path` is None.
    /// `profile_toml` None means the built-in Kyrgyz profile.
    #[staticmethod]
    #[pyo3(signature = (path, profile_toml, master_key, first_admin, clock=None, seed=None))]
    fn create(
        py: Python<'_>,
        path: Option<String>,
        profile_toml: Option<String>,
        master_key: Vec<u8>,
        first_admin: String,
        clock: Option<PyRef<'_, PyManualClock>>,
        seed: Option<u64>,
    ) -> PyResult<PyRegistry> {
        let env = env(clock.as_deref(), seed);
        py.detach(|| {
            let admin: NewUser = de(&first_admin, "first_admin")?;
            let master = key(&master_key)?;
            let text = profile_toml.as_deref().unwrap_or(kamkor_core::profile::KYRGYZSTAN_TOML);
            Registry::create(store(path.as_deref())?, text, &master, env, admin).map(PyRegistry::wrap)
        })
        .map_err(py_err)
    }

    /// Opens the registry in the sled store at `path`.
    #[staticmethod]
    #[pyo3(signature = (path, master_key, clock=None, seed=None))]
    fn open(
        py: Python<'_>,
        path: String,
        master_key: Vec<u8>,
        clock: Option<PyRef<'_, PyManualClock>>,
        seed: Option<u64>,
    ) -> PyResult<PyRegistry> {
        let env = env(clock.as_deref(), seed);
        py.detach(|| {
            let master = key(&master_key)?;
            Registry::open(store(Some(&path))?, &master, env).map(PyRegistry::wrap)
        })
        .map_err(py_err)
    }

    /// Restores a backup into an empty store (sled at `path`, or memory): (registry, summary JSON).
    #[staticmethod]
    #[pyo3(signature = (path, backup, master_key, clock=None, seed=None))]
    fn restore(
        py: Python<'_>,
        path: Option<String>,
        backup: Vec<u8>,
        master_key: Vec<u8>,
        clock: Option<PyRef<'_, PyManualClock>>,
        seed: Option<u64>,
    ) -> PyResult<(PyRegistry, String)> {
        let env = env(clock.as_deref(), seed);
        py.detach(|| {
            let master = key(&master_key)?;
            let (reg, summary) = Registry::restore(store(path.as_deref())?, &mut backup.as_slice(), &master, env)?;
            Ok((PyRegistry::wrap(reg), ser(&summary)?))
        })
        .map_err(py_err)
    }

    /// Flushes and closes; later calls fail with `STORAGE/REGISTRY_CLOSED`.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| {
            let mut guard = self.inner.write().map_err(|_| Error::storage("registry lock poisoned"))?;
            if let Some(reg) = guard.take() {
                reg.flush()?;
            }
            Ok(())
        })
        .map_err(py_err)
    }

    /// Whether `close()` was called.
    fn closed(&self) -> bool {
        self.inner.read().map(|g| g.is_none()).unwrap_or(true)
    }

    fn flush(&self, py: Python<'_>) -> PyResult<String> {
        self.run(py, |r| r.flush())
    }

    fn origin(&self, py: Python<'_>) -> PyResult<String> {
        self.run(py, |r| Ok(r.origin().to_string()))
    }

    fn profile_id(&self, py: Python<'_>) -> PyResult<String> {
        self.run(py, |r| Ok(r.profile().profile.id.clone()))
    }

    /// The profile in force, as JSON.
    fn profile(&self, py: Python<'_>) -> PyResult<String> {
        self.run(py, |r| Ok(r.profile().clone()))
    }

    /// A territory (current version) by code, or null.
    fn territory(&self, py: Python<'_>, code: String) -> PyResult<String> {
        self.run(py, |r| {
            let code = territory_code(code)?;
            Ok(r.territories().get(&code).cloned())
        })
    }

    /// The direct subdivisions of a territory (the root when `code` is None).
    #[pyo3(signature = (code=None))]
    fn territory_children(&self, py: Python<'_>, code: Option<String>) -> PyResult<String> {
        self.run(py, |r| {
            let t = r.territories();
            let code = match code {
                Some(c) => territory_code(c)?,
                None => t.root().clone(),
            };
            Ok(t.children(&code).into_iter().cloned().collect::<Vec<_>>())
        })
    }

    /// The codes from the root down to a territory.
    fn territory_path(&self, py: Python<'_>, code: String) -> PyResult<String> {
        self.run(py, |r| Ok(r.territories().path(&territory_code(code)?)))
    }

    // ---- sessions and users

    fn login(&self, py: Python<'_>, login: String, password: String) -> PyResult<String> {
        self.run(py, |r| r.login(&login, &password).map(|s| s.token().to_string()))
    }

    fn login_external(&self, py: Python<'_>, principal: String) -> PyResult<String> {
        self.run(py, |r| {
            let p = de(&principal, "principal")?;
            r.login_external(&p).map(|s| s.token().to_string())
        })
    }

    fn logout(&self, py: Python<'_>, session: String) -> PyResult<String> {
        self.run(py, |r| r.logout(&s(&session)))
    }

    fn whoami(&self, py: Python<'_>, session: String) -> PyResult<String> {
        self.run(py, |r| r.whoami(&s(&session)))
    }

    fn add_user(&self, py: Python<'_>, session: String, user: String) -> PyResult<String> {
        self.run(py, |r| r.add_user(&s(&session), de(&user, "user")?))
    }

    fn list_users(&self, py: Python<'_>, session: String) -> PyResult<String> {
        self.run(py, |r| r.list_users(&s(&session)))
    }

    fn revoke_user(&self, py: Python<'_>, session: String, user_id: String, reason: String) -> PyResult<String> {
        self.run(py, |r| r.revoke_user(&s(&session), &user_id, &reason))
    }

    fn record_undertaking(
        &self,
        py: Python<'_>,
        session: String,
        user_id: String,
        undertaking: String,
    ) -> PyResult<String> {
        self.run(py, |r| r.record_undertaking(&s(&session), &user_id, de(&undertaking, "undertaking")?))
    }

    fn user_id_by_login(&self, py: Python<'_>, session: String, login: String) -> PyResult<String> {
        self.run(py, |r| r.user_id_by_login(&s(&session), &login))
    }

    // ---- children

    fn register_child(&self, py: Python<'_>, session: String, child: String) -> PyResult<String> {
        self.run(py, |r| r.register_child(&s(&session), de(&child, "child")?))
    }

    fn register_children(&self, py: Python<'_>, session: String, children: String) -> PyResult<String> {
        self.run(py, |r| r.register_children(&s(&session), de(&children, "children")?))
    }

    fn get_child(&self, py: Python<'_>, session: String, child: String) -> PyResult<String> {
        self.run(py, |r| r.get_child(&s(&session), &id(&child, "id")?))
    }

    fn find_by_pin(&self, py: Python<'_>, session: String, pin: String) -> PyResult<String> {
        self.run(py, |r| r.find_by_pin(&s(&session), &pin))
    }

    fn search(&self, py: Python<'_>, session: String, query: String) -> PyResult<String> {
        self.run(py, |r| r.search(&s(&session), &de::<SearchQuery>(&query, "query")?))
    }

    fn check_duplicates(&self, py: Python<'_>, session: String, child: String) -> PyResult<String> {
        self.run(py, |r| r.check_duplicates(&s(&session), &de(&child, "child")?))
    }

    #[pyo3(signature = (session, child, changes, provenance, note=None, base_version=None))]
    #[allow(clippy::too_many_arguments)]
    fn update_child(
        &self,
        py: Python<'_>,
        session: String,
        child: String,
        changes: String,
        provenance: String,
        note: Option<String>,
        base_version: Option<u64>,
    ) -> PyResult<String> {
        self.run(py, |r| {
            let (id, changes, prov) = (id(&child, "id")?, de(&changes, "changes")?, de(&provenance, "provenance")?);
            r.update_child(&s(&session), &id, changes, prov, note, base_version)
        })
    }

    fn history(&self, py: Python<'_>, session: String, child: String) -> PyResult<String> {
        self.run(py, |r| r.history(&s(&session), &id(&child, "id")?))
    }

    #[pyo3(signature = (session, under, offset, limit))]
    fn list_children(
        &self,
        py: Python<'_>,
        session: String,
        under: Option<String>,
        offset: usize,
        limit: usize,
    ) -> PyResult<String> {
        self.run(py, |r| {
            let under: Option<kamkor_core::TerritoryCode> = match under {
                Some(u) => Some(de(&serde_json::Value::String(u).to_string(), "under")?),
                None => None,
            };
            r.list_children(&s(&session), under.as_ref(), offset, limit)
        })
    }

    // ---- families

    fn register_family(&self, py: Python<'_>, session: String, family: String, provenance: String) -> PyResult<String> {
        self.run(py, |r| r.register_family(&s(&session), de(&family, "family")?, de(&provenance, "provenance")?))
    }

    fn get_family(&self, py: Python<'_>, session: String, family: String) -> PyResult<String> {
        self.run(py, |r| r.get_family(&s(&session), &id(&family, "id")?))
    }

    #[pyo3(signature = (session, family, changes, provenance, note=None, base_version=None))]
    #[allow(clippy::too_many_arguments)]
    fn update_family(
        &self,
        py: Python<'_>,
        session: String,
        family: String,
        changes: String,
        provenance: String,
        note: Option<String>,
        base_version: Option<u64>,
    ) -> PyResult<String> {
        self.run(py, |r| {
            let (id, changes, prov) = (id(&family, "id")?, de(&changes, "changes")?, de(&provenance, "provenance")?);
            r.update_family(&s(&session), &id, changes, prov, note, base_version)
        })
    }

    #[pyo3(signature = (session, child, family, provenance))]
    fn link_child(
        &self,
        py: Python<'_>,
        session: String,
        child: String,
        family: Option<String>,
        provenance: String,
    ) -> PyResult<String> {
        self.run(py, |r| {
            let family = match family {
                Some(f) => Some(id(&f, "family")?),
                None => None,
            };
            r.link_child(&s(&session), &id(&child, "child")?, family.as_ref(), de(&provenance, "provenance")?)
        })
    }

    // ---- cases

    fn open_case(&self, py: Python<'_>, session: String, request: String) -> PyResult<String> {
        self.run(py, |r| r.open_case(&s(&session), de(&request, "request")?))
    }

    fn get_case(&self, py: Python<'_>, session: String, case: String) -> PyResult<String> {
        self.run(py, |r| r.get_case(&s(&session), &id(&case, "id")?))
    }

    fn child_cases(&self, py: Python<'_>, session: String, child: String) -> PyResult<String> {
        self.run(py, |r| r.child_cases(&s(&session), &id(&child, "child")?))
    }

    fn transition(&self, py: Python<'_>, session: String, case: String, request: String) -> PyResult<String> {
        self.run(py, |r| r.transition(&s(&session), &id(&case, "id")?, de(&request, "request")?))
    }

    fn save_assessment(&self, py: Python<'_>, session: String, case: String, assessment: String) -> PyResult<String> {
        self.run(py, |r| r.save_assessment(&s(&session), &id(&case, "id")?, de(&assessment, "assessment")?))
    }

    fn submit_assessment(&self, py: Python<'_>, session: String, case: String) -> PyResult<String> {
        self.run(py, |r| r.submit_assessment(&s(&session), &id(&case, "id")?))
    }

    fn record_visit(&self, py: Python<'_>, session: String, case: String, visit: String) -> PyResult<String> {
        self.run(py, |r| r.record_visit(&s(&session), &id(&case, "id")?, de(&visit, "visit")?))
    }

    fn programme_decision(&self, py: Python<'_>, session: String, case: String, decision: String) -> PyResult<String> {
        self.run(py, |r| r.programme_decision(&s(&session), &id(&case, "id")?, de(&decision, "decision")?))
    }

    fn programme_contribution(
        &self,
        py: Python<'_>,
        session: String,
        case: String,
        contribution: String,
    ) -> PyResult<String> {
        self.run(py, |r| r.programme_contribution(&s(&session), &id(&case, "id")?, de(&contribution, "contribution")?))
    }

    fn case_history(&self, py: Python<'_>, session: String, case: String) -> PyResult<String> {
        self.run(py, |r| r.case_history(&s(&session), &id(&case, "id")?))
    }

    // ---- plans

    fn propose_plan(&self, py: Python<'_>, session: String, case: String) -> PyResult<String> {
        self.run(py, |r| r.propose_plan(&s(&session), &id(&case, "id")?))
    }

    fn accept_plan(&self, py: Python<'_>, session: String, case: String, accepted: String) -> PyResult<String> {
        self.run(py, |r| r.accept_plan(&s(&session), &id(&case, "id")?, de(&accepted, "accepted")?))
    }

    fn add_measure(&self, py: Python<'_>, session: String, case: String, measure: String) -> PyResult<String> {
        self.run(py, |r| r.add_measure(&s(&session), &id(&case, "id")?, de(&measure, "measure")?))
    }

    fn change_measure(
        &self,
        py: Python<'_>,
        session: String,
        case: String,
        measure: String,
        change: String,
    ) -> PyResult<String> {
        self.run(py, |r| r.change_measure(&s(&session), &id(&case, "id")?, &measure, de(&change, "change")?))
    }

    fn drop_measure(
        &self,
        py: Python<'_>,
        session: String,
        case: String,
        measure: String,
        reason: String,
    ) -> PyResult<String> {
        self.run(py, |r| r.drop_measure(&s(&session), &id(&case, "id")?, &measure, &reason))
    }

    fn update_measure(
        &self,
        py: Python<'_>,
        session: String,
        case: String,
        measure: String,
        update: String,
    ) -> PyResult<String> {
        self.run(py, |r| r.update_measure(&s(&session), &id(&case, "id")?, &measure, de(&update, "update")?))
    }

    // ---- deadlines, reports, data set, print

    fn due(&self, py: Python<'_>, session: String, query: String) -> PyResult<String> {
        self.run(py, |r| r.due(&s(&session), &de::<DueQuery>(&query, "query")?))
    }

    fn report(&self, py: Python<'_>, session: String, request: String) -> PyResult<String> {
        self.run(py, |r| r.report(&s(&session), &de::<ReportRequest>(&request, "request")?))
    }

    fn depersonalized_dataset(&self, py: Python<'_>, session: String) -> PyResult<String> {
        self.run(py, |r| r.depersonalized_dataset(&s(&session)))
    }

    fn child_card(&self, py: Python<'_>, session: String, child: String, lang_code: String) -> PyResult<String> {
        self.run(py, |r| r.child_card(&s(&session), &id(&child, "id")?, lang(&lang_code)?))
    }

    fn certificate(&self, py: Python<'_>, session: String, child: String, lang_code: String) -> PyResult<String> {
        self.run(py, |r| r.certificate(&s(&session), &id(&child, "id")?, lang(&lang_code)?))
    }

    // ---- retention and archive

    #[pyo3(signature = (session, child, reason))]
    fn set_legal_hold(
        &self,
        py: Python<'_>,
        session: String,
        child: String,
        reason: Option<String>,
    ) -> PyResult<String> {
        self.run(py, |r| r.set_legal_hold(&s(&session), &id(&child, "child")?, reason))
    }

    fn retention_plan(&self, py: Python<'_>, session: String) -> PyResult<String> {
        self.run(py, |r| r.retention_plan(&s(&session)))
    }

    /// (report JSON, archive package bytes).
    fn retention_run(&self, py: Python<'_>, session: String) -> PyResult<(String, Py<PyBytes>)> {
        let r = self.run_bytes(py, |r| {
            let mut out = Vec::new();
            let report = r.retention_run(&s(&session), &mut out)?;
            Ok((ser(&report)?, out))
        });
        pair(py, r)
    }

    /// (report JSON, archive package bytes).
    fn archive_on_request(
        &self,
        py: Python<'_>,
        session: String,
        child: String,
        request: String,
    ) -> PyResult<(String, Py<PyBytes>)> {
        let r = self.run_bytes(py, |r| {
            let req: ArchiveRequest = de(&request, "request")?;
            let mut out = Vec::new();
            let report = r.archive_on_request(&s(&session), &id(&child, "child")?, req, &mut out)?;
            Ok((ser(&report)?, out))
        });
        pair(py, r)
    }

    fn archive_requests(&self, py: Python<'_>, session: String) -> PyResult<String> {
        self.run(py, |r| r.archive_requests(&s(&session)))
    }

    // ---- administration and audit

    fn load_classifier(&self, py: Python<'_>, session: String, csv: Vec<u8>, effective: NaiveDate) -> PyResult<String> {
        py.detach(|| {
            let mut guard = self.inner.write().map_err(|_| Error::storage("registry lock poisoned"))?;
            let reg = guard.as_mut().ok_or_else(closed)?;
            ser(&reg.load_classifier(&s(&session), &csv, effective)?)
        })
        .map_err(py_err)
    }

    fn verify_audit_chain(&self, py: Python<'_>) -> PyResult<String> {
        self.run(py, |r| r.verify_audit_chain())
    }

    fn verify_audit(&self, py: Python<'_>, session: String) -> PyResult<String> {
        self.run(py, |r| r.verify_audit(&s(&session)))
    }

    fn audit_entries(&self, py: Python<'_>, session: String, start: u64, limit: usize) -> PyResult<String> {
        self.run(py, |r| r.audit_entries(&s(&session), start, limit))
    }

    #[pyo3(signature = (session, since))]
    fn denied_attempts(&self, py: Python<'_>, session: String, since: Option<DateTime<Utc>>) -> PyResult<String> {
        self.run(py, |r| r.denied_attempts(&s(&session), since))
    }

    // ---- sync: devices and registries exchanging signed bundles

    /// Creates a device registry (sled at `path`, or memory) from a completed link secret
    /// (JSON) and the scope bundle its registry exported.
    #[staticmethod]
    #[pyo3(signature = (path, master_key, secret, scope, clock=None, seed=None))]
    fn create_device(
        py: Python<'_>,
        path: Option<String>,
        master_key: Vec<u8>,
        secret: String,
        scope: Vec<u8>,
        clock: Option<PyRef<'_, PyManualClock>>,
        seed: Option<u64>,
    ) -> PyResult<PyRegistry> {
        let env = env(clock.as_deref(), seed);
        py.detach(|| {
            let master = key(&master_key)?;
            let secret: LinkSecret = de(&secret, "secret")?;
            Registry::create_device(store(path.as_deref())?, &master, env, &secret, &scope).map(PyRegistry::wrap)
        })
        .map_err(py_err)
    }

    fn sync_public_key(&self, py: Python<'_>) -> PyResult<String> {
        self.run(py, |r| Ok(r.sync_public_key()))
    }

    fn enrol_link(&self, py: Python<'_>, session: String, link: String) -> PyResult<String> {
        self.run(py, |r| r.enrol_link(&s(&session), de(&link, "link")?))
    }

    fn revoke_link(&self, py: Python<'_>, session: String, link: String, reason: String) -> PyResult<String> {
        self.run(py, |r| r.revoke_link(&s(&session), &link, &reason))
    }

    fn links(&self, py: Python<'_>, session: String) -> PyResult<String> {
        self.run(py, |r| r.links(&s(&session)))
    }

    fn export_scope(&self, py: Python<'_>, session: String, link: String) -> PyResult<Py<PyBytes>> {
        let r = self.run_bytes(py, |r| Ok((String::new(), r.export_scope(&s(&session), &link)?)));
        pair(py, r).map(|(_, b)| b)
    }

    #[pyo3(signature = (session, secret, start, limit=None))]
    fn export_changes(
        &self,
        py: Python<'_>,
        session: String,
        secret: String,
        start: u64,
        limit: Option<u64>,
    ) -> PyResult<Py<PyBytes>> {
        let r = self.run_bytes(py, |r| {
            let secret: LinkSecret = de(&secret, "secret")?;
            Ok((String::new(), r.export_changes(&s(&session), &secret, start, limit)?))
        });
        pair(py, r).map(|(_, b)| b)
    }

    fn import_changes(&self, py: Python<'_>, session: String, bundle: Vec<u8>) -> PyResult<String> {
        self.run(py, |r| r.import_changes(&s(&session), &bundle))
    }

    /// On the centre: the changes to the records a device holds since `start` (its downstream
    /// position), records newly in its scope and erasure notices, as a bundle for its link.
    fn export_downstream(&self, py: Python<'_>, session: String, link: String, start: u64) -> PyResult<Py<PyBytes>> {
        let r = self.run_bytes(py, |r| Ok((String::new(), r.export_downstream(&s(&session), &link, start)?)));
        pair(py, r).map(|(_, b)| b)
    }

    /// On a device: the centre's log position it has applied up to.
    fn downstream_position(&self, py: Python<'_>, secret: String) -> PyResult<String> {
        self.run(py, |r| r.downstream_position(&de(&secret, "secret")?))
    }

    /// On a device: applies a downstream bundle from its centre; returns the report as JSON.
    fn import_downstream(&self, py: Python<'_>, session: String, secret: String, bundle: Vec<u8>) -> PyResult<String> {
        self.run(py, |r| r.import_downstream(&s(&session), &de(&secret, "secret")?, &bundle))
    }

    fn sync_conflicts(&self, py: Python<'_>, session: String) -> PyResult<String> {
        self.run(py, |r| r.sync_conflicts(&s(&session)))
    }

    #[pyo3(signature = (session, child, field, value, provenance, note=None))]
    #[allow(clippy::too_many_arguments)]
    fn resolve_conflict(
        &self,
        py: Python<'_>,
        session: String,
        child: String,
        field: String,
        value: String,
        provenance: String,
        note: Option<String>,
    ) -> PyResult<String> {
        self.run(py, |r| {
            let value: serde_json::Value = de(&value, "value")?;
            r.resolve_conflict(&s(&session), &id(&child, "id")?, &field, value, de(&provenance, "provenance")?, note)
        })
    }

    /// The review queue (events not applicable, records invalid after a merge, possible duplicates) as JSON.
    fn sync_reviews(&self, py: Python<'_>, session: String) -> PyResult<String> {
        self.run(py, |r| r.sync_reviews(&s(&session)))
    }

    /// Resolves a review entry: `decision` is `"apply"` or `"dismiss"`; returns the report as JSON.
    fn resolve_review(
        &self,
        py: Python<'_>,
        session: String,
        id: String,
        decision: String,
        note: String,
    ) -> PyResult<String> {
        self.run(py, |r| {
            let d: kamkor_core::registry::ReviewDecision = de(&format!("{decision:?}"), "decision")?;
            r.resolve_review(&s(&session), &id, d, &note)
        })
    }

    // ---- bulk import (REG-5) and the household book (INT-1)

    /// Imports children from a CSV, XLSX or JSON Lines file under a mapping (TOML text or JSON).
    /// The GIL is released while importing; `progress(done, total)` is called (with the GIL)
    /// after every chunk of rows.
    #[pyo3(signature = (session, data, mapping_toml, mapping_json, options, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn import_file(
        &self,
        py: Python<'_>,
        session: String,
        data: Vec<u8>,
        mapping_toml: Option<String>,
        mapping_json: Option<String>,
        options: String,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<String> {
        let mut tick = progress_fn(progress);
        self.run(py, |r| {
            let m = mapping(mapping_toml.as_deref(), mapping_json.as_deref())?;
            let o: ImportOptions = de(&options, "options")?;
            r.import(&s(&session), &data, &m, &o, &mut tick)
        })
    }

    /// Imports a Sanarip aimak household book (families, children, screening signals).
    #[pyo3(signature = (session, data, options, progress=None))]
    fn import_household_book(
        &self,
        py: Python<'_>,
        session: String,
        data: Vec<u8>,
        options: String,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<String> {
        let mut tick = progress_fn(progress);
        self.run(py, |r| {
            let o: ImportOptions = de(&options, "options")?;
            r.import_household_book(&s(&session), &data, &o, &mut tick)
        })
    }

    /// Open screening signals in the reader's scope.
    fn signals(&self, py: Python<'_>, session: String) -> PyResult<String> {
        self.run(py, |r| r.signals(&s(&session)))
    }

    /// (summary JSON, backup bytes).
    fn backup(&self, py: Python<'_>, session: String) -> PyResult<(String, Py<PyBytes>)> {
        let r = self.run_bytes(py, |r| {
            let mut out = Vec::new();
            let summary = r.backup(&s(&session), &mut out)?;
            Ok((ser(&summary)?, out))
        });
        pair(py, r)
    }
}
