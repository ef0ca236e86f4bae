//! `AgentSocket`: one per dashboard WebSocket (an agent may have several tabs). It attaches to
//! the agent's actor, subscribes to every chat the agent holds, and turns the agent's frames
//! into commands.

use std::collections::{HashMap, HashSet};

use actix::prelude::*;
use actix_ws::CloseCode;
use bytestring::ByteString;

use super::predefined::expand_predefined;
use super::preview::chat_preview;
use super::socket::{acknowledge, report_failure, socket_plumbing, SocketCore};
use super::transfer::request_handover;
use crate::actors::agent::{
    AcceptOffer, AgentActor, AgentSocketHandle, AttachSocket, ChoosePresence, DetachSocket,
    Disconnect, JoinChat, LeaveChatFeed, PickChat, RejectOffer, SubmitWrapUp,
};
use crate::actors::chat::{
    CancelHandover, ChatActor, EndChat, EndConference, LeaveChat, OfferChoices, PostMessage,
    Receipt, Subscribe, Typing, Unsubscribe, Viewer,
};
use crate::actors::queue::RedirectChat;
use crate::actors::{Engine, FeedClosed, Outbound};
use crate::domain::attachment::message_parts;
use crate::domain::chat::{EndedBy, Poster};
use crate::domain::choices::{ChoiceDraft, ChoiceMenu};
use crate::domain::event::Author;
use crate::domain::handover::HandoverKind;
use crate::domain::ids::{ChatId, QueueId, Seq, UserId};
use crate::domain::receipt::Reader;
use crate::domain::routing::direct_chat_queue;
use crate::domain::slash::{self, SlashCommand};
use crate::domain::user::Role;
use crate::domain::wrap_up::WrapUpNote;
use crate::domain::RuleError;
use crate::error::AppError;
use crate::protocol::{AgentCommand, ServerFrame};
use crate::store;

pub struct AgentSocket {
    core: SocketCore,
    engine: Engine,
    agent_id: UserId,
    agent: Addr<AgentActor>,
    display_name: String,
    /// Last sequence numbers the client already has, per chat (from the `resume` parameter).
    resume: HashMap<ChatId, Seq>,
    chats: HashMap<ChatId, Addr<ChatActor>>,
    /// Chats this socket followed until they ended, to answer `chat_ended` about them.
    ended: HashSet<ChatId>,
    session: String,
    session_expires_at_ms: i64,
}

impl AgentSocket {
    pub fn new(
        core: SocketCore,
        engine: Engine,
        (agent_id, agent): (UserId, Addr<AgentActor>),
        (session, session_expires_at_ms): (String, i64),
        resume: HashMap<ChatId, Seq>,
    ) -> AgentSocket {
        AgentSocket {
            core,
            engine,
            agent_id,
            agent,
            display_name: String::new(),
            resume,
            chats: HashMap::new(),
            ended: HashSet::new(),
            session,
            session_expires_at_ms,
        }
    }

    fn core(&mut self) -> &mut SocketCore {
        &mut self.core
    }

    fn subscribe(&mut self, chat_id: ChatId, ctx: &mut Context<Self>) {
        if self.chats.contains_key(&chat_id) {
            return;
        }
        let after = self.resume.remove(&chat_id).unwrap_or(Seq::NONE);
        let engine = self.engine.clone();
        let (socket_id, viewer) = (self.core.id, Viewer::Agent(self.agent_id));
        let (outbound, closed) = (ctx.address().recipient(), ctx.address().recipient());
        async move {
            let chat = engine.chat(chat_id).await?;
            let subscribe = Subscribe {
                socket_id,
                viewer,
                after,
                outbound,
                closed,
            };
            chat.send(subscribe).await??;
            Ok::<_, AppError>(chat)
        }
        .into_actor(self)
        .map(move |subscribed, act, ctx| match subscribed {
            Ok(chat) => {
                act.chats.insert(chat_id, chat);
            }
            Err(error) => act.core.send_error(&error, Some(chat_id), None, ctx),
        })
        .wait(ctx);
    }

