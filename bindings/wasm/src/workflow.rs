//! The `Registry` class, continued: cases and their workflow, plans and measures, deadlines.

use super::*;

#[wasm_bindgen(js_class = Registry)]
impl WasmRegistry {
    // ---------------------------------------------------------------- cases (workflow)

    /// Opens a case for a child (a signal or an identification, with its basis document).
    #[wasm_bindgen(js_name = openCase, unchecked_return_type = "CaseView")]
    pub fn open_case(
        &self,
        session: &Session,
        #[wasm_bindgen(unchecked_param_type = "OpenCase")] request: JsValue,
    ) -> JsResult {
        let request = self.arg(&request, "request")?;
        self.ok(self.reg.open_case(&session.inner, request))
    }
    /// A case.
    #[wasm_bindgen(js_name = getCase, unchecked_return_type = "CaseView")]
    pub fn get_case(&self, session: &Session, id: String) -> JsResult {
        let id = self.id(&id, "id")?;
        self.ok(self.reg.get_case(&session.inner, &id))
    }
    /// Every case of a child.
    #[wasm_bindgen(js_name = childCases, unchecked_return_type = "CaseView[]")]
    pub fn child_cases(&self, session: &Session, child: String) -> JsResult {
        let child = self.id(&child, "child")?;
        self.ok(self.reg.child_cases(&session.inner, &child))
    }
    /// Moves a case along the workflow.
    #[wasm_bindgen(unchecked_return_type = "CaseView")]
    pub fn transition(
        &self,
        session: &Session,
        id: String,
        #[wasm_bindgen(unchecked_param_type = "TransitionRequest")] request: JsValue,
    ) -> JsResult {
        let id = self.id(&id, "id")?;
        let request = self.arg(&request, "request")?;
        self.ok(self.reg.transition(&session.inner, &id, request))
    }
    /// Saves the comprehensive assessment (partial saves allowed).
    #[wasm_bindgen(js_name = saveAssessment, unchecked_return_type = "CaseView")]
    pub fn save_assessment(
        &self,
        session: &Session,
        id: String,
        #[wasm_bindgen(unchecked_param_type = "Assessment")] assessment: JsValue,
    ) -> JsResult {
        let id = self.id(&id, "id")?;
        let assessment = self.arg(&assessment, "assessment")?;
        self.ok(self.reg.save_assessment(&session.inner, &id, assessment))
    }
    /// Submits the assessment (it must be complete); the risk level is computed.
    #[wasm_bindgen(js_name = submitAssessment, unchecked_return_type = "CaseView")]
    pub fn submit_assessment(&self, session: &Session, id: String) -> JsResult {
        let id = self.id(&id, "id")?;
        self.ok(self.reg.submit_assessment(&session.inner, &id))
    }
    /// Records a monitoring visit.
    #[wasm_bindgen(js_name = recordVisit, unchecked_return_type = "CaseView")]
    pub fn record_visit(
        &self,
        session: &Session,
        id: String,
        #[wasm_bindgen(unchecked_param_type = "Visit")] visit: JsValue,
    ) -> JsResult {
        let id = self.id(&id, "id")?;
        let visit = self.arg(&visit, "visit")?;
        self.ok(self.reg.record_visit(&session.inner, &id, visit))
    }
    /// Records a commission decision on the interagency programme.
    #[wasm_bindgen(js_name = programmeDecision, unchecked_return_type = "CaseView")]
    pub fn programme_decision(
        &self,
        session: &Session,
        id: String,
        #[wasm_bindgen(unchecked_param_type = "Decision")] decision: JsValue,
    ) -> JsResult {
        let id = self.id(&id, "id")?;
        let decision = self.arg(&decision, "decision")?;
        self.ok(self.reg.programme_decision(&session.inner, &id, decision))
    }
    /// Records an agency's contribution to the programme.
    #[wasm_bindgen(js_name = programmeContribution, unchecked_return_type = "CaseView")]
    pub fn programme_contribution(
        &self,
        session: &Session,
        id: String,
        #[wasm_bindgen(unchecked_param_type = "Contribution")] contribution: JsValue,
    ) -> JsResult {
        let id = self.id(&id, "id")?;
        let contribution = self.arg(&contribution, "contribution")?;
        self.ok(self.reg.programme_contribution(&session.inner, &id, contribution))
    }
    /// A case's events, oldest first.
    #[wasm_bindgen(js_name = caseHistory, unchecked_return_type = "HistoryEntry[]")]
    pub fn case_history(&self, session: &Session, id: String) -> JsResult {
        let id = self.id(&id, "id")?;
        self.ok(self.reg.case_history(&session.inner, &id))
    }

