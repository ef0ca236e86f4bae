//! The widget's built files that the engine serves (`widget/dist`, compiled into the binary so
//! `cargo run` needs no Node) must be a fresh build of `widget/src`, within the size budgets of
//! issue 7: the loader at most 5 KB gzipped, loader and app together at most 40 KB (R1).
//! `widget/build.mjs --check` builds in memory and compares; this test runs it.

mod common;

use common::{Backend, TestApp};

#[test]
fn the_committed_widget_is_a_fresh_build_within_its_budgets() {
    let stdout = common::browser::node("widget", &["build.mjs", "--check"], Vec::new());
    println!("{stdout}");
}

/// The widget's pure rules (form checks mirroring the engine's, the language choice: R11, R12,
/// R62) pass their unit tests (`widget/unit/`).
#[test]
fn the_widget_rules_pass_their_unit_tests() {
    common::browser::node("widget", &["--test", "unit/"], Vec::new());
}

/// R1: the engine serves the loader and the app with caching headers; a page of an allowed
/// website may fetch them with CORS, another origin gets no CORS header.
#[actix_web::test]
async fn the_engine_serves_the_widget_files() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    for (path, cache) in [
        ("/widget.js", "public, max-age=300"),
        ("/widget-app.js?v=1", "public, max-age=31536000, immutable"),
    ] {
        let mut response = TestApp::client()
            .get(format!("{}{path}", app.base))
            .insert_header(("Origin", "http://localhost:3000"))
            .send()
            .await
            .expect("widget file");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(
            header("content-type").as_deref(),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(header("cache-control").as_deref(), Some(cache));
        assert_eq!(
            header("access-control-allow-origin").as_deref(),
            Some("http://localhost:3000")
        );
        let etag = header("etag").expect("an ETag");
        let body = response.body().limit(1 << 20).await.expect("body");
        assert!(!body.is_empty());

        let again = TestApp::client()
            .get(format!("{}{path}", app.base))
            .insert_header(("If-None-Match", etag.as_str()))
            .insert_header(("Origin", "http://evil.example"))
            .send()
            .await
            .expect("revalidation");
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert!(again.headers().get("access-control-allow-origin").is_none());
    }
}

/// The page to see the widget by hand names the website's snippet, and only a valid key.
#[actix_web::test]
async fn the_demo_page_carries_the_snippet() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    for (query, key) in [
        ("", "demo"),
        ("?website=shop", "shop"),
        ("?website=%3Cb%3E", "demo"),
    ] {
        let mut response = TestApp::client()
            .get(format!("{}/widget-demo{query}", app.base))
            .send()
            .await
            .expect("demo page");
        assert_eq!(response.status().as_u16(), 200);
        let body = response.body().await.expect("body");
        let page = String::from_utf8_lossy(&body);
        assert!(
            page.contains(&format!(r#"src="/widget.js" data-website="{key}""#)),
            "{page}"
        );
        assert!(!page.contains("<b>"), "{page}");
    }
}
