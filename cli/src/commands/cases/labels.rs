//! Localized names of the workflow's and the plan rules' codes: states, transitions,
//! openings, domains, circumstances and agencies come from the profile; the rest
//! (severities, statuses, kinds) from the CLI's catalog.

use crate::i18n::Ui;
use crate::output::term;
use kamkor_core::case::{ContributionKind, DecisionKind, MeasureStatus};
use kamkor_core::plan::{EditKind, PlanKind, Severity};
use kamkor_core::registry::DueKind;
use kamkor_core::{Lang, Profile};

/// Labels in the user's language.
#[derive(Clone, Copy)]
pub struct Labels<'a> {
    /// Language and output mode.
    pub ui: &'a Ui,
    /// The registry's profile.
    pub profile: &'a Profile,
}

fn pick(lang: Lang, ru: &str, ky: &str, en: &str) -> String {
    match lang {
        Lang::Ru => ru,
        Lang::Ky => ky,
        Lang::En => en,
    }
    .to_string()
}

impl Labels<'_> {
    /// A plan-rule label (need, title).
    pub fn text(&self, l: &kamkor_core::plan::Label) -> String {
        pick(self.ui.lang, &l.ru, &l.ky, &l.en)
    }

    /// A workflow state.
    pub fn state(&self, id: &str) -> String {
        let w = self.profile.workflow.as_ref();
        w.and_then(|w| w.state(id)).map_or_else(|| id.to_string(), |s| s.label.get(self.ui.lang).to_string())
    }

    /// A workflow transition.
    pub fn transition(&self, id: &str) -> String {
        let w = self.profile.workflow.as_ref();
        w.and_then(|w| w.transition(id)).map_or_else(|| id.to_string(), |t| t.label.get(self.ui.lang).to_string())
    }

    /// A way of opening.
    pub fn opening(&self, id: &str) -> String {
        let w = self.profile.workflow.as_ref();
        w.and_then(|w| w.opening(id)).map_or_else(|| id.to_string(), |o| o.label.get(self.ui.lang).to_string())
    }

    /// An assessment domain.
    pub fn domain(&self, id: &str) -> String {
        let p = self.profile.plan.as_ref();
        p.and_then(|p| p.domains.iter().find(|d| d.id == id)).map_or_else(|| id.to_string(), |d| self.text(&d.label))
    }

    /// A circumstance code.
    pub fn circumstance(&self, code: &str) -> String {
        let p = self.profile.plan.as_ref();
        p.and_then(|p| p.circumstance(code))
            .map_or_else(|| code.to_string(), |c| pick(self.ui.lang, &c.ru, &c.ky, &c.en))
    }

    /// A responsible agency kind (a hand-added measure may name a unit instead).
    pub fn agency(&self, code: &str) -> String {
        let p = self.profile.plan.as_ref();
        p.and_then(|p| p.agency(code)).map_or_else(|| code.to_string(), |a| pick(self.ui.lang, &a.ru, &a.ky, &a.en))
    }

    /// A vocabulary term (grounds, document kinds).
    pub fn term(&self, vocabulary: &str, code: &str) -> String {
        term(self.profile, vocabulary, code, self.ui.lang)
    }

    /// A severity or risk level.
    pub fn severity(&self, s: Severity) -> String {
        self.ui.t(match s {
            Severity::Low => "severity-low",
            Severity::Medium => "severity-medium",
            Severity::High => "severity-high",
            Severity::Critical => "severity-critical",
        })
    }

    /// A measure's status.
    pub fn status(&self, s: MeasureStatus) -> String {
        self.ui.t(match s {
            MeasureStatus::Planned => "measure-planned",
            MeasureStatus::InProgress => "measure-in-progress",
            MeasureStatus::Done => "measure-done",
            MeasureStatus::Cancelled => "measure-cancelled",
        })
    }

    /// What kind of thing is due.
    pub fn due_kind(&self, k: DueKind) -> String {
        self.ui.t(match k {
            DueKind::Stage => "due-kind-stage",
            DueKind::Measure => "due-kind-measure",
            DueKind::Visit => "due-kind-visit",
        })
    }

    /// The child plan or the family plan.
    pub fn plan_kind(&self, k: PlanKind) -> String {
        self.ui.t(match k {
            PlanKind::Child => "plan-child",
            PlanKind::Family => "plan-family",
        })
    }

    /// A hand edit.
    pub fn edit_kind(&self, k: EditKind) -> &'static str {
        match k {
            EditKind::Added => "edit-added",
            EditKind::Changed => "edit-changed",
            EditKind::Dropped => "edit-dropped",
        }
    }

    /// A commission decision.
    pub fn decision(&self, k: DecisionKind) -> String {
        self.ui.t(match k {
            DecisionKind::Approve => "decision-approve",
            DecisionKind::Extend => "decision-extend",
            DecisionKind::Change => "decision-change",
            DecisionKind::End => "decision-end",
        })
    }

    /// A participant's entry.
    pub fn contribution(&self, k: ContributionKind) -> String {
        self.ui.t(match k {
            ContributionKind::PlannedMeasure => "contribution-planned-measure",
            ContributionKind::Result => "contribution-result",
            ContributionKind::Proposal => "contribution-proposal",
        })
    }

    /// A basis document in words.
    pub fn document(&self, d: &kamkor_core::case::BasisDocument) -> String {
        self.ui.ta(
            "case-document",
            &[
                ("kind", self.term("document_kind", &d.kind)),
                ("number", d.number.clone()),
                ("date", d.date.to_string()),
                ("issuer", d.issuer.clone()),
            ],
        )
    }
}
