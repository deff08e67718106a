//! Shaping a backend's answers into [`canary_judge::MetricData`] the same way for every
//! backend: points on the window's grid, counts paired per step, histograms from `le`
//! buckets. Backends call these rather than writing their own, so all sources agree on
//! what missing, `NaN`, fractional or duplicate data mean.

use crate::error::Cause;
use crate::source::{FetchRequest, MetricQuery, MetricSource, Window};
use canary_judge::{CountPoint, MetricKind, Point};
use canary_stats::Histogram;
use std::collections::BTreeMap;
use std::future::Future;

/// One side's data of a metric, before the two sides are paired into
/// [`canary_judge::MetricData`] by [`FetchRequest::both_sides`](crate::FetchRequest::both_sides).
#[derive(Debug, Clone, PartialEq)]
pub enum SideData {
    /// Points on the window's grid ([`align`]).
    Continuous(Vec<Point>),
    /// Counts per step ([`pair_counts`]).
    Counts(Vec<CountPoint>),
    /// Cumulative buckets ([`histogram_from_buckets`]); `None` when there were none.
    Histogram(Option<Histogram>),
}

/// How sample timestamps map to the grid `start, start + step, …, end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snap {
    /// Every sample must sit on a grid instant (within a millisecond): for backends that
    /// evaluate at the instants asked for (Prometheus).
    Exact,
    /// A sample goes to the nearest grid instant within half a step; samples beyond the
    /// window by more than half a step are dropped; two samples on one instant are an
    /// error (the backend's resolution is finer than the step): for backends that
    /// answer at their own rollup times.
    Nearest,
}

/// A backend whose every query answers a list of series (Prometheus, InfluxDB, Datadog,
/// Graphite). One side's data then follows the same recipe for all of them
/// ([`series_side`]); the backend says only how to run a query and read its answer.
pub(crate) trait SeriesBackend: MetricSource {
    /// One series of an answer.
    type Series: Send;
    /// What a query is called in messages (`query`, `target`).
    const QUERY: &'static str;

    /// Runs one rendered query of a metric of `kind` over `window`.
    fn series(
        &self,
        query: &str,
        kind: MetricKind,
        window: Window,
    ) -> impl Future<Output = Result<Vec<Self::Series>, Cause>> + Send;

    /// The one series a query must return ([`single_series`] with the backend's hint).
    fn single(series: Vec<Self::Series>, what: &str) -> Result<Option<Self::Series>, Cause>;

    /// The series' values on the window's grid ([`align`]).
    fn on_grid(series: &Self::Series, window: Window) -> Result<Vec<Point>, Cause>;

    /// The histogram of a query answering one series per `le` bucket
    /// ([`histogram_from_buckets`]).
    fn histogram(series: Vec<Self::Series>) -> Result<Option<Histogram>, Cause>;
}

/// One side's data from a [`SeriesBackend`]: a continuous query gives at most one
/// series, put on the grid; counts pair the one series of `events` with that of
/// `total` (both queried at once); a histogram query gives its buckets.
///
/// # Errors
/// The query cannot be rendered or run, or its answer does not fit the metric's kind.
pub(crate) async fn series_side<B: SeriesBackend>(
    backend: &B,
    request: &FetchRequest<'_>,
    scope: &str,
) -> Result<SideData, Cause> {
    let (window, kind, what) = (request.window, request.metric.kind, B::QUERY);
    let one = |series: Vec<B::Series>, what: &str| -> Result<Option<Vec<Point>>, Cause> {
        B::single(series, what)?
            .map(|s| B::on_grid(&s, window))
            .transpose()
    };
    match request.rendered(backend.name(), scope)? {
        MetricQuery::Continuous(q) => {
            let series = backend.series(&q, kind, window).await?;
            Ok(SideData::Continuous(one(series, what)?.unwrap_or_default()))
        }
        MetricQuery::Counts { events, total } => {
            let (events, total) = futures_util::future::join(
                backend.series(&events, kind, window),
                backend.series(&total, kind, window),
            )
            .await;
            let events = one(events?, &format!("events {what}"))?;
            let total = one(total?, &format!("total {what}"))?;
            Ok(SideData::Counts(pair_counts(events, total)?))
        }
        MetricQuery::Histogram(q) => {
            let series = backend.series(&q, kind, window).await?;
            Ok(SideData::Histogram(B::histogram(series)?))
        }
    }
}

