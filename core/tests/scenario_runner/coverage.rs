//! What the scenarios exercised of the Kyrgyz profile, read from their results: transitions
//! (from `transitioned` case events), deadline entries (from due items), due kinds, plan rules
//! (from proposed measures). Compared with the profile's own lists.

use serde_json::Value;
use std::collections::BTreeSet;

/// Everything seen in results.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub(crate) transitions: BTreeSet<String>,
    /// (kind, reference, reason.en, overdue) of every due item.
    pub(crate) due: BTreeSet<(String, String, String, bool)>,
    pub(crate) rules: BTreeSet<String>,
}

impl Seen {
    /// Walks a result document.
    pub(crate) fn visit(&mut self, v: &Value) {
        match v {
            Value::Object(o) => {
                let s = |k: &str| o.get(k).and_then(Value::as_str);
                if s("event") == Some("transitioned") {
                    if let Some(t) = s("transition") {
                        self.transitions.insert(t.to_string());
                    }
                }
                if let (Some(kind), Some(reference), Some(_), Some(overdue)) =
                    (s("kind"), s("reference"), s("due_at"), o.get("overdue").and_then(Value::as_bool))
                {
                    let en = o.get("reason").and_then(|r| r.get("en")).and_then(Value::as_str).unwrap_or_default();
                    self.due.insert((kind.to_string(), reference.to_string(), en.to_string(), overdue));
                }
                if let (Some(rule), Some(_)) = (s("rule"), s("rule_version")) {
                    self.rules.insert(rule.to_string());
                }
                o.values().for_each(|x| self.visit(x));
            }
            Value::Array(a) => a.iter().for_each(|x| self.visit(x)),
            _ => {}
        }
    }
}

/// The coverage report: what is missing (empty when everything was covered) and a summary.
pub(crate) fn check(seen: &Seen) -> (Vec<String>, String) {
    let profile = kamkor_core::Profile::kyrgyzstan().expect("the built-in profile");
    let w = profile.workflow.as_ref().expect("workflow");
    let plan = profile.plan.as_ref().expect("plan");
    let mut missing = Vec::new();
    for t in &w.transitions {
        if !seen.transitions.contains(&t.id) {
            missing.push(format!("transition {}", t.id));
        }
    }
    let mut deadlines = 0;
    for d in &w.deadlines {
        let hit = seen.due.iter().any(|(k, r, en, _)| k == "stage" && *r == d.state && *en == d.label.en);
        if hit {
            deadlines += 1;
        } else {
            missing.push(format!("deadline state={} opening={}", d.state, d.opening.as_deref().unwrap_or("*")));
        }
    }
    for kind in ["stage", "measure", "visit"] {
        for overdue in [false, true] {
            if !seen.due.iter().any(|(k, _, _, o)| k == kind && *o == overdue) {
                missing.push(format!("a due item of kind {kind} with overdue={overdue}"));
            }
        }
    }
    for r in &plan.rules {
        if !seen.rules.contains(&r.id) {
            missing.push(format!("plan rule {}", r.id));
        }
    }
    let summary = format!(
        "transitions {}/{}, deadline entries {}/{}, plan rules {}/{}",
        w.transitions.iter().filter(|t| seen.transitions.contains(&t.id)).count(),
        w.transitions.len(),
        deadlines,
        w.deadlines.len(),
        plan.rules.iter().filter(|r| seen.rules.contains(&r.id)).count(),
        plan.rules.len()
    );
    (missing, summary)
}
