//! Logging through `tracing`; the filter comes from the settings, `RUST_LOG` wins if set.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (tests start many engines) do nothing.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .try_init();
}
