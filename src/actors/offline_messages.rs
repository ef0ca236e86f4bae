//! What a `WebsiteActor` does with forms besides starting chats: it takes visitors' uploads
//! for attachment fields (R11, R63), stores offline messages with their mails (R64, R75, R77,
//! A9), finds or creates contacts (R65, R88), and swaps its settings when a supervisor
//! changes them (forms, offline options, contact mapping), at once. Supervisors' replies to
//! offline messages (R81) are here too.
//!
//! Every submission is one transaction: the message (or chat), its contact, the claim on its
//! uploads and the mails it causes are all written, or none is.

use actix::prelude::*;
use diesel::Connection;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::website::WebsiteActor;
use super::Engine;
use crate::clock::now_ms;
use crate::credentials;
use crate::domain::availability::{NoAgentMode, WidgetState};
use crate::domain::contact::ContactMapping;
use crate::domain::email::{EmailAddress, Reply};
use crate::domain::form::{FieldError, FieldKind, FieldName, Form, FormSpec, Submission};
use crate::domain::identity::IdentitySecret;
use crate::domain::ids::{UserId, WebsiteId};
use crate::domain::offline_message::{OfflineOptions, OfflineReason, ReviewState};
use crate::domain::unmanaged::AutoClose;
use crate::domain::upload::{check_upload, FileName};
use crate::domain::visitor::{Language, VisitorKey};
use crate::domain::RuleError;
use crate::error::AppError;
use crate::mail::templates::{self, OfflineMail};
use crate::mail::{insert_mail, OutgoingMail};
use crate::protocol::VisitorDetails;
use crate::store::offline_messages::{NewOfflineMessage, NewReply};
use crate::store::uploads::{Claimant, FormKind, NewUpload, UploadInfo};
use crate::store::websites::Website;
use crate::store::{self, to_json, AnyConnection};

/// R11: the uploads a submission names, each found among those still waiting for its field;
/// a field naming one that is not there (unknown, expired, of another field or already used)
/// is an `upload_not_found` error of that field.
pub(crate) fn claimable_uploads(
    conn: &mut AnyConnection,
    website: WebsiteId,
    form: FormKind,
    submission: &Submission,
    fresh_since_ms: i64,
) -> Result<Vec<UploadInfo>, AppError> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for (field, ids) in &submission.uploads {
        let files =
            store::uploads::claimable(conn, website, form, field.as_str(), ids, fresh_since_ms)?;
        if files.len() == ids.len() {
            found.extend(files);
        } else {
            errors.push(FieldError {
                field: field.as_str().to_owned(),
                error: RuleError::UploadNotFound,
            });
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(AppError::InvalidFields(errors))
    }
}

/// Claims the files for `by`; refused (so the transaction rolls back) when another submission
/// claimed one of them between the check and the claim.
pub(crate) fn claim_all(
    conn: &mut AnyConnection,
    files: &[UploadInfo],
    by: Claimant,
) -> Result<(), AppError> {
    if files.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = files.iter().map(|f| f.id.clone()).collect();
    if store::uploads::claim(conn, &ids, by)? == ids.len() {
        return Ok(());
    }
    let mut fields: Vec<String> = files.iter().map(|f| f.field.clone()).collect();
    fields.dedup();
    Err(AppError::InvalidFields(
        fields
            .into_iter()
            .map(|field| FieldError {
                field,
                error: RuleError::UploadNotFound,
            })
            .collect(),
    ))
}

/// The values as they are kept and shown: each attachment field's upload ids replaced by the
/// files' names, types and sizes.
pub(crate) fn values_with_files(
    form: Option<&Form>,
    values: &Map<String, Value>,
    files: &[UploadInfo],
) -> Map<String, Value> {
    let mut values = values.clone();
    let attachment_fields = form
        .into_iter()
        .flat_map(Form::fields)
        .filter(|f| matches!(f.kind, FieldKind::Attachment { .. }));
    for field in attachment_fields {
        if let Some(Value::Array(ids)) = values.get_mut(field.name.as_str()) {
            *ids = ids
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|id| files.iter().find(|f| f.id == id))
                .map(|file| json!(file))
                .collect();
        }
    }
    values
}

/// The oldest upload a submission made now may still claim.
fn fresh_since(engine: &Engine, now: i64) -> i64 {
    now - engine.settings().uploads.unreferenced_ttl_ms
}

