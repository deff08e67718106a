//! Properties of the display downsampling: bounded output, only input points, extremes
//! and order kept, ECDFs monotone within [0, 1].

use canary_report::downsample::{ecdf, min_max_buckets};
use proptest::prelude::*;

fn series() -> impl Strategy<Value = Vec<(f64, Option<f64>)>> {
    prop::collection::vec(
        (0u32..5, prop::option::weighted(0.9, -1e6f64..1e6)),
        0..3000,
    )
    .prop_map(|steps| {
        let mut t = 0.0;
        steps
            .into_iter()
            .map(|(dt, v)| {
                t += f64::from(dt) + 1.0;
                (t, v)
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn time_buckets_are_bounded_ordered_and_keep_the_extremes(s in series(), buckets in 1usize..400) {
        let runs = min_max_buckets(&s, buckets);
        let points: Vec<(f64, f64)> = runs.iter().flatten().copied().collect();
        let values: Vec<f64> = s.iter().filter_map(|p| p.1).collect();
        prop_assert!(points.len() <= values.len());
        prop_assert!(runs.iter().all(|r| !r.is_empty()));
        // Every drawn point is an input point, in time order.
        for p in &points {
            prop_assert!(s.iter().any(|&(t, v)| t == p.0 && v == Some(p.1)));
        }
        prop_assert!(points.windows(2).all(|w| w[0].0 < w[1].0));
        // The series' minimum and maximum are drawn.
        if let (Some(lo), Some(hi)) = (
            values.iter().copied().reduce(f64::min),
            values.iter().copied().reduce(f64::max),
        ) {
            prop_assert!(points.iter().any(|p| p.1 == lo));
            prop_assert!(points.iter().any(|p| p.1 == hi));
        }
        if values.len() > 2 * buckets {
            prop_assert!(points.len() <= 2 * buckets);
        }
    }

    #[test]
    fn ecdf_is_monotone_bounded_and_spans_the_sample(
        values in prop::collection::vec(-1e3f64..1e3, 1..2000),
        max_points in 2usize..300,
    ) {
        let line = ecdf(&values, max_points);
        prop_assert!(line.len() <= 2 * max_points);
        prop_assert!(line.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
        prop_assert!(line.iter().all(|p| (0.0..=1.0).contains(&p.1)));
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        prop_assert_eq!(line.first().map(|p| p.0), Some(lo));
        prop_assert_eq!(line.last().copied(), Some((hi, 1.0)));
    }
}
