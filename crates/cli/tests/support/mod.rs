//! What the `canary gate` / `canary record` tests against mock backends share: running
//! the binary with only the given credential variables, the common flags of a live
//! window, the healthy series both scopes serve, and the leak check. Included with
//! `mod support;`; not every file uses every item.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// Ten steps of a healthy latency, the same for both scopes.
pub const LATENCY: [f64; 10] = [
    100.0, 102.0, 98.0, 101.0, 99.0, 100.5, 101.5, 99.5, 100.0, 102.5,
];
/// Ten steps of a healthy CPU.
pub const CPU: [f64; 10] = [40.0, 41.0, 39.0, 40.5, 39.5, 40.0, 41.5, 38.5, 40.0, 40.2];
/// Ten steps of errors…
pub const ERRORS: [f64; 10] = [1.0, 0.0, 2.0, 1.0, 0.0, 1.0, 0.0, 1.0, 2.0, 0.0];
/// …out of these requests.
pub const REQUESTS: [f64; 10] = [100.0; 10];

/// A fresh, empty directory `canary-<prefix>-<name>-<pid>` under the temporary directory.
pub fn temp_dir(prefix: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("canary-{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Owned copies of the arguments.
pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

/// `command --config … --source … --url … --start … --end …` with a one-minute step,
/// scopes `v1` (baseline) and `v2` (canary), one retry and a 2 s timeout, then `extra`.
pub fn live_args(
    command: &str,
    config: &Path,
    source: &str,
    url: &str,
    [start, end]: [i64; 2],
    extra: &[&str],
) -> Vec<String> {
    let mut a = strings(&[
        command,
        "--config",
        &config.display().to_string(),
        "--source",
        source,
        "--url",
        url,
        "--start",
        &start.to_string(),
        "--end",
        &end.to_string(),
        "--step",
        "1m",
        "--baseline-scope",
        "v1",
        "--canary-scope",
        "v2",
        "--retries",
        "1",
        "--timeout",
        "2s",
    ]);
    a.extend(strings(extra));
    a
}

/// Runs `canary` (off the async runtime, which serves the mocks) with the variables
/// `unset` removed from its environment and `set` set.
pub async fn run(
    args: Vec<String>,
    unset: &[&'static str],
    set: Vec<(&'static str, &'static str)>,
) -> Output {
    let unset = unset.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_canary"));
        command.args(&args);
        for name in unset {
            command.env_remove(name);
        }
        command.envs(set);
        command.output().unwrap()
    })
    .await
    .unwrap()
}

/// Its stdout and stderr.
pub fn out(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A URL on 127.0.0.1 where nothing listens (a port bound, then released).
pub fn dead_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

/// None of `texts` (outputs, files) holds any of `secrets`.
pub fn assert_nowhere(texts: &[String], secrets: &[&str]) {
    for text in texts {
        for secret in secrets {
            assert!(!text.contains(secret), "a credential leaked: {text}");
        }
    }
}
