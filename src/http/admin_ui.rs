//! The admin app (`admin-ui/`: the agent dashboard, later the supervisor console), served from
//! the engine's own origin at `/admin/`. The built files are embedded at compile time, so
//! `cargo run --release` serves them with no Node on the machine; `tests/admin_ui_bundle.rs`
//! fails when the committed build differs from a fresh build of the sources.

use actix_web::{http::header, web, HttpResponse};

const INDEX_HTML: &str = include_str!("../../admin-ui/dist/index.html");
const APP_JS: &str = include_str!("../../admin-ui/dist/app.js");
const APP_CSS: &str = include_str!("../../admin-ui/dist/app.css");

/// Only the app's own script and style load; no inline script or style attribute in markup,
/// no other origin, no framing; the console frames only the engine's own widget preview. `connect-src 'self'` covers the REST calls and the agent socket
/// (CSP Level 3 browsers match `ws:`/`wss:` of the same host to `'self'`).
pub const ADMIN_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(redirect_to_app))
        .route("/admin/", web::get().to(index))
        .route("/admin/app.js", web::get().to(script))
        .route("/admin/app.css", web::get().to(stylesheet));
}

async fn redirect_to_app() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/admin/"))
        .finish()
}

fn file(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Content-Security-Policy", ADMIN_CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Referrer-Policy", "same-origin"))
        // The file names do not change between builds, so the browser asks again every time.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

async fn index() -> HttpResponse {
    file("text/html; charset=utf-8", INDEX_HTML)
}

async fn script() -> HttpResponse {
    file("text/javascript; charset=utf-8", APP_JS)
}

async fn stylesheet() -> HttpResponse {
    file("text/css; charset=utf-8", APP_CSS)
}
