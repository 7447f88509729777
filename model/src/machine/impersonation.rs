//! The kernel's impersonation decision (SeTokenCanImpersonate, IMP-3..IMP-11) and the
//! assignment every impersonation API ends in (PsImpersonateClient, IMP-1, IMP-2).
//!
//! One function decides, and every branch names its rule. Windows-version differences
//! and the documents' open questions are settings read here, not forks elsewhere.

use crate::core::decision::Trail;
use crate::core::level::{ImpersonationLevel, TokenType};
use crate::machine::ids::{Luid, ThreadId, TokenId};
use crate::machine::privilege::Privilege;
use crate::machine::settings::WindowsVersion;
use crate::machine::token::{Token, TokenSource};
use crate::machine::token_copy;
use crate::machine::world::{Impersonation, World};
use crate::rules::RuleId;

/// What the kernel check concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The thread may impersonate at the requested level.
    Allow,
    /// The thread gets an Identification-level copy instead (IMP-2).
    Downgrade,
}

/// Decides whether a thread of the process whose primary token is `process` may
/// impersonate `token` at `level` (SeTokenCanImpersonate).
#[must_use]
pub fn can_impersonate(
    world: &World,
    process: &Token,
    token: &Token,
    level: ImpersonationLevel,
    trail: &mut Trail,
) -> Verdict {
    if world.settings.readings.alternative(RuleId::OQL_7) {
        return reactos_can_impersonate(world, process, token, level, trail);
    }
    let windows = world.settings.windows;
    let names = |t: &Token| world.name_of(t.user);

    // IMP-3: low levels are always allowed.
    if level < ImpersonationLevel::Impersonation {
        trail.note(RuleId::IMP_3, || {
            format!("the requested level {level} is below Impersonation, so the check allows it as it is")
        });
        if level == ImpersonationLevel::Anonymous {
            trail.note(RuleId::OQL_17, || {
                "an Anonymous-level token is never downgraded, so the level of a downgrade copy of one, which no page gives, does not arise".to_owned()
            });
        }
        return Verdict::Allow;
    }
    // IMP-3 / OQL-8: the anonymous logon session.
    if token.auth_id == Luid::ANONYMOUS {
        if world.settings.readings.alternative(RuleId::OQL_8) {
            trail.note(RuleId::OQL_8, || {
                "the token belongs to the anonymous logon session; under the selected reading (system-sourced) it is allowed only if the system made it".to_owned()
            });
            if token.source == TokenSource::System {
                trail.note(RuleId::IMP_3, || {
                    "the anonymous token is system-sourced, so it is allowed".to_owned()
                });
                return Verdict::Allow;
            }
        } else {
            trail.note(RuleId::IMP_3, || {
                "the token belongs to the anonymous logon session (0x3e6), which is always allowed".to_owned()
            });
            return Verdict::Allow;
        }
    }
    trail.note(RuleId::IMP_11, || {
        "the kernel runs its checks in order (privilege, integrity, origin, user, elevation, sandbox, session) and stops at the first that decides".to_owned()
    });
    // Before XP SP2 there was no check beyond this point (IMP-4 versions).
    if windows < WindowsVersion::XpSp2 {
        trail.note(RuleId::IMP_4, || {
            format!("{windows} predates SeImpersonatePrivilege: no further check, the impersonation is allowed")
        });
        return Verdict::Allow;
    }
    // IMP-4: SeImpersonatePrivilege on the process primary token (OQL-15: enabled or held).
    let held = process.privileges.has(Privilege::Impersonate);
    let enabled = process.privileges.is_enabled(Privilege::Impersonate);
    let counts = if world.settings.readings.alternative(RuleId::OQL_15) {
        held
    } else {
        enabled
    };
    if counts {
        trail.note(RuleId::IMP_4, || {
            format!(
                "the process token of {} holds SeImpersonatePrivilege{}, which allows any impersonation and skips the remaining checks",
                names(process),
                if enabled { " enabled" } else { " (held, not enabled)" }
            )
        });
        if held && !enabled {
            trail.note(RuleId::OQL_15, || {
                "the privilege is held but disabled; the selected reading (held) counts it"
                    .to_owned()
            });
        }
        return Verdict::Allow;
    }
    trail.note(RuleId::IMP_4, || {
        if held {
            format!(
                "the process token of {} holds SeImpersonatePrivilege but it is disabled, so it does not count",
                names(process)
            )
        } else {
            format!(
                "the process token of {} does not hold SeImpersonatePrivilege, so the remaining checks apply",
                names(process)
            )
        }
    });
    if held {
        trail.note(RuleId::OQL_15, || {
            "the documents differ on whether a held but disabled privilege counts; the selected reading (enabled) says it does not".to_owned()
        });
    }
    let il_and_session_apply = if world.settings.readings.alternative(RuleId::OQL_9) {
        windows >= WindowsVersion::Win10
    } else {
        windows >= WindowsVersion::Vista
    };
    // IMP-5: integrity level.
    if il_and_session_apply {
        if token.integrity > process.integrity {
            trail.note(RuleId::IMP_5, || {
                format!(
                    "the token's integrity ({}) is above the process's ({}), so the impersonation is downgraded",
                    token.integrity, process.integrity
                )
            });
            return Verdict::Downgrade;
        }
        trail.note(RuleId::IMP_5, || {
            format!(
                "the token's integrity ({}) is not above the process's ({})",
                token.integrity, process.integrity
            )
        });
    } else {
        trail.note(RuleId::OQL_9, || {
            format!("under the selected reading the integrity and session-0 checks do not apply on {windows}")
        });
    }
    // IMP-6: a token made in the caller's logon session.
    if token.origin == process.auth_id {
        trail.note(RuleId::IMP_6, || {
            format!(
                "the token's origin ({}) is the process's own logon session: it was made there with explicit credentials, so it is allowed",
                token.origin
            )
        });
        return Verdict::Allow;
    }
    trail.note(RuleId::IMP_6, || {
        format!(
            "the token's origin ({}) is not the process's logon session ({})",
            token.origin, process.auth_id
        )
    });
    // IMP-7: the same user.
    if token.user != process.user {
        trail.note(RuleId::IMP_7, || {
            format!(
                "the token's user ({}) is not the process's user ({}), so the impersonation is downgraded",
                names(token),
                names(process)
            )
        });
        return Verdict::Downgrade;
    }
    trail.note(RuleId::IMP_7, || {
        format!(
            "the token's user is the process's user ({})",
            names(process)
        )
    });
    // IMP-8: elevation (Windows 10+).
    if windows >= WindowsVersion::Win10 {
        let token_elevated = token_copy::is_elevated(world, token, trail);
        let process_elevated = token_copy::is_elevated(world, process, trail);
        if token_elevated && !process_elevated {
            trail.note(RuleId::IMP_8, || {
                "the token is elevated and the process is not, so the impersonation is downgraded".to_owned()
            });
            return Verdict::Downgrade;
        }
        trail.note(RuleId::IMP_8, || {
            if token_elevated {
                "the token is elevated and so is the process".to_owned()
            } else {
                "the token is not elevated".to_owned()
            }
        });
    } else {
        trail.note(RuleId::IMP_8, || {
            format!("{windows} has no elevation check (it arrived with Windows 10)")
        });
    }
    // IMP-9: sandboxes.
    if let Some(reason) = sandbox_mismatch(process, token) {
        trail.note(RuleId::IMP_9, || {
            format!("{reason}, so the impersonation is downgraded")
        });
        return Verdict::Downgrade;
    }
    if process.is_restricted() || process.app_container.is_some() {
        trail.note(RuleId::IMP_9, || {
            "the process is sandboxed and the token is sandboxed alike".to_owned()
        });
    }
    // IMP-10: session 0.
    if il_and_session_apply && token.session_id == 0 && process.session_id != 0 {
        trail.note(RuleId::IMP_10, || {
            format!(
                "the token is in session 0 and the process in session {}, so the impersonation is downgraded",
                process.session_id
            )
        });
        return Verdict::Downgrade;
    }
    trail.note(RuleId::IMP_11, || {
        "every check passed, so the impersonation is allowed".to_owned()
    });
    Verdict::Allow
}

