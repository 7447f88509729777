//! Human output: the step table `tokenhop run` prints, the expectation report, and the
//! narration `tokenhop explain` prints (each decision with its rule, and the documents
//! that state the rules).

use std::fmt::Write as _;

use tokenhop_model::rules::readings::{AMBIGUITIES, ambiguity};
use tokenhop_model::rules::{RuleId, Status};

use crate::interpret::{Run, StepRun};
use crate::trace::compact;

/// The result of a step in words.
#[must_use]
pub fn result_text(s: &StepRun) -> String {
    let Some(outcome) = &s.outcome else {
        return "skipped".to_owned();
    };
    match &outcome.result {
        Ok(success) => match success.last_error {
            Some(e) => format!("ok, {}", e.symbol()),
            None => "ok".to_owned(),
        },
        Err(e) => e.symbol().to_owned(),
    }
}

/// The step table.
#[must_use]
pub fn table(run: &Run) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (engine: {}, {})",
        run.scenario.name, run.trace.engine, run.scenario.world.settings.windows
    );
    let rows: Vec<[String; 6]> = run
        .steps
        .iter()
        .zip(&run.trace.steps)
        .map(|(s, t)| {
            let value = if t.value.is_null() {
                String::new()
            } else {
                shorten(&compact(&t.value), 60)
            };
            [
                t.index.to_string(),
                t.thread.clone(),
                t.call.clone(),
                result_text(s),
                value,
                t.rules.join(" "),
            ]
        })
        .collect();
    out.push_str(&columns(
        &["#", "thread", "call", "result", "value", "rules"],
        &rows,
    ));
    out.push_str(&expectation_summary(run));
    out
}

/// Rows of cells under a header, each column as wide as its widest cell, two spaces apart
/// (the last column is not padded).
#[must_use]
pub fn columns<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                let _ = write!(l, "{cell:<w$}  ");
            }
        }
        l.trim_end().to_owned()
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", line(&header.map(str::to_owned)));
    for row in rows {
        let _ = writeln!(out, "{}", line(row));
    }
    out
}

/// Where an unmet expectation stands, for the report: `FILE:LINE:COLUMN: step N (text)`.
#[must_use]
pub fn step_place(
    path: &std::path::Path,
    span: crate::node::Span,
    step: &str,
    text: &str,
) -> String {
    format!("{}:{span}: {step} ({text})", path.display())
}

/// One line saying how the expectations went, then one line per mismatch.
#[must_use]
pub fn expectation_summary(run: &Run) -> String {
    let unmet: Vec<(String, &[String])> = run
        .failed()
        .map(|s| {
            (
                step_place(
                    &run.scenario.path,
                    s.step.span,
                    &format!("step {}", s.step.index),
                    &s.step.text,
                ),
                s.failures.as_slice(),
            )
        })
        .collect();
    expectation_report(run.expectations(), &unmet)
}

/// The narration's line for a step that states an expectation: "As expected.", or one line
/// per difference, indented by `indent`.
#[must_use]
pub fn verdict(indent: &str, failures: &[String]) -> String {
    if failures.is_empty() {
        return format!("{indent}As expected.\n");
    }
    failures
        .iter()
        .map(|f| format!("{indent}NOT AS EXPECTED: {f}.\n"))
        .collect()
}

/// How many expectations were checked, then each unmet one: where (file, line, column and
/// the step) and what differed.
#[must_use]
pub fn expectation_report(checked: usize, unmet: &[(String, &[String])]) -> String {
    let mut out = String::new();
    if unmet.is_empty() {
        let _ = writeln!(out, "expectations: {checked} checked, all met");
        return out;
    }
    let _ = writeln!(
        out,
        "expectations: {checked} checked, {} not met",
        unmet.len()
    );
    for (place, failures) in unmet {
        let _ = writeln!(out, "{place}:");
        for f in *failures {
            let _ = writeln!(out, "  {f}");
        }
    }
    out
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(3)).collect();
        s.push_str("...");
        s
    }
}