/// A visitor's file for an attachment field of one of the website's forms.
#[derive(Message)]
#[rtype(result = "Result<StoredUpload, AppError>")]
pub struct UploadFile {
    pub origin: Option<String>,
    pub form: FormKind,
    pub field: String,
    pub file_name: FileName,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredUpload {
    #[serde(flatten)]
    pub info: UploadInfo,
    /// Name it in a submission before this time, or it is deleted.
    pub expires_at_ms: i64,
}

impl Handler<UploadFile> for WebsiteActor {
    type Result = ResponseFuture<Result<StoredUpload, AppError>>;

    fn handle(&mut self, msg: UploadFile, _ctx: &mut Context<Self>) -> Self::Result {
        let checked = self
            .check_origin(msg.origin.as_deref(), true)
            .and_then(|()| {
                let form = match msg.form {
                    FormKind::Prechat => self.website().prechat_form.clone(),
                    FormKind::Offline => Some(self.website().offline_form()),
                };
                let field =
                    FieldName::parse(&msg.field).and_then(|name| form?.field(&name).cloned());
                let Some(FieldKind::Attachment { accept, .. }) = field.map(|f| f.kind) else {
                    return Err(AppError::Rule(RuleError::UnknownField));
                };
                let max = self.engine().settings().uploads.max_bytes;
                Ok(check_upload(&accept, &msg.file_name, &msg.content, max)?)
            });
        let (engine, website) = (self.engine().clone(), self.website().id);
        Box::pin(async move {
            let file_type = checked?;
            let now = now_ms();
            let info = UploadInfo {
                id: credentials::new_token(),
                field: msg.field,
                file_name: msg.file_name.as_str().to_owned(),
                content_type: file_type.mime.to_owned(),
                size_bytes: msg.content.len() as i64,
            };
            let stored = info.clone();
            engine
                .db()
                .run(move |conn| {
                    store::uploads::insert(
                        conn,
                        &NewUpload {
                            id: &stored.id,
                            website_id: website.0,
                            form_kind: msg.form.as_str(),
                            field: &stored.field,
                            file_name: &stored.file_name,
                            content_type: &stored.content_type,
                            size_bytes: stored.size_bytes,
                            content: &msg.content,
                            created_at_ms: now,
                        },
                    )
                })
                .await?;
            Ok(StoredUpload {
                info,
                expires_at_ms: now + engine.settings().uploads.unreferenced_ttl_ms,
            })
        })
    }
}

/// R75, R77: a visitor leaves a message through the offline form.
#[derive(Message)]
#[rtype(result = "Result<SubmittedMessage, AppError>")]
pub struct SubmitOfflineMessage {
    pub origin: Option<String>,
    pub values: Map<String, Value>,
    /// Language, browser, OS and page (its `fields` are not used).
    pub visitor: VisitorDetails,
    pub visitor_key: Option<VisitorKey>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubmittedMessage {
    pub offline_message_id: i64,
    pub reason: OfflineReason,
}

impl Handler<SubmitOfflineMessage> for WebsiteActor {
    type Result = ResponseFuture<Result<SubmittedMessage, AppError>>;

