//! The op table (tests/scenarios/README.md, "Operations"): op name -> facade method, named
//! arguments in their serde JSON form, result as the serde JSON of the return value.

use super::Ctx;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kamkor_core::{Error, Session};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// What a call gave: the core's answer (value or error). `Err` of the outer result is a
/// problem of the scenario itself (unknown op, missing session, ill-typed arguments).
pub(crate) type Answer = Result<Value, Error>;

struct Args<'a> {
    op: &'a str,
    map: &'a Map<String, Value>,
    used: RefCell<BTreeSet<&'a str>>,
}

impl<'a> Args<'a> {
    fn new(op: &'a str, map: &'a Map<String, Value>) -> Self {
        Args { op, map, used: RefCell::new(BTreeSet::new()) }
    }

    /// An argument; a missing one reads as `null` (so optional parameters may be left out).
    fn get<T: DeserializeOwned>(&self, name: &'a str) -> Result<T, String> {
        self.used.borrow_mut().insert(name);
        let v = self.map.get(name).cloned().unwrap_or(Value::Null);
        serde_json::from_value(v.clone()).map_err(|e| {
            format!(
                "{}: argument `{name}` does not fit the parameter: {e} (given {})",
                self.op,
                super::matcher::short(&v, 300)
            )
        })
    }

    /// Refuses arguments the op does not take (typos would otherwise pass silently).
    fn finish(&self) -> Result<(), String> {
        let used = self.used.borrow();
        let extra: Vec<&String> = self.map.keys().filter(|k| !used.contains(k.as_str())).collect();
        if extra.is_empty() {
            Ok(())
        } else {
            Err(format!("{}: unknown arguments {extra:?} (takes {:?})", self.op, *used))
        }
    }
}

fn json<T: Serialize>(r: Result<T, Error>) -> Answer {
    r.map(|v| serde_json::to_value(v).unwrap_or(Value::Null))
}

/// Ops that take no session (`as` must be absent).
pub(crate) const NO_SESSION: &[&str] = &["login", "login_external", "verify_audit_chain", "clock.advance", "clock.set"];

