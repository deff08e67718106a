//! Properties of the judge that must hold for any data: fail-safe, determinism,
//! monotonicity.

use canary_judge::{Config, CountPoint, Fixture, MetricData, Point, Sides, Verdict, judge};
use proptest::prelude::*;
use std::collections::BTreeMap;

const CONFIG: &str = "version: 1
groups: {latency: 50, errors: 50}
metrics:
  - name: latency
    group: latency
    effect: {measure: hl_ratio, allowed_increase: 1.1, critical_increase: 1.5}
    relative_gate: {stat: p99, max_ratio: 1.5}
  - name: cpu
    group: latency
    effect: {allowed_increase: 1.2}
  - {name: errors, group: errors, kind: counts, critical: true, effect: {allowed_increase: 1.5}}
  - {name: saturation, group: errors, direction: either}
";

fn config() -> Config {
    Config::from_yaml_str(CONFIG).expect("valid config")
}

fn series(values: &[f64]) -> Vec<Point> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| Point {
            timestamp: 60 * i as i64,
            value: Some(v),
        })
        .collect()
}

fn counts(events: &[u32], total: f64) -> Vec<CountPoint> {
    events
        .iter()
        .enumerate()
        .map(|(i, &e)| CountPoint {
            timestamp: 60 * i as i64,
            events: f64::from(e),
            total,
        })
        .collect()
}

/// Random windows: each continuous metric gets its own baseline and canary values.
#[derive(Debug, Clone)]
struct Window {
    latency: (Vec<f64>, Vec<f64>),
    cpu: (Vec<f64>, Vec<f64>),
    saturation: (Vec<f64>, Vec<f64>),
    errors: (Vec<u32>, Vec<u32>),
}

fn side(len: usize, center: f64) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(center * 0.7..center * 1.3, len)
}

fn window() -> impl Strategy<Value = Window> {
    (
        (10usize..60, 0.8f64..1.6, 0.8f64..1.3, 0.7f64..1.4),
        prop::collection::vec(0u32..8, 10),
        prop::collection::vec(0u32..30, 10),
    )
        .prop_flat_map(|((n, lat, cpu, sat), eb, ec)| {
            (
                (side(n, 100.0), side(n, 100.0 * lat)),
                (side(n, 50.0), side(n, 50.0 * cpu)),
                (side(n, 10.0), side(n, 10.0 * sat)),
                Just((eb, ec)),
            )
        })
        .prop_map(|(latency, cpu, saturation, errors)| Window {
            latency,
            cpu,
            saturation,
            errors,
        })
}

fn fixture(w: &Window) -> Fixture {
    let cont = |(b, c): &(Vec<f64>, Vec<f64>)| {
        MetricData::Continuous(Sides {
            baseline: series(b),
            canary: series(c),
        })
    };
    let metrics: BTreeMap<String, MetricData> = [
        ("latency".to_owned(), cont(&w.latency)),
        ("cpu".to_owned(), cont(&w.cpu)),
        ("saturation".to_owned(), cont(&w.saturation)),
        (
            "errors".to_owned(),
            MetricData::Counts(Sides {
                baseline: counts(&w.errors.0, 1000.0),
                canary: counts(&w.errors.1, 1000.0),
            }),
        ),
    ]
    .into_iter()
    .collect();
    Fixture {
        name: "prop".into(),
        description: None,
        expected: None,
        metrics,
    }
}

/// Promote < hold < rollback.
fn severity(v: Verdict) -> u8 {
    v.exit_code()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Taking away a metric's canary data (all of it, or all values missing) never turns
    /// the verdict into promote.
    #[test]
    fn removing_canary_data_never_promotes(w in window(), which in 0usize..4, as_nulls in any::<bool>()) {
        let cfg = config();
        let before = judge(&cfg, &fixture(&w)).unwrap().verdict;
        let mut f = fixture(&w);
        let name = ["latency", "cpu", "saturation", "errors"][which];
        match f.metrics.get_mut(name).unwrap() {
            MetricData::Continuous(s) => {
                if as_nulls {
                    s.canary.iter_mut().for_each(|p| p.value = None);
                } else {
                    s.canary.clear();
                }
            }
            MetricData::Counts(s) => s.canary.iter_mut().for_each(|p| { p.events = 0.0; p.total = 0.0; }),
            MetricData::Histogram(s) => s.canary = None,
        }
        let after = judge(&cfg, &f).unwrap().verdict;
        prop_assert!(after != Verdict::Promote, "before: {:?}, after promote", before);
    }

    /// Identical input gives byte-identical JSON, also after the fixture is rebuilt.
    #[test]
    fn identical_input_gives_identical_bytes(w in window()) {
        let cfg = config();
        let a = judge(&cfg, &fixture(&w)).unwrap().to_json();
        let b = judge(&cfg.clone(), &fixture(&w.clone())).unwrap().to_json();
        prop_assert_eq!(a, b);
    }

    /// A growing latency shift never improves the verdict.
    #[test]
    fn a_growing_latency_shift_never_improves_the_verdict(w in window(), steps in prop::collection::vec(0.0f64..40.0, 1..6)) {
        let cfg = config();
        let mut shifts = steps.clone();
        shifts.sort_by(f64::total_cmp);
        let mut worst = 0u8;
        let mut shift_so_far = 0.0;
        for s in std::iter::once(0.0).chain(shifts) {
            let mut moved = w.clone();
            moved.latency.1.iter_mut().for_each(|v| *v += s);
            let v = severity(judge(&cfg, &fixture(&moved)).unwrap().verdict);
            prop_assert!(v >= worst, "shift {s} gave a better verdict than shift {shift_so_far}");
            worst = v;
            shift_so_far = s;
        }
    }
}