/// The one series a query must return: `None` for none, an error for several that names
/// up to three of them (`describe`) and says how to aggregate them (`hint`, in the
/// backend's own query language).
///
/// # Errors
/// [`Cause::Data`] when there are several series.
///
/// ```
/// use canary_sources::shape::single_series;
/// let name = |s: &&str| s.to_string();
/// assert_eq!(single_series(Vec::<&str>::new(), "query", name, "sum them").unwrap(), None);
/// assert_eq!(single_series(vec!["a"], "query", name, "sum them").unwrap(), Some("a"));
/// let e = single_series(vec!["a", "b"], "query", name, "sum them").unwrap_err();
/// assert!(e.to_string().contains("the query returned 2 series where one is expected (a, b); sum them"));
/// ```
pub fn single_series<S>(
    series: Vec<S>,
    what: &str,
    describe: impl Fn(&S) -> String,
    hint: &str,
) -> Result<Option<S>, Cause> {
    match series.len() {
        0 => Ok(None),
        1 => Ok(series.into_iter().next()),
        n => {
            let shown: Vec<String> = series.iter().take(3).map(describe).collect();
            Err(Cause::Data(format!(
                "the {what} returned {n} series where one is expected ({}{}); {hint}",
                shown.join(", "),
                if n > 3 { ", …" } else { "" }
            )))
        }
    }
}

/// The samples `(unix seconds, value)` on the window's grid: one [`Point`] per instant,
/// `None` where no sample landed. `NaN` is a missing value; an infinite value is an
/// error.
///
/// # Errors
/// [`Cause::Data`] naming the timestamp: a sample off the grid (`Exact`), two samples on
/// one instant, or an infinite value.
///
/// ```
/// use canary_sources::shape::{align, Snap};
/// use canary_sources::Window;
///
/// let w = Window::new(0, 180, 60).unwrap();
/// let points = align(w, [(0.0, 1.0), (121.0, f64::NAN), (179.0, 4.0)], Snap::Nearest).unwrap();
/// let values: Vec<Option<f64>> = points.iter().map(|p| p.value).collect();
/// assert_eq!(values, [Some(1.0), None, None, Some(4.0)]);
/// assert!(align(w, [(30.0, 1.0)], Snap::Exact).is_err());
/// ```
pub fn align(
    window: Window,
    samples: impl IntoIterator<Item = (f64, f64)>,
    snap: Snap,
) -> Result<Vec<Point>, Cause> {
    let grid: Vec<i64> = window.instants().collect();
    let step = window.step as f64;
    let off_grid = |t: f64| {
        Cause::Data(format!(
            "a sample at {t} is not on the step grid (start {}, step {} s)",
            window.start, window.step
        ))
    };
    let mut by_index: BTreeMap<usize, Option<f64>> = BTreeMap::new();
    for (t, v) in samples {
        if !t.is_finite() {
            return Err(Cause::Data(format!("a sample has the timestamp {t}")));
        }
        let offset = (t - window.start as f64) / step;
        let index = offset.round();
        let at = window.start as f64 + index * step;
        let on_grid = (t - at).abs() <= 1e-3;
        let inside = index >= 0.0 && (index as usize) < grid.len();
        match snap {
            Snap::Exact if !(on_grid && inside) => return Err(off_grid(t)),
            Snap::Nearest if !inside => continue,
            _ => {}
        }
        let index = index as usize;
        let value = if v.is_nan() {
            None
        } else if v.is_infinite() {
            return Err(Cause::Data(format!("at {}: the value is {v}", grid[index])));
        } else {
            Some(v)
        };
        if by_index.insert(index, value).is_some() {
            return Err(Cause::Data(format!(
                "two samples fall on {} (the source's resolution is finer than the step of {} s; use a larger step or roll the data up)",
                grid[index], window.step
            )));
        }
    }
    Ok(grid
        .iter()
        .enumerate()
        .map(|(i, &timestamp)| Point {
            timestamp,
            value: by_index.get(&i).copied().flatten(),
        })
        .collect())
}

/// A count rounded to a whole number (rate-based queries extrapolate: `increase()` gives
/// 2.9997 for 3 requests).
///
/// # Errors
/// [`Cause::Data`] for a negative count (a counter reset?) or a non-finite one.
pub fn whole_count(value: f64, what: &str, timestamp: i64) -> Result<f64, Cause> {
    let rounded = value.round();
    if rounded < 0.0 || !rounded.is_finite() {
        return Err(Cause::Data(format!(
            "at {timestamp}: {what} is {value}; counts must be finite and not negative"
        )));
    }
    Ok(rounded)
}

