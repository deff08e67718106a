//! The [`MetricSource`] trait, the window and scopes of a fetch, and the query templates
//! of a metric.

use crate::error::{Cause, SourceError};
use crate::shape::SideData;
use crate::template::render_template;
use canary_judge::{MetricConfig, MetricData, MetricKind, Sides};
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

/// The future a [`MetricSource`] returns.
pub type SourceFuture<'a> =
    Pin<Box<dyn Future<Output = Result<MetricData, SourceError>> + Send + 'a>>;

/// A metric backend: fetches one metric's data for one window, both sides.
///
/// Implementations are `Debug` (with secrets redacted: hold them as [`crate::Secret`])
/// and `Send + Sync` so one source serves many metrics concurrently
/// ([`crate::fetch_all`]). `fetch` is written as
/// `fn fetch<'a>(&'a self, request: &'a FetchRequest<'a>) -> SourceFuture<'a> {
/// Box::pin(async move { … }) }` so the trait stays object-safe (`Box<dyn MetricSource>`).
///
/// An empty result is not an error: return empty data (no points, or `None` histograms)
/// and the judge classifies the metric `nodata`. Errors name the backend, the metric and
/// the scope ([`SourceError::for_metric`], [`SourceError::in_scope`]).
pub trait MetricSource: Send + Sync + std::fmt::Debug {
    /// The backend's name: its key in a metric's `query` and in the config's `sources`.
    fn name(&self) -> &'static str;

    /// Fetches `request.metric` over `request.window` for both scopes.
    fn fetch<'a>(&'a self, request: &'a FetchRequest<'a>) -> SourceFuture<'a>;
}

/// The time window of a fetch: `[start, end]` in unix seconds, sampled every `step`
/// seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First instant, unix seconds.
    pub start: i64,
    /// Last instant, unix seconds (after `start`).
    pub end: i64,
    /// Seconds between points (at least 1).
    pub step: u64,
}

impl Window {
    /// A checked window.
    ///
    /// # Errors
    /// [`Cause::Window`] when `end <= start` or `step == 0`.
    ///
    /// ```
    /// let w = canary_sources::Window::new(1000, 1600, 60).unwrap();
    /// assert_eq!(w.seconds(), 600);
    /// assert_eq!(w.instants().count(), 11);
    /// assert!(canary_sources::Window::new(10, 10, 60).is_err());
    /// ```
    pub fn new(start: i64, end: i64, step: u64) -> Result<Self, Cause> {
        if end <= start {
            return Err(Cause::Window(format!(
                "the window must end after it starts (start {start}, end {end})"
            )));
        }
        if step == 0 {
            return Err(Cause::Window("the step must be at least 1 second".into()));
        }
        Ok(Self { start, end, step })
    }

    /// `end - start` in seconds.
    pub fn seconds(&self) -> u64 {
        self.end.abs_diff(self.start)
    }

    /// The evaluation instants `start, start + step, …` up to `end`.
    pub fn instants(&self) -> impl Iterator<Item = i64> + '_ {
        let step = i64::try_from(self.step).unwrap_or(i64::MAX);
        (0..)
            .map(move |i: i64| self.start.saturating_add(i.saturating_mul(step)))
            .take_while(move |t| *t <= self.end)
            .take(usize::try_from(self.seconds() / self.step + 1).unwrap_or(usize::MAX))
    }
}

/// The scope values of the two sides (what `${scope}` becomes), e.g. `v1` and `v2`, or
/// `stable` and `canary`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes {
    /// The baseline's scope.
    pub baseline: String,
    /// The canary's scope.
    pub canary: String,
}

impl Scopes {
    /// `[("baseline", baseline), ("canary", canary)]`.
    pub fn sides(&self) -> [(&'static str, &str); 2] {
        [("baseline", &self.baseline), ("canary", &self.canary)]
    }
}

/// One metric to fetch: its config, the window, the scopes and user variables.
#[derive(Debug, Clone)]
pub struct FetchRequest<'a> {
    /// The metric (its `kind` and `query` matter to sources).
    pub metric: &'a MetricConfig,
    /// The window.
    pub window: Window,
    /// The scopes of both sides.
    pub scopes: &'a Scopes,
    /// User variables for the templates (`${cluster}`); they cannot replace the
    /// built-in ones.
    pub variables: &'a BTreeMap<String, String>,
}

