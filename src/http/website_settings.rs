//! A website's form settings, changed by admins and read by
//! supervisors too (R71): its forms
//! (R62, R74), its offline options and language (R12, R64), its contact mapping (R65) and its
//! signed visitor identities (R52).
//! A change is checked, stored, and used by the running website before the answer.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{CurrentUser, ADMINS, SUPERVISORS};
use super::visitor::website;
use crate::actors::offline_messages::{
    ChangeWebsiteSettings, GetWebsiteSettings, SettingsChange, WebsiteSettings,
};
use crate::actors::Engine;
use crate::credentials;
use crate::domain::availability::NoAgentMode;
use crate::domain::contact::ContactMapping;
use crate::domain::email::EmailAddress;
use crate::domain::form::{FieldError, FieldName, Form};
use crate::domain::offline_message::{OfflineOptions, OpenInteraction};
use crate::domain::unmanaged::{AutoClose, UnmanagedPolicy};
use crate::domain::visitor::Language;
use crate::domain::RuleError;
use crate::error::AppError;

/// Which part of the settings an endpoint shows.
#[derive(Clone, Copy)]
enum Part {
    Forms,
    OfflineOptions,
    ContactMapping,
    Identity,
    Unmanaged,
}

fn view(part: Part, settings: WebsiteSettings) -> Value {
    match part {
        Part::Forms => json!({
            "prechat_form": settings.prechat_form,
            "offline_form": settings.offline_form,
            "effective_offline_form": settings.effective_offline_form,
        }),
        Part::OfflineOptions => json!({
            "language": settings.language,
            "forward_to": settings.offline_options.forward_to,
            "open_interaction": settings.offline_options.open_interaction,
        }),
        Part::ContactMapping => json!(settings.contact_mapping),
        Part::Identity => json!({
            "require_signed": settings.require_signed_identity,
            "has_secret": settings.has_identity_secret,
        }),
        Part::Unmanaged => json!({
            "unmanaged_message": settings.unmanaged_message,
            "leave_message": settings.leave_message,
            "unmanaged_autoclose_ms": settings.unmanaged_autoclose_ms,
            "no_agent_mode": settings.no_agent_mode,
        }),
    }
}

async fn read(
    engine: &Engine,
    user: &CurrentUser,
    key: &str,
    part: Part,
) -> Result<HttpResponse, AppError> {
    user.require_role(SUPERVISORS)?;
    let settings = website(engine, key)?.send(GetWebsiteSettings).await?;
    Ok(HttpResponse::Ok().json(view(part, settings)))
}

async fn change(
    engine: &Engine,
    user: &CurrentUser,
    key: &str,
    part: Part,
    change: SettingsChange,
) -> Result<HttpResponse, AppError> {
    let settings = website(engine, key)?
        .send(ChangeWebsiteSettings { change })
        .await??;
    tracing::info!(website = key, by = %user.id(), "website settings changed");
    Ok(HttpResponse::Ok().json(view(part, settings)))
}

/// A body read as any JSON first, so the role is checked before the body's shape.
pub(super) fn body_as<T: serde::de::DeserializeOwned>(
    body: web::Json<Value>,
) -> Result<T, AppError> {
    serde_json::from_value(body.into_inner()).map_err(|e| AppError::InvalidBody(e.to_string()))
}

