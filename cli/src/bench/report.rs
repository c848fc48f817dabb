//! The results: rows × corpus sizes, each cell a median with min–max and its baselines with
//! the ratio *article-sync ÷ baseline* (below 1: article-sync needs less). Printed as a table,
//! written as JSON (`bench.json`) and Markdown (`bench.md`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::measure::Summary;

/// How a row's values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Millis,
    Bytes,
    Count,
    /// A share or a mean in 0–1 (recall, mean reciprocal rank).
    Ratio,
}

impl Unit {
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Millis if v >= 1000.0 => format!("{:.2} s", v / 1000.0),
            Unit::Millis if v >= 10.0 => format!("{v:.0} ms"),
            Unit::Millis => format!("{v:.2} ms"),
            Unit::Bytes if v >= 1024.0 * 1024.0 => format!("{:.1} MiB", v / 1048576.0),
            Unit::Bytes if v >= 1024.0 => format!("{:.1} KiB", v / 1024.0),
            Unit::Bytes => format!("{v:.0} B"),
            Unit::Count => format!("{v:.0}"),
            Unit::Ratio => format!("{v:.3}"),
        }
    }

    fn summary(self, s: &Summary) -> String {
        if s.runs <= 1 || s.min == s.max {
            self.format(s.median)
        } else {
            format!(
                "{} ({}–{})",
                self.format(s.median),
                self.format(s.min),
                self.format(s.max)
            )
        }
    }
}

/// A target (the README's Performance section lists them) and whether this run met it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// E.g. `ratio ≤ 0.333` or `< 64 MiB`.
    pub rule: String,
    pub pass: bool,
}

impl Target {
    /// A ratio (article-sync ÷ baseline) that must not exceed `max`.
    pub fn ratio_at_most(ratio: f64, max: f64) -> Target {
        Target {
            rule: format!("ratio ≤ {}", trim_float(max)),
            pass: ratio <= max,
        }
    }

    /// An article-sync value that must not exceed `limit`.
    pub fn at_most(unit: Unit, value: f64, limit: f64) -> Target {
        Target {
            rule: format!("≤ {}", unit.format(limit)),
            pass: value <= limit,
        }
    }

    /// An article-sync value that must reach `min`.
    pub fn at_least(unit: Unit, value: f64, min: f64) -> Target {
        Target {
            rule: format!("≥ {}", unit.format(min)),
            pass: value >= min,
        }
    }

    /// An article-sync value that must stay below `limit`.
    pub fn below(unit: Unit, value: f64, limit: f64) -> Target {
        Target {
            rule: format!("< {}", unit.format(limit)),
            pass: value < limit,
        }
    }

    fn mark(&self) -> String {
        format!("{} ({})", if self.pass { "✓" } else { "✗" }, self.rule)
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A baseline measured beside article-sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub name: String,
    pub value: Summary,
    /// article-sync's median ÷ this baseline's median (`None` when the baseline is 0).
    pub ratio: Option<f64>,
    pub target: Option<Target>,
}

/// One row at one corpus size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The corpus size; 0 for a row that does not depend on it.
    pub size: u64,
    /// article-sync's value; `None` when it could not be measured (see `note`).
    pub value: Option<Summary>,
    pub target: Option<Target>,
    pub baselines: Vec<Baseline>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Cell {
    pub fn new(size: u64, value: Option<Summary>) -> Cell {
        Cell {
            size,
            value,
            target: None,
            baselines: Vec::new(),
            note: None,
        }
    }

    /// Adds a baseline; `target` gets the ratio and returns the target it must meet.
    pub fn baseline(
        mut self,
        name: &str,
        value: Option<Summary>,
        target: impl Fn(f64) -> Option<Target>,
    ) -> Cell {
        if let Some(value) = value {
            let ratio = self
                .value
                .filter(|_| value.median > 0.0)
                .map(|ours| ours.median / value.median);
            self.baselines.push(Baseline {
                name: name.to_string(),
                value,
                ratio,
                target: ratio.and_then(target),
            });
        }
        self
    }
}

/// No target for this baseline.
pub fn no_target(_: f64) -> Option<Target> {
    None
}

/// A measured quantity, across sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Stable key, e.g. `first_sync.time`.
    pub id: String,
    /// What is measured, e.g. `First sync of N articles: wall time`.
    pub title: String,
    pub unit: Unit,
    pub cells: Vec<Cell>,
}