impl FetchRequest<'_> {
    /// The template variables for one side: `scope`, `start` and `end` (unix seconds),
    /// `start_ms` and `end_ms` (epoch milliseconds), `step` and `window` as durations
    /// (`60s`), `step_seconds` and `window_seconds` as plain numbers, and the user's
    /// variables.
    ///
    /// # Errors
    /// [`Cause::Query`] when a user variable has a built-in's name.
    pub fn variables_for(&self, scope: &str) -> Result<BTreeMap<&str, String>, Cause> {
        let w = self.window;
        let mut vars: BTreeMap<&str, String> = BTreeMap::from([
            ("scope", scope.to_owned()),
            ("start", w.start.to_string()),
            ("end", w.end.to_string()),
            ("start_ms", w.start.saturating_mul(1000).to_string()),
            ("end_ms", w.end.saturating_mul(1000).to_string()),
            ("step", format!("{}s", w.step)),
            ("window", format!("{}s", w.seconds())),
            ("step_seconds", w.step.to_string()),
            ("window_seconds", w.seconds().to_string()),
        ]);
        for (name, value) in self.variables {
            if vars.contains_key(name.as_str()) {
                return Err(Cause::Query(format!(
                    "the variable {name:?} is built in and cannot be set"
                )));
            }
            vars.insert(name, value.clone());
        }
        Ok(vars)
    }

    /// Fetches both sides concurrently — `fetch_side(scope)` for the baseline's scope and
    /// the canary's — and pairs them into the metric's data: the end of every backend's
    /// [`MetricSource::fetch`]. A side's [`Cause`] becomes an error naming the backend,
    /// the metric and that side's scope.
    ///
    /// # Errors
    /// A side's error (the baseline's first), or [`Cause::Data`] when the two sides
    /// answered in different kinds.
    pub async fn both_sides<'s, F, Fut>(
        &'s self,
        backend: &str,
        fetch_side: F,
    ) -> Result<MetricData, SourceError>
    where
        F: Fn(&'s str) -> Fut,
        Fut: Future<Output = Result<SideData, Cause>>,
    {
        let (baseline, canary) = futures_util::future::join(
            fetch_side(&self.scopes.baseline),
            fetch_side(&self.scopes.canary),
        )
        .await;
        let baseline = baseline.map_err(|cause| self.error(backend, Some("baseline"), cause))?;
        let canary = canary.map_err(|cause| self.error(backend, Some("canary"), cause))?;
        match (baseline, canary) {
            (SideData::Continuous(baseline), SideData::Continuous(canary)) => {
                Ok(MetricData::Continuous(Sides { baseline, canary }))
            }
            (SideData::Counts(baseline), SideData::Counts(canary)) => {
                Ok(MetricData::Counts(Sides { baseline, canary }))
            }
            (SideData::Histogram(baseline), SideData::Histogram(canary)) => {
                Ok(MetricData::Histogram(Sides { baseline, canary }))
            }
            _ => Err(self.error(
                backend,
                None,
                Cause::Data("the two sides returned different kinds".into()),
            )),
        }
    }

    /// The error of this request's metric (and scope, when given).
    pub fn error(&self, backend: &str, side: Option<&str>, cause: Cause) -> SourceError {
        let e = SourceError::new(backend, cause).for_metric(&self.metric.name);
        match side {
            Some("baseline") => e.in_scope("baseline", &self.scopes.baseline),
            Some("canary") => e.in_scope("canary", &self.scopes.canary),
            Some(other) => e.in_scope(other, ""),
            None => e,
        }
    }

    /// The metric's query for `backend`, parsed by kind (string templates), and
    /// rendered for `scope`.
    ///
    /// # Errors
    /// [`Cause::Query`] (missing or ill-shaped) or [`Cause::Template`].
    pub fn rendered(&self, backend: &str, scope: &str) -> Result<MetricQuery<String>, Cause> {
        let query = MetricQuery::<String>::from_metric(self.metric, backend)?;
        let vars = self.variables_for(scope)?;
        query.try_map(|key, template| {
            render_template(template, &vars).map_err(|error| Cause::Template {
                key: key.to_owned(),
                error,
            })
        })
    }
}

/// A metric's query for one backend, shaped by the metric's kind:
///
/// | kind | `query.<backend>` |
/// |---|---|
/// | continuous | one query (for string backends a template string) |
/// | counts | `{events: …, total: …}` |
/// | histogram | one query returning cumulative buckets labelled by `le` |
///
/// `T` is what one query is for the backend: a template `String` for most, a structured
/// value (URL + JSONPath, a CloudWatch metric stat) for others ([`MetricQuery::parse_with`]).
///
/// ```
/// use canary_judge::Config;
/// use canary_sources::MetricQuery;
///
/// let config = Config::from_yaml_str(r#"
/// version: 1
/// metrics:
///   - name: errors
///     kind: counts
///     query:
///       prometheus:
///         events: 'sum(increase(http_requests_total{code=~"5..", version="${scope}"}[${step}]))'
///         total: 'sum(increase(http_requests_total{version="${scope}"}[${step}]))'
/// "#).unwrap();
/// let q = MetricQuery::<String>::from_metric(&config.metrics[0], "prometheus").unwrap();
/// assert!(matches!(q, MetricQuery::Counts { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricQuery<T> {
    /// One query for a time series.
    Continuous(T),
    /// Two queries: the events and the total they are out of.
    Counts {
        /// The events (e.g. 5xx responses).
        events: T,
        /// The total (e.g. all responses).
        total: T,
    },
    /// One query returning buckets by `le`.
    Histogram(T),
}

impl MetricQuery<String> {
    /// The string templates of `metric.query[backend]`.
    ///
    /// # Errors
    /// [`Cause::Query`] naming the key (`query.prometheus.events`) and what was expected.
    pub fn from_metric(metric: &MetricConfig, backend: &str) -> Result<Self, Cause> {
        Self::parse_with(metric, backend, |key, value| match value {
            Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
            Value::String(_) => Err(format!("{key}: the query is empty")),
            other => Err(format!("{key}: expected a query string, got {other}")),
        })
    }
}

