//! Fetching every metric of a config, and building a source by its backend name.

use crate::error::{Cause, SourceError};
use crate::http::HttpOptions;
use crate::secret::Secret;
use crate::source::{FetchRequest, MetricSource, Scopes, Window};
use canary_judge::{Config, MetricData};
use std::collections::BTreeMap;

/// What [`fetch_all`] got: data for the metrics that were fetched, the failure of each
/// one that was not.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// Data by metric name (possibly empty: the judge calls that `nodata`).
    pub metrics: BTreeMap<String, MetricData>,
    /// Failures by metric name.
    pub failures: BTreeMap<String, SourceError>,
}

impl Fetched {
    /// Whether no metric could be fetched at all.
    pub fn all_failed(&self) -> bool {
        self.metrics.is_empty() && !self.failures.is_empty()
    }

    /// The failures as `metric → message`, the form `canary_judge::judge_fetched` takes.
    pub fn failure_messages(&self) -> BTreeMap<String, String> {
        self.failures
            .iter()
            .map(|(name, e)| (name.clone(), e.to_string()))
            .collect()
    }
}

/// Fetches every metric of `config` over `window` for both scopes, concurrently (the
/// HTTP layer bounds how many requests are in flight). A metric that fails does not stop
/// the others.
pub async fn fetch_all(
    source: &dyn MetricSource,
    config: &Config,
    window: Window,
    scopes: &Scopes,
    variables: &BTreeMap<String, String>,
) -> Fetched {
    fetch_all_observed(source, config, window, scopes, variables, &|_| {}).await
}

/// [`fetch_all`], calling `on_fetched(metric)` as each metric's fetch ends (fetched or
/// failed): what a progress bar needs.
pub async fn fetch_all_observed(
    source: &dyn MetricSource,
    config: &Config,
    window: Window,
    scopes: &Scopes,
    variables: &BTreeMap<String, String>,
    on_fetched: &(dyn Fn(&str) + Sync),
) -> Fetched {
    let requests: Vec<FetchRequest<'_>> = config
        .metrics
        .iter()
        .map(|metric| FetchRequest {
            metric,
            window,
            scopes,
            variables,
        })
        .collect();
    let results = futures_util::future::join_all(requests.iter().map(|request| async move {
        let result = source.fetch(request).await;
        on_fetched(&request.metric.name);
        result
    }))
    .await;
    let mut fetched = Fetched::default();
    for (request, result) in requests.iter().zip(results) {
        let name = request.metric.name.clone();
        match result {
            Ok(data) if data.kind() == request.metric.kind => {
                fetched.metrics.insert(name, data);
            }
            Ok(data) => {
                let cause = Cause::Data(format!(
                    "the source returned {} data for a {} metric",
                    data.kind().as_str(),
                    request.metric.kind.as_str()
                ));
                fetched
                    .failures
                    .insert(name, request.error(source.name(), None, cause));
            }
            Err(e) => {
                fetched.failures.insert(name, e);
            }
        }
    }
    fetched
}

/// How to reach a backend: what [`build_source`] needs.
#[derive(Debug, Clone, Default)]
pub struct SourceSettings {
    /// The base URL of a remote backend (`http://prometheus:9090`), or the fixture path
    /// of `files`.
    pub url: Option<String>,
    /// The main credential (a bearer token for Prometheus).
    pub auth: Option<Secret>,
    /// Further named credentials, for backends that need more than one
    /// (e.g. an API key and an application key).
    pub credentials: BTreeMap<String, Secret>,
    /// Backend-specific settings that are not secrets (`region`, `database`, …), from
    /// the config's `sources.<backend>.options` and `--option NAME=VALUE`. A backend
    /// refuses a name it does not know ([`SourceSettings::check_options`]).
    pub options: BTreeMap<String, String>,
    /// Timeouts, retries and limits of the HTTP layer.
    pub http: HttpOptions,
}

