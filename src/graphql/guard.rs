//! The shape of a document, measured before async-graphql validates it: aliases, the
//! number of fields once every fragment is expanded, depth (without the introspection
//! subtrees) and nesting through fragments, and fragment cycles.
//!
//! Why here and not in validation: async-graphql's recursive-depth and directive checks
//! and every validation rule expand fragment spreads without memoising them, so 30
//! fragments each spreading the next one twice cost 2^30 visits before any limit answers.
//! This walk memoises each fragment's expanded size and height, so it costs one visit per
//! selection whatever the spreads, and it refuses the document before anything expands it.
//! It must not know the schema: it counts, it never resolves a type.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// What a document may hold (the `MFO_MAX_*` limits).
#[derive(Debug, Clone, Copy)]
pub struct ShapeLimits {
    /// Fields, counted with every fragment spread expanded, over all operations.
    pub fields: usize,
    /// Field nesting, not counting `__schema`/`__type` subtrees (introspection is bounded
    /// by `fields` and `nesting` instead, so GraphiQL's and codegen's query passes).
    pub depth: usize,
    /// Selection sets and fragment spreads nested in one another (async-graphql's
    /// "recursive depth"; a fragment spread counts as a level).
    pub nesting: usize,
    /// Aliased fields in the document as written.
    pub aliases: usize,
    /// Lexical tokens of the document, counted before it is parsed.
    pub tokens: usize,
}

/// Why a document was refused; the text is the client's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapeError {
    Cycle(String),
    Fields { limit: usize },
    Depth { depth: usize, limit: usize },
    Nesting { limit: usize },
    Aliases { count: usize, limit: usize },
    Tokens { limit: usize },
}

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShapeError::Cycle(name) => write!(f, "the fragment `{name}` spreads itself (directly or through others)"),
            ShapeError::Fields { limit } => {
                write!(f, "the query selects more than {limit} fields once its fragments are expanded")
            }
            ShapeError::Depth { depth, limit } => {
                write!(f, "the query is nested too deep: depth {depth}, at most {limit} is allowed")
            }
            ShapeError::Nesting { limit } => {
                write!(f, "the query nests selections and fragments more than {limit} levels deep")
            }
            ShapeError::Aliases { count, limit } => {
                write!(f, "the query uses {count} aliases; at most {limit} are allowed")
            }
            ShapeError::Tokens { limit } => write!(f, "the query is longer than {limit} tokens"),
        }
    }
}

/// What one fragment (or selection set) expands to.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    /// Fields, saturated a little above the limit so sums never overflow.
    fields: usize,
    /// Deepest field nesting, introspection subtrees not counted.
    depth: usize,
    /// Levels of selection sets and spreads below this point.
    height: usize,
}

enum Memo {
    InProgress,
    Done(Measure),
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    limits: ShapeLimits,
    memo: HashMap<&'a str, Memo>,
    cap: usize,
}

/// Fields whose subtrees describe the schema, not the data.
fn is_introspection(name: &str) -> bool {
    name == "__schema" || name == "__type"
}

impl<'a> Walk<'a> {
    /// Measures a selection set reached at nesting `level`. Every recursion step is one
    /// level, and the walk stops past `limits.nesting`, so its own stack stays shallow.
    fn set(&mut self, set: &'a SelectionSet, level: usize) -> Result<Measure, ShapeError> {
        if level > self.limits.nesting {
            return Err(ShapeError::Nesting { limit: self.limits.nesting });
        }
        let mut m = Measure::default();
        for item in &set.items {
            let (fields, depth, height) = match &item.node {
                Selection::Field(f) => {
                    let sub = &f.node.selection_set.node;
                    let inner = if sub.items.is_empty() { Measure::default() } else { self.set(sub, level + 1)? };
                    let depth = if is_introspection(f.node.name.node.as_str()) { 0 } else { 1 + inner.depth };
                    let height = if sub.items.is_empty() { 0 } else { 1 + inner.height };
                    (1 + inner.fields, depth, height)
                }
                Selection::InlineFragment(f) => {
                    let inner = self.set(&f.node.selection_set.node, level + 1)?;
                    (inner.fields, inner.depth, 1 + inner.height)
                }
                Selection::FragmentSpread(s) => match self.fragment(s.node.fragment_name.node.as_str(), level + 1)? {
                    // An unknown fragment is validation's to report.
                    None => (0, 0, 0),
                    Some(inner) => (inner.fields, inner.depth, 1 + inner.height),
                },
            };
            m.fields = m.fields.saturating_add(fields).min(self.cap);
            m.depth = m.depth.max(depth);
            m.height = m.height.max(height);
            if m.fields >= self.cap {
                return Err(ShapeError::Fields { limit: self.limits.fields });
            }
        }
        Ok(m)
    }

