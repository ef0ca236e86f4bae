//! Websites as admins create and edit them and supervisors list them (R1, R2, R14, R57-R59, A17):
//! name, allowed domains, target queue, working intervals in the website's time zone, session
//! cap, language and appearance. A change is checked by the domain rules, stored, and used by
//! the running website before the answer (the Origin rule, the widget's mode, the queue).
//! Forms, offline options, contact mapping and identity have their own endpoints
//! (`website_settings.rs`).

use actix_web::{web, HttpResponse};
use diesel::Connection;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{CurrentUser, ADMINS, SUPERVISORS};
use super::visitor::website;
use super::website_settings::body_as;
use crate::actors::website::{ChangeProfile, GetWebsite, WebsiteProfile};
use crate::actors::Engine;
use crate::clock::now_ms;
use crate::domain::ids::QueueId;
use crate::domain::proactive::parse_appearance;
use crate::domain::schedule::{Schedule, ScheduleForm};
use crate::domain::visitor::Language;
use crate::domain::website::{parse_allowed_domains, parse_session_cap, WebsiteKey};
use crate::domain::RuleError;
use crate::error::AppError;
use crate::store::{self, to_json, websites::NewWebsite, websites::Website};

/// The longest website name and description.
const MAX_NAME_CHARS: usize = 100;
const MAX_DESCRIPTION_CHARS: usize = 1000;

/// A website as the console shows it.
fn view(website: &Website) -> Value {
    json!({
        "id": website.id.0,
        "key": website.key,
        "name": website.name,
        "description": website.description,
        "allowed_domains": website.allowed_domains,
        "queue_id": website.queue_id.0,
        "time_zone": website.time_zone,
        "working_hours": website.working_hours.to_form(),
        "max_concurrent_sessions": website.max_concurrent_sessions,
        "language": website.language,
        "appearance": website.appearance,
        "created_at_ms": website.created_at_ms,
    })
}

/// The editable part of a website, as `PUT` takes it and `POST` takes it with a key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProfileBody {
    name: String,
    #[serde(default)]
    description: String,
    allowed_domains: Vec<String>,
    queue_id: i64,
    /// The zone of transcripts and of Always working hours; ranges carry their own.
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    working_hours: Option<ScheduleForm>,
    #[serde(default)]
    max_concurrent_sessions: i64,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    appearance: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub(super) struct NewWebsiteBody {
    key: String,
    #[serde(flatten)]
    profile: Value,
}

pub(super) fn checked_text(text: &str, max: usize) -> Result<String, AppError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(RuleError::NameTooLong { max }.into());
    }
    if text.chars().any(char::is_control) {
        return Err(RuleError::ControlCharacters.into());
    }
    Ok(text.to_owned())
}

/// What an edit keeps when its body leaves it out: the website's zone and appearance.
struct Fallback {
    time_zone: String,
    appearance: Value,
}

/// Checks a profile by the domain rules.
fn parse_profile(body: ProfileBody, fallback: Fallback) -> Result<WebsiteProfile, AppError> {
    let name = checked_text(&body.name, MAX_NAME_CHARS)?;
    if name.is_empty() {
        return Err(RuleError::EmptyName.into());
    }
    let working_hours = match &body.working_hours {
        None => Schedule::always_open(),
        Some(form) => Schedule::parse(form)?,
    };
    // The website's zone: its ranges' zone, else the one given (checked like a schedule's).
    let time_zone = match working_hours.to_form().time_zone {
        Some(zone) => zone,
        None => match body.time_zone.as_deref().map(str::trim) {
            None | Some("") => fallback.time_zone,
            Some(zone) => Schedule::from_zone_and_ranges(zone, Vec::new())
                .map_err(AppError::from)
                .map(|_| zone.to_owned())?,
        },
    };
    let appearance = body.appearance.unwrap_or(fallback.appearance);
    if !appearance.is_object() {
        return Err(AppError::InvalidInput(
            "appearance must be a JSON object".to_owned(),
        ));
    }
    // R61: the proactive rules inside it are parsed too.
    let appearance = parse_appearance(appearance)?;
    Ok(WebsiteProfile {
        name,
        description: checked_text(&body.description, MAX_DESCRIPTION_CHARS)?,
        allowed_domains: parse_allowed_domains(&body.allowed_domains)?,
        time_zone,
        working_hours,
        max_concurrent_sessions: parse_session_cap(body.max_concurrent_sessions)?,
        queue_id: QueueId(body.queue_id),
        language: match body.language.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => Some(Language::parse(code)?),
        },
        appearance,
    })
}

