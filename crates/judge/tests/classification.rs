//! Every classification path and verdict rule of the judge, on small built-in data.

use canary_judge::{
    Classification, Config, CountPoint, Fixture, MetricData, Point, Sides, Verdict, judge,
};
use canary_stats::Histogram;
use std::collections::BTreeMap;

/// A deterministic, roughly normal sample: `n` values around `center` with spread `sd`.
fn sample(n: usize, center: f64, sd: f64, seed: u64) -> Vec<f64> {
    let mut state = seed
        .wrapping_mul(2_862_933_555_777_941_757)
        .wrapping_add(3_037_000_493);
    (0..n)
        .map(|_| {
            let mut sum = 0.0;
            for _ in 0..4 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                sum += (state >> 11) as f64 / (1u64 << 53) as f64;
            }
            // The sum of four uniforms has variance 1/3.
            center + sd * (sum - 2.0) * 3f64.sqrt()
        })
        .collect()
}

fn points(values: &[f64]) -> Vec<Point> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| Point {
            timestamp: 60 * i as i64,
            value: if v.is_nan() { None } else { Some(v) },
        })
        .collect()
}

fn continuous(baseline: &[f64], canary: &[f64]) -> MetricData {
    MetricData::Continuous(Sides {
        baseline: points(baseline),
        canary: points(canary),
    })
}

fn counts(baseline: (f64, f64), canary: (f64, f64)) -> MetricData {
    let side = |(events, total): (f64, f64)| {
        vec![CountPoint {
            timestamp: 0,
            events,
            total,
        }]
    };
    MetricData::Counts(Sides {
        baseline: side(baseline),
        canary: side(canary),
    })
}

