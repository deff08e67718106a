//! Charts drawn with plotters' SVG backend, returned as inline `<svg>` elements.
//!
//! Text is SVG `<text>` that the browser lays out with its own fonts (plotters' `ttf`
//! feature is off), so drawing needs no font files. Every chart gets an `id`, `role="img"`
//! and an `aria-label`, so pages can be checked and read by screen readers.

use crate::ReportError;
use crate::downsample::Segments;
use crate::html::{escape, split_utc};
use plotters::prelude::*;

/// Baseline series colour.
pub const BASELINE: RGBColor = RGBColor(0x09, 0x69, 0xda);
/// Canary series colour.
pub const CANARY: RGBColor = RGBColor(0xe1, 0x6f, 0x24);
/// Green (agreement, promote).
pub const GREEN: RGBColor = RGBColor(0x1a, 0x7f, 0x37);
/// Red (rollback, false rollbacks).
pub const RED: RGBColor = RGBColor(0xcf, 0x22, 0x2e);
/// Purple (missed regressions).
pub const PURPLE: RGBColor = RGBColor(0x82, 0x50, 0xdf);
/// Amber (hold).
pub const AMBER: RGBColor = RGBColor(0x9a, 0x67, 0x00);
/// Grey (markers, neutral lines).
pub const GREY: RGBColor = RGBColor(0x57, 0x60, 0x6a);

const FONT: &str = "sans-serif";

/// How the x axis is labelled.
#[derive(Debug, Clone, PartialEq)]
pub enum XAxis {
    /// Plain numbers.
    Number,
    /// Unix seconds, labelled as UTC clock time (`HH:MM`, or `MM-DD HH:MM` over days).
    Time,
    /// Whole numbers only (steps, indices).
    Index,
    /// Equally spaced categories: x = i is labelled with the i-th number (histogram
    /// bucket bounds, whatever their spacing).
    Categories(Vec<f64>),
}

/// One named line: runs of points (a run per gap-free stretch).
#[derive(Debug, Clone)]
pub struct Line {
    /// The legend entry.
    pub label: String,
    /// Its colour.
    pub color: RGBColor,
    /// The points, run by run.
    pub segments: Segments,
    /// Draw a dot on every point (for short lines such as sweeps).
    pub dots: bool,
}

/// A vertical marker line across the plot (e.g. the recommended setting).
#[derive(Debug, Clone)]
pub struct Marker {
    /// Where, on the x axis.
    pub x: f64,
    /// Text next to it.
    pub label: String,
    /// Its colour.
    pub color: RGBColor,
}

/// A line chart.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// The `id` of the `<svg>` element.
    pub id: String,
    /// The caption.
    pub title: String,
    /// The x axis's description.
    pub x_desc: String,
    /// The y axis's description.
    pub y_desc: String,
    /// How x is labelled.
    pub x_axis: XAxis,
    /// Width and height in pixels.
    pub size: (u32, u32),
    /// The lines.
    pub lines: Vec<Line>,
    /// Vertical markers.
    pub markers: Vec<Marker>,
    /// A fixed y range (default: the data's, padded).
    pub y_range: Option<(f64, f64)>,
}

fn range_of(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

fn padded((lo, hi): (f64, f64), share: f64) -> (f64, f64) {
    if hi > lo {
        let pad = (hi - lo) * share;
        (lo - pad, hi + pad)
    } else {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - pad, hi + pad)
    }
}

/// A range plotters can lay out: finite, non-empty, and narrower than `f64::MAX` (its
/// tick search never ends on an infinite width and panics on NaN). Data beyond it is
/// drawn off the plot, which only garbage input reaches.
fn drawable((lo, hi): (f64, f64)) -> (f64, f64) {
    const LIMIT: f64 = 1e300;
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let (lo, hi) = (lo.clamp(-LIMIT, LIMIT), hi.clamp(-LIMIT, LIMIT));
    if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    }
}

fn chart_error(e: impl std::fmt::Display) -> ReportError {
    ReportError::Chart(e.to_string())
}

/// Axis label of a number: short, no float noise.
fn tick(x: f64) -> String {
    crate::html::number(if x.abs() < 1e-12 { 0.0 } else { x })
}