    fn handle(&mut self, msg: SubmitOfflineMessage, _ctx: &mut Context<Self>) -> Self::Result {
        let form = self.website().offline_form();
        let submission = self
            .check_origin(msg.origin.as_deref(), true)
            .and_then(|()| Ok(form.validate(&msg.values)?));
        let (engine, website, mode) = (
            self.engine().clone(),
            self.website().clone(),
            self.mode_now(),
        );
        Box::pin(async move {
            let submission = submission?;
            let mode = mode.await?;
            let now = now_ms();
            let offline = OfflineSubmission {
                fresh_since_ms: fresh_since(&engine, now),
                max_attachment_bytes: engine.settings().mail.max_attachment_bytes,
                website,
                form,
                submission,
                visitor: msg.visitor,
                visitor_key: msg.visitor_key,
                mode,
                now,
            };
            let (stored, mails) = engine
                .db()
                .run(move |conn| Ok(conn.transaction(|conn| offline.store(conn))))
                .await??;
            if mails > 0 {
                engine.wake_mailer();
            }
            tracing::info!(
                offline_message = stored.offline_message_id,
                reason = stored.reason.as_str(),
                mails,
                "offline message stored"
            );
            Ok(stored)
        })
    }
}

/// Everything one offline submission writes, for one transaction.
struct OfflineSubmission {
    website: Website,
    form: Form,
    submission: Submission,
    visitor: VisitorDetails,
    visitor_key: Option<VisitorKey>,
    mode: WidgetState,
    now: i64,
    fresh_since_ms: i64,
    max_attachment_bytes: usize,
}

impl OfflineSubmission {
    /// Stores the message, its contact, its files' claim and its mails; returns the message
    /// and how many mails were queued. Any refusal rolls everything back.
    fn store(&self, conn: &mut AnyConnection) -> Result<(SubmittedMessage, usize), AppError> {
        store::write_first(conn)?;
        let website = &self.website;
        let limit = i64::from(website.max_concurrent_sessions);
        let full = limit > 0 && store::websites::open_chat_count(conn, website.id)? >= limit;
        let reason = OfflineReason::now(self.mode, full).ok_or(AppError::WebsiteOnline)?;
        let values = &self.submission.values;
        let files = claimable_uploads(
            conn,
            website.id,
            FormKind::Offline,
            &self.submission,
            self.fresh_since_ms,
        )?;
        let draft = website.contact_mapping.draft(values, None);
        let contact =
            store::contacts::find_or_create(conn, &website.contact_mapping, &draft, self.now)?;
        let email = draft.email.clone().or_else(|| {
            let field = self.form.first_email_field()?;
            EmailAddress::parse(values.get(field.name.as_str())?.as_str()?).ok()
        });
        let id = store::offline_messages::insert(
            conn,
            &NewOfflineMessage {
                website_id: website.id.0,
                reason: reason.as_str(),
                disposition: crate::domain::chat::Disposition::Offline.as_str(),
                state: ReviewState::Open.as_str(),
                visitor_name: draft.name.as_deref(),
                visitor_email: email.as_ref().map(EmailAddress::as_str),
                form: to_json(&self.form.to_spec()),
                fields: to_json(&values_with_files(Some(&self.form), values, &files)),
                visitor_meta: to_json(&self.visitor),
                visitor_key: self.visitor_key.as_ref().map(VisitorKey::as_str),
                contact_id: contact,
                created_at_ms: self.now,
            },
        )?;
        claim_all(conn, &files, Claimant::OfflineMessage(id))?;
        let mails = self.mails(reason, &files, draft.name.as_deref(), email.as_ref());
        for mail in &mails {
            insert_mail(conn, mail, self.now)?;
        }
        Ok((
            SubmittedMessage {
                offline_message_id: id,
                reason,
            },
            mails.len(),
        ))
    }