impl SourceSettings {
    /// Checks that every option is one `backend` knows (`known`), so a typo such as
    /// `regoin` fails at setup rather than being silently ignored.
    ///
    /// # Errors
    /// [`Cause::Setup`] naming the unknown option and the known ones.
    ///
    /// ```
    /// use canary_sources::SourceSettings;
    /// let mut settings = SourceSettings::default();
    /// settings.options.insert("regoin".into(), "eu-west-1".into());
    /// let e = settings.check_options("cloudwatch", &["region"]).unwrap_err();
    /// assert!(e.to_string().contains("regoin"));
    /// ```
    pub fn check_options(&self, backend: &str, known: &[&str]) -> Result<(), SourceError> {
        match self.options.keys().find(|k| !known.contains(&k.as_str())) {
            None => Ok(()),
            Some(unknown) => Err(SourceError::new(
                backend,
                Cause::Setup(format!(
                    "unknown option {unknown:?} for {backend}; it knows: {}",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )),
            )),
        }
    }
}

impl SourceSettings {
    /// Checks that every named credential is one `backend` reads (`known`), so a
    /// misspelt name fails at setup rather than leaving the backend without it.
    ///
    /// # Errors
    /// [`Cause::Setup`] naming the unknown credential and the known ones.
    fn check_credentials(&self, backend: &str, known: &[&str]) -> Result<(), SourceError> {
        match self
            .credentials
            .keys()
            .find(|k| !known.contains(&k.as_str()))
        {
            None => Ok(()),
            Some(unknown) => Err(SourceError::new(
                backend,
                Cause::Setup(if known.is_empty() {
                    format!(
                        "unknown credential {unknown:?} for {backend}; it reads no named credentials, only auth"
                    )
                } else {
                    format!(
                        "unknown credential {unknown:?} for {backend}; it reads: {}",
                        known.join(", ")
                    )
                }),
            )),
        }
    }
}

/// The named credentials (beyond `auth`) a backend reads from
/// [`SourceSettings::credentials`]. When the config does not name one, it is read from
/// the environment variable `CANARY_<BACKEND>_<NAME>` if that is set
/// (`CANARY_DATADOG_APP_KEY`).
///
/// ```
/// assert!(canary_sources::credential_names("prometheus").is_empty());
/// ```
pub fn credential_names(backend: &str) -> &'static [&'static str] {
    CREDENTIAL_NAMES
        .iter()
        .find(|(name, _)| *name == backend)
        .map_or(&[], |(_, names)| names)
}

/// Per backend (one line per feature): the credential names of [`credential_names`];
/// [`build_source`] refuses any other name for a backend listed here.
const CREDENTIAL_NAMES: &[(&str, &[&str])] = &[
    #[cfg(feature = "prometheus")]
    ("prometheus", &[]),
    #[cfg(feature = "cloudwatch")]
    (
        "cloudwatch",
        &["access_key_id", "secret_access_key", "session_token"],
    ),
    #[cfg(feature = "influxdb")]
    ("influxdb", &["username"]),
    #[cfg(feature = "graphite")]
    ("graphite", &[]),
    #[cfg(feature = "datadog")]
    ("datadog", crate::datadog::CREDENTIALS),
    #[cfg(feature = "newrelic")]
    ("newrelic", &[]),
    #[cfg(feature = "http")]
    ("http", &[]),
];

/// The backends compiled in (by cargo feature).
pub const BACKENDS: &[&str] = &[
    #[cfg(feature = "prometheus")]
    "prometheus",
    #[cfg(feature = "files")]
    "files",
    #[cfg(feature = "cloudwatch")]
    "cloudwatch",
    #[cfg(feature = "http")]
    "http",
    #[cfg(feature = "influxdb")]
    "influxdb",
    #[cfg(feature = "graphite")]
    "graphite",
    #[cfg(feature = "datadog")]
    "datadog",
    #[cfg(feature = "newrelic")]
    "newrelic",
];

