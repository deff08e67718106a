//! Everything `canary gate`, `canary record` and Python's `gate`/`record` share: times
//! (`now-30m`), resolving flags against the config's `sources` section, fetching on a
//! private runtime, and turning a fetch into a report or a fixture.

use crate::error::{Cause, SourceError};
use crate::fetch::{Fetched, SourceSettings, build_source, fetch_all_observed};
use crate::http::HttpOptions;
use crate::secret::SecretRef;
use crate::source::{Scopes, Window};
use canary_judge::{Config, Fixture, JudgeError, Report, parse_duration};
use std::collections::BTreeMap;

/// The backend when neither the request nor the config's `sources` names one.
pub const DEFAULT_SOURCE: &str = "prometheus";

/// The step when neither the request nor the config gives one.
pub const DEFAULT_STEP: u64 = 60;

/// Parses a time: RFC 3339 (`2026-11-21T10:00:00Z`), unix seconds (`1763719200`),
/// `now`, or `now-30m` / `now+5m` (any duration of [`canary_judge::parse_duration`]).
/// `now` is given, so results are reproducible.
///
/// # Errors
/// A message saying which forms are accepted.
///
/// ```
/// use canary_sources::parse_time;
///
/// assert_eq!(parse_time("now-30m", 10_000), Ok(8_200));
/// assert_eq!(parse_time("1763719200", 0), Ok(1_763_719_200));
/// assert_eq!(parse_time("2025-11-21T10:00:00Z", 0), Ok(1_763_719_200));
/// assert_eq!(parse_time("2025-11-21T11:00:00+01:00", 0), Ok(1_763_719_200));
/// assert!(parse_time("yesterday", 0).is_err());
/// ```
pub fn parse_time(text: &str, now: i64) -> Result<i64, String> {
    let t = text.trim();
    let expected = || {
        format!(
            "expected a time: RFC 3339 (2026-01-31T12:00:00Z), unix seconds, now, or now-30m; got {text:?}"
        )
    };
    if let Some(rest) = t.strip_prefix("now") {
        if rest.is_empty() {
            return Ok(now);
        }
        let (sign, duration) = match rest.split_at(1) {
            ("-", d) => (-1, d),
            ("+", d) => (1, d),
            _ => return Err(expected()),
        };
        let d = parse_duration(duration).map_err(|_| expected())?;
        if d.subsec_millis() != 0 {
            return Err(format!("{text:?}: times are whole seconds"));
        }
        let secs = i64::try_from(d.as_secs()).map_err(|_| expected())?;
        return now
            .checked_add(sign * secs)
            .ok_or_else(|| format!("{text:?} is out of range"));
    }
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| expected());
    }
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp())
        .map_err(|_| expected())
}

/// The current time in unix seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// What a live fetch was asked for (command-line flags or Python arguments); unset
/// fields fall back to the config's `sources.<backend>` section.
#[derive(Debug, Clone, Default)]
pub struct LiveRequest {
    /// The backend (`prometheus`, `files`, …); `None` for the one the config's `sources`
    /// names, or [`DEFAULT_SOURCE`] when it names none.
    pub source: Option<String>,
    /// The base URL (or fixture path for `files`).
    pub url: Option<String>,
    /// Window start (any form of [`parse_time`]).
    pub start: String,
    /// Window end.
    pub end: String,
    /// Step, as a duration (`60s`).
    pub step: Option<String>,
    /// The baseline's scope.
    pub baseline_scope: Option<String>,
    /// The canary's scope.
    pub canary_scope: Option<String>,
    /// User variables; they override the config's.
    pub variables: BTreeMap<String, String>,
    /// Where the main credential comes from, overriding the config's `auth`.
    pub auth: Option<SecretRef>,
    /// Where named credentials come from (`app_key` → its env var), overriding the
    /// config's `credentials`.
    pub credentials: BTreeMap<String, SecretRef>,
    /// Backend-specific options (`region=eu-west-1`); they override the config's.
    pub options: BTreeMap<String, String>,
    /// Per-request timeout, as a duration.
    pub timeout: Option<String>,
    /// Retries.
    pub retries: Option<u32>,
}

