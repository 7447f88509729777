//! The invariant `tests/explore.rs` checks with the explorer, checked again by proptest on
//! transitions of the model's chain step (`tokenhop_model::net::chain::step`): random chains
//! drawn from the model's own steps, longer than the explorer needs to go, each shrinking to
//! the shortest chain that breaks the invariant if one does.

use std::error::Error;
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use tokenhop_examples::{PAYROLL, reaches_only_directly};
use tokenhop_model::net::chain::{self, ChainState, Step};
use tokenhop_properties::suites::chains::{Scenario, describe_step};
use tokenhop_properties::suites::delegation::Delegation;
use tokenhop_sim::topology;

/// A chain: one of the model's starts (a user's logon, a service's own process), then up to
/// eight of the steps it tries from there (calls, S4U2self, ticket tampering).
fn chains(starts: Vec<Step>, steps: Vec<Step>) -> impl Strategy<Value = (Step, Vec<Step>)> {
    (
        prop::sample::select(starts),
        prop::collection::vec(prop::sample::select(steps), 1..=8),
    )
}

#[test]
fn pay_1_holds_on_random_chains_of_the_chain_step() -> Result<(), Box<dyn Error>> {
    let payroll = topology::load_file(Path::new(PAYROLL))?;
    let model = Delegation::from_topology(&payroll.dir, payroll.readings)?;
    let (carol, files) = (payroll.account("carol")?, payroll.service("files")?);
    let invariant = reaches_only_directly(carol, files);
    // The directory the model steps against: the topology's, with the workstation the model
    // adds when the topology has none.
    let dir = model
        .initial_dir(0)
        .ok_or("the model has one configuration")?;
    let strategy = chains(
        model.scenario.starts().to_vec(),
        model.scenario.steps().to_vec(),
    );

    // Not vacuous: carol does reach the file server, from her own logon, with the first
    // call to it the model tries.
    let logon = Step::Start {
        machine: payroll.machine("ws01")?,
        user: carol,
    };
    let call_files = model
        .scenario
        .steps()
        .iter()
        .find(|s| matches!(s, Step::Call(r) if r.service == files))
        .ok_or("the model calls the file server")?;
    let (signed_in, _) = chain::step(dir, model.readings(), &ChainState::default(), &logon);
    let (at_files, outcome) = chain::step(dir, model.readings(), &signed_in, call_files);
    assert_eq!(outcome.result, Ok(()));
    let holder = at_files.holder.as_ref().ok_or("the call leaves a holder")?;
    assert_eq!(
        (holder.service, holder.presents),
        (Some(files), Some(carol))
    );
    assert_eq!(invariant(dir, &signed_in, call_files, &at_files), Ok(()));

    let mut runner = TestRunner::new(Config {
        source_file: Some(file!()),
        ..Config::default()
    });
    runner.run(&strategy, |(start, steps)| {
        let path: Vec<&Step> = std::iter::once(&start).chain(&steps).collect();
        let mut before = ChainState::default();
        for (i, step) in path.iter().enumerate() {
            let (after, outcome) = chain::step(dir, model.readings(), &before, step);
            if outcome.result.is_ok() {
                invariant(dir, &before, step, &after).map_err(|violation| {
                    // The failing chain in words, up to the step that broke the invariant.
                    let words: Vec<String> = path
                        .iter()
                        .take(i + 1)
                        .map(|s| describe_step(dir, s))
                        .collect();
                    TestCaseError::fail(format!("{violation}; the chain: {}", words.join("; ")))
                })?;
            }
            before = after;
        }
        Ok(())
    })?;
    Ok(())
}
