//! The `managed` suite: the .NET and SQL Server CLR invariants INV-11..16 and INV-18
//! checked exhaustively over a bounded space, where model/tests/managed.rs checks them by
//! example. One model, two halves that share nothing but the search:
//!
//! - [`dotnet`]: every runtime version, host and flow configuration (458: the elements
//!   unset, false or true, the hosting flags, classic ASP.NET's aspnet.config), started,
//!   then every sequence of calls by two threads: managed and P/Invoke impersonation,
//!   Undo, RevertToSelf, flow suppression and its undo, the five hand-offs, running and
//!   returning from work items, RunImpersonated and disposing its handle (INV-11..15).
//! - [`sql`]: every session (16: Windows or SQL Server authentication, strict security,
//!   TRUSTWORTHY, delegation), then every sequence of EXECUTE AS, REVERT and calls into an
//!   assembly of each permission set, and of the routine's calls on its entry thread or a
//!   thread it started (INV-16, INV-18).
//!
//! Each transition is one `tokenhop_model::managed::step` of one of the model's
//! [`Action`]s; a state pairs a configuration with the model's runtime and the half's
//! independent oracle. The invariants are stated once, in `crate::invariants::managed`,
//! from the domain text and the oracle, not by calling the model's decision again. INV-17
//! is checked by `atk-9`.

pub mod dotnet;
pub mod sql;

use tokenhop_check::{Model, Property};
use tokenhop_model::core::decision::RuleSet;
use tokenhop_model::managed::{Action, Outcome};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

/// A state: of a .NET process, or of a SQL Server session.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// A .NET process.
    Dotnet(dotnet::State),
    /// A SQL Server session.
    Sql(sql::State),
}

/// The suite's model.
#[derive(Clone, Debug)]
pub struct Managed {
    dotnet: dotnet::Dotnet,
    sql: sql::Sql,
}

impl Default for Managed {
    fn default() -> Self {
        Managed::over(dotnet::configs(), sql::configs())
    }
}

impl Managed {
    /// The model over the given configurations of each half, under the default readings.
    #[must_use]
    pub fn over(dotnet: Vec<dotnet::Config>, sql: Vec<sql::Config>) -> Self {
        Managed {
            dotnet: dotnet::Dotnet::new(dotnet),
            sql: sql::Sql::new(sql),
        }
    }

    /// The same model under `readings`.
    #[must_use]
    pub fn with_readings(self, readings: Readings) -> Self {
        Managed {
            dotnet: self.dotnet.with_readings(readings),
            sql: self.sql.with_readings(readings),
        }
    }

    /// The same model letting .NET Core code impersonate by P/Invoke inside a
    /// RunImpersonated flow (see [`dotnet::Dotnet::with_pinvoke_in_run_impersonated`]).
    #[must_use]
    pub fn with_pinvoke_in_run_impersonated(self) -> Self {
        Managed {
            dotnet: self.dotnet.with_pinvoke_in_run_impersonated(),
            ..self
        }
    }

    /// The .NET half.
    #[must_use]
    pub fn dotnet(&self) -> &dotnet::Dotnet {
        &self.dotnet
    }

    /// The SQL Server half.
    #[must_use]
    pub fn sql(&self) -> &sql::Sql {
        &self.sql
    }
}

impl Model for Managed {
    type State = State;
    type Action = Action;
    type Outcome = Outcome;

    fn initial_states(&self) -> Vec<State> {
        let dotnet = self.dotnet.initial_states().into_iter().map(State::Dotnet);
        let sql = self.sql.initial_states().into_iter().map(State::Sql);
        dotnet.chain(sql).collect()
    }

    fn actions(&self, state: &State, out: &mut Vec<Action>) {
        match state {
            State::Dotnet(s) => self.dotnet.actions(s, out),
            State::Sql(s) => self.sql.actions(s, out),
        }
    }

    fn next(&self, state: &State, action: &Action) -> Option<(State, Outcome)> {
        match state {
            State::Dotnet(s) => {
                let (next, outcome) = self.dotnet.next(s, action)?;
                Some((State::Dotnet(next), outcome))
            }
            State::Sql(s) => {
                let (next, outcome) = self.sql.next(s, action)?;
                Some((State::Sql(next), outcome))
            }
        }
    }

    fn fingerprint(&self, state: &State) -> u64 {
        match state {
            State::Dotnet(s) => self.dotnet.fingerprint(s),
            State::Sql(s) => self.sql.fingerprint(s),
        }
    }

    fn properties(&self) -> Vec<Property<Self>> {
        properties()
    }

    fn applied_rules(&self, outcome: &Outcome, set: &mut RuleSet) {
        set.extend(&outcome.rules);
    }

    fn rules(&self, outcome: &Outcome, report: &mut dyn FnMut(RuleId)) {
        for rule in outcome.rules.iter() {
            report(rule);
        }
    }

    fn describe_action(&self, state: &State, action: &Action) -> String {
        match state {
            State::Dotnet(_) => self.dotnet.describe_action(action),
            State::Sql(_) => self.sql.describe_action(action),
        }
    }

    fn describe_state(&self, state: &State) -> String {
        match state {
            State::Dotnet(s) => self.dotnet.describe_state(s),
            State::Sql(s) => self.sql.describe_state(s),
        }
    }
}

/// The properties: INV-11..16 and INV-18, each an invariant over every transition.
#[must_use]
pub fn properties() -> Vec<Property<Managed>> {
    crate::invariants::managed::dotnet_and_sql()
}
