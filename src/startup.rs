//! Building and running the engine: store, migrations, demo data, actors, HTTP server.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpServer};
use thiserror::Error;

use crate::actors::Engine;
use crate::error::AppError;
use crate::seed::{self, DemoAccounts};
use crate::settings::Settings;
use crate::store::{Db, StoreError};

#[derive(Debug, Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("engine: {0}")]
    Engine(#[from] AppError),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: String,
        source: std::io::Error,
    },
}

/// A built engine, listening but not yet serving.
pub struct Application {
    port: u16,
    server: Server,
    engine: Engine,
    demo_accounts: Option<DemoAccounts>,
    stop_signals: crate::shutdown::StopSignals,
}

impl Application {
    /// Connects the store, applies migrations, seeds demo data on an empty database, rebuilds
    /// the actors from the store and binds the listener (port 0 picks a free port).
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        // Opening the pool connects (blocking) and may wait; the calling thread may have other
        // work (in cluster mode it relays the followers' traffic).
        let db = {
            let database = settings.database.clone();
            tokio::task::spawn_blocking(move || Db::connect(&database))
                .await
                .map_err(|_| StoreError::Cancelled)??
        };
        let (migrations, demo_accounts) = {
            let (db, settings) = (db.clone(), settings.clone());
            tokio::task::spawn_blocking(move || {
                let migrations = db.migrate()?;
                let demo = seed::seed_if_empty(&db, &settings)?;
                Ok::<_, StoreError>((migrations, demo))
            })
            .await
            .map_err(|_| StoreError::Cancelled)??
        };
        if migrations > 0 {
            tracing::info!(migrations, "database migrated");
        }
        let engine = Engine::start(db, settings.clone()).await?;

        let address = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&address).map_err(|source| StartupError::Listen {
            address: address.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Listen {
                address: address.clone(),
                source,
            })?
            .port();
        let app_engine = engine.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(crate::http::request_id::tag))
                .app_data(web::Data::new(app_engine.clone()))
                .wrap(actix_web::middleware::from_fn(
                    crate::http::web_security::security_headers,
                ))
                .configure(crate::http::routes)
        });
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        // Issue 10: the engine handles SIGTERM and SIGINT itself (`run_until_stopped`): it
        // drains its sockets before the server stops, which actix-web's own handling would
        // cut short. Its graceful stop then only waits for requests under way.
        let server = server
            .disable_signals()
            .shutdown_timeout(settings.server.shutdown_timeout_ms.div_ceil(1000));
        // Frames are small and often go out several in a row (an event, then the capacity it
        // changed): with Nagle's algorithm on, the second waits for the peer's delayed ACK,
        // up to 40 ms on Linux. Browsers turn it off on their side too.
        let server = server
            .tcp_nodelay(true)
            .listen(listener)
            .map_err(|source| StartupError::Listen { address, source })?
            .run();
        Ok(Application {
            port,
            server,
            engine,
            demo_accounts,
            stop_signals: crate::shutdown::StopSignals::listen(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Stops the server from elsewhere (tests, signals).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// The demo accounts, if this start created them.
    pub fn demo_accounts(&self) -> Option<&DemoAccounts> {
        self.demo_accounts.as_ref()
    }

    /// Serves until a handle's `stop` (then stops the actors) or a stop signal (SIGTERM,
    /// SIGINT), which stops the engine gracefully: see [`drain`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            server,
            engine,
            mut stop_signals,
            ..
        } = self;
        let http = server.handle();
        let mut serving = actix_web::rt::spawn(server);
        tokio::select! {
            served = &mut serving => {
                engine.shutdown();
                return served.unwrap_or(Ok(()));
            }
            () = stop_signals.received() => {}
        }
        let limit = Duration::from_millis(engine.settings().server.shutdown_timeout_ms);
        let drained = tokio::time::timeout(limit, drain(&engine, &http, &mut serving)).await;
        if drained.is_err() {
            tracing::warn!(
                timeout_ms = limit.as_millis() as u64,
                "the graceful stop took too long; stopping now"
            );
            http.stop(false).await;
            engine.shutdown();
        }
        Ok(())
    }
}

/// Issue 10: a graceful stop (architecture §4.33). In order:
///
/// 1. The drain begins: `/readyz` answers 503 `shutting_down`, new sockets and chats get 503
///    `server_closing`, actors' timers do nothing, and every socket sends `server_closing`,
///    refuses later commands and closes (1012) once its pending commands are answered. The
///    mailer starts no new round, and the one under way ends (a mail is sent and marked, or
///    stays due).
/// 2. When every socket is closed, the mail round has ended and `server.drain_ms` has passed
///    (a load balancer has seen the 503s by then), the HTTP server stops; requests under way
///    finish.
/// 3. The actors stop, then the store's writer commits what is queued.
///
/// The caller bounds the whole by `server.shutdown_timeout_ms`.
async fn drain(
    engine: &Engine,
    http: &ServerHandle,
    serving: &mut actix_web::rt::task::JoinHandle<std::io::Result<()>>,
) {
    let drain_ms = engine.settings().server.drain_ms;
    tracing::info!(
        drain_ms,
        "stopping: no new sockets or chats; clients are told to reconnect"
    );
    engine.drain().begin();
    let least = tokio::time::sleep(Duration::from_millis(drain_ms));
    tokio::join!(
        least,
        engine.drain().sockets_closed(),
        engine.finish_sending_mail()
    );
    http.stop(true).await;
    let _ = serving.await;
    engine.shutdown();
    if let Err(e) = engine.db().flush().await {
        tracing::warn!(error = %e, "queued writes could not be committed");
    }
    tracing::info!("stopped");
}
