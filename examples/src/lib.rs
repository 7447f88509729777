//! # Using tokenhop in your own tests
//!
//! This crate is what another crate writes to hold its own service design to invariants
//! of its own, in its own `cargo test`: a topology file describing the deployment, the
//! explorer's model of it, an invariant stated in a few lines, and two ways to check it:
//! every state within reach (the explorer), and random chains of steps (proptest). Copy
//! what you need; every piece of code here is compiled and run by `cargo test`.
//!
//! ## 0. Depend on tokenhop
//!
//! ```toml
//! [dev-dependencies]
//! tokenhop-model = { path = "../tokenhop/model" }       # the semantics: steps, ids, rules
//! tokenhop-check = { path = "../tokenhop/check" }       # the explorer and its verdicts
//! tokenhop-sim = { path = "../tokenhop/sim" }           # reading topology files
//! tokenhop-properties = { path = "../tokenhop/properties" } # the models of topologies
//! proptest = "1"                                        # for step 4
//! ```
//!
//! ## 1. Describe the deployment
//!
//! [`PAYROLL`] is a topology file (`kind: topology`, format v1, described in the project
//! README): a web front end, an application tier and a file server with a payroll share;
//! `svc-web` may use protocol transition towards the application tier, `svc-app` may
//! delegate to the file server, and `carol`, who administers payroll, is marked "Account
//! is sensitive and cannot be delegated". Its chains check themselves
//! (`tokenhop run examples/topologies/payroll.yaml`, and a test of `tests/explore.rs`).
//!
//! ## 2. Load it, build the model, state an invariant, explore
//!
//! ```
//! use std::path::Path;
//!
//! use tokenhop_check::{Claim, Extent, Options, Verdict, Violation, explore_with};
//! use tokenhop_model::net::hop::Credentials;
//! use tokenhop_model::rules::RuleId;
//! use tokenhop_properties::suites::chains::Chains;
//! use tokenhop_properties::suites::delegation::Delegation;
//! use tokenhop_sim::topology;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The topology, and the ids of what the invariant is about (errors are located or typed).
//! let payroll = topology::load_file(Path::new("topologies/payroll.yaml"))?;
//! let carol = payroll.account("carol")?;
//!
//! // The explorer's model: every chain of calls (each package, level and client
//! // behaviour), S4U2self and ticket tampering, from each user's logon and from each
//! // service's own process, each step taken by the model's one chain step.
//! let model = Delegation::from_topology(&payroll.dir, payroll.readings)?;
//!
//! // An invariant of our own, over one chain step: the directory, the chain before,
//! // the step and the chain after.
//! let no_tgt = Chains::invariant(
//!     Claim {
//!         id: "PAY-TGT",
//!         statement: "No server ever holds carol's TGT.",
//!         rests_on: &[RuleId::AD_5, RuleId::KRB_2],
//!     },
//!     move |dir, _before, _step, after| {
//!         match after.holder.as_ref().map(|h| (h.service, &h.credentials)) {
//!             Some((Some(server), Credentials::Tgt(tgt))) if tgt.client == carol => Err(
//!                 Violation::new(format!("{} holds carol's TGT", dir.service(server).name)),
//!             ),
//!             _ => Ok(()),
//!         }
//!     },
//! );
//!
//! // Every state, checked on every transition: the space is small enough to exhaust.
//! let report = explore_with(&model, vec![no_tgt], &Options::default(), &|_| {});
//! assert!(report.complete);
//! assert_eq!(report.findings[0].verdict, Verdict::Holds(Extent::Exhausted));
//! # Ok(())
//! # }
//! ```
//!
//! [`topology::load_file`](tokenhop_sim::topology::load_file) reports a bad file with its
//! line, column and field; [`Topology::account`](tokenhop_sim::topology::Topology::account)
//! and its siblings give the ids of the names the file uses.
//! [`Delegation::from_topology`](tokenhop_properties::suites::delegation::Delegation::from_topology)
//! is the model `tokenhop check FILE` explores, and
//! [`explore_with`](tokenhop_check::explore_with) checks the properties given to it in
//! place of the model's own (INV-1.., which `tokenhop check` runs).
//! [`Chains::invariant`](tokenhop_properties::suites::chains::Chains::invariant) states an
//! invariant over one chain step; one that needs the explorer's own terms (its state, the
//! configuration, the step's id) is written with
//! [`Property::always`](tokenhop_check::Property::always) instead, whose closure gets the
//! model (`m.step(action)` is the chain step, `m.dir(state)` the directory), the state
//! before, the action, the state after (`after.holder()`) and the rules the step applied.
//!
//! ## 3. Read the verdict, and the counterexample
//!
//! A [`Verdict`](tokenhop_check::Verdict) never claims more than the search did:
//! `Holds(Exhausted)` is every reachable state, `Holds(Bounded(n))` every state within `n`
//! steps, and a property a budget stopped the search before deciding is `Undecided`. A
//! broken invariant comes with its shortest counterexample, a
//! [`Trace`](tokenhop_check::Trace): the steps from an initial state, each state in words,
//! why the last one breaks it, and the path as a topology file that `tokenhop explain`
//! narrates. When several paths are equally short, the explorer reports one of them, the
//! same one on every run and with any number of threads.
//!
//! `tests/explore.rs` checks one invariant, [`reaches_only_directly`], for two users: it
//! holds for carol and breaks for alice, whose identity a middle tier carries on to the
//! file server (`svc-app`'s constrained delegation, or the front end holding her TGT when
//! her client ignores OK-AS-DELEGATE); the test prints the counterexample
//! (`cargo test -p tokenhop-examples --test explore -- --nocapture`) and replays its file.
//!
//! ## 4. The same invariant under proptest
//!
//! Because [`reaches_only_directly`] is stated in the chain step's terms, a property test
//! checks it on transitions of [`chain::step`](tokenhop_model::net::chain::step) directly:
//! `tests/chains_proptest.rs` draws chains of steps from the model's own alphabet (longer
//! than the explorer needed to go, shrinking to the shortest failing chain) and checks the
//! invariant after every step that succeeds.
//! [`tokenhop_properties::directories`] generates whole directories the same way, for
//! invariants about every deployment rather than yours.

use tokenhop_check::Violation;
use tokenhop_model::net::chain::{ChainState, Step};
use tokenhop_model::net::directory::{AccountId, Directory, ServiceId};

/// The payroll topology this crate ships (`examples/topologies/payroll.yaml`).
pub const PAYROLL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/topologies/payroll.yaml");

/// An invariant: `user`'s identity is presented at `server` only from a logon of its own
/// one machine away, never delegated onward to it (machine boundaries are counted as the
/// model counts them, LVL-6). A function of one chain step, so that the explorer
/// (through `Chains::invariant`) and a property test over `chain::step` check the same
/// statement.
pub fn reaches_only_directly(
    user: AccountId,
    server: ServiceId,
) -> impl Fn(&Directory, &ChainState, &Step, &ChainState) -> Result<(), Violation>
+ Clone
+ Send
+ Sync
+ 'static {
    move |dir, _before, _step, after| match &after.holder {
        Some(h) if h.service == Some(server) && h.presents == Some(user) && h.hops >= 2 => {
            Err(Violation::new(format!(
                "{} is presented at {} after crossing {} or more machine boundaries",
                dir.qualified(user),
                dir.service(server).name,
                h.hops
            )))
        }
        _ => Ok(()),
    }
}