fn fixture(metrics: Vec<(&str, MetricData)>) -> Fixture {
    Fixture {
        name: "test".into(),
        description: None,
        expected: None,
        metrics: metrics
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn config(yaml: &str) -> Config {
    Config::from_yaml_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

const LATENCY: &str = "version: 1
metrics:
  - name: latency
    effect: {measure: hl_ratio, allowed_increase: 1.1, critical_increase: 1.5}
";

fn latency_report(canary_center: f64) -> canary_judge::Report {
    let base = sample(200, 100.0, 5.0, 1);
    let can = sample(200, canary_center, 5.0, 2);
    judge(
        &config(LATENCY),
        &fixture(vec![("latency", continuous(&base, &can))]),
    )
    .expect("the latency fixture fits the config")
}

#[test]
fn no_change_passes_and_promotes() {
    let r = latency_report(100.0);
    assert_eq!(r.metrics[0].classification, Classification::Pass);
    assert!(
        r.metrics[0].reason.contains("no significant change"),
        "{}",
        r.metrics[0].reason
    );
    assert_eq!(r.verdict, Verdict::Promote);
    assert_eq!(r.score.0, 100.0);
}

#[test]
fn significant_but_small_increase_passes_within_the_allowance() {
    let r = latency_report(103.0);
    let m = &r.metrics[0];
    assert_eq!(m.classification, Classification::Pass);
    assert_eq!(m.evidence.change.as_deref(), Some("increase"));
    assert!(
        m.reason.contains("within the allowed +10 %"),
        "{}",
        m.reason
    );
}

#[test]
fn large_increase_is_high_and_beyond_critical_increase_is_critical() {
    let r = latency_report(130.0);
    let m = &r.metrics[0];
    assert_eq!(
        (m.classification, m.critical),
        (Classification::High, false)
    );
    assert!(m.reason.starts_with("latency rose 30"), "{}", m.reason);
    assert!(m.reason.contains("allowed +10 %"), "{}", m.reason);
    assert_eq!(r.verdict, Verdict::Rollback, "score 0 < marginal 50");

    let r = latency_report(170.0);
    assert!(r.metrics[0].critical);
    assert_eq!(r.verdict, Verdict::Rollback);
    assert!(
        r.reasons[0].starts_with("critical failure: latency"),
        "{:?}",
        r.reasons
    );
}

#[test]
fn a_decrease_is_harmless_for_an_increase_metric_and_fails_a_decrease_metric() {
    let r = latency_report(80.0);
    assert_eq!(r.metrics[0].classification, Classification::Pass);
    assert!(
        r.metrics[0].reason.contains("not a regression"),
        "{}",
        r.metrics[0].reason
    );

    let throughput = config("version: 1\nmetrics:\n  - {name: latency, direction: decrease}\n");
    let base = sample(200, 100.0, 5.0, 1);
    let can = sample(200, 80.0, 5.0, 2);
    let r = judge(
        &throughput,
        &fixture(vec![("latency", continuous(&base, &can))]),
    )
    .unwrap();
    assert_eq!(r.metrics[0].classification, Classification::Low);
    assert!(
        r.metrics[0]
            .reason
            .contains("no significant decrease is allowed"),
        "{}",
        r.metrics[0].reason
    );

    let either = config("version: 1\nmetrics:\n  - {name: latency, direction: either}\n");
    let r = judge(
        &either,
        &fixture(vec![("latency", continuous(&base, &can))]),
    )
    .unwrap();
    assert_eq!(r.metrics[0].classification, Classification::Low);
}

#[test]
fn gates_fail_on_their_own() {
    let base = sample(300, 100.0, 5.0, 3);
    let mut can = sample(300, 100.0, 5.0, 4);
    // Same median, a much heavier tail: 5 % of requests are slow.
    for v in can.iter_mut().step_by(20) {
        *v += 150.0;
    }
    let gated = config(
        "version: 1\nmetrics:\n  - name: latency\n    effect: {allowed_increase: 1.1}\n    relative_gate: {stat: p99, max_ratio: 1.3}\n",
    );
    let r = judge(&gated, &fixture(vec![("latency", continuous(&base, &can))])).unwrap();
    let m = &r.metrics[0];
    assert_eq!(m.classification, Classification::High);
    assert!(
        m.reason.contains("p99") && m.reason.contains("relative gate max 1.3×"),
        "{}",
        m.reason
    );
    assert_eq!(m.evidence.gates[0].breached, Some(Classification::High));

    let absolute =
        config("version: 1\nmetrics:\n  - {name: latency, gate: {stat: max, max: 200}}\n");
    let r = judge(
        &absolute,
        &fixture(vec![("latency", continuous(&base, &can))]),
    )
    .unwrap();
    assert_eq!(r.metrics[0].classification, Classification::High);
    assert!(
        r.metrics[0].reason.contains("gate max 200"),
        "{}",
        r.metrics[0].reason
    );

    let floor =
        config("version: 1\nmetrics:\n  - {name: latency, gate: {stat: median, min: 150}}\n");
    let r = judge(
        &floor,
        &fixture(vec![("latency", continuous(&base, &base))]),
    )
    .unwrap();
    assert_eq!(r.metrics[0].classification, Classification::Low);
}

#[test]
fn missing_data_is_nodata_and_never_promotes() {
    let base = sample(100, 100.0, 5.0, 1);
    let cfg = config(LATENCY);
    for canary in [vec![], vec![f64::NAN; 100], sample(5, 100.0, 5.0, 2)] {
        let r = judge(
            &cfg,
            &fixture(vec![("latency", continuous(&base, &canary))]),
        )
        .unwrap();
        assert_eq!(
            r.metrics[0].classification,
            Classification::Nodata,
            "{}",
            r.metrics[0].reason
        );
        assert_eq!(r.verdict, Verdict::Hold, "{:?}", r.reasons);
        assert!(
            r.reasons[0].starts_with("not enough data"),
            "{:?}",
            r.reasons
        );
    }
    let r = judge(
        &cfg,
        &fixture(vec![("latency", continuous(&base, &[f64::NAN; 100]))]),
    )
    .unwrap();
    assert_eq!(
        r.metrics[0].reason,
        "latency: no canary data: all 100 points are missing"
    );
    let few = judge(
        &cfg,
        &fixture(vec![(
            "latency",
            continuous(&base, &sample(5, 1.0, 1.0, 3)),
        )]),
    )
    .unwrap();
    assert_eq!(
        few.metrics[0].reason,
        "latency: too few canary points: 5 usable, min_samples is 10"
    );
}

#[test]
fn replacing_missing_values_with_zero_uses_them() {
    let base = vec![0.0; 50];
    let mut can = vec![f64::NAN; 50];
    can[0] = 0.0;
    let cfg = config("version: 1\nmetrics:\n  - {name: latency, nan_strategy: replace}\n");
    let r = judge(&cfg, &fixture(vec![("latency", continuous(&base, &can))])).unwrap();
    assert_eq!(
        r.metrics[0].classification,
        Classification::Pass,
        "{}",
        r.metrics[0].reason
    );
}

#[test]
fn constant_series_are_judged_without_error() {
    let cfg = config(LATENCY);
    let same = judge(
        &cfg,
        &fixture(vec![("latency", continuous(&[5.0; 30], &[5.0; 30]))]),
    )
    .unwrap();
    assert_eq!(same.metrics[0].classification, Classification::Pass);
    assert_eq!(same.verdict, Verdict::Promote);
    let higher = judge(
        &cfg,
        &fixture(vec![("latency", continuous(&[5.0; 30], &[9.0; 30]))]),
    )
    .unwrap();
    assert_eq!(higher.metrics[0].classification, Classification::High);
    assert!(
        higher.metrics[0].critical,
        "+80 % is beyond critical_increase 1.5"
    );
}

const ERRORS: &str = "version: 1
metrics:
  - {name: errors, kind: counts, critical: true, effect: {allowed_increase: 1.5}, gate: {stat: rate, max: 0.05}}
";

#[test]
fn counts_use_the_exact_rate_test() {
    let cfg = config(ERRORS);
    // 0.3 % -> 3 %: critical failure.
    let r = judge(
        &cfg,
        &fixture(vec![(
            "errors",
            counts((300.0, 100_000.0), (300.0, 10_000.0)),
        )]),
    )
    .unwrap();
    assert_eq!(
        (r.metrics[0].classification, r.metrics[0].critical),
        (Classification::High, true)
    );
    assert_eq!(r.verdict, Verdict::Rollback);
    assert!(
        r.metrics[0].reason.contains("rate 0.3 % → 3 %"),
        "{}",
        r.metrics[0].reason
    );
    // Zero baseline errors at good traffic, 40 canary errors: an infinite ratio, significant.
    let r = judge(
        &cfg,
        &fixture(vec![("errors", counts((0.0, 100_000.0), (40.0, 10_000.0)))]),
    )
    .unwrap();
    assert_eq!(
        r.metrics[0].classification,
        Classification::High,
        "{}",
        r.metrics[0].reason
    );
    assert_eq!(r.metrics[0].evidence.estimate.unwrap().0, f64::INFINITY);
    // Low traffic: 1 error in 50 requests vs 0 in 500 is not evidence.
    let r = judge(
        &cfg,
        &fixture(vec![("errors", counts((0.0, 500.0), (1.0, 50.0)))]),
    )
    .unwrap();
    assert_eq!(
        r.metrics[0].classification,
        Classification::Pass,
        "{}",
        r.metrics[0].reason
    );
    assert_eq!(r.verdict, Verdict::Promote);
    // Zero requests: nodata; a critical metric without data holds.
    let r = judge(
        &cfg,
        &fixture(vec![("errors", counts((3.0, 1000.0), (0.0, 0.0)))]),
    )
    .unwrap();
    assert_eq!(r.metrics[0].classification, Classification::Nodata);
    assert_eq!(r.verdict, Verdict::Hold);
    // The rate gate alone: 6 % of 100 requests is above 5 % but not significant.
    let r = judge(
        &cfg,
        &fixture(vec![("errors", counts((5.0, 100.0), (6.0, 100.0)))]),
    )
    .unwrap();
    assert_eq!(
        r.metrics[0].classification,
        Classification::High,
        "{}",
        r.metrics[0].reason
    );
    assert!(
        r.metrics[0].critical,
        "a breached gate of a critical metric is critical"
    );
}

#[test]
fn histograms_use_the_grouped_rank_test_and_quantile_gates() {
    let cfg = config(
        "version: 1\nmetrics:\n  - name: latency_seconds\n    kind: histogram\n    effect: {allowed_increase: 1.1}\n    relative_gate: {stat: p99, max_ratio: 1.3}\n",
    );
    let le = vec![0.05, 0.1, 0.25, 0.5, 1.0, f64::INFINITY];
    let hist = |counts: Vec<f64>| Some(Histogram::new(le.clone(), counts).unwrap());
    let same = MetricData::Histogram(Sides {
        baseline: hist(vec![4000.0, 9000.0, 9900.0, 9990.0, 10_000.0, 10_000.0]),
        canary: hist(vec![400.0, 900.0, 990.0, 999.0, 1000.0, 1000.0]),
    });
    let r = judge(&cfg, &fixture(vec![("latency_seconds", same)])).unwrap();
    assert_eq!(
        r.metrics[0].classification,
        Classification::Pass,
        "{}",
        r.metrics[0].reason
    );
    let slower = MetricData::Histogram(Sides {
        baseline: hist(vec![4000.0, 9000.0, 9900.0, 9990.0, 10_000.0, 10_000.0]),
        canary: hist(vec![100.0, 500.0, 900.0, 980.0, 1000.0, 1000.0]),
    });
    let r = judge(&cfg, &fixture(vec![("latency_seconds", slower)])).unwrap();
    assert_eq!(
        r.metrics[0].classification,
        Classification::High,
        "{}",
        r.metrics[0].reason
    );
    let empty = MetricData::Histogram(Sides {
        baseline: hist(vec![1.0, 2.0, 3.0, 4.0, 5.0, 5.0]),
        canary: hist(vec![0.0; 6]),
    });
    let r = judge(&cfg, &fixture(vec![("latency_seconds", empty)])).unwrap();
    assert_eq!(r.metrics[0].classification, Classification::Nodata);
}

#[test]
fn verdict_rules_and_scoring() {
    let two = "version: 1
score: {pass: 75, marginal: 50}
groups: {latency: 50, errors: 50}
metrics:
  - {name: a, group: latency, effect: {allowed_increase: 1.1}}
  - {name: b, group: latency, effect: {allowed_increase: 1.1}}
  - {name: c, group: errors, effect: {allowed_increase: 1.1}}
  - {name: d, group: errors, effect: {allowed_increase: 1.1}}
";
    let cfg = config(two);
    let ok = continuous(&sample(100, 100.0, 5.0, 1), &sample(100, 100.0, 5.0, 2));
    let bad = continuous(&sample(100, 100.0, 5.0, 1), &sample(100, 130.0, 5.0, 2));
    let none = continuous(&sample(100, 100.0, 5.0, 1), &[]);
    let f = |a: &MetricData, b: &MetricData, c: &MetricData, d: &MetricData| {
        fixture(vec![
            ("a", a.clone()),
            ("b", b.clone()),
            ("c", c.clone()),
            ("d", d.clone()),
        ])
    };
    // One failure in one group: 50·½ + 50·1 = 75 → promote (at the pass threshold).
    let r = judge(&cfg, &f(&bad, &ok, &ok, &ok)).unwrap();
    assert_eq!((r.score.0, r.verdict), (75.0, Verdict::Promote));
    assert_eq!(r.groups[0].score.0, 50.0);
    assert_eq!(r.groups[0].weight.0, 50.0);
    // Two failures across groups: 50 → marginal → hold.
    let r = judge(&cfg, &f(&bad, &ok, &bad, &ok)).unwrap();
    assert_eq!((r.score.0, r.verdict), (50.0, Verdict::Hold));
    // Three: 25 < 50 → rollback.
    let r = judge(&cfg, &f(&bad, &bad, &bad, &ok)).unwrap();
    assert_eq!((r.score.0, r.verdict), (25.0, Verdict::Rollback));
    // Half the metrics without data → hold, though what is left passes.
    let r = judge(&cfg, &f(&none, &ok, &none, &ok)).unwrap();
    assert_eq!((r.score.0, r.verdict), (100.0, Verdict::Hold));
    // One of four without data: still hold (missing data never promotes).
    let r = judge(&cfg, &f(&none, &ok, &ok, &ok)).unwrap();
    assert_eq!((r.score.0, r.verdict), (100.0, Verdict::Hold));
    assert_eq!(
        r.reasons[0],
        "no data for a; never promoting on missing data"
    );
    // must_have_data: nodata counts as a failure in the score as well.
    let strict = config(&two.replace(
        "{name: a, group: latency,",
        "{name: a, group: latency, must_have_data: true,",
    ));
    let r = judge(&strict, &f(&none, &ok, &ok, &ok)).unwrap();
    assert_eq!((r.score.0, r.verdict), (75.0, Verdict::Hold));
    let r = judge(&strict, &f(&none, &bad, &ok, &ok)).unwrap();
    assert_eq!((r.score.0, r.verdict), (50.0, Verdict::Hold));
}

#[test]
fn unlisted_groups_share_the_rest_of_the_weight() {
    let cfg = config(
        "version: 1\ngroups: {latency: 60}\nmetrics:\n  - {name: a, group: latency}\n  - {name: b, group: cpu}\n  - {name: c, group: memory}\n",
    );
    let ok = continuous(&sample(50, 1.0, 0.1, 1), &sample(50, 1.0, 0.1, 2));
    let r = judge(
        &cfg,
        &fixture(vec![("a", ok.clone()), ("b", ok.clone()), ("c", ok)]),
    )
    .unwrap();
    let weights: Vec<f64> = r.groups.iter().map(|g| g.weight.0).collect();
    assert_eq!(weights, vec![60.0, 20.0, 20.0]);
}

#[test]
fn configs_and_fixtures_that_do_not_fit_are_errors() {
    let cfg = config(LATENCY);
    let err = judge(&cfg, &fixture(vec![("other", continuous(&[1.0], &[1.0]))])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "fixture \"test\" has no data for metric \"latency\" (metrics[0] of the config)"
    );
    let err = judge(
        &cfg,
        &fixture(vec![("latency", counts((1.0, 2.0), (1.0, 2.0)))]),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("the config says continuous but the fixture holds counts")
    );
}

#[test]
fn the_report_is_byte_identical_for_identical_input() {
    let a = latency_report(130.0).to_json();
    let b = latency_report(130.0).to_json();
    assert_eq!(a, b);
    assert!(
        a.starts_with("{\"verdict\":\"rollback\",\"score\":0.0,\"reasons\":["),
        "{a}"
    );
    // The JSON reads back into a report (absent empty lists and thresholds included).
    let back: canary_judge::Report = serde_json::from_str(&a).expect("a report reads back");
    assert_eq!(back.verdict, Verdict::Rollback);
    assert_eq!(back.metrics.len(), 1);
}
