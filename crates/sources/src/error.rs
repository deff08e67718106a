//! The one error type of every source: which backend, which metric, which scope, why.

use crate::template::TemplateError;
use std::fmt;
use thiserror::Error;

/// Why a fetch failed, naming the backend, the metric and the scope where they are known.
///
/// The message never holds a credential: the HTTP layer drops URLs from transport errors
/// and backends send secrets only in headers.
///
/// ```
/// use canary_sources::{Cause, SourceError};
///
/// let e = SourceError::new("prometheus", Cause::Timeout { seconds: 10.0 })
///     .for_metric("latency_ms")
///     .in_scope("canary", "v2");
/// assert_eq!(
///     e.to_string(),
///     "prometheus: metric \"latency_ms\" (canary scope \"v2\"): no response within 10 s"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{backend}{}: {cause}", Where(metric.as_deref(), scope.as_ref()))]
pub struct SourceError {
    /// The backend (`prometheus`, `files`, …).
    pub backend: String,
    /// The metric being fetched, when the failure concerns one.
    pub metric: Option<String>,
    /// The side (`baseline` or `canary`) and its scope value, when the failure concerns one.
    pub scope: Option<(String, String)>,
    /// What went wrong.
    pub cause: Cause,
}

struct Where<'a>(Option<&'a str>, Option<&'a (String, String)>);

impl fmt::Display for Where<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(metric) = self.0 {
            write!(f, ": metric {metric:?}")?;
        }
        if let Some((side, scope)) = self.1 {
            write!(f, " ({side} scope {scope:?})")?;
        }
        Ok(())
    }
}

impl SourceError {
    /// An error of `backend` not (yet) tied to a metric.
    pub fn new(backend: impl Into<String>, cause: Cause) -> Self {
        Self {
            backend: backend.into(),
            metric: None,
            scope: None,
            cause,
        }
    }

    /// Names the metric.
    #[must_use]
    pub fn for_metric(mut self, metric: impl Into<String>) -> Self {
        self.metric = Some(metric.into());
        self
    }

    /// Names the side (`baseline` or `canary`) and its scope value.
    #[must_use]
    pub fn in_scope(mut self, side: impl Into<String>, scope: impl Into<String>) -> Self {
        self.scope = Some((side.into(), scope.into()));
        self
    }

    /// The error with every occurrence of each secret's value replaced by `[redacted]`.
    #[must_use]
    pub fn redacted(self, secrets: &[crate::Secret]) -> Self {
        let clean = |text: String| {
            secrets
                .iter()
                .filter(|s| !s.expose().is_empty())
                .fold(text, |t, s| t.replace(s.expose(), "[redacted]"))
        };
        let cause = match self.cause {
            Cause::Query(m) => Cause::Query(clean(m)),
            Cause::Window(m) => Cause::Window(clean(m)),
            Cause::Connect(m) => Cause::Connect(clean(m)),
            Cause::Status { status, body } => Cause::Status {
                status,
                body: clean(body),
            },
            Cause::Response(m) => Cause::Response(clean(m)),
            Cause::Api(m) => Cause::Api(clean(m)),
            Cause::Data(m) => Cause::Data(clean(m)),
            Cause::Credential(m) => Cause::Credential(clean(m)),
            Cause::File(m) => Cause::File(clean(m)),
            Cause::Setup(m) => Cause::Setup(clean(m)),
            other @ (Cause::Template { .. } | Cause::Timeout { .. } | Cause::TooLarge { .. }) => {
                other
            }
        };
        Self {
            backend: self.backend,
            metric: self.metric,
            scope: self.scope,
            cause,
        }
    }

    /// Whether the failure concerns the whole source rather than one metric's data (the
    /// server cannot be reached, credentials are missing, …).
    pub fn is_transport(&self) -> bool {
        matches!(
            self.cause,
            Cause::Timeout { .. } | Cause::Connect(_) | Cause::Credential(_) | Cause::Setup(_)
        )
    }
}

/// What went wrong in a fetch.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Cause {
    /// The metric's `query` has no entry for the backend, or it has the wrong shape.
    #[error("query: {0}")]
    Query(String),
    /// A query template could not be expanded.
    #[error("query template `{key}`: {error}")]
    Template {
        /// Which template (`query.prometheus`, `query.prometheus.events`, …).
        key: String,
        /// Why.
        error: TemplateError,
    },
    /// The request or window is invalid (start after end, zero step, too many points).
    #[error("{0}")]
    Window(String),
    /// No response in time (after every retry).
    #[error("no response within {seconds} s")]
    Timeout {
        /// The per-request timeout.
        seconds: f64,
    },
    /// The server could not be reached (after every retry).
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The server answered with an error status (5xx after every retry; 4xx at once).
    #[error("HTTP {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The start of the response body (at most 300 characters), often the API's own
        /// error message.
        body: String,
    },
    /// The response was larger than the configured cap.
    #[error("response larger than {limit} bytes")]
    TooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The response could not be read or is not what the API documents.
    #[error("unexpected response: {0}")]
    Response(String),
    /// The API answered but reported an error.
    #[error("the API reported an error: {0}")]
    Api(String),
    /// The data does not fit the metric's kind (several series where one is expected,
    /// fractional counts, buckets without `+Inf`, …).
    #[error("{0}")]
    Data(String),
    /// A credential could not be loaded (the message names the variable or file, never
    /// the value).
    #[error("credential: {0}")]
    Credential(String),
    /// A local file could not be read or parsed.
    #[error("{0}")]
    File(String),
    /// The source could not be set up (bad URL, unknown backend, TLS initialisation).
    #[error("{0}")]
    Setup(String),
}