/// Builds the source called `backend` (one of [`BACKENDS`]).
///
/// # Errors
/// [`Cause::Setup`] for an unknown backend, a missing or invalid URL, or an HTTP client
/// that cannot be built; [`Cause::File`] for an unreadable fixture (`files`).
pub fn build_source(
    backend: &str,
    settings: SourceSettings,
) -> Result<Box<dyn MetricSource>, SourceError> {
    let secrets: Vec<Secret> = settings
        .auth
        .iter()
        .chain(settings.credentials.values())
        .cloned()
        .collect();
    let source = backend_source(backend, settings)?;
    Ok(if secrets.is_empty() {
        source
    } else {
        Box::new(Redacting {
            inner: source,
            secrets,
        })
    })
}

/// The registry: one arm per backend feature.
fn backend_source(
    backend: &str,
    settings: SourceSettings,
) -> Result<Box<dyn MetricSource>, SourceError> {
    // Without any backend feature `settings` goes unused.
    let _ = &settings;
    if let Some((_, known)) = CREDENTIAL_NAMES.iter().find(|(name, _)| *name == backend) {
        settings.check_credentials(backend, known)?;
    }
    match backend {
        #[cfg(feature = "prometheus")]
        "prometheus" => Ok(Box::new(crate::prometheus::Prometheus::new(settings)?)),
        #[cfg(feature = "influxdb")]
        "influxdb" => Ok(Box::new(crate::influxdb::InfluxDb::new(settings)?)),
        #[cfg(feature = "graphite")]
        "graphite" => Ok(Box::new(crate::graphite::Graphite::new(settings)?)),
        #[cfg(feature = "datadog")]
        "datadog" => Ok(Box::new(crate::datadog::Datadog::new(settings)?)),
        #[cfg(feature = "newrelic")]
        "newrelic" => Ok(Box::new(crate::newrelic::NewRelic::new(settings)?)),
        #[cfg(feature = "files")]
        "files" => {
            settings.check_options("files", &[])?;
            let path = settings.url.ok_or_else(|| {
                SourceError::new(
                    "files",
                    Cause::Setup("the files source needs a fixture path (--url PATH)".into()),
                )
            })?;
            Ok(Box::new(crate::files::Files::open(path)?))
        }
        #[cfg(feature = "cloudwatch")]
        "cloudwatch" => Ok(Box::new(crate::cloudwatch::CloudWatch::new(settings)?)),
        #[cfg(feature = "http")]
        "http" => Ok(Box::new(crate::http_json::HttpJson::new(settings)?)),
        other => Err(SourceError::new(
            other,
            Cause::Setup(format!(
                "unknown source {other:?}; this build has: {}",
                BACKENDS.join(", ")
            )),
        )),
    }
}

/// Wraps a source so that no credential can appear in its errors, even when a server
/// echoes one back in an error body.
#[derive(Debug)]
struct Redacting {
    inner: Box<dyn MetricSource>,
    secrets: Vec<Secret>,
}

impl MetricSource for Redacting {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn fetch<'a>(&'a self, request: &'a FetchRequest<'a>) -> crate::SourceFuture<'a> {
        Box::pin(async move {
            self.inner
                .fetch(request)
                .await
                .map_err(|e| e.redacted(&self.secrets))
        })
    }
}

/// Checks a backend's base URL: `http` or `https`, with a host, without credentials
/// (those belong in `auth`, where they cannot leak into messages). Returns it without a
/// trailing `/`.
///
/// # Errors
/// [`Cause::Setup`] saying what is wrong (the message never repeats a password).
pub fn check_base_url(backend: &str, url: Option<&str>) -> Result<reqwest::Url, SourceError> {
    let setup = |m: String| SourceError::new(backend, Cause::Setup(m));
    let text = url.ok_or_else(|| setup(format!("the {backend} source needs a URL (--url)")))?;
    let mut parsed =
        reqwest::Url::parse(text.trim()).map_err(|e| setup(format!("invalid URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(setup(format!(
            "the URL scheme must be http or https, not {}",
            parsed.scheme()
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(setup(
            "the URL must not hold credentials; give them through auth (an environment variable or a file)".into(),
        ));
    }
    if parsed.host_str().is_none() {
        return Err(setup("the URL has no host".into()));
    }
    let path = parsed.path().trim_end_matches('/').to_owned();
    parsed.set_path(&path);
    parsed.set_query(None);
    parsed.set_fragment(None);
    Ok(parsed)
}
