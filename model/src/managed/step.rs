//! The transition function of the managed runtimes:
//! `step(setup, runtime, action) -> (runtime', outcome)`.
//!
//! A call that throws leaves the runtime as it was, except that a work item whose context
//! could not be entered is over. An action the program cannot make is a [`Misuse`] and
//! decides nothing.

use super::action::Action;
use super::dotnet::{self, Host};
use super::exception::Exception;
use super::outcome::{Misuse, Outcome, Shown, Value};
use super::runtime::Runtime;
use super::setup::Setup;
use super::{dotnet_step, sql_step};
use crate::core::decision::Trail;

/// What applying an action gave, before the trail is read.
pub(crate) struct Reply {
    /// The result.
    pub(crate) result: Result<Value, Exception>,
    /// Whom the step shows.
    pub(crate) shown: Option<Shown>,
}

impl Reply {
    /// `result`, showing `shown`.
    pub(crate) fn new(result: Result<Value, Exception>, shown: Option<Shown>) -> Self {
        Reply { result, shown }
    }
}

/// Plays `action` on `runtime`, recording each decision with its detail.
pub fn step(
    setup: &Setup,
    runtime: &Runtime,
    action: &Action,
) -> Result<(Runtime, Outcome), Misuse> {
    step_with(setup, runtime, action, Trail::detailed())
}

/// Plays `action` on `runtime` with the given trail ([`Trail::rules_only`] or
/// [`Trail::rule_set`] where the prose is not read).
pub fn step_with(
    setup: &Setup,
    runtime: &Runtime,
    action: &Action,
    trail: Trail,
) -> Result<(Runtime, Outcome), Misuse> {
    let mut next = runtime.clone();
    let outcome = step_in_place(setup, &mut next, action, trail)?;
    Ok((next, outcome))
}

/// [`step_with`] on `runtime` itself, for a caller that already holds the copy it means
/// to change (the explorer's suites clone their whole state once). On a misuse `runtime`
/// is left as it was.
pub fn step_in_place(
    setup: &Setup,
    runtime: &mut Runtime,
    action: &Action,
    mut trail: Trail,
) -> Result<Outcome, Misuse> {
    let reply = apply(setup, runtime, action, &mut trail)?;
    Ok(Outcome {
        result: reply.result,
        shown: reply.shown,
        rules: trail.rules(),
        decisions: trail.into_decisions(),
    })
}

fn apply(
    setup: &Setup,
    runtime: &mut Runtime,
    action: &Action,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    match action {
        Action::Start => start(setup, runtime, trail),
        Action::Connect { .. }
        | Action::CreateAssembly { .. }
        | Action::ExecuteAs { .. }
        | Action::Revert { .. }
        | Action::AlterDatabase { .. }
        | Action::Enter { .. }
        | Action::WindowsIdentity { .. }
        | Action::SqlImpersonate { .. }
        | Action::SqlUndo { .. }
        | Action::ContextQuery { .. }
        | Action::ExternalAccess { .. }
        | Action::StartThread { .. }
        | Action::Unmanaged { .. } => sql_step::apply(setup, runtime, action, trail),
        _ => dotnet_step::apply(setup, runtime, action, trail),
    }
}

/// The process starts; a .NET runtime reads its flow settings and fixes its flow mode.
fn start(setup: &Setup, runtime: &mut Runtime, trail: &mut Trail) -> Result<Reply, Misuse> {
    if runtime.started {
        return Err(Misuse::AlreadyStarted);
    }
    runtime.started = true;
    if setup.host != Host::SqlServer {
        runtime.mode = Some(dotnet::flow_mode(
            setup.framework,
            setup.host,
            setup.config,
            &setup.readings,
            trail,
        ));
    }
    Ok(Reply::new(Ok(Value::Nothing), None))
}
