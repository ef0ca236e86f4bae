//! Reports for supervisors and admins (issue 9; R71, R87, R91): `GET /api/v1/reports` (JSON,
//! for the console's charts) and `GET /api/v1/reports.csv` (the numbers behind the charts).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::auth::{CurrentUser, SUPERVISORS};
use crate::actors::Engine;
use crate::domain::ids::QueueId;
use crate::domain::report::{self, Period, PeriodError, Report};
use crate::domain::website::WebsiteKey;
use crate::domain::RuleError;
use crate::error::AppError;
use crate::store::reports::{self as facts, ReportScope};

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    /// First day, `YYYY-MM-DD`, in `tz`.
    from: Option<String>,
    /// Last day (included).
    to: Option<String>,
    /// A website's key; all websites when absent.
    website: Option<String>,
    /// A queue's id; all queues when absent.
    queue: Option<i64>,
    /// An IANA time zone for days and hours; UTC when absent.
    tz: Option<String>,
}

/// `GET /api/v1/reports`
pub async fn json(
    engine: web::Data<Engine>,
    user: CurrentUser,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let report = compute(&engine, &user, &query).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// `GET /api/v1/reports.csv`
pub async fn csv(
    engine: web::Data<Engine>,
    user: CurrentUser,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let report = compute(&engine, &user, &query).await?;
    let name = format!("parley-report-{}-{}.csv", report.from, report.to);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(report::to_csv(&report)))
}

async fn compute(
    engine: &Engine,
    user: &CurrentUser,
    query: &ReportQuery,
) -> Result<Report, AppError> {
    user.require_role(SUPERVISORS)?;
    let required = |value: &Option<String>, name: &str| {
        value
            .clone()
            .ok_or_else(|| AppError::InvalidInput(format!("{name} is required (YYYY-MM-DD)")))
    };
    let (from, to) = (required(&query.from, "from")?, required(&query.to, "to")?);
    let period =
        Period::parse(&from, &to, query.tz.as_deref().unwrap_or_default()).map_err(|error| {
            match error {
                PeriodError::UnknownTimeZone => AppError::from(RuleError::UnknownTimeZone),
                other => AppError::InvalidInput(other.to_string()),
            }
        })?;
    let website = match query.website.as_deref().filter(|k| !k.is_empty()) {
        None => None,
        Some(key) => {
            let key = WebsiteKey::parse(key).map_err(|_| AppError::WebsiteNotFound)?;
            Some(engine.website_id(&key).ok_or(AppError::WebsiteNotFound)?)
        }
    };
    let queue = match query.queue {
        None => None,
        Some(id) => {
            let id = QueueId(id);
            engine.queue(id).ok_or(AppError::QueueNotFound)?;
            Some(id)
        }
    };
    let scope = ReportScope {
        start_ms: period.start_ms,
        end_ms: period.end_ms,
        website,
        queue,
    };
    let facts = engine
        .db()
        .run(move |conn| facts::facts(conn, scope))
        .await?
        .ok_or_else(|| {
            AppError::InvalidInput(format!(
                "the period holds more than {} chats; choose a shorter one",
                facts::MAX_ROWS
            ))
        })?;
    Ok(report::build(
        &period,
        &facts.chats,
        &facts.offline_at_ms,
        &facts.agent_names,
    ))
}
