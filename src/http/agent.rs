//! The agent's live socket.

use std::collections::HashMap;

use actix::{Actor, AsyncContext};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::agent_socket::AgentSocket;
use super::auth::CurrentUser;
use super::socket::{self, SocketCore, SocketWriter};
use crate::actors::{next_socket_id, Engine};
use crate::domain::ids::{ChatId, Seq};
use crate::error::AppError;

#[derive(Debug, Deserialize)]
pub struct AgentSocketQuery {
    /// `chat:seq` pairs separated by commas: the last event the client has of each chat.
    #[serde(default)]
    resume: String,
}

/// Reads `12:40,13:7`; anything else is an `invalid_input` error.
fn parse_resume(raw: &str) -> Result<HashMap<ChatId, Seq>, AppError> {
    raw.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            let (chat, seq) = part.split_once(':').ok_or_else(|| {
                AppError::InvalidInput(format!("resume: {part:?} is not chat:seq"))
            })?;
            let chat = chat.trim().parse::<i64>();
            let seq = seq.trim().parse::<i64>();
            match (chat, seq) {
                (Ok(chat), Ok(seq)) if seq >= 0 => Ok((ChatId(chat), Seq(seq))),
                _ => Err(AppError::InvalidInput(format!(
                    "resume: {part:?} is not chat:seq"
                ))),
            }
        })
        .collect()
}

/// `GET /api/v1/agent/ws`
pub async fn socket(
    engine: web::Data<Engine>,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<AgentSocketQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    let resume = parse_resume(&query.resume)?;
    let agent_id = user.id();
    let agent = engine.agent(agent_id).await?;
    let realtime = engine.settings().realtime.clone();
    let (response, session, stream) = socket::upgrade(&req, body, &realtime)?;
    let writer = SocketWriter::spawn(session, realtime.outbound_queue_len);
    let core = SocketCore::new(next_socket_id(), writer, realtime);
    let engine = engine.get_ref().clone();
    AgentSocket::create(move |ctx| {
        ctx.add_stream(stream);
        AgentSocket::new(core, engine, agent_id, agent, resume)
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_lists_chat_and_sequence_pairs() {
        let parsed = parse_resume("12:40, 13:7").unwrap();
        assert_eq!(parsed.get(&ChatId(12)), Some(&Seq(40)));
        assert_eq!(parsed.get(&ChatId(13)), Some(&Seq(7)));
        assert!(parse_resume("").unwrap().is_empty());
        assert!(parse_resume("12").is_err());
        assert!(parse_resume("12:-1").is_err());
        assert!(parse_resume("a:b").is_err());
    }
}
