//! Properties of Kayenta mode's classifier and scorer.

use canary_judge::kayenta::{ClassifierSettings, Label, ScoredMetric, classify, score};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn sample() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec((0u32..40).prop_map(f64::from), 0..40)
}

fn settings() -> ClassifierSettings {
    ClassifierSettings {
        tolerance: 0.1,
        confidence: 0.95,
        ..ClassifierSettings::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Swapping canary and baseline turns High into Low and back (direction `either`,
    /// neutral effect thresholds).
    #[test]
    fn swapping_sides_mirrors_the_label(b in sample(), c in sample()) {
        let s = settings();
        let forward = classify(&b, &c, &s).label;
        let backward = classify(&c, &b, &s).label;
        let mirrored = match forward {
            Label::High => Label::Low,
            Label::Low => Label::High,
            other => other,
        };
        prop_assert_eq!(backward, mirrored);
    }

    /// Measuring in other units (a power of two, exact in floating point) changes
    /// nothing: the interval, the band and the effect all scale or stay.
    #[test]
    fn units_do_not_matter(b in sample(), c in sample(), k in -8i32..8) {
        let s = settings();
        let f = 2f64.powi(k);
        let scaled = |v: &[f64]| v.iter().map(|x| x * f).collect::<Vec<f64>>();
        let one = classify(&b, &c, &s);
        let other = classify(&scaled(&b), &scaled(&c), &s);
        prop_assert_eq!(one.label, other.label);
        prop_assert_eq!(one.critical, other.critical);
    }

    /// The same input gives the same classification (no random noise).
    #[test]
    fn classification_is_deterministic(b in sample(), c in sample()) {
        let s = settings();
        // Debug text: NaN fields compare equal there.
        let once = format!("{:?}", classify(&b, &c, &s));
        prop_assert_eq!(once, format!("{:?}", classify(&b, &c, &s)));
    }

    /// The summary lies in 0..=100 with weights summing to at most 100, and is 0 when any
    /// critical result is not Pass.
    #[test]
    fn summary_is_bounded(
        labels in prop::collection::vec((0usize..3, 0usize..5, any::<bool>()), 1..12),
        weight in 0.0f64..=100.0,
    ) {
        let all = [Label::Pass, Label::High, Label::Low, Label::Nodata, Label::NodataFailMetric];
        let groups = ["a", "b", "c"];
        let metrics: Vec<ScoredMetric<'_>> = labels
            .iter()
            .map(|&(g, l, critical)| ScoredMetric { group: groups[g], label: all[l], critical })
            .collect();
        let weights = BTreeMap::from([("a".to_owned(), weight)]);
        let s = score(&metrics, &weights);
        prop_assert!((0.0..=100.0).contains(&s.summary), "{}", s.summary);
        if metrics.iter().any(|m| m.critical && m.label != Label::Pass) {
            prop_assert_eq!(s.summary, 0.0);
        }
    }
}
