//! Invariants of one Windows machine over single transitions of `tokenhop_model::step`,
//! each stated as a theorem with the rules it rests on.

use tokenhop_check::Violation;
use tokenhop_model::World;
use tokenhop_model::core::level::{ImpersonationLevel, TokenType};
use tokenhop_model::machine::action::{Action, Call};
use tokenhop_model::machine::outcome::{Created, Outcome};
use tokenhop_model::machine::world::HandleTarget;
use tokenhop_model::rules::RuleId;

/// A checked statement about every transition.
#[derive(Clone, Copy)]
pub struct Invariant {
    /// Its id.
    pub id: &'static str,
    /// The statement, as a theorem.
    pub statement: &'static str,
    /// The rules it follows from.
    pub rests_on: &'static [RuleId],
    /// The check: `Err` explains the violation.
    pub check: fn(&World, &Action, &World, &Outcome) -> Result<(), Violation>,
}

/// Every invariant: the local ones (LOC-*) and those of the domain catalogue that are
/// statements about one transition (INV-19).
pub const INVARIANTS: &[Invariant] = &[
    Invariant {
        id: "LOC-1",
        statement: "A call that fails leaves the world exactly as it was.",
        rests_on: &[RuleId::HND_1],
        check: failed_calls_change_nothing,
    },
    Invariant {
        id: "LOC-2",
        statement: "Every outcome, success or failure, names at least one rule, and every failure names the rule that refused it.",
        rests_on: &[RuleId::IMP_1],
        check: outcomes_are_explained,
    },
    Invariant {
        id: "LOC-3",
        statement: "A thread impersonating below Impersonation level never opens an object.",
        rests_on: &[RuleId::TOK_4, RuleId::TOK_5],
        check: low_levels_open_nothing,
    },
    Invariant {
        id: "LOC-4",
        statement: "After RevertToSelf a thread acts with its process's primary token.",
        rests_on: &[RuleId::THR_10, RuleId::THR_1],
        check: revert_restores_the_process_token,
    },
    Invariant {
        id: "LOC-5",
        statement: "Duplicating an impersonation token into an impersonation token never raises its level.",
        rests_on: &[RuleId::TOK_9],
        check: duplicates_do_not_raise_levels,
    },
    Invariant {
        id: "LOC-6",
        statement: "An impersonation call never leaves a thread above the level it asked for, and a process without SeImpersonatePrivilege never impersonates another user's network-logon token above Identification.",
        rests_on: &[RuleId::IMP_2, RuleId::IMP_4, RuleId::IMP_6, RuleId::IMP_7],
        check: impersonation_is_gated,
    },
    Invariant {
        id: "LOC-7",
        statement: "A new thread starts without impersonation (under the default reading).",
        rests_on: &[RuleId::THR_2],
        check: new_threads_do_not_impersonate,
    },
    Invariant {
        id: "INV-19",
        statement: "A queued component's method never runs with its sender's token: while a player serves a queued call, the server thread's effective token belongs to no logon session of the sender's (unless the application itself runs in one), whatever the server calls.",
        rests_on: &[RuleId::COMA_5, RuleId::COM_20, RuleId::QC_5],
        check: queued_calls_carry_no_token,
    },
];

/// INV-19: a played queued call (COMA-5) carries the sender's call context for role checks
/// but no token (COM-20); the method runs as the application (QC-5). The sender's logon
/// sessions are those of the processes running as the sender's user.
fn queued_calls_carry_no_token(
    _: &World,
    _: &Action,
    after: &World,
    _: &Outcome,
) -> Result<(), Violation> {
    for call in after.com.calls.iter().filter(|c| c.queued && c.active) {
        let Some(sender) = &call.caller else {
            continue;
        };
        let sessions: Vec<_> = after
            .processes
            .iter()
            .map(|p| after.token(p.primary))
            .filter(|t| t.user == sender.user)
            .map(|t| t.auth_id)
            .collect();
        let server = call.server;
        let own = after.token(after.process_token_of(server)).auth_id;
        if sessions.contains(&own) {
            continue;
        }
        let effective = after.token(after.effective_token(server));
        if sessions.contains(&effective.auth_id) {
            return Err(Violation::new(format!(
                "thread `{}` serves a queued call from {} and runs with a token of the sender's logon session {}",
                after.thread(server).name,
                after.name_of(sender.user),
                effective.auth_id
            )));
        }
    }
    Ok(())
}

fn failed_calls_change_nothing(
    before: &World,
    _: &Action,
    after: &World,
    outcome: &Outcome,
) -> Result<(), Violation> {
    if outcome.result.is_err() && before != after {
        return Err(Violation::new("a failed call changed the world".to_owned()));
    }
    Ok(())
}

fn outcomes_are_explained(
    _: &World,
    _: &Action,
    _: &World,
    outcome: &Outcome,
) -> Result<(), Violation> {
    if outcome.decisions.is_empty() {
        return Err(Violation::new("the outcome names no rule".to_owned()));
    }
    Ok(())
}

