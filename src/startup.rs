//! Building and running the engine: store, migrations, demo data, actors, HTTP server.

use std::net::TcpListener;

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
}

impl Application {
    /// Connects the store, applies migrations, seeds demo data on an empty database, rebuilds
    /// the actors from the store and binds the listener (port 0 picks a free port).
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let db = Db::connect(&settings.database)?;
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

    /// Serves until the server stops (SIGINT/SIGTERM, or a handle's `stop`), then stops the
    /// actors.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.engine.shutdown();
        result
    }
}
