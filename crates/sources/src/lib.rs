//! # canary-sources
//!
//! Metric-source adapters for Canary Judge: fetch a window of baseline and canary data
//! from a monitoring backend and hand it to the judge as [`canary_judge::MetricData`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::collections::BTreeMap;
//! use canary_judge::{judge_metrics, Config};
//! use canary_sources::{build_source, fetch_all, Scopes, SourceSettings, Window};
//!
//! let config = Config::from_path("canary.yaml")?;
//! let source = build_source("prometheus", SourceSettings {
//!     url: Some("http://127.0.0.1:9090".into()),
//!     ..SourceSettings::default()
//! })?;
//! let scopes = Scopes { baseline: "v1".into(), canary: "v2".into() };
//! let window = Window::new(1_763_719_200, 1_763_721_000, 60)?;
//! let fetched = fetch_all(source.as_ref(), &config, window, &scopes, &BTreeMap::new()).await;
//! # Ok(()) }
//! ```
//!
//! ## Query templates
//!
//! A metric's `query` holds one entry per backend. Its shape follows the metric's kind
//! ([`MetricQuery`]): one query for `continuous`, `{events, total}` for `counts`, one
//! query returning cumulative buckets by `le` for `histogram`. Templates use `${scope}`
//! (the side's scope: `--baseline-scope` / `--canary-scope`), `${start}` and `${end}`
//! (unix seconds), `${start_ms}` and `${end_ms}` (epoch milliseconds), `${step}` and `${window}` (durations such as `60s`, `1800s`),
//! `${step_seconds}` and `${window_seconds}` (plain numbers) and the user's variables
//! (`--var cluster=eu1`). An unknown variable is an error, never an empty string.
//!
//! ```yaml
//! metrics:
//!   - name: cpu
//!     query: {prometheus: 'avg(rate(process_cpu_seconds_total{version="${scope}"}[${step}]))'}
//!   - name: errors
//!     kind: counts
//!     query:
//!       prometheus:
//!         events: 'sum(increase(http_requests_total{code=~"5..", version="${scope}"}[${step}]))'
//!         total: 'sum(increase(http_requests_total{version="${scope}"}[${step}]))'
//!   - name: latency
//!     kind: histogram
//!     query: {prometheus: 'sum by (le) (increase(http_request_duration_seconds_bucket{version="${scope}"}[${window}]))'}
//! ```
//!
//! ## Faults
//!
//! Every remote backend goes through [`http::HttpClient`]: a per-request timeout, retries
//! with exponential backoff and jitter on timeouts, connection errors and 5xx (never on
//! 4xx, except a rate limit's 429 after its `Retry-After`), a response size cap, bounded concurrency, rustls with certificate verification.
//! A failure is a [`SourceError`] naming the backend, the metric, the scope and the
//! [`Cause`]; [`fetch_all`] keeps going and reports each failed metric, which the judge
//! classifies `error` (`canary_judge::judge_fetched`). Credentials are [`Secret`]s from an
//! environment variable or a file ([`SecretRef`]); they print as `[redacted]`, are sent
//! only in headers, and URLs with credentials in them are refused.
//!
//! ## Adding a backend
//!
//! 1. **Feature**: in `crates/sources/Cargo.toml` add `mybackend = []` under `[features]`
//!    (and to `default` if it needs no extra dependencies; optional dependencies go
//!    behind the feature as `dep:...`).
//! 2. **Module**: `src/mybackend.rs`, declared in `lib.rs` as
//!    `#[cfg(feature = "mybackend")] pub mod mybackend;`. Define a struct holding an
//!    [`http::HttpClient`] (built from `settings.http`), the base URL (checked with
//!    [`check_base_url`]) and its [`Secret`]s (`settings.auth`, `settings.credentials`).
//!    Non-secret settings a backend needs (a region, a database) come from
//!    `settings.options` (config `sources.<backend>.options`, CLI `--option NAME=VALUE`,
//!    Python `options=`): call [`SourceSettings::check_options`] with the names it
//!    knows. Named credentials (CLI `--credential-env NAME=VAR`, config
//!    `sources.<backend>.credentials`) are listed in `CREDENTIAL_NAMES` in `fetch.rs`, so
//!    `CANARY_<BACKEND>_<NAME>` is read when nothing else names them.
//! 3. **Trait**: implement [`MetricSource`]: `name()` returns the key used in
//!    `query.mybackend` and in the config's `sources.mybackend`; `fetch` returns
//!    `Box::pin(async move { … })`. In it:
//!    - get the query: [`FetchRequest::rendered`] for string templates (expanded for one
//!      scope), or [`MetricQuery::parse_with`] for structured queries and
//!      [`FetchRequest::variables_for`] + [`render_template`] for their string parts;
//!    - send each request with [`http::HttpClient::send`] (the closure builds the
//!      request; put secrets in headers, never in the URL or an error) and parse
//!      [`http::HttpResponse::json`];
//!    - write one side's fetch, `async fn fetch_side(&self, request, scope) ->
//!      Result<shape::SideData, Cause>`, shaping the answers with [`shape`]:
//!      [`shape::align`] puts points on the window's grid (a missing step = a missing
//!      value, so the sides align and `canary record` writes a valid fixture; `Snap::Exact`
//!      or `Snap::Nearest` for backends that answer at their own rollup times),
//!      [`shape::pair_counts`] pairs events with totals, [`shape::histogram_from_buckets`]
//!      checks `le` buckets. An empty result is empty data (the judge says `nodata`), not
//!      an error. `fetch` then ends with
//!      `request.both_sides(NAME, |scope| self.fetch_side(request, scope)).await`
//!      ([`FetchRequest::both_sides`]): both sides concurrently, paired into
//!      [`MetricData`](canary_judge::MetricData), each side's failure named with its scope.
//!      A backend whose every query answers a list of series needs no `fetch_side` of
//!      its own: implement the crate's `shape::SeriesBackend` (run a query, pick the one
//!      series, put it on the grid, read buckets) and pass `shape::series_side`, as
//!      Prometheus, InfluxDB, Datadog and Graphite do;
//!    - report failures as a [`Cause`]: `Data` for data that does not fit the kind,
//!      `Response` for a body that is not what the API documents, `Api` when the API
//!      reports an error (failures before any side is fetched, e.g. a query that cannot
//!      parse, with [`FetchRequest::error`]).
//! 4. **Registry**: add a `#[cfg(feature = "mybackend")]` arm to [`build_source`] and the
//!    name to [`BACKENDS`]. The CLI (`canary gate --source mybackend`) and Python
//!    (`cj.gate(source="mybackend")`) then work without further changes.
//! 5. **Tests**: `crates/sources/tests/mybackend.rs`, with `wiremock` (a dev-dependency)
//!    serving response bodies shaped exactly like the API's documented responses on
//!    127.0.0.1 (`wiremock::MockServer::start().await`, its `uri()` as the URL). Cover
//!    success, an empty result, a 4xx (sent once: `.expect(1)`), a 5xx then success
//!    (retried: `up_to_n_times(1)` on the failing mock), a timeout
//!    (`ResponseTemplate::set_delay` beyond a short `HttpOptions::timeout`), malformed
//!    JSON and a partial series. Use short `HttpOptions` (timeout 200 ms, backoff 1 ms) so
//!    the tests stay fast; `tests/prometheus_mock.rs` is the model.

