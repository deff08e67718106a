//! The `files` backend: a recorded fixture (JSON, or the CSV long format) served as a
//! source, so `canary gate --source files --url run.json` replays a recording through the
//! same path as a live fetch.
//!
//! A metric is looked up by `query.files` when given (a string: the metric's key in the
//! fixture), otherwise by its name. Points outside the window are dropped; histograms
//! cover their whole recording and are kept as they are. Scopes do not apply.

use crate::error::{Cause, SourceError};
use crate::source::{FetchRequest, MetricSource, SourceFuture, Window, query_value};
use canary_judge::{Fixture, MetricData, Sides};
use serde_json::Value;
use std::path::Path;

const NAME: &str = "files";

/// A fixture file as a metric source.
#[derive(Debug, Clone)]
pub struct Files {
    fixture: Fixture,
}

impl Files {
    /// Loads the fixture at `path` (JSON, or CSV by its extension).
    ///
    /// # Errors
    /// [`Cause::File`] with the fixture's own message (file, key path, what).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SourceError> {
        let fixture = Fixture::from_path(path.as_ref())
            .map_err(|e| SourceError::new(NAME, Cause::File(e.to_string())))?;
        Ok(Self { fixture })
    }

    /// Serves an already loaded fixture.
    pub fn from_fixture(fixture: Fixture) -> Self {
        Self { fixture }
    }

    fn lookup(&self, request: &FetchRequest<'_>) -> Result<MetricData, Cause> {
        let key = match request.metric.query.as_ref().and_then(|q| q.get(NAME)) {
            None => request.metric.name.as_str(),
            Some(_) => match query_value(request.metric, NAME)? {
                Value::String(s) => s.as_str(),
                other => {
                    return Err(Cause::Query(format!(
                        "query.files: expected the metric's key in the fixture, got {other}"
                    )));
                }
            },
        };
        let data = self.fixture.metrics.get(key).ok_or_else(|| {
            Cause::Data(format!(
                "the fixture {:?} has no metric {key:?}",
                self.fixture.name
            ))
        })?;
        Ok(within(data, request.window))
    }
}

/// The data with points outside `[start, end]` dropped.
fn within(data: &MetricData, w: Window) -> MetricData {
    let keep = |t: i64| t >= w.start && t <= w.end;
    match data {
        MetricData::Continuous(s) => MetricData::Continuous(Sides {
            baseline: s
                .baseline
                .iter()
                .copied()
                .filter(|p| keep(p.timestamp))
                .collect(),
            canary: s
                .canary
                .iter()
                .copied()
                .filter(|p| keep(p.timestamp))
                .collect(),
        }),
        MetricData::Counts(s) => MetricData::Counts(Sides {
            baseline: s
                .baseline
                .iter()
                .copied()
                .filter(|p| keep(p.timestamp))
                .collect(),
            canary: s
                .canary
                .iter()
                .copied()
                .filter(|p| keep(p.timestamp))
                .collect(),
        }),
        MetricData::Histogram(s) => MetricData::Histogram(s.clone()),
    }
}

impl MetricSource for Files {
    fn name(&self) -> &'static str {
        NAME
    }

    fn fetch<'a>(&'a self, request: &'a FetchRequest<'a>) -> SourceFuture<'a> {
        Box::pin(async move {
            self.lookup(request)
                .map_err(|c| request.error(NAME, None, c))
        })
    }
}
