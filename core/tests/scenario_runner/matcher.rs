//! The small matcher of `expect.match`, variable substitution and JSON Pointer saves
//! (tests/scenarios/README.md, "Expectations" and "Variables").

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Saved variables: name -> JSON value.
pub(crate) type Vars = BTreeMap<String, Value>;

/// Replaces every string that is exactly `$name` by the variable's value (`$$...` is a
/// literal string starting with one `$`). Object keys are never substituted.
pub(crate) fn substitute(v: &Value, vars: &Vars) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) if s.starts_with("$$") => Value::String(s[1..].to_string()),
        Value::String(s) if s.starts_with('$') => vars
            .get(&s[1..])
            .cloned()
            .ok_or_else(|| format!("unknown variable {s} (saved so far: {:?})", names(vars)))?,
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, vars)).collect::<Result<_, _>>()?),
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, x) in o {
                out.insert(k.clone(), substitute(x, vars)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn names(vars: &Vars) -> Vec<&str> {
    vars.keys().map(String::as_str).collect()
}

/// Equality of JSON values where numbers compare by value (`1` equals `1.0`).
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p == q,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, p)| y.get(k).is_some_and(|q| same(p, q)))
        }
        _ => a == b,
    }
}

/// Whether `actual` includes `expected`: objects by a subset of keys (recursively),
/// arrays as sets (every expected element is included by some actual element), scalars by equality.
pub(crate) fn includes(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e.iter().all(|(k, ev)| a.get(k).is_some_and(|av| includes(av, ev))),
        (Value::Array(a), Value::Array(e)) => e.iter().all(|ev| a.iter().any(|av| includes(av, ev))),
        (Value::Array(a), e) if !e.is_array() => a.iter().any(|av| includes(av, e)),
        _ => same(actual, expected),
    }
}

/// Whether `actual` is like `expected`: objects by a subset of keys (recursively), arrays of
/// the same length element by element, in order; scalars by equality.
pub(crate) fn like(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e.iter().all(|(k, ev)| a.get(k).is_some_and(|av| like(av, ev))),
        (Value::Array(a), Value::Array(e)) => a.len() == e.len() && a.iter().zip(e).all(|(av, ev)| like(av, ev)),
        _ => same(actual, expected),
    }
}

/// An operator object: exactly one key, starting with `$`.
fn operator(expected: &Value) -> Option<(&str, &Value)> {
    match expected {
        Value::Object(o) if o.len() == 1 => {
            o.iter().next().filter(|(k, _)| k.starts_with('$')).map(|(k, v)| (k.as_str(), v))
        }
        _ => None,
    }
}

/// Short JSON for messages.
pub(crate) fn short(v: &Value, max: usize) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    if s.chars().count() > max {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}… ({} chars)", s.chars().count())
    } else {
        s
    }
}