/// `GET /api/v1/websites`: every website, oldest first.
pub async fn list(engine: web::Data<Engine>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let websites = engine.db().run(store::websites::all).await?;
    let mut shown = Vec::with_capacity(websites.len());
    for stored in websites {
        // The running website's copy is the one in use (and equal to the stored one).
        let website = match engine.website(&stored.key) {
            Some(actor) => actor.send(GetWebsite).await?,
            None => stored,
        };
        shown.push(view(&website));
    }
    Ok(HttpResponse::Ok().json(json!({ "websites": shown })))
}

/// `GET /api/v1/websites/{key}`
pub async fn show(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let website = website(&engine, &key)?.send(GetWebsite).await?;
    Ok(HttpResponse::Ok().json(view(&website)))
}

/// `PUT /api/v1/websites/{key}`: the whole profile; the key cannot change (agents' tabs and
/// the widgets' snippets use it).
pub async fn update(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let body: ProfileBody = body_as(body)?;
    let actor = website(&engine, &key)?;
    let current = actor.send(GetWebsite).await?;
    let fallback = Fallback {
        time_zone: current.time_zone,
        appearance: current.appearance,
    };
    let profile = parse_profile(body, fallback)?;
    let website = actor.send(ChangeProfile { profile }).await??;
    tracing::info!(website = %website.key, by = %user.id(), "website changed");
    Ok(HttpResponse::Ok().json(view(&website)))
}

/// `POST /api/v1/websites`: a new website, live at once.
pub async fn create(
    engine: web::Data<Engine>,
    user: CurrentUser,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let body: NewWebsiteBody = body_as(body)?;
    let key = WebsiteKey::parse(&body.key)?;
    let profile: ProfileBody =
        serde_json::from_value(body.profile).map_err(|e| AppError::InvalidBody(e.to_string()))?;
    let fallback = Fallback {
        time_zone: "UTC".to_owned(),
        appearance: store::websites::default_appearance(),
    };
    let profile = parse_profile(profile, fallback)?;
    if engine.queue(profile.queue_id).is_none() {
        return Err(AppError::QueueNotFound);
    }
    let website = engine
        .db()
        .run({
            let key = key.clone();
            move |conn| {
                Ok(conn.transaction(|conn| -> Result<Website, AppError> {
                    store::write_first(conn)?;
                    if store::websites::key_taken(conn, &key)? {
                        return Err(RuleError::WebsiteKeyTaken.into());
                    }
                    let ranges = profile.working_hours.to_form().ranges;
                    let id = store::websites::insert(
                        conn,
                        &NewWebsite {
                            key: key.as_str(),
                            name: &profile.name,
                            description: &profile.description,
                            allowed_domains: to_json(&profile.allowed_domains),
                            time_zone: &profile.time_zone,
                            working_intervals: to_json(&ranges),
                            max_concurrent_sessions: profile.max_concurrent_sessions,
                            queue_id: profile.queue_id.0,
                            prechat_form: "null".to_owned(),
                            offline_form: "null".to_owned(),
                            appearance: to_json(&profile.appearance),
                            created_at_ms: now_ms(),
                        },
                    )?;
                    let mut website =
                        store::websites::by_id(conn, id)?.ok_or(AppError::WebsiteNotFound)?;
                    website = profile.applied_to(&website);
                    store::websites::set_profile(conn, &website)?;
                    Ok(website)
                }))
            }
        })
        .await??;
    let queue = website.queue_id;
    engine.start_website(website.clone(), 0).await?;
    engine.tell_websites_of(queue);
    tracing::info!(website = %website.key, by = %user.id(), "website created");
    Ok(HttpResponse::Created().json(view(&website)))
}

/// `DELETE /api/v1/websites/{key}`: R57, admins only. A website is deleted only while it has
/// no chats and no offline messages (they are kept for review and the chat logs): otherwise
/// `website_in_use`, saying which. The widgets of a deleted website stop at once (its key is
/// unknown from then on).
pub async fn delete(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let actor = website(&engine, &key)?;
    let current = actor.send(GetWebsite).await?;
    let id = current.id;
    // Checked and deleted in one transaction; a chat that starts meanwhile locks the row first
    // (`lock_for_start`), so it either comes before the check or finds no website.
    engine
        .db()
        .run(move |conn| {
            Ok(conn.transaction(|conn| -> Result<(), AppError> {
                store::websites::lock_for_start(conn, id)?;
                let usage = store::websites::usage(conn, id)?;
                if let Some(why) = usage.refusal() {
                    return Err(AppError::WebsiteInUse(why));
                }
                if !store::websites::delete(conn, id)? {
                    return Err(AppError::WebsiteNotFound);
                }
                Ok(())
            }))
        })
        .await??;
    engine.forget_website(&current);
    tracing::info!(website = %current.key, by = %user.id(), "website deleted");
    Ok(HttpResponse::NoContent().finish())
}
