//! ATK-7, the double hop as a safety property, on the topology of
//! `fixtures/topologies/atk-7-double-hop-*.yaml`: alice signs in at ws01, reaches WinRM on
//! web01 with every package, level and mutual-authentication choice (by SPN, and by address,
//! where Negotiate falls back to NTLM), as a Windows client that honours OK-AS-DELEGATE,
//! and from there calls
//! the file share on files01. By default the second hop never presents her: web01 holds a
//! network logon with no reusable credentials (NET-1), and NTLM cannot delegate (NET-2);
//! the call goes out as ANONYMOUS LOGON (HOP-3's default reading). Each enabling
//! configuration the catalogue lists makes it present her: a cleartext logon (Basic, or
//! CredSSP with typed or saved credentials) leaves her password on web01 (NET-4); WEB01$
//! trusted for delegation receives her TGT (KRB-2, KRB-3); WEB01$ allowed to delegate to
//! cifs/files01 (KCD, S4U-4); FILES01$ admitting WEB01$ by RBCD (S4U-5). Explicit
//! credentials have no chain step and are not modelled.
//!
//! Here the "attack" is the failure, and what the catalogue asks is both traces: so the
//! pair is `atk-7`, the default configurations (no enabling setting), where every
//! second-hop invariant holds and the failing trace is exhibited, and `atk-7-enabled`, each
//! enabling configuration, where each of the four second-hop invariants (one per mechanism)
//! has its counterexample. INV-6 (a network logon is a dead end) and INV-7 (NTLM breaks
//! delegation) hold in both. The sweep: alice NOT_DELEGATED, alice in Protected Users, and
//! WinRM reached over HTTP or RPC, times the enabling setting.

use std::sync::Arc;

use tokenhop_check::{Claim, Property, Violation};
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{
    AccountId, AccountKind, Protocol, ServiceId, ServiceLogon, TooMany, Trustee,
};
use tokenhop_model::net::hop::{CallRequest, Credentials, Hold, Holder, Package};
use tokenhop_model::rules::RuleId;

use super::{
    Builder, CORP, Chains, ChainsError, Config, State, StepId, access, bit, proxied_by, requests,
};

const ALICE_NOT_DELEGATED: u32 = 0;
const ALICE_PROTECTED: u32 = 1;
const WINRM_RPC: u32 = 2;
/// How many configuration bits there are besides the enabling setting.
pub const CONFIG_BITS: u32 = 3;

/// A setting that lets the second hop present the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enabling {
    /// None: the default.
    None,
    /// WinRM makes a cleartext logon with the password the client gives (Basic, CredSSP
    /// with typed credentials).
    Cleartext,
    /// WinRM takes the signed-in user's saved credentials by CredSSP.
    Credssp,
    /// WEB01$ is trusted for delegation.
    TrustedForDelegation,
    /// WEB01$ may delegate to cifs/files01 (KCD).
    Constrained,
    /// FILES01$ admits WEB01$ (RBCD).
    ResourceBased,
}

impl Enabling {
    /// Every enabling setting.
    pub const ALL: [Enabling; 5] = [
        Enabling::Cleartext,
        Enabling::Credssp,
        Enabling::TrustedForDelegation,
        Enabling::Constrained,
        Enabling::ResourceBased,
    ];

    fn words(self) -> &'static str {
        match self {
            Enabling::None => "no delegation setting",
            Enabling::Cleartext => "WinRM logs on with a typed password (Basic/CredSSP)",
            Enabling::Credssp => "WinRM takes saved credentials by CredSSP",
            Enabling::TrustedForDelegation => "WEB01$ TRUSTED_FOR_DELEGATION",
            Enabling::Constrained => "WEB01$ may delegate to cifs/files01",
            Enabling::ResourceBased => "FILES01$ admits WEB01$ by RBCD",
        }
    }
}

/// The suite's ids and steps.
pub struct DoubleHop {
    /// alice.
    pub alice: AccountId,
    /// WinRM on web01, the first hop.
    pub winrm: ServiceId,
    /// The file share on files01, the second hop.
    pub files: ServiceId,
    starts: Vec<Step>,
    steps: Vec<Step>,
}

const FILES_SPN: &str = "cifs/files01";

