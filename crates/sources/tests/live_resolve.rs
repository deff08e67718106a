//! How a live request is resolved against the config's `sources` section: request
//! first, then the config, then defaults — for options and named credentials too.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use canary_judge::Config;
use canary_sources::{LiveRequest, SecretRef, SourceSettings};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A credential file holding `value`, unique to this test process and `name`.
fn secret_file(name: &str, value: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("canary-live-resolve-{}-{name}", std::process::id()));
    std::fs::write(&path, format!("{value}\n")).unwrap();
    path
}

fn config(key_file: &std::path::Path) -> Config {
    Config::from_yaml_str(&format!(
        r#"
version: 1
metrics:
  - name: latency_ms
sources:
  prometheus:
    url: http://127.0.0.1:9
    scopes: {{baseline: v1, canary: v2}}
    options: {{region: eu-west-1, database: metrics}}
    credentials: {{app_key: {{file: "{}"}}}}
"#,
        key_file.display()
    ))
    .unwrap()
}

fn request() -> LiveRequest {
    LiveRequest {
        start: "1000".into(),
        end: "1600".into(),
        ..LiveRequest::default()
    }
}

#[test]
fn options_merge_with_the_request_first() {
    let config = config(&secret_file("options", "from-config"));
    let mut req = request();
    req.options.insert("region".into(), "us-east-1".into());
    let plan = req.resolve(&config, 2000).unwrap();
    assert_eq!(plan.settings.options["region"], "us-east-1");
    assert_eq!(plan.settings.options["database"], "metrics");
    assert_eq!(plan.settings.credentials["app_key"].expose(), "from-config");
}

#[test]
fn a_requested_credential_overrides_the_configs() {
    let config = config(&secret_file("config-key", "from-config"));
    let mut req = request();
    req.credentials.insert(
        "app_key".into(),
        SecretRef::File(secret_file("request-key", "from-request")),
    );
    let plan = req.resolve(&config, 2000).unwrap();
    assert_eq!(
        plan.settings.credentials["app_key"].expose(),
        "from-request"
    );
    // Debug output of the settings never shows the value.
    let debug = format!("{:?}", plan.settings);
    assert!(!debug.contains("from-request"), "{debug}");
}

#[test]
fn a_missing_credential_variable_is_a_credential_error_naming_it() {
    let config = config(&secret_file("missing", "x"));
    let mut req = request();
    req.credentials.insert(
        "app_key".into(),
        SecretRef::Env("CANARY_TEST_RESOLVE_UNSET_VARIABLE".into()),
    );
    let e = req.resolve(&config, 2000).unwrap_err().to_string();
    assert!(e.contains("CANARY_TEST_RESOLVE_UNSET_VARIABLE"), "{e}");
}

#[test]
fn unknown_options_are_refused_by_name() {
    let mut settings = SourceSettings {
        options: BTreeMap::from([("regoin".to_owned(), "x".to_owned())]),
        ..SourceSettings::default()
    };
    let e = settings
        .check_options("cloudwatch", &["region"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"regoin\"") && e.contains("region"), "{e}");
    settings.options = BTreeMap::from([("region".to_owned(), "x".to_owned())]);
    assert!(settings.check_options("cloudwatch", &["region"]).is_ok());
}
