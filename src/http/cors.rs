//! CORS for the visitor endpoints, so the widget works on a page served from another origin:
//! a website's allowed domains (R2) may call its endpoints; nobody else gets CORS headers. The
//! widget authenticates with a Bearer token, never a cookie, so credentials are not allowed.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use crate::actors::Engine;
use crate::domain::website::WebsiteKey;

/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// The website a visitor path belongs to, if the path names one.
fn website_of(path: &str) -> Option<WebsiteKey> {
    let rest = path.strip_prefix("/api/v1/websites/")?;
    WebsiteKey::parse(rest.split('/').next()?).ok()
}

/// The widget's endpoints: a website's config, chat start, socket, uploads and offline
/// messages, and a chat's events, end, socket, left message (R78), transcript (R86) and files
/// (R40).
/// Supervisor endpoints under `/api/v1/chats/` (routing, log) and `/api/v1/websites/` (a
/// website's settings) are not among them.
pub(crate) fn is_visitor_path(path: &str) -> bool {
    let chat_endpoint = path.starts_with("/api/v1/chats/")
        && ["/events", "/end", "/ws", "/left-message", "/transcript"]
            .iter()
            .any(|end| path.ends_with(end));
    // R40: a chat's files, uploaded and downloaded by its visitor too.
    let attachment_endpoint = path
        .strip_prefix("/api/v1/chats/")
        .map(|rest| rest.split('/').collect::<Vec<_>>())
        .is_some_and(|parts| {
            matches!(parts.as_slice(), [_, "attachments"] | [_, "attachments", _])
        });
    let website_endpoint = path
        .strip_prefix("/api/v1/websites/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, endpoint)| {
            ["config", "chats", "uploads", "offline-messages"].contains(&endpoint)
        });
    website_endpoint || chat_endpoint || attachment_endpoint
}

pub async fn visitor_cors(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let path = req.path().to_owned();
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let allowed = match (&origin, req.app_data::<web::Data<Engine>>()) {
        (Some(origin), Some(engine)) if is_visitor_path(&path) => {
            let website = website_of(&path);
            engine
                .origin_allowed(website.as_ref(), origin)
                .then(|| origin.clone())
        }
        _ => None,
    };
    if req.method() == Method::OPTIONS && is_visitor_path(&path) {
        let mut preflight = HttpResponse::NoContent();
        if let Some(origin) = &allowed {
            preflight
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.as_str()))
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"))
                .insert_header((
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "authorization, content-type",
                ))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE));
        }
        preflight.insert_header((header::VARY, "Origin"));
        return Ok(req.into_response(preflight.finish()).map_into_right_body());
    }
    let mut response = next.call(req).await?;
    if let Some(origin) = allowed.and_then(|o| HeaderValue::from_str(&o).ok()) {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    Ok(response.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitor_paths_name_their_website() {
        assert_eq!(
            website_of("/api/v1/websites/demo/chats").map(|k| k.to_string()),
            Some("demo".to_owned())
        );
        assert_eq!(website_of("/api/v1/chats/4/events"), None);
        assert!(is_visitor_path("/api/v1/chats/4/events"));
        assert!(!is_visitor_path("/api/v1/auth/login"));
        assert!(!is_visitor_path("/api/v1/chats/4/routing"));
        assert!(is_visitor_path("/api/v1/chats/4/left-message"));
        assert!(is_visitor_path("/api/v1/chats/4/transcript"));
        assert!(!is_visitor_path("/api/v1/chats/4/log"));
        assert!(is_visitor_path("/api/v1/chats/4/attachments"));
        assert!(is_visitor_path("/api/v1/chats/4/attachments/ab"));
        assert!(!is_visitor_path("/api/v1/chats/4/attachments/ab/x"));
        assert!(is_visitor_path("/api/v1/websites/demo/uploads"));
        assert!(is_visitor_path("/api/v1/websites/demo/offline-messages"));
        assert!(!is_visitor_path("/api/v1/websites/demo/forms"));
        assert!(!is_visitor_path("/api/v1/websites/demo/chats/x"));
    }
}
