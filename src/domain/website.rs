//! Chat websites: the key shown on agents' tabs and the domains a widget may open chats from.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::RuleError;

/// R57: a short code of at most five characters that identifies a website on agents' tabs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebsiteKey(String);

impl WebsiteKey {
    pub const MAX_CHARS: usize = 5;

    pub fn parse(raw: &str) -> Result<WebsiteKey, RuleError> {
        let key = raw.trim();
        let valid_chars = key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        let len = key.chars().count();
        if len == 0 || len > Self::MAX_CHARS || !valid_chars {
            return Err(RuleError::InvalidWebsiteKey {
                max: Self::MAX_CHARS,
            });
        }
        Ok(WebsiteKey(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WebsiteKey {
    type Error = RuleError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        WebsiteKey::parse(&value)
    }
}

impl From<WebsiteKey> for String {
    fn from(key: WebsiteKey) -> String {
        key.0
    }
}

impl fmt::Display for WebsiteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// R2: may a page served from `origin` (the browser's `Origin` header, `scheme://host[:port]`)
/// open chats on a website that allows `allowed_domains`?
///
/// An entry is a host name (`example.com`: that host on any port), a host with a port
/// (`localhost:8080`: exactly that), a wildcard (`*.example.com`: any subdomain, not the apex),
/// or `*` (any origin; for development only). Comparison ignores ASCII case.
pub fn origin_is_allowed(allowed_domains: &[String], origin: &str) -> bool {
    let Some((host, port)) = host_and_port(origin) else {
        return false;
    };
    allowed_domains.iter().any(|entry| {
        let entry = entry.trim().to_ascii_lowercase();
        if entry == "*" {
            return true;
        }
        let (entry_host, entry_port) = match entry.rsplit_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h.to_owned(), Some(p)),
            _ => (entry.clone(), None),
        };
        if let Some(entry_port) = entry_port {
            if Some(entry_port) != port.as_deref() {
                return false;
            }
        }
        match entry_host.strip_prefix("*.") {
            Some(parent) => host.len() > parent.len() + 1 && host.ends_with(&format!(".{parent}")),
            None => host == entry_host,
        }
    })
}

/// R2: the most domains one website lists.
pub const MAX_ALLOWED_DOMAINS: usize = 50;

/// R2: checks a supervisor's list of allowed domains (the forms `origin_is_allowed` reads) and
/// returns it trimmed and lower-cased. A scheme, a path or an empty entry is refused, so a
/// pasted URL is not silently stored as a domain that never matches.
pub fn parse_allowed_domains(entries: &[String]) -> Result<Vec<String>, RuleError> {
    let invalid = RuleError::InvalidAllowedDomain {
        max: MAX_ALLOWED_DOMAINS,
    };
    if entries.is_empty() || entries.len() > MAX_ALLOWED_DOMAINS {
        return Err(invalid);
    }
    entries
        .iter()
        .map(|entry| {
            let entry = entry.trim().to_ascii_lowercase();
            if entry == "*" {
                return Ok(entry);
            }
            let (host, port) = match entry.strip_prefix('[') {
                Some(v6) => match v6.split_once(']') {
                    Some((inner, "")) => (format!("[{inner}]"), None),
                    Some((inner, after)) => (
                        format!("[{inner}]"),
                        Some(after.strip_prefix(':').unwrap_or("x")),
                    ),
                    None => return Err(invalid.clone()),
                },
                None => match entry.rsplit_once(':') {
                    Some((host, port)) => (host.to_owned(), Some(port)),
                    None => (entry.clone(), None),
                },
            };
            let port_ok = port.is_none_or(|p| {
                !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit())
            });
            let name = host.strip_prefix("*.").unwrap_or(&host);
            let name_ok = if let Some(v6) = name.strip_prefix('[') {
                v6.strip_suffix(']').is_some_and(|inner| {
                    !inner.is_empty() && inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':')
                })
            } else {
                !name.is_empty()
                    && name.len() <= 253
                    && name.split('.').all(|label| {
                        !label.is_empty()
                            && label.len() <= 63
                            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    })
            };
            if port_ok && name_ok {
                Ok(entry)
            } else {
                Err(invalid.clone())
            }
        })
        .collect()
}

/// R59: the most concurrent sessions a website may be limited to; 0 means no limit.
pub const MAX_SESSION_CAP: i32 = 100_000;