    /// The actor of a chat the agent acts in; agents act only in their own chats, and the
    /// chat's actor checks that this agent takes part: the socket's own list is only what
    /// it has subscribed to, and a chat the agent has just accepted may not be in it yet.
    fn chat_for(
        &self,
        chat_id: ChatId,
    ) -> impl std::future::Future<Output = Result<Addr<ChatActor>, AppError>> + 'static {
        let known = if self.ended.contains(&chat_id) {
            Some(Err(AppError::Rule(RuleError::ChatEnded)))
        } else {
            self.chats.get(&chat_id).cloned().map(Ok)
        };
        let engine = self.engine.clone();
        async move {
            match known {
                Some(known) => known,
                None => engine.chat(chat_id).await,
            }
        }
    }

    /// Runs a request whose only answer is an error frame if it fails.
    fn report_failure<F>(&mut self, chat_id: Option<ChatId>, request: F, ctx: &mut Context<Self>)
    where
        F: std::future::Future<Output = Result<(), AppError>> + 'static,
    {
        report_failure(self, Self::core, chat_id, request, ctx);
    }

    fn handle_command(&mut self, command: AgentCommand, ctx: &mut Context<Self>) {
        match command {
            AgentCommand::SetPresence {
                presence,
                reason_id,
            } => {
                let choose = self.agent.send(ChoosePresence {
                    presence,
                    reason: reason_id,
                });
                self.report_failure(None, async move { choose.await? }, ctx);
            }
            AgentCommand::AcceptOffer { chat_id } => {
                let accept = self.agent.send(AcceptOffer { chat_id });
                self.report_failure(Some(chat_id), async move { accept.await? }, ctx);
            }
            AgentCommand::RejectOffer { chat_id } => {
                let reject = self.agent.send(RejectOffer { chat_id });
                self.report_failure(Some(chat_id), async move { reject.await? }, ctx);
            }
            AgentCommand::SendMessage {
                chat_id,
                text,
                client_key,
                private,
                attachments,
            } => self.post(chat_id, (text, attachments), client_key, private, ctx),
            AgentCommand::EndChat { chat_id } | AgentCommand::ConfirmDisconnect { chat_id } => {
                let by = EndedBy::Agent { id: self.agent_id };
                let chat = self.chat_for(chat_id);
                let end = async move { chat.await?.send(EndChat { by }).await? };
                self.report_failure(Some(chat_id), end, ctx);
            }
            AgentCommand::Typing { chat_id, typing } => {
                let by = Author::Agent {
                    id: self.agent_id,
                    name: self.display_name.clone(),
                };
                let chat = self.chat_for(chat_id);
                let relay = async move { chat.await?.send(Typing { by, typing }).await? };
                self.report_failure(Some(chat_id), relay, ctx);
            }
            AgentCommand::PreviewChat { chat_id } => {
                let preview = chat_preview(self.engine.clone(), self.agent_id, chat_id);
                self.answer(
                    chat_id,
                    preview,
                    |preview| ServerFrame::ChatPreview(&preview).to_text(),
                    ctx,
                );
            }
            AgentCommand::PickChat { chat_id } => {
                let (engine, agent) = (self.engine.clone(), self.agent.clone());
                let pick = async move {
                    engine.require_client_preview().await?;
                    agent.send(PickChat { chat_id }).await?
                };
                self.report_failure(Some(chat_id), pick, ctx);
            }
            AgentCommand::RedirectChat {
                chat_id,
                queue_id,
                agent_id,
            } => {
                let (engine, agent) = (self.engine.clone(), self.agent_id);
                let redirect = async move {
                    engine.require_client_preview().await?;
                    let (summary, queue) = engine.waiting_chat(chat_id).await?;
                    let from = summary.seed.queue_id;
                    let (to, to_agent) = match (queue_id, agent_id) {
                        (Some(queue), None) => (queue, None),
                        (None, Some(target)) if target == agent => {
                            return Err(AppError::InvalidInput(
                                "to take the chat yourself, use pick_chat".to_owned(),
                            ))
                        }
                        (None, Some(target)) => {
                            let (queue, name) = redirect_target(&engine, target, from).await?;
                            (queue, Some((target, name)))
                        }
                        _ => {
                            return Err(AppError::InvalidInput(
                                "redirect_chat takes either queue_id or agent_id".to_owned(),
                            ))
                        }
                    };
                    queue
                        .send(RedirectChat {
                            chat_id,
                            agent,
                            to,
                            to_agent,
                        })
                        .await??;
                    Ok((from, to))
                };
                self.answer(
                    chat_id,
                    redirect,
                    move |(from_queue_id, queue_id)| {
                        ServerFrame::ChatRedirected {
                            chat_id,
                            from_queue_id,
                            queue_id,
                            agent_id,
                        }
                        .to_text()
                    },
                    ctx,
                );
            }
            AgentCommand::ExpandPredefined { chat_id, id } => {
                let expand = expand_predefined(self.engine.clone(), self.agent_id, chat_id, id);
                self.answer(
                    chat_id,
                    expand,
                    move |text| {
                        ServerFrame::PredefinedExpanded {
                            chat_id,
                            id,
                            text: &text,
                        }
                        .to_text()
                    },
                    ctx,
                );
            }
            AgentCommand::OfferChoices {
                chat_id,
                prompt,
                options,
                client_key,
            } => self.offer_choices(chat_id, prompt, options, client_key, ctx),
            AgentCommand::Receipt {
                chat_id,
                delivered_seq,
                read_seq,
            } => {
                let chat = self.chat_for(chat_id);
                let receipt = Receipt {
                    reader: Reader::Agent { id: self.agent_id },
                    delivered: delivered_seq,
                    read: read_seq,
                };
                let told = async move { chat.await?.send(receipt).await? };
                self.report_failure(Some(chat_id), told, ctx);
            }
            AgentCommand::SubmitWrapUp {
                chat_id,
                reason_id,
                note,
            } => {
                // R50, R56: the note is checked here; the reason and the debt by the agent.
                let note = match WrapUpNote::parse(note.as_deref()) {
                    Ok(note) => note,
                    Err(rule) => {
                        self.core
                            .send_error(&AppError::from(rule), Some(chat_id), None, ctx);
                        return;
                    }
                };
                let submit = self.agent.send(SubmitWrapUp {
                    chat_id,
                    reason: reason_id,
                    note,
                });
                self.report_failure(Some(chat_id), async move { submit.await? }, ctx);
            }
            AgentCommand::TransferChat {
                chat_id,
                agent_id,
                queue_id,
                note,
            } => {
                let chat = self.chat_for(chat_id);
                let request = request_handover(
                    self.engine.clone(),
                    (self.agent_id, self.display_name.clone()),
                    HandoverKind::Transfer,
                    (agent_id, queue_id, note),
                    chat,
                );
                self.report_failure(Some(chat_id), request, ctx);
            }
            AgentCommand::InviteAgent {
                chat_id,
                agent_id,
                queue_id,
            } => {
                let chat = self.chat_for(chat_id);
                let request = request_handover(
                    self.engine.clone(),
                    (self.agent_id, self.display_name.clone()),
                    HandoverKind::Invitation,
                    (agent_id, queue_id, None),
                    chat,
                );
                self.report_failure(Some(chat_id), request, ctx);
            }
            AgentCommand::CancelTransfer { chat_id } => {
                let (chat, by) = (self.chat_for(chat_id), self.agent_id);
                let cancel = async move { chat.await?.send(CancelHandover { by }).await? };
                self.report_failure(Some(chat_id), cancel, ctx);
            }
            AgentCommand::EndConference { chat_id } => {
                let (chat, by) = (self.chat_for(chat_id), self.agent_id);
                let end = async move { chat.await?.send(EndConference { by }).await? };
                self.report_failure(Some(chat_id), end, ctx);
            }
            AgentCommand::LeaveChat { chat_id } => {
                let (chat, agent) = (self.chat_for(chat_id), self.agent_id);
                let leave = async move { chat.await?.send(LeaveChat { agent }).await? };
                self.report_failure(Some(chat_id), leave, ctx);
            }
            AgentCommand::Ping => self.core.send(&ServerFrame::Pong, ctx),
        }
    }

    /// Runs a request about `chat_id` whose answer is one frame to this socket: the frame
    /// made from its result, or an error.
    fn answer<T, F>(
        &mut self,
        chat_id: ChatId,
        request: F,
        frame: impl FnOnce(T) -> ByteString + 'static,
        ctx: &mut Context<Self>,
    ) where
        T: 'static,
        F: std::future::Future<Output = Result<T, AppError>> + 'static,
    {
        request
            .into_actor(self)
            .map(move |result, act, ctx| match result {
                Ok(value) => act.core.forward(Outbound::Frame(frame(value)), ctx),
                Err(error) => act.core.send_error(&error, Some(chat_id), None, ctx),
            })
            .spawn(ctx);
    }

    fn post(
        &mut self,
        chat_id: ChatId,
        (text, attachments): (String, Vec<String>),
        client_key: Option<String>,
        private: bool,
        ctx: &mut Context<Self>,
    ) {
        // R47, A1: a slash command is never stored nor sent to the visitor.
        match slash::parse(&text) {
            None => {}
            Some(Ok(SlashCommand::Disconnect)) => {
                self.core
                    .send(&ServerFrame::ConfirmDisconnect { chat_id }, ctx);
                return;
            }
            Some(Err(rule)) => return self.refuse(chat_id, client_key, rule, ctx),
        }
        let max_files = self.engine.settings().attachments.max_files_per_message;
        let parts = match message_parts(&text, &attachments, max_files) {
            Ok(parts) => parts,
            Err(rule) => return self.refuse(chat_id, client_key, rule, ctx),
        };
        let chat = self.chat_for(chat_id);
        let post = PostMessage {
            poster: Poster::Agent(self.agent_id),
            author_name: self.display_name.clone(),
            parts,
            client_key: client_key.clone(),
            private,
        };
        let posted = async move { chat.await?.send(post).await? };
        acknowledge(self, Self::core, chat_id, client_key, posted, ctx);
    }

    /// Answers a post that broke a rule before it reached the chat.
    fn refuse(
        &mut self,
        chat_id: ChatId,
        client_key: Option<String>,
        rule: RuleError,
        ctx: &mut Context<Self>,
    ) {
        let error = AppError::from(rule);
        self.core
            .send_error(&error, Some(chat_id), client_key.as_deref(), ctx);
    }

    /// R9, R42: an offer of options to the visitor, checked here, stored by the chat.
    fn offer_choices(
        &mut self,
        chat_id: ChatId,
        prompt: Option<String>,
        options: Vec<ChoiceDraft>,
        client_key: Option<String>,
        ctx: &mut Context<Self>,
    ) {
        let menu = match ChoiceMenu::parse(prompt.as_deref(), &options) {
            Ok(menu) => menu,
            Err(rule) => return self.refuse(chat_id, client_key, rule, ctx),
        };
        let chat = self.chat_for(chat_id);
        let offer = OfferChoices {
            agent: self.agent_id,
            agent_name: self.display_name.clone(),
            menu,
            client_key: client_key.clone(),
        };
        let offered = async move { chat.await?.send(offer).await? };
        acknowledge(self, Self::core, chat_id, client_key, offered, ctx);
    }
}