impl<T> MetricQuery<T> {
    /// Parses `metric.query[backend]` by the metric's kind, each query with `parse`
    /// (given its key path, e.g. `query.prometheus.events`, for messages).
    ///
    /// # Errors
    /// [`Cause::Query`] when the metric has no query for the backend, a counts query
    /// lacks `events` or `total` or has other keys, or `parse` fails.
    pub fn parse_with(
        metric: &MetricConfig,
        backend: &str,
        parse: impl Fn(&str, &Value) -> Result<T, String>,
    ) -> Result<Self, Cause> {
        let value = query_value(metric, backend)?;
        let key = format!("query.{backend}");
        let parsed = match metric.kind {
            MetricKind::Continuous => MetricQuery::Continuous(parse(&key, value)),
            MetricKind::Histogram => MetricQuery::Histogram(parse(&key, value)),
            MetricKind::Counts => {
                let object = value.as_object().ok_or_else(|| {
                    Cause::Query(format!(
                        "{key}: a counts metric needs {{events: <query>, total: <query>}}, got {value}"
                    ))
                })?;
                if let Some(other) = object.keys().find(|k| *k != "events" && *k != "total") {
                    return Err(Cause::Query(format!(
                        "{key}.{other}: unknown key; expected events and total"
                    )));
                }
                let part = |name: &str| -> Result<T, String> {
                    let sub = format!("{key}.{name}");
                    let v = object.get(name).ok_or_else(|| {
                        format!("{sub}: missing (a counts metric needs events and total)")
                    })?;
                    parse(&sub, v)
                };
                MetricQuery::Counts {
                    events: part("events"),
                    total: part("total"),
                }
            }
        };
        parsed.transpose().map_err(Cause::Query)
    }

    /// Applies `f` to every query (with its key: `query`, `events`, `total`).
    ///
    /// # Errors
    /// The first error of `f`.
    pub fn try_map<U, E>(&self, f: impl Fn(&str, &T) -> Result<U, E>) -> Result<MetricQuery<U>, E> {
        Ok(match self {
            MetricQuery::Continuous(q) => MetricQuery::Continuous(f("query", q)?),
            MetricQuery::Histogram(q) => MetricQuery::Histogram(f("query", q)?),
            MetricQuery::Counts { events, total } => MetricQuery::Counts {
                events: f("events", events)?,
                total: f("total", total)?,
            },
        })
    }
}

impl<T> MetricQuery<Result<T, String>> {
    fn transpose(self) -> Result<MetricQuery<T>, String> {
        Ok(match self {
            MetricQuery::Continuous(q) => MetricQuery::Continuous(q?),
            MetricQuery::Histogram(q) => MetricQuery::Histogram(q?),
            MetricQuery::Counts { events, total } => MetricQuery::Counts {
                events: events?,
                total: total?,
            },
        })
    }
}

/// The raw `metric.query[backend]` value.
///
/// # Errors
/// [`Cause::Query`] when the metric has no `query` or none for `backend`.
pub fn query_value<'m>(metric: &'m MetricConfig, backend: &str) -> Result<&'m Value, Cause> {
    let queries = metric.query.as_ref().ok_or_else(|| {
        Cause::Query(format!(
            "the metric has no `query` (expected query.{backend})"
        ))
    })?;
    queries.get(backend).ok_or_else(|| {
        let have: Vec<&str> = queries.keys().map(String::as_str).collect();
        Cause::Query(format!(
            "no query for {backend} (the metric has queries for: {})",
            if have.is_empty() {
                "none".to_owned()
            } else {
                have.join(", ")
            }
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_variable_is_set_and_none_can_be_overridden() {
        let metric: MetricConfig =
            serde_json::from_value(serde_json::json!({"name": "m"})).expect("a metric");
        let scopes = Scopes {
            baseline: "v1".into(),
            canary: "v2".into(),
        };
        let variables = BTreeMap::from([("cluster".to_owned(), "eu1".to_owned())]);
        let request = FetchRequest {
            metric: &metric,
            window: Window::new(1000, 1600, 60).expect("a window"),
            scopes: &scopes,
            variables: &variables,
        };
        let vars = request.variables_for("v2").expect("variables");
        for name in canary_judge::BUILTIN_VARIABLES {
            assert!(vars.contains_key(name), "{name} missing");
        }
        assert_eq!(vars["start_ms"], "1000000");
        assert_eq!(vars["end_ms"], "1600000");
        assert_eq!(vars["window_seconds"], "600");
        assert_eq!(vars["cluster"], "eu1");
        let window = request.window;
        for name in canary_judge::BUILTIN_VARIABLES {
            let mut clash = variables.clone();
            clash.insert(name.to_owned(), "x".into());
            let request = FetchRequest {
                metric: &metric,
                window,
                scopes: &scopes,
                variables: &clash,
            };
            assert!(
                request.variables_for("v2").is_err(),
                "{name} was overridden"
            );
        }
    }
}
