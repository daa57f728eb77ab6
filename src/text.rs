//! Text a database cannot hold. PostgreSQL's `text` and `jsonb` refuse U+0000
//! while SQLite stores it, so the same complaint would be registered on one engine and lost
//! on the other, against C2 ("never refused"). Every string that enters through GraphQL
//! (variables and literals) is made storable here, identically on both engines, before any
//! resolver sees it: U+0000 becomes U+FFFD (the replacement character). Everything else —
//! right-to-left marks, emoji, long strings — passes unchanged.
//!
//! The original stays recoverable: the replaced strings of a request are collected under
//! their input path, escaped reversibly (`%` → `%25`, U+0000 → `%00`), and the request's
//! first committed `Write` records them in an `input.normalised` audit entry on its
//! subject (`services::write`). This module must not decide anything else about text.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql_value::{ConstValue, Value};

/// What replaces a character no engine may store.
pub const REPLACEMENT: char = '\u{FFFD}';

/// The storable form of a string, or `None` when it is storable already.
pub fn storable(s: &str) -> Option<String> {
    s.contains('\0').then(|| s.replace('\0', &REPLACEMENT.to_string()))
}

/// The reversible escape of an original: `%` → `%25`, U+0000 → `%00`.
pub fn escape_original(s: &str) -> String {
    s.replace('%', "%25").replace('\0', "%00")
}

/// Undoes `escape_original`.
pub fn unescape_original(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("%00") {
            out.push('\0');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("%25") {
            out.push('%');
            rest = after;
        } else {
            out.push('%');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The originals replaced in one request, by input path (e.g. `input.text`).
pub type Originals = Arc<Mutex<BTreeMap<String, String>>>;

tokio::task_local! {
    /// The current request's replaced originals, set around its execution.
    pub static ORIGINALS: Originals;
}

/// Takes the current request's recorded originals (once: the first write gets them).
pub fn take_originals() -> Option<BTreeMap<String, String>> {
    ORIGINALS.try_with(|o| o.lock().ok().map(|mut m| std::mem::take(&mut *m))).ok().flatten().filter(|m| !m.is_empty())
}

/// Gives back originals taken by a write that did not commit, for the write that reruns it.
pub fn put_back_originals(originals: BTreeMap<String, String>) {
    let _ = ORIGINALS.try_with(|o| {
        if let Ok(mut m) = o.lock() {
            m.extend(originals);
        }
    });
}

/// Makes every string inside a value storable, recording the originals under `path`.
pub fn normalise_value(v: &mut Value, path: &str, found: &mut BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(clean) = storable(s) {
                found.insert(path.to_owned(), escape_original(s));
                *s = clean;
            }
        }
        Value::List(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                normalise_value(item, &format!("{path}.{i}"), found);
            }
        }
        Value::Object(fields) => {
            // Keys are names, which the parser already limits to [_A-Za-z0-9].
            for (k, item) in fields.iter_mut() {
                normalise_value(item, &format!("{path}.{k}"), found);
            }
        }
        Value::Variable(_) | Value::Null | Value::Number(_) | Value::Boolean(_) | Value::Binary(_) | Value::Enum(_) => {
        }
    }
}

/// Makes every string inside a constant (a variable's value) storable, recording the
/// originals under `path`.
pub fn normalise_const(v: &mut ConstValue, path: &str, found: &mut BTreeMap<String, String>) {
    match v {
        ConstValue::String(s) => {
            if let Some(clean) = storable(s) {
                found.insert(path.to_owned(), escape_original(s));
                *s = clean;
            }
        }
        ConstValue::List(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                normalise_const(item, &format!("{path}.{i}"), found);
            }
        }
        ConstValue::Object(fields) => {
            for (k, item) in fields.iter_mut() {
                normalise_const(item, &format!("{path}.{k}"), found);
            }
        }
        ConstValue::Null
        | ConstValue::Number(_)
        | ConstValue::Boolean(_)
        | ConstValue::Binary(_)
        | ConstValue::Enum(_) => {}
    }
}

/// Makes every string literal of a parsed document storable (arguments, variable defaults).
pub fn normalise_document(doc: &mut ExecutableDocument, found: &mut BTreeMap<String, String>) {
    use async_graphql::parser::types::DocumentOperations;
    let ops: Vec<&mut async_graphql::Positioned<async_graphql::parser::types::OperationDefinition>> =
        match &mut doc.operations {
            DocumentOperations::Single(op) => vec![op],
            DocumentOperations::Multiple(ops) => ops.values_mut().collect(),
        };
    for op in ops {
        for var in &mut op.node.variable_definitions {
            if let Some(default) = &mut var.node.default_value {
                normalise_const(&mut default.node, &var.node.name.node, found);
            }
        }
        normalise_selection_set(&mut op.node.selection_set.node, found);
    }
    for fragment in doc.fragments.values_mut() {
        normalise_selection_set(&mut fragment.node.selection_set.node, found);
    }
}

fn normalise_selection_set(set: &mut SelectionSet, found: &mut BTreeMap<String, String>) {
    for item in &mut set.items {
        match &mut item.node {
            Selection::Field(field) => {
                let field = &mut field.node;
                for (name, value) in &mut field.arguments {
                    normalise_value(&mut value.node, name.node.as_str(), found);
                }
                normalise_selection_set(&mut field.selection_set.node, found);
            }
            Selection::InlineFragment(f) => normalise_selection_set(&mut f.node.selection_set.node, found),
            Selection::FragmentSpread(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_becomes_the_replacement_character_and_other_text_passes() {
        assert_eq!(storable("a\0b").as_deref(), Some("a\u{FFFD}b"));
        for fine in ["", "Жалоба", "\u{200F}שלום\u{200E}", "🙂👨‍👩‍👧", &"я".repeat(10_000)] {
            assert_eq!(storable(fine), None, "{fine:?} is storable as it is");
        }
    }

    #[test]
    fn the_escaped_original_round_trips() {
        for s in ["a\0b", "100%", "%00 is not a NUL", "\0%\0%25", "", "обычный текст"] {
            assert_eq!(unescape_original(&escape_original(s)), s, "{s:?}");
            assert!(!escape_original(s).contains('\0'));
        }
    }
}
