//! The built-in suites of the exhaustive explorer: each a model of `tokenhop-sim`'s
//! explorer over a bounded space, with the invariants it checks.
//!
//! - [`delegation`]: every configuration of a three-tier deployment and every chain of up
//!   to four calls through it (INV-1..4, INV-6, INV-8, INV-10, INV-21), under the
//!   mitigations on and, for the attacks, with each fix off.
//! - [`local`]: every sequence of token and thread calls by two threads of one process
//!   (LOC-1..7).

pub mod delegation;
pub mod local;

use tokenhop_sim::explore::{self, Model, Options, Report};

/// A property of a suite as listings show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PropertyInfo {
    /// Its id.
    pub id: &'static str,
    /// Its statement.
    pub statement: &'static str,
    /// The rules it rests on.
    pub rests_on: &'static [tokenhop_model::rules::RuleId],
}

/// The listing of a model's properties.
#[must_use]
pub fn infos<M: Model>(properties: &[explore::Property<M>]) -> Vec<PropertyInfo> {
    properties
        .iter()
        .map(|p| PropertyInfo {
            id: p.id,
            statement: p.statement,
            rests_on: p.rests_on,
        })
        .collect()
}

/// What a long run calls after each level, for a progress display.
pub type ProgressFn<'a> = dyn Fn(&explore::Progress) + Sync + 'a;

/// A suite: a name, what it sweeps, and how to run it.
pub struct Suite {
    /// Its name (`tokenhop check --suite NAME`).
    pub name: &'static str,
    /// What it sweeps and expects.
    pub description: &'static str,
    /// The depth it explores to by default.
    pub depth: u32,
    /// The properties it checks: id, statement and the rules each rests on.
    pub properties: fn() -> Vec<PropertyInfo>,
    /// The invariants whose counterexample is the point of the suite: the attack it
    /// reproduces. Every other invariant must hold, and every reachability claim be met.
    pub expect_broken: &'static [&'static str],
    /// Runs it.
    pub run: fn(&Options, &ProgressFn<'_>) -> Report,
}

fn run_model<M: Model>(
    model: &M,
    options: &Options,
    progress: &(dyn Fn(&explore::Progress) + Sync),
) -> Report {
    explore::explore(model, options, progress)
}

/// Every built-in suite.
pub const SUITES: &[Suite] = &[
    Suite {
        name: "delegation",
        description: "every configuration of the three-tier deployment (4,096: the user's two flags, each tier's delegation flags) and every chain of up to four calls, S4U2self and Bronze Bit tampering, with every fix on: INV-1..4, INV-6, INV-8 and INV-10 hold, INV-21 is exhibited",
        depth: 5,
        properties: delegation_properties,
        expect_broken: &[],
        run: |o, p| {
            run_model(
                &delegation::Delegation::new(delegation::Mitigations::ON),
                o,
                p,
            )
        },
    },
    Suite {
        name: "atk-1",
        description: "the delegation suite with ticket signatures not enforced: the Bronze Bit (ATK-1) breaks INV-4 and INV-1",
        depth: 5,
        properties: delegation_properties,
        expect_broken: &["INV-1", "INV-4"],
        run: |o, p| {
            run_model(
                &delegation::Delegation::new(delegation::Mitigations {
                    ticket_signatures: false,
                    ..delegation::Mitigations::ON
                }),
                o,
                p,
            )
        },
    },
    Suite {
        name: "atk-6",
        description: "the delegation suite without the CVE-2020-16996 fix: RBCD delegates a Protected Users member (ATK-6), breaking INV-1",
        depth: 5,
        properties: delegation_properties,
        expect_broken: &["INV-1"],
        run: |o, p| {
            run_model(
                &delegation::Delegation::new(delegation::Mitigations {
                    rbcd_sensitive_enforced: false,
                    ..delegation::Mitigations::ON
                }),
                o,
                p,
            )
        },
    },
    Suite {
        name: "local",
        description: "every sequence of token and thread calls by two threads of one process (ImpersonateSelf at each level, RevertToSelf, OpenThreadToken, OpenProcessToken, DuplicateTokenEx, SetThreadToken, ImpersonateLoggedOnUser, LogonUser, CloseHandle, object opens, ImpersonateAnonymousToken): LOC-1..7 hold",
        depth: 4,
        properties: || infos(&local::properties()),
        expect_broken: &[],
        run: |o, p| run_model(&local::Local::default(), o, p),
    },
];

fn delegation_properties() -> Vec<PropertyInfo> {
    infos(&delegation::properties())
}

/// Whether a finding is what the suite expects: an invariant the suite's attack breaks
/// has a counterexample, every other property holds as it claims.
#[must_use]
pub fn as_expected(suite: &Suite, finding: &explore::Finding) -> bool {
    if suite.expect_broken.contains(&finding.id) {
        !finding.holds()
    } else {
        finding.holds()
    }
}

/// The suite named `name`.
#[must_use]
pub fn suite(name: &str) -> Option<&'static Suite> {
    SUITES.iter().find(|s| s.name == name)
}
