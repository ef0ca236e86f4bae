//! Issue 10: the engine stops gracefully (architecture §4.33, protocol §6.9).
//!
//! A stop signal starts a *drain*: from that moment the engine takes no new socket and no new
//! chat, `/readyz` answers 503 `shutting_down`, and every open socket tells its client
//! `server_closing` and closes with 1012 once the commands it is still answering are answered.
//! [`Drain`] is the shared part of that: whether the drain has begun, and how many sockets are
//! still open. The steps after it (stop serving, finish the mail round, commit queued writes)
//! are in `startup::Application::run_until_stopped`.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::watch;

/// Whether this engine is draining, and its open sockets. Cheap to clone; one per engine.
#[derive(Clone)]
pub struct Drain {
    inner: Arc<DrainState>,
}

struct DrainState {
    begun: watch::Sender<bool>,
    open_sockets: watch::Sender<usize>,
    reconnect_after_ms: u64,
}

impl Drain {
    /// A drain not yet begun; clients will be told to reconnect after `reconnect_after_ms`.
    pub fn new(reconnect_after_ms: u64) -> Drain {
        Drain {
            inner: Arc::new(DrainState {
                begun: watch::Sender::new(false),
                open_sockets: watch::Sender::new(0),
                reconnect_after_ms,
            }),
        }
    }

    /// Begins the drain; true only for the call that began it.
    pub fn begin(&self) -> bool {
        self.inner
            .begun
            .send_if_modified(|begun| !std::mem::replace(begun, true))
    }

    pub fn is_draining(&self) -> bool {
        *self.inner.begun.borrow()
    }

    /// How long clients should wait before they reconnect (to another instance, or to this
    /// one restarted): by then this one has stopped answering.
    pub fn reconnect_after_ms(&self) -> u64 {
        self.inner.reconnect_after_ms
    }

    /// Resolves when the drain begins (at once if it has). Never resolves otherwise.
    pub fn begun(&self) -> impl Future<Output = ()> + 'static {
        let mut begun = self.inner.begun.subscribe();
        async move {
            if begun.wait_for(|begun| *begun).await.is_err() {
                // The engine is gone without draining: nothing will ever begin.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Counts one open socket until the returned guard is dropped.
    pub fn open_socket(&self) -> OpenSocketCount {
        self.inner.open_sockets.send_modify(|open| *open += 1);
        OpenSocketCount {
            drain: self.clone(),
        }
    }

    /// Resolves once no socket of this engine is open.
    pub fn sockets_closed(&self) -> impl Future<Output = ()> + 'static {
        let mut open = self.inner.open_sockets.subscribe();
        async move {
            // The sender lives as long as this receiver's `Drain`: an error cannot happen.
            let _ = open.wait_for(|open| *open == 0).await;
        }
    }
}

/// One open socket in its engine's count; dropped when the socket actor is.
pub struct OpenSocketCount {
    drain: Drain,
}

impl OpenSocketCount {
    pub fn drain(&self) -> &Drain {
        &self.drain
    }
}

impl Drop for OpenSocketCount {
    fn drop(&mut self) {
        self.drain
            .inner
            .open_sockets
            .send_modify(|open| *open = open.saturating_sub(1));
    }
}

/// The stop signals, SIGTERM (a service manager's stop) and SIGINT (Ctrl-C), listened for from
/// the moment this is made: the engine makes it before it says it listens, so a signal sent
/// as soon as it is up is not met by the default action (an abrupt exit).
pub struct StopSignals {
    #[cfg(unix)]
    listening: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    /// Listens for the stop signals; must run inside the runtime.
    pub fn listen() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listening = match (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
            ) {
                (Ok(terminate), Ok(interrupt)) => Some((terminate, interrupt)),
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(error = %e, "cannot listen for stop signals; a stop will not be graceful");
                    None
                }
            };
            StopSignals { listening }
        }
        #[cfg(not(unix))]
        StopSignals {}
    }

    /// Resolves at the first stop signal (never, if they could not be listened for).
    pub async fn received(&mut self) {
        #[cfg(unix)]
        match &mut self.listening {
            Some((terminate, interrupt)) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = interrupt.recv() => {}
                }
            }
            None => std::future::pending::<()>().await,
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    /// Whether `future` is ready when first polled (no waiting, no timing).
    async fn resolves(future: impl Future<Output = ()>) -> bool {
        future.now_or_never().is_some()
    }

    #[actix_web::test]
    async fn a_drain_begins_once_and_wakes_whoever_waits_for_it() {
        let drain = Drain::new(500);
        let waiting = actix_web::rt::spawn(drain.begun());
        assert!(!drain.is_draining());
        assert!(!resolves(drain.begun()).await);
        assert!(drain.begin());
        assert!(!drain.begin(), "a second signal does not begin it again");
        assert!(drain.is_draining());
        assert!(waiting.await.is_ok());
        assert!(
            resolves(drain.begun()).await,
            "a late waiter sees it at once"
        );
        assert_eq!(drain.reconnect_after_ms(), 500);
    }

    #[actix_web::test]
    async fn sockets_are_closed_when_the_last_count_is_dropped() {
        let drain = Drain::new(0);
        assert!(resolves(drain.sockets_closed()).await, "none open");
        let first = drain.open_socket();
        let second = drain.open_socket();
        assert!(!resolves(drain.sockets_closed()).await);
        drop(first);
        assert!(!resolves(drain.sockets_closed()).await);
        let waiting = actix_web::rt::spawn(drain.sockets_closed());
        drop(second);
        assert!(waiting.await.is_ok());
    }
}
