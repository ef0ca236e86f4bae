//! Parley: a live-chat contact-center engine.
//!
//! Layers, top to bottom (see `docs/architecture.md`): `http` (routes, auth, WebSocket
//! sockets) → `actors` (websites, queues, agents, chats) → `domain` (pure rules) and `store`
//! (diesel over SQLite or PostgreSQL).

pub mod actors;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod credentials;
pub mod domain;
pub mod error;
pub mod http;
pub mod limits;
pub mod mail;
pub mod metrics;
pub mod protocol;
pub mod recovery;
pub mod seed;
pub mod settings;
pub mod shutdown;
pub mod startup;
pub mod store;
pub mod telemetry;