/// The machine the bench ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub nproc: usize,
    pub cpu: String,
    pub memory_bytes: u64,
    pub kernel: String,
}

impl Machine {
    pub fn this() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_bytes = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        Machine {
            nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            memory_bytes,
            kernel,
        }
    }

    pub fn line(&self) -> String {
        format!(
            "{} cores ({}), {:.0} GiB memory, Linux {}",
            self.nproc,
            self.cpu,
            self.memory_bytes as f64 / (1u64 << 30) as f64,
            self.kernel
        )
    }
}

/// Everything one bench run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The command line that made it.
    pub command: String,
    pub machine: Machine,
    pub date: String,
    pub sizes: Vec<u64>,
    pub runs: usize,
    pub quick: bool,
    pub newsboat: String,
    pub rows: Vec<Row>,
    /// How each baseline and floor was measured.
    pub notes: Vec<String>,
}

impl Report {
    pub fn row(&self, id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.id == id)
    }

    /// What is missing: a row in `expected` (row id and the names of its baselines) that is
    /// absent, or a cell without article-sync's value or without one of its baselines. A
    /// size-independent row (one cell of size 0) counts once. Rows in `note_suffices` count as
    /// produced when their cell says why it has no value.
    pub fn missing(&self, expected: &[(&str, &[&str])], note_suffices: &[&str]) -> Vec<String> {
        let mut missing = Vec::new();
        for (id, baselines) in expected {
            let Some(row) = self.row(id) else {
                missing.push(format!("{id}: no row"));
                continue;
            };
            let independent = row.cells.len() == 1 && row.cells[0].size == 0;
            let sizes: Vec<u64> = if independent {
                vec![0]
            } else {
                self.sizes.clone()
            };
            for size in sizes {
                let Some(cell) = row.cells.iter().find(|c| c.size == size) else {
                    missing.push(format!("{id} at {size}: no cell"));
                    continue;
                };
                let explained = cell.note.is_some() && note_suffices.contains(id);
                if cell.value.is_none() && !explained {
                    missing.push(format!(
                        "{id} at {size}: {}",
                        cell.note.as_deref().unwrap_or("no value")
                    ));
                }
                for name in *baselines {
                    if !cell.baselines.iter().any(|b| b.name == *name) {
                        missing.push(format!("{id} at {size}: no {name} baseline"));
                    }
                }
            }
        }
        missing
    }

    /// The plain-text table printed at the end of a run.
    pub fn text_table(&self) -> String {
        let columns = self.columns();
        let mut lines: Vec<Vec<String>> = Vec::new();
        let mut header = vec!["".to_string(), "".to_string()];
        header.extend(columns.iter().map(|s| size_label(*s)));
        lines.push(header);
        for row in &self.rows {
            for (subject, cells) in self.subjects(row, &columns) {
                let mut line = vec![
                    if subject == "article-sync" {
                        row.title.clone()
                    } else {
                        String::new()
                    },
                    subject,
                ];
                line.extend(cells);
                lines.push(line);
            }
        }
        let widths: Vec<usize> = (0..lines[0].len())
            .map(|i| {
                lines
                    .iter()
                    .map(|l| l.get(i).map_or(0, |c| c.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for line in lines {
            let cells: Vec<String> = line
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                .collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        }
        out
    }

    /// The same table in Markdown, with the machine and command above it.
    pub fn markdown(&self) -> String {
        let columns = self.columns();
        let mut out = String::new();
        let _ = writeln!(out, "Command: `{}`  ", self.command);
        let _ = writeln!(out, "Machine: {}  ", self.machine.line());
        let _ = writeln!(
            out,
            "Date: {}; {} run(s) per case; medians with (min–max); ratio = article-sync ÷ baseline; newsboat: {}\n",
            self.date, self.runs, self.newsboat
        );
        let mut header = "| Measure | Subject |".to_string();
        let mut rule = "|---|---|".to_string();
        for s in &columns {
            let _ = write!(header, " {} |", size_label(*s));
            rule.push_str("---|");
        }
        let _ = writeln!(out, "{header}\n{rule}");
        for row in &self.rows {
            for (subject, cells) in self.subjects(row, &columns) {
                let title = if subject == "article-sync" {
                    row.title.as_str()
                } else {
                    ""
                };
                let _ = writeln!(out, "| {title} | {subject} | {} |", cells.join(" | "));
            }
        }
        out.push('\n');
        for note in &self.notes {
            let _ = writeln!(out, "- {note}");
        }
        out
    }

    fn columns(&self) -> Vec<u64> {
        self.sizes.clone()
    }

    /// The lines of one row: article-sync first, then each baseline, each with a text per
    /// column.
    fn subjects(&self, row: &Row, columns: &[u64]) -> Vec<(String, Vec<String>)> {
        let cell_at = |size: u64| {
            row.cells
                .iter()
                .find(|c| c.size == size || (c.size == 0 && Some(&size) == columns.first()))
        };
        let mut names: Vec<String> = Vec::new();
        for c in &row.cells {
            for b in &c.baselines {
                if !names.contains(&b.name) {
                    names.push(b.name.clone());
                }
            }
        }
        let mut out = Vec::new();
        let ours: Vec<String> = columns
            .iter()
            .map(|s| match cell_at(*s) {
                Some(c) => {
                    let mut text = match (&c.value, &c.note) {
                        (Some(v), _) => row.unit.summary(v),
                        (None, Some(n)) => n.clone(),
                        (None, None) => "—".into(),
                    };
                    if let Some(t) = &c.target {
                        let _ = write!(text, " {}", t.mark());
                    }
                    text
                }
                None => String::new(),
            })
            .collect();
        out.push(("article-sync".to_string(), ours));
        for name in names {
            let texts = columns
                .iter()
                .map(|s| {
                    let Some(b) =
                        cell_at(*s).and_then(|c| c.baselines.iter().find(|b| b.name == name))
                    else {
                        return String::new();
                    };
                    let mut text = row.unit.summary(&b.value);
                    if let Some(r) = b.ratio {
                        let _ = write!(text, " ×{}", ratio_text(r));
                    }
                    if let Some(t) = &b.target {
                        let _ = write!(text, " {}", t.mark());
                    }
                    text
                })
                .collect();
            out.push((name, texts));
        }
        out
    }
}

fn size_label(size: u64) -> String {
    if size == 0 {
        "any N".into()
    } else {
        format!("N = {size}")
    }
}

fn ratio_text(r: f64) -> String {
    if r >= 100.0 {
        format!("{r:.0}")
    } else if r >= 0.1 {
        format!("{r:.2}")
    } else {
        format!("{r:.4}")
    }
}

/// Cells keyed by size, for building rows.
pub type Cells = BTreeMap<u64, Cell>;

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: f64) -> Option<Summary> {
        Summary::of(&[v])
    }

    #[test]
    fn ratios_and_targets_of_a_cell() {
        let cell = Cell::new(10_000, s(100.0))
            .baseline("newsboat", s(400.0), |r| {
                Some(Target::ratio_at_most(r, 1.0 / 3.0))
            })
            .baseline("floor", s(80.0), |r| Some(Target::ratio_at_most(r, 2.0)))
            .baseline("zero", s(0.0), no_target);
        assert_eq!(cell.baselines[0].ratio, Some(0.25));
        assert!(cell.baselines[0].target.as_ref().unwrap().pass);
        assert_eq!(cell.baselines[1].ratio, Some(1.25));
        assert_eq!(cell.baselines[2].ratio, None);
        assert_eq!(
            cell.baselines[0].target.as_ref().unwrap().rule,
            "ratio ≤ 0.333"
        );
    }

    #[test]
    fn missing_names_absent_rows_and_empty_cells() {
        let report = Report {
            command: "x".into(),
            machine: Machine::this(),
            date: String::new(),
            sizes: vec![50, 200],
            runs: 1,
            quick: true,
            newsboat: String::new(),
            rows: vec![
                Row {
                    id: "a".into(),
                    title: "A".into(),
                    unit: Unit::Millis,
                    cells: vec![Cell::new(50, s(1.0)), Cell::new(200, None)],
                },
                Row {
                    id: "ffi".into(),
                    title: "F".into(),
                    unit: Unit::Bytes,
                    cells: vec![Cell::new(0, s(1.0))],
                },
            ],
            notes: vec![],
        };
        assert_eq!(
            report.missing(&[("a", &[]), ("ffi", &[]), ("b", &[])], &[]),
            vec!["a at 200: no value".to_string(), "b: no row".to_string()]
        );
        assert_eq!(
            report.missing(&[("ffi", &["newsboat"])], &[]),
            vec!["ffi at 0: no newsboat baseline".to_string()]
        );
        let table = report.text_table();
        assert!(table.contains("N = 200"), "{table}");
        assert!(report.markdown().contains("| A | article-sync |"));
    }
}
