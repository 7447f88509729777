//! The properties a pool of impersonating workers must keep, checked over a run's event
//! log and its workers' final states, and the readable schedule a violation prints.
//!
//! The identity a continuation should start under is computed here from the flow rules
//! as documented ([`flowed_identity`]), independently of the runtime model the workers
//! run, so the check compares the model against the rules as well as the server against
//! its intent.

use std::fmt;

use tokenhop_model::managed::Ident;
use tokenhop_model::managed::dotnet::{FlowMode, HandOff, ManagedThread};
use tokenhop_model::rules::RuleId;

use super::event::{Deed, Event, How, who};

/// A property of the pool, with the rules it rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Property {
    /// Its id.
    pub id: &'static str,
    /// The statement.
    pub statement: &'static str,
    /// The rules it follows from, or that a server breaking it has broken.
    pub rests_on: &'static [RuleId],
}

/// Work done for a client runs as that client: every resource access, outbound call and
/// query is made as the identity the server meant it to be made as.
pub const POOL_1: Property = Property {
    id: "POOL-1",
    statement: "Every access, outbound call and query a work item makes runs as the identity the server meant: its client's, never another client's and never the service's where the client's was meant.",
    rests_on: &[RuleId::CLR_3, RuleId::CLR_8, RuleId::MRT_3],
};

/// No worker goes back to the pool impersonating.
pub const POOL_2: Property = Property {
    id: "POOL-2",
    statement: "When a work item finishes, its worker goes back to the pool with no OS token: the next item it runs starts as the process.",
    rests_on: &[RuleId::MRT_1, RuleId::MRT_2],
};

/// A continuation starts as the flow rules say.
pub const POOL_3: Property = Property {
    id: "POOL-3",
    statement: "A continuation starts under exactly the identity the flow rules give it: the managed identity at capture by default, the OS token under always-flow, RunImpersonated's token on .NET Core, nothing under legacy policy or an unsafe hand-off.",
    rests_on: &[
        RuleId::CLR_2,
        RuleId::CLR_3,
        RuleId::CLR_4,
        RuleId::CLR_5,
        RuleId::CLR_12,
        RuleId::CLR_13,
    ],
};

/// Every property of the pool.
pub const PROPERTIES: &[Property] = &[POOL_1, POOL_2, POOL_3];

/// Who a work item's code is acting as, and how it came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Acting {
    /// How.
    pub how: How,
    /// As whom.
    pub who: Ident,
}

/// The identity a continuation queued by `hand_off` starts under, on a worker that went
/// back to the pool clean, when the queuing code was acting as `acting`: the flow rules
/// CLR-2..5, CLR-12 and CLR-13 read directly.
#[must_use]
pub fn flowed_identity(mode: FlowMode, hand_off: HandOff, acting: Option<Acting>) -> Option<Ident> {
    let Acting { how, who } = acting?;
    if hand_off == HandOff::UnsafeQueueUserWorkItem {
        return None; // CLR-2: no context, the worker's own token
    }
    let flows = match mode {
        FlowMode::NoContext | FlowMode::NoFlow => false, // CLR-1, CLR-5
        FlowMode::AlwaysFlow => true,                    // CLR-4: the OS token, however set
        FlowMode::FastFlow => how != How::PInvoke,       // CLR-3: managed impersonation only
        FlowMode::AsyncLocal => matches!(how, How::RunImpersonated | How::Flowed), // CLR-12, CLR-13
    };
    flows.then_some(who)
}

/// A property a run broke, with the run's schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The property broken.
    pub property: Property,
    /// The event that broke it (its `seq`), or 0 when a worker's final state did.
    pub at: usize,
    /// What went wrong, in a sentence.
    pub message: String,
    /// The run's events, one a line, the offending one marked.
    pub schedule: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} violated: {}", self.property.id, self.message)?;
        writeln!(f, "  ({})", self.property.statement)?;
        write!(f, "{}", self.schedule)
    }
}

impl std::error::Error for Violation {}

/// The schedule of `events`, one a line, each line in `marks` (by `seq`) followed by its
/// complaint.
#[must_use]
pub fn schedule(events: &[Event], marks: &[(usize, String)]) -> String {
    let mut out = String::new();
    for event in events {
        out.push_str(&format!("  {event}"));
        for (_, mark) in marks.iter().filter(|(at, _)| *at == event.seq) {
            out.push_str(&format!("   <- {mark}"));
        }
        out.push('\n');
    }
    out
}

