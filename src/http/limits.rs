//! Issue 10: applying the abuse limits (`crate::limits`) to requests: who the client is, and
//! the checks each visitor or login endpoint makes before doing anything.

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::actors::Engine;
use crate::error::AppError;
use crate::limits::{Kind, Limits, SocketSlot};

/// The client's IP address: the peer's, unless the peer is one of `trusted` proxies; then the
/// rightmost address of `X-Forwarded-For` that is not itself a trusted proxy (the leftmost
/// ones are whatever the client chose to send).
pub fn client_ip(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer),
    )
}

/// The limits as they apply to one request.
pub struct RequestLimits<'a> {
    limits: &'a Limits,
    ip: Option<IpAddr>,
}

impl<'a> RequestLimits<'a> {
    pub fn of(engine: &'a Engine, req: &HttpRequest) -> RequestLimits<'a> {
        RequestLimits {
            limits: engine.limits(),
            ip: client_ip(req, &engine.settings().server.trusted_proxies),
        }
    }

    fn exempt(&self) -> bool {
        self.ip.is_some_and(|ip| self.limits.exempt(ip))
    }

    /// Counts the request against `kind` for the client's IP address.
    pub fn per_ip(&self, kind: Kind) -> Result<(), AppError> {
        let key = self
            .ip
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        self.per_key(kind, &key)
    }

    /// Counts the request against `kind` for `key` (a visitor, a chat, a username).
    pub fn per_key(&self, kind: Kind, key: &str) -> Result<(), AppError> {
        if self.exempt() {
            return Ok(());
        }
        self.limits.hit(kind, key)
    }

    /// A slot for one more open socket of the client's IP address.
    pub fn socket_slot(&self) -> Result<Option<SocketSlot>, AppError> {
        match self.ip {
            Some(ip) => self.limits.socket_slot(ip).map(Some),
            None => Ok(None),
        }
    }
}
