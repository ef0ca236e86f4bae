//! Issue 10, operations: the binary refuses bad settings at start naming the key, and
//! `parley backup` copies a live SQLite database (VACUUM INTO) that opens as a database; it
//! never overwrites, and with PostgreSQL it points to pg_dump.

mod common;

use std::process::Command;

use common::{Backend, TestApp};
use diesel::{Connection, RunQueryDsl, SqliteConnection};

fn parley() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parley"));
    // Only what a test sets: no CHAT__ variable of the machine leaks in.
    for (key, _) in std::env::vars() {
        if key.starts_with("CHAT__") {
            command.env_remove(key);
        }
    }
    command
}

#[test]
fn bad_settings_are_refused_at_start_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[server]\nprot = 8080\n", "prot"),
        ("[retention]\nbatch = 0\n", "retention.batch"),
        ("[log]\nformat = \"yaml\"\n", "yaml"),
    ];
    for (i, (file, named)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&path, file).unwrap();
        let output = parley()
            .args(["--config", path.to_str().unwrap(), "migrate"])
            .env("CHAT__DATABASE__URL", dir.path().join("x.db"))
            .output()
            .expect("run parley");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
        assert!(stderr.contains("cannot read settings"), "{stderr}");
        assert!(stderr.contains(named), "{named} not in {stderr}");
        assert!(!dir.path().join("x.db").exists(), "nothing ran");
    }
    let output = parley()
        .arg("migrate")
        .env("CHAT__DATABASE__URL", dir.path().join("x.db"))
        .env("CHAT__SERVER__PORTT", "1")
        .output()
        .expect("run parley");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("portt"));
}

#[actix_web::test]
async fn a_live_sqlite_database_is_backed_up() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let chat = app.start_chat("Bea").await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let url = app.settings.database.url.clone();
    let run = move |target: &std::path::Path| {
        parley()
            .args(["backup", target.to_str().unwrap()])
            .env("CHAT__DATABASE__URL", &url)
            .output()
            .expect("run parley")
    };
    // The engine goes on serving while the copy is made.
    let output = actix_web::rt::task::spawn_blocking({
        let (copy, run) = (copy.clone(), run.clone());
        move || run(&copy)
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut conn = SqliteConnection::establish(copy.to_str().unwrap()).expect("open the copy");
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found: Count = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM chats WHERE id = {} AND visitor_name = 'Bea'",
        chat.chat_id
    ))
    .get_result(&mut conn)
    .expect("query the copy");
    assert_eq!(found.n, 1);
    let check: Vec<Count> = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM pragma_integrity_check WHERE integrity_check = 'ok'",
    )
    .load(&mut conn)
    .expect("integrity check");
    assert_eq!(check[0].n, 1);
    // Never over an existing file.
    let size = std::fs::metadata(&copy).unwrap().len();
    let again = run(&copy);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    assert_eq!(std::fs::metadata(&copy).unwrap().len(), size);
}

#[test]
fn a_postgres_database_is_backed_up_with_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let output = parley()
        .args(["backup", dir.path().join("c.db").to_str().unwrap()])
        .env("CHAT__DATABASE__URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .expect("run parley");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("pg_dump"));
    assert!(!dir.path().join("c.db").exists());
}
