//! Issue 11: the leader's lease and its fencing, on a real PostgreSQL (skipped without one,
//! like every PostgreSQL test; required under CI). The three-process tests are in
//! `tests/cluster.rs`; these check the two promises the lease makes directly against the
//! database: one holder at a time, and no write from a holder whose epoch has passed.

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use parley::cluster::lease;
use parley::settings::DatabaseSettings;
use parley::store::Db;

use common::{Backend, TestDatabase};

const TTL: Duration = Duration::from_secs(30);

fn connect(url: &str) -> PgConnection {
    let mut conn = PgConnection::establish(url).expect("connect");
    lease::prepare(&mut conn).expect("lease table");
    conn
}

fn engine_db(url: &str, fence_epoch: Option<i64>) -> Db {
    Db::connect(&DatabaseSettings {
        url: url.to_owned(),
        pool_size: 1,
        connect_timeout_ms: 5_000,
        write_batch_max: 16,
        sqlite_synchronous_full: false,
        fence_epoch,
    })
    .expect("pool")
}

/// Writes one option row through `db`; the error text if the database refused it.
fn write_option(db: &Db, key: &str) -> Result<(), String> {
    let key = key.to_owned();
    db.run_now(move |conn| {
        diesel::sql_query(format!(
            "INSERT INTO options (key, value, updated_at_ms) VALUES ('{key}', 'x', 0)"
        ))
        .execute(conn)
        .map(|_| ())
        .map_err(Into::into)
    })
    .map_err(|e| e.to_string())
}

#[test]
fn one_holder_at_a_time_and_every_new_holder_gets_a_greater_epoch() {
    let Some((_db, url)) = TestDatabase::create(Backend::Postgres) else {
        return;
    };
    let mut conn = connect(&url);
    assert_eq!(
        lease::read(&mut conn).unwrap(),
        None,
        "nobody leads a new cluster"
    );
    let first = lease::try_acquire(&mut conn, "a", TTL).unwrap();
    assert_eq!(first, Some(1));
    assert_eq!(lease::try_acquire(&mut conn, "b", TTL).unwrap(), None);
    assert_eq!(
        lease::read(&mut conn).unwrap(),
        Some(lease::Leader {
            node: "a".to_owned(),
            epoch: 1
        })
    );
    assert!(lease::renew(&mut conn, "a", 1, TTL).unwrap());
    assert!(
        !lease::renew(&mut conn, "b", 1, TTL).unwrap(),
        "only the holder renews"
    );

    lease::release(&mut conn, "a", 1).unwrap();
    assert_eq!(lease::read(&mut conn).unwrap(), None);
    assert_eq!(lease::try_acquire(&mut conn, "b", TTL).unwrap(), Some(2));
    assert!(
        !lease::renew(&mut conn, "a", 1, TTL).unwrap(),
        "the old holder cannot renew a lease that moved on"
    );
    assert_eq!(
        lease::try_acquire(&mut conn, "a", TTL).unwrap(),
        None,
        "nor take it back while it is live"
    );
}

#[test]
fn a_lease_left_to_expire_is_taken_over() {
    let Some((_db, url)) = TestDatabase::create(Backend::Postgres) else {
        return;
    };
    let mut conn = connect(&url);
    let short = Duration::from_millis(50);
    assert_eq!(lease::try_acquire(&mut conn, "a", short).unwrap(), Some(1));
    std::thread::sleep(Duration::from_millis(120));
    assert_eq!(
        lease::read(&mut conn).unwrap(),
        None,
        "an expired lease names nobody"
    );
    assert!(
        !lease::renew(&mut conn, "a", 1, TTL).unwrap(),
        "nor can it be renewed"
    );
    assert_eq!(lease::try_acquire(&mut conn, "b", TTL).unwrap(), Some(2));
}

#[test]
fn of_many_nodes_racing_for_a_free_lease_exactly_one_wins() {
    let Some((_db, url)) = TestDatabase::create(Backend::Postgres) else {
        return;
    };
    drop(connect(&url));
    let racers = 8;
    let start = Arc::new(Barrier::new(racers));
    let winners = (0..racers)
        .map(|i| {
            let (url, start) = (url.clone(), start.clone());
            std::thread::spawn(move || {
                let mut conn = PgConnection::establish(&url).expect("connect");
                start.wait();
                lease::try_acquire(&mut conn, &format!("n{i}"), TTL).expect("acquire")
            })
        })
        .collect::<Vec<_>>();
    let winners = winners
        .into_iter()
        .filter_map(|racer| racer.join().expect("racer"))
        .collect::<Vec<_>>();
    assert_eq!(winners, vec![1]);
}

#[test]
fn a_leader_whose_epoch_has_passed_cannot_write() {
    let Some((_db, url)) = TestDatabase::create(Backend::Postgres) else {
        return;
    };
    let unstamped = engine_db(&url, None);
    unstamped.migrate().expect("migrations");
    let mut conn = connect(&url);
    lease::install_fence(&mut conn).expect("fence");
    assert_eq!(lease::try_acquire(&mut conn, "a", TTL).unwrap(), Some(1));

    let old_leader = engine_db(&url, Some(1));
    assert_eq!(write_option(&old_leader, "while-leading"), Ok(()));

    lease::release(&mut conn, "a", 1).unwrap();
    assert_eq!(lease::try_acquire(&mut conn, "b", TTL).unwrap(), Some(2));
    let refused = write_option(&old_leader, "after-the-takeover").unwrap_err();
    assert!(refused.contains("fenced"), "{refused}");

    let new_leader = engine_db(&url, Some(2));
    assert_eq!(write_option(&new_leader, "new-leader"), Ok(()));
    assert_eq!(
        write_option(&unstamped, "operator"),
        Ok(()),
        "connections that name no epoch (parley migrate, a single engine) are not fenced"
    );
    let rows: i64 = {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query("SELECT count(*) AS n FROM options WHERE value = 'x'")
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n
    };
    assert_eq!(rows, 3, "the refused write left nothing behind");
}
