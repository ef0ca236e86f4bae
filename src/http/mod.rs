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
pub mod invitations;
pub mod limits;
pub mod members;
pub mod metrics;
pub mod monitor;
pub mod offline_messages;
pub mod offline_review;
pub mod predefined;
pub mod preview;
pub mod queues;
pub mod reports;
pub mod request_id;
pub mod shape;
pub mod retention;
pub mod review;
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
    .route("/healthz", web::get().to(healthz))
    .route("/readyz", web::get().to(readyz))
    .route("/metrics", web::get().to(metrics::scrape))
    .service(
        web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(audit::record))
            .wrap(actix_web::middleware::from_fn(web_security::csrf_guard))
            .wrap(actix_web::middleware::from_fn(cors::visitor_cors))
            .route("/auth/login", web::post().to(auth::login))
            .route("/auth/logout", web::post().to(auth::logout))
            .route("/auth/me", web::get().to(auth::me))
            .route("/agent/ws", web::get().to(agent::socket))
            .route(
                "/websites/{key}/config",
                web::get().to(visitor::public_config),
            )
            .route("/websites", web::get().to(websites::list))
            .route("/websites", web::post().to(websites::create))
            .route("/websites/{key}", web::get().to(websites::show))
            .route("/websites/{key}", web::put().to(websites::update))
            .route("/websites/{key}", web::delete().to(websites::delete))
            .route(
                "/websites/{key}/unmanaged",
                web::get().to(website_settings::unmanaged),
            )
            .route(
                "/websites/{key}/unmanaged",
                web::put().to(website_settings::set_unmanaged),
            )
            .route("/websites/{key}/chats", web::post().to(visitor::start_chat))
            .route("/websites/{key}/ws", web::get().to(visitor::website_socket))
            .route(
                "/websites/{key}/uploads",
                web::post().to(offline_messages::upload),
            )
            .route(
                "/websites/{key}/offline-messages",
                web::post().to(offline_messages::submit),
            )
            .route(
                "/websites/{key}/forms",
                web::get().to(website_settings::forms),
            )
            .route(
                "/websites/{key}/forms",
                web::put().to(website_settings::set_forms),
            )
            .route(
                "/websites/{key}/offline-options",
                web::get().to(website_settings::offline_options),
            )
            .route(
                "/websites/{key}/offline-options",
                web::put().to(website_settings::set_offline_options),
            )
            .route(
                "/websites/{key}/contact-mapping",
                web::get().to(website_settings::contact_mapping),
            )
            .route(
                "/websites/{key}/contact-mapping",
                web::put().to(website_settings::set_contact_mapping),
            )
            .route(
                "/review/offline-messages",
                web::get().to(offline_review::list),
            )
            .route(
                "/review/offline-messages/{id}",
                web::get().to(offline_review::get),
            )
            .route(
                "/review/offline-messages/{id}/attachments/{upload_id}",
                web::get().to(offline_review::attachment),
            )
            .route(
                "/review/offline-messages/{id}/close",
                web::post().to(offline_review::close),
            )
            .route(
                "/review/offline-messages/{id}/reply",
                web::post().to(offline_review::reply),
            )
            .route("/chats/{chat_id}/events", web::get().to(visitor::events))
            .route("/chats/{chat_id}/end", web::post().to(visitor::end_chat))
            .route("/chats/{chat_id}/ws", web::get().to(visitor::socket))
            .route(
                "/chats/{chat_id}/attachments",
                web::post().to(attachments::upload),
            )
            .route(
                "/chats/{chat_id}/attachments/{attachment_id}",
                web::get().to(attachments::download),
            )
            .route(
                "/chats/{chat_id}/left-message",
                web::post().to(unmanaged::leave_message),
            )
            .route(
                "/chats/{chat_id}/transcript",
                web::post().to(unmanaged::request_transcript),
            )
            .route("/chats/{chat_id}/log", web::get().to(chat_logs::log))
            .route("/chat-logs", web::get().to(chat_logs::list))
            .route("/chat-logs.csv", web::get().to(chat_logs::export_csv))
            .route("/left-messages", web::get().to(unmanaged::left_messages))
            .route("/review/chats", web::get().to(review::list))
            .route("/review/chats/{chat_id}", web::get().to(review::detail))
            .route(
                "/review/chats/{chat_id}/close",
                web::post().to(review::close),
            )
            .route(
                "/review/chats/{chat_id}/reply",
                web::post().to(review::reply),
            )
            .route(
                "/chats/{chat_id}/routing",
                web::get().to(supervisor::routing),
            )
            .route("/invitation-codes", web::post().to(invitations::create))
            .route("/invitation-codes", web::get().to(invitations::list))
            .route(
                "/invitation-codes/{code}",
                web::delete().to(invitations::revoke),
            )
            .route(
                "/queues/{queue_id}/opening-hours",
                web::get().to(queues::opening_hours),
            )
            .route(
                "/queues/{queue_id}/opening-hours",
                web::put().to(queues::set_opening_hours),
            )
            .route(
                "/queues/{queue_id}/routing-rules",
                web::get().to(queues::routing_rules),
            )
            .route(
                "/queues/{queue_id}/routing-rules",
                web::put().to(queues::set_routing_rules),
            )
            .route("/away-reasons", web::get().to(away_reasons::list))
            .route("/away-reasons", web::post().to(away_reasons::create))
            .route(
                "/away-reasons/{reason_id}",
                web::patch().to(away_reasons::change),
            )
            .route("/wrap-up-reasons", web::get().to(wrap_up::list))
            .route("/wrap-up-reasons", web::post().to(wrap_up::create))
            .route(
                "/wrap-up-reasons/{reason_id}",
                web::patch().to(wrap_up::change),
            )
            .route(
                "/queues/{queue_id}/wrap-up",
                web::get().to(wrap_up::queue_settings),
            )
            .route(
                "/queues/{queue_id}/wrap-up",
                web::put().to(wrap_up::set_queue_settings),
            )
            .route("/queues", web::get().to(queues::list))
            .route("/queues", web::post().to(queues::create))
            .route("/queues/{queue_id}", web::delete().to(queues::delete))
            .route(
                "/queues/{queue_id}/leave-message",
                web::get().to(queues::leave_message),
            )
            .route(
                "/queues/{queue_id}/leave-message",
                web::put().to(queues::set_leave_message),
            )
            .route("/agents", web::get().to(members::chat_takers))
            .route("/queues/{queue_id}/members", web::get().to(members::list))
            .route(
                "/queues/{queue_id}/members/{user_id}",
                web::put().to(members::put),
            )
            .route(
                "/queues/{queue_id}/members/{user_id}",
                web::delete().to(members::delete),
            )
            .route(
                "/agents/{user_id}/capacity",
                web::put().to(members::put_capacity),
            )
            .route("/transfer-targets", web::get().to(transfer::list))
            .route("/predefined-messages", web::get().to(predefined::list))
            .route("/predefined-messages", web::post().to(predefined::create))
            .route(
                "/predefined-messages/{id}",
                web::put().to(predefined::update),
            )
            .route(
                "/predefined-messages/{id}",
                web::delete().to(predefined::delete),
            )
            .route(
                "/websites/{key}/identity",
                web::get().to(website_settings::identity),
            )
            .route(
                "/websites/{key}/identity",
                web::put().to(website_settings::set_identity),
            )
            .route(
                "/websites/{key}/identity/secret",
                web::post().to(website_settings::new_identity_secret),
            )
            .route(
                "/chats/{chat_id}/visitor",
                web::patch().to(visitor_context::edit_visitor),
            )
            .route(
                "/chats/{chat_id}/contact",
                web::put().to(visitor_context::link_contact),
            )
            .route(
                "/chats/{chat_id}/contact",
                web::post().to(visitor_context::create_contact),
            )
            .route("/contacts", web::get().to(visitor_context::search_contacts))
            .route(
                "/chats/{chat_id}/notes",
                web::get().to(visitor_context::notes),
            )
            .route(
                "/chats/{chat_id}/notes",
                web::post().to(visitor_context::add_note),
            )
            .route("/chats/{chat_id}/ban", web::post().to(bans::ban))
            .route(
                "/chats/{chat_id}/erase-visitor",
                web::post().to(retention::erase_visitor),
            )
            .route("/bans", web::get().to(bans::list))
            .route("/bans/{ban_id}", web::delete().to(bans::lift))
            .route("/options", web::get().to(admin::options))
            .route("/options", web::put().to(admin::set_options))
            .route("/users", web::get().to(users::list))
            .route("/users", web::post().to(users::create))
            .route("/users/{user_id}", web::patch().to(users::change))
            .route(
                "/users/{user_id}/password",
                web::post().to(users::set_password),
            )
            .route("/audit-log", web::get().to(audit::list))
            .route("/monitor/ws", web::get().to(monitor::socket))
            .route("/reports", web::get().to(reports::json))
            .route("/reports.csv", web::get().to(reports::csv)),
    )
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

/// Issue 10: ready when the store answers and every migration this build knows is applied
/// (a store another engine version migrated further is ready too, if compatible).
async fn readyz(engine: web::Data<Engine>) -> HttpResponse {
    let unready = |status: &str, detail: String| {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": status, "detail": detail }))
    };
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
