//! HTTP: routes, authentication and the WebSocket sockets. Handlers only parse, authenticate
//! and hand over to actors or the store.

pub mod admin;
pub mod admin_ui;
pub mod agent;
pub mod agent_socket;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod away_reasons;
pub mod bans;
pub mod chat_logs;
pub mod cors;
pub mod endpoints;
pub mod invitations;
pub mod limits;
pub mod members;
pub mod metrics;
pub mod monitor;
pub mod offline_messages;
pub mod offline_review;
pub mod openapi;
pub mod predefined;
pub mod preview;
pub mod queues;
pub mod reports;
pub mod request_id;
pub mod retention;
pub mod review;
pub mod shape;
pub mod socket;
pub mod supervisor;
pub mod transfer;
pub mod unmanaged;
pub mod users;
pub mod visitor;
pub mod visitor_context;
pub mod visitor_socket;
pub mod web_security;
pub mod website_settings;
pub mod website_socket;
pub mod websites;
pub mod widget_files;
pub mod wrap_up;

use actix_web::{web, HttpResponse};

use crate::actors::Engine;
use crate::error::AppError;

/// Largest JSON body accepted by any endpoint.
const MAX_JSON_BYTES: usize = 64 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(MAX_JSON_BYTES)
            .error_handler(|err, _req| AppError::InvalidBody(err.to_string()).into()),
    )
    .app_data(
        web::QueryConfig::default()
            .error_handler(|err, _req| AppError::InvalidInput(err.to_string()).into()),
    )
    .app_data(
        web::PathConfig::default()
            .error_handler(|err, _req| AppError::InvalidInput(err.to_string()).into()),
    )
    .route("/", web::get().to(playground))
    .configure(admin_ui::routes)
    .route("/widget.js", web::get().to(widget_files::loader))
    .route("/widget-app.js", web::get().to(widget_files::app))
    .route("/widget-demo", web::get().to(widget_files::demo_page))
    .route(
        "/admin/widget-preview",
        web::get().to(widget_files::preview_page),
    )
    .configure(|cfg| {
        // Issue 10: the API's routes come from the one table that also writes the OpenAPI
        // document, so neither can have a route the other lacks.
        let api = endpoints::register(cfg, web::scope(endpoints::API_PREFIX));
        cfg.service(
            api.wrap(actix_web::middleware::from_fn(audit::record))
                .wrap(actix_web::middleware::from_fn(web_security::csrf_guard))
                .wrap(actix_web::middleware::from_fn(cors::visitor_cors)),
        );
    })
    .default_service(web::to(not_found));
}

/// A page to try the engine by hand: a visitor and an agent side by side over the real
/// protocol. The widget and the dashboards are separate front ends; this is not them.
async fn playground() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", PLAYGROUND_CSP))
        .body(include_str!("playground.html"))
}

/// The playground's script and style are inline; nothing else may load.
const PLAYGROUND_CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; \
    style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Issue 10: ready when the engine is not stopping, the store answers and every migration
/// this build knows is applied (a store another engine version migrated further is ready
/// too, if compatible).
async fn readyz(engine: web::Data<Engine>) -> HttpResponse {
    let unready = |status: &str, detail: String| {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": status, "detail": detail }))
    };
    // Issue 10: a stopping engine leaves the load balancer's rotation first of all.
    if engine.is_draining() {
        let detail = "the engine is stopping; its clients reconnect elsewhere".to_owned();
        return unready("shutting_down", detail);
    }
    if !engine.db().ping().await {
        return unready("store_unreachable", "the store does not answer".to_owned());
    }
    match engine.db().pending_migrations().await {
        Ok(0) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Ok(n) => unready(
            "migrations_pending",
            format!("{n} migration(s) not applied"),
        ),
        Err(e) => unready("store_unreachable", e.to_string()),
    }
}

async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::EndpointNotFound)
}