/// Checks one `match` entry against a result document. `Err` is a mismatch message;
/// a malformed expectation is reported the same way (the scenario is wrong).
pub(crate) fn check(doc: &Value, at: &str, expected: &Value) -> Result<(), String> {
    if !(at.is_empty() || at.starts_with('/')) {
        return Err(format!("`{at}` is not a JSON Pointer (RFC 6901: \"\" or starting with /)"));
    }
    let actual = doc.pointer(at);
    let pointer = if at.is_empty() { "(the whole result)" } else { at };
    let Some((op, arg)) = operator(expected) else {
        return match actual {
            Some(a) if same(a, expected) => Ok(()),
            Some(a) => Err(format!("{pointer}: expected {}, got {}", short(expected, 300), short(a, 600))),
            None => Err(format!("{pointer}: expected {}, but nothing is there", short(expected, 300))),
        };
    };
    match op {
        "$absent" => {
            let want = arg.as_bool().ok_or_else(|| format!("{pointer}: $absent takes true or false"))?;
            match (want, actual) {
                (true, Some(a)) => Err(format!("{pointer}: expected nothing there, got {}", short(a, 300))),
                (false, None) => Err(format!("{pointer}: expected a value, but nothing is there")),
                _ => Ok(()),
            }
        }
        "$len" => {
            let n = arg.as_u64().ok_or_else(|| format!("{pointer}: $len takes a non-negative integer"))?;
            let len = match actual {
                Some(Value::Array(a)) => a.len(),
                Some(Value::Object(o)) => o.len(),
                Some(Value::String(s)) => s.chars().count(),
                Some(other) => return Err(format!("{pointer}: $len of a non-collection {}", short(other, 200))),
                None => return Err(format!("{pointer}: expected length {n}, but nothing is there")),
            };
            if len as u64 == n {
                Ok(())
            } else {
                Err(format!(
                    "{pointer}: expected length {n}, got {len}: {}",
                    short(actual.unwrap_or(&Value::Null), 600)
                ))
            }
        }
        "$like" => match actual {
            Some(a) if like(a, arg) => Ok(()),
            Some(a) => Err(format!("{pointer}: expected something like {}, got {}", short(arg, 400), short(a, 800))),
            None => Err(format!("{pointer}: expected something like {}, but nothing is there", short(arg, 300))),
        },
        "$includes" | "$excludes" => {
            let Some(a) = actual else {
                return Err(format!("{pointer}: expected a value ({op} {}), but nothing is there", short(arg, 200)));
            };
            if op == "$includes" {
                return match includes(a, arg).then_some(()) {
                    Some(()) => Ok(()),
                    None => Err(format!("{pointer}: expected to include {}, got {}", short(arg, 300), short(a, 800))),
                };
            }
            // `$excludes`: none of the given elements (or the one value) is included.
            let given = match arg {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            let found: Vec<&Value> = given.iter().filter(|e| includes(a, e)).collect();
            if found.is_empty() {
                Ok(())
            } else {
                Err(format!("{pointer}: expected not to include {}, got {}", short(&json!(found), 300), short(a, 800)))
            }
        }
        "$all" => {
            let checks = arg.as_array().ok_or_else(|| format!("{pointer}: $all takes an array of expectations"))?;
            let problems: Vec<String> = checks.iter().filter_map(|c| check(doc, at, c).err()).collect();
            if problems.is_empty() {
                Ok(())
            } else {
                Err(problems.join("\n    "))
            }
        }
        other => Err(format!(
            "{pointer}: unknown operator {other} (known: $len, $like, $includes, $excludes, $absent, $all)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matcher_forms() {
        let doc = json!({"a": [{"x": 1, "y": [1, 2]}, {"x": 2}], "s": "abc", "f": 1.0});
        assert!(check(&doc, "/a/0/x", &json!(1)).is_ok());
        assert!(check(&doc, "/f", &json!(1)).is_ok());
        assert!(check(&doc, "/a", &json!({"$len": 2})).is_ok());
        assert!(check(&doc, "/s", &json!({"$len": 3})).is_ok());
        assert!(check(&doc, "/a", &json!({"$includes": {"x": 2}})).is_ok());
        assert!(check(&doc, "/a", &json!({"$includes": [{"y": [2]}, {"x": 2}]})).is_ok());
        assert!(check(&doc, "/a", &json!({"$excludes": {"x": 3}})).is_ok());
        assert!(check(&doc, "/a", &json!({"$excludes": [{"x": 3}, {"x": 4}]})).is_ok());
        assert!(check(&doc, "/a", &json!({"$excludes": [{"x": 3}, {"x": 2}]})).is_err());
        assert!(check(&doc, "/a", &json!({"$all": [{"$len": 2}, {"$includes": {"x": 2}}]})).is_ok());
        assert!(check(&doc, "", &json!({"$all": [{"$absent": false}, {"$includes": {"s": "abc"}}]})).is_ok());
        assert!(check(&doc, "/a", &json!({"$all": [{"$len": 2}, {"$includes": {"x": 5}}]})).is_err());
        assert!(check(&doc, "/a/0/y", &json!({"$includes": 2})).is_ok());
        assert!(check(&doc, "/b", &json!({"$absent": true})).is_ok());
        assert!(check(&doc, "/a", &json!({"$like": [{"x": 1}, {}]})).is_ok());
        assert!(check(&doc, "/a", &json!({"$like": [{"x": 2}, {}]})).is_err());
        assert!(check(&doc, "/a", &json!({"$like": [{"x": 1}]})).is_err());
        assert!(check(&doc, "/a", &json!({"$absent": false})).is_ok());
        assert!(check(&doc, "/a/0/x", &json!(2)).is_err());
        assert!(check(&doc, "/a", &json!({"$includes": {"x": 3}})).is_err());
        assert!(check(&doc, "/a", &json!({"$len": 1})).is_err());
        assert!(check(&doc, "a", &json!(1)).is_err());
        let mut vars = Vars::new();
        vars.insert("id".into(), json!("abc"));
        assert_eq!(substitute(&json!({"k": ["$id", "$$lit"]}), &vars).unwrap(), json!({"k": ["abc", "$lit"]}));
        assert!(substitute(&json!("$nope"), &vars).is_err());
    }
}
