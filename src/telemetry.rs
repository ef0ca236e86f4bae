//! Logging through `tracing`; the filter comes from the settings, `RUST_LOG` wins if set.
//!
//! Issue 10: `log.format = "json"` writes one JSON object per line, with the fields of the
//! spans the event happened in (`request_id` of an HTTP request; `chat_id`, `agent_id`,
//! `website` of the chat, agent and socket actors), for log collectors.

use tracing_subscriber::EnvFilter;

use crate::settings::LogFormat;

/// Installs the global subscriber once; later calls (tests start many engines) do nothing.
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .try_init(),
    };
}