    // ---------------------------------------------------------------- plans

    /// The plan the rules propose from the submitted assessment, as a diff to the current plan.
    #[wasm_bindgen(js_name = proposePlan, unchecked_return_type = "PlanProposal")]
    pub fn propose_plan(&self, session: &Session, id: String) -> JsResult {
        let id = self.id(&id, "id")?;
        self.ok(self.reg.propose_plan(&session.inner, &id))
    }
    /// Accepts some of the proposed changes (ids from the diff).
    #[wasm_bindgen(js_name = acceptPlan, unchecked_return_type = "CaseView")]
    pub fn accept_plan(&self, session: &Session, id: String, accepted: Vec<String>) -> JsResult {
        let id = self.id(&id, "id")?;
        self.ok(self.reg.accept_plan(&session.inner, &id, accepted))
    }
    /// Adds a measure by hand, with a reason.
    #[wasm_bindgen(js_name = addMeasure, unchecked_return_type = "CaseView")]
    pub fn add_measure(
        &self,
        session: &Session,
        id: String,
        #[wasm_bindgen(unchecked_param_type = "ManualMeasure")] measure: JsValue,
    ) -> JsResult {
        let id = self.id(&id, "id")?;
        let measure = self.arg(&measure, "measure")?;
        self.ok(self.reg.add_measure(&session.inner, &id, measure))
    }
    /// Changes a measure by hand, with a reason.
    #[wasm_bindgen(js_name = changeMeasure, unchecked_return_type = "CaseView")]
    pub fn change_measure(
        &self,
        session: &Session,
        id: String,
        measure: String,
        #[wasm_bindgen(unchecked_param_type = "MeasureChange")] change: JsValue,
    ) -> JsResult {
        let id = self.id(&id, "id")?;
        let change = self.arg(&change, "change")?;
        self.ok(self.reg.change_measure(&session.inner, &id, &measure, change))
    }
    /// Drops a measure, with a reason.
    #[wasm_bindgen(js_name = dropMeasure, unchecked_return_type = "CaseView")]
    pub fn drop_measure(&self, session: &Session, id: String, measure: String, reason: String) -> JsResult {
        let id = self.id(&id, "id")?;
        self.ok(self.reg.drop_measure(&session.inner, &id, &measure, &reason))
    }
    /// Records a measure's execution (status, result, responsible).
    #[wasm_bindgen(js_name = updateMeasure, unchecked_return_type = "CaseView")]
    pub fn update_measure(
        &self,
        session: &Session,
        id: String,
        measure: String,
        #[wasm_bindgen(unchecked_param_type = "MeasureUpdate")] update: JsValue,
    ) -> JsResult {
        let id = self.id(&id, "id")?;
        let update = self.arg(&update, "update")?;
        self.ok(self.reg.update_measure(&session.inner, &id, &measure, update))
    }

    // ---------------------------------------------------------------- deadlines

    /// What is due (stages, measures, visits) in the reader's scope, overdue first.
    #[wasm_bindgen(unchecked_return_type = "DueItem[]")]
    pub fn due(
        &self,
        session: &Session,
        #[wasm_bindgen(unchecked_param_type = "DueQuery | undefined")] query: JsValue,
    ) -> JsResult {
        let query: Option<DueQuery> = self.arg(&query, "query")?;
        self.ok(self.reg.due(&session.inner, &query.unwrap_or_default()))
    }
}
