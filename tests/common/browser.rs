//! Node in the front-ends' package folders: their build checks and unit tests, and browser
//! tests, where a Node script drives Debian's headless Chromium (through `playwright-core`)
//! against the real engine a Rust test has started. A script gets what it needs in its
//! environment (`PARLEY_URL` and whatever the test adds) and says what failed on its stderr;
//! its exit status is the verdict.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Chromium is expected (Debian's `chromium` package; `.ci/run` installs it).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs `node ARGS` in the package folder `package_dir` (relative to the repository) with
/// `env` added, and fails the test with Node's output if it fails; returns its stdout.
pub fn node(package_dir: &str, args: &[&str], env: Vec<(String, String)>) -> String {
    let package = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(package_dir);
    assert!(
        package.join("node_modules").is_dir(),
        "the Node packages of {package_dir}/ are missing (npm ci --prefix {package_dir}; \
         scripts/test does it)"
    );
    let output = Command::new("node")
        .args(args)
        .current_dir(&package)
        .envs(env)
        .output()
        .expect("node runs (apt-get install nodejs)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "node {args:?} in {package_dir}/ failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Runs the browser script `script` (a path relative to the repository) in its package folder
/// `package_dir`. Runs on the blocking pool, so the engine (which lives on the test's runtime)
/// keeps serving meanwhile.
pub async fn run_node_script(package_dir: &str, script: &str, env: Vec<(String, String)>) {
    assert!(
        Path::new(CHROMIUM).exists(),
        "browser tests need Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
    );
    let script_path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(script)
        .display()
        .to_string();
    let package_dir = package_dir.to_owned();
    let mut env = env;
    env.push(("PARLEY_CHROMIUM".to_owned(), CHROMIUM.to_owned()));
    let stdout = actix_web::rt::task::spawn_blocking(move || {
        node(&package_dir, &[script_path.as_str()], env)
    })
    .await
    .expect("the Node runner thread");
    if !stdout.is_empty() {
        println!("{stdout}");
    }
}
