//! Issue 10, API description: the OpenAPI document served by a real engine at
//! `GET /api/v1/openapi.json` is OpenAPI 3.x with the engine's version, its `$ref`s resolve,
//! it names exactly the endpoints of docs/protocol.md's endpoint summary (1.4), and every
//! operation it names is routed by the engine (the router is built from the same table).

mod common;

use std::collections::BTreeSet;

use actix_web::http::Method;
use common::{Backend, TestApp};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn served_document(app: &TestApp) -> Value {
    let mut response = TestApp::client()
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .expect("openapi request");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    response
        .json::<Value>()
        .limit(4 * 1024 * 1024)
        .await
        .expect("the document is JSON")
}

/// `(METHOD, path)` of every operation in the document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths is an object");
    let mut found = BTreeSet::new();
    for (path, item) in paths {
        let item = item.as_object().expect("a path item");
        for method in item.keys() {
            assert!(METHODS.contains(&method.as_str()), "{method} {path}");
            found.insert((method.to_uppercase(), path.clone()));
        }
    }
    found
}

/// `(METHOD, path)` of every row of docs/protocol.md's endpoint summary (1.4): each method of
/// a row with each of its paths, query strings dropped. The CORS preflight row (`OPTIONS`) is
/// not an operation.
fn summary_endpoints(protocol: &str) -> BTreeSet<(String, String)> {
    let start = protocol
        .find("### 1.4 Endpoint summary")
        .expect("section 1.4");
    let section = &protocol[start..];
    let end = section[4..].find("\n### ").map_or(section.len(), |e| e + 4);
    let mut found = BTreeSet::new();
    for line in section[..end].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let methods: Vec<&str> = backticked(cells[0])
            .into_iter()
            .filter(|m| *m != "OPTIONS")
            .collect();
        let paths: Vec<&str> = backticked(cells[1])
            .into_iter()
            .filter(|p| p.starts_with('/'))
            .map(|p| p.split('?').next().unwrap_or(p))
            .collect();
        for method in &methods {
            for path in &paths {
                found.insert((method.to_string(), path.to_string()));
            }
        }
    }
    found
}

fn backticked(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// What one side has and the other lacks, as readable lines.
fn differences(
    summary: &BTreeSet<(String, String)>,
    document: &BTreeSet<(String, String)>,
) -> Vec<String> {
    let not_in_summary = document
        .difference(summary)
        .map(|(m, p)| format!("{m} {p}: in the document, not in protocol.md 1.4"));
    let not_in_document = summary
        .difference(document)
        .map(|(m, p)| format!("{m} {p}: in protocol.md 1.4, not in the document"));
    not_in_summary.chain(not_in_document).collect()
}

fn protocol_doc() -> String {
    std::fs::read_to_string(format!("{}/docs/protocol.md", env!("CARGO_MANIFEST_DIR")))
        .expect("docs/protocol.md")
}

/// Every `"$ref"` string anywhere in `value`.
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => refs(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, found)),
        _ => {}
    }
}

/// A path with its `{…}` parameters filled with values of the right kind.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|part| match part {
            "{key}" => "demo".to_owned(),
            "{code}" => "123456".to_owned(),
            "{upload_id}" => "a".repeat(64),
            p if p.starts_with('{') => "1".to_owned(),
            p => p.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The status and the `error` code of a request without credentials or body.
async fn try_route(app: &TestApp, method: &str, path: &str) -> (u16, String) {
    let method = Method::from_bytes(method.as_bytes()).expect("a method");
    let mut response = TestApp::client()
        .request(method, format!("{}{}", app.base, concrete(path)))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn the_summary_comparison_fails_when_protocol_md_misses_an_endpoint() {
    let protocol = protocol_doc();
    let summary = summary_endpoints(&protocol);
    assert!(summary.contains(&("GET".into(), "/api/v1/auth/me".into())));
    assert!(summary.contains(&("POST".into(), "/api/v1/review/chats/{chat_id}/reply".into())));
    let row = protocol
        .lines()
        .find(|l| l.starts_with("| `GET` | `/api/v1/auth/me` |"))
        .expect("the row of /auth/me");
    let without_row = protocol.replace(&format!("{row}\n"), "");
    let shorter = summary_endpoints(&without_row);
    assert_eq!(
        differences(&shorter, &summary),
        vec!["GET /api/v1/auth/me: in the document, not in protocol.md 1.4".to_owned()]
    );
}

#[actix_web::test]
async fn the_served_document_is_openapi_3_and_matches_protocol_md() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let doc = served_document(&app).await;

    let version = doc["openapi"].as_str().expect("openapi");
    assert!(version.starts_with("3."), "{version}");
    assert_eq!(doc["info"]["title"], "Parley");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");

    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    assert!(targets.iter().any(|t| t == "#/components/schemas/Error"));
    for target in &targets {
        let pointer = target.strip_prefix('#').expect("a local $ref");
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }

    for (method, path) in operations(&doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let responses = operation["responses"].as_object().expect("responses");
        assert!(!responses.is_empty(), "{method} {path}");
        for alternative in operation["security"].as_array().expect("security") {
            for scheme in alternative.as_object().expect("a requirement").keys() {
                assert!(schemes.contains_key(scheme), "{method} {path}: {scheme}");
            }
        }
    }

    let summary = summary_endpoints(&protocol_doc());
    let differences = differences(&summary, &operations(&doc));
    assert!(differences.is_empty(), "{differences:#?}");
}

#[actix_web::test]
async fn every_operation_in_the_document_is_routed() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let doc = served_document(&app).await;
    let operations = operations(&doc);
    assert!(operations.len() > 90, "only {}", operations.len());
    let mut unrouted = Vec::new();
    for (method, path) in &operations {
        let (status, error) = try_route(&app, method, path).await;
        if status == 404 && error == "not_found" {
            unrouted.push(format!("{method} {path}"));
        }
    }
    assert!(
        unrouted.is_empty(),
        "answered as no such endpoint: {unrouted:#?}"
    );
    // The check can tell: a method the table does not list is no endpoint.
    assert_eq!(
        try_route(&app, "GET", "/api/v1/auth/login").await,
        (404, "not_found".to_owned())
    );
}
