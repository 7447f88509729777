//! ATK-2, the RBCD takeover ("Wagging the Dog"), on the topology of
//! `fixtures/topologies/atk-2-rbcd-takeover-*.yaml`: mallory, an ordinary user, controls
//! ATTACK01$ (a computer account she created under MachineAccountQuota, so it has an SPN and
//! she knows its key: the service `evil`, with SeTcbPrivilege standing for her tooling) and,
//! with the mitigation off, may write FILES01$'s msDS-AllowedToActOnBehalfOfOtherIdentity
//! (`rbcd_writers`). She writes it to admit ATTACK01$, evil runs S4U2self for adm and
//! S4U2proxy to files01, and files01 serves adm.
//!
//! The victims: adm, and the built-in Administrator (RID 500) in Protected Users, which the
//! group does not protect from delegation (AD-7, OQD-6's default reading). The sweep: adm
//! NOT_DELEGATED, adm in Protected Users, and whether FILES01$'s owner itself admits
//! ATTACK01$ (a grant the owner made, which is delegation by consent, not the
//! attack). The mitigation is the write access: `atk-2` gives mallory write access to
//! FILES01$, `atk-2-fixed` does not.
//!
//! The invariant the attack breaks, as the defender states it: no service reaches files01
//! as another user through an RBCD entry that FILES01$'s owner did not write. INV-20 (an
//! entry is written only by an identity with write access) and INV-3 hold throughout: the
//! write access is the only gate (AD-11), which is the catalogue's point.

use tokenhop_check::{Claim, Property, Violation};
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{
    AccountId, AccountKind, Protocol, ServiceId, TooMany, Trustee,
};
use tokenhop_model::net::hop::Package;
use tokenhop_model::rules::RuleId;

use super::{Builder, CORP, Chains, ChainsError, Config, access, bit, proxied_by, requests};

/// The configuration bits.
const ADM_NOT_DELEGATED: u32 = 0;
const ADM_PROTECTED: u32 = 1;
const OWNER_ADMITS: u32 = 2;
/// How many configuration bits there are.
pub const CONFIG_BITS: u32 = 3;

/// The suite's ids and steps.
pub struct Rbcd {
    /// mallory.
    pub mallory: AccountId,
    /// adm, the victim.
    pub adm: AccountId,
    /// FILES01$, the target.
    pub files_account: AccountId,
    /// ATTACK01$, mallory's computer account.
    pub attack_account: AccountId,
    /// The file server on files01.
    pub files: ServiceId,
    starts: Vec<Step>,
    steps: Vec<Step>,
}

fn build(config: u16, write_access: bool) -> Result<(Config, Rbcd), TooMany> {
    let mut b = Builder::new("corp.example")?;
    let mallory = b.account("mallory", AccountKind::User)?;
    let adm = b.account("adm", AccountKind::User)?;
    let administrator = b.account("Administrator", AccountKind::User)?;
    {
        let a = b.dir.account_mut(administrator);
        a.rid = 500;
        a.protected_users = true;
    }
    let (ws01, _) = b.machine("ws01", CORP, false)?;
    let (attack01, attack_account) = b.machine("attack01", CORP, false)?;
    let (files01, files_account) = b.machine("files01", CORP, false)?;
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
    if write_access {
        b.dir.account_mut(files_account).rbcd_writers.push(mallory);
        words.push("mallory may write FILES01$'s RBCD list");
    } else {
        words.push("mallory has no write access to FILES01$");
    }
    if bit(config, OWNER_ADMITS) {
        b.dir
            .account_mut(files_account)
            .allowed_to_act
            .push(attack_account);
        words.push("FILES01$'s owner admits ATTACK01$");
    }
    let evil = b.service("evil", attack01, attack_account, None, Protocol::Http)?;
    let files = b.service("files", files01, files_account, None, Protocol::Smb)?;
    let share = b.resource(
        "admin-share",
        files,
        &[
            (Trustee::Account(adm), &["full"]),
            (Trustee::Account(administrator), &["full"]),
        ],
    )?;
    let packages = [Package::Negotiate, Package::Kerberos, Package::Ntlm];
    let levels = [None, Some(ImpersonationLevel::Delegation)];
    let mut steps = vec![
        Step::SetRbcd {
            target: files_account,
            allow: attack_account,
        },
        Step::S4u2self { user: adm },
        Step::S4u2self {
            user: administrator,
        },
    ];
    steps.extend(requests(evil, &packages, &levels, &[false, true]));
    steps.extend(requests(files, &packages, &levels, &[false, true]));
    steps.push(access(share, &["full"]));
    let ids = Rbcd {
        mallory,
        adm,
        files_account,
        attack_account,
        files,
        starts: vec![
            Step::Start {
                machine: ws01,
                user: mallory,
            },
            Step::StartService { service: evil },
        ],
        steps,
    };
    Ok((
        Config {
            dir: b.dir,
            words: words.join(", "),
        },
        ids,
    ))
}

/// The suite: every configuration, with mallory's write access to FILES01$ as given.
///
/// # Errors
///
/// As [`Chains::new`].
pub fn model(write_access: bool) -> Result<Chains<Rbcd>, ChainsError> {
    Chains::built(0..(1u16 << CONFIG_BITS), 0, |c| build(c, write_access))
}

scenario_with_steps!(Rbcd);

/// The properties.
#[must_use]
pub fn properties() -> Vec<Property<Chains<Rbcd>>> {
    vec![
        Property::<Chains<Rbcd>>::always(
            Claim {
                id: "ATK-2",
                statement: "No service reaches files01 as another user through an RBCD entry FILES01$'s owner did not write: an ordinary user's write to the RBCD list never lets a principal she controls act as others there.",
                rests_on: &[
                    RuleId::AD_10,
                    RuleId::AD_11,
                    RuleId::AD_12,
                    RuleId::S4U_1,
                    RuleId::S4U_5,
                    RuleId::S4U_7,
                    RuleId::ATK_2,
                ],
            },
            |m, s, _, t, _| {
                let ids = &m.scenario;
                let (Some(front), Some(h), Some(dir)) = (proxied_by(m, s, t), t.holder(), m.dir(t))
                else {
                    return Ok(());
                };
                let Some(user) = h.presents else {
                    return Ok(());
                };
                if h.service != Some(ids.files) || user == ids.mallory || user == front {
                    return Ok(());
                }
                let consented = m
                    .initial_dir(t.config)
                    .is_some_and(|d| d.account(ids.files_account).allowed_to_act.contains(&front));
                let written = m.admits(t, ids.files_account, front);
                if written && !consented {
                    Err(Violation::new(format!(
                        "files01 serves {} to {} through the RBCD entry mallory wrote",
                        dir.account(user).name,
                        dir.account(front).name
                    )))
                } else {
                    Ok(())
                }
            },
        ),
        crate::invariants::net::inv_20(),
        crate::invariants::net::inv_3(),
    ]
}
