//! Browser tests: a Node script drives Debian's headless Chromium (through `playwright-core`)
//! against the real engine a Rust test has started. The script gets what it needs in its
//! environment (`PARLEY_URL` and whatever the test adds) and says what failed on its stderr;
//! its exit status is the verdict.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Chromium is expected (Debian's `chromium` package; `.ci/run` installs it).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs `script` (a path relative to the repository) with Node in its package folder
/// `package_dir`, and fails the test with the script's own report if it fails. Runs on the
/// blocking pool, so the engine (which lives on the test's runtime) keeps serving meanwhile.
pub async fn run_node_script(package_dir: &str, script: &str, env: Vec<(String, String)>) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let package = root.join(package_dir);
    assert!(
        Path::new(CHROMIUM).exists(),
        "browser tests need Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
    );
    assert!(
        package.join("node_modules").is_dir(),
        "browser tests need the Node packages of {package_dir}/ (npm ci --prefix {package_dir}; \
         scripts/test does it)"
    );
    let script_path = root.join(script);
    let output = actix_web::rt::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script_path)
            .current_dir(&package)
            .env("PARLEY_CHROMIUM", CHROMIUM)
            .envs(env)
            .output()
    })
    .await
    .expect("the Node runner thread")
    .expect("node runs (apt-get install nodejs)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    if !stdout.is_empty() {
        println!("{stdout}");
    }
}