/// Pairs per-step `events` and `total` (both from [`align`]) into counts: a step where a
/// query has no value counts 0 (a sum over no series returns nothing, e.g. before the
/// first error); no `total` series at all (`None`) is no data (an empty vector).
/// Counts are rounded with [`whole_count`].
///
/// # Errors
/// [`Cause::Data`]: more events than the total at a step, negative counts, or series
/// on different grids.
pub fn pair_counts(
    events: Option<Vec<Point>>,
    total: Option<Vec<Point>>,
) -> Result<Vec<CountPoint>, Cause> {
    let Some(total) = total else {
        return Ok(Vec::new());
    };
    let events = events.unwrap_or_else(|| {
        total
            .iter()
            .map(|p| Point {
                timestamp: p.timestamp,
                value: None,
            })
            .collect()
    });
    if events.len() != total.len() {
        return Err(Cause::Data(
            "events and total cover different instants".into(),
        ));
    }
    let mut out = Vec::with_capacity(total.len());
    for (e, t) in events.iter().zip(&total) {
        if e.timestamp != t.timestamp {
            return Err(Cause::Data(
                "events and total cover different instants".into(),
            ));
        }
        let timestamp = t.timestamp;
        let total = whole_count(t.value.unwrap_or(0.0), "total", timestamp)?;
        let events = whole_count(e.value.unwrap_or(0.0), "events", timestamp)?;
        if events > total {
            return Err(Cause::Data(format!(
                "at {timestamp}: {events} events out of a total of {total}"
            )));
        }
        out.push(CountPoint {
            timestamp,
            events,
            total,
        });
    }
    Ok(out)
}

/// A cumulative histogram from `(le, count)` buckets in any order: `+Inf` required,
/// each bound once, counts rounded with [`whole_count`] and non-decreasing. No buckets
/// at all is no histogram (`None`: the judge says `nodata`).
///
/// # Errors
/// [`Cause::Data`] saying which rule the buckets break.
///
/// ```
/// use canary_sources::shape::histogram_from_buckets;
///
/// let h = histogram_from_buckets(vec![(f64::INFINITY, 10.0), (0.1, 4.0)]).unwrap().unwrap();
/// assert_eq!(h.cumulative_counts(), &[4.0, 10.0]);
/// assert!(histogram_from_buckets(vec![(0.1, 4.0)]).is_err()); // no +Inf
/// ```
pub fn histogram_from_buckets(mut buckets: Vec<(f64, f64)>) -> Result<Option<Histogram>, Cause> {
    if buckets.is_empty() {
        return Ok(None);
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let Some(w) = buckets.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Cause::Data(format!(
            "several series have le=\"{}\"; aggregate them by le (e.g. sum by (le) (...))",
            w[0].0
        )));
    }
    if buckets.last().is_none_or(|(b, _)| *b != f64::INFINITY) {
        return Err(Cause::Data(
            "the buckets have no le=\"+Inf\"; the query must return every bucket".into(),
        ));
    }
    let mut bounds = Vec::with_capacity(buckets.len());
    let mut counts = Vec::with_capacity(buckets.len());
    for (le, count) in buckets {
        if count.is_nan() {
            return Err(Cause::Data(format!("the bucket le=\"{le}\" is NaN")));
        }
        bounds.push(le);
        counts.push(whole_count(count, &format!("the bucket le=\"{le}\""), 0)?);
    }
    Histogram::new(bounds, counts)
        .map(Some)
        .map_err(|e| Cause::Data(format!("the buckets are not a cumulative histogram: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_snapping_drops_outside_and_refuses_finer_resolution() {
        let w = Window::new(100, 400, 100).unwrap();
        let p = align(
            w,
            [(20.0, 9.0), (149.0, 1.0), (420.0, 2.0), (460.0, 3.0)],
            Snap::Nearest,
        )
        .unwrap();
        let v: Vec<Option<f64>> = p.iter().map(|p| p.value).collect();
        // 20 and 460 lie more than half a step outside; 149 is nearer 100 than 200.
        assert_eq!(v, [Some(1.0), None, None, Some(2.0)]);
        let e = align(w, [(190.0, 1.0), (210.0, 2.0)], Snap::Nearest).unwrap_err();
        assert!(e.to_string().contains("two samples fall on 200"), "{e}");
        assert!(align(w, [(100.0, f64::INFINITY)], Snap::Exact).is_err());
        assert!(align(w, [(500.0, 1.0)], Snap::Exact).is_err());
    }

    #[test]
    fn counts_pair_per_step() {
        let pts = |v: &[Option<f64>]| -> Vec<Point> {
            v.iter()
                .enumerate()
                .map(|(i, &value)| Point {
                    timestamp: 60 * i as i64,
                    value,
                })
                .collect()
        };
        let c = pair_counts(
            Some(pts(&[Some(0.9999), None])),
            Some(pts(&[Some(10.2), None])),
        )
        .unwrap();
        assert_eq!(
            c,
            vec![
                CountPoint {
                    timestamp: 0,
                    events: 1.0,
                    total: 10.0
                },
                CountPoint {
                    timestamp: 60,
                    events: 0.0,
                    total: 0.0
                }
            ]
        );
        assert_eq!(pair_counts(Some(pts(&[Some(1.0)])), None).unwrap(), vec![]);
        assert_eq!(
            pair_counts(None, Some(pts(&[Some(5.0)]))).unwrap()[0].events,
            0.0
        );
        assert!(pair_counts(Some(pts(&[Some(6.0)])), Some(pts(&[Some(5.0)]))).is_err());
        assert!(pair_counts(Some(pts(&[Some(-2.0)])), Some(pts(&[Some(5.0)]))).is_err());
    }
}
