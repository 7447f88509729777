//! ATK-8, an unchecked failed impersonation, on the topology of
//! `fixtures/topologies/atk-8-unchecked-impersonation-*.yaml`: `agent`, a server on srv01,
//! impersonates its caller and, with the mitigation off, does not check the result
//! (`checks_impersonation: false`). mallory calls it without authentication (RPC-3): the
//! impersonation fails, and the request runs as the server's own process (LVL-9), which
//! may write a configuration only the server's account may write.
//!
//! The invariant, as the defender states it: a request never runs as the server's own
//! identity because impersonating its caller failed. The mitigation is the check:
//! `atk-8` has the server not check, `atk-8-fixed` has it check. The sweep: the server's
//! protocol (RPC, DCOM, HTTP, SMB; only RPC impersonation can fail on an unauthenticated
//! call, the others see ANONYMOUS LOGON) and its account (LocalSystem, presenting SRV01$, or
//! a domain service account). LVL-9 (a checking server never serves an unauthenticated RPC
//! call) holds throughout.

use tokenhop_check::{Claim, Property, Violation};
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{
    AccountId, AccountKind, Protocol, ResourceId, ServiceId, TooMany, Trustee, WellKnown,
};
use tokenhop_model::net::hop::{self, Hold, Package};
use tokenhop_model::rules::RuleId;

use super::{Builder, CORP, Chains, ChainsError, Config, access, requests};

const PROTOCOLS: [(Protocol, &str); 4] = [
    (Protocol::Rpc, "agent over RPC"),
    (Protocol::Dcom, "agent over DCOM"),
    (Protocol::Http, "agent over HTTP"),
    (Protocol::Smb, "agent over SMB"),
];

/// The suite's ids and steps.
pub struct Unchecked {
    /// mallory.
    pub mallory: AccountId,
    /// The server.
    pub agent: ServiceId,
    /// The configuration only the server's account may write.
    pub config_file: ResourceId,
    starts: Vec<Step>,
    steps: Vec<Step>,
}

/// Configuration `config`: bits 0-1 pick the protocol, bit 2 a domain service account
/// instead of LocalSystem.
fn build(config: u16, checks: bool) -> Result<(Config, Unchecked), TooMany> {
    let mut b = Builder::new("corp.example")?;
    let mallory = b.account("mallory", AccountKind::User)?;
    let svc = b.account("svc-agent", AccountKind::User)?;
    let (ws01, _) = b.machine("ws01", CORP, false)?;
    let (srv01, machine_account) = b.machine("srv01", CORP, false)?;
    let (protocol, word) = PROTOCOLS
        .get(usize::from(config & 3))
        .copied()
        .unwrap_or(PROTOCOLS[0]);
    let domain_account = config & 4 != 0;
    let account = if domain_account { svc } else { machine_account };
    let spn = domain_account.then_some("HOST/agent.srv01");
    let agent = b.service("agent", srv01, account, spn, protocol)?;
    if let Some(a) = b.service_mut(agent) {
        a.checks_impersonation = checks;
    }
    let config_file = b.resource(
        "agent-config",
        agent,
        &[
            (Trustee::Account(account), &["read", "write"]),
            (Trustee::WellKnown(WellKnown::AuthenticatedUsers), &["read"]),
        ],
    )?;
    let mut steps = requests(
        agent,
        &[
            Package::Negotiate,
            Package::Kerberos,
            Package::Ntlm,
            Package::None,
        ],
        &[
            None,
            Some(ImpersonationLevel::Identification),
            Some(ImpersonationLevel::Impersonation),
        ],
        &[true],
    );
    steps.push(access(config_file, &["read"]));
    steps.push(access(config_file, &["write"]));
    let words = format!(
        "{word}, {}, {}",
        if domain_account {
            "running as svc-agent"
        } else {
            "running as LocalSystem (SRV01$)"
        },
        if checks {
            "checks the impersonation result"
        } else {
            "does not check the impersonation result"
        }
    );
    let suite = Unchecked {
        mallory,
        agent,
        config_file,
        starts: vec![Step::Start {
            machine: ws01,
            user: mallory,
        }],
        steps,
    };
    Ok((Config { dir: b.dir, words }, suite))
}

/// How many configurations there are.
pub const CONFIGS: u16 = 8;

/// The suite: every protocol and account, with the server checking impersonation or not.
///
/// # Errors
///
/// As [`Chains::new`].
pub fn model(checks: bool) -> Result<Chains<Unchecked>, ChainsError> {
    Chains::built(0..CONFIGS, 0, |c| build(c, checks))
}

scenario_with_steps!(Unchecked);

/// The properties.
#[must_use]
pub fn properties() -> Vec<Property<Chains<Unchecked>>> {
    vec![
        Property::<Chains<Unchecked>>::always(
            Claim {
                id: "ATK-8",
                statement: "A caller's request never runs as the server's own identity: a failed impersonation never leaves the request running as the server's process.",
                rests_on: &[RuleId::LVL_9, RuleId::RPC_3, RuleId::ATK_8],
            },
            |m, s, a, t, _| {
                let (Some(Step::Call(_)), Some(from), Some(to), Some(dir)) =
                    (m.step(a), s.holder(), t.holder(), m.dir(t))
                else {
                    return Ok(());
                };
                let own = dir.service(m.scenario.agent).account;
                if to.service == Some(m.scenario.agent)
                    && to.hold == Hold::Own
                    && to.presents == Some(own)
                    && from.presents != Some(own)
                {
                    Err(Violation::new(format!(
                        "{}'s request runs as {}, the server's own process",
                        hop::presented_name(dir, from.presents),
                        hop::presented_name(dir, to.presents)
                    )))
                } else {
                    Ok(())
                }
            },
        ),
        Property::<Chains<Unchecked>>::always(
            Claim {
                id: "ATK-8/write",
                statement: "mallory never writes the agent's configuration, which only the server's own account may write.",
                rests_on: &[RuleId::HOP_2, RuleId::LVL_9, RuleId::ATK_8],
            },
            |m, _, a, t, _| match m.step(a) {
                Some(Step::Access { resource, rights })
                    if *resource == m.scenario.config_file
                        && rights.iter().any(|r| &**r == "write") =>
                {
                    Err(Violation::new(format!(
                        "mallory's chain writes agent-config as {}",
                        m.dir(t).map_or_else(String::new, |dir| hop::presented_name(
                            dir,
                            t.holder().and_then(|h| h.presents)
                        ))
                    )))
                }
                _ => Ok(()),
            },
        ),
        Property::<Chains<Unchecked>>::always(
            Claim {
                id: "LVL-9",
                statement: "A server that checks the result of impersonating its caller never serves an RPC call that carried no authentication.",
                rests_on: &[RuleId::LVL_9, RuleId::RPC_3, RuleId::OQL_12],
            },
            |m, _, a, t, _| match m.step(a) {
                Some(Step::Call(req)) if req.package == Package::None => {
                    let Some(dir) = m.dir(t) else {
                        return Ok(());
                    };
                    let svc = dir.service(req.service);
                    if svc.checks_impersonation
                        && svc.protocol.is_rpc()
                        && t.holder().and_then(|h| h.service) == Some(m.scenario.agent)
                    {
                        Err(Violation::new(format!(
                            "{} checks impersonation yet served an unauthenticated call",
                            svc.name
                        )))
                    } else {
                        Ok(())
                    }
                }
                _ => Ok(()),
            },
        ),
    ]
}
