//! ATK-4, constrained delegation with protocol transition, on the topology of
//! `fixtures/topologies/atk-4-protocol-transition-*.yaml`: whoever controls `app` (svc-web,
//! with SeTcbPrivilege standing for an attacker who holds its key) runs S4U2self for any
//! user, no password and no user action needed (S4U-1); with TRUSTED_TO_AUTH_FOR_DELEGATION
//! the ticket is forwardable (S4U-2, AD-8), and S4U2proxy to an SPN in
//! msDS-AllowedToDelegateTo accepts it (S4U-4): the back end serves a user who never
//! authenticated.
//!
//! The invariant, as the defender states it: a service reaches another machine's service as
//! a user only if that user authenticated to it. The mitigation is protocol transition off
//! ("Use Kerberos only"): `atk-4` sets TRUSTED_TO_AUTH_FOR_DELEGATION on svc-web,
//! `atk-4-fixed` clears it. The sweep: adm NOT_DELEGATED, adm in Protected Users, and
//! svc-web's msDS-AllowedToDelegateTo listing the file server, the SQL server, both or
//! neither. adm can also sign in and call app herself, so the legitimate constrained
//! delegation of a user who did authenticate is in the space and must not count; the
//! Bronze Bit tampering is offered too, with ticket signatures enforced. INV-1, INV-3 and
//! INV-4 hold throughout, and the legitimate trace (KRB-5) is exhibited in both.

use std::sync::Arc;

use tokenhop_check::{Claim, Property, Violation};
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{AccountId, AccountKind, Protocol, TooMany, Trustee};
use tokenhop_model::net::hop::Package;
use tokenhop_model::net::kerberos::Origin;
use tokenhop_model::rules::RuleId;

use super::{Builder, CORP, Chains, ChainsError, Config, access, bit, proxied_by, requests};

const ADM_NOT_DELEGATED: u32 = 0;
const ADM_PROTECTED: u32 = 1;
const LISTS_FILES: u32 = 2;
const LISTS_SQL: u32 = 3;
/// How many configuration bits there are.
pub const CONFIG_BITS: u32 = 4;

/// The suite's ids and steps.
pub struct ProtocolTransition {
    /// adm, the victim.
    pub adm: AccountId,
    starts: Vec<Step>,
    steps: Vec<Step>,
}

const FILES_SPN: &str = "cifs/files01";
const SQL_SPN: &str = "MSSQLSvc/sql01.corp.example";