impl Actor for AgentSocket {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.core.start(ctx, Self::core);
        self.core
            .expire_with_session(self.session_expires_at_ms, ctx, Self::core);
        let handle = AgentSocketHandle {
            session: self.session.clone(),
            outbound: ctx.address().recipient(),
            join: ctx.address().recipient(),
            leave: ctx.address().recipient(),
            disconnect: ctx.address().recipient(),
        };
        let attach = AttachSocket {
            socket_id: self.core.id,
            handle,
        };
        self.agent
            .send(attach)
            .into_actor(self)
            .map(|attached, act, ctx| match attached {
                Ok(attached) => {
                    act.display_name = attached.display_name;
                    act.core.forward(Outbound::Frame(attached.hello), ctx);
                    for owed in attached.owed_wrap_ups {
                        act.core.forward(Outbound::Frame(owed), ctx);
                    }
                    for chat_id in attached.chats {
                        act.subscribe(chat_id, ctx);
                    }
                }
                Err(_) => {
                    act.core.writer.close(CloseCode::Again, "unavailable");
                    ctx.stop();
                }
            })
            .wait(ctx);
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.agent.do_send(DetachSocket {
            socket_id: self.core.id,
        });
        for chat in self.chats.values() {
            chat.do_send(Unsubscribe {
                socket_id: self.core.id,
            });
        }
    }
}

