//! The attack suites: the known attacks of the catalogue (domain rules, section 10) that
//! the delegation suite does not already cover, each searched for as a counterexample with
//! its mitigation off (`atk-N`) and shown absent with it on (`atk-N-fixed`).
//!
//! Every suite but ATK-9's is a [`Scenario`] of the network family's one model,
//! [`Chains`]: a small topology, built in code as the `fixtures/topologies/atk-*` files
//! declare theirs, swept over the configuration bits that matter to the attack, and every
//! sequence of `tokenhop_model::net::chain` steps (calls, S4U2self, RBCD writes, coerced
//! authentications, process creation, resource opens) the attacker or the user can take
//! through it, so the search plays the model the topology fixtures play. Each attack's own
//! claim (ATK-*) is stated in its module; the invariants it must not break are the
//! family's ([`crate::invariants::net`]). ATK-9's model drives the managed runtimes ([`sql`]).
//!
//! - [`rbcd`]: ATK-2, the RBCD takeover (write access to RBCD is the only gate).
//! - [`printer_bug`]: ATK-3, unconstrained delegation plus a coerced DC authentication.
//! - [`protocol_transition`]: ATK-4, constrained delegation with protocol transition.
//! - [`potato`]: ATK-5, SeImpersonatePrivilege plus a coerced local SYSTEM authentication.
//! - [`double_hop`]: ATK-7, the double hop as a safety property and its enabling settings.
//! - [`unchecked`]: ATK-8, an unchecked failed impersonation.
//! - [`sql`]: ATK-9, CLR code that runs as the SQL Server service account.

/// Implements [`Scenario`] for a scenario struct with `starts` and `steps` fields, in a
/// module that defines its `properties()`.
macro_rules! scenario_with_steps {
    ($t:ty) => {
        impl $crate::suites::attacks::Scenario for $t {
            fn starts(&self) -> &[tokenhop_model::net::chain::Step] {
                &self.starts
            }

            fn steps(&self) -> &[tokenhop_model::net::chain::Step] {
                &self.steps
            }

            fn properties() -> Vec<tokenhop_check::Property<$crate::suites::attacks::Chains<Self>>>
            {
                properties()
            }
        }
    };
}

pub mod double_hop;
pub mod potato;
pub mod printer_bug;
pub mod protocol_transition;
pub mod rbcd;
pub mod sql;
pub mod unchecked;

pub use super::chains::{
    Builder, CORP, Chains, ChainsError, Config, Scenario, State, StepId, access, bit,
    describe_holder, describe_request, describe_step, requests,
};
pub use crate::invariants::net::proxied_by;