    /// R64: the forward and the new interaction, as configured.
    fn mails(
        &self,
        reason: OfflineReason,
        files: &[UploadInfo],
        visitor_name: Option<&str>,
        visitor_email: Option<&EmailAddress>,
    ) -> Vec<OutgoingMail> {
        let options = &self.website.offline_options;
        let attached = templates::pick_attachments(files, self.max_attachment_bytes);
        let content = OfflineMail {
            website_name: &self.website.name,
            language: self.website.language.as_ref(),
            time_zone: &self.website.time_zone,
            reason,
            received_at_ms: self.now,
            form: &self.form,
            values: &self.submission.values,
            files,
            attached: &attached,
            visitor: &self.visitor,
            visitor_name,
        };
        let mail = |to: &EmailAddress, rendered: templates::RenderedMail| OutgoingMail {
            to: to.as_str().to_owned(),
            reply_to: visitor_email.map(|e| e.as_str().to_owned()),
            subject: rendered.subject,
            body: rendered.text,
            html: Some(rendered.html),
            attachments: attached.clone(),
        };
        let mut mails = Vec::new();
        if let Some(to) = &options.forward_to {
            mails.push(mail(to, content.forward()));
        }
        if let Some(interaction) = &options.open_interaction {
            let subject_field = interaction
                .subject_field
                .as_ref()
                .and_then(|name| self.form.field(name));
            mails.push(mail(
                &interaction.mailbox,
                content.interaction(subject_field),
            ));
        }
        mails
    }
}

/// A website's form-related settings, as supervisors read and write them.
#[derive(Debug, Clone, Serialize)]
pub struct WebsiteSettings {
    pub prechat_form: Option<FormSpec>,
    /// `None`: the default offline form (name, e-mail, message).
    pub offline_form: Option<FormSpec>,
    /// The offline form visitors get, the default one included.
    pub effective_offline_form: FormSpec,
    pub language: Option<Language>,
    pub offline_options: OfflineOptions,
    pub contact_mapping: ContactMapping,
    /// R52: whether chats need a signed identity, and whether a secret exists (the secret
    /// itself is never shown again after it was generated).
    pub require_signed_identity: bool,
    pub has_identity_secret: bool,
    /// R76: the website's message to visitors nobody took; `None`: the engine's own text.
    pub unmanaged_message: Option<String>,
    /// R78: whether such a visitor may leave a message.
    pub leave_message: bool,
    /// R76: unmanaged chats' reviews close on their own after this long; 0: never.
    pub unmanaged_autoclose_ms: i64,
    /// R31: what the widget shows while nobody in the queue is Available.
    pub no_agent_mode: NoAgentMode,
}

impl WebsiteSettings {
    fn of(website: &Website) -> WebsiteSettings {
        WebsiteSettings {
            prechat_form: website.prechat_form.as_ref().map(Form::to_spec),
            offline_form: website.offline_form.as_ref().map(Form::to_spec),
            effective_offline_form: website.offline_form().to_spec(),
            language: website.language.clone(),
            offline_options: website.offline_options.clone(),
            contact_mapping: website.contact_mapping.clone(),
            require_signed_identity: website.identity.require_signed,
            has_identity_secret: website.identity.secret.is_some(),
            unmanaged_message: website.unmanaged.message.clone(),
            leave_message: website.unmanaged.leave_message,
            unmanaged_autoclose_ms: website.unmanaged.autoclose.as_ms(),
            no_agent_mode: website.no_agent_mode,
        }
    }
}

#[derive(Message)]
#[rtype(result = "WebsiteSettings")]
pub struct GetWebsiteSettings;

impl Handler<GetWebsiteSettings> for WebsiteActor {
    type Result = MessageResult<GetWebsiteSettings>;

    fn handle(&mut self, _msg: GetWebsiteSettings, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(WebsiteSettings::of(self.website()))
    }
}

/// One part of a website's settings, parsed (each part is checked against the others here).
#[derive(Debug, Clone)]
pub enum SettingsChange {
    /// R62, R74.
    Forms {
        prechat: Option<Form>,
        offline: Option<Form>,
    },
    /// R12, R64.
    OfflineOptions {
        language: Option<Language>,
        options: OfflineOptions,
    },
    /// R65.
    ContactMapping(ContactMapping),
    /// R52: require signed identities (only with a secret) or not.
    RequireSignedIdentity(bool),
    /// R52: a new secret replaces the old one, whose tokens stop verifying at once.
    IdentitySecret(IdentitySecret),
    /// R31, R76, R78: what the website does when nobody can or does take a chat.
    Unmanaged {
        message: Option<String>,
        leave_message: bool,
        autoclose: AutoClose,
        no_agent_mode: NoAgentMode,
    },
}

/// A supervisor changes a part of the website's settings: checked, stored, then used by the
/// website at once (the handler is atomic, so two changes of one website do not interleave).
#[derive(Message)]
#[rtype(result = "Result<WebsiteSettings, AppError>")]
pub struct ChangeWebsiteSettings {
    pub change: SettingsChange,
}

impl Handler<ChangeWebsiteSettings> for WebsiteActor {
    type Result = AtomicResponse<Self, Result<WebsiteSettings, AppError>>;