fn build(config: u16, enabling: Enabling) -> Result<(Config, DoubleHop), TooMany> {
    let mut b = Builder::new("corp.example")?;
    let alice = b.account("alice", AccountKind::User)?;
    let (ws01, _) = b.machine("ws01", CORP, false)?;
    let (web01, web_account) = b.machine("web01", CORP, false)?;
    let (files01, files_account) = b.machine("files01", CORP, false)?;
    let mut words = vec![enabling.words()];
    {
        let a = b.dir.account_mut(alice);
        a.not_delegated = bit(config, ALICE_NOT_DELEGATED);
        a.protected_users = bit(config, ALICE_PROTECTED);
    }
    if bit(config, ALICE_NOT_DELEGATED) {
        words.push("alice NOT_DELEGATED");
    }
    if bit(config, ALICE_PROTECTED) {
        words.push("alice in Protected Users");
    }
    let protocol = if bit(config, WINRM_RPC) {
        words.push("WinRM over RPC");
        Protocol::Rpc
    } else {
        words.push("WinRM over HTTP");
        Protocol::Http
    };
    match enabling {
        Enabling::TrustedForDelegation => {
            b.dir.account_mut(web_account).trusted_for_delegation = true;
        }
        Enabling::Constrained => b
            .dir
            .account_mut(web_account)
            .allowed_to_delegate_to
            .push(Arc::from(FILES_SPN)),
        Enabling::ResourceBased => b
            .dir
            .account_mut(files_account)
            .allowed_to_act
            .push(web_account),
        Enabling::None | Enabling::Cleartext | Enabling::Credssp => {}
    }
    let winrm = b.service("winrm", web01, web_account, None, protocol)?;
    let logon = match enabling {
        Enabling::Cleartext => ServiceLogon::Cleartext,
        Enabling::Credssp => ServiceLogon::Credssp,
        _ => ServiceLogon::Network,
    };
    if let Some(w) = b.service_mut(winrm) {
        w.logon = logon;
    }
    let files = b.service(
        "files",
        files01,
        files_account,
        Some(FILES_SPN),
        Protocol::Smb,
    )?;
    let reports = b.resource("reports", files, &[(Trustee::Account(alice), &["read"])])?;
    let packages = [Package::Negotiate, Package::Kerberos, Package::Ntlm];
    let mut steps = requests(
        winrm,
        &packages,
        &[
            None,
            Some(ImpersonationLevel::Impersonation),
            Some(ImpersonationLevel::Delegation),
        ],
        &[false, true],
    );
    // Named by address, Negotiate cannot use Kerberos and falls back to NTLM (NET-3).
    let by_address: Vec<Step> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Call(r) if r.package == Package::Negotiate => Some(Step::Call(CallRequest {
                by_spn: false,
                ..r.clone()
            })),
            _ => None,
        })
        .collect();
    steps.extend(by_address);
    steps.extend(requests(
        files,
        &packages,
        &[None, Some(ImpersonationLevel::Impersonation)],
        &[true],
    ));
    steps.push(access(reports, &["read"]));
    let suite = DoubleHop {
        alice,
        winrm,
        files,
        starts: vec![Step::Start {
            machine: ws01,
            user: alice,
        }],
        steps,
    };
    Ok((
        Config {
            dir: b.dir,
            words: words.join(", "),
        },
        suite,
    ))
}

/// The suite: the default configurations (`enabled` false), or every enabling one.
///
/// # Errors
///
/// As [`Chains::new`].
pub fn model(enabled: bool) -> Result<Chains<DoubleHop>, ChainsError> {
    let settings: &[Enabling] = if enabled {
        &Enabling::ALL
    } else {
        &[Enabling::None]
    };
    with_settings(settings)
}

/// The suite over the enabling settings `settings` (each with every other configuration
/// bit).
///
/// # Errors
///
/// As [`Chains::new`], and [`ChainsError::Directory`] when a directory cannot be built.
pub fn with_settings(settings: &[Enabling]) -> Result<Chains<DoubleHop>, ChainsError> {
    let mut configs = Vec::new();
    for &e in settings {
        for c in 0..(1u16 << CONFIG_BITS) {
            configs.push(build(c, e)?.0);
        }
    }
    Chains::new(build(0, Enabling::None)?.1, configs)
}

scenario_with_steps!(DoubleHop);

