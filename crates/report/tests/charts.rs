//! Any finite data draws: no panic and no endless tick search in plotters, whatever the
//! magnitudes (ranges are clamped and far points pulled in before drawing).

use canary_report::charts::{GREY, Line, LineChart, Marker, XAxis};
use proptest::prelude::*;

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
        -1e3f64..1e3,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_finite_points_render(
        points in prop::collection::vec((finite(), finite()), 0..20),
        marker in prop::option::of(finite()),
        axis in 0usize..4,
    ) {
        let x_axis = match axis {
            0 => XAxis::Number,
            1 => XAxis::Time,
            2 => XAxis::Index,
            _ => XAxis::Categories(vec![0.5, 1.0, 2.0]),
        };
        let chart = LineChart {
            id: "p".into(),
            title: "p".into(),
            x_desc: "x".into(),
            y_desc: "y".into(),
            x_axis,
            size: (320, 200),
            lines: vec![Line { label: "l".into(), color: GREY, segments: vec![points], dots: true }],
            markers: marker.map(|x| Marker { x, label: "m".into(), color: GREY }).into_iter().collect(),
            y_range: None,
        };
        let svg = chart.render();
        prop_assert!(svg.is_ok());
        prop_assert!(svg.unwrap_or_default().contains("<svg id=\"p\""));
    }
}
