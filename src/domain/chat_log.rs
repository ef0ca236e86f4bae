//! R85, R87: the organisation's chat logs as supervisors search them: which chats a search
//! asks for (time range, website, queue, agent, disposition, text), how its text is matched
//! safely (a `LIKE` pattern with `%`, `_` and `\` escaped), and the CSV export's cells (quoted,
//! and guarded against spreadsheet formulas).

use serde::Serialize;

use super::chat::Disposition;
use super::ids::{ChatId, QueueId, UserId};
use super::website::WebsiteKey;
use super::RuleError;

/// The most chats one page of the log list holds, and the default.
pub const MAX_LIMIT: i64 = 200;
pub const DEFAULT_LIMIT: i64 = 50;
/// The CSV export's upper bound: a search that finds more exports the newest this many.
pub const MAX_EXPORT_ROWS: i64 = 10_000;

/// A search text, trimmed: 1 to [`SearchText::MAX_CHARS`] characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    pub const MAX_CHARS: usize = 200;

    /// `None` for a blank text (no text filter).
    pub fn parse(raw: &str) -> Result<Option<SearchText>, RuleError> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(invalid(format!(
                "q has at most {} characters",
                Self::MAX_CHARS
            )));
        }
        if text.chars().any(char::is_control) {
            return Err(RuleError::ControlCharacters);
        }
        Ok(Some(SearchText(text.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A `LIKE … ESCAPE '\'` pattern matching any text that contains this one, lower-cased
    /// (compare it with the column's `lower()`).
    pub fn pattern(&self) -> String {
        contains_pattern(&self.0.to_lowercase())
    }

    /// The pattern for a `message` or `transfer_note` event's stored JSON
    /// (`{"kind":"…","text":"…`): the text as JSON writes it inside a string (quotes and
    /// backslashes escaped), after the event's `text` key, so the kind and the keys before it
    /// never match. Keys after the text can (a file's name, `to_agent_id`): [`Self::found_in`]
    /// decides.
    pub fn payload_pattern(&self, kind: &str) -> String {
        let json = serde_json::to_string(&self.0.to_lowercase()).unwrap_or_default();
        let inner = json
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or_default();
        format!(
            "{}{}",
            escape_like(&format!(r#"{{"kind":"{kind}","text":""#)),
            contains_pattern(inner)
        )
    }

    /// Whether `text` (a name, a message's text) contains this search text, ignoring case.
    pub fn found_in(&self, text: &str) -> bool {
        text.to_lowercase().contains(&self.0.to_lowercase())
    }
}

/// `text` with the `LIKE` wildcards `%` and `_` and the escape character `\` escaped by `\`:
/// matched literally with `ESCAPE '\'` on SQLite and PostgreSQL alike.
pub fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A `LIKE … ESCAPE '\'` pattern for any text containing `text`.
pub fn contains_pattern(text: &str) -> String {
    format!("%{}%", escape_like(text))
}

fn invalid(detail: String) -> RuleError {
    RuleError::InvalidLogSearch { detail }
}

/// A search as sent (query parameters), before it is checked.
#[derive(Debug, Clone, Default)]
pub struct RawLogSearch {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub website: Option<String>,
    pub queue: Option<i64>,
    pub agent: Option<i64>,
    pub disposition: Option<String>,
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub before: Option<i64>,
}

/// R87: a checked search of the chat logs. Times are the chat's start (its request),
/// `from` inclusive and `to` exclusive, in ms since the epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSearch {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub website: Option<WebsiteKey>,
    pub queue: Option<QueueId>,
    pub agent: Option<UserId>,
    pub disposition: Option<Disposition>,
    pub text: Option<SearchText>,
    pub limit: i64,
    /// Paging: only chats with a smaller id (the `next_before` of the previous page).
    pub before: Option<ChatId>,
}

impl LogSearch {
    /// Every bad parameter is refused with `invalid_log_search` naming it.
    pub fn parse(raw: RawLogSearch) -> Result<LogSearch, RuleError> {
        let non_negative = |name: &str, value: Option<i64>| match value {
            Some(v) if v < 0 => Err(invalid(format!("{name} is a time in ms, 0 or more"))),
            _ => Ok(value),
        };
        let from_ms = non_negative("from", raw.from)?;
        let to_ms = non_negative("to", raw.to)?;
        if let (Some(from), Some(to)) = (from_ms, to_ms) {
            if from >= to {
                return Err(invalid("from must be before to".to_owned()));
            }
        }
        let website = match raw.website.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(key) => Some(
                WebsiteKey::parse(key)
                    .map_err(|_| invalid("website is not a website key".to_owned()))?,
            ),
        };
        let positive_id = |name: &str, value: Option<i64>| match value {
            Some(v) if v < 1 => Err(invalid(format!("{name} is an id, 1 or more"))),
            _ => Ok(value),
        };
        let queue = positive_id("queue", raw.queue)?.map(QueueId);
        let agent = positive_id("agent", raw.agent)?.map(UserId);
        let before = positive_id("before", raw.before)?.map(ChatId);
        let disposition = match raw.disposition.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => Some(Disposition::from_stored(name).ok_or_else(|| {
                invalid(format!(
                    "disposition is one of {}",
                    Disposition::ALL.map(Disposition::as_str).join(", ")
                ))
            })?),
        };
        let text = match raw.q.as_deref() {
            None => None,
            Some(q) => SearchText::parse(q)?,
        };
        let limit = raw.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(invalid(format!("limit is from 1 to {MAX_LIMIT}")));
        }
        Ok(LogSearch {
            from_ms,
            to_ms,
            website,
            queue,
            agent,
            disposition,
            text,
            limit,
            before,
        })
    }
}

