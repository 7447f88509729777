//! The answer in words: who was owned, the bounds and whether the search finished, a table
//! of what was reached (in the project's table style, [`crate::render::columns`]), then each
//! path, numbered as the table, one line per step in words
//! ([`crate::topology::run::describe`]) with the rules it applied.

use std::fmt::Write as _;

use tokenhop_model::net::directory::Directory;
use tokenhop_model::net::graph::Holding;
use tokenhop_model::net::reach::{Finding, Gain};

use super::{Reached, held_at};
use crate::render::columns;
use crate::topology::run::{describe, hold_word};

/// The answer to print.
#[must_use]
pub fn render(r: &Reached) -> String {
    let mut out = header(r);
    out.push_str(&findings(r));
    out
}

/// What was reached, as a table, then each path.
#[must_use]
pub fn findings(r: &Reached) -> String {
    let mut out = String::new();
    if r.answer.findings.is_empty() {
        out.push_str(if r.complete() {
            "\nNothing reached: no step the attacker may take leads anywhere new.\n"
        } else {
            "\nNothing found before the search stopped.\n"
        });
        return out;
    }
    out.push('\n');
    out.push_str(&table(r));
    let _ = writeln!(
        out,
        "\n`stands for`: how many principals the identity stands for. Every rule treats the principals of one class alike (domain, kind, the built-in Administrator, sensitive, Protected Users, domain controllers, named by a DACL), so the search plays one of them, a member of a privileged group where the class has one.\n\nPaths (`--chains FILE` writes each as a chain that `tokenhop run` replays and `tokenhop explain` narrates)"
    );
    for (n, f) in r.answer.findings.iter().enumerate() {
        out.push('\n');
        out.push_str(&path(&r.dir, n + 1, f));
    }
    out
}

/// Who was owned, where the tools ran, the bounds and whether the search finished.
fn header(r: &Reached) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Reach in {}: owning {} (each account's key; for a computer account, SYSTEM on its machine too), the tools running on `{}`, a machine in no domain.",
        r.source,
        r.owned_names().join(", "),
        r.machine_name()
    );
    out.push_str(&bounds(r));
    out
}

/// The ending of a plural noun for `n` of it: `""` for one, else `"s"`.
#[must_use]
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The bounds that applied and whether the search explored everything within them.
#[must_use]
pub fn bounds(r: &Reached) -> String {
    let mut out = format!(
        "Bounds: at most {} chain states kept (--max-states), at most {} RBCD write{} per path (--rbcd-writes).\n",
        r.limits.max_states,
        r.limits.max_rbcd_writes,
        plural(r.limits.max_rbcd_writes)
    );
    if r.complete() {
        let _ = writeln!(
            out,
            "Complete within these bounds: {} chain states kept, {} steps evaluated, {} reached.",
            r.answer.states,
            r.answer.evaluations,
            r.answer.findings.len()
        );
    } else {
        let _ = writeln!(
            out,
            "INCOMPLETE: the search stopped at {} chain states ({} steps evaluated) before exploring every state: the {} found below are some of what is reachable, not all. Raise --max-states to search further.",
            r.answer.states,
            r.answer.evaluations,
            r.answer.findings.len()
        );
    }
    out
}

/// The table of what was reached.
fn table(r: &Reached) -> String {
    let dir = &r.dir;
    let rows: Vec<[String; 8]> = r
        .answer
        .findings
        .iter()
        .enumerate()
        .map(|(n, f)| {
            [
                (n + 1).to_string(),
                reached(dir, f),
                held_at(dir, f)
                    .map(|s| dir.machine(dir.service(s).machine).name.to_string())
                    .unwrap_or_default(),
                dir.qualified(f.identity),
                hold_word(f.hold),
                holding_word(f.holding).to_owned(),
                f.stands_for.to_string(),
                f.path.len().to_string(),
            ]
        })
        .collect();
    columns(
        &[
            "#",
            "reached",
            "machine",
            "as",
            "level",
            "holding",
            "stands for",
            "steps",
        ],
        &rows,
    )
}

/// What a finding reached, in a table's cell: a service by its SPN (and its name where that
/// differs), a resource with the rights granted, or the credentials held.
#[must_use]
pub fn reached(dir: &Directory, f: &Finding) -> String {
    match &f.gain {
        Gain::Service(s) => service_words(dir, *s),
        Gain::Resource(res, rights) => format!(
            "{} [{}] via {}",
            dir.resource(*res).name,
            rights.join(", "),
            dir.service(dir.resource(*res).service).name
        ),
        Gain::Credentials => format!("its {}", holding_word(f.holding)),
    }
}

/// A service by its SPN, with its name where that differs (`files (cifs/files01)`).
fn service_words(dir: &Directory, s: tokenhop_model::net::directory::ServiceId) -> String {
    let service = dir.service(s);
    if service.name == service.spn {
        service.spn.to_string()
    } else {
        format!("{} ({})", service.name, service.spn)
    }
}

/// What is held for the identity, in a word or two.
#[must_use]
pub fn holding_word(holding: Holding) -> &'static str {
    match holding {
        Holding::Tgt => "TGT",
        Holding::Password => "password",
        Holding::Forwardable => "forwardable ticket",
        Holding::S4uEvidence => "S4U2self ticket (not forwardable)",
        Holding::Nothing => "nothing",
        Holding::Identification => "nothing (Identification)",
    }
}

/// Finding `n`'s path: a line saying what it gives, then its steps, each with its rules.
fn path(dir: &Directory, n: usize, f: &Finding) -> String {
    let who = dir.qualified(f.identity);
    let mut out = match &f.gain {
        Gain::Credentials => format!(
            "{n}. holds {who}'s {}: any service {who} may call (run reach --owned {who} for what {who} reaches){}\n",
            holding_word(f.holding),
            held_at(dir, f)
                .map(|s| format!(", at {}", service_words(dir, s)))
                .unwrap_or_default()
        ),
        _ => format!(
            "{n}. {} as {who}, {}{}\n",
            reached(dir, f),
            hold_word(f.hold),
            match f.stands_for {
                1 => String::new(),
                k => format!(" (stands for {k} principals)"),
            }
        ),
    };
    let number = f.path.len().to_string().len();
    let steps: Vec<String> = f.path.iter().map(|p| describe(dir, &p.step)).collect();
    let words = steps.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    for (i, (p, step)) in f.path.iter().zip(&steps).enumerate() {
        let rules: Vec<&str> = p.rules.iter().map(|r| r.code()).collect();
        let _ = writeln!(
            out,
            "   {:>number$}  {step:<words$}  {}",
            i + 1,
            rules.join(" ")
        );
    }
    out
}
