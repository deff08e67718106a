//! Metric data across observations: accumulating windows, counting canary samples,
//! measuring how long a window covers, and a JSON form for the engine's state.

use crate::data::{CountPoint, MetricData, Point, Sides};
use crate::number::Number;
use canary_stats::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Adds `new` to `held` (same kind). Time series are appended and must continue after
/// what is held; histograms are summed and must have the same buckets. With
/// `replace_baseline` (bake: the pre-deploy window does not grow) a non-empty baseline
/// side of `new` replaces the held one instead of being added.
pub(crate) fn accumulate(
    held: &mut MetricData,
    new: &MetricData,
    replace_baseline: bool,
) -> Result<(), String> {
    match (held, new) {
        (MetricData::Continuous(h), MetricData::Continuous(n)) => {
            append_side(&mut h.canary, &n.canary, "canary", |p| p.timestamp)?;
            if replace_baseline {
                if !n.baseline.is_empty() {
                    h.baseline = n.baseline.clone();
                }
            } else {
                append_side(&mut h.baseline, &n.baseline, "baseline", |p| p.timestamp)?;
            }
            Ok(())
        }
        (MetricData::Counts(h), MetricData::Counts(n)) => {
            append_side(&mut h.canary, &n.canary, "canary", |p| p.timestamp)?;
            if replace_baseline {
                if !n.baseline.is_empty() {
                    h.baseline = n.baseline.clone();
                }
            } else {
                append_side(&mut h.baseline, &n.baseline, "baseline", |p| p.timestamp)?;
            }
            Ok(())
        }
        (MetricData::Histogram(h), MetricData::Histogram(n)) => {
            h.canary = add_histograms(h.canary.take(), n.canary.as_ref(), "canary")?;
            if replace_baseline {
                if n.baseline.as_ref().is_some_and(|b| b.total() > 0.0) {
                    h.baseline = n.baseline.clone();
                }
            } else {
                h.baseline = add_histograms(h.baseline.take(), n.baseline.as_ref(), "baseline")?;
            }
            Ok(())
        }
        (held, new) => Err(format!(
            "holds {} data but the observation has {} data",
            held.kind().as_str(),
            new.kind().as_str()
        )),
    }
}

fn append_side<T: Clone>(
    held: &mut Vec<T>,
    new: &[T],
    side: &str,
    timestamp: impl Fn(&T) -> i64,
) -> Result<(), String> {
    if let (Some(last), Some(first)) = (held.last(), new.first())
        && timestamp(first) <= timestamp(last)
    {
        return Err(format!(
            "the {side} series starts at {} but the data held already reaches {}: an \
             incremental observation must continue after the previous one",
            timestamp(first),
            timestamp(last)
        ));
    }
    held.extend_from_slice(new);
    Ok(())
}

fn add_histograms(
    held: Option<Histogram>,
    new: Option<&Histogram>,
    side: &str,
) -> Result<Option<Histogram>, String> {
    match (held, new) {
        (None, None) => Ok(None),
        (Some(h), None) => Ok(Some(h)),
        (None, Some(n)) => Ok(Some(n.clone())),
        (Some(h), Some(n)) => {
            if h.upper_bounds() != n.upper_bounds() {
                return Err(format!(
                    "the {side} histogram's buckets differ from those held ({} vs {} bounds)",
                    n.upper_bounds().len(),
                    h.upper_bounds().len()
                ));
            }
            let counts = h
                .cumulative_counts()
                .iter()
                .zip(n.cumulative_counts())
                .map(|(a, b)| a + b)
                .collect();
            Histogram::new(h.upper_bounds().to_vec(), counts)
                .map(Some)
                .map_err(|e| format!("{side}: {e}"))
        }
    }
}

/// Samples of one side: non-missing points (continuous), requests (counts),
/// observations (histogram).
pub(crate) fn samples(data: &MetricData) -> Sides<f64> {
    match data {
        MetricData::Continuous(s) => {
            let n = |v: &[Point]| {
                v.iter()
                    .filter(|p| p.value.is_some_and(|x| !x.is_nan()))
                    .count() as f64
            };
            Sides {
                baseline: n(&s.baseline),
                canary: n(&s.canary),
            }
        }
        MetricData::Counts(s) => {
            let n = |v: &[CountPoint]| v.iter().map(|p| p.total).sum::<f64>();
            Sides {
                baseline: n(&s.baseline),
                canary: n(&s.canary),
            }
        }
        MetricData::Histogram(s) => {
            let n = |h: &Option<Histogram>| h.as_ref().map_or(0.0, Histogram::total);
            Sides {
                baseline: n(&s.baseline),
                canary: n(&s.canary),
            }
        }
    }
}

