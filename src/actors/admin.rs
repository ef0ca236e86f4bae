//! Configuration changes made while the engine runs: away reasons (R24, R69), queue members
//! and hunt orders (R25, R67, R73), agent capacity (R26, R70), user accounts (R71, R73).
//!
//! Each change is written to the store first, in one transaction that also checks it (so a
//! refused change writes nothing); then the live actors are told, and take it into account at
//! once: a queue re-hunts with its new members, an agent publishes its availability to its new
//! queues or with its new capacity. Changes are serialised by `config_changes`.

use diesel::Connection;

use super::agent::{
    AwayReasonsChanged, CapacityChanged, LoggedOut, QueuesChanged, ACCOUNT_DEACTIVATED,
};
use super::monitor::{EndedSessions, SessionClosed};
use super::queue::MembersChanged;
use super::Engine;
use crate::clock::now_ms;
use crate::domain::away::ReasonLabel;
use crate::domain::ids::{AwayReasonId, QueueId, UserId};
use crate::domain::presence::Capacity;
use crate::domain::routing::HuntOrder;
use crate::domain::user::{check_standing_change, DisplayName, Role, Standing};
use crate::domain::RuleError;
use crate::error::AppError;
use crate::store::away_reasons::{AwayReasonRow, ReasonChange};
use crate::store::users::{UserChange, UserRow};
use crate::store::{self, AnyConnection, StoreResult};

impl Engine {
    /// R69: a new away reason, at the end of the menu unless `sort_order` says where.
    pub async fn create_away_reason(
        &self,
        label: ReasonLabel,
        sort_order: Option<i32>,
    ) -> Result<AwayReasonRow, AppError> {
        self.change_away_reasons(move |conn| {
            store::away_reasons::insert(conn, &label, sort_order, now_ms())
        })
        .await
    }

    /// R69: renames, reorders, deactivates or reactivates an away reason.
    pub async fn change_away_reason(
        &self,
        id: AwayReasonId,
        change: ReasonChange,
    ) -> Result<AwayReasonRow, AppError> {
        self.change_away_reasons(move |conn| {
            store::away_reasons::update(conn, id, &change, now_ms())
        })
        .await
    }

    /// Writes one change of the list, then tells every running agent if the menu changed.
    async fn change_away_reasons<F>(&self, write: F) -> Result<AwayReasonRow, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> StoreResult<Result<AwayReasonRow, RuleError>>
            + Send
            + 'static,
    {
        let _change = self.inner.config_changes.write().await;
        let (row, reasons) = self
            .db()
            .run(move |conn| {
                let row = match write(conn)? {
                    Ok(row) => row,
                    Err(refused) => return Ok(Err(refused)),
                };
                Ok(Ok((row, store::away_reasons::menu(conn)?)))
            })
            .await??;
        let before = std::mem::replace(&mut *self.write(&self.inner.away_reasons), reasons.clone());
        if before != reasons {
            for agent in self.running_agents() {
                agent.do_send(AwayReasonsChanged {
                    reasons: reasons.clone(),
                });
            }
        }
        Ok(row)
    }

    /// R67, R73: adds a user who takes chats to a queue, or gives a member a new hunt order.
    /// True when the user was added.
    pub async fn set_queue_member(
        &self,
        queue: QueueId,
        user: UserId,
        hunt_order: HuntOrder,
    ) -> Result<bool, AppError> {
        self.change_membership(queue, user, move |conn| {
            chat_taker(conn, user)?;
            Ok(store::queues::set_member(conn, queue, user, hunt_order)?)
        })
        .await
    }

    /// R67, R73: removes a member from a queue; the user stays.
    pub async fn remove_queue_member(&self, queue: QueueId, user: UserId) -> Result<(), AppError> {
        self.change_membership(queue, user, move |conn| {
            store::users::by_id(conn, user)?.ok_or(AppError::UserNotFound)?;
            if store::queues::remove_member(conn, queue, user)? {
                Ok(())
            } else {
                Err(AppError::MemberNotFound)
            }
        })
        .await
    }

