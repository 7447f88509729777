//! ATK-3, TGT capture on an unconstrained-delegation host through forced authentication
//! (the printer bug), on the topology of `fixtures/topologies/atk-3-printer-bug-*.yaml`:
//! the attacker controls web02 and its listener; a coerced call makes dc01's spooler
//! authenticate to the listener as DC01$ ([MS-RPRN] 3.1.4.10.4); if WEB02$ is
//! TRUSTED_FOR_DELEGATION the ticket carries OK-AS-DELEGATE and the SMB session forwards
//! DC01$'s TGT (KRB-2, NET-6), with which web02 reaches the directory replication interface
//! as DC01$ (KRB-3, DCSync).
//!
//! No rule is broken: the configuration is the weakness. The invariant is what the defender
//! wants, a domain controller's TGT never reaches a host that is not a domain controller,
//! and the mitigation is the configuration that removes the weakness: `atk-3` makes WEB02$
//! trusted for delegation, `atk-3-fixed` does not. The sweep: DC01$ NOT_DELEGATED, the
//! listener reached over SMB (a named pipe, as the spooler's notification channel is) or
//! over HTTP, and web02 in the same forest or in a partner forest across a forest trust
//! without TGT delegation (KRB-8, the post-2019 default). INV-2 and INV-22 hold throughout.
//! The attack is found under the default readings of OQD-3 (the client reads OK-AS-DELEGATE
//! on the service ticket) and OQD-4 (the SMB redirector asks for delegation itself); under
//! either alternative no TGT is ever forwarded and `atk-3` finds nothing.

use tokenhop_check::{Claim, Property, Violation};
use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{
    AccountId, Protocol, ResourceId, ServiceId, TooMany, Trust, TrustDirection, TrustKind, Trustee,
};
use tokenhop_model::net::hop::{Credentials, Package};
use tokenhop_model::rules::RuleId;

use super::{Builder, CORP, Chains, ChainsError, Config, access, bit, requests};

const DC_NOT_DELEGATED: u32 = 0;
const LISTENER_HTTP: u32 = 1;
const PARTNER_FOREST: u32 = 2;
/// How many configuration bits there are.
pub const CONFIG_BITS: u32 = 3;

/// The suite's ids and steps.
pub struct PrinterBug {
    /// DC01$, the domain controller's account.
    pub dc_account: AccountId,
    /// The directory's replication secrets on dc01.
    pub secrets: ResourceId,
    /// The attacker's listener on web02.
    pub listener: ServiceId,
    starts: Vec<Step>,
    steps: Vec<Step>,
}

fn build(config: u16, trusted: bool) -> Result<(Config, PrinterBug), TooMany> {
    let mut b = Builder::new("corp.example")?;
    let partner = b.domain("partner.example", "partner.example")?;
    b.dir.trusts.push(Trust {
        a: CORP,
        b: partner,
        kind: TrustKind::Forest,
        enable_tgt_delegation: false,
        quarantined: false,
        direction: TrustDirection::Bidirectional,
        transitive: true,
    });
    let mut words = Vec::new();
    let (dc01, dc_account) = b.machine("dc01", CORP, true)?;
    let web_domain = if bit(config, PARTNER_FOREST) {
        words.push("web02 in partner.example (forest trust, no TGT delegation)");
        partner
    } else {
        CORP
    };
    let (web02, web_account) = b.machine("web02", web_domain, false)?;
    b.dir.account_mut(web_account).trusted_for_delegation = trusted;
    words.push(if trusted {
        "WEB02$ TRUSTED_FOR_DELEGATION"
    } else {
        "WEB02$ not trusted for delegation"
    });
    if bit(config, DC_NOT_DELEGATED) {
        b.dir.account_mut(dc_account).not_delegated = true;
        words.push("DC01$ NOT_DELEGATED");
    }
    let listener_protocol = if bit(config, LISTENER_HTTP) {
        words.push("listener over HTTP");
        Protocol::Http
    } else {
        words.push("listener over SMB");
        Protocol::Smb
    };
    let spooler = b.service("spooler", dc01, dc_account, None, Protocol::Smb)?;
    let drsuapi = b.service("drsuapi", dc01, dc_account, None, Protocol::Rpc)?;
    let listener = b.service("listener", web02, web_account, None, listener_protocol)?;
    let secrets = b.resource(
        "replicate-secrets",
        drsuapi,
        &[(Trustee::Account(dc_account), &["read"])],
    )?;
    let mut steps = requests(
        drsuapi,
        &[Package::Negotiate, Package::Kerberos, Package::Ntlm],
        &[None, Some(ImpersonationLevel::Delegation)],
        &[true],
    );
    steps.push(access(secrets, &["read"]));
    let suite = PrinterBug {
        dc_account,
        secrets,
        listener,
        starts: vec![
            Step::Coerce {
                victim: spooler,
                to: listener,
            },
            Step::StartService { service: listener },
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

/// The suite: every configuration, with WEB02$ trusted for delegation or not.
///
/// # Errors
///
/// As [`Chains::new`].
pub fn model(trusted: bool) -> Result<Chains<PrinterBug>, ChainsError> {
    Chains::built(0..(1u16 << CONFIG_BITS), 0, |c| build(c, trusted))
}

scenario_with_steps!(PrinterBug);

/// The properties.
#[must_use]
pub fn properties() -> Vec<Property<Chains<PrinterBug>>> {
    vec![
        Property::<Chains<PrinterBug>>::always(
            Claim {
                id: "ATK-3",
                statement: "A domain controller's TGT never reaches a host that is not a domain controller, however the DC is made to authenticate.",
                rests_on: &[
                    RuleId::AD_3,
                    RuleId::AD_4,
                    RuleId::KRB_2,
                    RuleId::NET_6,
                    RuleId::OQD_3,
                    RuleId::OQD_4,
                    RuleId::ATK_3,
                ],
            },
            |m, _, _, t, _| {
                let (Some(h), Some(dir)) = (t.holder(), m.dir(t)) else {
                    return Ok(());
                };
                match &h.credentials {
                    Credentials::Tgt(ticket)
                        if ticket.client == m.scenario.dc_account && !dir.machine(h.machine).dc =>
                    {
                        Err(Violation::new(format!(
                            "{} on {}, not a domain controller, holds {}'s TGT",
                            h.service.map_or("a session", |s| &*dir.service(s).name),
                            dir.machine(h.machine).name,
                            dir.account(ticket.client).name
                        )))
                    }
                    _ => Ok(()),
                }
            },
        ),
        Property::<Chains<PrinterBug>>::always(
            Claim {
                id: "ATK-3/DCSync",
                statement: "No chain the attacker drives from web02 opens the directory's replication secrets (DCSync).",
                rests_on: &[RuleId::KRB_3, RuleId::S4U_12, RuleId::HOP_2, RuleId::ATK_3],
            },
            |m, _, a, t, _| match m.step(a) {
                Some(Step::Access { resource, .. }) if *resource == m.scenario.secrets => {
                    Err(Violation::new(format!(
                        "the attacker reads replicate-secrets as {}",
                        m.dir(t).map_or_else(String::new, |dir| {
                            tokenhop_model::net::hop::presented_name(
                                dir,
                                t.holder().and_then(|h| h.presents),
                            )
                        })
                    )))
                }
                _ => Ok(()),
            },
        ),
        crate::invariants::net::inv_2(),
        crate::invariants::net::inv_22(),
    ]
}
