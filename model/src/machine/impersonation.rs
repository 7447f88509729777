//! The kernel's impersonation decision (SeTokenCanImpersonate, IMP-3..IMP-11) and the
//! assignment every impersonation API ends in (PsImpersonateClient, IMP-1, IMP-2).
//!
//! One function decides, and every branch names its rule. Windows-version differences
//! and the documents' open questions are settings read here, not forks elsewhere.

use std::ops::ControlFlow;
use std::sync::Arc;

use crate::core::decision::Trail;
use crate::core::level::{ImpersonationLevel, TokenType};
use crate::machine::ids::{Luid, ThreadId, TokenId};
use crate::machine::privilege::Privilege;
use crate::machine::settings::WindowsVersion;
use crate::machine::table::TableFull;
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
    let check = Kernel {
        world,
        process,
        token,
    };
    match check.run(level, trail) {
        ControlFlow::Break(verdict) | ControlFlow::Continue(verdict) => verdict,
    }
}

/// SeTokenCanImpersonate's checks of `token` against the process's primary token
/// `process`. Each check either decides ([`ControlFlow::Break`]) or lets the next one run.
struct Kernel<'a> {
    world: &'a World,
    process: &'a Token,
    token: &'a Token,
}

impl Kernel<'_> {
    /// IMP-11: the checks in the kernel's order; the first that decides stops it.
    fn run(&self, level: ImpersonationLevel, trail: &mut Trail) -> ControlFlow<Verdict, Verdict> {
        self.low_level(level, trail)?;
        self.anonymous_session(trail)?;
        trail.note(RuleId::IMP_11, || {
            "the kernel runs its checks in order (privilege, integrity, origin, user, elevation, sandbox, session) and stops at the first that decides".to_owned()
        });
        self.privilege(trail)?;
        let windows = self.world.settings.windows;
        let il_and_session_apply = if self.world.settings.readings.alternative(RuleId::OQL_9) {
            windows >= WindowsVersion::Win10
        } else {
            windows >= WindowsVersion::Vista
        };
        self.integrity(il_and_session_apply, trail)?;
        self.origin(trail)?;
        self.same_user(trail)?;
        self.elevation(trail)?;
        self.sandbox(trail)?;
        self.session_zero(il_and_session_apply, trail)?;
        trail.note(RuleId::IMP_11, || {
            "every check passed, so the impersonation is allowed".to_owned()
        });
        ControlFlow::Continue(Verdict::Allow)
    }

    /// The name of a token's user.
    fn name(&self, t: &Token) -> Arc<str> {
        self.world.name_of(t.user)
    }

    /// IMP-3, OQL-17: levels below Impersonation are always allowed.
    fn low_level(&self, level: ImpersonationLevel, trail: &mut Trail) -> ControlFlow<Verdict> {
        if level >= ImpersonationLevel::Impersonation {
            return ControlFlow::Continue(());
        }
        trail.note(RuleId::IMP_3, || {
            format!("the requested level {level} is below Impersonation, so the check allows it as it is")
        });
        if level == ImpersonationLevel::Anonymous {
            trail.note(RuleId::OQL_17, || {
                "an Anonymous-level token is never downgraded, so the level of a downgrade copy of one, which no page gives, does not arise".to_owned()
            });
        }
        ControlFlow::Break(Verdict::Allow)
    }

    /// IMP-3, OQL-8: a token of the anonymous logon session.
    fn anonymous_session(&self, trail: &mut Trail) -> ControlFlow<Verdict> {
        if self.token.auth_id != Luid::ANONYMOUS {
            return ControlFlow::Continue(());
        }
        if !self.world.settings.readings.alternative(RuleId::OQL_8) {
            trail.note(RuleId::IMP_3, || {
                "the token belongs to the anonymous logon session (0x3e6), which is always allowed".to_owned()
            });
            return ControlFlow::Break(Verdict::Allow);
        }
        trail.note(RuleId::OQL_8, || {
            "the token belongs to the anonymous logon session; under the selected reading (system-sourced) it is allowed only if the system made it".to_owned()
        });
        if self.token.source == TokenSource::System {
            trail.note(RuleId::IMP_3, || {
                "the anonymous token is system-sourced, so it is allowed".to_owned()
            });
            return ControlFlow::Break(Verdict::Allow);
        }
        ControlFlow::Continue(())
    }

    /// IMP-4, OQL-15: SeImpersonatePrivilege on the process's primary token (enabled, or
    /// held, as the selected reading says) allows any impersonation; before XP SP2 there
    /// was no check beyond this point.
    fn privilege(&self, trail: &mut Trail) -> ControlFlow<Verdict> {
        let windows = self.world.settings.windows;
        if windows < WindowsVersion::XpSp2 {
            trail.note(RuleId::IMP_4, || {
                format!("{windows} predates SeImpersonatePrivilege: no further check, the impersonation is allowed")
            });
            return ControlFlow::Break(Verdict::Allow);
        }
        let process = self.process;
        let held = process.privileges.has(Privilege::Impersonate);
        let enabled = process.privileges.is_enabled(Privilege::Impersonate);
        let counts = if self.world.settings.readings.alternative(RuleId::OQL_15) {
            held
        } else {
            enabled
        };
        if counts {
            trail.note(RuleId::IMP_4, || {
                format!(
                    "the process token of {} holds SeImpersonatePrivilege{}, which allows any impersonation and skips the remaining checks",
                    self.name(process),
                    if enabled { " enabled" } else { " (held, not enabled)" }
                )
            });
            if held && !enabled {
                trail.note(RuleId::OQL_15, || {
                    "the privilege is held but disabled; the selected reading (held) counts it"
                        .to_owned()
                });
            }
            return ControlFlow::Break(Verdict::Allow);
        }
        trail.note(RuleId::IMP_4, || {
            if held {
                format!(
                    "the process token of {} holds SeImpersonatePrivilege but it is disabled, so it does not count",
                    self.name(process)
                )
            } else {
                format!(
                    "the process token of {} does not hold SeImpersonatePrivilege, so the remaining checks apply",
                    self.name(process)
                )
            }
        });
        if held {
            trail.note(RuleId::OQL_15, || {
                "the documents differ on whether a held but disabled privilege counts; the selected reading (enabled) says it does not".to_owned()
            });
        }
        ControlFlow::Continue(())
    }

    /// IMP-5, OQL-9: a token of higher integrity than the process is downgraded, where the
    /// integrity check applies.
    fn integrity(&self, applies: bool, trail: &mut Trail) -> ControlFlow<Verdict> {
        let (token, process) = (self.token, self.process);
        if !applies {
            let windows = self.world.settings.windows;
            trail.note(RuleId::OQL_9, || {
                format!("under the selected reading the integrity and session-0 checks do not apply on {windows}")
            });
            return ControlFlow::Continue(());
        }
        if token.integrity > process.integrity {
            trail.note(RuleId::IMP_5, || {
                format!(
                    "the token's integrity ({}) is above the process's ({}), so the impersonation is downgraded",
                    token.integrity, process.integrity
                )
            });
            return ControlFlow::Break(Verdict::Downgrade);
        }
        trail.note(RuleId::IMP_5, || {
            format!(
                "the token's integrity ({}) is not above the process's ({})",
                token.integrity, process.integrity
            )
        });
        ControlFlow::Continue(())
    }

    /// IMP-6: a token made in the process's own logon session is allowed.
    fn origin(&self, trail: &mut Trail) -> ControlFlow<Verdict> {
        let (token, process) = (self.token, self.process);
        if token.origin == process.auth_id {
            trail.note(RuleId::IMP_6, || {
                format!(
                    "the token's origin ({}) is the process's own logon session: it was made there with explicit credentials, so it is allowed",
                    token.origin
                )
            });
            return ControlFlow::Break(Verdict::Allow);
        }
        trail.note(RuleId::IMP_6, || {
            format!(
                "the token's origin ({}) is not the process's logon session ({})",
                token.origin, process.auth_id
            )
        });
        ControlFlow::Continue(())
    }

    /// IMP-7: a token of another user than the process's is downgraded.
    fn same_user(&self, trail: &mut Trail) -> ControlFlow<Verdict> {
        let (token, process) = (self.token, self.process);
        if token.user != process.user {
            trail.note(RuleId::IMP_7, || {
                format!(
                    "the token's user ({}) is not the process's user ({}), so the impersonation is downgraded",
                    self.name(token),
                    self.name(process)
                )
            });
            return ControlFlow::Break(Verdict::Downgrade);
        }
        trail.note(RuleId::IMP_7, || {
            format!(
                "the token's user is the process's user ({})",
                self.name(process)
            )
        });
        ControlFlow::Continue(())
    }

    /// IMP-8: from Windows 10, an elevated token is downgraded for a process that is not.
    fn elevation(&self, trail: &mut Trail) -> ControlFlow<Verdict> {
        let windows = self.world.settings.windows;
        if windows < WindowsVersion::Win10 {
            trail.note(RuleId::IMP_8, || {
                format!("{windows} has no elevation check (it arrived with Windows 10)")
            });
            return ControlFlow::Continue(());
        }
        let token_elevated = token_copy::is_elevated(self.world, self.token, trail);
        let process_elevated = token_copy::is_elevated(self.world, self.process, trail);
        if token_elevated && !process_elevated {
            trail.note(RuleId::IMP_8, || {
                "the token is elevated and the process is not, so the impersonation is downgraded"
                    .to_owned()
            });
            return ControlFlow::Break(Verdict::Downgrade);
        }
        trail.note(RuleId::IMP_8, || {
            if token_elevated {
                "the token is elevated and so is the process".to_owned()
            } else {
                "the token is not elevated".to_owned()
            }
        });
        ControlFlow::Continue(())
    }

    /// IMP-9: a sandboxed process may impersonate only a token sandboxed alike.
    fn sandbox(&self, trail: &mut Trail) -> ControlFlow<Verdict> {
        let process = self.process;
        if let Some(reason) = sandbox_mismatch(process, self.token) {
            trail.note(RuleId::IMP_9, || {
                format!("{reason}, so the impersonation is downgraded")
            });
            return ControlFlow::Break(Verdict::Downgrade);
        }
        if process.is_restricted() || process.app_container.is_some() {
            trail.note(RuleId::IMP_9, || {
                "the process is sandboxed and the token is sandboxed alike".to_owned()
            });
        }
        ControlFlow::Continue(())
    }

    /// IMP-10: a session-0 token is downgraded for a process in another session, where the
    /// session check applies.
    fn session_zero(&self, applies: bool, trail: &mut Trail) -> ControlFlow<Verdict> {
        let process = self.process;
        if applies && self.token.session_id == 0 && process.session_id != 0 {
            trail.note(RuleId::IMP_10, || {
                format!(
                    "the token is in session 0 and the process in session {}, so the impersonation is downgraded",
                    process.session_id
                )
            });
            return ControlFlow::Break(Verdict::Downgrade);
        }
        ControlFlow::Continue(())
    }
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
///
/// # Errors
///
/// [`TableFull`] when the token table has no room for the copy (RES-1).
pub fn assign(
    world: &mut World,
    request: AssignRequest,
    trail: &mut Trail,
) -> Result<Assigned, TableFull> {
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
            )?;
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
    Ok(Assigned {
        token,
        level,
        downgraded,
    })
}
