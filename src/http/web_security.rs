//! Issue 10, web security: the CSRF check on the dashboards' state-changing requests and the
//! security headers on every answer.
//!
//! CSRF: a request that authenticates with the session cookie (no `Authorization: Bearer`)
//! and changes something (POST, PUT, PATCH, DELETE) must show it comes from the engine's own
//! pages: its `Origin` is the engine's (the request's host, or `server.public_url`); a request
//! without `Origin` must carry `X-Requested-With`, a header no cross-site form or simple
//! request can send (it makes a cross-site `fetch` preflight, which the engine never grants
//! outside the widget's endpoints). A custom header rather than a double-submit token: the
//! cookie is HttpOnly and SameSite=Strict already, browsers send `Origin` on every
//! state-changing request, and a header needs no token state in the page. `Sec-Fetch-Site:
//! cross-site` is refused outright. The widget's endpoints authenticate with the chat's
//! token, never the cookie, and are not checked, except a chat-file upload, which an agent
//! makes with the cookie.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};

use super::agent::is_same_origin;
use super::audit::is_state_changing;
use super::auth::SESSION_COOKIE;
use super::cors::is_visitor_path;
use crate::actors::Engine;
use crate::error::AppError;

/// The header the admin app sends with every request (`admin-ui/src/shared/api.ts`).
pub const CSRF_HEADER: &str = "x-requested-with";

/// What the CSRF check looks at in a request.
pub struct CsrfFacts<'a> {
    pub origin: Option<&'a str>,
    /// The request's `Host`.
    pub host: &'a str,
    /// `server.public_url`, may be empty.
    pub public_url: &'a str,
    pub sec_fetch_site: Option<&'a str>,
    pub custom_header: bool,
}

/// Whether a cookie-authenticated state-changing request is from the engine's own pages.
pub fn same_site_request(facts: &CsrfFacts<'_>) -> bool {
    if facts.sec_fetch_site == Some("cross-site") {
        return false;
    }
    match facts.origin {
        Some(origin) => {
            let public = facts.public_url.trim().trim_end_matches('/');
            is_same_origin(origin, facts.host)
                || (!public.is_empty() && origin.eq_ignore_ascii_case(public))
        }
        None => facts.custom_header,
    }
}

/// `/api/v1/chats/{chat_id}/attachments`: a widget endpoint that an agent's session may call too.
fn is_chat_file_upload(path: &str) -> bool {
    path.strip_prefix("/api/v1/chats/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, endpoint)| endpoint == "attachments")
}

fn cookie_authenticated(req: &ServiceRequest) -> bool {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    !bearer && req.cookie(SESSION_COOKIE).is_some()
}

/// Refuses a cross-site state-changing request that the session cookie would authenticate
/// with `403 csrf_refused`, before any handler runs.
pub async fn csrf_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let checked = is_state_changing(req.method())
        && (!is_visitor_path(req.path()) || is_chat_file_upload(req.path()))
        && cookie_authenticated(&req);
    if checked {
        let text = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        let public_url = req
            .app_data::<web::Data<Engine>>()
            .map(|engine| engine.settings().server.public_url.clone())
            .unwrap_or_default();
        let host = req.connection_info().host().to_owned();
        let facts = CsrfFacts {
            origin: text("origin"),
            host: &host,
            public_url: &public_url,
            sec_fetch_site: text("sec-fetch-site"),
            custom_header: text(CSRF_HEADER).is_some_and(|v| !v.is_empty()),
        };
        if !same_site_request(&facts) {
            tracing::warn!(path = req.path(), origin = ?facts.origin, "cross-site request refused");
            let refusal = AppError::CsrfRefused.error_response();
            return Ok(req.into_response(refusal).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// No camera, microphone, location or payment for any page of the engine.
const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/// What an answer without its own policy may do: nothing (JSON and files are not pages).
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// A year, the usual HSTS lifetime.
const HSTS: &str = "max-age=31536000";

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// The security headers every answer carries (pages set their own Content-Security-Policy;
/// the others get one that allows nothing): `X-Content-Type-Options: nosniff`,
/// `Referrer-Policy: same-origin`, `Permissions-Policy`, `X-Frame-Options` matching the
/// policy's `frame-ancestors` (SAMEORIGIN for a page the console may frame, such as the widget
/// preview, else DENY), and `Strict-Transport-Security` when served over TLS.
pub fn add_security_headers(headers: &mut HeaderMap, tls: bool) {
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::REFERRER_POLICY, "same-origin");
    set_default(
        headers,
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    );
    set_default(headers, header::CONTENT_SECURITY_POLICY, DEFAULT_CSP);
    let framed_by_self = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|csp| csp.contains("frame-ancestors 'self'"));
    let frame_options = if framed_by_self { "SAMEORIGIN" } else { "DENY" };
    set_default(headers, header::X_FRAME_OPTIONS, frame_options);
    if tls {
        set_default(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
}

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let configured_tls = req
        .app_data::<web::Data<Engine>>()
        .is_some_and(|engine| engine.settings().server.served_over_tls());
    let tls = configured_tls || req.connection_info().scheme() == "https";
    let mut response = next.call(req).await?;
    add_security_headers(response.headers_mut(), tls);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(origin: Option<&'a str>, custom_header: bool) -> CsrfFacts<'a> {
        CsrfFacts {
            origin,
            host: "chat.example.com",
            public_url: "https://support.example.com/",
            sec_fetch_site: None,
            custom_header,
        }
    }

    #[test]
    fn only_the_engines_own_origin_passes() {
        assert!(same_site_request(&facts(
            Some("https://chat.example.com"),
            false
        )));
        assert!(same_site_request(&facts(
            Some("https://support.example.com"),
            false
        )));
        assert!(!same_site_request(&facts(
            Some("https://evil.example"),
            true
        )));
        assert!(!same_site_request(&facts(Some("null"), true)));
    }

    #[test]
    fn without_origin_the_custom_header_is_required() {
        assert!(same_site_request(&facts(None, true)));
        assert!(!same_site_request(&facts(None, false)));
        let cross = CsrfFacts {
            sec_fetch_site: Some("cross-site"),
            ..facts(Some("https://chat.example.com"), true)
        };
        assert!(!same_site_request(&cross));
    }

    #[test]
    fn an_agents_chat_file_upload_is_checked_among_the_widgets_paths() {
        assert!(is_chat_file_upload("/api/v1/chats/4/attachments"));
        assert!(!is_chat_file_upload("/api/v1/chats/4/attachments/ab"));
        assert!(!is_chat_file_upload("/api/v1/chats/4/end"));
        assert!(!is_chat_file_upload("/api/v1/websites/demo/chats"));
    }

    #[test]
    fn headers_follow_the_pages_framing_policy() {
        let mut plain = HeaderMap::new();
        add_security_headers(&mut plain, false);
        assert_eq!(plain.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert_eq!(
            plain.get(header::CONTENT_SECURITY_POLICY).unwrap(),
            DEFAULT_CSP
        );
        assert!(plain.get(header::STRICT_TRANSPORT_SECURITY).is_none());
        let mut preview = HeaderMap::new();
        preview.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'self'"),
        );
        add_security_headers(&mut preview, true);
        assert_eq!(preview.get(header::X_FRAME_OPTIONS).unwrap(), "SAMEORIGIN");
        assert_eq!(
            preview.get(header::STRICT_TRANSPORT_SECURITY).unwrap(),
            HSTS
        );
    }
}
