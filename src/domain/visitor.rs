//! What agents are told about a visitor besides the name (R34, R35, R54, R90): language,
//! browser and operating system, the page the visitor is on, and a stable identity that ties a
//! visitor's sessions on one website together. Every value here comes from the visitor's
//! browser, so each is parsed into a type that can only hold a bounded, plain value.

use serde::{Deserialize, Serialize};

use super::RuleError;

/// R12, R34: a visitor's language as a BCP 47 tag (`de`, `en-US`, `zh-Hant-TW`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Language(String);

impl Language {
    pub const MAX_CHARS: usize = 35;

    /// A primary subtag of 2 or 3 letters, then subtags of 1 to 8 letters or digits, joined by
    /// `-` (an `_` is read as `-`). The primary subtag is lower-cased, the rest kept as sent.
    pub fn parse(raw: &str) -> Result<Language, RuleError> {
        let tag = raw.trim().replace('_', "-");
        let invalid = || RuleError::InvalidLanguage {
            max: Self::MAX_CHARS,
        };
        if tag.is_empty() || tag.len() > Self::MAX_CHARS {
            return Err(invalid());
        }
        let mut subtags = tag.split('-');
        let primary = subtags.next().unwrap_or_default();
        if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(invalid());
        }
        let rest_ok = subtags
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()));
        if !rest_ok {
            return Err(invalid());
        }
        let rest = &tag[primary.len()..];
        Ok(Language(format!("{}{rest}", primary.to_ascii_lowercase())))
    }

    /// R12: the browser's language: the first tag of an `Accept-Language` header (its weight
    /// ignored). `None` for `*`, an empty header or a tag that does not parse.
    pub fn from_accept_language(header: &str) -> Option<Language> {
        let first = header.split(',').next()?;
        let tag = first.split(';').next()?.trim();
        Language::parse(tag).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// R54: the address of a page the visitor is on. Only `http` and `https` (never `javascript:`
/// or `data:`, which a dashboard might otherwise turn into a link), with a host, at most
/// 2048 characters, no whitespace or control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PageUrl(String);

impl PageUrl {
    pub const MAX_CHARS: usize = 2048;

    pub fn parse(raw: &str) -> Result<PageUrl, RuleError> {
        let url = raw.trim();
        let invalid = || RuleError::InvalidPageUrl {
            max: Self::MAX_CHARS,
        };
        if url.chars().count() > Self::MAX_CHARS
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid());
        }
        let (scheme, rest) = url.split_once("://").ok_or_else(invalid)?;
        let scheme_ok = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if !scheme_ok || host.is_empty() || host.starts_with(':') {
            return Err(invalid());
        }
        Ok(PageUrl(url.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// R54: the title of a page the visitor is on: plain text, at most 300 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PageTitle(String);

impl PageTitle {
    pub const MAX_CHARS: usize = 300;

    /// Trimmed; a blank title is no title (`None`).
    pub fn parse(raw: &str) -> Result<Option<PageTitle>, RuleError> {
        let title = raw.trim();
        if title.chars().count() > Self::MAX_CHARS {
            return Err(RuleError::PageTitleTooLong {
                max: Self::MAX_CHARS,
            });
        }
        if title.chars().any(char::is_control) {
            return Err(RuleError::ControlCharacters);
        }
        Ok((!title.is_empty()).then(|| PageTitle(title.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// R90: the identity a widget keeps for a visitor (in the browser's storage), so the visitor's
/// earlier sessions on the same website can be found. 16 to 64 ASCII letters, digits, `-` or
/// `_`: long enough that keys made by different widgets do not meet by chance.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VisitorKey(String);

impl VisitorKey {
    pub const MIN_CHARS: usize = 16;
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<VisitorKey, RuleError> {
        let key = raw.trim();
        let valid = (Self::MIN_CHARS..=Self::MAX_CHARS).contains(&key.len())
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(RuleError::InvalidVisitorKey {
                min: Self::MIN_CHARS,
                max: Self::MAX_CHARS,
            });
        }
        Ok(VisitorKey(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A browser and its major version, as read from a `User-Agent` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browser {
    pub name: &'static str,
    /// The major version (`"120"`), when the header states one.
    pub version: Option<String>,
}

/// R34: what a `User-Agent` header says about the visitor's software.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientSoftware {
    pub browser: Option<Browser>,
    pub os: Option<&'static str>,
}

/// Browser tokens, most specific first: Edge, Opera and Samsung Internet also say `Chrome/`,
/// Chrome says `Safari/`, and browsers on iOS say `Safari/` with their own token.
const BROWSER_TOKENS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("OPiOS/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Trident/", "Internet Explorer"),
    ("MSIE ", "Internet Explorer"),
];

/// Operating-system tokens, most specific first: iOS says `like Mac OS X`, Android and
/// ChromeOS say `Linux` or `X11`.
const OS_TOKENS: &[(&str, &str)] = &[
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("iPod", "iOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
    ("X11", "Linux"),
];

/// R34: the browser and operating system a `User-Agent` header names, as far as it can be
/// told; unknown parts are `None`. Only what agents need to help a visitor ("which button do
/// you see?"), not device detection.
pub fn parse_user_agent(user_agent: &str) -> ClientSoftware {
    let browser = BROWSER_TOKENS
        .iter()
        .find_map(|(token, name)| {
            let at = user_agent.find(token)?;
            Some(Browser {
                name,
                version: major_version(&user_agent[at + token.len()..]),
            })
        })
        .or_else(|| {
            // Safari names its own version in `Version/`; `Safari/` is the WebKit build.
            user_agent.contains("Safari/").then(|| Browser {
                name: "Safari",
                version: user_agent
                    .find("Version/")
                    .and_then(|at| major_version(&user_agent[at + "Version/".len()..])),
            })
        });
    let os = OS_TOKENS
        .iter()
        .find(|(token, _)| user_agent.contains(token))
        .map(|(_, name)| *name);
    ClientSoftware { browser, os }
}

/// The leading digits of a version (`"120.0.6099.144 Mobile"` → `"120"`).
fn major_version(rest: &str) -> Option<String> {
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

/// A page the visitor viewed (R35's browsing history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageView {
    pub url: PageUrl,
    pub title: Option<PageTitle>,
}

impl PageView {
    /// At most this many pages are stored per chat: a widget that reports every scroll must
    /// not fill the store.
    pub const MAX_PER_CHAT: i64 = 200;

    pub fn parse(url: &str, title: Option<&str>) -> Result<PageView, RuleError> {
        Ok(PageView {
            url: PageUrl::parse(url)?,
            title: match title {
                Some(title) => PageTitle::parse(title)?,
                None => None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `(user agent, browser, major version, OS)` rows; `""` means unknown.
    fn check(rows: &[(&str, &str, &str, &str)]) {
        for &(ua, browser, version, os) in rows {
            let parsed = parse_user_agent(ua);
            let found = (
                parsed.browser.as_ref().map_or("", |b| b.name),
                parsed
                    .browser
                    .as_ref()
                    .and_then(|b| b.version.as_deref())
                    .unwrap_or_default(),
                parsed.os.unwrap_or_default(),
            );
            assert_eq!(found, (browser, version, os), "{ua}");
        }
    }

    #[test]
    fn chrome_on_every_platform_r34() {
        check(&[
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome", "120", "Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome", "120", "macOS"),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome", "120", "Linux"),
            ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36", "Chrome", "120", "Android"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1", "Chrome", "120", "iOS"),
            ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome", "120", "ChromeOS"),
        ]);
    }

    #[test]
    fn firefox_on_every_platform_r34() {
        check(&[
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox", "121", "Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox", "121", "macOS"),
            ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox", "121", "Linux"),
            ("Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0", "Firefox", "121", "Android"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15", "Firefox", "121", "iOS"),
        ]);
    }

    #[test]
    fn safari_on_macos_and_ios_r34() {
        check(&[
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15", "Safari", "17", "macOS"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "Safari", "17", "iOS"),
            ("Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1", "Safari", "17", "iOS"),
        ]);
    }

    #[test]
    fn edge_on_every_platform_r34() {
        check(&[
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91", "Edge", "120", "Windows"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91", "Edge", "120", "macOS"),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91", "Edge", "120", "Linux"),
            ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 EdgA/120.0.2210.115", "Edge", "120", "Android"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/120.2210.126 Mobile/15E148 Safari/605.1.15", "Edge", "120", "iOS"),
        ]);
    }

    #[test]
    fn other_browsers_and_unknown_agents_r34() {
        check(&[
            ("Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36", "Samsung Internet", "23", "Android"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0", "Opera", "106", "Windows"),
            ("curl/8.4.0", "", "", ""),
            ("", "", "", ""),
        ]);
    }

    #[test]
    fn languages_are_bcp47_tags_r12() {
        assert_eq!(Language::parse("de").unwrap().as_str(), "de");
        assert_eq!(Language::parse(" EN-US ").unwrap().as_str(), "en-US");
        assert_eq!(Language::parse("pt_BR").unwrap().as_str(), "pt-BR");
        assert_eq!(
            Language::parse("zh-Hant-TW").unwrap().as_str(),
            "zh-Hant-TW"
        );
        for bad in ["", "e", "english", "en--US", "en-<b>", "12", "en-abcdefghi"] {
            assert!(Language::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_browser_language_is_the_first_accept_language_tag_r12() {
        let first = |h: &str| Language::from_accept_language(h).map(|l| l.as_str().to_owned());
        assert_eq!(first("de-CH,de;q=0.9,en;q=0.8").as_deref(), Some("de-CH"));
        assert_eq!(first("fr;q=0.7, en").as_deref(), Some("fr"));
        assert_eq!(first("*"), None);
        assert_eq!(first(""), None);
    }

    #[test]
    fn page_urls_are_http_or_https_and_bounded_r54() {
        for good in [
            "https://shop.example.com/checkout?step=2#pay",
            "http://localhost:3000/pricing",
            "HTTPS://example.com",
        ] {
            assert!(PageUrl::parse(good).is_ok(), "{good}");
        }
        let long = format!("https://example.com/{}", "a".repeat(PageUrl::MAX_CHARS));
        for bad in [
            "javascript:alert(1)",
            "data:text/html,hi",
            "ftp://example.com/file",
            "https://",
            "https:///path",
            "//example.com",
            "https://exa mple.com",
            "https://example.com/\u{7}",
            long.as_str(),
        ] {
            assert_eq!(
                PageUrl::parse(bad).unwrap_err().code(),
                "invalid_page_url",
                "{bad}"
            );
        }
    }

    #[test]
    fn page_titles_are_short_plain_text_r54() {
        assert_eq!(
            PageTitle::parse("  Pricing  ").unwrap().unwrap().as_str(),
            "Pricing"
        );
        assert_eq!(PageTitle::parse("   ").unwrap(), None);
        assert_eq!(
            PageTitle::parse(&"x".repeat(301)).unwrap_err().code(),
            "page_title_too_long"
        );
        assert_eq!(
            PageTitle::parse("a\u{0}b").unwrap_err().code(),
            "control_characters"
        );
    }

    #[test]
    fn visitor_keys_are_long_random_looking_tokens_r90() {
        assert!(VisitorKey::parse("v-0123456789abcdef").is_ok());
        assert!(VisitorKey::parse(&"k".repeat(64)).is_ok());
        for bad in [
            "short",
            "",
            &"k".repeat(65),
            "0123456789abcdef<>",
            "0123456789 abcdef",
        ] {
            assert_eq!(
                VisitorKey::parse(bad).unwrap_err().code(),
                "invalid_visitor_key",
                "{bad:?}"
            );
        }
    }
}
