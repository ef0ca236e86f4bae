//! The leader's lease (issue 11): one row in PostgreSQL names the node that runs the engine,
//! with an epoch (the fencing token) and an expiry by the database's clock.
//!
//! Why this is safe without synchronised clocks: every expiry is computed by PostgreSQL
//! (`now() + ttl`), so all nodes judge it by one clock; and a leader stops by its *own*
//! monotonic clock at `sent + ttl`, where `sent` is when it sent its last successful renewal,
//! which is before the database's `now()` of that renewal. The leader has therefore stopped
//! before the row can look expired to anyone else. The epoch is the second line of defence: the
//! leader's connections carry it (`SET parley.fence_epoch`), and a trigger on every engine table
//! refuses a write whose epoch is no longer the lease's.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

/// The lease's one row is named so that later leases (per queue) can sit beside it.
const ENGINE_LEASE: &str = "engine";

/// Who leads, as a node reads the lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leader {
    pub node: String,
    pub epoch: i64,
}

/// The lease row as read: its holder, and whether it is still live by the database's clock.
#[derive(Debug, QueryableByName)]
struct LeaseRow {
    #[diesel(sql_type = Text)]
    holder: String,
    #[diesel(sql_type = BigInt)]
    epoch: i64,
    #[diesel(sql_type = Bool)]
    live: bool,
}

#[derive(Debug, QueryableByName)]
struct EpochRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    epoch: Option<i64>,
}

/// The advisory lock under which nodes create the lease table one at a time ("parley" in
/// ASCII).
const PREPARE_LOCK: i64 = 0x7061_726c_6579;

/// Creates the lease table if it is missing. It is not a migration: followers need it before
/// any node has migrated, and only the leader migrates.
///
/// Nodes that start together would race: `CREATE TABLE IF NOT EXISTS` looks for the table
/// before it writes the catalog, so all of them may find none, and all but one then fail on
/// the catalog's unique index (`pg_type_typname_nsp_index`) and exit. A transaction-scoped
/// advisory lock makes them take turns.
pub fn prepare(conn: &mut PgConnection) -> QueryResult<()> {
    conn.transaction(|conn| {
        conn.batch_execute(&format!(
            "SELECT pg_advisory_xact_lock({PREPARE_LOCK});
             CREATE TABLE IF NOT EXISTS cluster_leases (
                 name TEXT PRIMARY KEY,
                 holder TEXT NOT NULL,
                 epoch BIGINT NOT NULL,
                 expires_at TIMESTAMPTZ NOT NULL
             )"
        ))
    })
}

/// The current leader, if the lease is live.
pub fn read(conn: &mut PgConnection) -> QueryResult<Option<Leader>> {
    let row = diesel::sql_query(
        "SELECT holder, epoch, expires_at > clock_timestamp() AS live
           FROM cluster_leases WHERE name = $1",
    )
    .bind::<Text, _>(ENGINE_LEASE)
    .get_result::<LeaseRow>(conn)
    .optional()?;
    Ok(row.filter(|row| row.live).map(|row| Leader {
        node: row.holder,
        epoch: row.epoch,
    }))
}

/// Takes the lease for `node` if nobody holds a live one; returns the new epoch. One statement,
/// so two nodes trying at once cannot both win.
pub fn try_acquire(conn: &mut PgConnection, node: &str, ttl: Duration) -> QueryResult<Option<i64>> {
    let row = diesel::sql_query(
        "INSERT INTO cluster_leases (name, holder, epoch, expires_at)
              VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE
                SET holder = EXCLUDED.holder,
                    epoch = cluster_leases.epoch + 1,
                    expires_at = EXCLUDED.expires_at
              WHERE cluster_leases.expires_at <= clock_timestamp()
         RETURNING epoch",
    )
    .bind::<Text, _>(ENGINE_LEASE)
    .bind::<Text, _>(node)
    .bind::<BigInt, _>(millis(ttl))
    .get_result::<EpochRow>(conn)
    .optional()?;
    Ok(row.and_then(|row| row.epoch))
}

/// Extends the lease `node` holds at `epoch`; false if it is no longer its lease (it expired
/// and another node took it).
pub fn renew(conn: &mut PgConnection, node: &str, epoch: i64, ttl: Duration) -> QueryResult<bool> {
    let renewed = diesel::sql_query(
        "UPDATE cluster_leases
            SET expires_at = clock_timestamp() + $4 * interval '1 millisecond'
          WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > clock_timestamp()",
    )
    .bind::<Text, _>(ENGINE_LEASE)
    .bind::<Text, _>(node)
    .bind::<BigInt, _>(epoch)
    .bind::<BigInt, _>(millis(ttl))
    .execute(conn)?;
    Ok(renewed == 1)
}