/// R87: one chat as the log list (and the CSV export) shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub chat_id: ChatId,
    pub website_key: String,
    pub queue_id: QueueId,
    pub queue_name: Option<String>,
    /// Every agent who was in the chat, in the order they joined.
    pub agents: Vec<LogAgent>,
    pub visitor_name: String,
    pub visitor_email: Option<String>,
    pub state: String,
    pub disposition: Option<String>,
    /// The wrap-up reasons given, in the agents' order.
    pub wrap_up_reasons: Vec<String>,
    pub requested_at_ms: i64,
    pub accepted_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
    /// From the request to the end; `null` while the chat goes on.
    pub duration_ms: Option<i64>,
    /// Messages, private ones included.
    pub message_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogAgent {
    pub agent_id: UserId,
    pub display_name: String,
}

/// The CSV export's columns, in order.
pub const CSV_COLUMNS: [&str; 14] = [
    "chat_id",
    "website",
    "queue",
    "agents",
    "visitor_name",
    "visitor_email",
    "state",
    "disposition",
    "wrap_up",
    "requested_at",
    "accepted_at",
    "ended_at",
    "duration_s",
    "messages",
];

/// A time as RFC 3339 in UTC (what spreadsheets read), empty when there is none.
fn csv_time(ms: Option<i64>) -> String {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.round(jiff::Unit::Second).unwrap_or(t).to_string())
        .unwrap_or_default()
}

impl LogEntry {
    pub fn duration(requested_at_ms: i64, ended_at_ms: Option<i64>) -> Option<i64> {
        ended_at_ms.map(|end| (end - requested_at_ms).max(0))
    }

    /// The entry's line of the CSV export (with its line end).
    pub fn csv_line(&self) -> String {
        let agents: Vec<&str> = self
            .agents
            .iter()
            .map(|a| a.display_name.as_str())
            .collect();
        csv_line([
            self.chat_id.0.to_string(),
            self.website_key.clone(),
            self.queue_name.clone().unwrap_or_default(),
            agents.join("; "),
            self.visitor_name.clone(),
            self.visitor_email.clone().unwrap_or_default(),
            self.state.clone(),
            self.disposition.clone().unwrap_or_default(),
            self.wrap_up_reasons.join("; "),
            csv_time(Some(self.requested_at_ms)),
            csv_time(self.accepted_at_ms),
            csv_time(self.ended_at_ms),
            self.duration_ms
                .map(|ms| (ms / 1000).to_string())
                .unwrap_or_default(),
            self.message_count.to_string(),
        ])
    }
}

/// The CSV header line.
pub fn csv_header() -> String {
    csv_line(CSV_COLUMNS.map(str::to_owned))
}