/// The canary side's timestamps (none for histograms).
fn canary_timestamps(data: &MetricData) -> Vec<i64> {
    match data {
        MetricData::Continuous(s) => s.canary.iter().map(|p| p.timestamp).collect(),
        MetricData::Counts(s) => s.canary.iter().map(|p| p.timestamp).collect(),
        MetricData::Histogram(_) => Vec::new(),
    }
}

/// How many seconds the canary data of a set of metrics covers: from the first
/// timestamp to the last plus one sampling interval (the smallest gap between
/// consecutive points); `None` when no metric has two timestamps.
pub(crate) fn span_seconds(metrics: &BTreeMap<String, MetricData>) -> Option<f64> {
    let mut best: Option<f64> = None;
    for data in metrics.values() {
        let ts = canary_timestamps(data);
        if ts.len() < 2 {
            continue;
        }
        let step = ts
            .windows(2)
            .map(|w| w[1] - w[0])
            .filter(|d| *d > 0)
            .min()
            .unwrap_or(0);
        let (first, last) = (ts[0], ts[ts.len() - 1]);
        let span = (last - first + step) as f64;
        best = Some(best.map_or(span, |b: f64| b.max(span)));
    }
    best
}

/// The JSON form of one metric's data in the engine's state (the fixture's layout, but
/// baseline and canary timestamps need not match: a bake's baseline is another window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum StoredData {
    Continuous {
        baseline: Vec<(i64, Option<f64>)>,
        canary: Vec<(i64, Option<f64>)>,
    },
    Counts {
        baseline: Vec<(i64, f64, f64)>,
        canary: Vec<(i64, f64, f64)>,
    },
    Histogram {
        baseline: Option<StoredHistogram>,
        canary: Option<StoredHistogram>,
    },
}

/// A histogram in the state: bounds (the last `"inf"`) and cumulative counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredHistogram {
    le: Vec<Number>,
    counts: Vec<f64>,
}

impl StoredData {
    pub(crate) fn from_data(data: &MetricData) -> Self {
        let point = |p: &Point| (p.timestamp, p.value.filter(|v| v.is_finite()));
        let count = |p: &CountPoint| (p.timestamp, p.events, p.total);
        let hist = |h: &Option<Histogram>| {
            h.as_ref().map(|h| StoredHistogram {
                le: h.upper_bounds().iter().map(|b| Number(*b)).collect(),
                counts: h.cumulative_counts().to_vec(),
            })
        };
        match data {
            MetricData::Continuous(s) => StoredData::Continuous {
                baseline: s.baseline.iter().map(point).collect(),
                canary: s.canary.iter().map(point).collect(),
            },
            MetricData::Counts(s) => StoredData::Counts {
                baseline: s.baseline.iter().map(count).collect(),
                canary: s.canary.iter().map(count).collect(),
            },
            MetricData::Histogram(s) => StoredData::Histogram {
                baseline: hist(&s.baseline),
                canary: hist(&s.canary),
            },
        }
    }

    pub(crate) fn to_data(&self) -> Result<MetricData, String> {
        let point = |&(timestamp, value): &(i64, Option<f64>)| Point { timestamp, value };
        let count = |&(timestamp, events, total): &(i64, f64, f64)| CountPoint {
            timestamp,
            events,
            total,
        };
        let hist = |h: &Option<StoredHistogram>, side: &str| {
            h.as_ref()
                .map(|h| {
                    Histogram::new(h.le.iter().map(|n| n.0).collect(), h.counts.clone())
                        .map_err(|e| format!("{side}: {e}"))
                })
                .transpose()
        };
        Ok(match self {
            StoredData::Continuous { baseline, canary } => MetricData::Continuous(Sides {
                baseline: baseline.iter().map(point).collect(),
                canary: canary.iter().map(point).collect(),
            }),
            StoredData::Counts { baseline, canary } => MetricData::Counts(Sides {
                baseline: baseline.iter().map(count).collect(),
                canary: canary.iter().map(count).collect(),
            }),
            StoredData::Histogram { baseline, canary } => MetricData::Histogram(Sides {
                baseline: hist(baseline, "baseline")?,
                canary: hist(canary, "canary")?,
            }),
        })
    }
}
