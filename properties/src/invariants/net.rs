//! The invariants of the network family (INV-1..10, INV-20..22), each stated once, as a
//! property of every suite over chains ([`Chains`]): the delegation suite, the attack
//! suites and the model of a topology file check the same statement, resting on the same
//! rules. Each reads only the states before and after one chain step and the step itself;
//! what a step does is the model's (`tokenhop_model::net::chain`).

use tokenhop_check::{Claim, Property, Violation};
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{AccountId, Protocol, ServiceId};
use tokenhop_model::net::hop::{self, Credentials, Hold, Package};
use tokenhop_model::rules::RuleId;

use crate::suites::chains::{Chains, Scenario, State};

/// The front end whose S4U2proxy request made the target's ticket, if the transition was
/// one: the target holds evidence whose transited list ends with the source's service
/// account.
#[must_use]
pub fn proxied_by<S: Scenario>(m: &Chains<S>, s: &State, t: &State) -> Option<AccountId> {
    let source = s.holder()?;
    let dir = m.dir(s)?;
    let from = dir.service(source.service?).account;
    let h = t.holder()?;
    let e = h.evidence.as_ref()?;
    (h.service != source.service && e.transited.last() == Some(&from)).then_some(from)
}

/// INV-3's test of one S4U2proxy ticket: `front` may reach `target` only if the target's
/// SPN is in its msDS-AllowedToDelegateTo or the target's RBCD list admits it (as
/// configured, or as the chain wrote it).
///
/// # Errors
///
/// The violation, when neither grant exists.
pub fn s4u2proxy_granted<S: Scenario>(
    m: &Chains<S>,
    state: &State,
    front: AccountId,
    target: ServiceId,
) -> Result<(), Violation> {
    let Some(dir) = m.dir(state) else {
        return Ok(());
    };
    let back = dir.service(target);
    let listed = dir
        .account(front)
        .allowed_to_delegate_to
        .iter()
        .any(|spn| spn.eq_ignore_ascii_case(&back.spn));
    if listed || m.admits(state, back.account, front) {
        Ok(())
    } else {
        Err(Violation::new(format!(
            "S4U2proxy reached {} without a grant",
            back.name
        )))
    }
}

fn rank(hold: Hold) -> Option<ImpersonationLevel> {
    match hold {
        Hold::Own => None,
        Hold::Impersonating(l) => Some(l),
    }
}

/// INV-1: a sensitive identity is never delegated.
#[must_use]
pub fn inv_1<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-1",
            statement: "A sensitive user's identity is never delegated: no chain presents it two machines away, and no service gets a ticket in its name by S4U2proxy.",
            rests_on: &[
                RuleId::AD_5,
                RuleId::AD_6,
                RuleId::AD_13,
                RuleId::KRB_2,
                RuleId::S4U_2,
                RuleId::S4U_3,
                RuleId::S4U_8,
                RuleId::S4U_9,
                RuleId::NET_4,
            ],
        },
        |m, s, _, t, _| {
            let (Some(h), Some(dir)) = (t.holder(), m.dir(t)) else {
                return Ok(());
            };
            let Some(user) = h.presents else {
                return Ok(());
            };
            let proxied = proxied_by(m, s, t).is_some();
            if (h.hops >= 2 || proxied) && m.sensitive(t, user) {
                return Err(Violation::new(format!(
                    "{} is sensitive and is presented {} machine boundaries away{}",
                    dir.qualified(user),
                    h.hops,
                    if proxied { " through S4U2proxy" } else { "" }
                )));
            }
            Ok(())
        },
    )
}

/// INV-2: only a non-sensitive account's TGT reaches a server.
#[must_use]
pub fn inv_2<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-2",
            statement: "A server holds an account's TGT only if the account is not sensitive.",
            rests_on: &[RuleId::KRB_2, RuleId::AD_5, RuleId::AD_6],
        },
        |m, _, _, t, _| {
            let (Some(h), Some(dir)) = (t.holder(), m.dir(t)) else {
                return Ok(());
            };
            match &h.credentials {
                Credentials::Tgt(ticket)
                    if h.service.is_some() && m.sensitive(t, ticket.client) =>
                {
                    Err(Violation::new(format!(
                        "a server holds the TGT of {}, which is sensitive",
                        dir.qualified(ticket.client)
                    )))
                }
                _ => Ok(()),
            }
        },
    )
}

