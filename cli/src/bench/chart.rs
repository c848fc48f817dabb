//! The PNG chart: time and bytes against corpus size (log–log), drawn with `plotters` on its
//! bitmap backend. Text uses a font embedded in the binary (Ubuntu Light, from the
//! `epaint_default_fonts` crate), so it draws the same on a machine without fonts.

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use super::BenchError;
use super::report::{Report, Unit};

const FONT: &str = "sans-serif";

/// A line on the chart: a row's article-sync values (`baseline: None`) or one baseline's.
struct Series {
    label: String,
    points: Vec<(f64, f64)>,
}

fn series(report: &Report, row: &str, baseline: Option<&str>, label: &str) -> Series {
    let mut points = Vec::new();
    if let Some(row) = report.row(row) {
        for cell in row.cells.iter().filter(|c| c.size > 0) {
            let value = match baseline {
                None => cell.value,
                Some(name) => cell
                    .baselines
                    .iter()
                    .find(|b| b.name == name)
                    .map(|b| b.value),
            };
            if let Some(v) = value.filter(|v| v.median > 0.0) {
                points.push((cell.size as f64, v.median));
            }
        }
    }
    Series {
        label: label.to_string(),
        points,
    }
}

fn register() -> Result<(), BenchError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(BenchError::Chart(
            "the embedded font could not be loaded".into(),
        ))
    }
}

/// Draws `report` into a PNG at `path`.
pub fn draw(report: &Report, path: &Path) -> Result<(), BenchError> {
    register()?;
    let time = vec![
        series(
            report,
            "first_sync.time",
            None,
            "first sync, readable: article-sync",
        ),
        series(
            report,
            "first_sync.searchable",
            None,
            "first sync, searchable: article-sync",
        ),
        series(
            report,
            "first_sync.time",
            Some("newsboat"),
            "first sync: newsboat",
        ),
        series(
            report,
            "first_sync.time",
            Some("SQLite floor"),
            "first sync: SQLite floor",
        ),
        series(
            report,
            "incremental.time",
            None,
            "+10 articles: article-sync",
        ),
        series(
            report,
            "incremental.time",
            Some("newsboat"),
            "+10 articles: newsboat",
        ),
        series(
            report,
            "blackholed_main.time",
            None,
            "main blackholed: article-sync",
        ),
        series(
            report,
            "blackholed_main.time",
            Some("route by route"),
            "main blackholed: route by route",
        ),
        series(report, "search.p50", None, "search p50"),
    ];
    let bytes = vec![
        series(report, "first_sync.bytes", None, "first sync: article-sync"),
        series(
            report,
            "first_sync.bytes",
            Some("newsboat"),
            "first sync: newsboat",
        ),
        series(
            report,
            "incremental.bytes",
            None,
            "+10 articles: article-sync",
        ),
        series(
            report,
            "incremental.bytes",
            Some("newsboat"),
            "+10 articles: newsboat",
        ),
        series(
            report,
            "incremental.bytes",
            Some("compressed floor"),
            "+10 articles: compressed floor",
        ),
        series(report, "no_change.bytes", None, "no change: article-sync"),
        series(
            report,
            "first_sync.peak_rss",
            None,
            "first sync peak RSS: article-sync",
        ),
        series(
            report,
            "first_sync.peak_rss",
            Some("newsboat"),
            "first sync peak RSS: newsboat",
        ),
    ];
    let root = BitMapBackend::new(path, (1600, 640)).into_drawing_area();
    let err = |e: &dyn std::fmt::Display| BenchError::Chart(e.to_string());
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (left, right) = root.split_horizontally(800);
    panel(&left, "Time against corpus size", Unit::Millis, &time).map_err(|e| err(&e))?;
    panel(&right, "Bytes against corpus size", Unit::Bytes, &bytes).map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return (1.0, 10.0);
    }
    (lo / 2.0, hi * 2.0)
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    unit: Unit,
    lines: &[Series],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (x0, x1) = range(lines.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let (y0, y1) = range(lines.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 24))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(84)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("articles (N)")
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| unit.format(*v))
        .draw()?;
    for (i, line) in lines.iter().enumerate() {
        if line.points.is_empty() {
            continue;
        }
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(line.points.clone(), color.stroke_width(2)))?
            .label(line.label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart.draw_series(
            line.points
                .iter()
                .map(|p| Circle::new(*p, 4, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}
