//! The COM+ queued-components suite: the world of
//! fixtures/scripts/com-queued-roles-not-impersonation.yaml after its first five steps (the
//! sender, alice, has recorded a call to the Orders application, which runs as LOCAL
//! SERVICE, and the player thread has joined the MTA), explored over every sequence of the
//! local suite's token and thread calls by the player and the sender, plus the COM calls of
//! a queued call: playing it, CoImpersonateClient, CoRevertToSelf, IsCallerInRole,
//! returning, and the sender recording another call.
//!
//! Its point is INV-19 (a queued method never runs with its sender's token) over everything
//! the server might try, with LOC-1..7 alongside: the same catalogue functions the local
//! suite, the property tests and the fixtures use.

use std::path::Path;

use tokenhop_model::machine::action::{Action, Call};
use tokenhop_model::machine::ids::ProxyId;

use super::SuiteError;
use super::local::Local;

/// Where the starting world comes from.
pub const SCRIPT_PATH: &str = "fixtures/scripts/com-queued-roles-not-impersonation.yaml";
const SCRIPT: &str =
    include_str!("../../../fixtures/scripts/com-queued-roles-not-impersonation.yaml");
/// The steps that set the scene: COM initialized, the queued object created, a call
/// recorded, and the player's thread in the MTA.
const SETUP_STEPS: usize = 5;
/// The role the application defines, which the sender holds.
const ROLE: &str = "Clerks";

/// The suite's model.
pub fn model() -> Result<Local, SuiteError> {
    let mut scenario = tokenhop_sim::load_str(SCRIPT, Path::new(SCRIPT_PATH))
        .map_err(|e| SuiteError::Setup(e.to_string()))?;
    scenario.steps.truncate(SETUP_STEPS);
    let run = tokenhop_sim::run(&scenario);
    if let Some(failed) = run.failed().next() {
        return Err(SuiteError::Setup(format!(
            "{SCRIPT_PATH}: step {} does not go as the script expects: {}",
            failed.step.index,
            failed.failures.join("; ")
        )));
    }
    let world = run.world;
    let thread = |name: &str| {
        world
            .find_thread(name)
            .ok_or_else(|| SuiteError::Setup(format!("{SCRIPT_PATH} has no thread `{name}`")))
    };
    let (player, sender) = (thread("osrv")?, thread("cli")?);
    if world.com.proxies.is_empty() {
        return Err(SuiteError::Setup(format!(
            "{SCRIPT_PATH}: the setup steps made no queued object"
        )));
    }
    let on = |caller, call| Action { caller, call };
    let calls = vec![
        on(player, Call::ComPlayQueued),
        on(player, Call::CoImpersonateClient),
        on(player, Call::CoRevertToSelf),
        on(player, Call::IsCallerInRole { role: ROLE.into() }),
        on(player, Call::ComReturn),
        on(
            sender,
            Call::ComCall {
                proxy: Some(ProxyId(0)),
                server: None,
            },
        ),
    ];
    Ok(Local::from_world(world, Vec::new()).with_calls(calls))
}
