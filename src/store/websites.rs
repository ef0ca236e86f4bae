//! Chat websites (R57).

use diesel::prelude::*;
use serde_json::Value;

use super::schema::{chats, websites};
use super::{parse_json, to_json, AnyConnection, StoreError, StoreResult};
use crate::domain::availability::NoAgentMode;
use crate::domain::contact::ContactMapping;
use crate::domain::form::Form;
use crate::domain::identity::{IdentityPolicy, IdentitySecret};
use crate::domain::ids::{QueueId, WebsiteId};
use crate::domain::offline_message::OfflineOptions;
use crate::domain::schedule::{RangeForm, Schedule};
use crate::domain::unmanaged::{AutoClose, UnmanagedPolicy};
use crate::domain::visitor::Language;
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
    no_agent_mode: String,
    language: Option<String>,
    unmanaged_message: Option<String>,
    leave_message: bool,
    unmanaged_autoclose_ms: i64,
    offline_options: String,
    contact_mapping: String,
    identity_secret: Option<String>,
    require_signed_identity: bool,
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
    /// A17: the IANA zone of its working intervals, also used for times in transcripts (R86).
    pub time_zone: String,
    /// R5, R58, A17: its working intervals in its time zone (columns `time_zone` and
    /// `working_intervals`, where an empty list means Always).
    pub working_hours: Schedule,
    /// R31: what the widget shows when no member of the queue is Available.
    pub no_agent_mode: NoAgentMode,
    /// R59: 0 means no limit.
    pub max_concurrent_sessions: i32,
    pub queue_id: QueueId,
    /// R74: `None` means the name-only form.
    pub prechat_form: Option<Form>,
    /// R77: `None` means the default offline form (see [`Website::offline_form`]).
    pub offline_form: Option<Form>,
    pub appearance: Value,
    pub created_at_ms: i64,
    /// R76, R78, R79, A13: its message to visitors nobody took, leave-a-message, auto-close,
    /// and its language (columns `unmanaged_message`, `leave_message`,
    /// `unmanaged_autoclose_ms`, `language`).
    pub unmanaged: UnmanagedPolicy,
    /// R12, R64: the language of the mails the website sends; `None`: English.
    pub language: Option<Language>,
    pub offline_options: OfflineOptions,
    pub contact_mapping: ContactMapping,
    /// R52: its secret for signed visitor identities and whether it requires one.
    pub identity: IdentityPolicy,
}

impl Website {
    /// R77: the form a visitor fills in when live chat is offline.
    pub fn offline_form(&self) -> Form {
        self.offline_form
            .clone()
            .unwrap_or_else(Form::default_offline)
    }
}

/// A stored form definition, checked as it is read (`null`: none).
fn parse_form(column: &str, raw: &str) -> StoreResult<Option<Form>> {
    let value: Value = parse_json(column, raw)?;
    Form::parse_json(&value).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
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
            time_zone: row.time_zone.clone(),
            working_hours: {
                let ranges: Vec<RangeForm> =
                    parse_json("websites.working_intervals", &row.working_intervals)?;
                Schedule::from_zone_and_ranges(&row.time_zone, ranges).map_err(|e| {
                    StoreError::Corrupt(format!("websites.working_intervals of {}: {e}", row.id))
                })?
            },
            no_agent_mode: NoAgentMode::from_stored(&row.no_agent_mode).ok_or_else(|| {
                StoreError::Corrupt(format!("websites.no_agent_mode {:?}", row.no_agent_mode))
            })?,
            max_concurrent_sessions: row.max_concurrent_sessions,
            queue_id: QueueId(row.queue_id),
            prechat_form: parse_form("websites.prechat_form", &row.prechat_form)?,
            offline_form: parse_form("websites.offline_form", &row.offline_form)?,
            appearance: parse_json("websites.appearance", &row.appearance)?,
            created_at_ms: row.created_at_ms,
            language: row
                .language
                .as_deref()
                .map(Language::parse)
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("websites.language: {e}")))?,
            offline_options: parse_json("websites.offline_options", &row.offline_options)?,
            contact_mapping: parse_json("websites.contact_mapping", &row.contact_mapping)?,
            identity: IdentityPolicy {
                secret: row
                    .identity_secret
                    .as_deref()
                    .map(|raw| {
                        IdentitySecret::from_stored(raw).ok_or_else(|| {
                            StoreError::Corrupt(format!("websites.identity_secret of {}", row.id))
                        })
                    })
                    .transpose()?,
                require_signed: row.require_signed_identity,
            },
            unmanaged: UnmanagedPolicy {
                message: row.unmanaged_message,
                leave_message: row.leave_message,
                autoclose: AutoClose::from_ms(row.unmanaged_autoclose_ms),
                language: row.language.clone(),
            },
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

