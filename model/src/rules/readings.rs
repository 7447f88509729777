//! Selectable readings of ambiguous rules.
//!
//! Where the documents disagree or are silent, the model does not guess: each open
//! question has named readings, the first of them the default, and a scenario may select
//! another (`readings: { OQL-15: held }`). Model code asks
//! [`Readings::alternative`] whether the non-default reading of a rule was selected.

use serde::{Deserialize, Serialize};

use super::RuleId;

/// One reading of an ambiguous rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadingInfo {
    /// The name a scenario selects it by.
    pub name: &'static str,
    /// What the model does under this reading, and who says so.
    pub description: &'static str,
}

/// An ambiguous rule with its readings; the first reading is the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ambiguity {
    /// The open question.
    pub rule: RuleId,
    /// Its readings, the default first.
    pub readings: &'static [ReadingInfo],
}

const fn reading(name: &'static str, description: &'static str) -> ReadingInfo {
    ReadingInfo { name, description }
}

/// Every selectable ambiguity.
pub const AMBIGUITIES: &[Ambiguity] = &[
    Ambiguity {
        rule: RuleId::OQL_1,
        readings: &[
            reading(
                "assign",
                "the call succeeds and the thread impersonates at the token's own low level; object opens then fail (older ImpersonateLoggedOnUser text, IMP-3, TOK-5)",
            ),
            reading(
                "fail",
                "the call fails with ERROR_BAD_IMPERSONATION_LEVEL (the newer \"cannot be used for impersonation\" note read literally)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_2,
        readings: &[
            reading(
                "anonymous",
                "the level is (flags >> 16) & 3, so SECURITY_SQOS_PRESENT alone grants Anonymous (the header's SECURITY_ANONYMOUS is 0; every inspected implementation computes it so)",
            ),
            reading(
                "impersonation",
                "SECURITY_SQOS_PRESENT alone grants Impersonation, as the CreateFile page says the default is",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_3,
        readings: &[
            reading(
                "dynamic-effective",
                "no QoS means Impersonation, dynamic tracking, effective-only (ReactOS NPFS; the catalogue's model default)",
            ),
            reading(
                "static",
                "no QoS means Impersonation, static tracking, not effective-only (Forshaw)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_4,
        readings: &[
            reading(
                "at-open",
                "a static client's context is captured at open, so the server may impersonate before reading anything (ReactOS)",
            ),
            reading(
                "after-read",
                "the server may impersonate only after it has read data, whatever the tracking (the ERROR_CANNOT_IMPERSONATE text)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_7,
        readings: &[
            reading(
                "windows",
                "the eight steps of SeTokenCanImpersonate as Forshaw documents them (IMP-3..IMP-10)",
            ),
            reading(
                "reactos",
                "the four conditions of the WDK remarks as ReactOS implements them: level, anonymous source, equal user, restriction parity (IMP-17)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_8,
        readings: &[
            reading(
                "always",
                "a token of the anonymous logon session is always allowed (Forshaw, step 1)",
            ),
            reading(
                "system-sourced",
                "only an anonymous token made by the system is allowed; others go through the remaining checks (older ReactOS)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_9,
        readings: &[
            reading(
                "vista",
                "the integrity and session-0 checks apply from Windows Vista, which introduced integrity levels and session-0 isolation",
            ),
            reading(
                "10",
                "the integrity and session-0 checks apply only from Windows 10, like the elevation check Forshaw dates",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_15,
        readings: &[
            reading(
                "enabled",
                "SeImpersonatePrivilege counts only when enabled (Forshaw); CreateProcessWithTokenW likewise",
            ),
            reading(
                "held",
                "SeImpersonatePrivilege counts when present, enabled or not (the Win32 pages say the caller \"has\" it)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_16,
        readings: &[
            reading(
                "elevating",
                "SeDelegateSessionUserImpersonatePrivilege is one of the privileges that make a token elevated (Forshaw's list of ten)",
            ),
            reading(
                "not-elevating",
                "it does not make a token elevated (the TokenElevation mask of a decompiled kernel holds nine privileges, not this one)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_19,
        readings: &[
            reading(
                "no-inherit",
                "a new thread starts without impersonation (per-thread impersonation state: Forshaw, ReactOS, Raymond Chen)",
            ),
            reading(
                "inherit",
                "a new thread starts with its creator's impersonation (no document says so; offered because no reference page denies it outright)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::DEF_2,
        readings: &[
            reading(
                "logon-sid",
                "default owner and SYSTEM: GENERIC_ALL; the logon SID: GENERIC_READ|GENERIC_EXECUTE (observed on Vista and later, unverified)",
            ),
            reading(
                "owner-system",
                "default owner and SYSTEM: GENERIC_ALL only (the XP-era listing in The Old New Thing)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQD_1,
        readings: &[
            reading(
                "not-forwardable",
                "the ticket is not forwardable (the catalogue's default; most community notes)",
            ),
            reading(
                "forwardable",
                "the ticket is forwardable: [MS-SFU] forbids it only for a service with msDS-AllowedToDelegateTo and no protocol transition",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQD_2,
        readings: &[
            reading(
                "sensitive-only",
                "RBCD refuses non-forwardable evidence only for a sensitive user (S4U-7, S4U-8)",
            ),
            reading(
                "a2d2-first",
                "as sensitive-only, but a target SPN listed in A2D2 is decided by the classic path, which refuses non-forwardable evidence before RBCD is tried",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQD_3,
        readings: &[
            reading(
                "service-ticket",
                "the client looks for OK-AS-DELEGATE on the service ticket, where the KDC stamps it for a trusted server",
            ),
            reading(
                "tgt",
                "the client looks for OK-AS-DELEGATE on its TGT, as [MS-KILE] 3.2.5.1 is worded, which a user's TGT never carries, so no TGT is forwarded",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQD_4,
        readings: &[
            reading(
                "redirector-delegates",
                "the SMB redirector asks for delegation itself, so a trusted server gets Delegation whatever the client asked",
            ),
            reading(
                "never",
                "the SMB redirector never asks for delegation: the session gives Impersonation",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQD_5,
        readings: &[
            reading(
                "four-hours",
                "the TGT lives 4 hours, as [MS-KILE] 3.3.5.6 says",
            ),
            reading(
                "600-minutes",
                "the TGT lives 600 minutes, as a later sentence of the Protected Users page says",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQD_6,
        readings: &[
            reading(
                "exempt",
                "the built-in Administrator is not protected by Protected Users membership (AD-7, the research observation)",
            ),
            reading(
                "protected",
                "Protected Users protects it like any member; only authentication policies exempt it (the documented exemption)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQD_11,
        readings: &[
            reading(
                "kept",
                "the ticket is as forwardable as one realm would make it",
            ),
            reading("lost", "a cross-realm S4U2self ticket is not forwardable"),
        ],
    },
    Ambiguity {
        rule: RuleId::OQD_13,
        readings: &[
            reading(
                "eight-hours",
                "off-machine use lasts the page's longest period, 8 hours (within the default 10-hour ticket lifetime)",
            ),
            reading(
                "five-minutes",
                "off-machine use lasts the page's shortest period, 5 minutes",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::HOP_3,
        readings: &[
            reading(
                "anonymous",
                "the call goes out as ANONYMOUS LOGON, a NULL session (the back end reports NT AUTHORITY\\ANONYMOUS LOGON)",
            ),
            reading(
                "fails",
                "the security package has nothing to authenticate with: SEC_E_NO_CREDENTIALS",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_1,
        readings: &[
            reading(
                "not-required",
                "SeIncreaseQuotaPrivilege is not checked (a standard-user broker such as Chromium's sandbox creates restricted children without it)",
            ),
            reading(
                "required",
                "SeIncreaseQuotaPrivilege is required, as the CreateProcessAsUser page says is \"typical\"; ERROR_PRIVILEGE_NOT_HELD otherwise",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_2,
        readings: &[
            reading(
                "accept-primary",
                "PrivilegeCheck accepts a primary token and refuses only an Anonymous-level one (ReactOS, decompiled Windows)",
            ),
            reading(
                "impersonation-only",
                "PrivilegeCheck refuses a primary token with ERROR_NO_IMPERSONATION_TOKEN (the page asks for the token of an impersonating thread)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_3,
        readings: &[
            reading(
                "interactive-split",
                "only interactive logons of an administrator get the filtered token with a linked full token; network, batch and service logons get the full token",
            ),
            reading(
                "remote-restricted",
                "as interactive-split, but network logons of a local administrator get a filtered token with no linked token (UAC remote restrictions, KB951016)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_5,
        readings: &[
            reading(
                "ignored",
                "the level flags are ignored for a remote pipe: the server gets Impersonation, or Delegation when the session delegated (the Impersonation Levels page; NET-5, NET-6)",
            ),
            reading(
                "smb-level",
                "the level the client asks for travels in SMB CREATE and is what the server gets ([MS-SMB2] 2.2.13)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_6,
        readings: &[
            reading(
                "promoted",
                "Negotiate, Kerberos, Schannel, and NTLM except on ncalrpc, raise ANONYMOUS and IDENTIFY to IMPERSONATE, as the RPC_SECURITY_QOS notes warn (RPC-7)",
            ),
            reading(
                "honoured",
                "every provider honours IDENTIFY (and ANONYMOUS), as [MS-RPCE] 2.2.1.1.9 requires the identify flag to be set",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_12,
        readings: &[
            reading(
                "no-context",
                "RPC_S_NO_CONTEXT_AVAILABLE (1765), the page's \"no permission to impersonate\" and Wine's answer",
            ),
            reading(
                "cannot-support",
                "RPC_S_CANNOT_SUPPORT (1764), the page's \"not supported for this transport\"",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_10,
        readings: &[
            reading(
                "client-token",
                "the server gets a copy of the client's own token at the granted level: the loopback path (NTLMSSP_NEGOTIATE_LOCAL_CALL; Wine's msv1_0)",
            ),
            reading(
                "network-logon",
                "the server gets a new network logon of the client's user: NETWORK and NTLM Authentication instead of INTERACTIVE, origin zero",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_11,
        readings: &[
            reading(
                "stays",
                "the thread keeps impersonating after the call returns, until something reverts it (THR-11)",
            ),
            reading(
                "reverts",
                "the runtime reverts the thread when the manager routine returns",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_12,
        readings: &[
            reading(
                "privacy-winnt",
                "RPC_C_AUTHN_LEVEL_PKT_PRIVACY and RPC_C_AUTHN_WINNT: ncalrpc is always authenticated (Authentication-Level Constants; Wine)",
            ),
            reading(
                "has-no-auth",
                "RPC_S_BINDING_HAS_NO_AUTH, as for any binding the client did not authenticate",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_13,
        readings: &[
            reading(
                "static-full",
                "ncalrpc tracks statically (RPC_SECURITY_QOS's default) and neither transport asks for effective-only (the runtime never sets SECURITY_EFFECTIVE_ONLY; Wine)",
            ),
            reading(
                "dynamic-effective",
                "ncalrpc tracks dynamically and both transports capture effective-only, the kernel's default for a client that passes no QoS (PIPE-3)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_14,
        readings: &[
            reading(
                "local-delegate",
                "the server is granted Delegation: on one computer NTLM delegates cross-process (COM impersonation levels)",
            ),
            reading(
                "sec-pkg-error",
                "the call fails with RPC_S_SEC_PKG_ERROR like any NTLM delegation request (RPC-10), unless RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE is set",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_15,
        readings: &[
            reading(
                "bad-impersonation-level",
                "the kernel's status passes through: ERROR_BAD_IMPERSONATION_LEVEL",
            ),
            reading("access-denied", "RPC_S_ACCESS_DENIED"),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_16,
        readings: &[
            reading(
                "rejected",
                "the call fails with RPC_S_UNKNOWN_AUTHN_SERVICE: ncalrpc supports only RPC_C_AUTHN_WINNT",
            ),
            reading(
                "provider",
                "the provider authenticates the call as on any other transport (Wine)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_13,
        readings: &[
            reading(
                "unsupported",
                "NTLM refuses ISC_REQ_DELEGATE and ASC_REQ_DELEGATE with SEC_E_UNSUPPORTED_FUNCTION (the pages' return tables)",
            ),
            reading(
                "ignored",
                "NTLM ignores the flag and never returns ISC_RET_DELEGATE (Wine)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_17,
        readings: &[
            reading(
                "logon-denied",
                "the server's last AcceptSecurityContext fails with SEC_E_LOGON_DENIED: the token cannot be passed on (IMP-14)",
            ),
            reading(
                "identification",
                "the server gets an Identification-level copy of the client's token",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_18,
        readings: &[
            reading(
                "impersonation",
                "an impersonation token at the context's level, opened with TOKEN_ALL_ACCESS",
            ),
            reading("primary", "a primary token, opened with TOKEN_ALL_ACCESS"),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_19,
        readings: &[
            reading(
                "invalid-handle",
                "SEC_E_INVALID_HANDLE: the context is not yet one AcceptSecurityContext returned",
            ),
            reading(
                "no-impersonation",
                "SEC_E_NO_IMPERSONATION: there is no client token yet",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_20,
        readings: &[
            reading(
                "no-authority",
                "SEC_E_NO_AUTHENTICATING_AUTHORITY: no KDC could be contacted",
            ),
            reading(
                "no-credentials",
                "SEC_E_NO_CREDENTIALS: the local account has no Kerberos credentials",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_21,
        readings: &[
            reading(
                "four",
                "ISC, ASC, ISC (SEC_E_OK), ASC (SEC_E_OK), as plain NTLM",
            ),
            reading(
                "five",
                "the client's second ISC returns SEC_I_CONTINUE_NEEDED and completes on a third, after the server's SEC_E_OK with a mechListMIC token",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_14,
        readings: &[
            reading(
                "first-call",
                "static cloaking from CoInitializeSecurity fixes each proxy's identity at its first call (the COM cloaking table)",
            ),
            reading(
                "set-blanket",
                "only CoSetProxyBlanket fixes it; until then the proxy presents the process token (the COM+ cloaking page)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_18,
        readings: &[
            reading(
                "not-found",
                "CONTEXT_E_ROLENOTFOUND (IObjectContext::IsCallerInRole lists only this)",
            ),
            reading(
                "false",
                "S_OK with FALSE, for a role the application does not define",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQL_20,
        readings: &[
            reading(
                "call-complete",
                "RPC_E_CALL_COMPLETE, as CoGetCallContext returns outside a call (Wine's conformance test, run on Windows)",
            ),
            reading(
                "no-context",
                "RPC_E_NO_CONTEXT, \"No context is associated with this call\"",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_22,
        readings: &[
            reading(
                "e-fail",
                "E_FAIL, the only failure IServerSecurity::ImpersonateClient lists",
            ),
            reading(
                "unsecure-call",
                "RPC_E_UNSECURE_CALL, \"Impersonate on unsecure calls is not supported\"",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_23,
        readings: &[
            reading(
                "fails",
                "CoImpersonateClient fails with E_FAIL and the thread keeps its token",
            ),
            reading(
                "player",
                "CoImpersonateClient succeeds with the player's own identity (the server process), never the sender's",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_24,
        readings: &[
            reading(
                "checked",
                "they fail with CO_E_NOTINITIALIZED on a thread that has not called CoInitializeEx",
            ),
            reading("unchecked", "they work on any thread (Wine does not check)"),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_25,
        readings: &[
            reading("access-denied", "E_ACCESSDENIED"),
            reading("rpc-access-denied", "RPC_E_ACCESS_DENIED"),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_26,
        readings: &[
            reading(
                "at-call",
                "CoSetProxyBlanket succeeds and the next call fails with ERROR_LOGON_FAILURE",
            ),
            reading("at-blanket", "CoSetProxyBlanket fails with E_INVALIDARG"),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_27,
        readings: &[
            reading(
                "context-exists",
                "the call context exists: IsSecurityEnabled answers FALSE and IsCallerInRole TRUE (IsSecurityEnabled page, COM-21)",
            ),
            reading(
                "no-context",
                "there is no security call context: ISecurityCallContext calls fail with E_NOINTERFACE (SecurityCallContext class page)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_28,
        readings: &[
            reading(
                "anonymous-local",
                "ANONYMOUS is honoured over local IPC, whatever the service (Impersonation Levels, COM)",
            ),
            reading(
                "ntlm-rejects",
                "CoSetProxyBlanket with NTLM and ANONYMOUS fails with E_INVALIDARG (the dwImpLevel rule for NTLMSSP)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_4,
        readings: &[
            reading(
                "primary-only",
                "an impersonation token is refused with ERROR_BAD_TOKEN_TYPE, as for CreateProcessAsUser (the page asks for a primary token)",
            ),
            reading(
                "duplicates",
                "an impersonation token at Impersonation level or above is accepted: the Secondary Logon service duplicates it to a primary token",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_6,
        readings: &[
            reading(
                "caller-session",
                "the token is in the caller's terminal-services session",
            ),
            reading(
                "session-zero",
                "the token is in session 0 until someone sets TokenSessionId",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_7,
        readings: &[
            reading(
                "granted",
                "the creator's handle gets the access asked for (MAXIMUM_ALLOWED: every token right) with no access check, as for other objects a caller creates unnamed",
            ),
            reading(
                "checked",
                "the access asked for is checked against the new token's descriptor with the caller's effective token, so a thread impersonating below Impersonation level cannot make tokens (TOK-5)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_8,
        readings: &[
            reading(
                "token-level",
                "a token object is labelled at the token's own integrity level (no-write-up), so a Low process can manage its own token but not write to a Medium one",
            ),
            reading(
                "unlabeled",
                "a token object has no label and counts as Medium, so a Low process cannot even duplicate its own token",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_9,
        readings: &[
            reading(
                "write-rights",
                "write access is the type's GENERIC_WRITE mapping without READ_CONTROL and SYNCHRONIZE, plus DELETE, WRITE_DAC and WRITE_OWNER",
            ),
            reading(
                "generic-write",
                "write access is exactly the type's GENERIC_WRITE mapping (which for files includes READ_CONTROL and SYNCHRONIZE)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQM_5,
        readings: &[
            reading(
                "primary",
                "the new thread's descriptor comes from the creator's primary token (CreateThread page)",
            ),
            reading(
                "effective",
                "the new thread's descriptor comes from the creator's impersonation token while it impersonates (Thread Security and Access Rights page)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQD_7,
        readings: &[
            reading(
                "legacy-wins",
                "the hosting flags set the same two settings the configuration elements set, and the CLR resolves them as it resolves the elements: legacy before always-flow (CLR-6)",
            ),
            reading(
                "always-flow-wins",
                "the always-flow setter, applied after the legacy one, leaves the process in always-flow mode",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::HOP_5,
        readings: &[
            reading(
                "origin",
                "the S4U token originates in the service's own logon session, so the impersonation check allows it without SeImpersonatePrivilege (IMP-6's origin test)",
            ),
            reading(
                "identification",
                "without SeImpersonatePrivilege the service holds the S4U logon at Identification: S4U supplies no explicit credentials (LVL-8 read literally)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQR_1,
        readings: &[
            reading(
                "untouched",
                "like SuppressFlowWindowsIdentity: no identity is captured and the executing thread's token is left alone (CLR-10)",
            ),
            reading(
                "revert",
                "no security context is captured, and an impersonating thread that runs the callback reverts to the process, as for a context with no identity (CLR-8)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQD_8,
        readings: &[
            reading(
                "service-account",
                "external resources are reached as the service account unless the code impersonates (CLR Integration Code Access Security, CREATE ASSEMBLY, the seed; SQL-4, SQL-5)",
            ),
            reading(
                "caller",
                "the server impersonates the caller for every external access (Creating an Assembly)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQS_1,
        readings: &[
            reading(
                "permission",
                "a login holding UNSAFE ASSEMBLY (by signature or TRUSTWORTHY owner) may create UNSAFE assemblies (CREATE ASSEMBLY, Permissions)",
            ),
            reading(
                "sysadmin",
                "only members of sysadmin may create UNSAFE assemblies (CREATE ASSEMBLY, Remarks)",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQS_2,
        readings: &[
            reading(
                "no-effect",
                "with no EXECUTE AS in force REVERT changes nothing and succeeds (there is no caller to switch back to)",
            ),
            reading(
                "error",
                "REVERT with no EXECUTE AS in force fails; the documents give no message for it",
            ),
        ],
    },
    Ambiguity {
        rule: RuleId::OQD_9,
        readings: &[
            reading(
                "denied",
                "a switched context is never the original caller: external access is denied, and SqlContext.WindowsIdentity stays the connecting caller's (SQL-5 read literally)",
            ),
            reading(
                "switched-login",
                "a switched context that is a Windows login counts as the caller: SqlContext.WindowsIdentity is that login and external access proceeds as it",
            ),
        ],
    },
];

/// The most ambiguities a [`Readings`] can hold: two bits each in two `u128` words.
const CAPACITY: usize = 128;

/// How many ambiguities one `u128` word of selections holds.
const PER_WORD: usize = 64;

/// The most readings one ambiguity may offer (what two bits hold).
const MAX_READINGS: usize = 4;

const _: () = {
    assert!(
        AMBIGUITIES.len() <= CAPACITY,
        "Readings cannot hold every ambiguity"
    );
    let mut i = 0;
    while i < AMBIGUITIES.len() {
        assert!(
            AMBIGUITIES[i].readings.len() <= MAX_READINGS,
            "an ambiguity offers more readings than Readings can hold"
        );
        i += 1;
    }
};

/// The reading selected for each ambiguity (by default, the first of each): two bits per
/// ambiguity, in the order of [`AMBIGUITIES`], and one bit per ambiguity saying whether a
/// scenario selected it in so many words (even its default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Readings {
    selected: [u128; 2],
    named: u128,
}

/// A reading name that is not one of the ambiguity's readings, or an id that is not an
/// ambiguity.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadingError {
    /// The rule has no selectable readings.
    #[error("`{0}` is not an ambiguous rule with selectable readings")]
    NotAmbiguous(String),
    /// The reading is not one of the rule's.
    #[error("`{reading}` is not a reading of {rule}")]
    UnknownReading {
        /// The rule.
        rule: RuleId,
        /// The name given.
        reading: String,
    },
}

impl Readings {
    /// Selects `reading` for the ambiguous rule `rule`.
    pub fn select(&mut self, rule: RuleId, reading: &str) -> Result<(), ReadingError> {
        let position = AMBIGUITIES
            .iter()
            .position(|a| a.rule == rule)
            .ok_or_else(|| ReadingError::NotAmbiguous(rule.code().to_owned()))?;
        let ambiguity = AMBIGUITIES
            .get(position)
            .ok_or_else(|| ReadingError::NotAmbiguous(rule.code().to_owned()))?;
        let index = ambiguity
            .readings
            .iter()
            .position(|r| r.name == reading)
            .ok_or_else(|| ReadingError::UnknownReading {
                rule,
                reading: reading.to_owned(),
            })?;
        let shift = 2 * (position % PER_WORD);
        if let Some(word) = self.selected.get_mut(position / PER_WORD) {
            *word = (*word & !(0b11u128 << shift)) | ((index as u128 & 0b11) << shift);
        }
        self.named |= 1u128 << position;
        Ok(())
    }

    /// Whether a reading was selected for `rule` by name, the default included.
    #[must_use]
    pub fn named(&self, rule: RuleId) -> bool {
        AMBIGUITIES
            .iter()
            .position(|a| a.rule == rule)
            .is_some_and(|p| self.named & (1u128 << p) != 0)
    }

    /// The reading selected for `rule`, if it is an ambiguity.
    #[must_use]
    pub fn selected(&self, rule: RuleId) -> Option<&'static ReadingInfo> {
        let position = AMBIGUITIES.iter().position(|a| a.rule == rule)?;
        AMBIGUITIES
            .get(position)?
            .readings
            .get(self.index(position))
    }

    /// Whether a reading other than the default was selected for `rule`.
    #[must_use]
    pub fn alternative(&self, rule: RuleId) -> bool {
        AMBIGUITIES
            .iter()
            .position(|a| a.rule == rule)
            .is_some_and(|p| self.index(p) != 0)
    }

    /// The index of the reading selected for the ambiguity at `position`.
    fn index(&self, position: usize) -> usize {
        let word = self.selected.get(position / PER_WORD).copied().unwrap_or(0);
        ((word >> (2 * (position % PER_WORD))) & 0b11) as usize
    }
}

/// The ambiguity registered for `rule`, if any.
#[must_use]
pub fn ambiguity(rule: RuleId) -> Option<&'static Ambiguity> {
    AMBIGUITIES.iter().find(|a| a.rule == rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_default_to_the_first_and_select_by_name() {
        let mut r = Readings::default();
        assert!(!r.alternative(RuleId::OQL_15));
        assert_eq!(r.selected(RuleId::OQL_15).map(|x| x.name), Some("enabled"));
        assert!(r.select(RuleId::OQL_15, "held").is_ok());
        assert!(r.alternative(RuleId::OQL_15));
        assert_eq!(r.selected(RuleId::OQL_15).map(|x| x.name), Some("held"));
        assert!(matches!(
            r.select(RuleId::OQL_15, "never"),
            Err(ReadingError::UnknownReading { .. })
        ));
        assert!(matches!(
            r.select(RuleId::IMP_4, "held"),
            Err(ReadingError::NotAmbiguous(_))
        ));
        assert!(AMBIGUITIES.len() <= CAPACITY);
    }
}