fn build(config: u16, protocol_transition: bool) -> Result<(Config, ProtocolTransition), TooMany> {
    let mut b = Builder::new("corp.example")?;
    let adm = b.account("adm", AccountKind::User)?;
    let svc = b.account("svc-web", AccountKind::User)?;
    let (ws01, _) = b.machine("ws01", CORP, false)?;
    let (web01, _) = b.machine("web01", CORP, false)?;
    let (files01, files_account) = b.machine("files01", CORP, false)?;
    let (sql01, sql_account) = b.machine("sql01", CORP, false)?;
    let mut words = Vec::new();
    {
        let a = b.dir.account_mut(adm);
        a.not_delegated = bit(config, ADM_NOT_DELEGATED);
        a.protected_users = bit(config, ADM_PROTECTED);
    }
    if bit(config, ADM_NOT_DELEGATED) {
        words.push("adm NOT_DELEGATED");
    }
    if bit(config, ADM_PROTECTED) {
        words.push("adm in Protected Users");
    }
    let s = b.dir.account_mut(svc);
    s.trusted_to_auth_for_delegation = protocol_transition;
    words.push(if protocol_transition {
        "svc-web TRUSTED_TO_AUTH_FOR_DELEGATION"
    } else {
        "svc-web Kerberos only"
    });
    for (n, spn, word) in [
        (
            LISTS_FILES,
            FILES_SPN,
            "svc-web may delegate to cifs/files01",
        ),
        (LISTS_SQL, SQL_SPN, "svc-web may delegate to MSSQLSvc/sql01"),
    ] {
        if bit(config, n) {
            s.allowed_to_delegate_to.push(Arc::from(spn));
            words.push(word);
        }
    }
    let app = b.service(
        "app",
        web01,
        svc,
        Some("HTTP/app.corp.example"),
        Protocol::Http,
    )?;
    if let Some(a) = b.service_mut(app) {
        a.tcb = true;
    }
    let files = b.service(
        "files",
        files01,
        files_account,
        Some(FILES_SPN),
        Protocol::Smb,
    )?;
    let sql = b.service("sql", sql01, sql_account, Some(SQL_SPN), Protocol::Rpc)?;
    let share = b.resource("admin-share", files, &[(Trustee::Account(adm), &["full"])])?;
    let packages = [Package::Negotiate, Package::Kerberos, Package::Ntlm];
    let levels = [None, Some(ImpersonationLevel::Delegation)];
    let mut steps = vec![Step::S4u2self { user: adm }, Step::TamperForwardable];
    for service in [app, files, sql] {
        steps.extend(requests(service, &packages, &levels, &[true]));
    }
    steps.push(access(share, &["full"]));
    let suite = ProtocolTransition {
        adm,
        starts: vec![
            Step::StartService { service: app },
            Step::Start {
                machine: ws01,
                user: adm,
            },
        ],
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

/// The suite: every configuration, with protocol transition on svc-web or not.
///
/// # Errors
///
/// As [`Chains::new`].
pub fn model(protocol_transition: bool) -> Result<Chains<ProtocolTransition>, ChainsError> {
    Chains::built(0..(1u16 << CONFIG_BITS), 0, |c| {
        build(c, protocol_transition)
    })
}

scenario_with_steps!(ProtocolTransition);

/// The properties.
#[must_use]
pub fn properties() -> Vec<Property<Chains<ProtocolTransition>>> {
    vec![
        Property::<Chains<ProtocolTransition>>::always(
            Claim {
                id: "ATK-4",
                statement: "A service reaches another machine's service as a user only if that user authenticated to it: an identity a front end made by S4U2self never leaves the front end's machine.",
                rests_on: &[
                    RuleId::S4U_1,
                    RuleId::S4U_2,
                    RuleId::AD_8,
                    RuleId::S4U_4,
                    RuleId::S4U_13,
                    RuleId::ATK_4,
                ],
            },
            |m, s, a, t, _| {
                let (Some(Step::Call(_)), Some(from), Some(to)) =
                    (m.step(a), s.holder(), t.holder())
                else {
                    return Ok(());
                };
                let made = from
                    .evidence
                    .as_ref()
                    .is_some_and(|e| e.origin == Origin::S4u2self);
                if made
                    && from.service.is_some()
                    && to.machine != from.machine
                    && to.presents.is_some()
                    && to.presents == from.presents
                {
                    let names = m.dir(t).map(|dir| {
                        (
                            to.service
                                .map_or("?".to_owned(), |x| dir.service(x).name.to_string()),
                            tokenhop_model::net::hop::presented_name(dir, to.presents),
                        )
                    });
                    let (service, user) = names.unwrap_or_default();
                    Err(Violation::new(format!(
                        "{service} serves {user}, who never authenticated: the front end made the identity by S4U2self"
                    )))
                } else {
                    Ok(())
                }
            },
        ),
        crate::invariants::net::inv_1(),
        Property::<Chains<ProtocolTransition>>::sometimes(
            Claim {
                id: "KRB-5",
                statement: "A user who authenticated to the front end with Kerberos is still delegated to a listed SPN: classic constrained delegation needs no protocol transition.",
                rests_on: &[RuleId::KRB_5, RuleId::S4U_4, RuleId::S4U_6],
            },
            |m, s, a, t, _| {
                let (Some(Step::Call(_)), Some(from)) = (m.step(a), s.holder()) else {
                    return false;
                };
                let authenticated = from
                    .evidence
                    .as_ref()
                    .is_some_and(|e| e.origin == Origin::Tgs);
                authenticated
                    && from.presents == Some(m.scenario.adm)
                    && proxied_by(m, s, t).is_some()
                    && t.holder().is_some_and(|h| h.presents == from.presents)
            },
        ),
        crate::invariants::net::inv_3(),
        crate::invariants::net::inv_4(),
    ]
}
