//! The config's optional `sources` section: per-backend defaults for live fetches
//! (`canary gate`, `canary record`). The judge itself never fetches; it only checks the
//! section, so a typo fails when the config is loaded rather than mid-rollout.
//!
//! ```yaml
//! sources:
//!   prometheus:
//!     url: https://prometheus.example:9090
//!     auth: {env: CANARY_PROMETHEUS_TOKEN}      # or {file: /run/secrets/prom-token}
//!     scopes: {baseline: v1, canary: v2}       # what ${scope} becomes per side
//!     variables: {cluster: eu1}                # ${cluster} in the queries
//!     step: 60s
//!     timeout: 10s
//!     retries: 3
//!   cloudwatch:
//!     options: {region: eu-west-1}             # backend-specific, non-secret settings
//!     credentials:                             # backends that need several secrets
//!       access_key_id: {env: AWS_ACCESS_KEY_ID}
//!       secret_access_key: {file: /run/secrets/aws-secret}
//! ```
//!
//! Credentials are named, never written: `auth` (and `credentials`, for backends that
//! need several) hold an environment variable's name or a file's path.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// The defaults of one backend.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDefaults {
    /// The server's base URL (the fixture path for `files`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The main credential (a bearer token for Prometheus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<CredentialRef>,
    /// Further named credentials, for backends that need several (e.g. `app_key`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub credentials: BTreeMap<String, CredentialRef>,
    /// The scope of each side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<ScopeValues>,
    /// User variables of the query templates.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
    /// Seconds between points, as a duration (`60s`, `1m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Per-request timeout, as a duration (`10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Retries after a timeout, connection error or 5xx (at most 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// Backend-specific settings that are not secrets (`region` for CloudWatch,
    /// `database` for InfluxDB, …); each backend documents the names it reads and
    /// refuses names it does not know.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

/// Where a credential comes from: exactly one of `env` and `file`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialRef {
    /// The name of an environment variable holding it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// The path of a file holding it (surrounding whitespace is ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// The scope values of the two sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeValues {
    /// The baseline's scope.
    pub baseline: String,
    /// The canary's scope.
    pub canary: String,
}

/// Template variables every query gets; a user variable cannot take these names.
/// `start_ms` and `end_ms` are the window's ends in epoch milliseconds (NRQL's
/// `SINCE`/`UNTIL`, Elasticsearch ranges and many JSON APIs take those).
pub const BUILTIN_VARIABLES: [&str; 9] = [
    "scope",
    "start",
    "end",
    "start_ms",
    "end_ms",
    "step",
    "window",
    "step_seconds",
    "window_seconds",
];
/// The most retries a source may be configured with.
pub const MAX_RETRIES: u32 = 10;

/// Parses a duration: a whole number with a unit `ms`, `s`, `m`, `h` or `d`
/// (`500ms`, `60s`, `5m`, `1h`), or plain seconds (`60`).
///
/// # Errors
/// A message saying what was expected.
///
/// ```
/// use std::time::Duration;
/// use canary_judge::parse_duration;
///
/// assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
/// assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
/// assert!(parse_duration("5 parsecs").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let expected = || format!("expected a duration such as 500ms, 60s, 5m, 1h or 1d, got {text:?}");
    let n: u64 = digits.parse().map_err(|_| expected())?;
    let millis = match unit {
        "ms" => Some(n),
        "" | "s" => n.checked_mul(1000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        "d" => n.checked_mul(86_400_000),
        _ => return Err(expected()),
    }
    .ok_or_else(|| format!("the duration {text:?} is too long"))?;
    Ok(Duration::from_millis(millis))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every problem of a `sources` section, as `(key path, message)`.
pub(crate) fn problems(
    sources: &BTreeMap<String, SourceDefaults>,
    problem: &mut dyn FnMut(String, String),
) {
    for (backend, d) in sources {
        let at = |key: &str| format!("sources.{backend}.{key}");
        if !is_identifier(backend) {
            problem(
                format!("sources.{backend}"),
                "expected a backend name (letters, digits, _), e.g. prometheus".into(),
            );
        }
        if let Some(url) = &d.url {
            url_problems(backend, url, &at("url"), problem);
        }
        if let Some(auth) = &d.auth {
            credential_problems(auth, &at("auth"), problem);
        }
        for (name, credential) in &d.credentials {
            if !is_identifier(name) {
                problem(
                    at(&format!("credentials.{name}")),
                    "expected a name of letters, digits and _".into(),
                );
            }
            credential_problems(credential, &at(&format!("credentials.{name}")), problem);
        }
        if let Some(scopes) = &d.scopes {
            for (side, value) in [("baseline", &scopes.baseline), ("canary", &scopes.canary)] {
                if value.trim().is_empty() {
                    problem(
                        at(&format!("scopes.{side}")),
                        "expected a non-empty scope".into(),
                    );
                }
            }
        }
        for name in d.options.keys() {
            if !is_identifier(name) {
                problem(
                    at(&format!("options.{name}")),
                    "expected an option name of letters, digits and _".into(),
                );
            }
        }
        for name in d.variables.keys() {
            let key = at(&format!("variables.{name}"));
            if BUILTIN_VARIABLES.contains(&name.as_str()) {
                problem(key, format!("${{{name}}} is built in and cannot be set"));
            } else if !is_identifier(name) {
                problem(
                    key,
                    "expected a variable name of letters, digits and _".into(),
                );
            }
        }
        for (key, value) in [("step", &d.step), ("timeout", &d.timeout)] {
            if let Some(text) = value {
                match parse_duration(text) {
                    Ok(d) if key == "step" && d.subsec_millis() != 0 => {
                        problem(at(key), "expected whole seconds".into());
                    }
                    Ok(d) if d.is_zero() => problem(at(key), "expected a positive duration".into()),
                    Ok(_) => {}
                    Err(message) => problem(at(key), message),
                }
            }
        }
        if let Some(r) = d.retries
            && r > MAX_RETRIES
        {
            problem(
                at("retries"),
                format!("expected at most {MAX_RETRIES}, got {r}"),
            );
        }
    }
}

fn url_problems(backend: &str, url: &str, key: &str, problem: &mut dyn FnMut(String, String)) {
    if url.trim().is_empty() {
        problem(key.to_owned(), "expected a URL".into());
        return;
    }
    if backend == "files" {
        return;
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        problem(key.to_owned(), "expected an http:// or https:// URL".into());
        return;
    };
    if scheme != "http" && scheme != "https" {
        problem(
            key.to_owned(),
            format!("expected an http:// or https:// URL, not {scheme}://"),
        );
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        problem(
            key.to_owned(),
            "the URL must not hold credentials; name them in auth (env or file)".into(),
        );
    }
}

fn credential_problems(c: &CredentialRef, key: &str, problem: &mut dyn FnMut(String, String)) {
    match (&c.env, &c.file) {
        (Some(_), Some(_)) | (None, None) => problem(
            key.to_owned(),
            "expected exactly one of env (a variable's name) or file (a path)".into(),
        ),
        (Some(env), None) if !is_identifier(env) => problem(
            format!("{key}.env"),
            "expected an environment variable's name (letters, digits, _), not a value".into(),
        ),
        (None, Some(file)) if file.trim().is_empty() => {
            problem(format!("{key}.file"), "expected a path".into());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration(" 1h "), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        for bad in ["", "s", "-5s", "1.5s", "5 m", "5y", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
