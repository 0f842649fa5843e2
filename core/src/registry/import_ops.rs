//! Bulk import (REG-5) and the household book with screening (INT-1) through the facade:
//! every row is checked as a registration would be, matched against the registry (PIN, then
//! likely match), and written only when the mode allows; contradictions are flagged, never
//! applied. Each written chunk is one atomic batch; all-or-nothing is one batch.

use super::children::{Staged, ToStage};
use super::index;
use super::{Actor, AuditDraft, PendingFact, Registry, Session};
use crate::import::household::{self, Household};
use crate::import::{
    convert, read, Format, ImportOptions, ImportReport, Mapping, Mode, Progress, ReviewItem, ReviewKind, RowError,
    Signal,
};
use crate::model::{Child, SubjectId, Warning};
use crate::profile::Action;
use crate::registry::NewChild;
use crate::store::{Batch, Tree};
use crate::{crypto, Error, ErrorCode};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Rows per written chunk (row by row) and per progress report.
const CHUNK: usize = 1000;

/// What became of a row that passed the checks.
enum RowOutcome {
    New(Box<NewChild>, Vec<Warning>),
    Unchanged,
    Review(Vec<ReviewItem>),
}

/// Rows and names seen earlier in the same file.
#[derive(Default)]
struct Seen {
    pins: HashMap<String, u64>,
    names: HashMap<String, u64>,
}

impl Seen {
    fn check(&mut self, line: u64, c: &Child) -> Result<(), Error> {
        let dup = |first: u64, field: &str| {
            Error::new(ErrorCode::Conflict, "DUPLICATE_ROW").with_field(field).arg("first", first)
        };
        if let Some(pin) = &c.pin {
            if let Some(first) = self.pins.get(pin) {
                return Err(dup(*first, "pin"));
            }
        }
        let keys = index::match_values(&c.surname, &c.given_name, c.birth_date);
        if let Some(first) = keys.iter().find_map(|k| self.names.get(k)) {
            return Err(dup(*first, "surname"));
        }
        if let Some(pin) = &c.pin {
            self.pins.insert(pin.clone(), line);
        }
        for k in keys {
            self.names.insert(k, line);
        }
        Ok(())
    }
}

/// A signal as stored in the index (sealed with the child's key).
#[derive(Serialize, Deserialize)]
struct StoredSignal {
    rules: Vec<String>,
    family: Option<SubjectId>,
    line: u64,
}

fn signal_key(child: &SubjectId) -> Vec<u8> {
    let mut k = vec![index::SIGNAL];
    k.extend_from_slice(&child.0);
    k
}

