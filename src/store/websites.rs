//! Chat websites (R57).

use diesel::prelude::*;
use serde_json::Value;

use super::schema::{chats, websites};
use super::{parse_json, AnyConnection, StoreError, StoreResult};
use crate::domain::ids::{QueueId, WebsiteId};
use crate::domain::website::WebsiteKey;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = websites)]
struct WebsiteRow {
    id: i64,
    key: String,
    name: String,
    description: String,
    allowed_domains: String,
    time_zone: String,
    working_intervals: String,
    max_concurrent_sessions: i32,
    queue_id: i64,
    prechat_form: String,
    offline_form: String,
    appearance: String,
    created_at_ms: i64,
}

/// A website with its JSON columns read.
#[derive(Debug, Clone)]
pub struct Website {
    pub id: WebsiteId,
    pub key: WebsiteKey,
    pub name: String,
    pub description: String,
    /// R2: the origins a widget may open chats from (see `domain::website::origin_is_allowed`).
    pub allowed_domains: Vec<String>,
    /// A17: the IANA time zone its working intervals are read in.
    pub time_zone: String,
    /// R58: weekly ranges; empty means Always.
    pub working_intervals: Value,
    /// R59: 0 means no limit.
    pub max_concurrent_sessions: i32,
    pub queue_id: QueueId,
    /// R74: `null` means the name-only form.
    pub prechat_form: Value,
    pub offline_form: Value,
    pub appearance: Value,
    pub created_at_ms: i64,
}

impl TryFrom<WebsiteRow> for Website {
    type Error = StoreError;
    fn try_from(row: WebsiteRow) -> StoreResult<Website> {
        Ok(Website {
            id: WebsiteId(row.id),
            key: WebsiteKey::parse(&row.key)
                .map_err(|e| StoreError::Corrupt(format!("websites.key {:?}: {e}", row.key)))?,
            name: row.name,
            description: row.description,
            allowed_domains: parse_json("websites.allowed_domains", &row.allowed_domains)?,
            time_zone: row.time_zone,
            working_intervals: parse_json("websites.working_intervals", &row.working_intervals)?,
            max_concurrent_sessions: row.max_concurrent_sessions,
            queue_id: QueueId(row.queue_id),
            prechat_form: parse_json("websites.prechat_form", &row.prechat_form)?,
            offline_form: parse_json("websites.offline_form", &row.offline_form)?,
            appearance: parse_json("websites.appearance", &row.appearance)?,
            created_at_ms: row.created_at_ms,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = websites)]
pub struct NewWebsite<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub allowed_domains: String,
    pub time_zone: &'a str,
    pub working_intervals: String,
    pub max_concurrent_sessions: i32,
    pub queue_id: i64,
    pub prechat_form: String,
    pub offline_form: String,
    pub appearance: String,
    pub created_at_ms: i64,
}

pub fn insert(conn: &mut AnyConnection, website: &NewWebsite<'_>) -> StoreResult<WebsiteId> {
    let id = diesel::insert_into(websites::table)
        .values(website)
        .returning(websites::id)
        .get_result::<i64>(conn)?;
    Ok(WebsiteId(id))
}

pub fn all(conn: &mut AnyConnection) -> StoreResult<Vec<Website>> {
    websites::table
        .order(websites::id)
        .select(WebsiteRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Website::try_from)
        .collect()
}

/// R59: how many chats of the website are queued or active.
pub fn open_chat_count(conn: &mut AnyConnection, website: WebsiteId) -> StoreResult<i64> {
    Ok(chats::table
        .filter(chats::website_id.eq(website.0))
        .filter(chats::state.ne("ended"))
        .count()
        .get_result(conn)?)
}