/// Every event of a run that breaks a property: its `seq`, the property and what went
/// wrong.
#[must_use]
pub fn breaches(events: &[Event]) -> Vec<(usize, Property, String)> {
    let mut found = Vec::new();
    for event in events {
        let at = event.seq;
        match event.deed {
            Deed::Access { meant, .. }
            | Deed::Outbound { meant, .. }
            | Deed::Query { meant, .. }
                if event.identity != meant =>
            {
                let whose = match meant {
                    Some(client) => format!("{}'s work", who(Some(client))),
                    None => "work meant for the service".into(),
                };
                found.push((
                    at,
                    POOL_1,
                    format!("{whose} ran as {}", who(event.identity)),
                ));
            }
            Deed::Finish if event.identity.is_some() => {
                let message = format!(
                    "worker-{} went back to the pool impersonating {}",
                    event.worker,
                    who(event.identity)
                );
                found.push((at, POOL_2, message));
            }
            Deed::Start { .. } if event.identity.is_some() => {
                let message = format!(
                    "{} started as {}: worker-{} came back to the pool impersonating",
                    event.item,
                    who(event.identity),
                    event.worker
                );
                found.push((at, POOL_2, message));
            }
            Deed::Resume { expected, .. } if event.identity != expected => {
                let message = format!(
                    "the continuation started as {} where the flow rules give {}",
                    who(event.identity),
                    who(expected)
                );
                found.push((at, POOL_3, message));
            }
            _ => {}
        }
    }
    found
}

