//! The transition function: `step(world, action) -> (world', outcome)`.
//!
//! A call either succeeds, giving the changed world, or fails with its status and leaves
//! the world as it was, as the Win32 calls the model covers do.

use crate::core::decision::Trail;
use crate::machine::action::Action;
use crate::machine::calls;
use crate::machine::outcome::Outcome;
use crate::machine::world::World;

/// Runs `action` on `world`, recording each decision with its detail.
#[must_use]
pub fn step(world: &World, action: &Action) -> (World, Outcome) {
    step_with(world, action, Trail::detailed())
}

/// Runs `action` on `world` with the given trail (use [`Trail::rules_only`] where the
/// prose is not read).
#[must_use]
pub fn step_with(world: &World, action: &Action, trail: Trail) -> (World, Outcome) {
    let (next, outcome) = try_step(world, action, trail);
    (next.unwrap_or_else(|| world.clone()), outcome)
}

/// Runs `action` on a copy of `world`, as [`step_with`] does, but gives the changed world
/// only when the call succeeds: `None` means it failed and `world` is the next world, so a
/// caller that already holds it (the explorer) is spared a second copy.
#[must_use]
pub fn try_step(world: &World, action: &Action, mut trail: Trail) -> (Option<World>, Outcome) {
    let mut next = world.clone();
    let result = calls::apply(&mut next, action, &mut trail);
    let next = result.is_ok().then_some(next);
    (
        next,
        Outcome {
            result,
            decisions: trail.into_decisions(),
        },
    )
}
