//! `loadgen`: the load generator (issue 6). It prepares a fresh store with the engine's own
//! library, starts the real `parley` binary on it, drives it over the public protocol with
//! real WebSockets (agents that accept offers, visitors who chat, open-loop message
//! schedules), measures latency, time to offer, CPU and memory, runs a bare WebSocket echo
//! on the same stack as the baseline, checks that nothing was lost, duplicated, reordered or
//! double-assigned, prints a JSON report, and exits non-zero when the check fails.
//! `docs/performance.md` tells how to run each scenario.

mod args;
mod echo;
mod engine;
mod histogram;
mod net;
mod scenarios;
mod schedule;
mod tally;

use std::process::ExitCode;

use args::Scenario;

fn main() -> ExitCode {
    let words: Vec<String> = std::env::args().skip(1).collect();
    if words.iter().any(|w| w == "--help" || w == "-h") {
        println!("{}", args::USAGE);
        return ExitCode::SUCCESS;
    }
    let options = match args::parse(&words) {
        Ok(options) => options,
        Err(problem) => {
            eprintln!("{problem}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    if options.scenario == Scenario::EchoServer {
        return match echo::serve() {
            Ok(()) => ExitCode::SUCCESS,
            Err(problem) => {
                eprintln!("echo server: {problem}");
                ExitCode::FAILURE
            }
        };
    }
    let outcome = actix_web::rt::System::new().block_on(async {
        let mut report = scenarios::run(&options).await?;
        let message_scenario = matches!(options.scenario, Scenario::Messages | Scenario::Knee);
        if options.baseline && message_scenario {
            report["baseline_echo"] =
                echo::baseline(options.chats, &options.rates, options.duration_ms).await?;
        }
        Ok::<_, String>(report)
    });
    let report = match outcome {
        Ok(report) => report,
        Err(problem) => {
            eprintln!("loadgen: {problem}");
            return ExitCode::FAILURE;
        }
    };
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    println!("{text}");
    if let Some(path) = &options.report {
        if let Err(e) = std::fs::write(path, &text) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    if report["check"]["passed"] == true {
        ExitCode::SUCCESS
    } else {
        eprintln!("loadgen: the correctness check failed; see check.problems in the report");
        ExitCode::FAILURE
    }
}
