//! The worker pool's schedules on one worker, where they are deterministic: every server
//! variant on every flow, and a server of every flow mode, impersonation and continuation
//! hand-off the runtime has, each serving requests of two clients. The snapshot records
//! every event, the identity it ran under and the rules that decided it, each worker's
//! final token and the connection pool's counters: what the pool does and why, pinned.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test reports failure by panicking"
)]

use std::fmt::Write as _;

use tokenhop_model::managed::dotnet::{FlowMode, HAND_OFFS};
use tokenhop_sim::pool::{Flow, How, Served, Server, ServerVariant};

fn report(out: &mut String, title: &str, served: &Served) {
    let _ = writeln!(out, "== {title}");
    for event in &served.events {
        let _ = writeln!(out, "{event}");
    }
    let finals: Vec<String> = served
        .finals
        .iter()
        .map(|t| format!("{:?}", t.os_token))
        .collect();
    let _ = writeln!(
        out,
        "finals {}; connections {:?}; {}",
        finals.join(", "),
        served.connections,
        match served.check() {
            Ok(()) => "POOL-1..3 hold".to_owned(),
            Err(v) => format!("{} violated: {}", v.property.id, v.message),
        }
    );
}

#[test]
fn pool_schedules_on_one_worker() {
    let mut out = String::new();
    for flow in Flow::ALL {
        for variant in ServerVariant::ALL {
            let served = Server::new(variant, flow).serve(1, &[1, 2, 1]);
            report(
                &mut out,
                &format!("{} on {flow:?}", variant.name()),
                &served,
            );
        }
    }
    for mode in [
        FlowMode::NoContext,
        FlowMode::NoFlow,
        FlowMode::AlwaysFlow,
        FlowMode::FastFlow,
        FlowMode::AsyncLocal,
    ] {
        for how in [How::Managed, How::PInvoke, How::RunImpersonated] {
            // The runtimes without the API: .NET Core has no WindowsIdentity.Impersonate,
            // .NET Framework 1.x no RunImpersonated.
            if matches!(
                (mode, how),
                (FlowMode::AsyncLocal, How::Managed) | (FlowMode::NoContext, How::RunImpersonated)
            ) {
                continue;
            }
            for &(_, hand_off) in HAND_OFFS {
                let server = Server {
                    mode,
                    impersonation: how,
                    continuation: Some(hand_off),
                    ..Server::new(ServerVariant::Correct, Flow::FrameworkManaged)
                };
                let served = server.serve(1, &[1, 2]);
                report(
                    &mut out,
                    &format!("{mode:?}, {how:?}, {}", hand_off.name()),
                    &served,
                );
            }
        }
    }
    insta::assert_snapshot!(out);
}