/// Named credential references from `NAME=VARIABLE` and `NAME=PATH` pairs (the CLI's
/// `--credential-env` / `--credential-file`, Python's `credentials_env` /
/// `credentials_file`); a name given both ways takes the file.
///
/// ```
/// use canary_sources::{SecretRef, named_credentials};
/// let refs = named_credentials(
///     [("app_key".to_owned(), "DD_APP_KEY".to_owned())],
///     [("api_key".to_owned(), "/run/secrets/dd".into())],
/// );
/// assert_eq!(refs["app_key"], SecretRef::Env("DD_APP_KEY".into()));
/// assert_eq!(refs["api_key"], SecretRef::File("/run/secrets/dd".into()));
/// ```
pub fn named_credentials(
    envs: impl IntoIterator<Item = (String, String)>,
    files: impl IntoIterator<Item = (String, std::path::PathBuf)>,
) -> BTreeMap<String, SecretRef> {
    envs.into_iter()
        .map(|(name, env)| (name, SecretRef::Env(env)))
        .chain(
            files
                .into_iter()
                .map(|(name, path)| (name, SecretRef::File(path))),
        )
        .collect()
}

/// A resolved live fetch: the source settings, window, scopes and variables.
#[derive(Debug)]
pub struct LivePlan {
    /// The backend's name.
    pub backend: String,
    /// How to reach it.
    pub settings: SourceSettings,
    /// The window.
    pub window: Window,
    /// The scopes.
    pub scopes: Scopes,
    /// User variables.
    pub variables: BTreeMap<String, String>,
}

fn setup(backend: &str, message: String) -> SourceError {
    SourceError::new(backend, Cause::Setup(message))
}

/// The environment variable a backend's token is read from when neither the request
/// nor the config names one: `CANARY_<BACKEND>_TOKEN` (`CANARY_PROMETHEUS_TOKEN`).
pub fn default_token_env(backend: &str) -> String {
    format!("CANARY_{}_TOKEN", backend.to_ascii_uppercase())
}