/// R59: checks a website's maximum of concurrent (queued or active) chats.
pub fn parse_session_cap(cap: i64) -> Result<i32, RuleError> {
    match i32::try_from(cap) {
        Ok(cap) if (0..=MAX_SESSION_CAP).contains(&cap) => Ok(cap),
        _ => Err(RuleError::InvalidSessionCap {
            max: MAX_SESSION_CAP,
        }),
    }
}

/// Splits an origin into its lower-cased host and its explicit port, if any.
fn host_and_port(origin: &str) -> Option<(String, Option<String>)> {
    let rest = origin.trim().split_once("://").map(|(_, rest)| rest)?;
    let authority = rest.split('/').next()?.to_ascii_lowercase();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = after.strip_prefix(':').map(str::to_owned);
        return Some((format!("[{host}]"), port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_owned(), Some(port.to_owned()))),
        None => Some((authority, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn website_key_has_at_most_five_characters_r57() {
        assert_eq!(WebsiteKey::parse("shop").unwrap().as_str(), "shop");
        assert_eq!(WebsiteKey::parse(" ab-1 ").unwrap().as_str(), "ab-1");
        assert!(WebsiteKey::parse("shop12").is_err());
        assert!(WebsiteKey::parse("").is_err());
        assert!(WebsiteKey::parse("a b").is_err());
        assert!(WebsiteKey::parse("<x>").is_err());
    }

    #[test]
    fn plain_domain_matches_its_host_on_any_port_r2() {
        let allowed = domains(&["example.com"]);
        assert!(origin_is_allowed(&allowed, "https://example.com"));
        assert!(origin_is_allowed(&allowed, "http://EXAMPLE.com:8080"));
        assert!(!origin_is_allowed(&allowed, "https://evil-example.com"));
        assert!(!origin_is_allowed(&allowed, "https://example.com.evil.org"));
        assert!(!origin_is_allowed(&allowed, "https://shop.example.com"));
    }

    #[test]
    fn domain_with_port_matches_only_that_port_r2() {
        let allowed = domains(&["localhost:8080"]);
        assert!(origin_is_allowed(&allowed, "http://localhost:8080"));
        assert!(!origin_is_allowed(&allowed, "http://localhost:9090"));
        assert!(!origin_is_allowed(&allowed, "http://localhost"));
    }

    #[test]
    fn wildcard_matches_subdomains_but_not_the_apex_r2() {
        let allowed = domains(&["*.example.com"]);
        assert!(origin_is_allowed(&allowed, "https://shop.example.com"));
        assert!(origin_is_allowed(&allowed, "https://a.b.example.com"));
        assert!(!origin_is_allowed(&allowed, "https://example.com"));
        assert!(!origin_is_allowed(&allowed, "https://badexample.com"));
    }

    #[test]
    fn allowed_domains_are_host_names_wildcards_or_ports_r2() {
        let parsed = parse_allowed_domains(&domains(&[
            " Shop.Example.com ",
            "*.example.com",
            "localhost:8080",
            "*",
            "[::1]",
            "127.0.0.1",
        ]))
        .unwrap();
        assert_eq!(parsed[0], "shop.example.com");
        assert_eq!(parsed.len(), 6);
        for bad in [
            "https://example.com",
            "example.com/path",
            "",
            "exa mple.com",
            "example.com:",
            "example.com:http",
            "a..b",
            "<x>",
        ] {
            assert!(parse_allowed_domains(&domains(&[bad])).is_err(), "{bad}");
        }
        assert!(parse_allowed_domains(&[]).is_err());
        let many: Vec<String> = (0..=MAX_ALLOWED_DOMAINS)
            .map(|i| format!("h{i}.com"))
            .collect();
        assert!(parse_allowed_domains(&many).is_err());
    }

    #[test]
    fn session_cap_is_zero_for_no_limit_up_to_the_maximum_r59() {
        assert_eq!(parse_session_cap(0).unwrap(), 0);
        assert_eq!(parse_session_cap(25).unwrap(), 25);
        assert!(parse_session_cap(-1).is_err());
        assert!(parse_session_cap(i64::from(MAX_SESSION_CAP) + 1).is_err());
    }

    #[test]
    fn garbage_origins_are_refused_r2() {
        let allowed = domains(&["example.com"]);
        for origin in [
            "",
            "null",
            "example.com",
            "https://",
            "https://user@example.com",
        ] {
            assert!(!origin_is_allowed(&allowed, origin), "{origin}");
        }
        assert!(origin_is_allowed(&domains(&["*"]), "https://anything.test"));
        assert!(!origin_is_allowed(&[], "https://example.com"));
    }
}
