//! R35, R36, R90: the client preview an agent opens from its waiting list, before accepting.

use crate::actors::chat::Describe;
use crate::actors::queue::PreviewWaiting;
use crate::actors::Engine;
use crate::domain::chat::ChatState;
use crate::domain::ids::{ChatId, Seq, UserId};
use crate::domain::RuleError;
use crate::error::AppError;
use crate::protocol::{ChatPreview, RoutedTo};
use crate::store;
use crate::store::chats::VisitorTrail;

/// At most this many earlier sessions are listed.
const PAST_SESSIONS: i64 = 20;

/// What `agent` may see of `chat_id`. A waiting chat is previewed by members of its queue, and
/// only while an admin leaves the preview on; an agent of the chat sees it in any state, so a
/// dashboard that reloads gets the visitor's details back.
pub async fn chat_preview(
    engine: Engine,
    agent: UserId,
    chat_id: ChatId,
) -> Result<ChatPreview, AppError> {
    let summary = engine.chat(chat_id).await?.send(Describe).await?;
    let (options, position) = if summary.agents.contains(&agent) {
        (engine.options().await?, None)
    } else if summary.state == ChatState::Queued {
        let options = engine.require_client_preview().await?;
        let queue = engine
            .queue(summary.seed.queue_id)
            .ok_or(AppError::ChatNotWaiting)?;
        let position = queue.send(PreviewWaiting { chat_id, agent }).await??;
        (options, Some(position))
    } else {
        return Err(RuleError::NotAParticipant.into());
    };
    let limit = engine.settings().realtime.replay_batch.max(1);
    let (events, pages, past_sessions, routed_to, notes) = engine
        .db()
        .run(move |conn| {
            let events = store::chats::events_after(conn, chat_id, Seq::NONE, true, limit)?;
            let pages = store::visitors::page_views_of(conn, chat_id)?;
            let row = store::chats::by_id(conn, chat_id)?;
            let trail = row.as_ref().map(VisitorTrail::of).unwrap_or_default();
            let past = store::chats::past_sessions(conn, &trail, chat_id, PAST_SESSIONS)?;
            // R46, R90: the agents' notes on this chat and on its contact.
            let notes = store::notes::of_chat(conn, chat_id, trail.contact_id)?;
            // R36: the steps that went to an agent (offered, rejected, expired, ...).
            let routed = if options.show_routed_agents {
                let steps = store::routing::of_chat(conn, chat_id)?;
                let to_agents = steps.into_iter().filter_map(|step| {
                    Some(RoutedTo {
                        agent_id: UserId(step.agent_id?),
                        agent_name: step.agent_name,
                        step: step.step,
                        detail: step.detail,
                        at_ms: step.at_ms,
                    })
                });
                Some(to_agents.collect())
            } else {
                None
            };
            Ok((events, pages, past, routed, notes))
        })
        .await?;
    let seed = summary.seed;
    Ok(ChatPreview {
        chat_id,
        state: summary.state.as_str(),
        queue_id: seed.queue_id,
        queue_name: engine.queue_name(seed.queue_id).unwrap_or_default(),
        website_key: seed.website_key,
        visitor_name: seed.visitor_name,
        requested_at_ms: seed.requested_at_ms,
        position,
        visitor_details: seed.visitor_details,
        events,
        pages,
        past_sessions,
        notes,
        routed_to,
    })
}
