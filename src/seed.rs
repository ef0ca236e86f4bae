//! The demo data created on first start with an empty database, so a newcomer can try the
//! engine at once.

use crate::clock::now_ms;
use crate::credentials;
use crate::domain::presence::Capacity;
use crate::settings::Settings;
use crate::store::{self, queues::NewQueue, users::NewUser, websites::NewWebsite, Db, StoreResult};

pub const DEMO_WEBSITE_KEY: &str = "demo";
pub const DEMO_AGENT: &str = "agent";
pub const DEMO_SUPERVISOR: &str = "supervisor";
pub const DEMO_ADMIN: &str = "admin";

/// The accounts created, with their passwords in clear, to print once.
#[derive(Debug, Clone)]
pub struct DemoAccounts {
    pub agent_password: String,
    pub supervisor_password: String,
    pub admin_password: String,
}

/// Creates the demo website, queue, agent, supervisor and admin (R71) if the database has no user yet.
pub fn seed_if_empty(db: &Db, settings: &Settings) -> StoreResult<Option<DemoAccounts>> {
    if !settings.demo.seed_on_empty {
        return Ok(None);
    }
    let pick = |configured: &str| {
        if configured.is_empty() {
            credentials::new_password()
        } else {
            configured.to_owned()
        }
    };
    let accounts = DemoAccounts {
        agent_password: pick(&settings.demo.agent_password),
        supervisor_password: pick(&settings.demo.supervisor_password),
        admin_password: pick(&settings.demo.admin_password),
    };
    let hash = |password: &str| {
        credentials::hash_password(password)
            .map_err(|e| store::StoreError::Setup(format!("cannot hash a password: {e}")))
    };
    let agent_hash = hash(&accounts.agent_password)?;
    let supervisor_hash = hash(&accounts.supervisor_password)?;
    let admin_hash = hash(&accounts.admin_password)?;
    let routing = settings.routing.clone();
    db.run_now(|conn| {
        use diesel::Connection;
        conn.transaction(|conn| {
            if store::users::count(conn)? > 0 {
                return Ok(None);
            }
            let now = now_ms();
            let queue = store::queues::insert(
                conn,
                &NewQueue {
                    name: "Support",
                    offer_timeout_ms: routing.offer_timeout_ms,
                    hunt_timeout_ms: routing.hunt_timeout_ms,
                    rona_enabled: true,
                    created_at_ms: now,
                    strategy: routing.strategy.as_str(),
                },
            )?;
            let agent = store::users::insert(
                conn,
                &NewUser {
                    username: DEMO_AGENT,
                    display_name: "Demo Agent",
                    role: "agent",
                    password_hash: &agent_hash,
                    active: true,
                    capacity: Capacity::DEFAULT.get() as i32,
                    presence: "offline",
                    created_at_ms: now,
                },
            )?;
            store::users::insert(
                conn,
                &NewUser {
                    username: DEMO_SUPERVISOR,
                    display_name: "Demo Supervisor",
                    role: "supervisor",
                    password_hash: &supervisor_hash,
                    active: true,
                    capacity: Capacity::DEFAULT.get() as i32,
                    presence: "offline",
                    created_at_ms: now,
                },
            )?;
            store::users::insert(
                conn,
                &NewUser {
                    username: DEMO_ADMIN,
                    display_name: "Demo Admin",
                    role: "admin",
                    password_hash: &admin_hash,
                    active: true,
                    capacity: Capacity::DEFAULT.get() as i32,
                    presence: "offline",
                    created_at_ms: now,
                },
            )?;
            store::queues::add_member(conn, queue, agent, 1)?;
            store::websites::insert(
                conn,
                &NewWebsite {
                    key: DEMO_WEBSITE_KEY,
                    name: "Demo website",
                    description: "Created on first start; edit or delete it.",
                    allowed_domains: store::to_json(&["localhost", "127.0.0.1", "[::1]"]),
                    time_zone: "UTC",
                    working_intervals: "[]".to_owned(),
                    max_concurrent_sessions: 0,
                    queue_id: queue.0,
                    prechat_form: "null".to_owned(),
                    offline_form: "null".to_owned(),
                    appearance: store::to_json(&store::websites::default_appearance()),
                    created_at_ms: now,
                },
            )?;
            Ok(Some(accounts))
        })
    })
}