/// INV-3: S4U2proxy reaches only the targets a front end was granted.
#[must_use]
pub fn inv_3<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-3",
            statement: "A ticket S4U2proxy issues to a front end is for a service in its msDS-AllowedToDelegateTo or one whose RBCD list admits it.",
            rests_on: &[RuleId::S4U_4, RuleId::S4U_5, RuleId::AD_9, RuleId::AD_10],
        },
        |m, s, _, t, _| {
            let (Some(front), Some(target)) =
                (proxied_by(m, s, t), t.holder().and_then(|h| h.service))
            else {
                return Ok(());
            };
            s4u2proxy_granted(m, s, front, target)
        },
    )
}

/// INV-4: the KDC rejects tampered evidence.
#[must_use]
pub fn inv_4<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-4",
            statement: "The KDC never accepts evidence whose flags were changed after it issued them.",
            rests_on: &[RuleId::S4U_9, RuleId::ATK_1],
        },
        |m, s, _, t, _| {
            let tampered = s
                .holder()
                .and_then(|h| h.evidence.as_ref())
                .is_some_and(|e| e.tampered);
            if tampered && proxied_by(m, s, t).is_some() {
                Err(Violation::new(
                    "S4U2proxy accepted a ticket whose FORWARDABLE flag was set by the front end",
                ))
            } else {
                Ok(())
            }
        },
    )
}

/// INV-5: the ncalrpc exception is one hop.
#[must_use]
pub fn inv_5<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-5",
            statement: "An ncalrpc client's identity crosses exactly one network hop from the local server unless that server's first network call asked for Delegate (an SMB call always does: its redirector asks itself), or the next server delegates it by S4U2proxy.",
            rests_on: &[
                RuleId::LVL_5,
                RuleId::LVL_3,
                RuleId::LVL_4,
                RuleId::S4U_4,
                RuleId::S4U_5,
                RuleId::OQD_4,
                RuleId::KRB_4,
            ],
        },
        |m, s, a, t, _| {
            let (Some(Step::Call(_)), Some(asked), Some(from), Some(to)) =
                (m.step(a), s.chain.onward_from_local, s.holder(), t.holder())
            else {
                return Ok(());
            };
            let onward = to.machine != from.machine
                && to.presents.is_some()
                && to.presents == from.presents
                && from.hold != Hold::Own;
            if onward && asked < ImpersonationLevel::Delegation && proxied_by(m, s, t).is_none() {
                Err(Violation::new(format!(
                    "the ncalrpc server's first network call asked for {asked}, yet the client's identity crossed a second network hop"
                )))
            } else {
                Ok(())
            }
        },
    )
}

/// INV-6: a network logon without credentials or S4U2proxy rights is a dead end.
#[must_use]
pub fn inv_6<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-6",
            statement: "A server holding a network logon without a TGT, and without S4U2proxy rights, never presents the user on another machine.",
            rests_on: &[RuleId::NET_1, RuleId::S4U_4, RuleId::S4U_5, RuleId::S4U_12],
        },
        |m, s, a, t, _| {
            let (Some(Step::Call(_)), Some(from), Some(to), Some(dir)) =
                (m.step(a), s.holder(), t.holder(), m.dir(s))
            else {
                return Ok(());
            };
            let Some(service) = from.service else {
                return Ok(());
            };
            let account = dir.service(service).account;
            let rights = !dir.account(account).allowed_to_delegate_to.is_empty()
                || m.admitted_anywhere(s, account);
            let dead_end = from.presents.is_some()
                && from.hold != Hold::Own
                && matches!(from.credentials, Credentials::None)
                && !rights;
            if dead_end && to.machine != from.machine && to.presents == from.presents {
                Err(Violation::new(
                    "a network logon without credentials or S4U2proxy rights reached another machine as the user",
                ))
            } else {
                Ok(())
            }
        },
    )
}