// A `SourceError` names the backend, metric, scope and cause; it is only built on the
// failure path, so its size (beyond clippy's 128-byte hint) costs nothing that matters.
#![allow(clippy::result_large_err)]

#[cfg(feature = "cloudwatch")]
pub mod cloudwatch;
#[cfg(feature = "datadog")]
pub mod datadog;
pub mod error;
mod fetch;
#[cfg(feature = "files")]
pub mod files;
#[cfg(feature = "graphite")]
pub mod graphite;
pub mod http;
#[cfg(feature = "http")]
pub mod http_json;
#[cfg(feature = "influxdb")]
pub mod influxdb;
mod live;
#[cfg(feature = "newrelic")]
pub mod newrelic;
#[cfg(feature = "prometheus")]
pub mod prometheus;
mod secret;
pub mod shape;
mod source;
mod template;

pub use canary_judge::{BUILTIN_VARIABLES, parse_duration};
pub use error::{Cause, SourceError};
pub use fetch::{
    BACKENDS, Fetched, SourceSettings, build_source, check_base_url, credential_names, fetch_all,
    fetch_all_observed,
};
pub use live::{
    DEFAULT_SOURCE, DEFAULT_STEP, LiveError, LivePlan, LiveRequest, default_token_env,
    fetch_blocking, fetch_blocking_observed, gate, gate_observed, named_credentials, now,
    parse_time, record, record_observed, write_atomically,
};
pub use secret::{Secret, SecretRef};
pub use source::{
    FetchRequest, MetricQuery, MetricSource, Scopes, SourceFuture, Window, query_value,
};
pub use template::{TemplateError, render_template};