    /// Writes one change of a queue's members in a transaction (rolled back if `write` refuses
    /// it), then gives the queue its new members and the user's agent its new list of queues,
    /// in that order: the agent then reports its status to a queue that already counts it.
    async fn change_membership<T, F>(
        &self,
        queue: QueueId,
        user: UserId,
        write: F,
    ) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let _change = self.inner.config_changes.write().await;
        let (written, members, queues) = self
            .db()
            .run(move |conn| {
                conn.transaction(|conn| {
                    crate::store::write_first(conn)?;
                    store::queues::by_id(conn, queue)?.ok_or(AppError::QueueNotFound)?;
                    let written = write(conn)?;
                    let members = store::queues::members(conn, queue)?;
                    let queues = store::queues::queues_of(conn, user)?;
                    Ok((written, members, queues))
                })
                .map(Ok)
                .or_else(refused)
            })
            .await??;
        if let Some(addr) = self.queue(queue) {
            addr.do_send(MembersChanged { members });
        }
        if let Some(agent) = self.running_agent(user) {
            agent.do_send(QueuesChanged { queues });
        }
        Ok(written)
    }

    /// R26, R70: how many chats a user who takes chats may hold at once; a raised capacity
    /// lets its queues offer it waiting chats at once.
    pub async fn set_capacity(&self, user: UserId, capacity: Capacity) -> Result<(), AppError> {
        let _change = self.inner.config_changes.write().await;
        self.db()
            .run(move |conn| {
                conn.transaction(|conn| {
                    crate::store::write_first(conn)?;
                    chat_taker(conn, user)?;
                    store::users::set_capacity(conn, user, capacity)?;
                    Ok(())
                })
                .map(Ok)
                .or_else(refused)
            })
            .await??;
        if let Some(agent) = self.running_agent(user) {
            agent.do_send(CapacityChanged { capacity });
        }
        Ok(())
    }

    /// R71, R73: changes an account as `actor` asks; refused (and nothing written) if it would
    /// lock `actor` out or leave no active admin. Then at once: a deactivated user's sessions
    /// are gone and its agent signs out as on logout (its sockets close with
    /// `account_deactivated`, it goes offline, its queues stop offering it chats); a user who
    /// no longer takes chats leaves its queues; a new capacity applies as with `set_capacity`.
    /// A new role applies to the user's next request.
    pub async fn update_user(
        &self,
        actor: UserId,
        target: UserId,
        update: UserUpdate,
    ) -> Result<UserRow, AppError> {
        let _change = self.inner.config_changes.write().await;
        let UserUpdate {
            display_name,
            role,
            capacity,
            active,
        } = update;
        let (row, left_queues, deactivated) = self
            .db()
            .run(move |conn| {
                conn.transaction(|conn| {
                    crate::store::write_first(conn)?;
                    let before =
                        store::users::by_id(conn, target)?.ok_or(AppError::UserNotFound)?;
                    let before_role = Role::parse(&before.role).ok_or_else(|| {
                        AppError::Internal(format!("user {} has no known role", before.id))
                    })?;
                    let after = Standing {
                        role: role.unwrap_or(before_role),
                        active: active.unwrap_or(before.active),
                    };
                    let others = store::users::other_active_admins(conn, target)?;
                    check_standing_change(
                        actor,
                        target,
                        Standing {
                            role: before_role,
                            active: before.active,
                        },
                        after,
                        others,
                    )?;
                    let change = UserChange {
                        display_name: display_name.map(|name| name.as_str().to_owned()),
                        role: role.map(|role| role.as_str().to_owned()),
                        capacity: capacity.map(|capacity| capacity.get() as i32),
                        active,
                    };
                    store::users::update(conn, target, &change)?;
                    let mut left_queues = Vec::new();
                    if !after.role.takes_chats() {
                        for queue in store::queues::queues_of(conn, target)? {
                            store::queues::remove_member(conn, queue, target)?;
                            left_queues.push((queue, store::queues::members(conn, queue)?));
                        }
                    }
                    let deactivated = before.active && !after.active;
                    if deactivated {
                        store::sessions::delete_of_user(conn, target)?;
                    }
                    let row = store::users::by_id(conn, target)?.ok_or(AppError::UserNotFound)?;
                    Ok((row, left_queues, deactivated))
                })
                .map(Ok)
                .or_else(refused)
            })
            .await??;
        let left_any = !left_queues.is_empty();
        for (queue, members) in left_queues {
            if let Some(addr) = self.queue(queue) {
                addr.do_send(MembersChanged { members });
            }
        }
        if deactivated {
            if let Some(monitor) = self.running_monitor() {
                monitor.do_send(SessionClosed {
                    ended: EndedSessions::AllOf(target),
                    reason: ACCOUNT_DEACTIVATED,
                });
            }
        }
        if let Some(agent) = self.running_agent(target) {
            if left_any {
                agent.do_send(QueuesChanged { queues: Vec::new() });
            }
            if let Some(capacity) = capacity {
                agent.do_send(CapacityChanged { capacity });
            }
            if deactivated {
                agent.do_send(LoggedOut {
                    session: String::new(),
                    last_session: true,
                    reason: ACCOUNT_DEACTIVATED,
                });
            }
        }
        Ok(row)
    }

    fn running_agents(&self) -> Vec<actix::Addr<super::agent::AgentActor>> {
        self.lock(&self.inner.agents).values().cloned().collect()
    }
}

/// R71: what an admin changes of an account; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserUpdate {
    pub display_name: Option<DisplayName>,
    pub role: Option<Role>,
    pub capacity: Option<Capacity>,
    pub active: Option<bool>,
}

/// Checks that `user` exists and its role takes chats (R25, R71).
fn chat_taker(conn: &mut AnyConnection, user: UserId) -> Result<(), AppError> {
    let row = store::users::by_id(conn, user)?.ok_or(AppError::UserNotFound)?;
    if Role::parse(&row.role).is_some_and(Role::takes_chats) {
        Ok(())
    } else {
        Err(RuleError::NotAnAgent.into())
    }
}

/// A transaction rolled back by a refusal gives the refusal; a store failure stays one.
fn refused<T>(error: AppError) -> StoreResult<Result<T, AppError>> {
    match error {
        AppError::Store(failure) => Err(failure),
        refusal => Ok(Err(refusal)),
    }
}