pub fn by_id(conn: &mut AnyConnection, id: WebsiteId) -> StoreResult<Option<Website>> {
    websites::table
        .find(id.0)
        .select(WebsiteRow::as_select())
        .first(conn)
        .optional()?
        .map(Website::try_from)
        .transpose()
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

/// R31: sets what the website's widget shows when nobody is Available (read at start).
pub fn set_no_agent_mode(
    conn: &mut AnyConnection,
    website: &WebsiteKey,
    mode: NoAgentMode,
) -> StoreResult<()> {
    diesel::update(websites::table.filter(websites::key.eq(website.as_str())))
        .set(websites::no_agent_mode.eq(mode.as_str()))
        .execute(conn)?;
    Ok(())
}

/// R14: sets the website's appearance, the widget's colours, texts and position (read at
/// start; free-form JSON the widget interprets).
pub fn set_appearance(
    conn: &mut AnyConnection,
    website: &WebsiteKey,
    appearance: &Value,
) -> StoreResult<()> {
    diesel::update(websites::table.filter(websites::key.eq(website.as_str())))
        .set(websites::appearance.eq(to_json(appearance)))
        .execute(conn)?;
    Ok(())
}

/// R58: sets the website's working intervals (read at start). Always is stored as no ranges.
pub fn set_working_hours(
    conn: &mut AnyConnection,
    website: &WebsiteKey,
    hours: &Schedule,
) -> StoreResult<()> {
    let form = hours.to_form();
    let time_zone = form.time_zone.unwrap_or_else(|| "UTC".to_owned());
    diesel::update(websites::table.filter(websites::key.eq(website.as_str())))
        .set((
            websites::time_zone.eq(time_zone),
            websites::working_intervals.eq(to_json(&form.ranges)),
        ))
        .execute(conn)?;
    Ok(())
}

/// R76, R78: sets the website's unmanaged message, leave-a-message switch, auto-close and
/// language (read at start).
pub fn set_unmanaged_policy(
    conn: &mut AnyConnection,
    website: &WebsiteKey,
    policy: &UnmanagedPolicy,
) -> StoreResult<()> {
    diesel::update(websites::table.filter(websites::key.eq(website.as_str())))
        .set((
            websites::unmanaged_message.eq(policy.message.as_deref()),
            websites::leave_message.eq(policy.leave_message),
            websites::unmanaged_autoclose_ms.eq(policy.autoclose.as_ms()),
            websites::language.eq(policy.language.as_deref()),
        ))
        .execute(conn)?;
    Ok(())
}

/// R59: sets the website's maximum of concurrent (queued or active) chats, 0 for no limit
/// (read at start).
pub fn set_session_cap(
    conn: &mut AnyConnection,
    website: &WebsiteKey,
    max_concurrent_sessions: i32,
) -> StoreResult<()> {
    diesel::update(websites::table.filter(websites::key.eq(website.as_str())))
        .set(websites::max_concurrent_sessions.eq(max_concurrent_sessions.max(0)))
        .execute(conn)?;
    Ok(())
}

/// R59: the first statement of a chat start's transaction. It takes the website's row, so
/// starts of one website wait for each other (PostgreSQL locks the row until the end of the
/// transaction) and the count that follows cannot be overtaken. On SQLite it also takes the
/// write lock first, waiting under the busy timeout: a transaction that read first and wrote
/// after would instead fail at once if another connection wrote in between.
pub fn lock_for_start(conn: &mut AnyConnection, website: WebsiteId) -> StoreResult<()> {
    diesel::update(websites::table.find(website.0))
        .set(websites::max_concurrent_sessions.eq(websites::max_concurrent_sessions))
        .execute(conn)?;
    Ok(())
}

fn form_json(form: Option<&Form>) -> String {
    form.map_or_else(|| "null".to_owned(), |f| to_json(&f.to_spec()))
}

/// R62, R74: sets the website's pre-chat and offline forms; false if no website has the id.
pub fn set_forms(
    conn: &mut AnyConnection,
    website: WebsiteId,
    prechat: Option<&Form>,
    offline: Option<&Form>,
) -> StoreResult<bool> {
    let changed = diesel::update(websites::table.find(website.0))
        .set((
            websites::prechat_form.eq(form_json(prechat)),
            websites::offline_form.eq(form_json(offline)),
        ))
        .execute(conn)?;
    Ok(changed > 0)
}

/// R12, R64: sets the website's language and offline options.
pub fn set_offline_options(
    conn: &mut AnyConnection,
    website: WebsiteId,
    language: Option<&Language>,
    options: &OfflineOptions,
) -> StoreResult<bool> {
    let changed = diesel::update(websites::table.find(website.0))
        .set((
            websites::language.eq(language.map(Language::as_str)),
            websites::offline_options.eq(to_json(options)),
        ))
        .execute(conn)?;
    Ok(changed > 0)
}

/// R65: sets how the website's form values become contacts.
pub fn set_contact_mapping(
    conn: &mut AnyConnection,
    website: WebsiteId,
    mapping: &ContactMapping,
) -> StoreResult<bool> {
    let changed = diesel::update(websites::table.find(website.0))
        .set(websites::contact_mapping.eq(to_json(mapping)))
        .execute(conn)?;
    Ok(changed > 0)
}

/// R52: sets the website's identity secret and whether it requires signed identities.
pub fn set_identity(
    conn: &mut AnyConnection,
    website: WebsiteId,
    identity: &IdentityPolicy,
) -> StoreResult<bool> {
    let changed = diesel::update(websites::table.find(website.0))
        .set((
            websites::identity_secret.eq(identity.secret.as_ref().map(IdentitySecret::as_str)),
            websites::require_signed_identity.eq(identity.require_signed),
        ))
        .execute(conn)?;
    Ok(changed > 0)
}

/// R59: how many chats of the website are queued or active.
pub fn open_chat_count(conn: &mut AnyConnection, website: WebsiteId) -> StoreResult<i64> {
    Ok(chats::table
        .filter(chats::website_id.eq(website.0))
        .filter(chats::state.ne("ended"))
        .count()
        .get_result(conn)?)
}

/// R14: the appearance a new website starts with (the widget's labels and colour).
pub fn default_appearance() -> Value {
    serde_json::json!({
        "title_online": "Chat with us",
        "title_offline": "Leave us a message",
        "launcher_label": "Chat",
        "position": "right",
        "primary_color": "#1f6feb"
    })
}

/// R57: whether a website already has this key.
pub fn key_taken(conn: &mut AnyConnection, key: &WebsiteKey) -> StoreResult<bool> {
    let count: i64 = websites::table
        .filter(websites::key.eq(key.as_str()))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// R1, R2, R14, R57-R59: stores what a supervisor edits on a website's page (not its key, nor
/// the settings of the other endpoints); false if no website has the id.
pub fn set_profile(conn: &mut AnyConnection, website: &Website) -> StoreResult<bool> {
    let form = website.working_hours.to_form();
    let changed = diesel::update(websites::table.find(website.id.0))
        .set((
            websites::name.eq(&website.name),
            websites::description.eq(&website.description),
            websites::allowed_domains.eq(to_json(&website.allowed_domains)),
            websites::time_zone.eq(&website.time_zone),
            websites::working_intervals.eq(to_json(&form.ranges)),
            websites::max_concurrent_sessions.eq(website.max_concurrent_sessions),
            websites::queue_id.eq(website.queue_id.0),
            websites::appearance.eq(to_json(&website.appearance)),
            websites::language.eq(website.language.as_ref().map(Language::as_str)),
        ))
        .execute(conn)?;
    Ok(changed > 0)
}

/// The website with this key, if any.
pub fn by_key(conn: &mut AnyConnection, key: &WebsiteKey) -> StoreResult<Option<Website>> {
    websites::table
        .filter(websites::key.eq(key.as_str()))
        .select(WebsiteRow::as_select())
        .first(conn)
        .optional()?
        .map(Website::try_from)
        .transpose()
}

/// R57: what uses the website: its chats not ended, and its history (ended chats and offline
/// messages).
pub fn usage(
    conn: &mut AnyConnection,
    website: WebsiteId,
) -> StoreResult<crate::domain::retirement::WebsiteUsage> {
    use super::schema::offline_messages;
    let open_chats = open_chat_count(conn, website)?;
    let all_chats: i64 = chats::table
        .filter(chats::website_id.eq(website.0))
        .count()
        .get_result(conn)?;
    let offline: i64 = offline_messages::table
        .filter(offline_messages::website_id.eq(website.0))
        .count()
        .get_result(conn)?;
    Ok(crate::domain::retirement::WebsiteUsage {
        open_chats,
        history: all_chats - open_chats + offline,
    })
}

/// R57: deletes the website (its bans and pending uploads go with it, by the schema); false
/// if there was none.
pub fn delete(conn: &mut AnyConnection, website: WebsiteId) -> StoreResult<bool> {
    Ok(diesel::delete(websites::table.find(website.0)).execute(conn)? > 0)
}
