//! The lease's keeper (issue 11): a thread of its own that reads, takes and renews the lease
//! (`lease`), and a watchdog thread that stops the process the moment a leader's tenure ends.
//!
//! Why threads and not tasks: a leader must renew on time whatever else the node is doing. On
//! the node's main thread, anything that held it (the engine's start building its connection
//! pool, a burst of tunnel traffic) delayed the handling of a renewal's answer past the tenure,
//! and a healthy leader stopped itself. Here only PostgreSQL's own answer time counts.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::Connection;
use tokio::sync::{mpsc, oneshot};

use super::lease::{self, Tenure};
use super::Node;

/// The exit status of a leader that could not renew its lease in time: it stopped so that
/// another node may lead; its service manager starts it again, as a follower.
pub const EXIT_LEASE_LOST: i32 = 75;

/// What the node asks of its keeper.
pub enum Order {
    /// Read the lease now (a leader announced itself, or a tunnel found nobody at its epoch).
    LookAgain,
    /// Give the lease up (if held) and stop; answered when it is given up.
    Release(oneshot::Sender<()>),
}

/// The node's handle on its keeper.
pub struct Keeper {
    orders: Sender<Order>,
}

impl Keeper {
    /// Starts the keeper and the watchdog. `elected` gets the epoch each time this node takes
    /// the lease.
    pub fn start(node: Arc<Node>, url: String, elected: mpsc::UnboundedSender<i64>) -> Keeper {
        let (orders, inbox) = std::sync::mpsc::channel();
        let tenure = Arc::new(Mutex::new(None::<Tenure>));
        let watched = tenure.clone();
        let watchdog_node = node.clone();
        std::thread::Builder::new()
            .name("lease-watchdog".to_owned())
            .spawn(move || watch(&watchdog_node, &watched))
            .map(drop)
            .unwrap_or_else(|e| tracing::error!(error = %e, "the lease watchdog did not start"));
        std::thread::Builder::new()
            .name("lease-keeper".to_owned())
            .spawn(move || keep(&node, &url, &inbox, &elected, &tenure))
            .map(drop)
            .unwrap_or_else(|e| tracing::error!(error = %e, "the lease keeper did not start"));
        Keeper { orders }
    }

    pub fn look_again(&self) {
        let _ = self.orders.send(Order::LookAgain);
    }

    /// Gives the lease up (if this node holds it) and stops the keeper.
    pub async fn release(&self) {
        let (done, given_up) = oneshot::channel();
        if self.orders.send(Order::Release(done)).is_ok() {
            let _ = given_up.await;
        }
    }
}

fn lock(tenure: &Mutex<Option<Tenure>>) -> std::sync::MutexGuard<'_, Option<Tenure>> {
    tenure.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Stops the process when the tenure ends without a renewal: the lease may then be taken by
/// another node, and two engines must never run the same queues.
fn watch(node: &Node, tenure: &Mutex<Option<Tenure>>) {
    loop {
        std::thread::sleep(Duration::from_millis(10));
        let held = *lock(tenure);
        if let Some(tenure) = held {
            if !tenure.holds_at(Instant::now()) {
                lease_lost(node, "the lease was not renewed within its time");
            }
        }
    }
}

fn lease_lost(node: &Node, why: &str) -> ! {
    tracing::error!(node = %node.id(), why, "the lease is lost; stopping this node");
    std::process::exit(EXIT_LEASE_LOST)
}

/// The keeper's own connection, opened again after any failure.
struct LeaseConnection {
    url: String,
    conn: Option<PgConnection>,
}

impl LeaseConnection {
    fn with<T>(
        &mut self,
        work: impl FnOnce(&mut PgConnection) -> diesel::QueryResult<T>,
    ) -> Result<T, String> {
        if self.conn.is_none() {
            let mut conn = PgConnection::establish(&self.url).map_err(|e| e.to_string())?;
            // A lease statement that hangs must not outlive the lease.
            conn.batch_execute("SET statement_timeout = 1000")
                .map_err(|e| e.to_string())?;
            lease::prepare(&mut conn).map_err(|e| e.to_string())?;
            self.conn = Some(conn);
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err("no connection".to_owned());
        };
        let result = work(conn).map_err(|e| e.to_string());
        if result.is_err() {
            self.conn = None;
        }
        result
    }
}

