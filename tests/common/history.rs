//! Past chats and offline messages with set times, stored straight into the database, for the
//! reports' tests (issue 9): the engine's own flow cannot go back in time.

use diesel::prelude::*;
use parley::domain::ids::UserId;
use parley::store::schema::{chats, offline_messages};
use parley::store::Db;

pub fn ms(rfc3339: &str) -> i64 {
    rfc3339
        .parse::<jiff::Timestamp>()
        .expect("timestamp")
        .as_millisecond()
}

/// A stored chat of the demo website: requested at `at`, accepted `wait_s` later by `agent`,
/// ended `handle_s` after that (or after the request when nobody accepted) as `disposition`.
pub struct Past {
    pub at: &'static str,
    pub queue: i64,
    pub accepted: Option<(UserId, i64)>,
    pub handle_s: i64,
    pub disposition: &'static str,
}

pub fn store_history(db: &Db, past: Vec<Past>, offline: Vec<&'static str>) {
    db.run_now(move |conn| {
        for chat in &past {
            let requested = ms(chat.at);
            let accepted = chat.accepted.map(|(_, wait)| requested + wait * 1000);
            let ended = accepted.unwrap_or(requested) + chat.handle_s * 1000;
            diesel::insert_into(chats::table)
                .values((
                    chats::website_id.eq(1),
                    chats::queue_id.eq(chat.queue),
                    chats::state.eq("ended"),
                    chats::disposition.eq(Some(chat.disposition)),
                    chats::agent_id.eq(chat.accepted.map(|(agent, _)| agent.0)),
                    chats::visitor_name.eq("Visitor"),
                    chats::visitor_token_hash.eq(format!("hash-{requested}")),
                    chats::visitor_meta.eq("{}"),
                    chats::created_at_ms.eq(requested),
                    chats::accepted_at_ms.eq(accepted),
                    chats::ended_at_ms.eq(Some(ended)),
                ))
                .execute(conn)?;
        }
        for at in &offline {
            diesel::insert_into(offline_messages::table)
                .values((
                    offline_messages::website_id.eq(1),
                    offline_messages::reason.eq("outside_working_hours"),
                    offline_messages::disposition.eq("offline"),
                    offline_messages::state.eq("open"),
                    offline_messages::form.eq("[]"),
                    offline_messages::fields.eq("{}"),
                    offline_messages::visitor_meta.eq("{}"),
                    offline_messages::created_at_ms.eq(ms(at)),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
    .expect("past chats stored");
}

/// Two agents' (`ann`, `bo`) chats around 1–2 March 2026 in Prague (UTC+1 then), as
/// tests/reports.rs and the reports page's browser test expect them: 7 interactions on
/// 1–2 March (3 answered, 1 timeout, 1 unmanaged, 1 abandoned in queue 2, 1 offline), waits
/// 10, 20, 30 and 40 s, and one chat and one offline message after the period.
pub fn march_history(db: &Db, ann: UserId, bo: UserId) {
    let past = |at, queue, accepted, handle_s, disposition| Past {
        at,
        queue,
        accepted,
        handle_s,
        disposition,
    };
    store_history(
        db,
        vec![
            // 00:30 on 1 March in Prague.
            past(
                "2026-02-28T23:30:00Z",
                1,
                Some((bo, 30)),
                100,
                "visitor_ended",
            ),
            past(
                "2026-03-01T08:00:00Z",
                1,
                Some((ann, 10)),
                300,
                "visitor_ended",
            ),
            past(
                "2026-03-01T08:30:00Z",
                1,
                Some((ann, 20)),
                100,
                "agent_ended",
            ),
            past("2026-03-01T12:00:00Z", 1, Some((bo, 40)), 200, "timeout"),
            past("2026-03-02T09:15:00Z", 1, None, 60, "unmanaged"),
            // 23:59 on 2 March in Prague, in queue 2; the visitor gave up.
            past("2026-03-02T22:59:00Z", 2, None, 30, "visitor_ended"),
            // 00:30 on 3 March in Prague: after the period.
            past(
                "2026-03-02T23:30:00Z",
                1,
                Some((ann, 5)),
                5,
                "visitor_ended",
            ),
        ],
        vec!["2026-03-01T15:00:00Z", "2026-03-05T10:00:00Z"],
    );
}