/// Calls one op. `session` is the session named by the step's `as` (None for the ops above).
pub(crate) fn call(
    ctx: &mut Ctx,
    session: Option<&Session>,
    op: &str,
    map: &Map<String, Value>,
) -> Result<Answer, String> {
    let a = Args::new(op, map);
    let need = || session.ok_or_else(|| format!("{op} needs `as` (a signed-in user)"));
    let reg = &ctx.reg;
    let answer = match op {
        // ---- harness: the injected clock
        "clock.advance" => {
            let (d, h, m): (Option<i64>, Option<i64>, Option<i64>) =
                (a.get("days")?, a.get("hours")?, a.get("minutes")?);
            a.finish()?;
            let by =
                Duration::days(d.unwrap_or(0)) + Duration::hours(h.unwrap_or(0)) + Duration::minutes(m.unwrap_or(0));
            ctx.clock.advance(by);
            Ok(Value::Null)
        }
        "clock.set" => {
            let at: DateTime<Utc> = a.get("at")?;
            a.finish()?;
            ctx.clock.set(at);
            Ok(Value::Null)
        }
        // ---- sessions and users
        "login" => {
            let (login, password): (String, String) = (a.get("login")?, a.get("password")?);
            a.finish()?;
            return Ok(reg.login(&login, &password).map(|s| {
                ctx.last_session = Some(s);
                Value::Null
            }));
        }
        "login_external" => {
            let principal = a.get("principal")?;
            a.finish()?;
            return Ok(reg.login_external(&principal).map(|s| {
                ctx.last_session = Some(s);
                Value::Null
            }));
        }
        "logout" => {
            a.finish()?;
            json(reg.logout(need()?))
        }
        "whoami" => {
            a.finish()?;
            json(reg.whoami(need()?))
        }
        "add_user" => {
            let user = a.get("user")?;
            a.finish()?;
            json(reg.add_user(need()?, user))
        }
        "list_users" => {
            a.finish()?;
            json(reg.list_users(need()?))
        }
        "revoke_user" => {
            let (user_id, reason): (String, String) = (a.get("user_id")?, a.get("reason")?);
            a.finish()?;
            json(reg.revoke_user(need()?, &user_id, &reason))
        }
        "record_undertaking" => {
            let (user_id, undertaking): (String, _) = (a.get("user_id")?, a.get("undertaking")?);
            a.finish()?;
            json(reg.record_undertaking(need()?, &user_id, undertaking))
        }
        "user_id_by_login" => {
            let login: String = a.get("login")?;
            a.finish()?;
            json(reg.user_id_by_login(need()?, &login))
        }
        // ---- children
        "register_child" => {
            let child = a.get("child")?;
            a.finish()?;
            json(reg.register_child(need()?, child))
        }
        "register_children" => {
            let children = a.get("children")?;
            a.finish()?;
            json(reg.register_children(need()?, children))
        }
        "get_child" => {
            let id = a.get("id")?;
            a.finish()?;
            json(reg.get_child(need()?, &id))
        }
        "find_by_pin" => {
            let pin: String = a.get("pin")?;
            a.finish()?;
            json(reg.find_by_pin(need()?, &pin))
        }
        "search" => {
            let query = a.get("query")?;
            a.finish()?;
            json(reg.search(need()?, &query))
        }
        "check_duplicates" => {
            let child = a.get("child")?;
            a.finish()?;
            json(reg.check_duplicates(need()?, &child))
        }
        "update_child" => {
            let (id, changes, provenance) = (a.get("id")?, a.get("changes")?, a.get("provenance")?);
            let (note, base_version) = (a.get("note")?, a.get("base_version")?);
            a.finish()?;
            json(reg.update_child(need()?, &id, changes, provenance, note, base_version))
        }
        "history" => {
            let id = a.get("id")?;
            a.finish()?;
            json(reg.history(need()?, &id))
        }
        "list_children" => {
            let (under, offset, limit): (Option<kamkor_core::TerritoryCode>, usize, usize) =
                (a.get("under")?, a.get("offset")?, a.get("limit")?);
            a.finish()?;
            json(reg.list_children(need()?, under.as_ref(), offset, limit))
        }
        // ---- families
        "register_family" => {
            let (family, provenance) = (a.get("family")?, a.get("provenance")?);
            a.finish()?;
            json(reg.register_family(need()?, family, provenance))
        }
        "get_family" => {
            let id = a.get("id")?;
            a.finish()?;
            json(reg.get_family(need()?, &id))
        }
        "update_family" => {
            let (id, changes, provenance) = (a.get("id")?, a.get("changes")?, a.get("provenance")?);
            let (note, base_version) = (a.get("note")?, a.get("base_version")?);
            a.finish()?;
            json(reg.update_family(need()?, &id, changes, provenance, note, base_version))
        }
        "link_child" => {
            let (child, family, provenance): (_, Option<kamkor_core::SubjectId>, _) =
                (a.get("child")?, a.get("family")?, a.get("provenance")?);
            a.finish()?;
            json(reg.link_child(need()?, &child, family.as_ref(), provenance))
        }
        // ---- cases
        "open_case" => {
            let request = a.get("request")?;
            a.finish()?;
            json(reg.open_case(need()?, request))
        }
        "get_case" => {
            let id = a.get("id")?;
            a.finish()?;
            json(reg.get_case(need()?, &id))
        }
        "child_cases" => {
            let child = a.get("child")?;
            a.finish()?;
            json(reg.child_cases(need()?, &child))
        }
        "transition" => {
            let (id, request) = (a.get("id")?, a.get("request")?);
            a.finish()?;
            json(reg.transition(need()?, &id, request))
        }
        "save_assessment" => {
            let (id, assessment) = (a.get("id")?, a.get("assessment")?);
            a.finish()?;
            json(reg.save_assessment(need()?, &id, assessment))
        }
        "submit_assessment" => {
            let id = a.get("id")?;
            a.finish()?;
            json(reg.submit_assessment(need()?, &id))
        }
        "record_visit" => {
            let (id, visit) = (a.get("id")?, a.get("visit")?);
            a.finish()?;
            json(reg.record_visit(need()?, &id, visit))
        }
        "programme_decision" => {
            let (id, decision) = (a.get("id")?, a.get("decision")?);
            a.finish()?;
            json(reg.programme_decision(need()?, &id, decision))
        }
        "programme_contribution" => {
            let (id, contribution) = (a.get("id")?, a.get("contribution")?);
            a.finish()?;
            json(reg.programme_contribution(need()?, &id, contribution))
        }
        "case_history" => {
            let id = a.get("id")?;
            a.finish()?;
            json(reg.case_history(need()?, &id))
        }
        // ---- plans
        "propose_plan" => {
            let id = a.get("id")?;
            a.finish()?;
            json(reg.propose_plan(need()?, &id))
        }
        "accept_plan" => {
            let (id, accepted) = (a.get("id")?, a.get("accepted")?);
            a.finish()?;
            json(reg.accept_plan(need()?, &id, accepted))
        }
        "add_measure" => {
            let (id, measure) = (a.get("id")?, a.get("measure")?);
            a.finish()?;
            json(reg.add_measure(need()?, &id, measure))
        }
        "change_measure" => {
            let (id, measure, change): (_, String, _) = (a.get("id")?, a.get("measure")?, a.get("change")?);
            a.finish()?;
            json(reg.change_measure(need()?, &id, &measure, change))
        }
        "drop_measure" => {
            let (id, measure, reason): (_, String, String) = (a.get("id")?, a.get("measure")?, a.get("reason")?);
            a.finish()?;
            json(reg.drop_measure(need()?, &id, &measure, &reason))
        }
        "update_measure" => {
            let (id, measure, update): (_, String, _) = (a.get("id")?, a.get("measure")?, a.get("update")?);
            a.finish()?;
            json(reg.update_measure(need()?, &id, &measure, update))
        }
        // ---- deadlines
        "due" => {
            let query: Option<kamkor_core::registry::DueQuery> = a.get("query")?;
            a.finish()?;
            json(reg.due(need()?, &query.unwrap_or_default()))
        }
        // ---- administration and audit
        "load_classifier" => {
            let (csv, effective): (String, NaiveDate) = (a.get("csv")?, a.get("effective")?);
            a.finish()?;
            let s = need()?;
            json(ctx.reg.load_classifier(s, csv.as_bytes(), effective))
        }
        "verify_audit_chain" => {
            a.finish()?;
            json(reg.verify_audit_chain())
        }
        "verify_audit" => {
            a.finish()?;
            json(reg.verify_audit(need()?))
        }
        "audit_entries" => {
            let (from, limit): (u64, usize) = (a.get("from")?, a.get("limit")?);
            a.finish()?;
            json(reg.audit_entries(need()?, from, limit))
        }
        "denied_attempts" => {
            let since: Option<DateTime<Utc>> = a.get("since")?;
            a.finish()?;
            json(reg.denied_attempts(need()?, since))
        }
        "backup" => {
            a.finish()?;
            json(reg.backup(need()?, &mut Vec::new()))
        }
        other => return Err(format!("unknown op `{other}` (see tests/scenarios/README.md)")),
    };
    Ok(answer)
}
