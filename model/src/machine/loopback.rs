//! What a server gets when a client on the same machine authenticates to it through a
//! security provider (NTLM over RPC, SSPI): a copy of the client's own token (the
//! loopback path) or a fresh network logon of the client's user, as OQM-10 selects.

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::core::level::{ImpersonationLevel, TokenType};
use crate::machine::action::Qos;
use crate::machine::capture::{self, ClientContext, ClientSource};
use crate::machine::ids::{Luid, PrincipalId};
use crate::machine::logon::{LogonRequest, logon};
use crate::machine::logon_session::LogonType;
use crate::machine::principal::wk;
use crate::machine::room::Room;
use crate::machine::table::TableFull;
use crate::machine::token::{Group, GroupAttrs, TokenSource};
use crate::machine::token_copy::{DuplicateSpec, duplicate};
use crate::machine::world::World;
use crate::rules::RuleId;

/// Authenticates `client` to a server on the same machine through NTLM, granting `level`.
/// The client's effective token is what the provider's credentials stand for; a client
/// impersonating below Impersonation cannot pass it on (IMP-14).
pub fn ntlm(
    world: &mut World,
    client: &ClientSource,
    level: ImpersonationLevel,
    trail: &mut Trail,
) -> Result<ClientContext, ErrorCode> {
    let qos = Qos {
        level,
        dynamic: false,
        effective_only: false,
    };
    let copy = capture::capture_from(world, client, qos, trail)?;
    let user = world.token(copy.token).user;
    let service_account =
        user == wk::SYSTEM || user == wk::LOCAL_SERVICE || user == wk::NETWORK_SERVICE;
    if !world.settings.readings.alternative(RuleId::OQM_10) || service_account {
        trail.note(RuleId::OQM_10, || {
            if service_account {
                format!(
                    "{} is a service account, so both readings agree: the server gets a copy of the client's own token, at {level}",
                    world.name_of(user)
                )
            } else {
                format!("no page says what a same-machine NTLM logon yields; under the selected reading (client-token) the server gets a copy of the client's own token, at {level}")
            }
        });
        return Ok(copy);
    }
    trail.note(RuleId::OQM_10, || {
        format!(
            "no page says what a same-machine NTLM logon yields; under the selected reading (network-logon) the server gets a new network logon of {}, at {level}",
            world.name_of(user)
        )
    });
    network_logon(world, user, level, trail).or_full(trail)
}

/// A network logon of `user` through NTLM, as a server receives it at `level`: the
/// NETWORK and NTLM Authentication groups, origin zero (ACCT-7, LOGON-7, SSPA-3).
///
/// # Errors
///
/// [`TableFull`] when a table the logon adds to has no room (RES-1).
pub fn network_logon(
    world: &mut World,
    user: PrincipalId,
    level: ImpersonationLevel,
    trail: &mut Trail,
) -> Result<ClientContext, TableFull> {
    let context = logon_at(world, user, level, trail)?;
    world.token_mut(context.token).groups.push(Group {
        sid: wk::NTLM_AUTHENTICATION,
        attrs: GroupAttrs::standard(),
    });
    trail.note(RuleId::SSPA_3, || {
        "an NTLM network logon also carries NTLM Authentication".to_owned()
    });
    Ok(context)
}

/// The logon Schannel's certificate mapping makes for `user`: a network logon, at
/// Impersonation (SSPI-5).
///
/// # Errors
///
/// [`TableFull`] when a table the logon adds to has no room (RES-1).
pub fn mapped_logon(
    world: &mut World,
    user: PrincipalId,
    trail: &mut Trail,
) -> Result<ClientContext, TableFull> {
    logon_at(world, user, ImpersonationLevel::Impersonation, trail)
}

/// A network logon of `user`, duplicated to an impersonation token at `level`.
fn logon_at(
    world: &mut World,
    user: PrincipalId,
    level: ImpersonationLevel,
    trail: &mut Trail,
) -> Result<ClientContext, TableFull> {
    let logged_on = logon(
        world,
        LogonRequest {
            user,
            logon_type: LogonType::Network,
            origin: Luid::ZERO,
            source: TokenSource::Network,
            session_id: 0,
        },
        trail,
    )?;
    let token = duplicate(
        world,
        logged_on.token,
        DuplicateSpec {
            token_type: TokenType::Impersonation,
            level,
            effective_only: false,
        },
    )?;
    Ok(ClientContext {
        token,
        level,
        effective_only: false,
    })
}