impl LiveRequest {
    /// Resolves the request against `config.sources` (request first, then the config,
    /// then defaults) and loads the credentials. `now` anchors `now-30m`.
    ///
    /// # Errors
    /// [`Cause::Setup`] for a missing backend, scope or bad time/duration;
    /// [`Cause::Credential`] for a credential that cannot be loaded.
    pub fn resolve(&self, config: &Config, now: i64) -> Result<LivePlan, SourceError> {
        let backend = match &self.source {
            Some(s) => s.clone(),
            None if config.sources.len() == 1 => {
                config.sources.keys().next().cloned().unwrap_or_default()
            }
            None if config.sources.is_empty() => DEFAULT_SOURCE.to_owned(),
            None => {
                let names: Vec<&str> = config.sources.keys().map(String::as_str).collect();
                return Err(setup(
                    "sources",
                    format!(
                        "no source given (--source) and the config's sources section names several: {}",
                        names.join(", ")
                    ),
                ));
            }
        };
        let defaults = config.sources.get(&backend).cloned().unwrap_or_default();
        let b = backend.as_str();
        let start = parse_time(&self.start, now).map_err(|m| setup(b, format!("start: {m}")))?;
        let end = parse_time(&self.end, now).map_err(|m| setup(b, format!("end: {m}")))?;
        let step = match self.step.as_ref().or(defaults.step.as_ref()) {
            None => DEFAULT_STEP,
            Some(text) => {
                let d = parse_duration(text).map_err(|m| setup(b, format!("step: {m}")))?;
                if d.subsec_millis() != 0 || d.is_zero() {
                    return Err(setup(
                        b,
                        format!("step: expected whole seconds, got {text:?}"),
                    ));
                }
                d.as_secs()
            }
        };
        let window = Window::new(start, end, step).map_err(|c| SourceError::new(b, c))?;
        let scope = |given: &Option<String>, side: &str| -> Result<String, SourceError> {
            let configured = defaults.scopes.as_ref().map(|s| match side {
                "baseline" => s.baseline.clone(),
                _ => s.canary.clone(),
            });
            match given.clone().or(configured) {
                Some(s) if !s.trim().is_empty() => Ok(s),
                Some(_) => Err(setup(b, format!("the {side} scope is empty"))),
                // Files need no scopes: the fixture already has both sides.
                None if backend == "files" => Ok(side.to_owned()),
                None => Err(setup(
                    b,
                    format!(
                        "no {side} scope: give --{side}-scope or sources.{backend}.scopes.{side}"
                    ),
                )),
            }
        };
        let scopes = Scopes {
            baseline: scope(&self.baseline_scope, "baseline")?,
            canary: scope(&self.canary_scope, "canary")?,
        };
        let mut variables = defaults.variables.clone();
        variables.extend(self.variables.clone());
        for name in variables.keys() {
            if canary_judge::BUILTIN_VARIABLES.contains(&name.as_str()) {
                return Err(setup(
                    b,
                    format!("the variable {name:?} is built in and cannot be set"),
                ));
            }
        }
        let auth_ref = match (&self.auth, &defaults.auth) {
            (Some(r), _) => Some(r.clone()),
            (None, Some(c)) => Some(credential_ref(c, b, "auth")?),
            (None, None) => {
                let env = default_token_env(b);
                std::env::var_os(&env).map(|_| SecretRef::Env(env))
            }
        };
        let auth = auth_ref
            .map(|r| r.load())
            .transpose()
            .map_err(|e| SourceError {
                backend: backend.clone(),
                ..e
            })?;
        let mut credential_refs = BTreeMap::new();
        for name in crate::credential_names(b) {
            let env = format!(
                "CANARY_{}_{}",
                b.to_ascii_uppercase(),
                name.to_ascii_uppercase()
            );
            if std::env::var_os(&env).is_some() {
                credential_refs.insert((*name).to_owned(), SecretRef::Env(env));
            }
        }
        for (name, c) in &defaults.credentials {
            credential_refs.insert(name.clone(), credential_ref(c, b, name)?);
        }
        credential_refs.extend(self.credentials.clone());
        let mut credentials = BTreeMap::new();
        for (name, r) in credential_refs {
            let secret = r.load().map_err(|e| SourceError {
                backend: backend.clone(),
                ..e
            })?;
            credentials.insert(name, secret);
        }
        let mut options = defaults.options.clone();
        options.extend(self.options.clone());
        let mut http = HttpOptions::default();
        if let Some(text) = self.timeout.as_ref().or(defaults.timeout.as_ref()) {
            http.timeout = parse_duration(text).map_err(|m| setup(b, format!("timeout: {m}")))?;
        }
        if let Some(r) = self.retries.or(defaults.retries) {
            if r > canary_judge::MAX_RETRIES {
                return Err(setup(
                    b,
                    format!(
                        "retries: expected at most {}, got {r}",
                        canary_judge::MAX_RETRIES
                    ),
                ));
            }
            http.retries = r;
        }
        Ok(LivePlan {
            settings: SourceSettings {
                url: self.url.clone().or(defaults.url),
                auth,
                credentials,
                options,
                http,
            },
            backend,
            window,
            scopes,
            variables,
        })
    }
}

fn credential_ref(
    c: &canary_judge::CredentialRef,
    backend: &str,
    name: &str,
) -> Result<SecretRef, SourceError> {
    match (&c.env, &c.file) {
        (Some(env), None) => Ok(SecretRef::Env(env.clone())),
        (None, Some(file)) => Ok(SecretRef::File(file.into())),
        _ => Err(SourceError::new(
            backend,
            Cause::Credential(format!("{name}: expected exactly one of env or file")),
        )),
    }
}

/// Fetches every metric of `config` as `plan` says, on a private single-threaded tokio
/// runtime (a blocking call: for the CLI and Python).
///
/// # Errors
/// The source cannot be built, or the runtime cannot start. Failures of single metrics
/// are in [`Fetched::failures`].
pub fn fetch_blocking(config: &Config, plan: LivePlan) -> Result<Fetched, SourceError> {
    fetch_blocking_observed(config, plan, &|_| {})
}

