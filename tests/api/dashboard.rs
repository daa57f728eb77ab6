//! `/dashboard`: the page and its assets are served from the binary with a
//! strict Content-Security-Policy, and the demo-token list exists only where `serve --demo`
//! mounts it. The page's behaviour in a browser is tests/browser/dashboard.mjs.

use mfo_api::http::dashboard::{self, DemoToken};

use crate::helpers::{Options, TestApp};

async fn get(app: &TestApp, path: &str, header: Option<(&str, &str)>) -> reqwest::Response {
    let mut req = app.client.get(format!("http://{}{path}", app.addr));
    if let Some((k, v)) = header {
        req = req.header(k, v);
    }
    req.send().await.expect("request")
}

fn asset_file(name: &str) -> String {
    std::fs::read_to_string(format!("{}/assets/dashboard/{name}", env!("CARGO_MANIFEST_DIR"))).expect("asset file")
}

#[tokio::test]
async fn the_page_and_every_asset_it_loads_are_served_with_a_strict_csp() {
    let app = TestApp::spawn().await;
    let r = get(&app, "/dashboard", None).await;
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().expect("csp").to_owned();
    assert_eq!(csp, dashboard::CSP);
    for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let html = r.text().await.expect("html");
    assert_eq!(html, asset_file("index.html"), "the embedded page is the file in assets/");
    assert!(!html.contains("<script>") && !html.contains(" style="), "no inline script or style: the CSP forbids them");

    // Every local reference of the page and of its scripts, answered from the binary.
    let app_js = asset_file("app.js");
    assert!(app_js.contains("from '/dashboard/gql-ws.js'"), "app.js loads the WebSocket client");
    for (path, file, ty) in [
        ("/dashboard/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/dashboard/gql-ws.js", "gql-ws.js", "text/javascript; charset=utf-8"),
        ("/dashboard/texts.js", "texts.js", "text/javascript; charset=utf-8"),
        ("/dashboard/style.css", "style.css", "text/css; charset=utf-8"),
        ("/dashboard/favicon.svg", "favicon.svg", "image/svg+xml"),
    ] {
        assert!(html.contains(&format!("\"{path}\"")) || app_js.contains(&format!("'{path}'")), "{path} is used");
        let r = get(&app, path, None).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], ty, "{path}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(r.text().await.expect("body"), asset_file(file), "{path}");
    }
    // Nothing from another origin.
    assert!(!html.contains("http://") && !html.contains("https://"), "no CDN");
    // (The SVG namespace is a name, not a resource.)
    let js = app_js.replace("'http://www.w3.org/2000/svg'", "");
    assert!(!js.contains("https://") && !js.contains("http://"), "no CDN");
}

#[tokio::test]
async fn the_demo_token_list_is_absent_outside_demo_mode() {
    let app = TestApp::spawn().await;
    for header in [None, Some((dashboard::DEMO_TOKENS_HEADER, "1"))] {
        assert_eq!(get(&app, "/dashboard/demo-tokens", header).await.status(), 404);
    }
    let prod = TestApp::spawn_with(Options { production: true, ..Options::default() }).await;
    assert_eq!(get(&prod, "/dashboard/demo-tokens", Some((dashboard::DEMO_TOKENS_HEADER, "1"))).await.status(), 404);
    assert_eq!(get(&prod, "/dashboard", None).await.status(), 200, "the page itself holds no data");
}

#[tokio::test]
async fn in_demo_mode_the_page_gets_the_tokens_and_another_origin_does_not() {
    let token = DemoToken { label: "REGULATOR (KZ)".into(), role: "REGULATOR".into(), token: "t.o.k".into() };
    let opts = Options { extra_routes: dashboard::demo_routes(vec![token]), ..Options::default() };
    let app = TestApp::spawn_with(opts).await;
    // A page of another origin cannot add the header without a preflight, which the
    // CORS layer does not allow for it: without it, no tokens.
    let r = get(&app, "/dashboard/demo-tokens", None).await;
    assert_eq!(r.status(), 403);
    assert!(!r.text().await.expect("body").contains("t.o.k"));
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, format!("http://{}/dashboard/demo-tokens", app.addr))
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", dashboard::DEMO_TOKENS_HEADER)
        .send()
        .await
        .expect("preflight");
    let allowed = preflight
        .headers()
        .get("access-control-allow-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    assert!(!allowed.contains(dashboard::DEMO_TOKENS_HEADER), "the preflight must not allow the header: {allowed}");

    let r = get(&app, "/dashboard/demo-tokens", Some((dashboard::DEMO_TOKENS_HEADER, "1"))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body, serde_json::json!([{ "label": "REGULATOR (KZ)", "role": "REGULATOR", "token": "t.o.k" }]));
}

