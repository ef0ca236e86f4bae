//! Reports (issue 9; R71, R87, R91) on SQLite and PostgreSQL: known chats with set
//! timestamps give exact numbers (per local hour and day, wait percentiles, outcome shares,
//! per-agent handle time); filters, bad input, roles and the CSV export.

mod common;

use common::history::march_history;
use common::{Backend, TestApp};
use serde_json::{json, Value};

/// Two agents' chats around 1–2 March 2026 in Prague (see `march_history`).
async fn app_with_history(backend: Backend) -> Option<(TestApp, String)> {
    let app = TestApp::builder(backend)
        .queue("Sales", &["agent"])
        .spawn()
        .await?;
    let ann = app.add_user("ann", "agent");
    let bo = app.add_user("bo", "agent");
    march_history(app.engine.db(), ann, bo);
    let token = app.supervisor_token().await;
    Some((app, token))
}

const PERIOD: &str = "from=2026-03-01&to=2026-03-02&tz=Europe/Prague";

/// R87, R91: every number of the report, from chats with known times.
async fn a_report_has_exact_numbers(backend: Backend) {
    let Some((app, token)) = app_with_history(backend).await else {
        return;
    };
    let (status, report) = app
        .call(
            "GET",
            &format!("/api/v1/reports?{PERIOD}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (&report["from"], &report["to"], &report["time_zone"]),
        (
            &json!("2026-03-01"),
            &json!("2026-03-02"),
            &json!("Europe/Prague")
        )
    );
    let hours: Vec<(i64, i64)> = report["per_hour"]
        .as_array()
        .expect("hours")
        .iter()
        .filter(|h| h["chats"] != 0)
        .map(|h| (h["hour"].as_i64().unwrap(), h["chats"].as_i64().unwrap()))
        .collect();
    assert_eq!(hours, vec![(0, 1), (9, 2), (10, 1), (13, 1), (23, 1)]);
    assert_eq!(report["per_hour"].as_array().map(Vec::len), Some(24));
    assert_eq!(
        report["per_day"],
        json!([{"date": "2026-03-01", "chats": 4}, {"date": "2026-03-02", "chats": 2}])
    );
    assert_eq!(
        report["wait"],
        json!({"answered": 4, "p50_ms": 20000, "p90_ms": 40000, "p99_ms": 40000,
               "average_ms": 25000, "longest_ms": 40000})
    );
    assert_eq!(
        report["outcomes"],
        json!({"total": 7, "answered": 3, "timeout": 1, "unmanaged": 1, "offline": 1,
               "abandoned": 1, "waiting": 0})
    );
    assert_eq!(
        report["end_reasons"],
        json!({"visitor_ended": 2, "agent_ended": 1, "timeout": 1, "banned": 0})
    );
    let agents: Vec<Value> = report["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| {
            json!([
                a["name"],
                a["handled"],
                a["ended"],
                a["total_handle_ms"],
                a["average_handle_ms"]
            ])
        })
        .collect();
    assert_eq!(
        agents,
        vec![
            json!(["ann", 2, 2, 400000, 200000]),
            json!(["bo", 2, 2, 300000, 150000])
        ]
    );
}