/// Checks [`POOL_1`], [`POOL_2`] and [`POOL_3`] over a run. The violation is the first
/// event that breaks one (else the first worker that exited impersonating); its schedule
/// marks every breach.
pub fn check(events: &[Event], finals: &[ManagedThread]) -> Result<(), Violation> {
    let mut found = breaches(events);
    for (i, thread) in finals.iter().enumerate() {
        if thread.os_token.is_some() {
            let message = format!(
                "worker-{} exited impersonating {}",
                i + 1,
                who(thread.os_token)
            );
            found.push((0, POOL_2, message));
        }
    }
    let Some((at, property, message)) = found.first().cloned() else {
        return Ok(());
    };
    let marks: Vec<(usize, String)> = found
        .into_iter()
        .map(|(seq, p, m)| (seq, format!("{}: {m}", p.id)))
        .collect();
    Err(Violation {
        property,
        at,
        message,
        schedule: schedule(events, &marks),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pool::event::ItemId;

    fn item(client: Ident, continuation: u16) -> ItemId {
        ItemId {
            client,
            request: 1,
            continuation,
        }
    }

    fn log(rows: &[(usize, ItemId, Deed, Option<Ident>)]) -> Vec<Event> {
        rows.iter()
            .enumerate()
            .map(|(i, &(worker, item, deed, identity))| Event {
                seq: i + 1,
                worker,
                item,
                deed,
                identity,
                rules: Vec::new(),
            })
            .collect()
    }

    const A: Ident = 1;
    const B: Ident = 2;

    #[test]
    fn pool_1_holds_over_a_clean_run() {
        let events = log(&[
            (
                1,
                item(A, 0),
                Deed::Start {
                    hand_off: HandOff::UnsafeQueueUserWorkItem,
                },
                None,
            ),
            (1, item(A, 0), Deed::Impersonate(How::Managed), Some(A)),
            (
                1,
                item(A, 0),
                Deed::Query {
                    conn: 1,
                    meant: Some(A),
                },
                Some(A),
            ),
            (
                2,
                item(A, 1),
                Deed::Resume {
                    hand_off: HandOff::QueueUserWorkItem,
                    expected: Some(A),
                },
                Some(A),
            ),
            (
                2,
                item(A, 1),
                Deed::Outbound {
                    target: "backend",
                    meant: Some(A),
                },
                Some(A),
            ),
            (1, item(A, 0), Deed::Revert(How::Managed), None),
            (1, item(A, 0), Deed::Finish, None),
            (2, item(A, 1), Deed::Finish, None),
        ]);
        assert_eq!(check(&events, &[ManagedThread::default(); 2]), Ok(()));
    }

    #[test]
    fn pool_1_mrt_3_a_query_on_another_clients_connection_is_caught() {
        let events = log(&[
            (1, item(B, 0), Deed::Impersonate(How::Managed), Some(B)),
            (1, item(B, 0), Deed::Reuse { conn: 1 }, Some(A)),
            (
                1,
                item(B, 0),
                Deed::Query {
                    conn: 1,
                    meant: Some(B),
                },
                Some(A),
            ),
        ]);
        let v = check(&events, &[]).unwrap_err();
        assert_eq!(v.property, POOL_1);
        assert_eq!(v.at, 3);
        assert_eq!(v.message, "client-B's work ran as client-A");
        let line = v.schedule.lines().nth(2).unwrap();
        assert!(line.contains("worker-1"), "{line}");
        assert!(line.contains("client-B#1"), "{line}");
        assert!(line.contains("query(db) on conn#1"), "{line}");
        assert!(
            line.ends_with("as client-A   <- POOL-1: client-B's work ran as client-A"),
            "{line}"
        );
    }

    #[test]
    fn pool_1_clr_3_work_meant_for_a_client_run_as_the_service_is_caught() {
        let events = log(&[(
            2,
            item(A, 1),
            Deed::Outbound {
                target: "backend",
                meant: Some(A),
            },
            None,
        )]);
        let v = check(&events, &[]).unwrap_err();
        assert_eq!(v.message, "client-A's work ran as the service");
    }

    #[test]
    fn pool_2_mrt_2_a_worker_back_in_the_pool_impersonating_is_caught() {
        let events = log(&[
            (1, item(A, 0), Deed::Impersonate(How::Managed), Some(A)),
            (
                1,
                item(A, 0),
                Deed::Failed(crate::pool::connections::DEADLOCK_VICTIM),
                Some(A),
            ),
            (1, item(A, 0), Deed::Finish, Some(A)),
        ]);
        let v = check(&events, &[]).unwrap_err();
        assert_eq!(v.property, POOL_2);
        assert_eq!(
            v.message,
            "worker-1 went back to the pool impersonating client-A"
        );
        assert!(
            v.to_string()
                .starts_with("POOL-2 violated: worker-1 went back")
        );
        assert!(v.schedule.contains("failed: Msg 1205"));
    }

    #[test]
    fn pool_2_the_next_request_on_a_leaking_worker_is_marked_too() {
        let second = ItemId {
            client: B,
            request: 1,
            continuation: 0,
        };
        let events = log(&[
            (1, item(A, 0), Deed::Finish, Some(A)),
            (
                1,
                second,
                Deed::Start {
                    hand_off: HandOff::UnsafeQueueUserWorkItem,
                },
                Some(A),
            ),
        ]);
        let v = check(&events, &[]).unwrap_err();
        assert_eq!(v.at, 1);
        let lines: Vec<&str> = v.schedule.lines().collect();
        assert!(
            lines[0].ends_with("<- POOL-2: worker-1 went back to the pool impersonating client-A")
        );
        assert!(lines[1].ends_with(
            "<- POOL-2: client-B#1 started as client-A: worker-1 came back to the pool impersonating"
        ));
    }

    #[test]
    fn pool_2_a_worker_that_exits_impersonating_is_caught() {
        let leaked = ManagedThread {
            os_token: Some(B),
            ..ManagedThread::default()
        };
        let v = check(&[], &[ManagedThread::default(), leaked]).unwrap_err();
        assert_eq!(v.property, POOL_2);
        assert_eq!(v.message, "worker-2 exited impersonating client-B");
    }

    #[test]
    fn pool_3_a_continuation_off_its_flow_rules_is_caught() {
        let events = log(&[(
            2,
            item(A, 1),
            Deed::Resume {
                hand_off: HandOff::UnsafeQueueUserWorkItem,
                expected: None,
            },
            Some(B),
        )]);
        let v = check(&events, &[]).unwrap_err();
        assert_eq!(v.property, POOL_3);
        assert_eq!(
            v.message,
            "the continuation started as client-B where the flow rules give the service"
        );
    }

    #[test]
    fn the_first_violation_in_the_log_is_the_one_reported() {
        let events = log(&[
            (1, item(A, 0), Deed::Finish, Some(A)),
            (
                2,
                item(B, 0),
                Deed::Access {
                    resource: "profile",
                    meant: Some(B),
                },
                Some(A),
            ),
        ]);
        assert_eq!(check(&events, &[]).unwrap_err().property, POOL_2);
    }

    #[test]
    fn clr_3_clr_4_clr_12_flowed_identity_reads_the_rules() {
        let managed = Some(Acting {
            how: How::Managed,
            who: A,
        });
        let pinvoke = Some(Acting {
            how: How::PInvoke,
            who: A,
        });
        let run = Some(Acting {
            how: How::RunImpersonated,
            who: A,
        });
        let q = HandOff::QueueUserWorkItem;
        assert_eq!(flowed_identity(FlowMode::FastFlow, q, managed), Some(A));
        assert_eq!(flowed_identity(FlowMode::FastFlow, q, pinvoke), None);
        assert_eq!(flowed_identity(FlowMode::AlwaysFlow, q, pinvoke), Some(A));
        assert_eq!(flowed_identity(FlowMode::NoFlow, q, managed), None);
        assert_eq!(flowed_identity(FlowMode::NoContext, q, managed), None);
        assert_eq!(
            flowed_identity(FlowMode::AsyncLocal, HandOff::TaskContinuation, run),
            Some(A)
        );
        assert_eq!(
            flowed_identity(FlowMode::AsyncLocal, HandOff::TaskContinuation, pinvoke),
            None
        );
        assert_eq!(
            flowed_identity(
                FlowMode::AlwaysFlow,
                HandOff::UnsafeQueueUserWorkItem,
                managed
            ),
            None
        );
        assert_eq!(flowed_identity(FlowMode::FastFlow, q, None), None);
    }
}