/// One CSV line (RFC 4180): cells separated by commas, ended by CRLF.
pub fn csv_line<const N: usize>(cells: [String; N]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// One CSV cell. A cell a spreadsheet would take for a formula (starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return) gets a leading `'`, so it shows as text; a cell holding a
/// comma, a quote or a line break is quoted, its quotes doubled.
pub fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(raw: RawLogSearch) -> Result<LogSearch, RuleError> {
        LogSearch::parse(raw)
    }

    #[test]
    fn an_empty_search_lists_everything_fifty_at_a_time_r87() {
        let found = search(RawLogSearch::default()).unwrap();
        assert_eq!(found.limit, DEFAULT_LIMIT);
        assert_eq!(found.text, None);
        assert_eq!(found.website, None);
        assert_eq!(found.disposition, None);
    }

    #[test]
    fn every_filter_is_parsed_r87() {
        let found = search(RawLogSearch {
            from: Some(10),
            to: Some(20),
            website: Some(" demo ".into()),
            queue: Some(2),
            agent: Some(3),
            disposition: Some("timeout".into()),
            q: Some("  invoice 42 ".into()),
            limit: Some(5),
            before: Some(99),
        })
        .unwrap();
        assert_eq!((found.from_ms, found.to_ms), (Some(10), Some(20)));
        assert_eq!(found.website.unwrap().to_string(), "demo");
        assert_eq!(found.queue, Some(QueueId(2)));
        assert_eq!(found.agent, Some(UserId(3)));
        assert_eq!(found.disposition, Some(Disposition::Timeout));
        assert_eq!(found.text.unwrap().as_str(), "invoice 42");
        assert_eq!(found.limit, 5);
        assert_eq!(found.before, Some(ChatId(99)));
    }

    #[test]
    fn bad_filters_are_refused_with_their_name() {
        let refused = |raw: RawLogSearch, needle: &str| match search(raw) {
            Err(RuleError::InvalidLogSearch { detail }) => {
                assert!(detail.contains(needle), "{detail}")
            }
            other => panic!("{other:?}"),
        };
        refused(
            RawLogSearch {
                from: Some(20),
                to: Some(20),
                ..Default::default()
            },
            "from",
        );
        refused(
            RawLogSearch {
                from: Some(-1),
                ..Default::default()
            },
            "from",
        );
        refused(
            RawLogSearch {
                disposition: Some("lost".into()),
                ..Default::default()
            },
            "disposition",
        );
        refused(
            RawLogSearch {
                website: Some("far too long".into()),
                ..Default::default()
            },
            "website",
        );
        refused(
            RawLogSearch {
                limit: Some(0),
                ..Default::default()
            },
            "limit",
        );
        refused(
            RawLogSearch {
                limit: Some(MAX_LIMIT + 1),
                ..Default::default()
            },
            "limit",
        );
        refused(
            RawLogSearch {
                queue: Some(0),
                ..Default::default()
            },
            "queue",
        );
        refused(
            RawLogSearch {
                q: Some("x".repeat(SearchText::MAX_CHARS + 1)),
                ..Default::default()
            },
            "q",
        );
        assert_eq!(
            search(RawLogSearch {
                q: Some("a\u{0}b".into()),
                ..Default::default()
            }),
            Err(RuleError::ControlCharacters)
        );
    }

    #[test]
    fn a_blank_text_searches_nothing() {
        assert_eq!(SearchText::parse("   ").unwrap(), None);
    }

    #[test]
    fn like_wildcards_and_the_escape_are_matched_literally() {
        assert_eq!(escape_like(r"50% off_now\"), r"50\% off\_now\\");
        let text = SearchText::parse("100%_Sure").unwrap().unwrap();
        assert_eq!(text.pattern(), r"%100\%\_sure%");
    }

    #[test]
    fn a_message_pattern_follows_the_stored_json_r85() {
        let text = SearchText::parse(r#"Say "Hi" \ Bye"#).unwrap().unwrap();
        // JSON writes `"` as `\"` and `\` as `\\`; LIKE then escapes each backslash again.
        assert_eq!(
            text.payload_pattern("message"),
            r#"{"kind":"message","text":"%say \\"hi\\" \\\\ bye%"#
        );
        let plain = SearchText::parse("käse").unwrap().unwrap();
        assert_eq!(
            plain.payload_pattern("message"),
            r#"{"kind":"message","text":"%käse%"#
        );
        let wild = SearchText::parse("a_b").unwrap().unwrap();
        assert_eq!(
            wild.payload_pattern("transfer_note"),
            r#"{"kind":"transfer\_note","text":"%a\_b%"#
        );
        assert!(wild.found_in("X A_B y"));
        assert!(!wild.found_in("axb"));
    }

    #[test]
    fn csv_cells_are_quoted_only_when_needed() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn csv_cells_that_look_like_formulas_are_made_text() {
        assert_eq!(csv_cell("=1+2"), "'=1+2");
        assert_eq!(csv_cell("+49 30 1234"), "'+49 30 1234");
        assert_eq!(csv_cell("-5"), "'-5");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(
            csv_cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
        assert_eq!(csv_cell("a=b"), "a=b");
    }

    #[test]
    fn an_entry_becomes_one_csv_line_r87() {
        let entry = LogEntry {
            chat_id: ChatId(7),
            website_key: "demo".into(),
            queue_id: QueueId(1),
            queue_name: Some("Sales, North".into()),
            agents: vec![
                LogAgent {
                    agent_id: UserId(2),
                    display_name: "Ann".into(),
                },
                LogAgent {
                    agent_id: UserId(3),
                    display_name: "Bob".into(),
                },
            ],
            visitor_name: "=cmd".into(),
            visitor_email: None,
            state: "ended".into(),
            disposition: Some("agent_ended".into()),
            wrap_up_reasons: vec!["Resolved".into()],
            requested_at_ms: 1_763_740_800_000,
            accepted_at_ms: None,
            ended_at_ms: Some(1_763_740_861_500),
            duration_ms: LogEntry::duration(1_763_740_800_000, Some(1_763_740_861_500)),
            message_count: 4,
        };
        assert_eq!(
            entry.csv_line(),
            "7,demo,\"Sales, North\",Ann; Bob,'=cmd,,ended,agent_ended,Resolved,\
             2025-11-21T16:00:00Z,,2025-11-21T16:01:02Z,61,4\r\n"
        );
        assert_eq!(
            csv_header(),
            "chat_id,website,queue,agents,visitor_name,visitor_email,state,disposition,\
             wrap_up,requested_at,accepted_at,ended_at,duration_s,messages\r\n"
        );
    }
}