    /// A fragment's measure (its height counted from its own selection set), computed
    /// once; `level` is where its selection set sits for this spread.
    fn fragment(&mut self, name: &'a str, level: usize) -> Result<Option<Measure>, ShapeError> {
        match self.memo.get(name) {
            Some(Memo::Done(m)) => {
                if level + m.height > self.limits.nesting {
                    return Err(ShapeError::Nesting { limit: self.limits.nesting });
                }
                return Ok(Some(*m));
            }
            Some(Memo::InProgress) => return Err(ShapeError::Cycle(name.to_owned())),
            None => {}
        }
        let doc = self.doc;
        let Some(def) = doc.fragments.get(name) else { return Ok(None) };
        self.memo.insert(name, Memo::InProgress);
        let m = self.set(&def.node.selection_set.node, level)?;
        self.memo.insert(name, Memo::Done(m));
        Ok(Some(m))
    }
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => usize::from(f.node.alias.is_some()) + count_aliases(&f.node.selection_set.node),
            Selection::InlineFragment(f) => count_aliases(&f.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Counts the document's lexical tokens (names, numbers, strings, punctuators; not
/// whitespace, commas or comments) and refuses it past `limit`, before it is parsed.
///
/// Why: the parser holds every token of a document at once and allocates far more than
/// its text for it, so a 1 MB body of 100 000 field names cost tens of MB and most of a
/// second per parse, times every concurrent request (measured by the hostile-requests suite). graphql-js bounds
/// this with `parse(…, { maxTokens })`, GraphQL Armor with `maxTokens`. The count is a
/// single pass over the bytes that stops at the limit; it over-counts rather than under
/// (a malformed number or an unterminated string still counts), and the parser reports
/// what is malformed.
pub fn check_tokens(src: &str, limit: usize) -> Result<(), ShapeError> {
    let b = src.as_bytes();
    let name = |c: u8| c == b'_' || c.is_ascii_alphanumeric();
    let (mut i, mut count) = (0usize, 0usize);
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                    i += if b[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'.' if b[i..].starts_with(b"...") => i += 3,
            c if name(c) || c == b'-' => {
                i += 1;
                while i < b.len() && (name(b[i]) || b[i] == b'.' || b[i] == b'+' || b[i] == b'-') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        count += 1;
        if count > limit {
            return Err(ShapeError::Tokens { limit });
        }
    }
    Ok(())
}

/// Checks a parsed document against the limits; cost is linear in its written size.
pub fn check(doc: &ExecutableDocument, limits: ShapeLimits) -> Result<(), ShapeError> {
    measure(doc, limits).map(drop)
}

/// `check`, answering the document's fields with every fragment spread expanded (what
/// validation will walk; counted up to `limits.fields + 1`).
pub fn measure(doc: &ExecutableDocument, limits: ShapeLimits) -> Result<usize, ShapeError> {
    // Aliases as written (an alias bomb multiplies work without deepening the query).
    // The parser bounds a written document's nesting at 64, so this recursion is shallow.
    let aliases = doc.operations.iter().map(|(_, op)| count_aliases(&op.node.selection_set.node)).sum::<usize>()
        + doc.fragments.values().map(|f| count_aliases(&f.node.selection_set.node)).sum::<usize>();
    if aliases > limits.aliases {
        return Err(ShapeError::Aliases { count: aliases, limit: limits.aliases });
    }

    let cap = limits.fields.saturating_add(1);
    let mut walk = Walk { doc, limits, memo: HashMap::new(), cap };
    let mut total = 0usize;
    let mut deepest = 0usize;
    for (_, op) in doc.operations.iter() {
        let m = walk.set(&op.node.selection_set.node, 0)?;
        total = total.saturating_add(m.fields);
        deepest = deepest.max(m.depth);
        if total > limits.fields {
            return Err(ShapeError::Fields { limit: limits.fields });
        }
    }
    // Fragments are validated as definitions too, spread or not: each counts once.
    let names: Vec<&str> = doc.fragments.keys().map(|n| n.as_str()).collect();
    for name in names {
        if let Some(m) = walk.fragment(name, 0)? {
            total = total.saturating_add(m.fields);
            if total > limits.fields {
                return Err(ShapeError::Fields { limit: limits.fields });
            }
        }
    }
    if deepest > limits.depth {
        return Err(ShapeError::Depth { depth: deepest, limit: limits.depth });
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ShapeLimits = ShapeLimits { fields: 5_000, depth: 12, nesting: 32, aliases: 30, tokens: 10_000 };

    #[test]
    fn tokens_are_counted_without_whitespace_commas_comments_or_string_contents() {
        let count = |q: &str| (0..).find(|n| check_tokens(q, *n).is_ok()).expect("a count");
        assert_eq!(count("{ __typename }"), 3);
        assert_eq!(count("{ a, b , c } # a comment { { {"), 5);
        assert_eq!(count("query($x: Int = -12.5e3) { f(s: \"a } b \\\" c\") ...F }"), 19);
        assert_eq!(count("{ f(s: \"\"\" { } \\\"\"\" \"\"\") }"), 8);
        assert_eq!(check_tokens(&" a".repeat(10_001), 10_000), Err(ShapeError::Tokens { limit: 10_000 }));
        assert_eq!(check_tokens(&" a".repeat(10_000), 10_000), Ok(()));
    }

    fn check_text(q: &str) -> Result<(), ShapeError> {
        check(&async_graphql::parser::parse_query(q).expect("parses"), LIMITS)
    }

    /// `levels` fragments, each spreading the next one `fan` times.
    fn fan_out(levels: usize, fan: usize) -> String {
        let mut q = String::from("query { ...F0 }\n");
        for i in 0..levels {
            let spreads: String = (0..fan).map(|_| format!(" ...F{}", i + 1)).collect();
            q.push_str(&format!("fragment F{i} on Query {{ __typename{spreads} }}\n"));
        }
        q.push_str(&format!("fragment F{levels} on Query {{ __typename }}\n"));
        q
    }

    #[test]
    fn fan_out_is_refused_by_its_expanded_size_without_expanding_it() {
        for (levels, fan) in [(20, 2), (30, 2), (40, 2), (15, 3), (25, 3), (10, 10), (40, 10)] {
            let started = std::time::Instant::now();
            let err = check_text(&fan_out(levels, fan)).expect_err("refused");
            assert!(matches!(err, ShapeError::Fields { .. } | ShapeError::Nesting { .. }), "{levels}x{fan}: {err}");
            assert!(started.elapsed() < std::time::Duration::from_millis(100), "{levels}x{fan} took too long");
        }
        // Small fan-outs within the limit pass.
        assert_eq!(check_text(&fan_out(8, 2)), Ok(()));
    }

    #[test]
    fn fragment_cycles_are_refused() {
        let q = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert_eq!(check_text(q), Err(ShapeError::Cycle("A".into())));
        let q = "query { __typename } fragment A on Query { ...A }";
        assert_eq!(check_text(q), Err(ShapeError::Cycle("A".into())));
    }

    #[test]
    fn depth_counts_fields_through_fragments_but_not_introspection() {
        let q = "{ a { b { c } } }";
        assert_eq!(
            check(&async_graphql::parser::parse_query(q).expect("parses"), ShapeLimits { depth: 3, ..LIMITS }),
            Ok(())
        );
        assert_eq!(
            check(&async_graphql::parser::parse_query(q).expect("parses"), ShapeLimits { depth: 2, ..LIMITS }),
            Err(ShapeError::Depth { depth: 3, limit: 2 })
        );
        let q = "{ a { ...F } } fragment F on A { b { c } }";
        assert_eq!(
            check(&async_graphql::parser::parse_query(q).expect("parses"), ShapeLimits { depth: 2, ..LIMITS }),
            Err(ShapeError::Depth { depth: 3, limit: 2 })
        );
        let q = "{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }";
        assert_eq!(
            check(&async_graphql::parser::parse_query(q).expect("parses"), ShapeLimits { depth: 1, ..LIMITS }),
            Ok(())
        );
    }

    #[test]
    fn nesting_through_spreads_is_bounded_like_async_graphqls_recursive_depth() {
        // 40 fragments in a chain, each spreading the next once: linear, but 40 levels.
        let err = check_text(&fan_out(40, 1)).expect_err("refused");
        assert_eq!(err, ShapeError::Nesting { limit: 32 });
        assert_eq!(check_text(&fan_out(14, 1)), Ok(()));
    }

    #[test]
    fn a_memoised_fragment_reached_deeper_still_counts_its_height() {
        // F is measured first at a shallow level, then spread again 30 levels down.
        let mut q = String::from("query { ...F ...G0 } fragment F on Query { a { b { c { d } } } }\n");
        for i in 0..29 {
            q.push_str(&format!("fragment G{i} on Query {{ ...G{} }}\n", i + 1));
        }
        q.push_str("fragment G29 on Query { ...F }\n");
        assert_eq!(check_text(&q), Err(ShapeError::Nesting { limit: 32 }));
    }
}
