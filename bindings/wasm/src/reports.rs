//! The `Registry` class, continued: reports and their charts and map, retention,
//! administration and audit.

use super::*;

#[wasm_bindgen(js_class = Registry)]
impl WasmRegistry {
    // ---------------------------------------------------------------- reports

    /// A statutory report within the reader's scope.
    #[wasm_bindgen(unchecked_return_type = "Report")]
    pub fn report(
        &self,
        session: &Session,
        #[wasm_bindgen(unchecked_param_type = "ReportRequest")] request: JsValue,
    ) -> JsResult {
        let request: ReportRequest = self.arg(&request, "request")?;
        self.ok(self.reg.report(&session.inner, &request))
    }
    /// A bar chart (SVG) of a report table's column (default: the first table, `total`).
    #[wasm_bindgen(js_name = reportChart)]
    pub fn report_chart(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Report")] report: JsValue,
        table: Option<String>,
        column: Option<String>,
        lang: Option<String>,
    ) -> Result<String, JsValue> {
        let report: Report = self.arg(&report, "report")?;
        let lang = parse_lang(lang, self.lang).map_err(|e| self.err(e))?;
        let (t, c) = pick(&report, table.as_deref(), column.as_deref()).map_err(|e| self.err(e))?;
        Ok(svg::bar_chart_marked(t, c, lang, &kamkor_core::render::suppressed_marker(&report)))
    }
    /// The schematic territory map (SVG) of a report table's column.
    #[wasm_bindgen(js_name = reportMap)]
    pub fn report_map(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Report")] report: JsValue,
        table: Option<String>,
        column: Option<String>,
        lang: Option<String>,
    ) -> Result<String, JsValue> {
        let report: Report = self.arg(&report, "report")?;
        let lang = parse_lang(lang, self.lang).map_err(|e| self.err(e))?;
        let (t, c) = pick(&report, table.as_deref(), column.as_deref()).map_err(|e| self.err(e))?;
        let values = map::map_values(t, c);
        let heading = t.columns.get(c).map(|x| x.label.get(lang)).unwrap_or_default();
        let title = format!("{} — {heading}", t.title.get(lang));
        Ok(map::territory_map(&values, self.reg.territories(), lang, &title))
    }
    /// The depersonalized data set of the reader's scope.
    #[wasm_bindgen(js_name = depersonalizedDataset, unchecked_return_type = "Dataset")]
    pub fn depersonalized_dataset(&self, session: &Session) -> JsResult {
        self.ok(self.reg.depersonalized_dataset(&session.inner))
    }
    /// A child's printable card (titled sections of localized lines).
    #[wasm_bindgen(js_name = childCard, unchecked_return_type = "PrintedDocument")]
    pub fn child_card(&self, session: &Session, id: String, lang: Option<String>) -> JsResult {
        let id = self.id(&id, "id")?;
        let lang = parse_lang(lang, self.lang).map_err(|e| self.err(e))?;
        self.ok(self.reg.child_card(&session.inner, &id, lang))
    }
    /// The data subject certificate (what is held about a child).
    #[wasm_bindgen(unchecked_return_type = "Certificate")]
    pub fn certificate(&self, session: &Session, id: String, lang: Option<String>) -> JsResult {
        let id = self.id(&id, "id")?;
        let lang = parse_lang(lang, self.lang).map_err(|e| self.err(e))?;
        self.ok(self.reg.certificate(&session.inner, &id, lang))
    }

    // ---------------------------------------------------------------- retention

    /// Children due for retention and those held.
    #[wasm_bindgen(js_name = retentionPlan, unchecked_return_type = "RetentionPlan")]
    pub fn retention_plan(&self, session: &Session) -> JsResult {
        self.ok(self.reg.retention_plan(&session.inner))
    }
    /// Sets (a reason) or lifts (`null`) a legal hold on a child.
    #[wasm_bindgen(js_name = setLegalHold)]
    pub fn set_legal_hold(&self, session: &Session, child: String, reason: Option<String>) -> Result<(), JsValue> {
        let child = self.id(&child, "child")?;
        self.reg.set_legal_hold(&session.inner, &child, reason).map_err(|e| self.err(e))
    }
    /// Archives and erases the children due; the sealed archive is returned with the report.
    #[wasm_bindgen(js_name = retentionRun, unchecked_return_type = "{report: RetentionReport, archive: Uint8Array}")]
    pub fn retention_run(&self, session: &Session) -> JsResult {
        let mut archive = Vec::new();
        let report = self.ok(self.reg.retention_run(&session.inner, &mut archive))?;
        let out = Object::new();
        set(&out, "report", &report);
        set(&out, "archive", &js_sys::Uint8Array::from(archive.as_slice()));
        Ok(out.into())
    }
    /// The log of archive requests.
    #[wasm_bindgen(js_name = archiveRequests, unchecked_return_type = "RequestLogEntry[]")]
    pub fn archive_requests(&self, session: &Session) -> JsResult {
        self.ok(self.reg.archive_requests(&session.inner))
    }

    // ---------------------------------------------------------------- administration and audit

    /// Loads finer territory levels (CSV text) effective from a date.
    #[wasm_bindgen(js_name = loadClassifier, unchecked_return_type = "LoadSummary")]
    pub fn load_classifier(&mut self, session: &Session, csv: String, effective: String) -> JsResult {
        let effective = self.arg(&JsValue::from_str(&effective), "effective")?;
        let loaded = self.reg.load_classifier(&session.inner, csv.as_bytes(), effective);
        self.ok(loaded)
    }
    /// Verifies the audit chain (no personal data are read; no session needed).
    #[wasm_bindgen(js_name = verifyAuditChain, unchecked_return_type = "AuditReport")]
    pub fn verify_audit_chain(&self) -> JsResult {
        self.ok(self.reg.verify_audit_chain())
    }
    /// Verifies the audit chain as a user (audited).
    #[wasm_bindgen(js_name = verifyAudit, unchecked_return_type = "AuditReport")]
    pub fn verify_audit(&self, session: &Session) -> JsResult {
        self.ok(self.reg.verify_audit(&session.inner))
    }
    /// Audit entries from a sequence number.
    #[wasm_bindgen(js_name = auditEntries, unchecked_return_type = "AuditEntry[]")]
    pub fn audit_entries(&self, session: &Session, from: f64, limit: u32) -> JsResult {
        let from = count(from, "from").map_err(|e| self.err(e))?;
        self.ok(self.reg.audit_entries(&session.inner, from, limit as usize))
    }
    /// Refused attempts (optionally since an instant).
    #[wasm_bindgen(js_name = deniedAttempts, unchecked_return_type = "AuditEntry[]")]
    pub fn denied_attempts(&self, session: &Session, since: Option<String>) -> JsResult {
        let since = match since {
            Some(s) => Some(self.arg(&JsValue::from_str(&s), "since")?),
            None => None,
        };
        self.ok(self.reg.denied_attempts(&session.inner, since))
    }
    /// A backup of the whole registry (needs `backup`; audited): the summary and the file.
    #[wasm_bindgen(unchecked_return_type = "BackupSummary & {file: Uint8Array}")]
    pub fn backup(&self, session: &Session) -> JsResult {
        let mut file = Vec::new();
        let summary = self.ok(self.reg.backup(&session.inner, &mut file))?;
        set(&summary, "file", &js_sys::Uint8Array::from(file.as_slice()));
        Ok(summary)
    }
}
