//! Places of profile errors in the TOML text: a validation error names a path
//! (`roles[2].grants[0].territory`); this finds its line and column with `toml_edit`'s spans.

use crate::Error;
use std::ops::Range;
#[cfg(feature = "toml")]
use toml_edit::{ImDocument, Item, Table, Value};

/// One step of an error path.
#[cfg(feature = "toml")]
#[derive(Debug, PartialEq, Eq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

#[cfg(feature = "toml")]
fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped.find(']')?;
            out.push(Step::Index(stripped[..end].parse().ok()?));
            rest = &stripped[end + 1..];
        }
    }
    Some(out)
}

#[cfg(feature = "toml")]
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item),
    Value(&'a Value),
    Table(&'a Table),
}

/// One step down: the key's span (for keys) or the element's, and the node reached.
#[cfg(feature = "toml")]
fn down<'a>(node: Node<'a>, step: &Step<'_>) -> Option<(Option<Range<usize>>, Node<'a>)> {
    match (node, step) {
        (Node::Table(t) | Node::Item(Item::Table(t)), Step::Key(k)) => {
            let (key, item) = t.get_key_value(k)?;
            Some((key.span(), Node::Item(item)))
        }
        (Node::Item(Item::Value(Value::InlineTable(t))) | Node::Value(Value::InlineTable(t)), Step::Key(k)) => {
            let (key, item) = t.get_key_value(k)?;
            Some((key.span(), Node::Item(item)))
        }
        (Node::Item(Item::ArrayOfTables(a)), Step::Index(i)) => {
            let t = a.get(*i)?;
            Some((t.span(), Node::Table(t)))
        }
        (Node::Item(Item::Value(Value::Array(a))) | Node::Value(Value::Array(a)), Step::Index(i)) => {
            let v = a.get(*i)?;
            Some((v.span(), Node::Value(v)))
        }
        _ => None,
    }
}

/// The byte span of the deepest part of `path` found in the text (TOML only: a JSON text, or
/// any text without the feature `toml`, has none).
#[cfg(not(feature = "toml"))]
pub(crate) fn span_of(_text: &str, _path: &str) -> Option<Range<usize>> {
    None
}

/// The byte span of the deepest part of `path` found in the text (TOML only: a JSON text, or
/// any text without the feature `toml`, has none).
#[cfg(feature = "toml")]
pub(crate) fn span_of(text: &str, path: &str) -> Option<Range<usize>> {
    if super::text::is_json(text) {
        return None;
    }
    let doc = ImDocument::parse(text).ok()?;
    let mut node = Node::Table(doc.as_table());
    let mut best: Option<Range<usize>> = None;
    let mut complete = true;
    for step in steps(path)? {
        match down(node, &step) {
            Some((span, next)) => {
                best = span.or(best);
                node = next;
            }
            None => {
                complete = false;
                break;
            }
        }
    }
    match node {
        Node::Item(Item::Value(v)) | Node::Value(v) if complete => v.span().or(best),
        _ => best,
    }
}

/// The 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The 1-based column of a byte offset.
pub(crate) fn column(text: &str, offset: usize) -> usize {
    line_column(text, offset).1
}

/// Where a path of a profile error is in the text: 1-based line and column.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    span_of(text, path).map(|s| line_column(text, s.start))
}

/// Adds `line` and `column` arguments to a validation error whose field is a path in the text.
pub(crate) fn place(text: &str, e: Error) -> Error {
    if e.args.contains_key("line") {
        return e;
    }
    let Some(path) = e.field.clone() else { return e };
    match locate(text, &path) {
        Some((line, column)) => e.arg("line", line).arg("column", column),
        None => e,
    }
}

#[cfg(all(test, feature = "toml"))]
mod tests {
    use super::*;

    const T: &str = "[profile]\nid = \"x\"\n\n[[roles]]\nid = \"a\"\ngrants = [\n  { action = \"read\", territory = \"all\" },\n]\n[[roles]]\nid = \"b\"\ngrants = [{ action = \"write\", territory = \"subtree\" }]\n";

    #[test]
    fn paths_are_split() {
        assert_eq!(
            steps("roles[1].grants[0].territory").unwrap(),
            vec![Step::Key("roles"), Step::Index(1), Step::Key("grants"), Step::Index(0), Step::Key("territory")]
        );
    }

    #[test]
    fn places_of_values_keys_and_tables() {
        assert_eq!(locate(T, "roles[1].grants[0].territory"), Some((11, 43)));
        assert_eq!(locate(T, "roles[0].grants[0].action"), Some((7, 14)));
        assert_eq!(locate(T, "profile.id"), Some((2, 6)));
        // A missing key points at the deepest part found.
        assert_eq!(locate(T, "roles[1].levels"), locate(T, "roles[1]"));
        assert!(locate(T, "nowhere.at.all").is_none());
    }
}
