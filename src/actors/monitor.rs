//! `MonitorActor`: the live monitor's one actor (issue 9, R71). It exists only once a
//! supervisor has opened the monitor, and it works only while at least one watches.
//!
//! It *looks* rather than being told: every `monitor.interval_ms` it asks each queue, agent
//! and live chat actor how it is (messages they answer anyway for other views), builds a
//! [`Snapshot`] and sends every watcher the rows that changed since the last look. So the
//! queue, agent and chat actors do no monitor work at all — the chat message hot path is
//! untouched, nothing is spent while nobody watches — and a burst of events between two looks
//! reaches supervisors as one frame.

use std::collections::HashMap;
use std::time::Duration;

use actix::prelude::*;
use bytestring::ByteString;
use futures_util::future::join_all;
use serde::Serialize;

use super::agent::{DescribePresence, Disconnect};
use super::chat::Describe;
use super::queue::GetAvailability;
use super::{Engine, Outbound};
use crate::clock::now_ms;
use crate::domain::chat::ChatState;
use crate::domain::ids::UserId;
use crate::domain::monitor::{AgentSeen, Changes, ChatSeen, QueueSeen, Snapshot};
use crate::store;

/// A supervisor's socket starts watching; it gets a full `monitor_snapshot` first.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Watch {
    pub socket_id: u64,
    pub outbound: Recipient<Outbound>,
    /// The user and login session the socket was opened with, and how to close it when that
    /// session ends (logout) or the user is deactivated.
    pub user: UserId,
    pub session: String,
    pub disconnect: Recipient<Disconnect>,
}

/// Login sessions ended: their monitor sockets close with the reason.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SessionClosed {
    pub ended: EndedSessions,
    pub reason: &'static str,
}

/// Which login sessions ended.
pub enum EndedSessions {
    /// One session (a logout).
    One(String),
    /// Every session of a user (R71, R73: an admin deactivated them).
    AllOf(UserId),
}

/// A supervisor's socket stops watching (it closed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Unwatch {
    pub socket_id: u64,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum MonitorFrame<'a> {
    MonitorSnapshot {
        at_ms: i64,
        #[serde(flatten)]
        snapshot: &'a Snapshot,
    },
    MonitorChanges {
        at_ms: i64,
        #[serde(flatten)]
        changes: &'a Changes,
    },
}

impl MonitorFrame<'_> {
    fn to_text(&self) -> ByteString {
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default().into()
    }
}

/// How to close a watcher's socket when its login session ends.
struct Closer {
    user: UserId,
    session: String,
    disconnect: Recipient<Disconnect>,
}

pub struct MonitorActor {
    engine: Engine,
    closers: HashMap<u64, Closer>,
    watchers: HashMap<u64, Recipient<Outbound>>,
    /// Watchers that have not had their snapshot yet.
    joining: HashMap<u64, Recipient<Outbound>>,
    /// What the watchers were last sent.
    last: Option<Snapshot>,
    looking: bool,
    timer: Option<SpawnHandle>,
}

impl MonitorActor {
    pub fn new(engine: Engine) -> MonitorActor {
        MonitorActor {
            engine,
            closers: HashMap::new(),
            watchers: HashMap::new(),
            joining: HashMap::new(),
            last: None,
            looking: false,
            timer: None,
        }
    }

    fn interval(&self) -> Duration {
        Duration::from_millis(self.engine.settings().monitor.interval_ms.max(10))
    }

    fn look(&mut self, ctx: &mut Context<Self>) {
        if self.looking {
            return;
        }
        self.looking = true;
        look(self.engine.clone())
            .into_actor(self)
            .map(|snapshot, act, ctx| {
                act.looking = false;
                act.publish(snapshot);
                if act.watchers.is_empty() && act.joining.is_empty() {
                    act.rest(ctx);
                } else if !act.joining.is_empty() {
                    // Someone joined while this look was under way.
                    act.look(ctx);
                }
            })
            .spawn(ctx);
    }