fn sandbox_mismatch(process: &Token, token: &Token) -> Option<String> {
    if let Some(package) = process.app_container
        && token.app_container != Some(package)
    {
        return Some(
            "the process is an AppContainer and the token is not of its package".to_owned(),
        );
    }
    if process.is_restricted() && !process.write_restricted && !token.is_restricted() {
        return Some("the process is restricted and the token is not".to_owned());
    }
    if process.write_restricted && !token.write_restricted {
        return Some("the process is write-restricted and the token is not".to_owned());
    }
    None
}

/// The ReactOS reading (OQL-7, IMP-17): level, anonymous source, user, restriction parity.
fn reactos_can_impersonate(
    world: &World,
    process: &Token,
    token: &Token,
    level: ImpersonationLevel,
    trail: &mut Trail,
) -> Verdict {
    trail.note(RuleId::OQL_7, || {
        "the selected reading follows ReactOS's SeTokenCanImpersonate, not Windows's eight steps".to_owned()
    });
    if level < ImpersonationLevel::Impersonation {
        trail.note(RuleId::IMP_17, || {
            format!("ReactOS refuses levels below Impersonation ({level}) as a failed check")
        });
        return Verdict::Downgrade;
    }
    if token.auth_id == Luid::ANONYMOUS && token.source != TokenSource::System {
        trail.note(RuleId::IMP_17, || {
            "ReactOS refuses an anonymous token that the system did not make".to_owned()
        });
        return Verdict::Downgrade;
    }
    if token.user != process.user {
        trail.note(RuleId::IMP_17, || {
            format!(
                "ReactOS refuses a different user ({} is not {})",
                world.name_of(token.user),
                world.name_of(process.user)
            )
        });
        return Verdict::Downgrade;
    }
    if token.is_restricted() != process.is_restricted() {
        trail.note(RuleId::IMP_17, || {
            "ReactOS refuses when exactly one of the process and the token is restricted".to_owned()
        });
        return Verdict::Downgrade;
    }
    trail.note(RuleId::IMP_17, || {
        "ReactOS's four conditions hold, so the impersonation is allowed".to_owned()
    });
    Verdict::Allow
}

