//! Contacts (R65, R88): found by a website's match key in its contact list, or created from
//! the mapped form values. Addresses are stored in lower case and phone numbers as digits,
//! the forms they are matched in.

use diesel::prelude::*;
use serde_json::{Map, Value};

use super::schema::contacts;
use super::{parse_json, to_json, AnyConnection, StoreResult};
use crate::domain::contact::{ContactDraft, ContactMapping, MatchKey};
use crate::domain::email::EmailAddress;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contacts)]
struct ContactRow {
    id: i64,
    email: Option<String>,
    phone: Option<String>,
    fields: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = contacts)]
struct NewContact<'a> {
    name: &'a str,
    email: Option<String>,
    phone: Option<&'a str>,
    fields: String,
    created_at_ms: i64,
    list: &'a str,
}

/// R88: the contact the draft describes in the mapping's list: found by the match key, its
/// missing values filled in from the draft; or created. `None` when the draft has no value
/// for the match key (then nothing is matched or created).
pub fn find_or_create(
    conn: &mut AnyConnection,
    mapping: &ContactMapping,
    draft: &ContactDraft,
    now_ms: i64,
) -> StoreResult<Option<i64>> {
    let Some(key) = mapping.match_value(draft) else {
        return Ok(None);
    };
    let in_list = contacts::table.filter(contacts::list.eq(&mapping.list));
    let found = match mapping.match_key {
        MatchKey::Email => in_list.filter(contacts::email.eq(&key)).into_boxed(),
        MatchKey::Phone => in_list.filter(contacts::phone.eq(&key)).into_boxed(),
    }
    .order(contacts::id)
    .select(ContactRow::as_select())
    .first(conn)
    .optional()?;
    let email = draft.email.as_ref().map(EmailAddress::key);
    let phone = draft.phone.as_ref().map(|p| p.as_str());
    let Some(row) = found else {
        return create(conn, &mapping.list, draft, now_ms).map(Some);
    };
    let mut fields: Map<String, Value> = parse_json("contacts.fields", &row.fields)?;
    let mut fields_changed = false;
    for (key, value) in &draft.custom {
        if !fields.contains_key(key) {
            fields.insert(key.clone(), value.clone());
            fields_changed = true;
        }
    }
    if (row.email.is_none() && email.is_some())
        || (row.phone.is_none() && phone.is_some())
        || fields_changed
    {
        diesel::update(contacts::table.find(row.id))
            .set((
                contacts::email.eq(row.email.or(email)),
                contacts::phone.eq(row.phone.or(phone.map(str::to_owned))),
                contacts::fields.eq(to_json(&fields)),
            ))
            .execute(conn)?;
    }
    Ok(Some(row.id))
}

/// R88, R89: a new contact in `list` from the draft. Its name is the draft's, else its
/// address, else its phone number, else "Visitor".
pub fn create(
    conn: &mut AnyConnection,
    list: &str,
    draft: &ContactDraft,
    now_ms: i64,
) -> StoreResult<i64> {
    let email = draft.email.as_ref().map(EmailAddress::key);
    let phone = draft.phone.as_ref().map(|p| p.as_str());
    let name = draft
        .name
        .clone()
        .or_else(|| email.clone())
        .or_else(|| phone.map(str::to_owned))
        .unwrap_or_else(|| "Visitor".to_owned());
    Ok(diesel::insert_into(contacts::table)
        .values(NewContact {
            name: &name,
            email,
            phone,
            fields: to_json(&draft.custom),
            created_at_ms: now_ms,
            list,
        })
        .returning(contacts::id)
        .get_result(conn)?)
}

pub(crate) use super::lower;

/// R89: contacts whose name, e-mail address or phone number contains `query` (ignoring case;
/// the phone by its digits), at most `limit`, by name.
pub fn search(conn: &mut AnyConnection, query: &str, limit: i64) -> StoreResult<Vec<ContactView>> {
    let pattern = crate::domain::chat_log::contains_pattern(&query.to_lowercase());
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    let by_text = lower(contacts::name)
        .like(pattern.clone())
        .escape('\\')
        .or(contacts::email.like(pattern).escape('\\'));
    let mut found = contacts::table.into_boxed();
    found = if digits.len() >= 3 {
        found.filter(by_text.or(contacts::phone.like(format!("%{digits}%"))))
    } else {
        found.filter(by_text)
    };
    Ok(found
        .order((contacts::name, contacts::id))
        .limit(limit)
        .select(ContactView::as_select())
        .load(conn)?)
}

/// A contact as the review shows it.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = contacts)]
pub struct ContactView {
    #[serde(rename = "contact_id")]
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub list: String,
}

pub fn by_id(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<ContactView>> {
    Ok(contacts::table
        .find(id)
        .select(ContactView::as_select())
        .first(conn)
        .optional()?)
}