/// [`fetch_blocking`], calling `on_fetched(metric)` as each metric's fetch ends.
///
/// # Errors
/// As [`fetch_blocking`].
pub fn fetch_blocking_observed(
    config: &Config,
    plan: LivePlan,
    on_fetched: &(dyn Fn(&str) + Sync),
) -> Result<Fetched, SourceError> {
    let backend = plan.backend.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| setup(&backend, format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        let source = build_source(&plan.backend, plan.settings)?;
        Ok(fetch_all_observed(
            source.as_ref(),
            config,
            plan.window,
            &plan.scopes,
            &plan.variables,
            on_fetched,
        )
        .await)
    })
}

/// Why a live command failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The source could not be set up or reached, or no metric at all could be fetched.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// Every metric failed; the failures, one per line.
    #[error("no metric could be fetched:\n  {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "))]
    AllFailed(Vec<SourceError>),
    /// Some metrics failed, so no complete fixture can be recorded.
    #[error("cannot record: {} metric(s) could not be fetched:\n  {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "))]
    Incomplete(Vec<SourceError>),
    /// The fetched data does not fit the config.
    #[error(transparent)]
    Judge(#[from] JudgeError),
}

/// `canary gate`: fetch and judge. A metric that failed is classified `error` (the
/// verdict is then never promote).
///
/// # Errors
/// [`LiveError::AllFailed`] when nothing could be fetched, [`LiveError::Source`] when the
/// source cannot be set up.
pub fn gate(config: &Config, request: &LiveRequest, now: i64) -> Result<Report, LiveError> {
    gate_observed(config, request, now, &|_| {})
}

/// [`gate`], calling `on_fetched(metric)` as each metric's fetch ends (for a progress
/// bar).
///
/// # Errors
/// As [`gate`].
pub fn gate_observed(
    config: &Config,
    request: &LiveRequest,
    now: i64,
    on_fetched: &(dyn Fn(&str) + Sync),
) -> Result<Report, LiveError> {
    let plan = request.resolve(config, now)?;
    let fetched = fetch_blocking_observed(config, plan, on_fetched)?;
    if fetched.all_failed() {
        return Err(LiveError::AllFailed(
            fetched.failures.into_values().collect(),
        ));
    }
    Ok(canary_judge::judge_fetched(
        config,
        "live",
        &fetched.metrics,
        &fetched.failure_messages(),
    )?)
}

/// `canary record`: fetch every metric and build a fixture named `name`.
///
/// # Errors
/// [`LiveError::Incomplete`] when any metric failed (a fixture must hold every metric).
pub fn record(
    config: &Config,
    request: &LiveRequest,
    now: i64,
    name: &str,
) -> Result<Fixture, LiveError> {
    record_observed(config, request, now, name, &|_| {})
}

/// [`record`], calling `on_fetched(metric)` as each metric's fetch ends (for a progress
/// bar).
///
/// # Errors
/// As [`record`].
pub fn record_observed(
    config: &Config,
    request: &LiveRequest,
    now: i64,
    name: &str,
    on_fetched: &(dyn Fn(&str) + Sync),
) -> Result<Fixture, LiveError> {
    let plan = request.resolve(config, now)?;
    let description = format!(
        "recorded from {} over [{}, {}] every {} s; baseline scope {:?}, canary scope {:?}",
        plan.backend,
        plan.window.start,
        plan.window.end,
        plan.window.step,
        plan.scopes.baseline,
        plan.scopes.canary
    );
    let fetched = fetch_blocking_observed(config, plan, on_fetched)?;
    if !fetched.failures.is_empty() {
        return Err(LiveError::Incomplete(
            fetched.failures.into_values().collect(),
        ));
    }
    Ok(Fixture {
        name: name.to_owned(),
        description: Some(description),
        expected: None,
        metrics: fetched.metrics,
    })
}

/// Writes `text` to `path` atomically: a temporary file in the same folder, flushed to
/// disk, then renamed over `path` (readers see the old file or the new one, never half).
///
/// # Errors
/// The folder is not writable, or the rename fails.
pub fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file path"))?;
    let temp = dir.join(format!(
        ".{}.tmp-{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