    fn publish(&mut self, snapshot: Snapshot) {
        let at_ms = now_ms();
        if let Some(last) = &self.last {
            let changes = snapshot.changes_since(last);
            if !changes.is_empty() {
                let frame = MonitorFrame::MonitorChanges {
                    at_ms,
                    changes: &changes,
                }
                .to_text();
                for watcher in self.watchers.values() {
                    watcher.do_send(Outbound::Frame(frame.clone()));
                }
            }
        }
        if !self.joining.is_empty() {
            let frame = MonitorFrame::MonitorSnapshot {
                at_ms,
                snapshot: &snapshot,
            }
            .to_text();
            for (id, watcher) in self.joining.drain() {
                watcher.do_send(Outbound::Frame(frame.clone()));
                self.watchers.insert(id, watcher);
            }
        }
        self.last = Some(snapshot);
    }

    /// Nobody watches: stop looking and forget the last look.
    fn rest(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        self.last = None;
    }
}

impl Actor for MonitorActor {
    type Context = Context<Self>;
}

impl Handler<Watch> for MonitorActor {
    type Result = ();

    fn handle(&mut self, msg: Watch, ctx: &mut Context<Self>) {
        self.joining.insert(msg.socket_id, msg.outbound);
        let closer = Closer {
            user: msg.user,
            session: msg.session,
            disconnect: msg.disconnect,
        };
        self.closers.insert(msg.socket_id, closer);
        if self.timer.is_none() {
            let every = self.interval();
            self.timer = Some(ctx.run_interval(every, |act, ctx| act.look(ctx)));
        }
        self.look(ctx);
    }
}

impl Handler<Unwatch> for MonitorActor {
    type Result = ();

    fn handle(&mut self, msg: Unwatch, ctx: &mut Context<Self>) {
        self.watchers.remove(&msg.socket_id);
        self.joining.remove(&msg.socket_id);
        self.closers.remove(&msg.socket_id);
        if self.watchers.is_empty() && self.joining.is_empty() && !self.looking {
            self.rest(ctx);
        }
    }
}

impl Handler<SessionClosed> for MonitorActor {
    type Result = ();

    /// The sockets stop watching when they stop (`Unwatch`).
    fn handle(&mut self, msg: SessionClosed, _ctx: &mut Context<Self>) {
        let ended = |closer: &&Closer| match &msg.ended {
            EndedSessions::One(session) => closer.session == *session,
            EndedSessions::AllOf(user) => closer.user == *user,
        };
        for closer in self.closers.values().filter(ended) {
            closer.disconnect.do_send(Disconnect { reason: msg.reason });
        }
    }
}

/// One look at the engine: every queue, every agent (from the store's list of users who take
/// chats; the running ones tell their presence and load) and every live chat.
async fn look(engine: Engine) -> Snapshot {
    let queues = join_all(engine.queue_list().into_iter().map(|(id, addr)| {
        let name = engine.queue_name(id).unwrap_or_default();
        async move {
            let open = addr
                .send(GetAvailability)
                .await
                .is_ok_and(|report| report.availability.open);
            QueueSeen {
                queue_id: id,
                name,
                open,
            }
        }
    }))
    .await;
    let roster = match engine.db().run(store::users::chat_takers).await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::warn!(%error, "monitor: could not list the agents");
            Vec::new()
        }
    };
    let reasons = engine.away_reasons();
    let agents = join_all(roster.into_iter().map(|row| {
        let id = UserId(row.id);
        let running = engine.running_agent(id);
        let stored_reason = row
            .away_reason_id
            .and_then(|r| reasons.get(crate::domain::ids::AwayReasonId(r)).cloned());
        async move {
            let now = match running {
                Some(addr) => addr.send(DescribePresence).await.ok(),
                None => None,
            };
            let (load, away_reason) = match now {
                Some(now) => (Some(now.load), now.away_reason),
                None => (None, stored_reason),
            };
            AgentSeen {
                agent_id: id,
                name: row.display_name,
                load,
                away_reason: away_reason.map(|r| r.label),
                capacity: row.capacity.max(0) as u32,
            }
        }
    }))
    .await;
    let chats = join_all(
        engine
            .live_chat_list()
            .into_iter()
            .map(|addr| async move { addr.send(Describe).await.ok() }),
    )
    .await
    .into_iter()
    .flatten()
    .filter(|c| c.state != ChatState::Ended)
    .map(|c| ChatSeen {
        chat_id: c.seed.chat_id,
        website_key: c.seed.website_key,
        queue_id: c.seed.queue_id,
        visitor_name: c.seed.visitor_name,
        agents: c.agents,
        waiting: c.state == ChatState::Queued,
        requested_at_ms: c.seed.requested_at_ms,
    })
    .collect();
    Snapshot::build(queues, agents, chats)
}