/// The first server's holder, when the transition is a second hop presenting the user: a
/// call from a service impersonating alice to another machine that presents her.
fn second_hop<'s>(
    m: &Chains<DoubleHop>,
    s: &'s State,
    a: &StepId,
    t: &State,
) -> Option<&'s Holder> {
    let Some(Step::Call(_)) = m.step(a) else {
        return None;
    };
    let (from, to) = (s.holder()?, t.holder()?);
    let alice = Some(m.scenario.alice);
    (from.service.is_some()
        && from.hold != Hold::Own
        && from.presents == alice
        && to.presents == alice
        && to.machine != from.machine)
        .then_some(from)
}

/// Whether S4U2proxy made the second hop through msDS-AllowedToDelegateTo (`Some(true)`)
/// or RBCD (`Some(false)`).
fn proxy_path(m: &Chains<DoubleHop>, s: &State, t: &State) -> Option<bool> {
    let front = proxied_by(m, s, t)?;
    let dir = m.dir(s)?;
    let back = dir.service(t.holder()?.service?);
    Some(
        dir.account(front)
            .allowed_to_delegate_to
            .iter()
            .any(|spn| spn.eq_ignore_ascii_case(&back.spn)),
    )
}

/// The properties.
#[must_use]
pub fn properties() -> Vec<Property<Chains<DoubleHop>>> {
    vec![
        Property::<Chains<DoubleHop>>::sometimes(
            Claim {
                id: "ATK-7",
                statement: "The double hop fails by default: WinRM on web01, impersonating alice, calls the file share on files01, which sees ANONYMOUS LOGON.",
                rests_on: &[RuleId::NET_1, RuleId::HOP_3, RuleId::ATK_7],
            },
            |m, s, a, t, _| {
                let (Some(Step::Call(_)), Some(from), Some(to)) =
                    (m.step(a), s.holder(), t.holder())
                else {
                    return false;
                };
                from.service == Some(m.scenario.winrm)
                    && from.presents == Some(m.scenario.alice)
                    && to.service == Some(m.scenario.files)
                    && to.presents.is_none()
            },
        ),
        Property::<Chains<DoubleHop>>::always(
            Claim {
                id: "ATK-7/CredSSP",
                statement: "No second hop presents alice with a password a cleartext logon (Basic, CredSSP) left on the first server.",
                rests_on: &[RuleId::NET_4, RuleId::AD_6],
            },
            |m, s, a, t, _| {
                match second_hop(m, s, a, t) {
                Some(h) if h.credentials == Credentials::Password => Err(Violation::new(
                    "the second hop presents alice with the password the first server's cleartext logon kept".to_owned(),
                )),
                _ => Ok(()),
            }
            },
        ),
        Property::<Chains<DoubleHop>>::always(
            Claim {
                id: "ATK-7/TD",
                statement: "No second hop presents alice with a TGT she forwarded to the first server.",
                rests_on: &[
                    RuleId::AD_3,
                    RuleId::KRB_2,
                    RuleId::KRB_3,
                    RuleId::S4U_12,
                    RuleId::OQD_3,
                ],
            },
            |m, s, a, t, _| match second_hop(m, s, a, t) {
                Some(h) if matches!(h.credentials, Credentials::Tgt(_)) => Err(Violation::new(
                    "the second hop presents alice with the TGT she forwarded to the first server"
                        .to_owned(),
                )),
                _ => Ok(()),
            },
        ),
        Property::<Chains<DoubleHop>>::always(
            Claim {
                id: "ATK-7/KCD",
                statement: "No second hop presents alice through S4U2proxy on the first server's msDS-AllowedToDelegateTo.",
                rests_on: &[RuleId::AD_9, RuleId::KRB_5, RuleId::S4U_4],
            },
            |m, s, a, t, _| {
                if second_hop(m, s, a, t).is_some() && proxy_path(m, s, t) == Some(true) {
                    Err(Violation::new(
                        "the second hop presents alice through constrained delegation".to_owned(),
                    ))
                } else {
                    Ok(())
                }
            },
        ),
        Property::<Chains<DoubleHop>>::always(
            Claim {
                id: "ATK-7/RBCD",
                statement: "No second hop presents alice through S4U2proxy on the back end's RBCD list.",
                rests_on: &[RuleId::AD_10, RuleId::S4U_5],
            },
            |m, s, a, t, _| {
                if second_hop(m, s, a, t).is_some() && proxy_path(m, s, t) == Some(false) {
                    Err(Violation::new("the second hop presents alice through resource-based constrained delegation".to_owned()))
                } else {
                    Ok(())
                }
            },
        ),
        crate::invariants::net::inv_6(),
        crate::invariants::net::inv_7(),
    ]
}
