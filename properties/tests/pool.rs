//! The worker pool on real threads: the correct servers keep POOL-1..3 run after run,
//! the wrong servers that fail on every schedule are caught without loom, the skipped
//! revert is not (it takes loom, `loom_pool.rs`), and the runtime model flows exactly the
//! identities the flow rules give (the independent reading POOL-3 checks against).

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use tokenhop_model::core::decision::Trail;
use tokenhop_model::managed::dotnet::{self, FlowMode, HAND_OFFS};
use tokenhop_model::managed::{
    Action as Call, ContextId, HandleId, ItemId, Misuse, Runtime, ScopeId, Value, step_with,
};
use tokenhop_sim::pool::check::{Acting, POOL_1, flowed_identity};
use tokenhop_sim::pool::connections::PoolKey;
use tokenhop_sim::pool::process::{self, THREAD};
use tokenhop_sim::pool::{Deed, Flow, How, Pool, PoolConfig, Server, ServerVariant};

const A: u16 = 1;

#[test]
fn pool_the_correct_servers_hold_on_real_threads() {
    for flow in Flow::ALL {
        let server = Server::new(ServerVariant::Correct, flow);
        for _ in 0..50 {
            let served = server.serve(3, &[1, 2, 3, 4, 1, 2, 3, 4]);
            if let Err(v) = served.check() {
                panic!("{flow:?}:\n{v}");
            }
            let finished = served
                .events
                .iter()
                .filter(|e| e.deed == Deed::Finish)
                .count();
            let queued = served
                .events
                .iter()
                .filter(|e| matches!(e.deed, Deed::Queue { .. }))
                .count();
            assert_eq!(finished, 8 + queued, "every request and continuation ran");
        }
    }
}

#[test]
fn clr_3_pinvoke_impersonation_under_fast_flow_is_caught_on_any_schedule() {
    let served =
        Server::new(ServerVariant::PInvokeUnderFastFlow, Flow::FrameworkManaged).serve(2, &[1, 2]);
    let v = served.check().unwrap_err();
    assert_eq!(v.property, POOL_1);
    assert!(v.message.ends_with("'s work ran as the service"), "{v}");
}

#[test]
fn mrt_3_a_connection_pool_shared_across_identities_is_caught_on_one_worker() {
    let served =
        Server::new(ServerVariant::SharedConnectionPool, Flow::FrameworkManaged).serve(1, &[1, 2]);
    let v = served.check().unwrap_err();
    assert_eq!(v.property, POOL_1);
    assert_eq!(v.message, "client-B's work ran as client-A");
    assert!(v.schedule.contains("reuse pooled conn#1"), "{v}");
}

#[test]
fn mrt_2_a_skipped_revert_hides_from_a_single_worker() {
    // One worker never meets another in the database, so the error path never runs: the
    // bug needs an interleaving, which is what the loom model finds.
    let served =
        Server::new(ServerVariant::SkipRevertOnError, Flow::FrameworkManaged).serve(1, &[1, 2, 1]);
    assert_eq!(served.check(), Ok(()));
}

#[test]
fn clr_7_legacy_policy_runs_an_impersonating_requests_continuation_as_the_process() {
    // ASP.NET's aspnet.config (legacy policy): the continuation starts as the process,
    // as the rules say (POOL-3 holds), which is not what the server meant (POOL-1).
    let mut pool = Pool::new(PoolConfig {
        mode: FlowMode::NoFlow,
        pool_key: PoolKey::StringAndIdentity,
        deadlocks: false,
    });
    pool.submit(
        A,
        dotnet::HandOff::UnsafeQueueUserWorkItem,
        Box::new(|ctx| {
            let impersonation = ctx.impersonate_client();
            ctx.queue_continuation(
                dotnet::HandOff::QueueUserWorkItem,
                Box::new(|ctx| ctx.access("report")),
            );
            ctx.undo(impersonation);
        }),
    );
    let v = pool.run(2).check().unwrap_err();
    assert_eq!(v.property, POOL_1);
    assert_eq!(v.message, "client-A's work ran as the service");
    assert!(v.schedule.contains("rules give the service"), "{v}");
}

#[test]
fn pool_3_clr_2_to_13_the_runtime_model_flows_what_the_rules_give() {
    let modes = [
        FlowMode::NoContext,
        FlowMode::NoFlow,
        FlowMode::AlwaysFlow,
        FlowMode::FastFlow,
        FlowMode::AsyncLocal,
    ];
    fn step(
        setup: &tokenhop_model::managed::Setup,
        rt: &Runtime,
        call: Call,
    ) -> Result<(Runtime, tokenhop_model::managed::Outcome), Misuse> {
        step_with(setup, rt, &call, Trail::rules_only())
    }
    for mode in modes {
        let setup = process::setup(mode);
        let (started, _) = step(&setup, &Runtime::new(&setup), Call::Start).unwrap();
        assert_eq!(started.mode(), Some(mode), "the setup starts in {mode:?}");
        let handle = HandleId(0);
        let (logged_on, _) = step(
            &setup,
            &started,
            Call::OpenToken {
                thread: THREAD,
                identity: A,
                handle,
            },
        )
        .unwrap();
        for &(_, hand_off) in HAND_OFFS {
            for how in [
                None,
                Some(How::Managed),
                Some(How::PInvoke),
                Some(How::RunImpersonated),
            ] {
                let impersonate = match how {
                    None | Some(How::Flowed) => None,
                    Some(How::Managed) => Some(Call::Impersonate {
                        thread: THREAD,
                        identity: A,
                        context: ContextId(0),
                    }),
                    Some(How::PInvoke) => Some(Call::PinvokeImpersonate {
                        thread: THREAD,
                        identity: A,
                    }),
                    Some(How::RunImpersonated) => Some(Call::RunImpersonated {
                        thread: THREAD,
                        handle,
                        scope: ScopeId(0),
                    }),
                };
                let origin = match impersonate {
                    None => logged_on.clone(),
                    Some(call) => match step(&setup, &logged_on, call) {
                        Ok((origin, _)) => origin,
                        Err(Misuse::Unavailable(_)) => continue, // not in this runtime
                        Err(m) => panic!("{mode:?} {how:?}: {m}"),
                    },
                };
                let (_, captured) = step(
                    &setup,
                    &origin,
                    Call::Capture {
                        thread: THREAD,
                        hand_off,
                    },
                )
                .unwrap();
                let Ok(Value::Captured(context)) = captured.result else {
                    panic!("a capture returns the context");
                };
                // Another thread, clean, runs it: the worker's copy of the runtime.
                let (worker, _) = step(
                    &setup,
                    &logged_on,
                    Call::RunCaptured {
                        thread: THREAD,
                        item: ItemId(0),
                        context,
                    },
                )
                .unwrap();
                let acting = how.map(|how| Acting { how, who: A });
                assert_eq!(
                    worker.thread(THREAD).unwrap().os_token,
                    flowed_identity(mode, hand_off, acting),
                    "{mode:?} {hand_off:?} {how:?}"
                );
            }
        }
    }
}
