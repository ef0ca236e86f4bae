//! The engine embeds `admin-ui/dist/` (src/http/admin_ui.rs) so `cargo run --release` needs no
//! Node: this fails when the committed build differs from a fresh build of `admin-ui/src/`,
//! checks the engine serves it under its Content-Security-Policy, type-checks the app and runs
//! its unit tests.

mod common;

use common::{Backend, TestApp};

#[test]
fn committed_bundle_matches_the_sources() {
    run_node(&["build.mjs", "--check"]);
}

/// The dashboard's pure rules and its state's frame handling (`admin-ui/src/**/*.test.ts`).
#[test]
fn the_dashboards_unit_tests_pass() {
    run_node(&["unit.mjs"]);
}

/// The TypeScript sources type-check (esbuild only strips the types).
#[test]
fn the_dashboard_type_checks() {
    run_node(&["node_modules/typescript/bin/tsc", "-p", "."]);
}

/// Runs Node in `admin-ui/` and fails with its output if it fails.
fn run_node(args: &[&str]) {
    common::browser::node("admin-ui", args, Vec::new());
}

#[actix_web::test]
async fn the_engine_serves_the_app_with_its_csp() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    for (path, content_type) in [
        ("/admin/", "text/html"),
        ("/admin/app.js", "text/javascript"),
        ("/admin/app.css", "text/css"),
    ] {
        let response = TestApp::client()
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert!(header("content-type").starts_with(content_type), "{path}");
        let csp = header("content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
    }
}