socket_plumbing!(AgentSocket, AgentCommand);

impl Handler<JoinChat> for AgentSocket {
    type Result = ();

    fn handle(&mut self, msg: JoinChat, ctx: &mut Self::Context) {
        self.subscribe(msg.chat_id, ctx);
    }
}

impl Handler<LeaveChatFeed> for AgentSocket {
    type Result = ();

    /// R43–R45: the agent is out of the chat (the chat has already dropped this socket).
    fn handle(&mut self, msg: LeaveChatFeed, _ctx: &mut Self::Context) {
        if let Some(chat) = self.chats.remove(&msg.chat_id) {
            chat.do_send(Unsubscribe {
                socket_id: self.core.id,
            });
        }
    }
}

impl Handler<FeedClosed> for AgentSocket {
    type Result = ();

    fn handle(&mut self, msg: FeedClosed, _ctx: &mut Self::Context) {
        if self.chats.remove(&msg.chat_id).is_some() {
            self.ended.insert(msg.chat_id);
        }
    }
}

impl Handler<Disconnect> for AgentSocket {
    type Result = ();

    fn handle(&mut self, msg: Disconnect, ctx: &mut Self::Context) {
        self.core.writer.close(CloseCode::Normal, msg.reason);
        ctx.stop();
    }
}

/// R35, R46, R16: where a chat redirected to `agent` waits: the chat's queue if the agent is a
/// member, else the agent's first queue; with the agent's name for the visitor's notice. Only
/// an active user who takes chats and belongs to a queue can be sent a chat.
async fn redirect_target(
    engine: &Engine,
    agent: UserId,
    from: QueueId,
) -> Result<(QueueId, String), AppError> {
    let (user, queues) = engine
        .db()
        .run(move |conn| {
            let user = store::users::by_id(conn, agent)?;
            let queues = store::queues::queues_of(conn, agent)?;
            Ok((user, queues))
        })
        .await?;
    let user = user.ok_or(AppError::UserNotFound)?;
    let takes_chats = Role::parse(&user.role).is_some_and(Role::takes_chats);
    if !(user.active && takes_chats) {
        return Err(RuleError::NotAnAgent.into());
    }
    let queue = direct_chat_queue(from, &queues).ok_or_else(|| {
        AppError::InvalidInput("that agent belongs to no queue, so no chat can reach it".to_owned())
    })?;
    Ok((queue, user.display_name))
}
