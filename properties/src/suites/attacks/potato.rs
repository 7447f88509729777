//! ATK-5, the Potato family, on the topology of `fixtures/topologies/atk-5-potato-*.yaml`:
//! code runs in `pool`, an application pool on web01 running as svc-iis; the attacker
//! coerces the machine's print spooler, a LocalSystem service, into authenticating to an
//! endpoint the pool serves (PrintSpoofer's named pipe, RoguePotato's RPC, a DCOM or local
//! HTTP listener). With SeImpersonatePrivilege the pool impersonates SYSTEM at the full level
//! (LVL-8) and starts a program with that token (TOK-19).
//!
//! The invariant, as the defender states it: the pool's code never acts as SYSTEM (the
//! machine's own identity, WEB01$ in the model). INV-9 holds (the privilege is the
//! capability), and the mitigation is the privilege itself: `atk-5` lets the pool hold
//! SeImpersonatePrivilege, as every service does by default, `atk-5-fixed` removes it, so the
//! impersonation succeeds at Identification only. The sweep: the endpoint's protocol (SMB
//! named pipe, RPC, DCOM, HTTP).

use tokenhop_check::{Claim, Property, Violation};
use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{
    AccountId, AccountKind, Protocol, ServiceId, TooMany, Trustee,
};
use tokenhop_model::net::hop;
use tokenhop_model::rules::RuleId;

use super::{Builder, CORP, Chains, ChainsError, Config, access};

/// The endpoint protocols swept.
const PROTOCOLS: [(Protocol, &str); 4] = [
    (Protocol::Smb, "the pool serves a named pipe"),
    (Protocol::Rpc, "the pool serves RPC"),
    (Protocol::Dcom, "the pool serves DCOM"),
    (Protocol::Http, "the pool serves HTTP"),
];

/// The suite's ids and steps.
pub struct Potato {
    /// WEB01$, the machine's own identity (SYSTEM locally).
    pub machine_account: AccountId,
    /// The application pool.
    pub pool: ServiceId,
    starts: Vec<Step>,
    steps: Vec<Step>,
}

fn build(config: usize, privilege: bool) -> Result<(Config, Potato), TooMany> {
    let mut b = Builder::new("corp.example")?;
    let svc = b.account("svc-iis", AccountKind::User)?;
    let (web01, machine_account) = b.machine("web01", CORP, false)?;
    let (protocol, word) = PROTOCOLS.get(config).copied().unwrap_or(PROTOCOLS[0]);
    let spooler = b.service("spooler", web01, machine_account, None, Protocol::Rpc)?;
    let pool = b.service("pool", web01, svc, Some("HTTP/pool.web01"), protocol)?;
    if let Some(p) = b.service_mut(pool) {
        p.impersonate_privilege = privilege;
    }
    let hive = b.resource(
        "sam-hive",
        pool,
        &[(Trustee::Account(machine_account), &["read", "write"])],
    )?;
    let words = format!(
        "{word}, {}",
        if privilege {
            "pool holds SeImpersonatePrivilege"
        } else {
            "pool lacks SeImpersonatePrivilege"
        }
    );
    let suite = Potato {
        machine_account,
        pool,
        starts: vec![
            Step::StartService { service: pool },
            Step::Coerce {
                victim: spooler,
                to: pool,
            },
        ],
        steps: vec![
            Step::CreateProcess { with_token: true },
            Step::CreateProcess { with_token: false },
            access(hive, &["read"]),
        ],
    };
    Ok((Config { dir: b.dir, words }, suite))
}

/// The suite: every endpoint protocol, with the pool holding SeImpersonatePrivilege or not.
///
/// # Errors
///
/// As [`Chains::new`].
pub fn model(privilege: bool) -> Result<Chains<Potato>, ChainsError> {
    Chains::built(0..PROTOCOLS.len(), 0, |c| build(c, privilege))
}

scenario_with_steps!(Potato);

/// The properties.
#[must_use]
pub fn properties() -> Vec<Property<Chains<Potato>>> {
    vec![
        Property::<Chains<Potato>>::always(
            Claim {
                id: "ATK-5",
                statement: "The pool's code never acts as SYSTEM: no thread or program of the pool holds the machine's own identity at a level that opens objects.",
                rests_on: &[RuleId::LVL_8, RuleId::TOK_19, RuleId::LVL_1, RuleId::ATK_5],
            },
            |m, _, _, t, _| {
                let (Some(h), Some(dir)) = (t.holder(), m.dir(t)) else {
                    return Ok(());
                };
                if h.service == Some(m.scenario.pool)
                    && h.presents == Some(m.scenario.machine_account)
                    && h.hold.acts()
                {
                    Err(Violation::new(format!(
                        "the pool holds {} ({}): SYSTEM",
                        hop::presented_name(dir, h.presents),
                        h.hold
                    )))
                } else {
                    Ok(())
                }
            },
        ),
        crate::invariants::net::inv_9(),
    ]
}
