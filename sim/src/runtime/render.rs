//! Human output for runtime scenarios: the step table `tokenhop run` prints, the
//! expectation report, and the narration `tokenhop explain` prints.

use std::fmt::Write as _;

use super::run::RuntimeRun;

/// The step table.
#[must_use]
pub fn table(run: &RuntimeRun) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (engine: {}, runtime {}{})",
        run.runtime.name,
        run.trace.engine,
        run.runtime.setup.framework.name,
        run.trace
            .flow_mode
            .as_ref()
            .map(|m| format!(", flow mode {m}"))
            .unwrap_or_default()
    );
    let header = ["#", "thread", "call", "result", "identity", "rules"];
    let rows: Vec<[String; 6]> = run
        .trace
        .steps
        .iter()
        .map(|s| {
            [
                s.index.to_string(),
                s.thread.clone(),
                s.call.clone(),
                s.error.clone().unwrap_or_else(|| "ok".to_owned()),
                s.identity.clone().unwrap_or_default(),
                s.rules.join(" "),
            ]
        })
        .collect();
    out.push_str(&crate::render::columns(&header, &rows));
    out.push_str(&expectation_summary(run));
    out
}

/// One line saying how the expectations went, then one line per mismatch.
#[must_use]
pub fn expectation_summary(run: &RuntimeRun) -> String {
    let setup = run.runtime.setup_expect.as_ref().map(|e| {
        (
            format!("{}:{}: process.expect", run.runtime.path.display(), e.span),
            run.setup_failures.as_slice(),
        )
    });
    let unmet: Vec<(String, &[String])> = setup
        .into_iter()
        .filter(|(_, f)| !f.is_empty())
        .chain(run.failed().map(|s| {
            (
                crate::render::step_place(
                    &run.runtime.path,
                    s.step.span,
                    &format!("step {}", s.step.index),
                    &s.text,
                ),
                s.failures.as_slice(),
            )
        }))
        .collect();
    crate::render::expectation_report(run.expectations(), &unmet)
}

/// The narration of a runtime run.
#[must_use]
pub fn explain(run: &RuntimeRun) -> String {
    let rt = &run.runtime;
    let mut out = crate::render::opening(&rt.name, &rt.description, &rt.setup.readings);
    let _ = writeln!(
        out,
        "\nThe process runs as {} on .NET {}{}.",
        rt.setup.identities.first().map_or("", String::as_str),
        rt.setup.framework.name,
        run.trace
            .flow_mode
            .as_ref()
            .map(|m| format!("; its flow mode is {m}"))
            .unwrap_or_default()
    );
    for d in &run.setup {
        let _ = writeln!(out, "      {:<8} {}", d.rule.code(), d.detail);
    }
    if rt.setup_expect.is_some() {
        out.push_str(&crate::render::verdict("    ", &run.setup_failures));
    }
    for (s, t) in run.steps.iter().zip(&run.trace.steps) {
        let _ = writeln!(out, "\n  Step {} on {}: {}", s.step.index, t.thread, s.text);
        if let Some(note) = &s.step.note {
            let _ = writeln!(out, "    {}", note.trim());
        }
        let result = match &s.error {
            None => "succeeded".to_owned(),
            Some(e) => format!("threw {e}"),
        };
        let _ = writeln!(
            out,
            "    Result: {result}{}.",
            t.identity
                .as_ref()
                .map(|i| format!("; identity: {i}"))
                .unwrap_or_default()
        );
        for d in &s.decisions {
            let _ = writeln!(out, "      {:<8} {}", d.rule.code(), d.detail);
        }
        if s.step.expect.is_some() {
            out.push_str(&crate::render::verdict("    ", &s.failures));
        }
    }
    out.push_str(&crate::render::rules_section(
        &run.rules_applied(),
        &rt.setup.readings,
    ));
    out
}
