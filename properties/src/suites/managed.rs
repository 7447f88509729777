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
//! Each transition is one call of `tokenhop_model::managed`; each invariant is a plain
//! function over one transition, stated from the domain text and computed from the
//! configuration and the suite's own record of the program (see the halves' module
//! comments), not by calling the model's decision again. INV-17 is checked by `atk-9`.

pub mod dotnet;
pub mod next;
pub mod sql;

use tokenhop_check::{self as explore, Model, Property};
use tokenhop_model::core::decision::RuleSet;
use tokenhop_model::managed::Ident;
use tokenhop_model::managed::exception::Exception;
use tokenhop_model::managed::sql::LoginId;
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

/// What a call returned that the invariants read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observed {
    /// Nothing beyond success.
    Nothing,
    /// SqlContext.WindowsIdentity (`None`: null).
    WindowsIdentity(Option<Ident>),
    /// Whom the routine's thread now impersonates (the SqlContext.WindowsIdentity it was
    /// given; a null one makes Impersonate throw).
    Impersonated(Option<Ident>),
    /// The login a query on the context connection was authorized as.
    Principal(LoginId),
    /// Whom an external resource saw (`None`: ANONYMOUS LOGON).
    Seen(Option<Ident>),
}

/// What a transition reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The rules the call applied.
    pub rules: RuleSet,
    /// What it returned, or the exception it threw.
    pub result: Result<Observed, Exception>,
}

/// A state: of a .NET process, or of a SQL Server session.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// A .NET process.
    Dotnet(dotnet::State),
    /// A SQL Server session.
    Sql(sql::State),
}

/// An action of either half.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A .NET call.
    Dotnet(dotnet::Action),
    /// A T-SQL statement or a call of CLR code.
    Sql(sql::Action),
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
            State::Dotnet(s) => {
                let mut half = Vec::new();
                self.dotnet.actions(s, &mut half);
                out.extend(half.into_iter().map(Action::Dotnet));
            }
            State::Sql(s) => {
                let mut half = Vec::new();
                self.sql.actions(s, &mut half);
                out.extend(half.into_iter().map(Action::Sql));
            }
        }
    }

    fn next(&self, state: &State, action: &Action) -> Option<(State, Outcome)> {
        let (after, (rules, result)) = match (state, action) {
            (State::Dotnet(s), Action::Dotnet(a)) => {
                let (next, effect) = self.dotnet.next(s, a)?;
                (State::Dotnet(next), effect)
            }
            (State::Sql(s), Action::Sql(a)) => {
                let (next, effect) = self.sql.next(s, a)?;
                (State::Sql(next), effect)
            }
            _ => return None,
        };
        Some((after, Outcome { rules, result }))
    }

    fn fingerprint(&self, state: &State) -> u64 {
        // The two .NET threads are interchangeable: a program and its copy with the
        // threads swapped are one state.
        if let State::Dotnet(dotnet::State::Running(p)) = state {
            let [a, b] = &p.workers;
            let (fa, fb) = (explore::fingerprint::of(a), explore::fingerprint::of(b));
            let (lo, hi) = if fa <= fb { (fa, fb) } else { (fb, fa) };
            let handles: Vec<(Ident, bool)> = p
                .handles
                .entries()
                .map(|(_, who, disposed)| (who, disposed))
                .collect();
            return explore::fingerprint::of(&(p.profile, lo, hi, &p.items, handles));
        }
        explore::fingerprint::of(state)
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

    fn describe_action(&self, _: &State, action: &Action) -> String {
        match action {
            Action::Dotnet(a) => self.dotnet.describe_action(a),
            Action::Sql(a) => self.sql.describe_action(a),
        }
    }

    fn describe_state(&self, state: &State) -> String {
        match state {
            State::Dotnet(s) => self.dotnet.describe_state(s),
            State::Sql(s) => self.sql.describe_state(s),
        }
    }
}

/// A .NET transition's parts, when the transition is one.
fn dotnet_parts<'a>(
    before: &'a State,
    action: &'a Action,
    after: &'a State,
) -> Option<(&'a dotnet::State, &'a dotnet::Action, &'a dotnet::State)> {
    match (before, action, after) {
        (State::Dotnet(b), Action::Dotnet(a), State::Dotnet(f)) => Some((b, a, f)),
        _ => None,
    }
}

/// A SQL Server transition's parts, when the transition is one.
fn sql_parts<'a>(
    before: &'a State,
    action: &'a Action,
) -> Option<(&'a sql::State, &'a sql::Action)> {
    match (before, action) {
        (State::Sql(b), Action::Sql(a)) => Some((b, a)),
        _ => None,
    }
}

