//! `VisitorSocket`: one per widget WebSocket. It replays what the visitor missed, then relays
//! the chat's public events and its website's mode (R5), and turns the visitor's frames into
//! chat commands.

use actix::prelude::*;
use actix_ws::CloseCode;

use super::socket::{acknowledge, report_failure, socket_plumbing, SocketCore};
use crate::actors::chat::{
    ChatActor, ChatSummary, EndChat, PickChoice, PostMessage, Receipt, RecordPageView, Subscribe,
    Typing, Unsubscribe, Viewer,
};
use crate::actors::website::{UnwatchMode, WatchMode, WebsiteActor};
use crate::actors::FeedClosed;
use crate::domain::attachment::message_parts;
use crate::domain::chat::{ChatState, EndedBy, Poster};
use crate::domain::event::Author;
use crate::domain::ids::{ChatId, Seq};
use crate::domain::receipt::Reader;
use crate::domain::visitor::PageView;
use crate::error::AppError;
use crate::protocol::{ServerFrame, VisitorCommand};

pub struct VisitorSocket {
    core: SocketCore,
    chat_id: ChatId,
    chat: Addr<ChatActor>,
    /// R5: the chat's website, whose mode changes the socket relays while the chat is open.
    website: Option<Addr<WebsiteActor>>,
    visitor_name: String,
    /// The last sequence number the client says it has; the gap after it is replayed.
    resume_after: Seq,
    state: ChatState,
    last_seq: Seq,
    /// A10: `attachments.max_files_per_message`.
    max_files: usize,
}

impl VisitorSocket {
    /// A socket on the chat `summary` describes, as it was when the socket opened.
    pub fn new(
        core: SocketCore,
        chat: Addr<ChatActor>,
        summary: &ChatSummary,
        (website, max_files): (Option<Addr<WebsiteActor>>, usize),
        visitor_name: String,
        resume_after: Seq,
    ) -> VisitorSocket {
        VisitorSocket {
            core,
            chat_id: summary.seed.chat_id,
            chat,
            website,
            visitor_name,
            resume_after,
            state: summary.state,
            last_seq: summary.last_seq,
            max_files,
        }
    }

    fn core(&mut self) -> &mut SocketCore {
        &mut self.core
    }

    /// Runs a command that stores an event; answers `ack` or `error` with the client's key.
    fn acknowledge<F>(&mut self, client_key: Option<String>, request: F, ctx: &mut Context<Self>)
    where
        F: std::future::Future<Output = Result<Seq, AppError>> + 'static,
    {
        let chat_id = self.chat_id;
        acknowledge(self, Self::core, chat_id, client_key, request, ctx);
    }

    fn handle_command(&mut self, command: VisitorCommand, ctx: &mut Context<Self>) {
        match command {
            VisitorCommand::SendMessage {
                text,
                client_key,
                attachments,
            } => {
                let max_files = self.max_files;
                let parts = match message_parts(&text, &attachments, max_files) {
                    Ok(parts) => parts,
                    Err(rule) => {
                        let error = AppError::from(rule);
                        let chat_id = Some(self.chat_id);
                        self.core
                            .send_error(&error, chat_id, client_key.as_deref(), ctx);
                        return;
                    }
                };
                let post = self.chat.send(PostMessage {
                    poster: Poster::Visitor,
                    author_name: self.visitor_name.clone(),
                    parts,
                    client_key: client_key.clone(),
                    private: false,
                });
                self.acknowledge(client_key, async move { post.await? }, ctx);
            }
            VisitorCommand::PickChoice {
                offer_seq,
                option_id,
                client_key,
            } => {
                let pick = self.chat.send(PickChoice {
                    visitor_name: self.visitor_name.clone(),
                    offer_seq,
                    option_id,
                    client_key: client_key.clone(),
                });
                self.acknowledge(client_key, async move { pick.await? }, ctx);
            }
            VisitorCommand::Receipt {
                delivered_seq,
                read_seq,
            } => {
                let receipt = self.chat.send(Receipt {
                    reader: Reader::Visitor,
                    delivered: delivered_seq,
                    read: read_seq,
                });
                let chat_id = Some(self.chat_id);
                report_failure(
                    self,
                    Self::core,
                    chat_id,
                    async move { receipt.await? },
                    ctx,
                );
            }
            VisitorCommand::EndChat => {
                let end = self.chat.send(EndChat {
                    by: EndedBy::Visitor,
                });
                let chat_id = Some(self.chat_id);
                report_failure(self, Self::core, chat_id, async move { end.await? }, ctx);
            }
            VisitorCommand::PageView { url, title } => {
                match PageView::parse(&url, title.as_deref()) {
                    Ok(view) => {
                        let record = self.chat.send(RecordPageView { view });
                        let chat_id = Some(self.chat_id);
                        report_failure(
                            self,
                            Self::core,
                            chat_id,
                            async move { record.await? },
                            ctx,
                        );
                    }
                    Err(rule) => {
                        let chat_id = Some(self.chat_id);
                        self.core.send_error(&rule.into(), chat_id, None, ctx);
                    }
                }
            }
            VisitorCommand::Typing { typing } => {
                let by = Author::Visitor {
                    name: self.visitor_name.clone(),
                };
                let relay = self.chat.send(Typing { by, typing });
                let chat_id = Some(self.chat_id);
                report_failure(self, Self::core, chat_id, async move { relay.await? }, ctx);
            }
            VisitorCommand::Ping => self.core.send(&ServerFrame::Pong, ctx),
        }
    }
}

impl Actor for VisitorSocket {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.core.start(ctx, Self::core);
        let hello = ServerFrame::VisitorHello {
            chat_id: self.chat_id,
            state: self.state.as_str(),
            last_seq: self.last_seq,
        };
        self.core.send(&hello, ctx);
        let subscribe = Subscribe {
            socket_id: self.core.id,
            viewer: Viewer::Visitor,
            after: self.resume_after,
            outbound: ctx.address().recipient(),
            closed: ctx.address().recipient(),
        };
        self.chat
            .send(subscribe)
            .into_actor(self)
            .map(|subscribed, act, ctx| {
                // An ended chat replays its history and then closes the feed (R8).
                match subscribed.map_err(AppError::from).and_then(|r| r) {
                    // R5: so that the widget knows, when the chat ends, whether the next click
                    // starts a chat or shows the offline form. An ended chat's socket closes
                    // after its replay and watches nothing.
                    Ok(subscribed) if subscribed.state != ChatState::Ended => {
                        if let Some(website) = &act.website {
                            website.do_send(WatchMode {
                                socket_id: act.core.id,
                                outbound: ctx.address().recipient(),
                            });
                        }
                    }
                    Ok(_) => {}
                    Err(error) => {
                        let chat_id = Some(act.chat_id);
                        act.core.send_error(&error, chat_id, None, ctx);
                        act.core.writer.close(CloseCode::Error, error.code());
                        ctx.stop();
                    }
                }
            })
            .wait(ctx);
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.chat.do_send(Unsubscribe {
            socket_id: self.core.id,
        });
        if let Some(website) = &self.website {
            website.do_send(UnwatchMode {
                socket_id: self.core.id,
            });
        }
    }
}

socket_plumbing!(VisitorSocket, VisitorCommand);

impl Handler<FeedClosed> for VisitorSocket {
    type Result = ();

    /// R8: the chat ended; the widget takes no more messages for it.
    fn handle(&mut self, _msg: FeedClosed, ctx: &mut Self::Context) {
        self.core.writer.close(CloseCode::Normal, "chat_ended");
        ctx.stop();
    }
}
