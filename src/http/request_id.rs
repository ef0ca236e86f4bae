//! Issue 10: every HTTP response carries an `X-Request-Id`, and the request's log lines carry
//! it as `request_id`: a valid id the client (or a proxy) sent is kept, otherwise a new one is
//! made. A support ticket that quotes the id finds the request's lines in the log.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use rand::Rng;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// An incoming id is kept when it is 1 to 64 characters of letters, digits, `.`, `_`, `-`
/// (what proxies and tracing systems send), so nothing odd reaches the logs.
pub fn is_acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A new id: 16 random bytes in hex.
pub fn new_id() -> String {
    let bytes: [u8; 16] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The middleware (wraps the whole app).
pub async fn tag(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_acceptable(v))
        .map_or_else(new_id, str::to_owned);
    let span = tracing::info_span!(
        "http",
        request_id = %id,
        method = %req.method(),
        path = %req.path()
    );
    let mut response = next.call(req).instrument(span).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incoming_ids_are_kept_only_when_plain_and_short() {
        assert!(is_acceptable("abc-123_x.y"));
        assert!(is_acceptable(&"a".repeat(64)));
        assert!(!is_acceptable(""));
        assert!(!is_acceptable(&"a".repeat(65)));
        assert!(!is_acceptable("a b"));
        assert!(!is_acceptable("a\nb"));
        assert!(!is_acceptable("<script>"));
    }

    #[test]
    fn new_ids_are_32_hex_digits_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(is_acceptable(&a));
        assert_ne!(a, b);
    }
}
