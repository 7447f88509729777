//! The answer as a topology (`tokenhop reach --chains FILE`): the directory as read, the
//! attacker's machine included, with one chain per finding whose steps are the finding's
//! path, each expected to succeed, the last expecting the identity presented and how it is
//! held (and, for credentials, what is held); a resource's chain ends by opening it with the
//! rights found. `tokenhop run` replays every path and `tokenhop explain` narrates them.

use tokenhop_model::net::chain::Step;
use tokenhop_model::net::graph::Holding;
use tokenhop_model::net::reach::{Finding, Gain};

use super::{Reached, text};
use crate::topology::run::hold_word;
use crate::topology::write::{Expectation, WrittenChain, with_chains};

/// The topology text.
#[must_use]
pub fn topology(r: &Reached) -> String {
    let chains: Vec<WrittenChain> = r
        .answer
        .findings
        .iter()
        .enumerate()
        .map(|(n, f)| chain(r, n + 1, f))
        .collect();
    let description = format!(
        "What owning {} gives in {}, found by `tokenhop reach`: one chain per finding, each step expected to succeed and the last to present the identity reached. The attacker's tools run on `{}`, a machine in no domain. {}",
        r.owned_names().join(", "),
        r.source,
        r.machine_name(),
        text::bounds(r).replace('\n', " ").trim_end()
    );
    with_chains(
        &r.dir,
        &format!("{}-reach", r.name),
        &description,
        &r.readings,
        &chains,
    )
}

/// Finding `n` as a chain.
fn chain(r: &Reached, n: usize, f: &Finding) -> WrittenChain {
    let dir = &r.dir;
    let last = f.path.len().saturating_sub(1);
    let mut steps: Vec<(Step, Option<Expectation>)> = f
        .path
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut expect = Expectation {
                ok: Some(true),
                ..Expectation::default()
            };
            if i == last {
                expect.presents = Some(Some(f.identity));
                expect.level = Some(f.hold);
                expect.credentials = credentials_word(f);
                expect.rules.clone_from(&p.rules);
            }
            (p.step.clone(), Some(expect))
        })
        .collect();
    if let Gain::Resource(resource, rights) = &f.gain {
        let access = Step::Access {
            resource: *resource,
            rights: rights.clone(),
        };
        let expect = Expectation {
            ok: Some(true),
            presents: Some(Some(f.identity)),
            ..Expectation::default()
        };
        steps.push((access, Some(expect)));
    }
    WrittenChain {
        name: format!("reach-{n}"),
        description: match f.gain {
            Gain::Credentials => format!(
                "holds {}'s {}",
                dir.qualified(f.identity),
                text::holding_word(f.holding)
            ),
            _ => format!(
                "{} as {}, {}",
                text::reached(dir, f),
                dir.qualified(f.identity),
                hold_word(f.hold)
            ),
        },
        steps,
    }
}

/// What a credentials finding's chain holds at its end, as an expectation writes it.
fn credentials_word(f: &Finding) -> Option<&'static str> {
    match (&f.gain, f.holding) {
        (Gain::Credentials, Holding::Tgt) => Some("tgt"),
        (Gain::Credentials, Holding::Password) => Some("password"),
        _ => None,
    }
}
