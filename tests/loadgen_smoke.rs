//! The load generator's smoke scenario (issue 6): a few seconds of real traffic against the
//! real engine binary, on SQLite and on PostgreSQL. It checks correctness only (sent ==
//! stored == delivered, order, no duplicates, one agent per chat, capacity kept); the
//! timings in its report are never asserted here.

mod common;

use std::process::Command;

use serde_json::Value;

fn smoke(extra: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .arg("smoke")
        .args(["--engine-bin", env!("CARGO_BIN_EXE_parley")])
        .args(extra)
        .output()
        .expect("loadgen runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(report["check"]["passed"], true, "{report}");
    let sent = report["check"]["sent"].as_u64().unwrap_or_default();
    assert!(sent > 0, "{report}");
    assert_eq!(report["check"]["delivered"], sent, "{report}");
}

#[test]
fn the_smoke_scenario_passes_its_check_on_sqlite() {
    smoke(&[]);
}

#[test]
fn the_smoke_scenario_passes_its_check_on_postgres() {
    let Some(url) = common::postgres_admin_url() else {
        return;
    };
    smoke(&["--backend", "postgres", "--postgres-url", &url]);
}

/// A burst of chats is offered or queued, each to one agent, none over capacity.
#[test]
fn a_small_burst_is_offered_to_one_agent_each() {
    let output = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(["burst", "--chats", "40", "--agents", "2", "--capacity", "3"])
        .args(["--engine-bin", env!("CARGO_BIN_EXE_parley")])
        .output()
        .expect("loadgen runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(report["offers"]["offered"], 40, "{report}");
    assert_eq!(report["offers"]["failed_starts"], 0, "{report}");
}

/// A reconnect storm: every visitor gets what it missed, exactly once.
#[test]
fn a_reconnect_storm_replays_what_was_missed() {
    let output = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args([
            "reconnect",
            "--chats",
            "12",
            "--agents",
            "2",
            "--capacity",
            "6",
        ])
        .args(["--engine-bin", env!("CARGO_BIN_EXE_parley")])
        .output()
        .expect("loadgen runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(report["check"]["passed"], true, "{report}");
    assert_eq!(report["reconnect"]["failed_reconnects"], 0, "{report}");
    assert_eq!(
        report["reconnect"]["missed_events_delivered"], 12,
        "{report}"
    );
}
