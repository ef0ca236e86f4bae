//! docs/protocol.md must document every error code, client command and server frame that the
//! code can produce, so a client written from the document alone understands everything.

use parley::protocol::{AgentCommand, VisitorCommand, WebsiteCommand};

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `snake_case` string literals that follow `marker` in a source file, e.g. the codes in
/// `=> "empty_name"` arms or `code: "frame_too_large"` fields.
fn codes_after(source: &str, marker: &str) -> Vec<String> {
    source
        .match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = &source[at + marker.len()..];
            let code: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            (rest[code.len()..].starts_with('"') && !code.is_empty()).then_some(code)
        })
        .collect()
}

/// The `type` tag of every `ServerFrame` variant: the variant names in snake_case.
fn server_frame_types(protocol: &str) -> Vec<String> {
    let start = protocol.find("pub enum ServerFrame").expect("ServerFrame");
    let body = &protocol[start..];
    let body = &body[..body.find("\n}\n").expect("end of enum")];
    body.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            if line.len() == line.trim_start_matches(' ').len()
                && line.starts_with(char::is_uppercase)
            {
                let name: String = line.chars().take_while(|c| c.is_alphanumeric()).collect();
                Some(name)
            } else {
                None
            }
        })
        .map(|name| {
            let mut snake = String::new();
            for (i, c) in name.chars().enumerate() {
                if c.is_uppercase() && i > 0 {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
            }
            snake
        })
        .collect()
}

#[test]
fn every_error_code_command_and_frame_is_documented() {
    let doc = read("docs/protocol.md");
    let mut missing = Vec::new();
    let mut check = |what: &str, name: &str| {
        if !doc.contains(&format!("`{name}`")) {
            missing.push(format!("{what} `{name}`"));
        }
    };

    let mut codes = codes_after(&read("src/error.rs"), "=> \"");
    codes.extend(codes_after(&read("src/domain/mod.rs"), "=> \""));
    codes.extend(codes_after(&read("src/protocol.rs"), "code: \""));
    codes.extend(codes_after(&read("src/http/socket.rs"), "code: \""));
    assert!(codes.len() > 25, "found only {codes:?}");
    for code in &codes {
        check("error code", code);
    }
    let commands = VisitorCommand::TYPES.iter().chain(AgentCommand::TYPES);
    for kind in commands.chain(WebsiteCommand::TYPES) {
        check("client frame", kind);
    }
    let frames = server_frame_types(&read("src/protocol.rs"));
    assert!(frames.contains(&"agent_hello".to_owned()), "{frames:?}");
    for frame in &frames {
        check("server frame", frame);
    }
    // The live monitor's socket (5.8) has frames of its own.
    for frame in ["monitor_snapshot", "monitor_changes"] {
        check("monitor frame", frame);
    }
    for close_reason in [
        "chat_ended",
        "slow_consumer",
        "frame_too_large",
        "heartbeat_timeout",
        "logged_out",
        "session_expired",
        "server_closing",
    ] {
        check("close reason", close_reason);
    }
    assert!(
        missing.is_empty(),
        "docs/protocol.md does not document: {missing:#?}"
    );
}