/// Every `lease_renew_ms` (or when told to look again): a follower reads the lease and takes
/// it when it is free; the leader renews it.
fn keep(
    node: &Node,
    url: &str,
    inbox: &Receiver<Order>,
    elected: &mpsc::UnboundedSender<i64>,
    tenure: &Mutex<Option<Tenure>>,
) {
    let settings = &node.settings().cluster;
    let ttl = Duration::from_millis(settings.lease_ttl_ms);
    let every = Duration::from_millis(settings.lease_renew_ms);
    let mut store = LeaseConnection {
        url: with_connect_timeout(url),
        conn: None,
    };
    let mut held: Option<i64> = None;
    loop {
        let sent = Instant::now();
        match held {
            None => {
                let id = node.id().to_owned();
                let turn = store.with(|conn| match lease::read(conn)? {
                    Some(leader) => Ok(Err(leader)),
                    None => lease::try_acquire(conn, &id, ttl).map(Ok),
                });
                match turn {
                    Ok(Ok(Some(epoch))) => {
                        tracing::info!(epoch, "this node leads the cluster");
                        *lock(tenure) = Some(Tenure::begin(sent, ttl));
                        held = Some(epoch);
                        if elected.send(epoch).is_err() {
                            return;
                        }
                    }
                    Ok(Ok(None)) => node.set_leader(None),
                    Ok(Err(leader)) => node.set_leader(Some(leader)),
                    // What this node knew stands: forgetting the leader would cut every
                    // tunnel over one slow read. If the leader did die, its openings find no
                    // responder (503 `no_leader`) until a read succeeds.
                    Err(error) => tracing::warn!(%error, "the lease could not be read"),
                }
            }
            Some(epoch) => {
                let id = node.id().to_owned();
                match store.with(|conn| lease::renew(conn, &id, epoch, ttl)) {
                    Ok(true) => {
                        if let Some(tenure) = lock(tenure).as_mut() {
                            tenure.renewed(sent);
                        }
                    }
                    Ok(false) => lease_lost(node, "another node holds the lease"),
                    // The watchdog stops the process if no renewal succeeds in time.
                    Err(error) => tracing::warn!(%error, "the lease was not renewed; retrying"),
                }
            }
        }
        match inbox.recv_timeout(every) {
            Ok(Order::LookAgain) | Err(RecvTimeoutError::Timeout) => {}
            Ok(Order::Release(done)) => {
                if let Some(epoch) = held {
                    // Given up: the watchdog has nothing more to watch.
                    *lock(tenure) = None;
                    let id = node.id().to_owned();
                    match store.with(|conn| lease::release(conn, &id, epoch)) {
                        Ok(()) => tracing::info!("the lease is given up"),
                        Err(error) => {
                            tracing::warn!(%error, "the lease could not be given up; it expires")
                        }
                    }
                }
                let _ = done.send(());
                return;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// A lease connection that cannot be opened quickly is a failed turn, not a hung keeper.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&connect_timeout=2")
    } else {
        format!("{url}?connect_timeout=2")
    }
}

#[cfg(test)]
mod tests {
    use super::with_connect_timeout;

    #[test]
    fn the_lease_connection_gives_up_connecting_after_two_seconds() {
        assert_eq!(
            with_connect_timeout("postgres://u@h/db"),
            "postgres://u@h/db?connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout("postgres://u@h/db?sslmode=disable"),
            "postgres://u@h/db?sslmode=disable&connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout("postgres://u@h/db?connect_timeout=5"),
            "postgres://u@h/db?connect_timeout=5"
        );
    }
}