/// The string literals of a piece of JavaScript, in order (quotes of either kind, `\`
/// escapes).
fn js_strings(js: &str) -> Vec<String> {
    let (mut out, mut chars) = (Vec::new(), js.chars());
    while let Some(c) = chars.next() {
        if c != '\'' && c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(d) = chars.next() {
            match d {
                '\\' => s.extend(chars.next()),
                d if d == c => break,
                d => s.push(d),
            }
        }
        out.push(s);
    }
    out
}

/// `name: [...]` entries of an object literal's body, each with its strings.
fn entries(body: &str, indent: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        let key = line
            .strip_prefix(indent)
            .filter(|rest| !rest.starts_with(' '))
            .and_then(|rest| rest.split_once(": ["))
            .map(|(k, _)| js_strings(k).pop().unwrap_or_else(|| k.trim().to_owned()));
        match key {
            Some(k) => out.push((k, line.split_once(": [").map(|(_, v)| v.to_owned()).unwrap_or_default())),
            None => {
                if let Some(last) = out.last_mut() {
                    last.1.push_str(line);
                }
            }
        }
    }
    out.into_iter().map(|(k, v)| (k, js_strings(&v))).collect()
}

/// The body of `export const NAME = { … };` in a module.
fn object<'a>(js: &'a str, name: &str) -> &'a str {
    let start = js.find(&format!("export const {name} = {{")).unwrap_or_else(|| panic!("{name} in texts.js"));
    let end = js[start..].find("\n};").expect("the object's end");
    &js[start..start + end]
}

fn schema_enum(schema: &str, name: &str) -> Vec<String> {
    let start = schema.find(&format!("\nenum {name} {{")).unwrap_or_else(|| panic!("enum {name} in the schema"));
    let body = &schema[start..start + schema[start..].find("\n}").expect("end")];
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_text_of_the_page_and_every_enum_value_it_names_is_in_its_four_languages() {
    let texts = asset_file("texts.js");
    let schema = std::fs::read_to_string(format!("{}/schema.graphql", env!("CARGO_MANIFEST_DIR"))).expect("schema");
    let ui = entries(object(&texts, "TEXTS"), "  ");
    assert!(ui.len() > 100, "{} texts", ui.len());
    for (key, words) in &ui {
        assert_eq!(words.len(), 4, "{key}: en, ru, kk, ky");
        assert!(words.iter().all(|w| !w.trim().is_empty()), "{key}: {words:?}");
    }
    // Every value of every enum the page names, as the schema lists them, and no other.
    let enums = object(&texts, "ENUMS");
    let mut named = 0;
    for block in enums.split("\n  },").filter(|b| b.contains(": {")) {
        let (head, body) = block.split_once(": {").expect("an enum");
        let name = head.lines().last().expect("name").trim();
        let values = entries(body, "    ");
        let mut keys: Vec<String> = values.iter().map(|(k, _)| k.clone()).collect();
        let mut expected = schema_enum(&schema, name);
        keys.sort();
        expected.sort();
        assert_eq!(keys, expected, "{name}: every value of the schema's enum has its names");
        for (value, words) in values {
            assert_eq!(words.len(), 4, "{name}.{value}: en, ru, kk, ky");
            assert!(words.iter().all(|w| !w.trim().is_empty() && !w.contains('_')), "{name}.{value}: {words:?}");
            named += 1;
        }
    }
    assert!(named > 80, "{named} enum values named");
    // What the page and the script ask for by key exists.
    let keys: std::collections::BTreeSet<&str> = ui.iter().map(|(k, _)| k.as_str()).collect();
    let html = asset_file("index.html");
    let app = asset_file("app.js");
    let mut asked: Vec<String> = Vec::new();
    for attr in ["data-i18n=\"", "data-i18n-placeholder=\""] {
        asked.extend(html.split(attr).skip(1).filter_map(|s| s.split('"').next()).map(str::to_owned));
    }
    for call in ["t('", "counter('"] {
        // The function itself, not a name ending in it (`split('`).
        let mut rest = app.as_str();
        while let Some(at) = rest.find(call) {
            let named = rest[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.');
            rest = &rest[at + call.len()..];
            if !named {
                asked.extend(rest.split('\'').next().map(str::to_owned));
            }
        }
    }
    asked.extend(app.split("['p_").skip(1).filter_map(|s| s.split('\'').next()).map(|k| format!("p_{k}")));
    for key in asked {
        assert!(keys.contains(key.as_str()), "texts.js lacks {key}");
    }
    for kind in ["REFUSAL_LETTER", "COMPLAINT_ANSWER", "LOAN_STATEMENT"] {
        assert!(keys.contains(format!("letter_{kind}").as_str()), "letter_{kind}");
    }
    for state in ["connecting", "live", "reconnecting", "closed"] {
        assert!(keys.contains(format!("status_{state}").as_str()), "status_{state}");
    }
}