fn time_tick(x: f64, span: f64) -> String {
    let (date, time) = split_utc(x.round() as i64);
    if span > 2.0 * 86_400.0 {
        format!("{} {}", &date[5..], &time[..5])
    } else if span < 600.0 {
        time
    } else {
        time[..5].to_owned()
    }
}

/// Puts `id`, `role` and `aria-label` on the root `<svg>` element.
fn label_svg(svg: &str, id: &str, title: &str) -> String {
    let attrs = format!(
        "<svg id=\"{}\" class=\"chart\" role=\"img\" aria-label=\"{}\" ",
        escape(id),
        escape(title)
    );
    match svg.find("<svg ") {
        Some(at) => format!("{}{attrs}{}", &svg[..at], &svg[at + 5..]),
        None => svg.to_owned(),
    }
}

impl LineChart {
    /// Draws the chart: a `<figure>` holding the `<svg>` and the legend.
    ///
    /// # Errors
    /// [`ReportError::Chart`] when plotters fails (it does not for finite input).
    pub fn render(&self) -> Result<String, ReportError> {
        let points = || self.lines.iter().flat_map(|l| l.segments.iter().flatten());
        let xs = range_of(
            points()
                .map(|p| p.0)
                .chain(self.markers.iter().map(|m| m.x)),
        );
        let ys = range_of(points().map(|p| p.1));
        let (x0, x1) = match xs {
            Some(r) if matches!(self.x_axis, XAxis::Time) && r.1 > r.0 => r,
            Some(r) => padded(r, 0.03),
            None => (0.0, 1.0),
        };
        let (y0, y1) = self
            .y_range
            .unwrap_or_else(|| ys.map_or((0.0, 1.0), |r| padded(r, 0.06)));
        let ((x0, x1), (y0, y1)) = (drawable((x0, x1)), drawable((y0, y1)));
        // Points far outside the ranges (only from garbage beyond ±1e300) are pulled in to
        // one plot width beyond the edge, so that pixel coordinates cannot overflow.
        let (xw, yw) = (x1 - x0, y1 - y0);
        let clip = |(x, y): (f64, f64)| (x.clamp(x0 - xw, x1 + xw), y.clamp(y0 - yw, y1 + yw));
        let span = x1 - x0;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size).into_drawing_area();
            root.fill(&WHITE).map_err(chart_error)?;
            let mut chart = ChartBuilder::on(&root)
                .margin(8)
                .margin_right(16)
                .caption(&self.title, (FONT, 19))
                .x_label_area_size(36)
                .y_label_area_size(58)
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(chart_error)?;
            let x_axis = &self.x_axis;
            let x_format = move |x: &f64| match x_axis {
                XAxis::Time => time_tick(*x, span),
                XAxis::Number => tick(*x),
                XAxis::Index => {
                    if (x - x.round()).abs() < 1e-9 {
                        format!("{}", x.round() as i64)
                    } else {
                        String::new()
                    }
                }
                XAxis::Categories(labels) => {
                    let i = x.round();
                    if (x - i).abs() < 1e-9 && i >= 0.0 {
                        labels.get(i as usize).map(|&v| tick(v)).unwrap_or_default()
                    } else {
                        String::new()
                    }
                }
            };
            let y_format = |y: &f64| tick(*y);
            chart
                .configure_mesh()
                .x_labels(match &self.x_axis {
                    XAxis::Time => 6,
                    XAxis::Categories(c) => c.len().clamp(2, 12),
                    _ => 8,
                })
                .y_labels(6)
                .x_label_formatter(&x_format)
                .y_label_formatter(&y_format)
                .x_desc(self.x_desc.as_str())
                .y_desc(self.y_desc.as_str())
                .label_style((FONT, 14))
                .axis_desc_style((FONT, 15))
                .max_light_lines(0)
                .bold_line_style(RGBColor(0xd0, 0xd7, 0xde))
                .draw()
                .map_err(chart_error)?;
            for marker in &self.markers {
                let color = marker.color;
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![clip((marker.x, y0)), clip((marker.x, y1))],
                        color.stroke_width(2),
                    )))
                    .map_err(chart_error)?;
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at(clip((marker.x, y1)))
                            + Text::new(
                                marker.label.clone(),
                                (5, 2),
                                (FONT, 14).into_font().color(&color),
                            ),
                    ))
                    .map_err(chart_error)?;
            }
            for line in &self.lines {
                let color = line.color;
                for segment in &line.segments {
                    chart
                        .draw_series(LineSeries::new(
                            segment.iter().copied().map(clip),
                            color.stroke_width(2),
                        ))
                        .map_err(chart_error)?;
                    if line.dots {
                        chart
                            .draw_series(
                                segment
                                    .iter()
                                    .map(|&p| Circle::new(clip(p), 4, color.filled())),
                            )
                            .map_err(chart_error)?;
                    }
                }
            }
            root.present().map_err(chart_error)?;
        }
        Ok(format!(
            "<figure class=\"chart\">{}<figcaption>{}</figcaption></figure>",
            label_svg(&svg, &self.id, &self.title),
            self.legend()
        ))
    }

    /// The legend as HTML: a coloured swatch and the label of each line (kept out of
    /// the plot so that it never hides data).
    fn legend(&self) -> String {
        self.lines
            .iter()
            .map(|l| {
                let RGBColor(r, g, b) = l.color;
                format!(
                    "<span class=\"key\"><i style=\"background:#{r:02x}{g:02x}{b:02x}\"></i>{}</span>",
                    escape(&l.label)
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_an_svg_with_id_and_escaped_title() {
        let chart = LineChart {
            id: "c1".into(),
            title: "a < b".into(),
            x_desc: "x".into(),
            y_desc: "y".into(),
            x_axis: XAxis::Number,
            size: (300, 200),
            lines: vec![Line {
                label: "one".into(),
                color: BASELINE,
                segments: vec![vec![(0.0, 1.0), (1.0, 2.0)]],
                dots: true,
            }],
            markers: vec![Marker {
                x: 0.5,
                label: "here".into(),
                color: GREY,
            }],
            y_range: None,
        };
        let svg = chart.render().unwrap();
        assert!(svg.starts_with("<figure class=\"chart\"><svg id=\"c1\" class=\"chart\" role=\"img\" aria-label=\"a &lt; b\" "));
        assert!(svg.contains("<polyline") || svg.contains("<path"), "{svg}");
        assert!(svg.contains("</i>one</span>"));
        assert_eq!(svg, chart.render().unwrap());
    }

    #[test]
    fn empty_and_constant_data_still_draw() {
        let mut chart = LineChart {
            id: "c".into(),
            title: "t".into(),
            x_desc: String::new(),
            y_desc: String::new(),
            x_axis: XAxis::Time,
            size: (300, 200),
            lines: vec![],
            markers: vec![],
            y_range: None,
        };
        assert!(chart.render().unwrap().contains("<svg"));
        chart.lines.push(Line {
            label: "flat".into(),
            color: CANARY,
            segments: vec![vec![(60.0, 5.0), (60.0, 5.0)]],
            dots: false,
        });
        assert!(chart.render().unwrap().contains("flat"));
    }

    #[test]
    fn extreme_values_do_not_panic() {
        for points in [
            vec![(0.0, -1e308), (1.0, 1e308)],
            vec![(-1e308, 0.0), (1e308, 1e-300)],
            vec![(0.0, 1e-300), (1e-300, 2e-300)],
            vec![(i64::MIN as f64, 0.0), (i64::MAX as f64, 1.0)],
        ] {
            for x_axis in [
                XAxis::Time,
                XAxis::Number,
                XAxis::Index,
                XAxis::Categories(vec![1.0]),
            ] {
                let chart = LineChart {
                    id: "x".into(),
                    title: "x".into(),
                    x_desc: String::new(),
                    y_desc: String::new(),
                    x_axis,
                    size: (300, 200),
                    lines: vec![Line {
                        label: "l".into(),
                        color: GREY,
                        segments: vec![points.clone()],
                        dots: true,
                    }],
                    markers: vec![],
                    y_range: None,
                };
                assert!(chart.render().is_ok());
            }
        }
    }
}