    fn handle(&mut self, msg: ChangeWebsiteSettings, _ctx: &mut Context<Self>) -> Self::Result {
        let mut changed = self.website().clone();
        let checked = match msg.change {
            SettingsChange::Forms { prechat, offline } => {
                changed.prechat_form = prechat;
                changed.offline_form = offline;
                Ok(())
            }
            SettingsChange::OfflineOptions { language, options } => {
                let smtp = self.engine().settings().mail.enabled();
                if options.sends_mail() && !smtp {
                    Err(AppError::SmtpNotConfigured)
                } else {
                    // The unmanaged texts' language is the website's language (stored once).
                    changed.unmanaged.language = language.as_ref().map(|l| l.as_str().to_owned());
                    changed.language = language;
                    changed.offline_options = options;
                    changed
                        .offline_options
                        .check(&changed.offline_form())
                        .map_err(AppError::from)
                }
            }
            SettingsChange::ContactMapping(mapping) => mapping
                .parse(changed.prechat_form.as_ref(), &changed.offline_form())
                .map(|mapping| changed.contact_mapping = mapping)
                .map_err(AppError::from),
            SettingsChange::RequireSignedIdentity(required) => changed
                .identity
                .with_require_signed(required)
                .map(|identity| changed.identity = identity)
                .map_err(AppError::from),
            SettingsChange::IdentitySecret(secret) => {
                changed.identity.secret = Some(secret);
                Ok(())
            }
            SettingsChange::Unmanaged {
                message,
                leave_message,
                autoclose,
                no_agent_mode,
            } => {
                changed.unmanaged.message = message;
                changed.unmanaged.leave_message = leave_message;
                changed.unmanaged.autoclose = autoclose;
                changed.no_agent_mode = no_agent_mode;
                Ok(())
            }
        };
        let db = self.engine().db().clone();
        let stored = changed.clone();
        let write = async move {
            checked?;
            let found = db
                .run(move |conn| {
                    let id = stored.id;
                    conn.transaction(|conn| {
                        store::websites::set_forms(
                            conn,
                            id,
                            stored.prechat_form.as_ref(),
                            stored.offline_form.as_ref(),
                        )?;
                        store::websites::set_offline_options(
                            conn,
                            id,
                            stored.language.as_ref(),
                            &stored.offline_options,
                        )?;
                        store::websites::set_identity(conn, id, &stored.identity)?;
                        store::websites::set_unmanaged_policy(
                            conn,
                            &stored.key,
                            &stored.unmanaged,
                        )?;
                        store::websites::set_no_agent_mode(
                            conn,
                            &stored.key,
                            stored.no_agent_mode,
                        )?;
                        store::websites::set_contact_mapping(conn, id, &stored.contact_mapping)
                    })
                })
                .await?;
            if found {
                Ok(())
            } else {
                Err(AppError::WebsiteNotFound)
            }
        };
        AtomicResponse::new(Box::pin(write.into_actor(self).map(
            move |written, act, ctx| {
                written?;
                let autoclose_changed =
                    act.website().unmanaged.autoclose != changed.unmanaged.autoclose;
                act.engine()
                    .set_unmanaged_policy(changed.key.as_str(), changed.unmanaged.clone());
                act.replace_website(changed);
                if autoclose_changed {
                    act.autoclose_changed(ctx);
                }
                Ok(WebsiteSettings::of(act.website()))
            },
        )))
    }
}

impl Engine {
    /// R81: mails a supervisor's reply to the visitor who left the message, through the
    /// outbox, and records it with the message (both or neither).
    pub async fn reply_to_offline_message(
        &self,
        id: i64,
        author: UserId,
        reply: Reply,
    ) -> Result<i64, AppError> {
        if !self.settings().mail.enabled() {
            return Err(AppError::SmtpNotConfigured);
        }
        let reply_id = self
            .db()
            .run(move |conn| {
                Ok(conn.transaction(|conn| -> Result<i64, AppError> {
                    store::write_first(conn)?;
                    let (row, _website) = store::offline_messages::by_id(conn, id)?
                        .ok_or(AppError::OfflineMessageNotFound)?;
                    let to = row
                        .visitor_email
                        .as_deref()
                        .and_then(|e| EmailAddress::parse(e).ok())
                        .ok_or(AppError::NoVisitorAddress)?;
                    let language = crate::mail::website_language(conn, WebsiteId(row.website_id))?;
                    let now = now_ms();
                    let outbox_id =
                        insert_mail(conn, &templates::reply_mail(&to, &reply, language), now)?;
                    Ok(store::offline_messages::insert_reply(
                        conn,
                        &NewReply {
                            offline_message_id: id,
                            author_id: author.0,
                            to_address: to.as_str(),
                            subject: reply.subject.as_str(),
                            body: reply.body.as_str(),
                            outbox_id,
                            created_at_ms: now,
                        },
                    )?)
                }))
            })
            .await??;
        self.wake_mailer();
        Ok(reply_id)
    }
}