/// `GET /api/v1/websites/{key}/forms`
pub async fn forms(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    read(&engine, &user, &key, Part::Forms).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FormsBody {
    prechat_form: Value,
    offline_form: Value,
}

/// `PUT /api/v1/websites/{key}/forms`: R62, R74. Both forms are checked; a bad one is named as
/// the field (`prechat_form`, `offline_form`) of an `invalid_fields` error.
pub async fn set_forms(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let body: FormsBody = body_as(body)?;
    let mut errors = Vec::new();
    let mut parse = |field: &str, value: &Value| {
        Form::parse_json(value).unwrap_or_else(|error| {
            errors.push(FieldError {
                field: field.to_owned(),
                error,
            });
            None
        })
    };
    let prechat = parse("prechat_form", &body.prechat_form);
    let offline = parse("offline_form", &body.offline_form);
    if !errors.is_empty() {
        return Err(AppError::InvalidFields(errors));
    }
    let forms = SettingsChange::Forms { prechat, offline };
    change(&engine, &user, &key, Part::Forms, forms).await
}

/// `GET /api/v1/websites/{key}/offline-options`
pub async fn offline_options(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    read(&engine, &user, &key, Part::OfflineOptions).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OfflineOptionsBody {
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    forward_to: Option<String>,
    #[serde(default)]
    open_interaction: Option<OpenInteractionBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenInteractionBody {
    mailbox: String,
    #[serde(default)]
    subject_field: Option<String>,
}

/// `PUT /api/v1/websites/{key}/offline-options`: R12, R64. Mail options need an SMTP server.
pub async fn set_offline_options(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let body: OfflineOptionsBody = body_as(body)?;
    let language = body.language.as_deref().map(Language::parse).transpose()?;
    let forward_to = body
        .forward_to
        .as_deref()
        .map(EmailAddress::parse)
        .transpose()?;
    let open_interaction = match body.open_interaction {
        None => None,
        Some(open) => Some(OpenInteraction {
            mailbox: EmailAddress::parse(&open.mailbox)?,
            subject_field: match open.subject_field {
                None => None,
                Some(name) => Some(
                    FieldName::parse(&name).ok_or(RuleError::UnknownFormField { field: name })?,
                ),
            },
        }),
    };
    let options = SettingsChange::OfflineOptions {
        language,
        options: OfflineOptions {
            forward_to,
            open_interaction,
        },
    };
    change(&engine, &user, &key, Part::OfflineOptions, options).await
}

/// `GET /api/v1/websites/{key}/contact-mapping`
pub async fn contact_mapping(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    read(&engine, &user, &key, Part::ContactMapping).await
}

/// `PUT /api/v1/websites/{key}/contact-mapping`: R65.
pub async fn set_contact_mapping(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let mapping: ContactMapping = body_as(body)?;
    let mapping = SettingsChange::ContactMapping(mapping);
    change(&engine, &user, &key, Part::ContactMapping, mapping).await
}

/// `GET /api/v1/websites/{key}/identity`: R52, whether chats need a signed identity and
/// whether the website has a secret (never the secret itself).
pub async fn identity(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    read(&engine, &user, &key, Part::Identity).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IdentityBody {
    require_signed: bool,
}

/// `PUT /api/v1/websites/{key}/identity`: R52. Requiring signed identities needs a secret
/// first (`identity_secret_missing`).
pub async fn set_identity(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let body: IdentityBody = body_as(body)?;
    let required = SettingsChange::RequireSignedIdentity(body.require_signed);
    change(&engine, &user, &key, Part::Identity, required).await
}

/// `POST /api/v1/websites/{key}/identity/secret`: R52, generates the website's secret, or a
/// new one in place of the old (whose tokens stop verifying at once). The answer is the only
/// time the secret is shown.
pub async fn new_identity_secret(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let secret = credentials::new_identity_secret();
    let shown = secret.as_str().to_owned();
    let settings = website(&engine, &key)?
        .send(ChangeWebsiteSettings {
            change: SettingsChange::IdentitySecret(secret),
        })
        .await??;
    tracing::info!(website = %key, by = %user.id(), "identity secret generated");
    let mut body = view(Part::Identity, settings);
    body["secret"] = Value::String(shown);
    Ok(HttpResponse::Created().json(body))
}

/// `GET /api/v1/websites/{key}/unmanaged`: R31, R76, R78, what the website does when nobody
/// can or does take a chat.
pub async fn unmanaged(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    read(&engine, &user, &key, Part::Unmanaged).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UnmanagedBody {
    #[serde(default)]
    unmanaged_message: Option<String>,
    leave_message: bool,
    #[serde(default)]
    unmanaged_autoclose_ms: i64,
    no_agent_mode: NoAgentMode,
}

/// `PUT /api/v1/websites/{key}/unmanaged`: R31, R76, R78, admins only. Used from the next chat
/// on (and the widget's mode at once, R31).
pub async fn set_unmanaged(
    engine: web::Data<Engine>,
    user: CurrentUser,
    key: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    user.require_role(ADMINS)?;
    let body: UnmanagedBody = body_as(body)?;
    let unmanaged = SettingsChange::Unmanaged {
        message: UnmanagedPolicy::parse_message(body.unmanaged_message.as_deref())?,
        leave_message: body.leave_message,
        autoclose: AutoClose::parse(body.unmanaged_autoclose_ms)?,
        no_agent_mode: body.no_agent_mode,
    };
    change(&engine, &user, &key, Part::Unmanaged, unmanaged).await
}