/// How a token reaches `PsImpersonateClient`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssignRequest {
    /// The thread that will impersonate.
    pub thread: ThreadId,
    /// The token to impersonate.
    pub token: TokenId,
    /// The level asked for.
    pub level: ImpersonationLevel,
    /// Whether the impersonation is effective-only.
    pub effective_only: bool,
    /// Whether OpenThreadToken should hand out copies (THR-9).
    pub copy_on_open: bool,
}

/// The outcome of an assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assigned {
    /// The token the thread now impersonates (a copy when downgraded).
    pub token: TokenId,
    /// The level it impersonates at.
    pub level: ImpersonationLevel,
    /// Whether the check downgraded it.
    pub downgraded: bool,
}

/// PsImpersonateClient: runs the kernel check against the primary token of the thread's
/// own process (THR-6) and assigns the token, or an Identification-level copy (IMP-2).
pub fn assign(world: &mut World, request: AssignRequest, trail: &mut Trail) -> Assigned {
    let thread_name = world.thread(request.thread).name.clone();
    let process_token = world.process_token_of(request.thread);
    trail.note(RuleId::IMP_1, || {
        format!(
            "the impersonation of thread `{thread_name}` goes through the kernel's check against the primary token of its own process"
        )
    });
    let verdict = {
        let process = world.token(process_token);
        let token = world.token(request.token);
        can_impersonate(world, process, token, request.level, trail)
    };
    let (token, level, downgraded) = match verdict {
        Verdict::Allow => (request.token, request.level, false),
        Verdict::Downgrade => {
            let copy = token_copy::duplicate(
                world,
                request.token,
                token_copy::DuplicateSpec {
                    token_type: TokenType::Impersonation,
                    level: ImpersonationLevel::Identification,
                    effective_only: request.effective_only,
                },
            );
            trail.note(RuleId::IMP_2, || {
                format!(
                    "the check failed, so thread `{thread_name}` silently gets an Identification-level copy of the token and the call still reports success"
                )
            });
            (copy, ImpersonationLevel::Identification, true)
        }
    };
    world.thread_mut(request.thread).impersonation = Some(Impersonation {
        token,
        level,
        effective_only: request.effective_only,
        copy_on_open: request.copy_on_open,
    });
    trail.note(RuleId::THR_11, || {
        format!("thread `{thread_name}` now impersonates at {level}, replacing any earlier impersonation")
    });
    Assigned {
        token,
        level,
        downgraded,
    }
}