impl Registry {
    /// Imports children from a CSV, XLSX or JSON Lines file under a mapping (REG-5).
    /// `progress` is called after every chunk of rows. A file that cannot be read at all, or
    /// lacks a mapped column, is an error and changes nothing; a bad row is reported in the
    /// result and, in every mode, changes nothing.
    pub fn import(
        &self,
        session: &Session,
        bytes: &[u8],
        mapping: &Mapping,
        options: &ImportOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportReport, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Write, None, "import.run", None)?;
        mapping.check()?;
        self.profile.check_term("source", &mapping.source, "source")?;
        let format = mapping
            .format
            .or_else(|| Format::from_file_name(&options.file_name))
            .ok_or_else(|| Error::validation("FORMAT_UNKNOWN", "file").arg("file", &options.file_name))?;
        let encoding = options.encoding.unwrap_or(mapping.encoding);
        let table = read::read(bytes, format, encoding, mapping.delimiter, mapping.sheet.as_deref())?;
        if format != Format::Jsonl {
            if let Some(col) = mapping.columns.keys().find(|c| !table.headers.contains(c)) {
                return Err(Error::validation("MISSING_COLUMN", "file").arg("column", col));
            }
        }
        let today = self.clock.today();
        let total = table.rows.len() as u64;
        let mut report = ImportReport {
            file: options.file_name.clone(),
            encoding: table.encoding.clone(),
            rows: total,
            ..Default::default()
        };
        let mut seen = Seen::default();
        let mut pending: Vec<ToStage> = Vec::new();
        let mut done = 0u64;
        for chunk in table.rows.chunks(CHUNK) {
            for row in chunk {
                let r = match row {
                    Ok(r) => r,
                    Err(e) => {
                        report.rejected.push(e.clone());
                        continue;
                    }
                };
                let outcome = convert::child(r, mapping, &options.file_name, today)
                    .and_then(|mut c| self.check_import_row(&actor, r.line, &mut c, &mut seen).map(|o| (c, o)));
                match outcome {
                    Ok((_, RowOutcome::New(c, w))) => {
                        report.accepted += 1;
                        pending.push(ToStage { child: *c, warnings: w, family: None, rules: Vec::new() });
                    }
                    Ok((_, RowOutcome::Unchanged)) => {
                        report.accepted += 1;
                        report.unchanged += 1;
                    }
                    Ok((_, RowOutcome::Review(items))) => {
                        report.accepted += 1;
                        report.review.extend(items);
                    }
                    Err(e) => report.rejected.push(RowError::from_error(r.line, &e, r.values.clone())),
                }
            }
            if options.mode == Mode::RowByRow && !pending.is_empty() {
                report.created += self.write_children(&actor, std::mem::take(&mut pending))? as u64;
                report.written = true;
            }
            done += chunk.len() as u64;
            progress(Progress { done, total });
        }
        if options.mode == Mode::AllOrNothing && report.rejected.is_empty() && !pending.is_empty() {
            report.created += self.write_children(&actor, pending)? as u64;
            report.written = true;
        }
        report.rejected.sort_by_key(|r| r.line);
        self.audit_import(&actor, options, &report)?;
        Ok(report)
    }

    /// Imports the Sanarip aimak household book (INT-1): families and their minors, screened by
    /// the profile's rules; every flagged child gets a signal naming the rule. A household is
    /// written whole or not at all; a household imported before is not duplicated.
    pub fn import_household_book(
        &self,
        session: &Session,
        bytes: &[u8],
        options: &ImportOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportReport, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Write, None, "import.run", None)?;
        let table = read::read(bytes, Format::Csv, options.encoding.unwrap_or_default(), None, None)?;
        let today = self.clock.today();
        let (households, rejected) =
            household::households(&table, &options.file_name, today, self.profile.screening.many_children_from)?;
        let total = table.rows.len() as u64;
        let mut report = ImportReport {
            file: options.file_name.clone(),
            encoding: table.encoding.clone(),
            rows: total,
            rejected,
            ..Default::default()
        };
        // The source rows by line, for the rows of households refused at the registry's checks.
        let values_by_line: HashMap<u64, &[(String, String)]> =
            table.rows.iter().filter_map(|r| r.as_ref().ok()).map(|r| (r.line, r.values.as_slice())).collect();
        let mut seen = Seen::default();
        let mut pending: Vec<PendingHousehold> = Vec::new();
        let mut done = report.rejected.len() as u64;
        for chunk in households.chunks(CHUNK / 4) {
            for h in chunk {
                match self.check_household(&actor, h, &mut seen) {
                    Ok(p) => {
                        report.accepted += h.lines.len() as u64;
                        report.unchanged += p.unchanged;
                        report.review.extend(p.review.iter().cloned());
                        pending.push(p);
                    }
                    Err((line, e)) => {
                        for l in &h.lines {
                            let err = if *l == line {
                                e.clone()
                            } else {
                                Error::validation("HOUSEHOLD_REJECTED", "household_id")
                                    .arg("household", &h.id)
                                    .arg("row", line)
                            };
                            let values = values_by_line.get(l).map(|v| v.to_vec()).unwrap_or_default();
                            report.rejected.push(RowError::from_error(*l, &err, values));
                        }
                    }
                }
                done += h.lines.len() as u64;
            }
            if options.mode == Mode::RowByRow && !pending.is_empty() {
                self.write_households(&actor, std::mem::take(&mut pending), &mut report)?;
            }
            progress(Progress { done, total });
        }
        if options.mode == Mode::AllOrNothing && report.rejected.is_empty() && !pending.is_empty() {
            self.write_households(&actor, pending, &mut report)?;
        } else if options.mode == Mode::Validate {
            // A dry run still tells which children the rules would flag.
            for p in &pending {
                for (line, c, _, rules) in &p.children {
                    for rule in rules {
                        report.signals.push(self.signal(None, None, &c.record, rule, *line));
                    }
                }
            }
        }
        report.rejected.sort_by_key(|r| r.line);
        self.audit_import(&actor, options, &report)?;
        Ok(report)
    }

    /// Open signals in the reader's scope: children flagged by screening with no case opened since.
    pub fn signals(&self, session: &Session) -> Result<Vec<Signal>, Error> {
        let actor = self.actor(session)?;
        self.authorize(&actor, Action::Read, None, "signal.list", None)?;
        let mut out = Vec::new();
        for (k, v) in self.store.scan_prefix(Tree::Index, &[index::SIGNAL]).map_err(Error::storage)? {
            let Some(id) = index::trailing_id(&k) else { continue };
            let Some((h, _)) = self.state_header(&id)? else { continue };
            let allowed = crate::access::decide(
                &self.profile,
                &self.territories,
                &actor.principal(),
                Action::Read,
                Some(&Self::target_of(&h)),
            )
            .is_ok();
            if !allowed {
                continue;
            }
            let key = self.subject_key(&id)?;
            let plain =
                crypto::open(&key, &signal_key(&id), &v).map_err(|_| Error::new(ErrorCode::Crypto, "DATA_DAMAGED"))?;
            let s: StoredSignal = serde_json::from_slice(&plain).map_err(Error::storage)?;
            for rule in s.rules {
                if let Some(r) = self.profile.screening.rules.iter().find(|r| r.id == rule) {
                    out.push(Signal {
                        child: Some(id),
                        family: s.family,
                        territory: h.territory.clone(),
                        rule,
                        label: r.label.clone(),
                        line: s.line,
                    });
                }
            }
        }
        self.audit(
            AuditDraft::allowed(&actor.user.id, "signal.list", None).with_detail(format!("results={}", out.len())),
        )?;
        Ok(out)
    }

    /// Deletes a child's open signal (a case was opened for it).
    pub(crate) fn clear_signal(batch: &mut Batch, child: &SubjectId) {
        batch.delete(Tree::Index, signal_key(child));
    }

    fn signal(&self, child: Option<SubjectId>, family: Option<SubjectId>, c: &Child, rule: &str, line: u64) -> Signal {
        let label =
            self.profile.screening.rules.iter().find(|r| r.id == rule).map(|r| r.label.clone()).unwrap_or_else(|| {
                crate::profile::Label { ru: rule.to_string(), ky: rule.to_string(), en: rule.to_string() }
            });
        Signal { child, family, territory: c.identified_in.clone(), rule: rule.to_string(), label, line }
    }

    /// Checks one row: the record, the scope, duplicates in the file, then matching.
    fn check_import_row(
        &self,
        actor: &Actor,
        line: u64,
        item: &mut NewChild,
        seen: &mut Seen,
    ) -> Result<RowOutcome, Error> {
        let w = self.check_child_record(actor, item)?;
        seen.check(line, &item.record)?;
        self.match_existing(actor, line, item, w)
    }

    /// PIN match (same data: unchanged; different: contradictions), then likely match.
    fn match_existing(&self, actor: &Actor, line: u64, item: &NewChild, w: Vec<Warning>) -> Result<RowOutcome, Error> {
        if let Some(pin) = &item.record.pin {
            if let Some(existing) = self.pin_holders(pin)?.into_iter().next() {
                return self.compare(actor, line, &existing, &item.record);
            }
        }
        if let Some(existing) = self.likely_match(&item.record)? {
            let child = self.visible_id(actor, &existing)?;
            return Ok(RowOutcome::Review(vec![ReviewItem {
                line,
                kind: ReviewKind::LikelyMatch,
                child,
                field: None,
                existing: None,
                imported: Some(format!(
                    "{} {} {}",
                    item.record.surname, item.record.given_name, item.record.birth_date
                )),
            }]));
        }
        Ok(RowOutcome::New(Box::new(item.clone()), w))
    }

    fn compare(&self, actor: &Actor, line: u64, existing: &SubjectId, new: &Child) -> Result<RowOutcome, Error> {
        let Some(id) = self.visible_id(actor, existing)? else {
            return Ok(RowOutcome::Review(vec![ReviewItem {
                line,
                kind: ReviewKind::Contradiction,
                child: None,
                field: Some("pin".into()),
                existing: None,
                imported: new.pin.clone(),
            }]));
        };
        let (_, old, _, _) = self.load_child(actor, &id, Action::Read, "child.read")?;
        self.audit(AuditDraft::allowed(&actor.user.id, "child.match", Some(id.to_string())))?;
        let fields: [(&str, String, String); 5] = [
            ("surname", old.surname.clone(), new.surname.clone()),
            ("given_name", old.given_name.clone(), new.given_name.clone()),
            ("patronymic", old.patronymic.clone().unwrap_or_default(), new.patronymic.clone().unwrap_or_default()),
            ("sex", format!("{:?}", old.sex).to_lowercase(), format!("{:?}", new.sex).to_lowercase()),
            ("birth_date", old.birth_date.to_string(), new.birth_date.to_string()),
        ];
        let review: Vec<ReviewItem> = fields
            .into_iter()
            .filter(|(f, o, n)| o != n && !(*f == "patronymic" && n.is_empty()))
            .map(|(f, o, n)| ReviewItem {
                line,
                kind: ReviewKind::Contradiction,
                child: Some(id),
                field: Some(f.to_string()),
                existing: Some(o),
                imported: Some(n),
            })
            .collect();
        Ok(if review.is_empty() { RowOutcome::Unchanged } else { RowOutcome::Review(review) })
    }

    /// Writes new children in one atomic batch; returns how many.
    fn write_children(&self, actor: &Actor, items: Vec<ToStage>) -> Result<usize, Error> {
        let mut batch = Batch::new();
        let keys = (0..items.len()).map(|_| self.new_subject(&mut batch)).collect::<Result<Vec<_>, _>>()?;
        let staged = self.stage_children(actor, &mut batch, &keys, items)?;
        let n = staged.registered.len();
        self.commit_with_stats(batch, staged.facts, staged.audit, &staged.stats)?;
        Ok(n)
    }

    /// Checks a household: the family, each minor, duplicates, matching, screening.
    fn check_household(&self, actor: &Actor, h: &Household, seen: &mut Seen) -> Result<PendingHousehold, (u64, Error)> {
        let first = h.lines.first().copied().unwrap_or(0);
        let mut family = h.family.clone();
        family.validate(&self.context()).map_err(|e| (first, e))?;
        self.check_provenance(&h.provenance).map_err(|e| (first, e))?;
        let target = crate::access::Target { territory: &family.territory, organization: &actor.user.data.agency_inn };
        self.authorize(actor, Action::Write, Some(&target), "family.register", None).map_err(|e| (first, e))?;
        let existing = self.household_family(&family.territory, &h.id).map_err(|e| (first, e))?;
        let mut out = PendingHousehold {
            id: h.id.clone(),
            family: (existing.is_none()).then(|| (family.clone(), h.provenance.clone())),
            existing,
            children: Vec::new(),
            unchanged: 0,
            review: Vec::new(),
        };
        for (line, child) in &h.children {
            let mut c = child.clone();
            let outcome = self.check_import_row(actor, *line, &mut c, seen).map_err(|e| (*line, e))?;
            match outcome {
                RowOutcome::New(c, w) => {
                    let rules = self
                        .profile
                        .screening
                        .screen(&c.record, &family.circumstances)
                        .into_iter()
                        .map(|r| r.id.clone())
                        .collect();
                    out.children.push((*line, *c, w, rules));
                }
                RowOutcome::Unchanged => out.unchanged += 1,
                RowOutcome::Review(items) => out.review.extend(items),
            }
        }
        Ok(out)
    }

    /// The family already imported for a household, if any.
    fn household_family(
        &self,
        territory: &crate::territory::TerritoryCode,
        id: &str,
    ) -> Result<Option<SubjectId>, Error> {
        let prefix = index::blind_prefix(index::HOUSEHOLD, &self.blind("household", &format!("{territory}/{id}")));
        Ok(self
            .store
            .scan_prefix(Tree::Index, &prefix)
            .map_err(Error::storage)?
            .first()
            .and_then(|(k, _)| index::trailing_id(k)))
    }

    /// Writes checked households in one atomic batch: families, children linked to them,
    /// screening facts and signals.
    fn write_households(
        &self,
        actor: &Actor,
        items: Vec<PendingHousehold>,
        report: &mut ImportReport,
    ) -> Result<(), Error> {
        let mut batch = Batch::new();
        let mut family_keys = Vec::new();
        for p in &items {
            if p.family.is_some() {
                family_keys.push(self.new_subject(&mut batch)?);
            }
        }
        let n_children: usize = items.iter().map(|p| p.children.len()).sum();
        let child_keys = (0..n_children).map(|_| self.new_subject(&mut batch)).collect::<Result<Vec<_>, _>>()?;
        let mut facts: Vec<PendingFact<'_>> = Vec::new();
        let mut audit = Vec::new();
        let mut stats = Vec::new();
        let mut fk = family_keys.iter();
        let mut kids = Vec::new();
        let mut signals = Vec::new();
        for p in items {
            let family_id = match (&p.family, p.existing) {
                (Some((family, provenance)), _) => {
                    let (id, key) = fk.next().ok_or_else(|| Error::storage("family keys"))?;
                    let (fact, stat) =
                        self.stage_family(actor, &mut batch, id, key, family.clone(), provenance.clone())?;
                    let hk = index::blind_key(
                        index::HOUSEHOLD,
                        &self.blind("household", &format!("{}/{}", family.territory, p.id)),
                        id,
                    );
                    batch.put(Tree::Index, hk, Vec::new());
                    facts.push(fact);
                    stats.push(stat);
                    audit.push(AuditDraft::allowed(&actor.user.id, "family.register", Some(id.to_string())));
                    report.families += 1;
                    *id
                }
                (None, Some(existing)) => existing,
                (None, None) => return Err(Error::storage("household without family")),
            };
            for (line, c, w, rules) in p.children {
                signals.push((line, c.record.clone(), family_id, rules.clone()));
                kids.push(ToStage { child: c, warnings: w, family: Some(family_id), rules });
            }
        }
        let Staged { facts: child_facts, audit: child_audit, stats: child_stats, registered } =
            self.stage_children(actor, &mut batch, &child_keys, kids)?;
        facts.extend(child_facts);
        audit.extend(child_audit);
        stats.extend(child_stats);
        for ((line, record, family, rules), (r, (_, key))) in
            signals.into_iter().zip(registered.iter().zip(child_keys.iter()))
        {
            if rules.is_empty() {
                continue;
            }
            let stored = StoredSignal { rules: rules.clone(), family: Some(family), line };
            let plain = serde_json::to_vec(&stored).map_err(Error::storage)?;
            let sealed = {
                let mut inner = self.lock()?;
                crypto::seal(key, &signal_key(&r.id), &plain, &mut inner.rng)
            };
            batch.put(Tree::Index, signal_key(&r.id), sealed);
            for rule in &rules {
                report.signals.push(self.signal(Some(r.id), Some(family), &record, rule, line));
            }
            audit.push(
                AuditDraft::allowed(&actor.user.id, "signal.raise", Some(r.id.to_string()))
                    .with_detail(rules.join(",")),
            );
        }
        report.created += registered.len() as u64;
        self.commit_with_stats(batch, facts, audit, &stats)?;
        report.written = true;
        Ok(())
    }

    fn audit_import(&self, actor: &Actor, options: &ImportOptions, r: &ImportReport) -> Result<(), Error> {
        let mode = match options.mode {
            Mode::Validate => "validate",
            Mode::AllOrNothing => "all_or_nothing",
            Mode::RowByRow => "row_by_row",
        };
        let detail = format!(
            "file={}; mode={mode}; rows={}; accepted={}; created={}; rejected={}; review={}; signals={}",
            r.file,
            r.rows,
            r.accepted,
            r.created,
            r.rejected.len(),
            r.review.len(),
            r.signals.len()
        );
        self.audit(AuditDraft::allowed(&actor.user.id, "import.run", None).with_detail(detail))
    }
}

/// A household that passed its checks, waiting to be written.
struct PendingHousehold {
    id: String,
    family: Option<(crate::model::Family, crate::facts::Provenance)>,
    existing: Option<SubjectId>,
    children: Vec<(u64, NewChild, Vec<Warning>, Vec<String>)>,
    unchanged: u64,
    review: Vec<ReviewItem>,
}