/// The narration of a run.
#[must_use]
pub fn explain(run: &Run) -> String {
    let sc = &run.scenario;
    let mut out = String::new();
    let _ = writeln!(out, "{}", sc.name);
    if !sc.description.is_empty() {
        let _ = writeln!(out, "{}", sc.description.trim());
    }
    let readings = selected_readings(run);
    let _ = writeln!(
        out,
        "\nThe model plays {}; {}.",
        sc.world.settings.windows,
        if readings.is_empty() {
            "every ambiguous rule takes its default reading".to_owned()
        } else {
            format!("selected readings: {}", readings.join(", "))
        }
    );

    let _ = writeln!(out, "\nSetup");
    for line in &sc.setup_summary {
        let _ = writeln!(out, "  {line}");
    }
    for d in &sc.setup {
        let _ = writeln!(out, "    {:<8} {}", d.rule.code(), d.detail);
    }

    for s in &run.steps {
        let _ = writeln!(
            out,
            "\nStep {} on `{}`: {}",
            s.step.index, s.step.thread, s.step.text
        );
        if let Some(note) = &s.step.note {
            let _ = writeln!(out, "  {}", note.trim());
        }
        let trace = run.trace.steps.get(s.step.index);
        match (&s.outcome, trace) {
            (Some(outcome), Some(t)) => {
                let result = match &outcome.result {
                    Ok(success) => {
                        let mut r = "succeeded".to_owned();
                        if let Some(e) = success.last_error {
                            if e.is_informational() {
                                let _ = write!(r, " with {e}");
                            } else {
                                let _ = write!(r, ", leaving {e} in GetLastError");
                            }
                        }
                        if !t.value.is_null() {
                            let _ = write!(r, "; {}", compact(&t.value));
                        }
                        if let Some(out) = &s.step.out {
                            let _ = write!(r, "; `{out}` names what it returned");
                        }
                        r
                    }
                    Err(e) => format!("failed with {e}"),
                };
                let _ = writeln!(out, "  Result: {result}.");
                for d in &outcome.decisions {
                    let _ = writeln!(out, "    {:<8} {}", d.rule.code(), d.detail);
                }
            }
            _ => {
                let reason = trace.and_then(|t| t.skipped.clone()).unwrap_or_default();
                let _ = writeln!(out, "  Not run: {reason}.");
            }
        }
        if s.step.expect.is_some() {
            out.push_str(&verdict("  ", &s.failures));
        }
    }

    let _ = writeln!(out, "\nRules applied, and the documents that state them");
    for rule in run.rules_applied() {
        out.push_str(&describe_rule(rule, Some(run)));
    }
    out
}

/// A rule with its status, statement, readings and citations, as a block of lines.
#[must_use]
pub fn describe_rule(rule: RuleId, run: Option<&Run>) -> String {
    describe_rule_under(rule, run.map(|r| &r.scenario.world.settings.readings))
}

/// [`describe_rule`] under the readings a scenario selected, if any.
#[must_use]
pub fn describe_rule_under(
    rule: RuleId,
    readings: Option<&tokenhop_model::rules::readings::Readings>,
) -> String {
    let info = rule.info();
    let mut out = String::new();
    let _ = writeln!(out, "  {} ({}): {}", info.code, info.status, info.statement);
    if info.status == Status::Ambiguous {
        let _ = writeln!(out, "      The documents do not settle this. Readings:");
        if let Some(a) = ambiguity(rule) {
            let selected = readings.and_then(|r| r.selected(rule)).map(|r| r.name);
            for (i, r) in a.readings.iter().enumerate() {
                let mark = match selected {
                    Some(name) if name == r.name => " (selected)",
                    None if i == 0 => " (default)",
                    _ => "",
                };
                let _ = writeln!(out, "      - {}{}: {}", r.name, mark, r.description);
            }
        }
    }
    for c in info.citations {
        let _ = writeln!(out, "      - {c}");
    }
    out
}

fn selected_readings(run: &Run) -> Vec<String> {
    selected_readings_of(&run.scenario.world.settings.readings)
}

/// The readings selected other than the defaults, as `RULE reading`.
#[must_use]
pub fn selected_readings_of(readings: &tokenhop_model::rules::readings::Readings) -> Vec<String> {
    AMBIGUITIES
        .iter()
        .filter(|a| readings.alternative(a.rule) || readings.named(a.rule))
        .filter_map(|a| {
            readings
                .selected(a.rule)
                .map(|r| format!("{} {}", a.rule, r.name))
        })
        .collect()
}

/// The opening of a narration: the scenario's name, its description, and a sentence naming
/// the readings selected for ambiguous rules.
#[must_use]
pub fn opening(
    name: &str,
    description: &str,
    readings: &tokenhop_model::rules::readings::Readings,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{name}");
    if !description.is_empty() {
        let _ = writeln!(out, "{}", description.trim());
    }
    let selected = selected_readings_of(readings);
    let _ = writeln!(
        out,
        "\n{}.",
        if selected.is_empty() {
            "Every ambiguous rule takes its default reading".to_owned()
        } else {
            format!("Selected readings: {}", selected.join(", "))
        }
    );
    out
}

/// The closing of a narration: each rule applied, its statement and its sources.
#[must_use]
pub fn rules_section(
    rules: &[RuleId],
    readings: &tokenhop_model::rules::readings::Readings,
) -> String {
    let mut out = String::from("\nRules applied, and the documents that state them\n");
    for rule in rules {
        out.push_str(&describe_rule_under(*rule, Some(readings)));
    }
    out
}