fn low_levels_open_nothing(
    before: &World,
    action: &Action,
    _: &World,
    outcome: &Outcome,
) -> Result<(), Violation> {
    let low = before
        .thread(action.caller)
        .impersonation
        .is_some_and(|i| i.level < ImpersonationLevel::Impersonation);
    if low && matches!(action.call, Call::OpenObject { .. }) && outcome.result.is_ok() {
        return Err(Violation::new(
            "a thread below Impersonation opened an object".to_owned(),
        ));
    }
    Ok(())
}

fn revert_restores_the_process_token(
    _: &World,
    action: &Action,
    after: &World,
    outcome: &Outcome,
) -> Result<(), Violation> {
    if matches!(action.call, Call::RevertToSelf)
        && outcome.result.is_ok()
        && after.effective_token(action.caller) != after.process_token_of(action.caller)
    {
        return Err(Violation::new(
            "the thread still impersonates after RevertToSelf".to_owned(),
        ));
    }
    Ok(())
}

fn duplicates_do_not_raise_levels(
    before: &World,
    action: &Action,
    after: &World,
    outcome: &Outcome,
) -> Result<(), Violation> {
    let (Call::DuplicateTokenEx { token: Some(h), .. }
    | Call::DuplicateToken { token: Some(h), .. }) = action.call
    else {
        return Ok(());
    };
    let Ok(success) = &outcome.result else {
        return Ok(());
    };
    let Some(Created::Handle(new)) = success.created else {
        return Ok(());
    };
    let HandleTarget::Token(source) = before.handle(h).target else {
        return Ok(());
    };
    let HandleTarget::Token(copy) = after.handle(new).target else {
        return Ok(());
    };
    let (s, c) = (after.token(source), after.token(copy));
    if s.token_type == TokenType::Impersonation
        && c.token_type == TokenType::Impersonation
        && c.level > s.level
    {
        return Err(Violation::new(format!(
            "a duplicate raised {} to {}",
            s.level, c.level
        )));
    }
    Ok(())
}

fn impersonation_is_gated(
    before: &World,
    action: &Action,
    after: &World,
    outcome: &Outcome,
) -> Result<(), Violation> {
    if outcome.result.is_err() {
        return Ok(());
    }
    let target = match &action.call {
        Call::ImpersonateSelf { .. } | Call::ImpersonateLoggedOnUser { .. } => action.caller,
        Call::SetThreadToken {
            thread: None,
            token: Some(_),
        } => action.caller,
        _ => return Ok(()),
    };
    let Some(imp) = after.thread(target).impersonation else {
        return Ok(());
    };
    if let Call::ImpersonateSelf { level } = action.call
        && imp.level > level
    {
        return Err(Violation::new(format!(
            "ImpersonateSelf({level}) left the thread at {}",
            imp.level
        )));
    }
    let process = after.token(after.process_token_of(target));
    let token = after.token(imp.token);
    let impersonate = tokenhop_model::machine::privilege::Privilege::Impersonate;
    let privileged = process.privileges.is_enabled(impersonate)
        || (before.settings.readings.alternative(RuleId::OQL_15)
            && process.privileges.has(impersonate));
    let network = token.origin == tokenhop_model::machine::ids::Luid::ZERO
        && token.auth_id != tokenhop_model::machine::ids::Luid::ANONYMOUS
        && token.auth_id != tokenhop_model::machine::ids::Luid::SYSTEM;
    if !privileged
        && network
        && token.user != process.user
        && imp.level > ImpersonationLevel::Identification
        && before.settings.windows >= tokenhop_model::WindowsVersion::XpSp2
    {
        return Err(Violation::new(format!(
            "a process without SeImpersonatePrivilege impersonates another user's network token at {}",
            imp.level
        )));
    }
    Ok(())
}

fn new_threads_do_not_impersonate(
    before: &World,
    action: &Action,
    after: &World,
    outcome: &Outcome,
) -> Result<(), Violation> {
    if before.settings.readings.alternative(RuleId::OQL_19) {
        return Ok(());
    }
    if let (Call::CreateThread { .. }, Ok(success)) = (&action.call, &outcome.result)
        && let Some(Created::Thread(t)) = success.created
        && after.thread(t).impersonation.is_some()
    {
        return Err(Violation::new(
            "a new thread starts impersonating".to_owned(),
        ));
    }
    Ok(())
}

/// Checks every invariant on one transition; returns the violations.
#[must_use]
pub fn violations(
    before: &World,
    action: &Action,
    after: &World,
    outcome: &Outcome,
) -> Vec<String> {
    INVARIANTS
        .iter()
        .filter_map(|inv| {
            (inv.check)(before, action, after, outcome)
                .err()
                .map(|why| format!("{}: {} ({why})", inv.id, inv.statement))
        })
        .collect()
}
