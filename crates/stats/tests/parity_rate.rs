//! Parity of `rate_test` with R's two-sample `poisson.test` (and the `binom.test` behind it),
//! on the vectors written by `tests/vectors/rate.R` into `tests/data/rate.json`.

use canary_stats::{Alternative, RateTestOptions, rate_test};
use serde_json::Value;

mod common;

/// Relative tolerance for everything compared.
const RELATIVE: f64 = 1e-9;
/// Absolute floor, for p-values that R computes as (garbage) subnormal numbers near 0.
const FLOOR: f64 = 1e-300;

/// A number from the vectors: JSON numbers, or "Inf" / "-Inf" / "NaN" (and null as NaN).
fn num(case: &Value, key: &str) -> f64 {
    common::num(&case[key])
}

/// Checks `ours` against R's `theirs`: equal if non-finite, else within `relative` (plus
/// the floor). Returns a description of the mismatch, if any.
fn mismatch(what: &str, ours: f64, theirs: f64, relative: f64) -> Option<String> {
    let ok = if theirs.is_nan() {
        ours.is_nan()
    } else if theirs.is_infinite() {
        ours == theirs
    } else {
        (ours - theirs).abs() <= relative * theirs.abs() + FLOOR
    };
    (!ok).then(|| {
        format!(
            "{what}: ours {ours:e}, R {theirs:e}, relative error {:e}",
            ((ours - theirs) / theirs).abs()
        )
    })
}

fn load() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/rate.json");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}; run tests/vectors/generate.sh"));
    let cases: Vec<Value> = serde_json::from_str(&text).expect("valid JSON");
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    cases
}

#[test]
fn matches_r_poisson_test() {
    let cases = load();
    let mut failures = Vec::new();
    let mut worst = [0.0_f64; 3];
    for (index, case) in cases.iter().enumerate() {
        let alternative: Alternative = case["alternative"].as_str().unwrap().parse().unwrap();
        let options = RateTestOptions {
            alternative,
            confidence: num(case, "confidence"),
            null_ratio: num(case, "null_ratio"),
        };
        let r = rate_test(
            num(case, "canary_events"),
            num(case, "canary_exposure"),
            num(case, "baseline_events"),
            num(case, "baseline_exposure"),
            &options,
        )
        .unwrap_or_else(|e| panic!("case {index}: {e}"));

        // R maps the share interval to the ratio scale as pp / (1 - pp): when pp is close
        // to 1, R's own 1 - pp carries a rounding error of up to ~ulp(1) / (1 - pp)
        // relative, which we avoid (we use the quantile's log-odds). Allow for it.
        let share_high = num(case, "share_high");
        let r_rounding = if share_high < 1.0 {
            2.0 * f64::EPSILON / (1.0 - share_high)
        } else {
            0.0
        };
        let checks = [
            ("p_value", r.p_value, num(case, "p_value"), RELATIVE),
            (
                "binom p_value",
                r.p_value,
                num(case, "binom_p_value"),
                RELATIVE,
            ),
            ("estimate", r.estimate, num(case, "estimate"), RELATIVE),
            (
                "ci_low",
                r.confidence_interval.low,
                num(case, "ci_low"),
                RELATIVE,
            ),
            (
                "ci_high",
                r.confidence_interval.high,
                num(case, "ci_high"),
                RELATIVE + r_rounding,
            ),
            ("share", r.expected_share, num(case, "share"), 1e-14),
            (
                "share_low",
                r.share_interval.low,
                num(case, "share_low"),
                RELATIVE,
            ),
            ("share_high", r.share_interval.high, share_high, RELATIVE),
        ];
        for (what, ours, theirs, relative) in checks {
            if let Some(m) = mismatch(what, ours, theirs, relative) {
                failures.push(format!("case {index} ({}): {m}", case["note"]));
            }
            if theirs.is_finite() && theirs.abs() > 1e-290 {
                let err = ((ours - theirs) / theirs).abs();
                let slot = match what {
                    "p_value" => 0,
                    "estimate" => 1,
                    _ => 2,
                };
                worst[slot] = worst[slot].max(err);
            }
        }
        assert_eq!(r.confidence_interval.level, options.confidence);
        assert_eq!(r.alternative, alternative);
    }
    eprintln!(
        "{} cases; worst relative error: p-value {:e}, estimate {:e}, intervals {:e}",
        cases.len(),
        worst[0],
        worst[1],
        worst[2]
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn vectors_cover_what_they_should() {
    let cases = load();
    let count = |f: &dyn Fn(&Value) -> bool| cases.iter().filter(|c| f(c)).count();
    for alternative in ["two.sided", "less", "greater"] {
        assert!(
            count(&|c| c["alternative"] == alternative) >= 10,
            "{alternative}"
        );
    }
    for confidence in [0.8, 0.9, 0.95, 0.99, 0.999] {
        assert!(
            count(&|c| num(c, "confidence") == confidence) >= 5,
            "{confidence}"
        );
    }
    assert!(count(&|c| num(c, "canary_events") == 0.0 && num(c, "baseline_events") == 0.0) >= 3);
    assert!(count(&|c| num(c, "baseline_events") == 0.0 && num(c, "canary_events") > 0.0) >= 3);
    assert!(count(&|c| num(c, "canary_events") == 0.0 && num(c, "baseline_events") > 0.0) >= 3);
    assert!(count(&|c| num(c, "canary_events") + num(c, "baseline_events") >= 1e6) >= 5);
}
