//! Capturing a client's identity for a server (SeCreateClientSecurity) and impersonating
//! what was captured (SeImpersonateClientEx): the machinery every IPC transport shares —
//! NtImpersonateThread, named pipes and RPC (IMP-14, IMP-15, IMP-16, TOK-20).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::{ImpersonationLevel, TokenType};
use crate::machine::action::Qos;
use crate::machine::ids::{ThreadId, TokenId};
use crate::machine::impersonation::{AssignRequest, Assigned, assign};
use crate::machine::room::Room;
use crate::machine::table::TableFull;
use crate::machine::token_copy::{DuplicateSpec, duplicate};
use crate::machine::world::World;
use crate::rules::RuleId;

/// A captured client identity, ready for a server to impersonate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientContext {
    /// The token: a copy (static tracking) or the client's live token (dynamic, local).
    pub token: TokenId,
    /// The level the client granted (its QoS level).
    pub level: ImpersonationLevel,
    /// Whether only enabled groups and privileges pass.
    pub effective_only: bool,
}

/// Whose identity is being captured: a thread's effective token as it is now, or as a
/// security package recorded it when credentials were acquired.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientSource {
    /// The thread, for narration.
    pub thread: Arc<str>,
    /// Its effective token.
    pub token: TokenId,
    /// The level it impersonates at, if it impersonates.
    pub impersonating: Option<ImpersonationLevel>,
    /// Whether this is the thread as it was at an earlier call (credentials acquired, an
    /// identity fixed), not as it is now.
    pub earlier: bool,
    /// What is presented instead of the thread's effective token, if something else is
    /// (`the process token`, when a COM call does not cloak).
    pub instead: Option<Arc<str>>,
}

impl ClientSource {
    /// Thread `client` as it is now.
    #[must_use]
    pub fn of(world: &World, client: ThreadId) -> Self {
        ClientSource {
            thread: world.thread(client).name.clone(),
            token: world.effective_token(client),
            impersonating: world.thread(client).impersonation.map(|i| i.level),
            earlier: false,
            instead: None,
        }
    }

    /// The same identity, kept for use at a later call.
    #[must_use]
    pub fn kept(mut self) -> Self {
        self.earlier = true;
        self
    }
}

/// Captures the effective identity of thread `client` with `qos` (SeCreateClientSecurity).
/// Fails with ERROR_BAD_IMPERSONATION_LEVEL when the client impersonates at a level that
/// cannot be passed on (IMP-14).
pub fn capture(
    world: &mut World,
    client: ThreadId,
    qos: Qos,
    trail: &mut Trail,
) -> Result<ClientContext, ErrorCode> {
    let source = ClientSource::of(world, client);
    capture_from(world, &source, qos, trail)
}

/// Whether `source` may pass its identity on at `level` (IMP-14).
pub fn may_pass_on(
    source: &ClientSource,
    level: ImpersonationLevel,
    trail: &mut Trail,
) -> Result<(), ErrorCode> {
    let client_name = &source.thread;
    let (is, when) = if source.earlier {
        ("was", " when its identity was taken")
    } else {
        ("is", "")
    };
    if let Some(imp) = source.impersonating {
        if level > imp {
            trail.note(RuleId::IMP_14, || {
                format!("thread `{client_name}` {is} impersonating at {imp}{when} and cannot pass on {level}: STATUS_BAD_IMPERSONATION_LEVEL")
            });
            return Err(ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL);
        }
        if imp < ImpersonationLevel::Impersonation {
            trail.note(RuleId::IMP_14, || {
                format!("thread `{client_name}` {is} impersonating at {imp}{when}, below Impersonation, so it cannot pass any identity on, whatever level it grants: STATUS_BAD_IMPERSONATION_LEVEL")
            });
            return Err(ErrorCode::ERROR_BAD_IMPERSONATION_LEVEL);
        }
        trail.note(RuleId::IMP_14, || {
            format!("thread `{client_name}` {is} impersonating at {imp}{when}, which allows passing on {level}")
        });
    } else if let Some(instead) = &source.instead {
        trail.note(RuleId::IMP_14, || {
            format!(
                "the call presents {instead}, a primary token, captured without level validation"
            )
        });
    } else {
        trail.note(RuleId::IMP_14, || {
            format!("thread `{client_name}` {is} not impersonating{when}, so its process token is captured without level validation")
        });
    }
    Ok(())
}

/// Captures `source`'s identity with `qos` (SeCreateClientSecurity).
pub fn capture_from(
    world: &mut World,
    source: &ClientSource,
    qos: Qos,
    trail: &mut Trail,
) -> Result<ClientContext, ErrorCode> {
    may_pass_on(source, qos.level, trail)?;
    let effective = source.token;
    let token = if qos.dynamic {
        trail.note(RuleId::IMP_15, || {
            if qos.effective_only {
                "dynamic tracking with a local server references the client's live token rather than a copy; being effective-only, it passes only the enabled groups and privileges (TOK-20)".to_owned()
            } else {
                "dynamic tracking with a local server references the client's live token, not a copy".to_owned()
            }
        });
        effective
    } else {
        trail.note(RuleId::IMP_15, || {
            if source.earlier {
                format!(
                    "the server gets a copy, made now at {}, of the identity fixed earlier",
                    qos.level
                )
            } else {
                format!(
                    "static tracking copies the client's token now, at {}",
                    qos.level
                )
            }
        });
        let copy = duplicate(
            world,
            effective,
            DuplicateSpec {
                token_type: TokenType::Impersonation,
                level: qos.level,
                effective_only: qos.effective_only,
            },
        )
        .or_full(trail)?;
        if qos.effective_only {
            trail.note(RuleId::TOK_20, || {
                "the capture is effective-only, so the client's disabled groups and privileges are dropped".to_owned()
            });
        }
        copy
    };
    Ok(ClientContext {
        token,
        level: qos.level,
        effective_only: qos.effective_only,
    })
}

/// Impersonates a captured client on `server` (SeImpersonateClientEx): the QoS level,
/// installed copy-on-open, through the kernel check (IMP-16, IMP-1).
///
/// # Errors
///
/// [`TableFull`] when the check's downgrade copy finds no room (RES-1).
pub fn impersonate(
    world: &mut World,
    server: ThreadId,
    context: ClientContext,
    trail: &mut Trail,
) -> Result<Assigned, TableFull> {
    trail.note(RuleId::IMP_16, || {
        format!(
            "the server is granted the client's QoS level ({}), subject to the kernel check",
            context.level
        )
    });
    assign(
        world,
        AssignRequest {
            thread: server,
            token: context.token,
            level: context.level,
            effective_only: context.effective_only,
            copy_on_open: true,
        },
        trail,
    )
}
