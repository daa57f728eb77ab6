//! `schema.graphql` is the contract: it must be what the code generates.

#[test]
fn schema_graphql_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = mfo_api::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is stale: run `cargo run -- schema > schema.graphql` and review the diff"
    );
}

/// Every element of `schema.graphql` a client sees (type, field, argument, input field,
/// enum value) has a description: GraphiQL's docs, codegen's comments and a partner's
/// first afternoon depend on it. The failure names each one that lacks it.
#[test]
fn every_schema_element_has_a_description() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let sdl = std::fs::read_to_string(&path).expect("schema.graphql");
    let doc = async_graphql::parser::parse_schema(&sdl).expect("schema.graphql parses");
    let described =
        |d: &Option<async_graphql::Positioned<String>>| d.as_ref().is_some_and(|d| !d.node.trim().is_empty());

    let mut missing = Vec::new();
    let mut checked = 0usize;
    let mut check = |ok: bool, what: String| {
        checked += 1;
        if !ok {
            missing.push(what);
        }
    };
    for def in &doc.definitions {
        let TypeSystemDefinition::Type(t) = def else { continue };
        let t = &t.node;
        let name = t.name.node.as_str();
        check(described(&t.description), format!("type {name}"));
        let fields = match &t.kind {
            TypeKind::Object(o) => Some(&o.fields),
            TypeKind::Interface(i) => Some(&i.fields),
            _ => None,
        };
        for f in fields.into_iter().flatten() {
            let f = &f.node;
            check(described(&f.description), format!("field {name}.{}", f.name.node));
            for a in &f.arguments {
                check(described(&a.node.description), format!("argument {name}.{}({})", f.name.node, a.node.name.node));
            }
        }
        if let TypeKind::InputObject(i) = &t.kind {
            for f in &i.fields {
                check(described(&f.node.description), format!("input field {name}.{}", f.node.name.node));
            }
        }
        if let TypeKind::Enum(e) = &t.kind {
            for v in &e.values {
                check(described(&v.node.description), format!("enum value {name}.{}", v.node.value.node));
            }
        }
    }
    assert!(checked > 1_000, "only {checked} elements found: is schema.graphql whole?");
    assert!(
        missing.is_empty(),
        "{} of {checked} schema elements have no description (a `///` doc comment; \
         `#[graphql(desc = \"…\")]` on an argument; a connection returns \
         `graphql::connection::Page`):\n{}",
        missing.len(),
        missing.join("\n")
    );
}
