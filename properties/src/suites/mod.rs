//! The built-in suites of the exhaustive explorer: each a model of `tokenhop-sim`'s
//! explorer over a bounded space, with the invariants it checks.
//!
//! - [`delegation`]: every configuration of a three-tier deployment and every chain of up
//!   to four calls through it (INV-1..4, INV-6, INV-8, INV-10, INV-21), under the
//!   mitigations on and, for the attacks, with each fix off.
//! - [`local`]: every sequence of token and thread calls by two threads of one process
//!   (LOC-1..7 and INV-19).
//! - [`queued`]: a COM+ queued component's player and its sender, every sequence of COM,
//!   token and thread calls (INV-19 with LOC-1..7).
//! - [`managed`]: the managed runtimes: every .NET runtime version, host and flow
//!   configuration with every sequence of two threads' impersonation, suppression, hand-off
//!   and RunImpersonated calls (INV-11..15), and every SQL Server CLR session, Windows or
//!   SQL Server authentication, with every sequence of EXECUTE AS, routine calls,
//!   impersonation, context-connection queries and external access (INV-16, INV-18).
//! - [`attacks`]: the other known attacks of the catalogue, each a pair: `atk-N` with its
//!   mitigation off, where the invariant it breaks has a counterexample, and `atk-N-fixed`
//!   with it on, where the invariant holds: the RBCD takeover (ATK-2), the printer bug
//!   (ATK-3), protocol transition (ATK-4), the Potato family (ATK-5), an unchecked failed
//!   impersonation (ATK-8) and SQL CLR running as the service account (ATK-9); and the
//!   double hop (ATK-7), whose pair is `atk-7` (the default, where the second hop fails) and
//!   `atk-7-enabled` (each setting that makes it succeed).

pub mod attacks;
pub mod chains;
pub mod delegation;
pub mod local;
pub mod managed;
pub mod queued;

use tokenhop_check::{self as explore, Model, Options, Report};

/// A property of a suite as listings show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PropertyInfo {
    /// Its id.
    pub id: &'static str,
    /// Its statement.
    pub statement: &'static str,
    /// The rules it rests on.
    pub rests_on: &'static [tokenhop_model::rules::RuleId],
}

/// The listing of a model's properties.
#[must_use]
pub fn infos<M: Model>(properties: &[explore::Property<M>]) -> Vec<PropertyInfo> {
    properties
        .iter()
        .map(|p| PropertyInfo {
            id: p.id,
            statement: p.statement,
            rests_on: p.rests_on,
        })
        .collect()
}

/// What a long run calls after each level, for a progress display.
pub type ProgressFn<'a> = dyn Fn(&explore::Progress) + Sync + 'a;

/// A suite: a name, what it sweeps, and how to run it.
pub struct Suite {
    /// Its name (`tokenhop check --suite NAME`).
    pub name: &'static str,
    /// What it sweeps and expects.
    pub description: &'static str,
    /// The depth it explores to by default.
    pub depth: u32,
    /// How long a run at that depth usually takes on two cores (release build), as
    /// `tokenhop check --list` shows it.
    pub duration: &'static str,
    /// The properties it checks: id, statement and the rules each rests on.
    pub properties: fn() -> Vec<PropertyInfo>,
    /// The invariants whose counterexample is the point of the suite: the attack it
    /// reproduces. Every other invariant must hold, and every reachability claim be met.
    pub expect_broken: &'static [&'static str],
    /// Runs it.
    pub run: fn(&Options, &ProgressFn<'_>) -> Result<Report, SuiteError>,
}

/// Why a suite could not run.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// Its starting world, built from a bundled script, did not load.
    #[error("the suite's starting world does not load: {0}")]
    Setup(String),
    /// Its model over chains could not be built.
    #[error(transparent)]
    Chains(#[from] chains::ChainsError),
}

fn run_model<M: Model>(
    model: &M,
    options: &Options,
    progress: &(dyn Fn(&explore::Progress) + Sync),
) -> Result<Report, SuiteError> {
    Ok(explore::explore(model, options, progress))
}