/// INV-7: an NTLM logon goes no further.
#[must_use]
pub fn inv_7<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-7",
            statement: "A server that got its client by an NTLM logon never presents the client on another machine, unless the logon kept the client's password (a cleartext logon) or the server delegates by S4U2proxy.",
            rests_on: &[
                RuleId::NET_1,
                RuleId::NET_2,
                RuleId::NET_3,
                RuleId::NET_4,
                RuleId::S4U_4,
                RuleId::S4U_5,
            ],
        },
        |m, s, a, t, _| {
            let (Some(Step::Call(_)), Some(from), Some(to)) = (m.step(a), s.holder(), t.holder())
            else {
                return Ok(());
            };
            let onward = from.ntlm
                && from.hold != Hold::Own
                && to.machine != from.machine
                && to.presents.is_some()
                && to.presents == from.presents;
            if onward
                && !matches!(from.credentials, Credentials::Password)
                && proxied_by(m, s, t).is_none()
            {
                Err(Violation::new(
                    "the identity an NTLM logon brought went on to another machine",
                ))
            } else {
                Ok(())
            }
        },
    )
}

/// INV-8: levels do not rise across machines.
#[must_use]
pub fn inv_8<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-8",
            statement: "The level a hop holds never exceeds the level the previous hop held, except through S4U2proxy or the local ncalrpc exception.",
            rests_on: &[RuleId::LVL_3, RuleId::LVL_4, RuleId::LVL_5, RuleId::S4U_10],
        },
        |m, s, a, t, _| {
            let (Some(Step::Call(_)), Some(from), Some(to)) = (m.step(a), s.holder(), t.holder())
            else {
                return Ok(());
            };
            let (Some(before), Some(after)) = (rank(from.hold), rank(to.hold)) else {
                return Ok(());
            };
            // LVL-5: a token a local (ncalrpc) server got from a logon that holds the
            // user's credentials, its password or a forwarded TGT, goes out with them.
            let local_origin = !matches!(from.credentials, Credentials::None);
            if to.machine != from.machine
                && to.presents == from.presents
                && after > before
                && !local_origin
                && proxied_by(m, s, t).is_none()
            {
                Err(Violation::new(format!(
                    "the level rose from {before} to {after} across machines"
                )))
            } else {
                Ok(())
            }
        },
    )
}

/// INV-9: full impersonation needs SeImpersonatePrivilege.
#[must_use]
pub fn inv_9<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-9",
            statement: "A service's thread gets another identity's token at Impersonation or above only if the service holds SeImpersonatePrivilege.",
            rests_on: &[RuleId::LVL_8, RuleId::ATK_5],
        },
        |m, s, _, t, _| {
            let (Some(h), Some(dir)) = (t.holder(), m.dir(t)) else {
                return Ok(());
            };
            let Some(service) = h.service else {
                return Ok(());
            };
            let svc = dir.service(service);
            let arrived = s.holder() != Some(h);
            let other = h.presents.is_some() && h.presents != Some(svc.account);
            let full =
                matches!(h.hold, Hold::Impersonating(l) if l >= ImpersonationLevel::Impersonation);
            if arrived && other && full && !svc.impersonate_privilege {
                Err(Violation::new(format!(
                    "{} impersonates {} at {} without SeImpersonatePrivilege",
                    svc.name,
                    hop::presented_name(dir, h.presents),
                    h.hold
                )))
            } else {
                Ok(())
            }
        },
    )
}

/// INV-10: Identification over ncalrpc stays Identification.
#[must_use]
pub fn inv_10<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-10",
            statement: "A server a local ncalrpc client asked for Identification never acts as the client, where the security provider honours Identify: NTLM always over ncalrpc, any provider under OQL-6's honoured reading (RPC-7: Negotiate and Kerberos may raise it to Impersonate).",
            rests_on: &[
                RuleId::LVL_2,
                RuleId::LVL_5,
                RuleId::TOK_4,
                RuleId::RPC_7,
                RuleId::OQL_6,
            ],
        },
        |m, s, a, t, _| {
            let (Some(Step::Call(req)), Some(from), Some(to), Some(dir)) =
                (m.step(a), s.holder(), t.holder(), m.dir(s))
            else {
                return Ok(());
            };
            let low = req
                .level
                .is_some_and(|l| l <= ImpersonationLevel::Identification);
            let local = dir.service(req.service).protocol == Protocol::Ncalrpc;
            let honoured = req.package == Package::Ntlm || m.readings().alternative(RuleId::OQL_6);
            if local && low && honoured && to.presents == from.presents && to.hold.acts() {
                Err(Violation::new(format!(
                    "the ncalrpc server holds {} after the client asked for Identification",
                    to.hold
                )))
            } else {
                Ok(())
            }
        },
    )
}

