//! Human output for topologies: the table `tokenhop run` prints (one block per chain), the
//! expectation report, and the narration `tokenhop explain` prints.

use std::fmt::Write as _;

use super::run::TopologyRun;

/// The step tables, one per chain.
#[must_use]
pub fn table(run: &TopologyRun) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (engine: {}, topology)",
        run.topology.name, run.trace.engine
    );
    for chain in &run.trace.chains {
        let _ = writeln!(out, "\nchain {}", chain.name);
        let header = [
            "#",
            "step",
            "result",
            "at",
            "presents",
            "level",
            "credentials",
            "hops",
            "rules",
        ];
        let rows: Vec<[String; 9]> = chain
            .steps
            .iter()
            .map(|h| {
                [
                    h.index.to_string(),
                    h.step.clone(),
                    h.error.clone().unwrap_or_else(|| "ok".to_owned()),
                    match (&h.service, &h.machine) {
                        (Some(s), Some(m)) => format!("{s}@{m}"),
                        (None, Some(m)) => m.clone(),
                        _ => String::new(),
                    },
                    h.presents.clone().unwrap_or_default(),
                    h.level.clone().unwrap_or_default(),
                    h.credentials.clone().unwrap_or_default(),
                    h.hops.map(|n| n.to_string()).unwrap_or_default(),
                    h.rules.join(" "),
                ]
            })
            .collect();
        out.push_str(&crate::render::columns(&header, &rows));
    }
    out.push_str(&expectation_summary(run));
    out
}

/// One line saying how the expectations went, then one line per mismatch.
#[must_use]
pub fn expectation_summary(run: &TopologyRun) -> String {
    let unmet: Vec<(String, &[String])> = run
        .chains
        .iter()
        .flat_map(|c| c.steps.iter().map(move |s| (c.name.as_str(), s)))
        .filter(|(_, s)| !s.failures.is_empty())
        .map(|(chain, s)| {
            (
                crate::render::step_place(
                    &run.topology.path,
                    s.step.span,
                    &format!("chain {chain}, step {}", s.step.index),
                    &s.text,
                ),
                s.failures.as_slice(),
            )
        })
        .collect();
    crate::render::expectation_report(run.expectations(), &unmet)
}

/// The narration of a topology run.
#[must_use]
pub fn explain(run: &TopologyRun) -> String {
    let t = &run.topology;
    let mut out = crate::render::opening(&t.name, &t.description, &t.readings);
    if !run.setup.is_empty() {
        let _ = writeln!(out, "\nThe directory");
        for d in &run.setup {
            let _ = writeln!(out, "      {:<8} {}", d.rule.code(), d.detail);
        }
    }
    for (chain, trace) in run.chains.iter().zip(&run.trace.chains) {
        let _ = writeln!(out, "\nChain {}", chain.name);
        if !chain.description.is_empty() {
            let _ = writeln!(out, "{}", chain.description.trim());
        }
        for (s, h) in chain.steps.iter().zip(&trace.steps) {
            let _ = writeln!(out, "\n  Step {}: {}", s.step.index, s.text);
            if let Some(note) = &s.step.note {
                let _ = writeln!(out, "    {}", note.trim());
            }
            let at = match (&h.service, &h.machine) {
                (Some(sv), Some(m)) => format!("{sv} on {m}"),
                (None, Some(m)) => format!("a session on {m}"),
                _ => "nowhere yet".to_owned(),
            };
            let result = match &h.error {
                None => "succeeded".to_owned(),
                Some(e) => format!("failed with {e}"),
            };
            let _ = writeln!(
                out,
                "    Result: {result}; {at} holds {} ({}), credentials: {}, machine boundaries crossed: {}.",
                h.presents.as_deref().unwrap_or("no one"),
                h.level.as_deref().unwrap_or("-"),
                h.credentials.as_deref().unwrap_or("none"),
                h.hops.unwrap_or(0)
            );
            for d in &s.outcome.decisions {
                let _ = writeln!(out, "      {:<8} {}", d.rule.code(), d.detail);
            }
            if s.step.expect.is_some() {
                out.push_str(&crate::render::verdict("    ", &s.failures));
            }
        }
    }
    out.push_str(&crate::render::rules_section(
        &run.rules_applied(),
        &t.readings,
    ));
    out
}
