//! Metric data for one window: per metric, a baseline side and a canary side.

use canary_stats::Histogram;

/// Baseline and canary data of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Sides<T> {
    /// The control group (current version).
    pub baseline: T,
    /// The new version.
    pub canary: T,
}

/// One value of a time series; `None` is a missing value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Unix seconds.
    pub timestamp: i64,
    /// The value, or `None` when missing.
    pub value: Option<f64>,
}

/// Events out of a total in one interval (e.g. 5xx responses out of requests).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountPoint {
    /// Unix seconds.
    pub timestamp: i64,
    /// Events counted (a whole number).
    pub events: f64,
    /// The total they are out of (a whole number, at least `events`).
    pub total: f64,
}

/// The data of one metric, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricData {
    /// A time series per side.
    Continuous(Sides<Vec<Point>>),
    /// Event counts per interval, per side.
    Counts(Sides<Vec<CountPoint>>),
    /// A cumulative histogram per side over the whole window; `None` when a side has no
    /// histogram at all.
    Histogram(Sides<Option<Histogram>>),
}

impl MetricData {
    /// The kind of data.
    pub fn kind(&self) -> crate::MetricKind {
        match self {
            MetricData::Continuous(_) => crate::MetricKind::Continuous,
            MetricData::Counts(_) => crate::MetricKind::Counts,
            MetricData::Histogram(_) => crate::MetricKind::Histogram,
        }
    }
}

/// Window totals of a counts series: `(events, total)`.
pub(crate) fn totals(points: &[CountPoint]) -> (f64, f64) {
    points
        .iter()
        .fold((0.0, 0.0), |(e, t), p| (e + p.events, t + p.total))
}