/// INV-20: only an identity with write access writes an RBCD list.
#[must_use]
pub fn inv_20<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-20",
            statement: "An entry of an account's RBCD list is written only by an identity with write access to it (the account itself or a listed writer); no privilege is asked.",
            rests_on: &[RuleId::AD_11, RuleId::AD_10],
        },
        |m, s, a, _, _| {
            let (Some(Step::SetRbcd { target, .. }), Some(dir)) = (m.step(a), m.dir(s)) else {
                return Ok(());
            };
            let writer = s.holder().and_then(|h| h.presents);
            let may = writer.is_some_and(|w| {
                w == *target
                    || dir
                        .account(*target)
                        .rbcd_writers
                        .iter()
                        .any(|x| dir.is_member(w, *x))
            });
            if may {
                Ok(())
            } else {
                Err(Violation::new(format!(
                    "{} wrote {}'s RBCD list without write access",
                    hop::presented_name(dir, writer),
                    dir.account(*target).name
                )))
            }
        },
    )
}

/// INV-21: OK-AS-DELEGATE is the client's hint (a reachability claim).
#[must_use]
pub fn inv_21<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::sometimes(
        Claim {
            id: "INV-21",
            statement: "A client that ignores OK-AS-DELEGATE can give its TGT to a server not trusted for delegation: OK-AS-DELEGATE is the client's hint, not the KDC's access control.",
            rests_on: &[RuleId::KRB_4, RuleId::KRB_2],
        },
        |m, _, a, t, _| {
            let (Some(Step::Call(req)), Some(h), Some(dir)) = (m.step(a), t.holder(), m.dir(t))
            else {
                return false;
            };
            let Some(service) = h.service else {
                return false;
            };
            let td = dir
                .account(dir.service(service).account)
                .trusted_for_delegation;
            !req.honours_ok_as_delegate && !td && matches!(h.credentials, Credentials::Tgt(_))
        },
    )
}

/// INV-22: TGT delegation across a forest trust only where the trust allows it.
#[must_use]
pub fn inv_22<S: Scenario>() -> Property<Chains<S>> {
    Property::<Chains<S>>::always(
        Claim {
            id: "INV-22",
            statement: "A server in another forest, across a trust without TGT delegation, never receives an account's TGT.",
            rests_on: &[RuleId::KRB_8, RuleId::KRB_2],
        },
        |m, _, _, t, _| {
            let (Some(h), Some(dir)) = (t.holder(), m.dir(t)) else {
                return Ok(());
            };
            let Credentials::Tgt(ticket) = &h.credentials else {
                return Ok(());
            };
            let (Some(server), user) = (
                dir.machine(h.machine).domain,
                dir.account(ticket.client).domain,
            ) else {
                return Ok(());
            };
            let crossing = dir.domain(server).forest != dir.domain(user).forest;
            let allowed = dir
                .trust(server, user)
                .is_some_and(|tr| tr.enable_tgt_delegation && !tr.quarantined);
            if crossing && !allowed {
                Err(Violation::new(format!(
                    "{} in {} holds {}'s TGT across a trust without TGT delegation",
                    h.service.map_or("a session", |s| &*dir.service(s).name),
                    dir.domain(server).name,
                    dir.account(ticket.client).name
                )))
            } else {
                Ok(())
            }
        },
    )
}

/// The invariants a delegation sweep checks (the delegation suite and a topology file's
/// model): INV-1..8, INV-10 and INV-21.
#[must_use]
pub fn delegation<S: Scenario>() -> Vec<Property<Chains<S>>> {
    vec![
        inv_1(),
        inv_2(),
        inv_3(),
        inv_4(),
        inv_5(),
        inv_6(),
        inv_7(),
        inv_8(),
        inv_10(),
        inv_21(),
    ]
}