/// Filters by queue and website; unknown ones and bad periods get stable errors.
async fn filters_and_bad_input(backend: Backend) {
    let Some((app, token)) = app_with_history(backend).await else {
        return;
    };
    let get = |query: String| {
        let token = token.clone();
        let app = &app;
        async move {
            app.call(
                "GET",
                &format!("/api/v1/reports?{query}"),
                Some(&token),
                None,
            )
            .await
        }
    };
    let (status, sales) = get(format!("{PERIOD}&queue=2")).await;
    assert_eq!(status, 200, "{sales}");
    assert_eq!(
        sales["outcomes"],
        json!({"total": 1, "answered": 0, "timeout": 0, "unmanaged": 0, "offline": 0,
               "abandoned": 1, "waiting": 0})
    );
    assert_eq!(sales["per_hour"][23]["chats"], 1);
    let (_, demo) = get(format!("{PERIOD}&website=demo")).await;
    assert_eq!(demo["outcomes"]["total"], 7);
    for (query, status, code) in [
        (format!("{PERIOD}&website=nope"), 404, "website_not_found"),
        (format!("{PERIOD}&queue=99"), 404, "queue_not_found"),
        ("to=2026-03-02".to_owned(), 422, "invalid_input"),
        (
            "from=2026-03-02&to=2026-03-01".to_owned(),
            422,
            "invalid_input",
        ),
        (
            "from=1.3.2026&to=2026-03-01".to_owned(),
            422,
            "invalid_input",
        ),
        (
            "from=2025-01-01&to=2026-06-01".to_owned(),
            422,
            "invalid_input",
        ),
        (
            "from=2026-03-01&to=2026-03-01&tz=Mars/Olympus".to_owned(),
            422,
            "unknown_time_zone",
        ),
        (format!("{PERIOD}&queue=x"), 422, "invalid_input"),
    ] {
        let (got, body) = get(query.clone()).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(code)),
            "{query}: {body}"
        );
    }
}

/// R71: agents and anonymous callers get no report; supervisors and admins do, as CSV too.
async fn roles_and_csv(backend: Backend) {
    let Some((app, token)) = app_with_history(backend).await else {
        return;
    };
    let agent = app.agent_token("agent").await;
    for path in ["/api/v1/reports", "/api/v1/reports.csv"] {
        let (status, body) = app
            .call("GET", &format!("{path}?{PERIOD}"), Some(&agent), None)
            .await;
        assert_eq!(
            (status, &body["error"]),
            (403, &json!("forbidden")),
            "{path}"
        );
        let (status, _) = app
            .call("GET", &format!("{path}?{PERIOD}"), None, None)
            .await;
        assert_eq!(status, 401, "{path}");
    }
    app.add_user("boss", "admin");
    let admin = app.agent_token("boss").await;
    let (status, _) = app
        .call(
            "GET",
            &format!("/api/v1/reports?{PERIOD}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200);

    let mut response = TestApp::client()
        .get(format!("{}/api/v1/reports.csv?{PERIOD}", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("csv request");
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers();
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok()),
        Some("attachment; filename=\"parley-report-2026-03-01-2026-03-02.csv\"")
    );
    let body = response.body().await.expect("csv body");
    let csv = String::from_utf8(body.to_vec()).expect("utf-8");
    for line in [
        "period,2026-03-01,2026-03-02,Europe/Prague",
        "Chats per hour,hour,chats",
        ",09:00,2",
        "Chats per day,date,chats",
        ",2026-03-01,4",
        "Wait time,measure,milliseconds",
        ",p50,20000",
        ",p90,40000",
        "Outcomes,outcome,count,percent",
        ",answered,3,42.9",
        ",total,7,100.0",
        "End reasons,reason,count",
        ",agent_ended,1",
        "Agents,agent id,name,handled,ended,total handle ms,average handle ms",
    ] {
        assert!(csv.split("\r\n").any(|l| l == line), "{line:?} in\n{csv}");
    }
    assert!(csv.contains(",ann,2,2,400000,200000\r\n"), "{csv}");
}

#[actix_web::test]
async fn a_report_has_exact_numbers_sqlite() {
    a_report_has_exact_numbers(Backend::Sqlite).await;
}

#[actix_web::test]
async fn a_report_has_exact_numbers_postgres() {
    a_report_has_exact_numbers(Backend::Postgres).await;
}

#[actix_web::test]
async fn filters_and_bad_input_sqlite() {
    filters_and_bad_input(Backend::Sqlite).await;
}

#[actix_web::test]
async fn filters_and_bad_input_postgres() {
    filters_and_bad_input(Backend::Postgres).await;
}

#[actix_web::test]
async fn roles_and_csv_sqlite() {
    roles_and_csv(Backend::Sqlite).await;
}

#[actix_web::test]
async fn roles_and_csv_postgres() {
    roles_and_csv(Backend::Postgres).await;
}