/// Every built-in suite.
pub const SUITES: &[Suite] = &[
    Suite {
        name: "delegation",
        description: "every configuration of the three-tier deployment (65,536: the user's two flags, each tier's delegation flags, the front end serving HTTP, SMB, RPC or DCOM, the middle tier RPC or DCOM, the back end SMB or HTTP) and every chain of calls, S4U2self and Bronze Bit tampering (the whole space, 26.2 M states), with every fix on: INV-1..8 and INV-10 hold, INV-21 is exhibited",
        depth: 9,
        duration: "about 3 to 5 minutes",
        properties: delegation_properties,
        expect_broken: &[],
        run: |o, p| {
            run_model(
                &delegation::Delegation::new(delegation::Mitigations::ON)?,
                o,
                p,
            )
        },
    },
    Suite {
        name: "atk-1",
        description: "the delegation suite with ticket signatures not enforced: the Bronze Bit (ATK-1) breaks INV-4 and INV-1",
        depth: 9,
        duration: "about 3 to 4 minutes",
        properties: delegation_properties,
        expect_broken: &["INV-1", "INV-4"],
        run: |o, p| {
            run_model(
                &delegation::Delegation::new(delegation::Mitigations {
                    ticket_signatures: false,
                    ..delegation::Mitigations::ON
                })?,
                o,
                p,
            )
        },
    },
    Suite {
        name: "atk-6",
        description: "the delegation suite without the CVE-2020-16996 fix: RBCD delegates a Protected Users member (ATK-6), breaking INV-1",
        depth: 9,
        duration: "about 3 to 4 minutes",
        properties: delegation_properties,
        expect_broken: &["INV-1"],
        run: |o, p| {
            run_model(
                &delegation::Delegation::new(delegation::Mitigations {
                    rbcd_sensitive_enforced: false,
                    ..delegation::Mitigations::ON
                })?,
                o,
                p,
            )
        },
    },
    Suite {
        name: "atk-2",
        description: "the RBCD takeover (ATK-2): mallory may write FILES01$'s RBCD list and controls ATTACK01$; 8 configurations (adm NOT_DELEGATED, adm in Protected Users, FILES01$'s owner admitting ATTACK01$; victims adm and the RID-500 Administrator) and every chain of RBCD writes, S4U2self and calls from mallory's logon or ATTACK01$'s process, to exhaustion: ATK-2 (no one reaches files01 as another user through an RBCD entry its owner did not write) is broken; INV-20 and INV-3 hold, write access being the only gate",
        depth: 7,
        duration: "under a second",
        properties: || infos(&attacks::rbcd::properties()),
        expect_broken: &["ATK-2"],
        run: |o, p| run_model(&attacks::rbcd::model(true)?, o, p),
    },
    Suite {
        name: "atk-2-fixed",
        description: "the RBCD takeover's mitigation: the same 8 configurations with mallory holding no write access to FILES01$: ATK-2, INV-20 and INV-3 hold",
        depth: 7,
        duration: "under a second",
        properties: || infos(&attacks::rbcd::properties()),
        expect_broken: &[],
        run: |o, p| run_model(&attacks::rbcd::model(false)?, o, p),
    },
    Suite {
        name: "atk-3",
        description: "the printer bug (ATK-3): WEB02$ trusted for delegation; 8 configurations (DC01$ NOT_DELEGATED, the listener over SMB or HTTP, web02 in the forest or across a forest trust without TGT delegation) and every chain of calls and opens from the coerced spooler or web02's own process, to exhaustion: ATK-3 (a DC's TGT never reaches a non-DC host) and ATK-3/DCSync are broken, as a legitimate trace of KRB-2 with AD-4's configuration (OQD-4 at its default reading); INV-2 and INV-22 hold",
        depth: 4,
        duration: "under a second",
        properties: || infos(&attacks::printer_bug::properties()),
        expect_broken: &["ATK-3", "ATK-3/DCSync"],
        run: |o, p| run_model(&attacks::printer_bug::model(true)?, o, p),
    },
    Suite {
        name: "atk-3-fixed",
        description: "the printer bug's mitigation: the same 8 configurations with WEB02$ not trusted for delegation: ATK-3, ATK-3/DCSync, INV-2 and INV-22 hold",
        depth: 4,
        duration: "under a second",
        properties: || infos(&attacks::printer_bug::properties()),
        expect_broken: &[],
        run: |o, p| run_model(&attacks::printer_bug::model(false)?, o, p),
    },
    Suite {
        name: "atk-4",
        description: "constrained delegation with protocol transition (ATK-4): svc-web TRUSTED_TO_AUTH_FOR_DELEGATION; 16 configurations (adm NOT_DELEGATED, adm in Protected Users, msDS-AllowedToDelegateTo listing the file server and the SQL server) and every chain from app's process or adm's own logon (S4U2self, Bronze Bit tampering under enforced signatures, calls), to exhaustion: ATK-4 (a service reaches another machine as a user only if that user authenticated) is broken; INV-1, INV-3 and INV-4 hold, KRB-5 (legitimate constrained delegation) is exhibited",
        depth: 9,
        duration: "under a second",
        properties: || infos(&attacks::protocol_transition::properties()),
        expect_broken: &["ATK-4"],
        run: |o, p| run_model(&attacks::protocol_transition::model(true)?, o, p),
    },
    Suite {
        name: "atk-4-fixed",
        description: "protocol transition's mitigation: the same 16 configurations with svc-web set to Kerberos only: ATK-4, INV-1, INV-3 and INV-4 hold, and adm's own Kerberos logon is still delegated as configured (KRB-5 exhibited)",
        depth: 9,
        duration: "under a second",
        properties: || infos(&attacks::protocol_transition::properties()),
        expect_broken: &[],
        run: |o, p| run_model(&attacks::protocol_transition::model(false)?, o, p),
    },
    Suite {
        name: "atk-5",
        description: "the Potato family (ATK-5): the application pool holds SeImpersonatePrivilege; 4 configurations (the pool's endpoint over a named pipe, RPC, DCOM or HTTP) and every chain (the coerced LocalSystem spooler, CreateProcess with and without the token, opening a SYSTEM-only file), to exhaustion: ATK-5 (the pool never acts as SYSTEM) is broken; INV-9 holds, the privilege being the capability",
        depth: 3,
        duration: "under a second",
        properties: || infos(&attacks::potato::properties()),
        expect_broken: &["ATK-5"],
        run: |o, p| run_model(&attacks::potato::model(true)?, o, p),
    },
    Suite {
        name: "atk-5-fixed",
        description: "the Potato family's mitigation: the same 4 configurations with the pool lacking SeImpersonatePrivilege (the impersonation gives Identification): ATK-5 and INV-9 hold",
        depth: 3,
        duration: "under a second",
        properties: || infos(&attacks::potato::properties()),
        expect_broken: &[],
        run: |o, p| run_model(&attacks::potato::model(false)?, o, p),
    },
    Suite {
        name: "atk-7",
        description: "the double hop as a safety property (ATK-7), default configurations: 8 (alice NOT_DELEGATED, alice in Protected Users, WinRM over HTTP or RPC) with no delegation setting, and every chain, to exhaustion (alice's calls to WinRM with each package, level and mutual authentication, by SPN or by address, WinRM's calls to the file share): the second hop never presents alice (ATK-7/CredSSP, /TD, /KCD, /RBCD, INV-6, INV-7 hold) and the failing trace, ANONYMOUS LOGON at the share, is exhibited (ATK-7). Its companion atk-7-enabled has the settings that make the second hop work",
        depth: 9,
        duration: "under a second",
        properties: || infos(&attacks::double_hop::properties()),
        expect_broken: &[],
        run: |o, p| run_model(&attacks::double_hop::model(false)?, o, p),
    },
    Suite {
        name: "atk-7-enabled",
        description: "the double hop's enabling configurations (ATK-7): 40 (the 8 of atk-7 times a cleartext logon, CredSSP with saved credentials, WEB01$ trusted for delegation, KCD to cifs/files01, RBCD on FILES01$): each of ATK-7/CredSSP, /TD, /KCD and /RBCD has its counterexample, INV-6 and INV-7 still hold, and the failing trace is still exhibited where no setting applies",
        depth: 9,
        duration: "under a second",
        properties: || infos(&attacks::double_hop::properties()),
        expect_broken: &["ATK-7/CredSSP", "ATK-7/TD", "ATK-7/KCD", "ATK-7/RBCD"],
        run: |o, p| run_model(&attacks::double_hop::model(true)?, o, p),
    },
    Suite {
        name: "atk-8",
        description: "an unchecked failed impersonation (ATK-8): the agent does not check the result; 8 configurations (RPC, DCOM, HTTP or SMB; LocalSystem or a domain service account) and every chain of mallory's, to exhaustion (calls with each package and level, authenticated or not, opening the agent's configuration): ATK-8 (a request never runs as the server's own identity) and ATK-8/write are broken; LVL-9 holds",
        depth: 4,
        duration: "under a second",
        properties: || infos(&attacks::unchecked::properties()),
        expect_broken: &["ATK-8", "ATK-8/write"],
        run: |o, p| run_model(&attacks::unchecked::model(false)?, o, p),
    },
    Suite {
        name: "atk-8-fixed",
        description: "an unchecked failed impersonation's mitigation: the same 8 configurations with the agent checking the result: ATK-8, ATK-8/write and LVL-9 hold",
        depth: 4,
        duration: "under a second",
        properties: || infos(&attacks::unchecked::properties()),
        expect_broken: &[],
        run: |o, p| run_model(&attacks::unchecked::model(true)?, o, p),
    },
    Suite {
        name: "atk-9",
        description: "SQL CLR as the service account (ATK-9): 12 configurations with a weakness (mallory holding EXTERNAL ACCESS ASSEMBLY, or app TRUSTWORTHY; app owned by sa or mallory; SQL Server 2014 or 2019 with clr strict security) and every sequence of calls with up to two assemblies, to exhaustion (CREATE ASSEMBLY of each set, signed or not; entering one; impersonating and undoing; opening a file only the service account may read): ATK-9 (a login not trusted to run as the service account never reaches a service-only resource) is broken; INV-17 holds",
        depth: 9,
        duration: "under a second",
        properties: || infos(&attacks::sql::properties()),
        expect_broken: &["ATK-9"],
        run: |o, p| run_model(&attacks::sql::Sql::new(false), o, p),
    },
    Suite {
        name: "atk-9-fixed",
        description: "SQL CLR's mitigation: the 4 configurations with no EXTERNAL ACCESS ASSEMBLY grant and app not TRUSTWORTHY: ATK-9 and INV-17 hold",
        depth: 9,
        duration: "under a second",
        properties: || infos(&attacks::sql::properties()),
        expect_broken: &[],
        run: |o, p| run_model(&attacks::sql::Sql::new(true), o, p),
    },
    Suite {
        name: "local",
        description: "every sequence of token and thread calls by two threads of one process (ImpersonateSelf at each level, RevertToSelf, OpenThreadToken, OpenProcessToken, DuplicateTokenEx, SetThreadToken, ImpersonateLoggedOnUser, LogonUser, CloseHandle, object opens, ImpersonateAnonymousToken): LOC-1..7 hold",
        depth: 4,
        duration: "under a second",
        properties: || infos(&local::properties()),
        expect_broken: &[],
        run: |o, p| run_model(&local::Local::default(), o, p),
    },
    Suite {
        name: "com-queued",
        description: "a COM+ queued component: its player thread (LOCAL SERVICE) and the sender (alice), who has recorded a call; every sequence of playing, impersonating the caller, role checks, returning, recording again, and the token and thread calls: INV-19 and LOC-1..7 hold",
        depth: 4,
        duration: "about a second",
        properties: || infos(&local::properties()),
        expect_broken: &[],
        run: |o, p| run_model(&queued::model()?, o, p),
    },
    Suite {
        name: "managed",
        description: "the .NET and SQL Server CLR invariants: 458 .NET configurations (every runtime version; an application, classic ASP.NET, an unmanaged CLR host or ASP.NET Core; legacyImpersonationPolicy and alwaysFlowImpersonationPolicy unset, false or true; the STARTUP_* flags), each started, then every sequence of two threads' calls (Impersonate and Undo, P/Invoke impersonation and RevertToSelf, ExecutionContext and SecurityContext flow suppression and its undo, the five hand-offs, running and returning from up to two work items, RunImpersonated and disposing its handle); and 16 SQL Server sessions (Windows or SQL Server authentication, clr strict security, TRUSTWORTHY, delegation), each with every sequence of EXECUTE AS LOGIN or USER, REVERT, calls into a SAFE, EXTERNAL_ACCESS or UNSAFE routine and the routine's SqlContext.WindowsIdentity, Impersonate, Undo, thread start, context-connection queries and external access on either thread; 1,413,878 states at depth 6: INV-11..16 and INV-18 hold",
        depth: 6,
        duration: "about a second",
        properties: || infos(&managed::properties()),
        expect_broken: &[],
        run: |o, p| run_model(&managed::Managed::default(), o, p),
    },
];

fn delegation_properties() -> Vec<PropertyInfo> {
    infos(&delegation::properties())
}

/// Whether a finding is what the suite expects: an invariant the suite's attack breaks
/// has a counterexample, every other property holds as it claims. An undecided finding
/// is never what a suite expects.
#[must_use]
pub fn as_expected(suite: &Suite, finding: &explore::Finding) -> bool {
    if suite.expect_broken.contains(&finding.id) {
        matches!(finding.verdict, explore::Verdict::Broken(_))
    } else {
        finding.holds()
    }
}

/// The suite named `name`.
#[must_use]
pub fn suite(name: &str) -> Option<&'static Suite> {
    SUITES.iter().find(|s| s.name == name)
}