/// The properties: INV-11..16 and INV-18, each an invariant over every transition.
#[must_use]
pub fn properties() -> Vec<Property<Managed>> {
    vec![
        Property::<Managed>::always(
            "INV-11",
            "In no-flow mode (legacy impersonation) every work item, whatever its hand-off and whatever suppression was in force, starts with exactly the token its thread held before it, and the runtime leaves the thread's token as it is when the item returns.",
            &[RuleId::CLR_5, RuleId::CLR_6, RuleId::CLR_7, RuleId::MRT_2],
            |_, b, a, f, o| {
                dotnet_parts(b, a, f).map_or(Ok(()), |(b, a, f)| dotnet::inv_11(b, a, f, &o.result))
            },
        ),
        Property::<Managed>::always(
            "INV-12",
            "In fast-flow mode (the default) a work item queued by a safe hand-off with no flow suppression in force runs as the identity managed impersonation recorded on the queuing thread at capture, or as the process when there was none (reverting an impersonating thread), never as a token set by P/Invoke; and when running it switched the thread's token, the thread holds its previous token again after it returns.",
            &[
                RuleId::CLR_2,
                RuleId::CLR_3,
                RuleId::CLR_8,
                RuleId::CLR_9,
                RuleId::CLR_10,
                RuleId::CLR_11,
            ],
            |_, b, a, f, o| {
                dotnet_parts(b, a, f).map_or(Ok(()), |(b, a, f)| dotnet::inv_12(b, a, f, &o.result))
            },
        ),
        Property::<Managed>::always(
            "INV-13",
            "In always-flow mode a work item queued by a safe hand-off with no flow suppression in force runs as the OS token the queuing thread held at capture, however it was set (managed or P/Invoke), or as the process when it held none; and when running it switched the thread's token, the thread holds its previous token again after it returns.",
            &[
                RuleId::CLR_2,
                RuleId::CLR_4,
                RuleId::CLR_8,
                RuleId::CLR_9,
                RuleId::CLR_10,
                RuleId::CLR_11,
            ],
            |_, b, a, f, o| {
                dotnet_parts(b, a, f).map_or(Ok(()), |(b, a, f)| dotnet::inv_13(b, a, f, &o.result))
            },
        ),
        Property::<Managed>::always(
            "INV-14",
            "A .NET Framework 2.0-4.8 process in which legacy impersonation is enabled (by the element, aspnet.config or STARTUP_LEGACY_IMPERSONATION) and always-flow is enabled too (by the element or STARTUP_ALWAYSFLOW_IMPERSONATION) starts in no-flow mode: legacy wins (for the two hosting flags together, under OQD-7's default reading).",
            &[
                RuleId::CLR_4,
                RuleId::CLR_5,
                RuleId::CLR_6,
                RuleId::CLR_7,
                RuleId::OQD_7,
            ],
            |m, b, a, f, _| {
                dotnet_parts(b, a, f).map_or(Ok(()), |(b, a, f)| dotnet::inv_14(&m.dotnet, b, a, f))
            },
        ),
        Property::<Managed>::always(
            "INV-15",
            "On .NET Core a continuation queued inside RunImpersonated(t, f), or inside one of its continuations, that runs with the flowing execution context runs impersonating t on whichever thread runs it (or throws ObjectDisposedException when t's handle was disposed first), and when f returns the thread holds its previous token again; for code that impersonates only through RunImpersonated (a P/Invoke token inside f stays on its thread, CLR-13).",
            &[RuleId::CLR_12, RuleId::CLR_13, RuleId::CLR_14],
            |_, b, a, f, o| {
                dotnet_parts(b, a, f).map_or(Ok(()), |(b, a, f)| dotnet::inv_15(b, a, f, &o.result))
            },
        ),
        Property::<Managed>::always(
            "INV-16",
            "A query a CLR routine makes on the context connection succeeds only from the thread that entered managed code, only while that thread does not impersonate, and is authorized as the execution context of the T-SQL statement that entered the routine (EXECUTE AS included), whatever the code impersonated before.",
            &[RuleId::SQL_7, RuleId::SQL_8, RuleId::SQL_9, RuleId::SQL_12],
            |_, b, a, _, o| sql_parts(b, a).map_or(Ok(()), |(b, a)| sql::inv_16(b, a, &o.result)),
        ),
        Property::<Managed>::always(
            "INV-18",
            "In a session whose login uses SQL Server authentication SqlContext.WindowsIdentity is null, even under EXECUTE AS (OQD-9's default reading), so the routine never impersonates the caller and reaches no external resource as anyone but the service account.",
            &[RuleId::SQL_5, RuleId::SQL_6, RuleId::OQD_9],
            |m, b, a, _, o| {
                sql_parts(b, a).map_or(Ok(()), |(b, a)| sql::inv_18(&m.sql, b, a, &o.result))
            },
        ),
    ]
}
