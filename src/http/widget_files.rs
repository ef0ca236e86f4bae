//! The visitor widget's built files (R1), compiled into the binary so `cargo run` serves them
//! with no build step: `/widget.js`, the loader a website's snippet names, and
//! `/widget-app.js`, the chat app the loader fetches only when the visitor opens the widget.
//! Both are built from `widget/src` into `widget/dist` (tests/widget_bundle.rs checks that
//! the committed files are a fresh build).

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::auth::CurrentUser;
use crate::actors::Engine;
use crate::domain::user::Role;
use crate::domain::website::WebsiteKey;
use crate::error::AppError;

const LOADER: &[u8] = include_bytes!("../../widget/dist/widget.js");
const APP: &[u8] = include_bytes!("../../widget/dist/widget-app.js");

/// The loader's address is pasted into pages and never changes, so browsers keep it briefly
/// and then revalidate with its ETag; a new engine's loader is picked up within minutes.
const LOADER_CACHE: &str = "public, max-age=300";
/// The loader asks for the app with its content hash in the query (`?v=`), so an app address
/// always names the same bytes and may be kept for a year.
const APP_CACHE: &str = "public, max-age=31536000, immutable";

fn etag(bytes: &[u8], cell: &'static OnceLock<String>) -> &'static str {
    cell.get_or_init(|| {
        let digest = Sha256::digest(bytes);
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("\"{hex}\"")
    })
}

pub async fn loader(engine: web::Data<Engine>, req: HttpRequest) -> HttpResponse {
    static ETAG: OnceLock<String> = OnceLock::new();
    serve(&engine, &req, LOADER, etag(LOADER, &ETAG), LOADER_CACHE)
}

pub async fn app(engine: web::Data<Engine>, req: HttpRequest) -> HttpResponse {
    static ETAG: OnceLock<String> = OnceLock::new();
    serve(&engine, &req, APP, etag(APP, &ETAG), APP_CACHE)
}

/// A script any page may include with `<script src>` (no CORS needed for that); a page of a
/// website's allowed domains (R2) may also fetch it with CORS (a preload, a module import).
fn serve(
    engine: &Engine,
    req: &HttpRequest,
    body: &'static [u8],
    etag: &'static str,
    cache: &'static str,
) -> HttpResponse {
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .insert_header((header::VARY, "Origin"));
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    if let Some(origin) = origin.filter(|o| engine.origin_allowed(None, o)) {
        response.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin));
    }
    if fresh {
        return response.finish();
    }
    response
        .content_type("text/javascript; charset=utf-8")
        .body(body)
}

/// `GET /widget-demo?website=KEY`: a page of a website with its snippet, to see the widget by
/// hand (`cargo run`, then this page for the demo website, which allows `127.0.0.1`). An
/// invitation link's `invitation=` (R37) may be added to the query. Not part of the protocol.
pub async fn demo_page(query: web::Query<DemoQuery>) -> HttpResponse {
    // Only a well-formed key goes into the page, so nothing the query holds becomes markup.
    let key = query
        .website
        .as_deref()
        .and_then(|k| WebsiteKey::parse(k).ok())
        .map_or_else(|| "demo".to_owned(), |k| k.as_str().to_owned());
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", DEMO_CSP))
        .body(DEMO_PAGE.replace("{key}", &key))
}

#[derive(serde::Deserialize)]
pub struct DemoQuery {
    website: Option<String>,
}

/// The widget's script comes from here, and it injects its styles into its shadow root.
const DEMO_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; \
    connect-src 'self'; base-uri 'none'; form-action 'none'";

const DEMO_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Widget demo</title></head>
<body><main><h1>A page of website "{key}"</h1>
<p>The chat widget is the button in the corner. The playground at <a href="/">/</a> has an agent to answer.</p></main>
<script async src="/widget.js" data-website="{key}"></script></body></html>
"#;

/// `GET /admin/widget-preview?website=KEY`: R14, R60, R62, the console's live preview, for
/// admins. The page runs the real widget in preview mode (`data-preview="console"`): it draws
/// the unsaved appearance and forms that the console (its parent frame, same origin) posts to
/// it, and never starts a chat or sends a message. Only the console may frame it.
pub async fn preview_page(
    user: CurrentUser,
    query: web::Query<DemoQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_role(&[Role::Admin])?;
    let key = query
        .website
        .as_deref()
        .and_then(|k| WebsiteKey::parse(k).ok())
        .map_or_else(|| "new".to_owned(), |k| k.as_str().to_owned());
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", PREVIEW_CSP))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(PREVIEW_PAGE.replace("{key}", &key)))
}

/// As the demo page's, and only the console's own pages may frame it.
const PREVIEW_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

const PREVIEW_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Widget preview</title></head>
<body style="margin:0;min-height:100vh;background:#f3f4f6">
<script async src="/widget.js" data-website="{key}" data-preview="console"></script></body></html>
"#;