/// Gives the lease up at once (a leader that stops gracefully), so a follower need not wait
/// for it to expire.
pub fn release(conn: &mut PgConnection, node: &str, epoch: i64) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE cluster_leases SET expires_at = clock_timestamp()
          WHERE name = $1 AND holder = $2 AND epoch = $3",
    )
    .bind::<Text, _>(ENGINE_LEASE)
    .bind::<Text, _>(node)
    .bind::<BigInt, _>(epoch)
    .execute(conn)
    .map(|_| ())
}

/// Installs the fencing trigger on every engine table (after the migrations, so on tables
/// they created too). A connection that says which epoch it writes for
/// (`parley.fence_epoch`) may write only while that epoch holds the lease; connections that say
/// nothing (single-node engines, `parley migrate`, operators' tools) are not fenced. The check
/// runs once per statement.
pub fn install_fence(conn: &mut PgConnection) -> QueryResult<()> {
    conn.batch_execute(
        r#"
CREATE OR REPLACE FUNCTION parley_fence() RETURNS trigger LANGUAGE plpgsql AS $fence$
DECLARE
    mine TEXT := current_setting('parley.fence_epoch', true);
BEGIN
    IF mine IS NULL OR mine = '' THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM cluster_leases
                    WHERE name = 'engine' AND epoch = mine::BIGINT) THEN
        RAISE EXCEPTION 'fenced: lease epoch % is no longer the leader''s', mine
            USING ERRCODE = 'P0001';
    END IF;
    RETURN NULL;
END
$fence$;
DO $install$
DECLARE
    t TEXT;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables
              WHERE schemaname = current_schema()
                AND tablename NOT IN ('cluster_leases', '__diesel_schema_migrations')
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS parley_fence ON %I', t);
        EXECUTE format('CREATE TRIGGER parley_fence BEFORE INSERT OR UPDATE OR DELETE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION parley_fence()', t);
    END LOOP;
END
$install$;
"#,
    )
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// When a leader must have stopped: `ttl` after it *sent* its last successful renewal (or its
/// acquisition). Pure, so the rule is tested without a database.
#[derive(Debug, Clone, Copy)]
pub struct Tenure {
    ttl: Duration,
    until: Instant,
}

impl Tenure {
    /// The lease was taken by a request sent at `sent`.
    pub fn begin(sent: Instant, ttl: Duration) -> Tenure {
        Tenure {
            ttl,
            until: sent + ttl,
        }
    }

    /// A renewal sent at `sent` succeeded. A late answer to an earlier renewal never shortens
    /// the tenure, nor does one lengthen it past what its own send time allows.
    pub fn renewed(&mut self, sent: Instant) {
        self.until = self.until.max(sent + self.ttl);
    }

    /// Whether the leader may still act at `now`.
    pub fn holds_at(&self, now: Instant) -> bool {
        now < self.until
    }

    /// How long the leader may still act after `now`.
    pub fn left_at(&self, now: Instant) -> Duration {
        self.until.saturating_duration_since(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_millis(2000);

    #[test]
    fn a_tenure_ends_one_ttl_after_the_request_was_sent_not_answered() {
        let sent = Instant::now();
        let tenure = Tenure::begin(sent, TTL);
        assert!(tenure.holds_at(sent + Duration::from_millis(1999)));
        assert!(!tenure.holds_at(sent + TTL));
        assert_eq!(
            tenure.left_at(sent + Duration::from_millis(500)),
            Duration::from_millis(1500)
        );
    }

    #[test]
    fn a_renewal_extends_from_its_own_send_time() {
        let start = Instant::now();
        let mut tenure = Tenure::begin(start, TTL);
        tenure.renewed(start + Duration::from_millis(500));
        assert!(tenure.holds_at(start + Duration::from_millis(2499)));
        assert!(!tenure.holds_at(start + Duration::from_millis(2500)));
    }

    #[test]
    fn a_late_answer_to_an_older_renewal_never_shortens_the_tenure() {
        let start = Instant::now();
        let mut tenure = Tenure::begin(start, TTL);
        tenure.renewed(start + Duration::from_millis(900));
        tenure.renewed(start + Duration::from_millis(400));
        assert!(tenure.holds_at(start + Duration::from_millis(2899)));
    }

    #[test]
    fn without_renewal_the_leader_stops_even_if_the_row_says_otherwise() {
        let start = Instant::now();
        let tenure = Tenure::begin(start, TTL);
        assert_eq!(
            tenure.left_at(start + Duration::from_secs(10)),
            Duration::ZERO
        );
    }
}
