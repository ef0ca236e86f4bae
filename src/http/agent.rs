//! The agent's live socket.

use std::collections::HashMap;

use actix::{Actor, AsyncContext};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::agent_socket::AgentSocket;
use super::auth::CurrentUser;
use super::socket;
use crate::actors::Engine;
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

/// Is `origin` (`scheme://host[:port]`) the origin of a request sent to `host` (`host[:port]`)?
pub(super) fn is_same_origin(origin: &str, host: &str) -> bool {
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.trim_end_matches('/').eq_ignore_ascii_case(host))
}

/// `GET /api/v1/agent/ws`
pub async fn socket(
    engine: web::Data<Engine>,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Payload,
    query: web::Query<AgentSocketQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    // The dashboard is served by the engine itself; a page elsewhere may not open an agent's
    // socket with the agent's cookie (cross-site WebSocket hijacking).
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let host = req.connection_info().host().to_owned();
        if !is_same_origin(origin.to_str().unwrap_or_default(), &host) {
            return Err(AppError::OriginNotAllowed.into());
        }
    }
    let resume = parse_resume(&query.resume)?;
    let agent_id = user.id();
    let login = (user.session().to_owned(), user.session_expires_at_ms);
    let agent = engine.agent(agent_id).await?;
    let (response, core, stream) =
        socket::open(&req, body, &engine, crate::metrics::SocketKind::Agent)?;
    let core = core.tag("agent_id", &agent_id);
    let engine = engine.get_ref().clone();
    AgentSocket::create(move |ctx| {
        ctx.add_stream(stream);
        AgentSocket::new(core, engine, (agent_id, agent), login, resume)
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

    #[test]
    fn only_the_engines_own_origin_opens_agent_sockets() {
        assert!(is_same_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(is_same_origin(
            "https://Chat.Example.com",
            "chat.example.com"
        ));
        assert!(!is_same_origin("https://evil.example", "chat.example.com"));
        assert!(!is_same_origin("http://127.0.0.1:9999", "127.0.0.1:8080"));
        assert!(!is_same_origin("null", "127.0.0.1:8080"));
    }
}
