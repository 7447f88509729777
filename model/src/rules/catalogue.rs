//! The registered rules, each with its statement, status and citations.
//!
//! Catalogue rules keep the ids of the project's rule catalogues (TOK, IMP, THR, ... and
//! the open questions OQL-n). Rules the model needed beyond the catalogues use their own
//! prefixes (ACC, MIC, HND, ACCT, LOGON, INFO, PRIV, RTOK, MEMB, PROC, RES) and cite the
//! documents that state them just the same.
//!
//! A statement is the rule's documentation too: it is written as rustdoc reads it, a
//! literal that looks like an HTML tag in backticks, and shown elsewhere without them
//! (`rules::text`).

use super::sources::*;
use super::{Citation, Rule, Status};

macro_rules! define_rules {
    ($(
        $variant:ident $code:literal $status:ident
        $statement:literal
        [$($src:ident $loc:literal),* $(,)?]
    )*) => {
        /// A registered rule. Its [`code`](RuleId::code) is the id written in documents.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId {
            $(
                #[doc = $statement]
                $variant,
            )*
        }

        impl RuleId {
            /// Every rule, in registry order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),*];

            /// The rule's statement, status and citations.
            #[must_use]
            pub const fn info(self) -> Rule {
                match self {
                    $(
                        RuleId::$variant => Rule {
                            id: RuleId::$variant,
                            code: $code,
                            statement: super::text::plain!($statement),
                            status: Status::$status,
                            citations: &[$(Citation { source: $src, locator: $loc }),*],
                        },
                    )*
                }
            }
        }
    };
}

define_rules! {
    // ---------------------------------------------------------------- TOK: tokens
    TOK_1 "TOK-1" Documented
        "There are two token types, primary and impersonation; the impersonation level matters only for impersonation tokens, and a primary token keeps the level it was duplicated with."
        [L_IMP_TOKENS "", WSI_4 "Converting Between Token Types, Listing 4-5"]
    TOK_2 "TOK-2" Documented
        "Impersonation levels are ordered Anonymous < Identification < Impersonation < Delegation; the RPC/COM constants are the kernel level plus one."
        [MS_LSAD "", L_COM_IMP_CONST ""]
    TOK_3 "TOK-3" Documented
        "A thread token at Anonymous level cannot be opened (ERROR_CANT_OPEN_ANONYMOUS) nor used to open objects."
        [L_OTT "Return value", ROS_TOKEN "NtOpenThreadTokenEx", WSI_4 "sidebar Anonymous Users"]
    TOK_4 "TOK-4" Documented
        "At Identification level a server may read the client's identity and run access checks with it, but may not open secured objects as the client."
        [L_IMP_LEVELS "", L_SIL "SecurityIdentification", WSI_4 "pp. 104-105"]
    TOK_5 "TOK-5" Observed
        "An object open with an impersonation token below Impersonation level fails with ERROR_BAD_IMPERSONATION_LEVEL before the DACL is consulted."
        [ROS_ACCESSCHK "SepAccessCheck, check for invalid impersonation", WSI_4 "Listing 4-3"]
    TOK_6 "TOK-6" Observed
        "AccessCheck requires an impersonation token (ERROR_NO_IMPERSONATION_TOKEN for a primary token) at Identification level or above (ERROR_BAD_IMPERSONATION_LEVEL for Anonymous)."
        [ROS_ACCESSCHK "NtAccessCheck", L_IMP_TOKENS ""]
    TOK_7 "TOK-7" Documented
        "At Impersonation level the server has full local access as the client; onward network use depends on the client's logon session holding credentials."
        [L_SIL "SecurityImpersonation", L_CLIENT_LOGON "", WSI_4 "p. 105", SEED_004 "the ncalrpc exception paragraph"]
    TOK_8 "TOK-8" Documented
        "At Delegation level the server may act as the client locally and remotely; for network clients the domain must also permit delegation."
        [L_COM_IMP_LVLS "", L_SSPI_CTX_REQ "DELEGATE", WSI_4 "p. 105", SEED_001 "Administrative Requirements for Delegate-Level Impersonation"]
    TOK_9 "TOK-9" Observed
        "Duplicating an impersonation token into an impersonation token cannot raise its level (ERROR_BAD_IMPERSONATION_LEVEL); a primary token may be duplicated at any level."
        [ROS_TOKENLIF "NtDuplicateToken", WSI_4 "Listing 4-4"]
    TOK_10 "TOK-10" Documented
        "A primary token cannot be made from an impersonation token below Impersonation level (ERROR_BAD_IMPERSONATION_LEVEL)."
        [ROS_TOKENLIF "NtDuplicateToken", WSI_4 "Listing 4-6", L_DTE "Remarks"]
    TOK_11 "TOK-11" Documented
        "DuplicateTokenEx needs TOKEN_DUPLICATE on the source; a desired access of 0 copies the source handle's access, MAXIMUM_ALLOWED is allowed; DuplicateToken makes only impersonation tokens; an invalid token type is ERROR_INVALID_PARAMETER."
        [L_DTE "Parameters", ROS_TOKENLIF "NtDuplicateToken"]
    TOK_12 "TOK-12" Documented
        "ImpersonateLoggedOnUser duplicates a primary token to an Impersonation-level impersonation token before assigning it, and assigns an impersonation token as it is."
        [L_ILOU "Remarks", ROS_ADVAPI "ImpersonateLoggedOnUser"]
    TOK_13 "TOK-13" Observed
        "Anyone may lower a token's integrity level; raising it requires SeTcbPrivilege."
        [WSI_4 "Table 4-3, pp. 112-113", MS_DTYP_SIDS "S-1-16-x"]
    TOK_14 "TOK-14" Observed
        "A token is elevated if it holds one of ten sensitive privileges or an administrative group RID; its integrity level does not count."
        [WSI_4 "pp. 123-124"]
    TOK_15 "TOK-15" Observed
        "A UAC split token's limited half (Medium, admin groups deny-only, five privileges) is linked to a full half (High) in another logon session; TokenLinkedToken hands the full half out at Identification level unless the caller has SeTcbPrivilege."
        [WSI_4 "Listings 4-24 and 4-25, pp. 126-128"]
    TOK_16 "TOK-16" Documented
        "SYSTEM, LOCAL SERVICE, NETWORK SERVICE and ANONYMOUS have fixed logon session ids (0x3e7, 0x3e5, 0x3e4, 0x3e6); a token's origin is the session of whoever authenticated it."
        [WSI_4 "Table 4-1, pp. 101-102", L_ILOU "Remarks"]
    TOK_17 "TOK-17" Documented
        "LogonUser returns an impersonation token for a network logon and a primary token for every other logon type."
        [L_LOGON_USER "phToken"]
    TOK_18 "TOK-18" Observed
        "Without SeAssignPrimaryTokenPrivilege, a process may assign only a token that is a child or sibling of its own primary token and whose integrity level is not above its own."
        [WSI_4 "Assigning a Primary Token, pp. 133-135", ROS_PS "PspSetPrimaryToken"]
    TOK_19 "TOK-19" Documented
        "CreateProcessWithTokenW needs SeImpersonatePrivilege; CreateProcessAsUser needs SeAssignPrimaryTokenPrivilege when the token is not assignable."
        [L_CPWT "Remarks"]
    TOK_20 "TOK-20" Documented
        "An effective-only capture drops the groups and privileges that were disabled at capture time."
        [L_CREATE_FILE "SECURITY_EFFECTIVE_ONLY", WSI_4 "pp. 106, 110", WDK_PS_IMP "EffectiveOnly"]

    // ---------------------------------------------------------------- IMP: the kernel check
    IMP_1 "IMP-1" Documented
        "Every impersonation API ends in the same kernel check (PsImpersonateClient / SeTokenCanImpersonate)."
        [L_ILOU "Remarks", L_INPC "Remarks", L_ISC "Remarks", L_RPC_RIC "Remarks", WDK_PS_IMP "Remarks", WSI_4 "p. 136"]
    IMP_2 "IMP-2" Documented
        "When the check fails the thread silently gets an Identification-level copy of the token and the API still reports success."
        [WSI_4 "p. 138", WDK_PS_IMP "Remarks", NT_OBJ_MGR "", L_RPC_RIC "Remarks", ROS_PR "#3605"]
    IMP_3 "IMP-3" Observed
        "A requested level below Impersonation, or a token of the anonymous logon session, is always allowed."
        [WSI_4 "SeTokenCanImpersonate step 1", L_ILOU "Remarks (older revision)", SEED_002 "Remarks, first condition"]
    IMP_4 "IMP-4" Documented
        "SeImpersonatePrivilege enabled on the primary token of the target thread's process allows the impersonation and skips every later check; the privilege and the checks after it exist from Windows XP SP2 on."
        [WSI_4 "step 2, pp. 115, 136", L_ILOU "Remarks", L_RPC_RIC "Remarks", SEED_002 "Remarks, second condition; Windows XP note"]
    IMP_5 "IMP-5" Observed
        "A token whose integrity level is above the process's is downgraded."
        [WSI_4 "step 3, Listing 4-32"]
    IMP_6 "IMP-6" Documented
        "A token whose origin is the process's logon session (made there with explicit credentials) is allowed."
        [WSI_4 "step 4", L_ILOU "Remarks, explicit credentials", L_UR_IMP "", SEED_002 "Remarks, third condition"]
    IMP_7 "IMP-7" Documented
        "A token of a different user than the process's is downgraded."
        [WSI_4 "step 5", L_ILOU "Remarks, same user", L_UR_IMP "", SEED_002 "Remarks, fourth condition"]
    IMP_8 "IMP-8" Observed
        "On Windows 10 and later a non-elevated process cannot impersonate an elevated token."
        [WSI_4 "step 6"]
    IMP_9 "IMP-9" Observed
        "A restricted, write-restricted or AppContainer process can impersonate only an equally sandboxed token."
        [WSI_4 "step 7"]
    IMP_10 "IMP-10" Observed
        "A session-0 token is downgraded for a process outside session 0."
        [WSI_4 "step 8"]
    IMP_11 "IMP-11" Observed
        "The checks run in a fixed order: low level or anonymous, privilege, integrity, origin, user, elevation, sandbox, session."
        [WSI_4 "Figure 4-5 and steps 1-8"]
    IMP_12 "IMP-12" Documented
        "By default Administrators, LOCAL SERVICE, NETWORK SERVICE and SERVICE hold SeImpersonatePrivilege; ordinary users do not."
        [L_UR_IMP "Default values", MS_DTYP_SIDS ""]
    IMP_13 "IMP-13" Documented
        "A service configured with required privileges that omit SeImpersonatePrivilege loses it from its process token."
        [L_SVC_VISTA "Running with Least Privilege"]
    IMP_14 "IMP-14" Documented
        "A client that is itself impersonating cannot pass on a level above its own, nor any level when its own is below Impersonation."
        [ROS_CLIENT "SepCreateClientSecurity", WDK_SE_CCS "Return value", WSI_4 "p. 106"]
    IMP_15 "IMP-15" Documented
        "A static capture copies the client's token at capture time; a dynamic local capture references the live token."
        [WDK_SE_CCS "Remarks", ROS_CLIENT "", WSI_4 "p. 106"]
    IMP_16 "IMP-16" Documented
        "A capture grants the client's requested QoS level, still subject to the kernel check."
        [ROS_CLIENT "SeImpersonateClientEx", WDK_PS_IMP "Token", WDK_SE_ICE ""]
    IMP_17 "IMP-17" Observed
        "ReactOS's SeTokenCanImpersonate checks only level, anonymous source, equal user and restriction parity; the model follows Windows unless that reading is selected."
        [ROS_TOKEN "SeTokenCanImpersonate", ROS_PR "#5324"]

    // ---------------------------------------------------------------- THR: threads
    THR_1 "THR-1" Observed
        "A thread's effective token is its impersonation token while it impersonates, otherwise its process's primary token."
        [ROS_PS "PsReferenceEffectiveToken", L_IMP_TOKENS "", WSI_4 "p. 104"]
    THR_2 "THR-2" Observed
        "A new thread starts without impersonation, whatever its creator was impersonating."
        [WSI_4 "p. 104", L_THREAD_POOLS "", L_OLD_NEW_THING_THREADS "", ROS_PS "per-thread ImpersonationInfo"]
    THR_3 "THR-3" Documented
        "CreateProcess, TCB and audit privilege checks, the impersonation-privilege check and OpenAsSelf use the process primary token, not the thread token."
        [L_IMP_LEVELS "", WSI_4 "p. 115"]
    THR_4 "THR-4" Documented
        "An object created while impersonating takes its default owner and DACL from the impersonation token."
        [L_IMP_LEVELS "", L_THREAD_RIGHTS ""]
    THR_5 "THR-5" Documented
        "SetThreadToken needs THREAD_SET_THREAD_TOKEN on the thread and TOKEN_IMPERSONATE on an impersonation token (ERROR_BAD_TOKEN_TYPE otherwise); a NULL token stops impersonation."
        [L_STT "Parameters", L_THREAD_RIGHTS "", ROS_PS "PsAssignImpersonationToken", ROS_PS_QUERY "NtSetInformationThread"]
    THR_6 "THR-6" Observed
        "Impersonation set on a thread of another process is checked against that process's primary token."
        [WSI_4 "p. 136"]
    THR_7 "THR-7" Documented
        "OpenThreadToken fails with ERROR_NO_TOKEN when the thread is not impersonating and ERROR_CANT_OPEN_ANONYMOUS at Anonymous level."
        [L_OTT "Return value", ROS_TOKEN "NtOpenThreadTokenEx"]
    THR_8 "THR-8" Documented
        "OpenAsSelf checks access to the thread token with the process primary token; otherwise with the caller's thread token, which fails at Identification level."
        [L_OTT "OpenAsSelf", ROS_TOKEN "PsDisableImpersonation"]
    THR_9 "THR-9" Observed
        "Opening a thread token installed copy-on-open returns a new duplicate rather than the token itself."
        [ROS_TOKEN "NtOpenThreadTokenEx", ROS_CLIENT "", WDK_PS_IMP "CopyOnOpen"]
    THR_10 "THR-10" Documented
        "RevertToSelf clears the calling thread's impersonation, and succeeds when there is none."
        [L_CLIENT_IMP "", ROS_PS "PsRevertThreadToSelf"]
    THR_11 "THR-11" Documented
        "Impersonation lasts until reverted or the thread exits; a new impersonation replaces the old one, nothing stacks."
        [L_ILOU "Remarks", WDK_PS_IMP "Remarks", L_COM_ISS "Remarks"]
    THR_12 "THR-12" Documented
        "Impersonation begun with RpcImpersonateClient must be ended with RpcRevertToSelf or RpcRevertToSelfEx; RevertToSelf clears the thread's token but leaves the RPC runtime believing the thread still impersonates."
        [L_REVERT_TO_SELF "Remarks", L_CLIENT_IMP "", L_RPC_RTS ""]
    THR_13 "THR-13" Documented
        "ImpersonateSelf duplicates the process token at the requested level and assigns it to the calling thread."
        [L_CLIENT_IMP "", L_IMPERSONATE_SELF "Remarks", ROS_RTL "RtlImpersonateSelf"]
    THR_14 "THR-14" Observed
        "ImpersonateAnonymousToken installs the anonymous logon token (with Everyone only if EveryoneIncludesAnonymous is set) at Impersonation level, copy-on-open."
        [ROS_TOKEN "SepImpersonateAnonymousToken", WSI_4 "Anonymous Users"]
    THR_15 "THR-15" Observed
        "NtImpersonateThread captures the source thread's effective token with the given QoS and impersonates it on the target thread."
        [ROS_PS "NtImpersonateThread", L_THREAD_RIGHTS "", WSI_4 "p. 107"]

    // ---------------------------------------------------------------- PIPE: named pipes
    PIPE_1 "PIPE-1" Documented
        "With SECURITY_SQOS_PRESENT, CreateFile's flags give the QoS: level (flags >> 16) & 3, dynamic tracking with SECURITY_CONTEXT_TRACKING, effective-only with SECURITY_EFFECTIVE_ONLY."
        [L_CREATE_FILE "SQOS flags", WSI_4 "p. 106"]
    PIPE_2 "PIPE-2" Documented
        "SECURITY_SQOS_PRESENT with no level bits encodes Anonymous, since SECURITY_ANONYMOUS is 0."
        [L_CREATE_FILE "dwFlagsAndAttributes"]
    PIPE_3 "PIPE-3" Documented
        "A client that passes no QoS grants Impersonation level; its tracking and effective-only defaults are disputed."
        [L_IMP_PIPE "", L_IMP_LEVELS "", ROS_NPFS "NpInitializeSecurity", WSI_4 "p. 106"]
    PIPE_4 "PIPE-4" Documented
        "Only the server end of a pipe may impersonate its client (and connect or disconnect it); the client end gets ERROR_INVALID_FUNCTION."
        [L_INPC "Remarks", ROS_NPFS "NpImpersonate, NpFsdFileSystemControl"]
    PIPE_5 "PIPE-5" Documented
        "Without a captured client context ImpersonateNamedPipeClient fails with ERROR_CANNOT_IMPERSONATE."
        [L_ERROR_CODES "1368", ROS_NPFS "NpImpersonateClientContext"]
    PIPE_6 "PIPE-6" Documented
        "Under dynamic tracking each client write captures the writer's effective token, and the server impersonates the writer of the last message it read."
        [L_INPC "Remarks, last message read", ROS_NPFS "NpGetClientSecurityContext", WSI_4 "p. 106"]
    PIPE_7 "PIPE-7" Observed
        "Under static tracking the client's context is captured once, when it opens the pipe."
        [ROS_NPFS "NpInitializeSecurity", WDK_SE_CCS "Remarks", WSI_4 "p. 106"]
    PIPE_8 "PIPE-8" Observed
        "A client impersonating at Identification or Anonymous, or granting more than its own level, cannot pass its identity on: CreateFile (static; usually the open's own check, TOK-5, refuses first) or WriteFile (dynamic) fails with ERROR_BAD_IMPERSONATION_LEVEL."
        [ROS_NPFS "", ROS_CLIENT "SepCreateClientSecurity", WSI_4 "p. 106"]
    PIPE_9 "PIPE-9" Documented
        "ImpersonateNamedPipeClient goes through the kernel check: a server without SeImpersonatePrivilege serving another user gets Identification and TRUE."
        [L_INPC "Remarks and the Important note", WSI_4 "p. 107"]
    PIPE_10 "PIPE-10" Documented
        "With SECURITY_EFFECTIVE_ONLY the server cannot enable the client's disabled privileges and groups; without it, it may."
        [L_CREATE_FILE "SECURITY_EFFECTIVE_ONLY", WDK_PS_IMP "EffectiveOnly"]
    PIPE_11 "PIPE-11" Documented
        "A pipe opened through SMB (\\\\host\\pipe\\name, here the loopback) gives the server the SMB session's network logon of the client, captured once, at the level OQL-5's reading gives (SMB servers refuse Delegation for a pipe)."
        [MS_SMB2 "2.2.13 ImpersonationLevel", MS_SMB "3.3.5.5", MS_RPCE "2.2.1.1.10", L_IMP_LEVELS ""]

    // ---------------------------------------------------------------- NP: the named-pipe API around impersonation
    NP_1 "NP-1" Observed
        "A pipe's open mode fixes its direction: the server's handle carries FILE_GENERIC_READ, FILE_GENERIC_WRITE or both, and a client asking for the other direction is refused."
        [L_CREATE_NAMED_PIPE "dwOpenMode", L_PIPE_SECURITY "", ROS_NPFS "create.c"]
    NP_2 "NP-2" Documented
        "A pipe created without a security descriptor grants full control to LocalSystem, Administrators and its creator, and read access to Everyone and the anonymous account."
        [L_CREATE_NAMED_PIPE "lpSecurityAttributes", L_PIPE_SECURITY ""]
    NP_3 "NP-3" Documented
        "In nonblocking mode ConnectNamedPipe returns at once: TRUE the first time after a disconnect, otherwise ERROR_PIPE_LISTENING (no client), ERROR_PIPE_CONNECTED (a client) or ERROR_NO_DATA (the client has closed)."
        [L_CONNECT_NAMED_PIPE "Remarks", L_PIPE_MODES ""]
    NP_4 "NP-4" Observed
        "Nonblocking ReadFile on an empty pipe fails with ERROR_NO_DATA; once the other end has closed, reads fail with ERROR_BROKEN_PIPE and writes with ERROR_NO_DATA; an end without a peer fails with ERROR_PIPE_LISTENING or ERROR_PIPE_NOT_CONNECTED."
        [L_PIPE_MODES "", L_READ_FILE "Pipes", ROS_NPFS "read.c, write.c", WINE_ERROR_TEST ""]
    NP_5 "NP-5" Documented
        "A client's CreateFile fails with ERROR_FILE_NOT_FOUND when no such pipe exists, ERROR_ACCESS_DENIED when its DACL refuses (checked first), and ERROR_PIPE_BUSY when no instance is listening."
        [L_PIPE_CLIENT "", ROS_NPFS "create.c", WINE_ERROR_TEST ""]
    NP_6 "NP-6" Observed
        "DisconnectNamedPipe forces the client off and frees the captured client context, so impersonating afterwards fails with ERROR_CANNOT_IMPERSONATE; a thread already impersonating keeps its token."
        [L_DISCONNECT_NAMED_PIPE "Remarks", ROS_NPFS "NpDisconnect, NpUninitializeSecurity"]
    NP_7 "NP-7" Observed
        "ImpersonateNamedPipeClient on a file that is not a pipe fails with ERROR_INVALID_FUNCTION, on an object that is not a file with ERROR_INVALID_HANDLE."
        [ROS_NPFS "fsctrl.c NpImpersonate", WINE_ERROR_TEST ""]
    NP_8 "NP-8" Observed
        "nMaxInstances must be 1..255 (PIPE_UNLIMITED_INSTANCES) or CreateNamedPipe fails with ERROR_INVALID_PARAMETER. A further instance of a pipe needs FILE_CREATE_PIPE_INSTANCE from its DACL and the first instance's direction and limit; FILE_FLAG_FIRST_PIPE_INSTANCE then fails with ERROR_ACCESS_DENIED, and an instance beyond the limit with ERROR_PIPE_BUSY."
        [L_CREATE_NAMED_PIPE "Remarks, FILE_FLAG_FIRST_PIPE_INSTANCE", L_PIPE_SECURITY "", ROS_NPFS "NpCreateExistingNamedPipe"]

    // ---------------------------------------------------------------- RPC: client impersonation over RPC
    RPC_1 "RPC-1" Documented
        "RpcImpersonateClient(0) impersonates the call this thread serves (RPC_S_NO_CALL_ACTIVE when there is none); given another call's handle it impersonates that call on the current thread, which must then revert with RpcRevertToSelfEx(handle); a client binding is RPC_S_WRONG_KIND_OF_BINDING."
        [L_RPC_RIC "Return value", L_RPC_RTSEX "Remarks", L_RPC_RTS "Remarks", SEED_004 "RpcImpersonateClient ... RpcRevertToSelf or RpcRevertToSelfEx"]
    RPC_2 "RPC-2" Documented
        "RPC impersonation passes the kernel check: with SeImpersonatePrivilege or the same identity the requested level, otherwise Identification with RPC_S_OK."
        [L_RPC_RIC "Remarks"]
    RPC_3 "RPC-3" Documented
        "A call with neither RPC-level authentication nor a transport identity (ncacn_ip_tcp unauthenticated) cannot be impersonated."
        [MS_RPCE "3.1.1.4.2", L_RPC_RIC "Return value", L_RPC_TLS_CLIENT ""]
    RPC_4 "RPC-4" Documented
        "ncalrpc and ncacn_np carry the client's identity without RPC authentication, with the QoS of the string binding's Security=`<level> <tracking> <effective-only>` option (level Impersonation by default); other transports ignore that option."
        [L_RPC_TLS_CLIENT "", L_RPC_QOS_OPTS ""]
    RPC_5 "RPC-5" Documented
        "ncacn_np without an explicit tracking mode tracks statically for remote pipes and dynamically for local ones."
        [L_RPC_TLS_CLIENT "Security= option"]
    RPC_6 "RPC-6" Documented
        "RPC_SECURITY_QOS ImpersonationType is DEFAULT, ANONYMOUS, IDENTIFY, IMPERSONATE or DELEGATE, the kernel level plus one; DEFAULT means Impersonate for RPC."
        [L_RPC_SQOS "ImpersonationType", L_COM_IMP_CONST ""]
    RPC_7 "RPC-7" Documented
        "NTLM on any protocol sequence but ncalrpc, and Negotiate, Kerberos and Schannel everywhere, may treat ANONYMOUS and IDENTIFY as IMPERSONATE."
        [L_RPC_SQOS "ImpersonationType notes", L_RPC_QOS_OPTS ""]
    RPC_8 "RPC-8" Documented
        "Static identity tracking (the default) fixes the client's identity when authentication is set on the binding; dynamic tracking re-reads the calling thread's token at each call."
        [L_RPC_SQOS "IdentityTracking", L_RPC_QOS ""]
    RPC_9 "RPC-9" Documented
        "RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH fails the call with RPC_S_SEC_PKG_ERROR when the provider cannot authenticate the server; NTLM reports it as satisfied without performing it."
        [L_RPC_SQOS "Capabilities", L_RPC_QOS "", L_RPC_QOS_OPTS ""]
    RPC_10 "RPC-10" Documented
        "Delegate is available only through Kerberos with mutual authentication; otherwise the call fails with RPC_S_SEC_PKG_ERROR, unless RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE (Windows Vista and later) lets it proceed without delegation."
        [L_RPC_CLIENT_IMP "", SEED_004 "Not all security providers support delegation ... only if mutual authentication is requested", L_RPC_SQOS "Capabilities", L_SSPI_CTX_REQ "DELEGATE"]
    RPC_11 "RPC-11" Documented
        "A server reached over ncalrpc at Impersonate level may make one remote call as the client; the remote server cannot go further unless that call asked for Delegate."
        [L_RPC_CLIENT_IMP "", SEED_004 "One exception to the delegation rule exists: calls using ncalrpc"]
    RPC_12 "RPC-12" Documented
        "ncalrpc always runs at RPC_C_AUTHN_LEVEL_PKT_PRIVACY whatever level is asked, and supports only RPC_C_AUTHN_WINNT (mutual authentication included)."
        [L_RPC_AUTHN_LVL "Remarks", L_RPC_BSAIE "Remarks"]
    RPC_13 "RPC-13" Documented
        "An unsupported authentication level is raised to the next supported one (CALL becomes PKT on ncacn_*); without RpcBindingSetAuthInfoEx, or with level or service NONE, calls are unauthenticated."
        [L_RPC_AUTHN_LVL "", L_RPC_BSAIE "Remarks"]
    RPC_14 "RPC-14" Documented
        "RPC carries no impersonation level on the wire: the client hands it to the security provider, which shapes the server's token (IDENTIFY sets the identify flag)."
        [MS_RPCE "2.2.1.1.9, 2.2.1.1.10", MS_NLMP "2.2.2.5"]
    RPC_15 "RPC-15" Documented
        "RpcImpersonateClient uses the token of the call's security context, until the next RpcImpersonateClient or RpcRevertToSelf."
        [MS_RPCE "3.3.3.4.3.2"]

    // ---------------------------------------------------------------- RPCA: the RPC API around impersonation
    RPCA_1 "RPCA-1" Documented
        "RpcServerUseProtseqEp fails with RPC_S_INVALID_ENDPOINT_FORMAT for an endpoint the protocol sequence cannot use (ncacn_np needs \\pipe\\name, ncacn_ip_tcp a port number, ncalrpc a port name without backslashes) and with RPC_S_DUPLICATE_ENDPOINT for one already in use."
        [L_RPC_USE_PROTSEQ_EP "Return value", L_STRING_BINDING_COMPOSE "Endpoint", L_MIDL_NCALRPC "port-name: \"should not contain any backslash (\\) characters\"", WINE_RPCRT4 "rpcrt4_conn_create_pipe"]
    RPCA_2 "RPCA-2" Documented
        "RpcServerRegisterAuthInfo registers the services a server accepts; a client call with a service the server did not register fails with RPC_S_UNKNOWN_AUTHN_SERVICE, as does registering an unknown service."
        [L_RPC_REGISTER_AUTH "Remarks, Return value"]
    RPCA_3 "RPCA-3" Documented
        "RpcBindingSetAuthInfoEx: RPC_C_AUTHN_LEVEL_DEFAULT means CONNECT, RPC_C_AUTHN_DEFAULT means RPC_C_AUTHN_WINNT, and an unknown service fails with RPC_S_UNKNOWN_AUTHN_SERVICE."
        [L_RPC_BSAIE "AuthnSvc, Return value", MS_RPCE "2.2.1.1.8", L_RPC_AUTHN_SVC ""]
    RPCA_4 "RPCA-4" Observed
        "RpcBindingSetAuthInfoEx with a level above RPC_C_AUTHN_LEVEL_PKT_PRIVACY fails with RPC_S_UNKNOWN_AUTHN_LEVEL."
        [WINE_RPCRT4 "RpcBindingSetAuthInfoExW"]
    RPCA_5 "RPCA-5" Observed
        "A call to an endpoint no server uses fails with RPC_S_SERVER_UNAVAILABLE; otherwise it runs the manager routine on a server thread while the client thread waits for it to return."
        [WINE_RPCRT4 "rpcrt4_conn_open_pipe", L_RPC_FROM_STRING ""]
    RPCA_6 "RPCA-6" Documented
        "RpcBindingInqAuthClient reports the call's authentication level and service (RPC_C_AUTHZ_NONE for WINNT; the client's principal name in Privs for ncalrpc), or RPC_S_BINDING_HAS_NO_AUTH for an unauthenticated call."
        [L_RPC_INQ_AUTH_CLIENT "Return value, Privs", WINE_RPCRT4 "RPCRT4_default_inquire_auth_client"]
    RPCA_7 "RPCA-7" Documented
        "RpcRevertToSelf is RpcRevertToSelfEx(0); with no call on the thread it fails with RPC_S_NO_CALL_ACTIVE; inside a call it succeeds even if the thread is not impersonating."
        [L_RPC_RTSEX "BindingHandle, Return value", L_RPC_RTS "Return value", WINE_RPCRT4 "RpcRevertToSelfEx"]
    RPCA_8 "RPCA-8" Documented
        "A binding freed with RpcBindingFree, or never created, is RPC_S_INVALID_BINDING to every later call."
        [L_RPC_BINDING_FREE "", L_RPC_BSAIE "Return value"]
    RPCA_10 "RPCA-10" Observed
        "Kerberos cannot authenticate a local account (there is no KDC); an RPC call over it fails with RPC_S_SEC_PKG_ERROR, the status RPC gives a provider's failure."
        [L_NEGOTIATE "", WINE_RPCRT4 "RPCRT4_default_impersonate_client (SSPI to RPC status mapping)"]

    // ---------------------------------------------------------------- SSPI: impersonating a security context
    SSPI_1 "SSPI-1" Documented
        "ImpersonateSecurityContext needs a context AcceptSecurityContext returned (otherwise SEC_E_INVALID_HANDLE); a client that cannot be impersonated gives SEC_E_NO_IMPERSONATION; Schannel in kernel mode gives SEC_E_UNSUPPORTED_FUNCTION; on failure the thread keeps its context."
        [SEED_002 "Parameters; Return value", L_ISC "Return value"]
    SSPI_2 "SSPI-2" Documented
        "SSPI impersonation passes the kernel check: below Impersonation, with SeImpersonatePrivilege, a token its logon session made with explicit credentials, or the same identity it is allowed; otherwise it is downgraded to Identification."
        [SEED_002 "Remarks, the four conditions; Windows XP note", L_ISC "Remarks"]
    SSPI_3 "SSPI-3" Documented
        "ImpersonateSecurityContext and RevertSecurityContext exist only for packages whose fCapabilities has SECPKG_FLAG_IMPERSONATION (0x100); the model answers SEC_E_UNSUPPORTED_FUNCTION for others."
        [SEED_002 "Remarks, QuerySecurityPackageInfo", L_SSPI_PKG_INFO "fCapabilities", L_SSPI_RSC ""]
    SSPI_4 "SSPI-4" Documented
        "SECPKG_FLAG_DELEGATION (0x20000) advertises delegation: Kerberos has it; Negotiate delegates only when it picks Kerberos; NTLM and Schannel never delegate."
        [L_SSPI_PKG_INFO "fCapabilities", L_SSPI_CTX_REQ "DELEGATE"]
    SSPI_5 "SSPI-5" Documented
        "A Schannel server can impersonate only if it passed ASC_REQ_MUTUAL_AUTH, so that a client certificate is asked for, and the certificate maps to an account; otherwise there is no client token (SEC_E_NO_IMPERSONATION)."
        [SEED_002 "Remarks, Schannel", L_SSPI_CTX_REQ "MUTUAL_AUTH", L_SSPI_MAP_CERT "", L_SSPI_ASC_SCH ""]
    SSPI_6 "SSPI-6" Documented
        "Schannel's AcceptSecurityContext with ASC_REQ_DELEGATE (or a credential prompt) fails with SEC_E_UNSUPPORTED_FUNCTION."
        [L_SSPI_ASC_SCH "Return value", L_SSPI_ASC "Return value"]
    SSPI_7 "SSPI-7" Documented
        "ISC_REQ_DELEGATE works only with ISC_REQ_MUTUAL_AUTH, only on Kerberos, and only to a target trusted for delegation; success shows as ISC_RET_DELEGATE / ASC_RET_DELEGATE, and ISC_REQ_MUTUAL_AUTH only asks: the returned attributes say what happened."
        [L_SSPI_INIT_SC "fContextReq", L_SSPI_CTX_REQ "", L_SSPI_ASC ""]
    SSPI_8 "SSPI-8" Documented
        "The server's token follows the context: Identification when the client asked ISC_REQ_IDENTIFY, Delegation with ASC_RET_DELEGATE, otherwise Impersonation, then capped by the kernel check."
        [L_SSPI_CTX_REQ "IDENTIFY, DELEGATE", MS_NLMP "2.2.2.5", MS_RPCE "2.2.1.1.9"]
    SSPI_9 "SSPI-9" Documented
        "RevertSecurityContext ends the impersonation ImpersonateSecurityContext began; an invalid context is SEC_E_INVALID_HANDLE."
        [L_SSPI_RSC "", SEED_002 "Remarks, RevertSecurityContext"]
    SSPI_10 "SSPI-10" Documented
        "QuerySecurityContextToken hands the client's token out as a handle the caller must close, for use outside SSPI (ImpersonateLoggedOnUser, DuplicateTokenEx then CreateProcessAsUser); an invalid context is SEC_E_INVALID_HANDLE."
        [L_SSPI_QSCT "Return value, Remarks", L_SSPI_ASC ""]

    // ---------------------------------------------------------------- SSPA: the SSPI API around impersonation
    SSPA_1 "SSPA-1" Documented
        "Negotiate picks Kerberos when both sides can use it and NTLM otherwise; on a machine outside a domain, with local accounts, that is NTLM."
        [L_NEGOTIATE ""]
    SSPA_2 "SSPA-2" Observed
        "QuerySecurityPackageInfo reports each package's name, comment, fCapabilities (NTLM 0x82B37, Kerberos 0xF3BBF, Negotiate 0x83BB3, Schannel 0x107B3), wRPCID and cbMaxToken; an unknown package is SEC_E_SECPKG_NOT_FOUND."
        [FREERDP_SSPI "EnumerateSecurityPackages", L_SSPI_PKG_INFO "", L_SSPI_QSPI "", L_SSPI_ACH "Return value", WINE_SECUR32_TEST "main.c"]
    SSPA_3 "SSPA-3" Observed
        "A network logon through NTLM carries NETWORK and NTLM Authentication (S-1-5-64-10)."
        [L_NETWORK_SID "WinNetworkSid", WINE_MSV1_0 ""]
    SSPA_4 "SSPA-4" Documented
        "AcquireCredentialsHandle with no credentials stands for the caller's identity (its thread token if it impersonates); InitializeSecurityContext needs outbound credentials and AcceptSecurityContext inbound ones: a bad or wrong-way handle is SEC_E_INVALID_HANDLE to the first, SEC_E_NO_CREDENTIALS to the second."
        [L_SSPI_ACH "pszPrincipal, fCredentialUse", L_SSPI_ISC_NTLM "Return value", L_SSPI_ASC "Return value", WINE_NTLM "ntlm_SpAcquireCredentialsHandle"]
    SSPA_5 "SSPA-5" Observed
        "NTLM takes three messages in four calls: ISC and ASC return SEC_I_CONTINUE_NEEDED, then ISC and ASC return SEC_E_OK; a token out of turn, from another handshake or of another package is SEC_E_INVALID_TOKEN, and a context of the wrong side SEC_E_INVALID_HANDLE."
        [MS_NLMP "1.3.1.1", L_SSPI_ISC_NTLM "Return value", L_SSPI_ASC "Return value", WINE_NTLM ""]
    SSPA_6 "SSPA-6" Observed
        "A Schannel (TLS 1.2) handshake takes five calls, the client's last: the server's certificate is required, and it asks for the client's certificate only with ASC_REQ_MUTUAL_AUTH."
        [RFC_5246 "7.3", L_SCHANNEL_CREDS "", L_SSPI_ASC_SCH "fContextReq"]
    SSPA_7 "SSPA-7" Documented
        "The context attributes are valid only on the final SEC_E_OK: ISC_RET_IDENTIFY / ASC_RET_IDENTIFY when the client asked to be identified only; NTLM sets neither mutual authentication nor delegation."
        [L_SSPI_ISC_NTLM "pfContextAttr", L_SSPI_CTX_REQ "", L_SSPI_PKG_INFO "fCapabilities"]
    SSPA_8 "SSPA-8" Observed
        "With explicit credentials the server gets a network logon of that user; an unknown user, a wrong password or a disabled account makes the server's last AcceptSecurityContext fail with SEC_E_LOGON_DENIED."
        [L_SSPI_ACH "pAuthData", L_SSPI_ASC "Return value", WINE_NTLM ""]
    SSPA_9 "SSPA-9" Documented
        "DeleteSecurityContext returns SEC_E_OK also for a handle already deleted, FreeCredentialsHandle releases credentials; a handle never returned is SEC_E_INVALID_HANDLE; a thread impersonating through a deleted context keeps its token."
        [L_SSPI_DSC "Return value", L_SSPI_FCH ""]
    SSPA_10 "SSPA-10" Observed
        "Kerberos cannot authenticate a local account: there is no KDC."
        [L_NEGOTIATE "", L_SSPI_ISC_NTLM "SEC_E_NO_AUTHENTICATING_AUTHORITY"]

    // ---------------------------------------------------------------- COM: impersonation, cloaking and COM+
    COM_1 "COM-1" Documented
        "RPC_C_IMP_LEVEL_DEFAULT (0) means negotiate in CoSetProxyBlanket, and is not valid as CoInitializeSecurity's dwImpLevel (E_INVALIDARG, the standard return)."
        [L_COM_IMP_CONST "", L_COM_CIS "dwImpLevel, Return value"]
    COM_2 "COM-2" Documented
        "A process that never calls CoInitializeSecurity gets, at its first marshal, authentication level CONNECT and impersonation level IDENTIFY (unless the Legacy registry values say otherwise), with Kerberos or NTLM and never Schannel."
        [L_COM_DEFAULTS ""]
    COM_3 "COM-3" Documented
        "CoInitializeSecurity runs once per process, explicitly or implicitly at the first marshal or unmarshal; a later call fails with RPC_E_TOO_LATE; EOAC_APPID with EOAC_ACCESS_CONTROL is an error."
        [L_COM_CIS "Return value, Remarks", L_COM_EOAC ""]
    COM_4 "COM-4" Documented
        "A new proxy's blanket is negotiated: the higher of the two authentication levels, the client's impersonation level and capabilities, a service both sides have; CoSetProxyBlanket values apply as given, except the DEFAULT constants."
        [L_COM_BLANKET "", L_COM_CIS "dwImpLevel"]
    COM_5 "COM-5" Documented
        "RPC_C_IMP_LEVEL_ANONYMOUS is honoured only over the local IPC transport; elsewhere it becomes IDENTIFY."
        [L_COM_IMP_LVLS ""]
    COM_6 "COM-6" Documented
        "Delegate needs the client to set it, a client not sensitive, a server trusted for delegation, all in a domain; NTLM delegates only on the same computer, Kerberos across machines, Schannel never."
        [L_COM_IMP_LVLS "", L_COM_CSPB "dwImpLevel"]
    COM_7 "COM-7" Documented
        "With Schannel COM forces IMPERSONATE, refuses cloaking (E_INVALIDARG) and authentication level NONE, and impersonates only a client whose certificate maps to an account."
        [L_COM_SCHANNEL "", L_COM_EOAC "", L_COM_IMP_CONST ""]
    COM_8 "COM-8" Documented
        "CoImpersonateClient is CoGetCallContext(IID_IServerSecurity) then ImpersonateClient; it fails for a call at authentication level NONE; one CoRevertToSelf undoes any number of impersonations; the level then passes the kernel check."
        [L_COM_COIMP "", L_COM_COREVERT "", L_COM_ISS "Return value, Remarks"]
    COM_9 "COM-9" Documented
        "At the end of each incoming call COM reverts the thread if the server did not."
        [L_COM_ISS "Remarks"]
    COM_10 "COM-10" Documented
        "In an apartment an impersonation survives nested calls: a thread impersonating B that calls out and serves D meanwhile has B's token back when D's call ends."
        [L_COM_ISS "Remarks", L_COM_ISS_REVERT ""]
    COM_11 "COM-11" Documented
        "A client that set IDENTIFY lets the server impersonate for access checks only: opening objects as the client fails."
        [L_COM_IMP_CONST "Remarks"]
    COM_12 "COM-12" Documented
        "The identity an outbound call presents: without cloaking the process token; with static cloaking the identity fixed at the first call or CoSetProxyBlanket; with dynamic cloaking the current thread token, or the process token when there is none."
        [L_COM_CLOAK "How Cloaking Affects Client Identity"]
    COM_13 "COM-13" Documented
        "Without cloaking a server that impersonates while it calls out still presents its process token."
        [L_COM_IMP_CONST "Remarks", L_COM_CLOAK ""]
    COM_14 "COM-14" Documented
        "Static cloaking from CoInitializeSecurity fixes each proxy's identity at its first call; from CoSetProxyBlanket, at that call; it stays until the next CoSetProxyBlanket."
        [L_COM_CLOAK "Setting Cloaking", L_COM_EOAC "EOAC_STATIC_CLOAKING"]
    COM_15 "COM-15" Documented
        "Dynamic cloaking re-reads the thread token at every call; it is the default for COM+ server applications, and plain COM defaults to none."
        [L_COM_EOAC "EOAC_DYNAMIC_CLOAKING", L_COM_CLOAK "", COMP_CLOAK "", COMP_SERVER_REQ ""]
    COM_16 "COM-16" Documented
        "E_INVALIDARG: both cloaking flags; cloaking with Schannel; pAuthInfo with cloaking in CoSetProxyBlanket; CoSetProxyBlanket capabilities outside MUTUAL_AUTH, STATIC_CLOAKING, DYNAMIC_CLOAKING, ANY_AUTHORITY, MAKE_FULLSIC and DEFAULT; EOAC_MUTUAL_AUTH is accepted and ignored."
        [L_COM_EOAC "", L_COM_CSPB "dwCapabilities"]
    COM_17 "COM-17" Documented
        "Cloaking below IMPERSONATE is useless: a server holding the client at Identification cannot make a cloaked call; IMPERSONATE carries the identity one machine boundary, DELEGATE further."
        [L_COM_CLOAK "Cloaking and Impersonation Levels"]
    COM_18 "COM-18" Documented
        "CoSetProxyBlanket's pAuthInfo: on the same computer RPC logs the credentials on and the calls present that token; NULL keeps the current identity."
        [L_COM_CSPB "pAuthInfo", L_COM_KERB ""]
    COM_19 "COM-19" Documented
        "A COM+ server application's ImpersonationLevel defaults to Impersonate; a library application cannot set one and uses its host's."
        [COMP_APPS "ImpersonationLevel", COMP_CLIENT_REQ "", COMP_SERVER_REQ ""]
    COM_20 "COM-20" Documented
        "A queued component runs with the sender's security call context marshalled in the message: role checks work, impersonating the client does not."
        [COMP_QC "", SEED_001 "Queued Components"]
    COM_21 "COM-21" Documented
        "IsCallerInRole checks the direct caller; with role-based security disabled it returns TRUE."
        [COMP_ICIR "", COMP_ISE "Remarks"]

    // ---------------------------------------------------------------- COMA: the COM API around impersonation
    COMA_1 "COMA-1" Documented
        "CoInitializeEx puts the thread in an apartment: S_FALSE when it already is in that one, RPC_E_CHANGED_MODE when it is in the other."
        [L_COM_COINITEX "Return value", L_COM_ERRORS "RPC_E_CHANGED_MODE"]
    COMA_2 "COMA-2" Documented
        "A call on a proxy runs its method on a server thread while the client waits; an STA thread waiting on a call of its own still serves incoming calls, an MTA thread does not."
        [L_COM_ISS "Remarks", L_COM_BLANKET ""]
    COMA_3 "COMA-3" Documented
        "CoSetProxyBlanket with authentication level NONE needs authentication service NONE (otherwise E_INVALIDARG); CoQueryProxyBlanket reports the blanket in force."
        [L_COM_CSPB "dwAuthnLevel", L_COM_CQPB ""]
    COMA_4 "COMA-4" Documented
        "ISecurityCallContext exists only in COM+ applications (E_NOINTERFACE elsewhere); IsSecurityEnabled is FALSE when role-based security is off."
        [L_COM_CGCC "riid", COMP_ISE ""]
    COMA_5 "COMA-5" Documented
        "A call to a queued component goes to the recorder and returns at once; the listener reads the message and the player makes the call on a server thread later."
        [COMP_QC_OVERVIEW "", SEED_001 "Queued Components"]
    COMA_7 "COMA-7" Documented
        "A thread must initialize COM with CoInitializeEx before it calls the COM library (CoInitializeSecurity, activation, blankets, calls through proxies): otherwise CO_E_NOTINITIALIZED."
        [L_COM_COINITEX "Remarks", L_COM_ERRORS "CO_E_NOTINITIALIZED"]
    COMA_6 "COMA-6" Observed
        "Outside an incoming call CoGetCallContext, and so CoImpersonateClient and CoRevertToSelf, fail and leave the thread as it was."
        [WINE_OLE32_TEST "test_CoGetCallContext", L_COM_CGCC "Return value"]

    // ---------------------------------------------------------------- QC: COM+ queued components
    QC_1 "QC-1" Documented
        "A queued component never gives the server an impersonation token for the client: the call goes client, recorder, message, listener, player, server object."
        [SEED_001 "Queued Components", COMP_QC ""]
    QC_2 "QC-2" Documented
        "Role checks and ISecurityCallContext in a queued component use the sender's call context, marshalled in the message, as if the call were direct."
        [COMP_QC "", COMP_QC_OVERVIEW "", SEED_001 "Queued Components"]
    QC_3 "QC-3" Documented
        "The security call context exists only where role-based security is in use, and is passed when a call crosses a process or application boundary."
        [COMP_SCC "", COMP_GSCC "Remarks"]
    QC_4 "QC-4" Documented
        "The caller's identity is data that MSMQ authenticates as the sender; a recorder in the client's process makes caller and sender the same, while an out-of-process recorder needs the sender in the QC Trusted User role."
        [COMP_QC ""]
    QC_5 "QC-5" Documented
        "The queued component's thread runs with the server application's identity, never the caller's: the sender's identity governs role checks, not the token."
        [SEED_001 "Queued Components", COMP_QC ""]
    QC_6 "QC-6" Documented
        "Queued calls travel over DCOM, so only the application's Packet Privacy authentication level protects their integrity and secrecy."
        [COMP_QC ""]

    // ---------------------------------------------------------------- AD: account flags
    AD_1 "AD-1" Documented
        "userAccountControl in its LDAP encoding: TRUSTED_FOR_DELEGATION 0x80000, NOT_DELEGATED 0x100000, TRUSTED_TO_AUTH_FOR_DELEGATION 0x1000000."
        [MS_ADTS "2.2.16", L_UAC_ATTR ""]
    AD_2 "AD-2" Documented
        "The PAC carries the SAM encoding of the same flags (USER_NOT_DELEGATED 0x4000); the KDC and the S4U client judge sensitivity from the PAC."
        [MS_SAMR "2.2.1.12, 3.1.5.14.2", MS_PAC "2.5", MS_SFU "3.1.5.2.1"]
    AD_3 "AD-3" Documented
        "TRUSTED_FOR_DELEGATION on a service's account makes the KDC set OK-AS-DELEGATE on tickets to it; it gives the service no ticket of its own."
        [MS_ADTS "2.2.16", MS_KILE "3.1.5.4, 3.3.1.1, 3.3.5.1"]
    AD_4 "AD-4" Documented
        "Domain controllers' computer accounts are created TRUSTED_FOR_DELEGATION."
        [MS_ADTS "6.1.1.3.1"]
    AD_5 "AD-5" Documented
        "NOT_DELEGATED (\"Account is sensitive and cannot be delegated\") is the user's: the KDC sets neither FORWARDABLE nor PROXIABLE on its TGTs and service tickets, nor FORWARDABLE on S4U2self tickets naming it."
        [MS_ADTS "2.2.16", MS_KILE "3.3.1.1, 3.3.5.1", MS_SFU "3.2.5.1.2", SEED_001 "the client identity must not be marked Account is sensitive and cannot be delegated"]
    AD_6 "AD-6" Documented
        "Protected Users has NOT_DELEGATED's KDC effect and more where the domain's level and KDCs are 2012 R2 or later (no NTLM at the DCs, a 4-hour TGT); on the member's own hosts (Windows 8.1 and later) no CredSSP or cached credentials, whatever the domain's level."
        [MS_KILE "3.3.5.1, 3.3.5.6", MS_DTYP "2.4.2.4", L_PROTECTED_USERS ""]
    AD_7 "AD-7" Observed
        "The built-in Administrator (RID 500) is not protected by Protected Users membership; NOT_DELEGATED still applies to it."
        [L_PROTECTED_USERS "note on RID 500", SENSEPOST_PU ""]
    AD_8 "AD-8" Documented
        "TRUSTED_TO_AUTH_FOR_DELEGATION (protocol transition) decides only whether the service's S4U2self tickets are forwardable."
        [MS_ADTS "2.2.16", MS_SFU "3.2.1"]
    AD_9 "AD-9" Documented
        "msDS-AllowedToDelegateTo is the front end's list of back-end SPNs for classic constrained delegation, honoured when one KDC serves both services."
        [L_A2D2_ATTR "", MS_SFU "3.2.1, 3.2.5.2.1"]
    AD_10 "AD-10" Documented
        "msDS-AllowedToActOnBehalfOfOtherIdentity is an access list on the back end: the front end may delegate to it if its token passes an access check against it."
        [L_RBCD_ATTR "", MS_SFU "3.2.1, 3.2.5.2.3", L_KCD_OVERVIEW ""]
    AD_11 "AD-11" Documented
        "Setting TRUSTED_FOR_DELEGATION, TRUSTED_TO_AUTH_FOR_DELEGATION or msDS-AllowedToDelegateTo needs SeEnableDelegationPrivilege; setting RBCD needs only write access to the back end's account, which computer accounts have on their own."
        [MS_SAMR "3.1.1.8.10", MS_ADTS "3.1.1.5.2.1, 3.1.1.5.3.1", L_KCD_OVERVIEW "", SHAMIR_WAGGING ""]
    AD_12 "AD-12" Documented
        "RBCD always allows protocol transition: TRUSTED_TO_AUTH_FOR_DELEGATION does not matter to it; S4U2self tickets carry SERVICE_ASSERTED_IDENTITY (S-1-18-2), not AUTHENTICATION_AUTHORITY_ASSERTED_IDENTITY."
        [L_KCD_OVERVIEW "Security Implications of Resource-based Constrained Delegation", MS_SFU "3.2.5.1.2", MS_DTYP "2.4.2.4"]
    AD_13 "AD-13" Documented
        "A sensitive user overrides every service's delegation settings: no forwardable TGT, no forwardable service ticket, no forwardable S4U2self ticket."
        [MS_KILE "3.3.5.1", MS_SFU "3.2.5.1.2, 3.2.5.2.3", L_SECOND_HOP ""]
    AD_14 "AD-14" Documented
        "The KDC finds a service's account by the SPN asked for and, when no account holds it, by the SPN with the service class sPNMappings maps it to: by default `host` stands for cifs, http, rpcss, www and some fifty other classes, so an account holding HOST/x gets the tickets for CIFS/x, HTTP/x and RPCSS/x."
        [MS_KILE "3.3.5.1.1", MS_DRSR "4.1.4.2.14 LookupSPN, 4.1.4.2.19 MapSPN", MS_ADTS "6.1.1.2.4.1.1 sPNMappings", KB_5008382 "SPN alias uniqueness"]

    // ---------------------------------------------------------------- KRB: Kerberos delegation mechanics
    KRB_1 "KRB-1" Documented
        "The TGS issues a FORWARDED TGT only from a FORWARDABLE one at the client's request; tickets derived from a forwarded ticket are FORWARDED too."
        [RFC_4120 "2.6", MS_KILE "3.2.5.1"]
    KRB_2 "KRB-2" Documented
        "A Windows client forwards its TGT only when the application asked for delegation with mutual authentication, the service ticket carries OK-AS-DELEGATE, the TGT is forwardable, and Kerberos is in use."
        [MS_KILE "3.2.1, 3.2.5.1, 3.2.5.2", L_ISC_KERBEROS "ISC_REQ_DELEGATE", L_RPC_CLIENT_IMP "", SEED_004 "Kerberos allows calls with the impersonation level of delegation only if mutual authentication is requested"]
    KRB_3 "KRB-3" Documented
        "A server holding a user's forwarded TGT can get tickets as the user to any service, and forward the TGT again: unconstrained, multi-hop delegation."
        [MS_SFU "1.3.3", L_COM_IMP_LVLS "delegate", L_LOGON_TYPES "Network"]
    KRB_4 "KRB-4" Documented
        "OK-AS-DELEGATE is advisory: a client may ignore it, and the KDC's only gate on unconstrained delegation is the TGT's forwardability."
        [RFC_4120 "2.6, 2.8", MS_KILE "3.2.5.1"]
    KRB_5 "KRB-5" Documented
        "A user who authenticated with Kerberos gives the service a forwardable ticket (unless sensitive), which is evidence for constrained delegation without protocol transition."
        [MS_SFU "1.3.3", MS_KILE "3.3.5.1"]
    KRB_6 "KRB-6" Documented
        "Delegate level over Kerberos needs mutual authentication and the server's correct SPN; without mutual authentication no delegation is granted."
        [L_RPC_CLIENT_IMP "", L_ISC_KERBEROS "ISC_REQ_DELEGATE", L_COM_KERB "", SEED_004 "Kerberos allows calls with the impersonation level of delegation only if mutual authentication is requested"]
    KRB_7 "KRB-7" Documented
        "Classic constrained delegation works only inside one domain; RBCD crosses domains and forests."
        [MS_SFU "3.2.5.2.1, 3.2.5.2.3", L_KERB_POLICY "", L_SECOND_HOP ""]
    KRB_8 "KRB-8" Documented
        "Across a trust OK-AS-DELEGATE survives only within a forest or with TRUST_ATTRIBUTE_CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION, never over a quarantined trust; TGT delegation across forest trusts is off by default since 2019."
        [MS_KILE "3.3.5.7.5", MS_ADTS "6.1.6.7.9", KB_4490425 ""]

    // ---------------------------------------------------------------- S4U: protocol transition and constrained delegation
    S4U_1 "S4U-1" Documented
        "Any service with its own TGT can run S4U2self for any user and gets a ticket to itself carrying the user's PAC; no delegation setting is needed."
        [MS_SFU "1.3.1, 1.3.3, 3.2.5.1", HACKER_RECIPES ""]
    S4U_2 "S4U-2" Documented
        "An S4U2self ticket is forwardable if the service is TRUSTED_TO_AUTH_FOR_DELEGATION, not if it has msDS-AllowedToDelegateTo without it (otherwise unspecified, OQD-1), and never for a sensitive user."
        [MS_SFU "3.2.5.1.2", MS_ADTS "2.2.16"]
    S4U_3 "S4U-3" Documented
        "The S4U client refuses before sending unless the evidence is forwardable or is an S4U2self ticket for a user the PAC does not mark NOT_DELEGATED."
        [MS_SFU "3.1.5.2.1, 2.2.5"]
    S4U_4 "S4U-4" Documented
        "Classic KCD: the KDC grants S4U2proxy when the target SPN is in the front end's msDS-AllowedToDelegateTo and the evidence is forwardable; otherwise KRB-ERR-BADOPTION."
        [MS_SFU "3.2.5.2.1"]
    S4U_5 "S4U-5" Documented
        "RBCD, when the A2D2 path did not grant: the back end's KDC checks the front end's token against the back end's msDS-AllowedToActOnBehalfOfOtherIdentity; a denial is KRB-ERR-BADOPTION."
        [MS_SFU "3.2.5.2.3"]
    S4U_6 "S4U-6" Documented
        "Classic KCD needs forwardable evidence: without protocol transition only a user who authenticated with Kerberos, and is not sensitive, can be delegated."
        [MS_SFU "1.3.2, 3.2.5.2.1"]
    S4U_7 "S4U-7" Observed
        "RBCD accepts a non-forwardable S4U2self ticket for a user who is not sensitive: protocol transition without TRUSTED_TO_AUTH_FOR_DELEGATION."
        [MS_SFU "3.1.5.2.1, 3.2.5.2.3", L_KCD_OVERVIEW "", SHAMIR_WAGGING "", HACKER_RECIPES ""]
    S4U_8 "S4U-8" Documented
        "RBCD with a sensitive user's non-forwardable evidence fails on KDCs enforcing the CVE-2020-16996 fix (STATUS_ACCOUNT_RESTRICTION) and succeeded before it."
        [MS_SFU "3.2.5.2.3", KB_4577252 ""]
    S4U_9 "S4U-9" Documented
        "KDCs enforcing ticket signatures (the Bronze Bit fix) reject evidence whose flags were changed after issue (KRB-AP-ERR-MODIFIED); before the fix only the PAC signatures were checked."
        [MS_SFU "3.2.5.2.2", MS_PAC "2.8.2", KB_4598347 ""]
    S4U_10 "S4U-10" Documented
        "S4U2proxy yields a forwardable ticket in the user's name to the back end, recording the front end in the PAC's S4U_DELEGATION_INFO; only the front end can use it."
        [MS_SFU "3.2.5.2.4, 4.3", MS_PAC "2.9", HACKER_RECIPES ""]
    S4U_11 "S4U-11" Documented
        "Each further hop after S4U2proxy needs its own delegation configuration at that hop: the back end holds a service ticket, not a TGT."
        [MS_SFU "1.3.2, 3.2.5.2.4", MS_PAC "2.9"]
    S4U_12 "S4U-12" Documented
        "A server impersonating a user authenticates outbound with the user's forwarded TGT if it holds one, and tries S4U2proxy otherwise."
        [MS_SFU "1.3.2"]
    S4U_13 "S4U-13" Documented
        "The client can neither see nor veto constrained delegation: a service with S4U2proxy rights and protocol transition can act as any non-sensitive user to its targets."
        [MS_SFU "1.3.2, 5.1"]

    // ---------------------------------------------------------------- NET: NTLM, Negotiate and network logons
    NET_1 "NET-1" Documented
        "A network logon holds no reusable credentials unless a Kerberos TGT was delegated: impersonating it, a server authenticates onward as no one (the double hop)."
        [L_LOGON_TYPES "Network", L_SECOND_HOP ""]
    NET_2 "NET-2" Documented
        "NTLM cannot delegate across machines: over an NTLM hop the server gets at most Impersonation and cannot authenticate onward as the client."
        [L_COM_IMP_LVLS "", L_RPC_CLIENT_IMP "", SEED_004 "Microsoft ships only one security provider that supports delegation: Kerberos"]
    NET_3 "NET-3" Documented
        "Negotiate picks Kerberos when both sides can use it and the target is named by SPN or account name, and NTLM otherwise (a target given by address, a machine outside the domain)."
        [L_NEGOTIATE ""]
    NET_4 "NET-4" Documented
        "Interactive, batch, service, NetworkCleartext (Basic, CredSSP) and NewCredentials logons leave reusable credentials on the server, which can then authenticate onward without delegation; CredSSP refuses Protected Users."
        [L_LOGON_TYPES "", L_SECOND_HOP "CredSSP", L_PROTECTED_USERS ""]
    NET_5 "NET-5" Documented
        "The SMB server refuses a named-pipe open asking for Delegate (STATUS_BAD_IMPERSONATION_LEVEL), and takes the token from the session, not from the open's impersonation level (which OQL-5 records as open)."
        [MS_SMB2 "2.2.13, 3.3.5.9", MS_RPCE "2.2.1.1.10"]
    NET_6 "NET-6" Documented
        "For remote pipes the CreateFile level flags are ignored: the server gets Delegation if the SMB session's Kerberos authentication delegated (a TRUSTED_FOR_DELEGATION server), Impersonation otherwise."
        [L_IMP_LEVELS "", MS_SMB2 "3.3.5.9"]

    // ---------------------------------------------------------------- LVL: levels across hops
    LVL_1 "LVL-1" Documented
        "Anonymous: no identity; Identification: query and check, not open; Impersonation: act as the client on the server's own machine; Delegation: act as the client on other machines."
        [L_IMP_LEVELS "", L_SIL "", L_COM_IMP_CONST ""]
    LVL_2 "LVL-2" Documented
        "Each layer has its own default level: Impersonation for pipes, RPC and DDE; IDENTIFY for COM; Impersonate for COM+ server applications."
        [L_IMP_LEVELS "", MS_RPCE "2.2.1.1.9", L_COM_IMP_LVLS "", COMP_APPS "ImpersonationLevel"]
    LVL_3 "LVL-3" Documented
        "Over RPC and DCOM with a security provider the requested level becomes GSS flags: IDENTIFY the identify flag, DELEGATE the delegation flag; the level itself is not on the wire."
        [MS_RPCE "2.2.1.1.9", MS_KILE "3.2.5.2", RFC_4121 "4.1.1.1 (the delegation flag in the authenticator checksum)"]
    LVL_4 "LVL-4" Documented
        "Delegate across computers needs the client to ask for it, a client account that is not sensitive, a server account trusted for delegation, domain-joined hosts and Kerberos; otherwise the server gets at most Impersonate."
        [L_COM_IMP_LVLS "four requirements", SEED_001 "Administrative Requirements for Delegate-Level Impersonation", COMP_SERVER_REQ "", L_WMI_DELEGATION "", L_COM_DELEGATION ""]
    LVL_5 "LVL-5" Documented
        "A local server reached over ncalrpc at Impersonate can make one network call as the client, whose logon session's credentials it shares; the remote server acts as the client only on its own machine unless that call asked for Delegate."
        [L_RPC_CLIENT_IMP "", L_COM_IMP_LVLS "If the server is local", SEED_004 "One exception to the delegation rule exists: calls using ncalrpc"]
    LVL_6 "LVL-6" Documented
        "An Impersonate-level identity crosses at most one machine boundary: A to B to C with B cloaking works only while A and B or B and C share a machine; Delegate lets it go further."
        [L_COM_CLOAK "Cloaking and Impersonation Levels"]
    LVL_7 "LVL-7" Documented
        "Which identity a server presents onward is decided by cloaking: without it the server's own, with it the client's it impersonates."
        [L_COM_CLOAK "How Cloaking Affects Client Identity", COMP_SERVER_REQ "", SEED_001 "Cloaking"]
    LVL_8 "LVL-8" Documented
        "Every impersonation API gives the full level only below Impersonation, with SeImpersonatePrivilege, for a token of the caller's logon session made with explicit credentials, or for the caller's own identity."
        [L_INPC "Remarks", L_ILOU "Remarks", L_RPC_RIC "Remarks", L_UR_IMP ""]
    LVL_9 "LVL-9" Documented
        "A failed impersonation leaves the thread running as its process: a server that does not check acts with its own rights."
        [L_ILOU "Remarks", L_INPC "Important"]
    LVL_10 "LVL-10" Documented
        "Named-pipe impersonation follows the last message read; only a local client limits the level with its CreateFile flags."
        [L_INPC "", L_IMP_LEVELS ""]
    LVL_11 "LVL-11" Documented
        "RPC_C_IMP_LEVEL_ANONYMOUS is honoured only on local IPC; on another transport it becomes IDENTIFY."
        [L_COM_IMP_LVLS ""]
    LVL_12 "LVL-12" Documented
        "Some operations always use the process's primary token, impersonating or not: CreateProcess, SeTcbPrivilege and SeAuditPrivilege checks."
        [L_IMP_LEVELS ""]
    LVL_13 "LVL-13" Documented
        "A token a server got over Kerberos is valid off the machine only for a while (five minutes to eight hours), then only on the server."
        [L_COM_KERB ""]
    LVL_14 "LVL-14" Documented
        "RPC identity tracking decides which thread identity reaches the server: static fixes it when authentication is set, dynamic follows the calling thread."
        [L_RPC_QOS ""]

    // ---------------------------------------------------------------- ATK: known attacks the model reproduces
    ATK_1 "ATK-1" Observed
        "Bronze Bit (CVE-2020-17049): a front end that holds its own key sets FORWARDABLE on a non-forwardable S4U2self ticket and S4U2proxy accepts it, unless the KDC enforces ticket signatures."
        [NETSPI_BRONZE "", KB_4598347 "", MS_PAC "2.8.2"]
    ATK_2 "ATK-2" Observed
        "RBCD takeover: whoever can write a computer's RBCD attribute names a principal they control, then S4U2self and S4U2proxy give them any non-sensitive user on that computer."
        [SHAMIR_WAGGING "", HACKER_RECIPES "RBCD"]
    ATK_3 "ATK-3" Observed
        "Unconstrained-delegation TGT theft: a coerced authentication (the printer bug) from a domain controller to a TRUSTED_FOR_DELEGATION host hands that host the controller's TGT."
        [MS_RPRN "3.1.4.10.4", HACKER_RECIPES "unconstrained", KB_4490425 ""]
    ATK_4 "ATK-4" Observed
        "Constrained delegation with protocol transition lets a compromised front end act as any non-sensitive user to the SPNs it lists."
        [MS_SFU "5.1", HACKER_RECIPES "constrained"]
    ATK_5 "ATK-5" Observed
        "The Potato family: a service holding SeImpersonatePrivilege gets SYSTEM to authenticate to it locally and impersonates SYSTEM at full level; without the privilege it gets Identification."
        [ITM4N_PRINTSPOOFER "", L_INPC "Remarks", L_UR_IMP ""]
    ATK_6 "ATK-6" Observed
        "Protected Users bypass over RBCD (CVE-2020-16996): before the fix RBCD accepted a Protected Users member's non-forwardable S4U2self ticket."
        [KB_4577252 "", MS_SFU "3.2.5.2.3"]
    ATK_7 "ATK-7" Documented
        "The double-hop failure, a safety property: a user reaching B cannot reach C as themselves unless CredSSP, delegation on B (TGT or constrained) or explicit credentials allow it."
        [L_SECOND_HOP ""]
    ATK_8 "ATK-8" Documented
        "A server that does not check a failed impersonation carries out the client's request with its own (often SYSTEM) rights."
        [L_ILOU "Remarks", L_INPC "Important"]
    ATK_10 "ATK-10" Documented
        "An account's long-term key (its password, NT hash or AES key) is all the AS exchange asks of a client: a tool holding it (Rubeus asktgt, impacket getTGT) gets the account's TGT from any machine that reaches a KDC of the realm, joined to a domain or not, and calls services as the account with Kerberos (or NTLM, with the NT hash), without a Windows logon."
        [RFC_4120 "3.1", RUBEUS "asktgt", IMPACKET "getTGT.py"]
    ATK_11 "ATK-11" Observed
        "S4U2self with an account's key: a tool sends the KDC the account's S4U2self request itself, with the account's TGT, and gets a service ticket to the account in any user's name; no SeTcbPrivilege, LSA logon or service process is involved, and the KDC decides as for a service (S4U-1, S4U-2)."
        [MS_SFU "3.2.5.1.2", RUBEUS "s4u", IMPACKET "getST.py", SHAMIR_WAGGING ""]
    ATK_12 "ATK-12" Observed
        "A tool sends the KDC whatever evidence it holds: the Windows S4U client's refusal of non-forwardable evidence (S4U-3) is the client's, so a tool's S4U2proxy with a non-forwardable S4U2self ticket reaches the KDC, where RBCD accepts it and classic constrained delegation refuses it."
        [SHAMIR_WAGGING "", RUBEUS "s4u", IMPACKET "getST.py"]
    ATK_13 "ATK-13" Documented
        "A service accepts a service ticket its account's key decrypts, whoever presents it: a tool presenting a ticket reaches the service as the ticket's client, through the server's ordinary Kerberos network logon."
        [RFC_4120 "3.2.3", SHAMIR_WAGGING "", RUBEUS "ptt"]
    ATK_14 "ATK-14" Observed
        "Altservice: the service name of a ticket is outside its encrypted part, so whoever holds a ticket for one service of an account writes another SPN of that account (or a host alias of one) in its place and the other service accepts it; a ticket for another account's service is refused, as that service cannot decrypt it. Constrained delegation lists are therefore no boundary between the services of one account."
        [SOLINO_SPNS "", RUBEUS "/altservice", RFC_4120 "5.3 (sname outside enc-part)"]

    // ---------------------------------------------------------------- HOP: how the model plays a hop
    HOP_1 "HOP-1" Documented
        "An S4U logon gives the service a token of the user: at Impersonation if the process holds SeTcbPrivilege, at Identification otherwise."
        [L_KERB_S4U_LOGON "Remarks"]
    HOP_2 "HOP-2" Documented
        "A resource grants a right if the first DACL entry naming the presented identity or one of its groups (Everyone, Authenticated Users, ANONYMOUS LOGON, domain groups) allows it and no earlier one denies it; an Identification-level token opens nothing."
        [L_HOW_DACLS "", L_IMP_LEVELS ""]
    HOP_4 "HOP-4" Documented
        "An NTLM network logon is validated by pass-through to a domain controller of the user's domain, over the server's domain's secure channel and its trusts: a server outside every domain, or in a domain that no trust joins to the user's, cannot log the user on."
        [MS_NRPC "1.3 Overview (pass-through authentication over trusts)", MS_APDS "3.1.5 (a logon failure when no account matches)"]
    HOP_5 "HOP-5" Ambiguous
        "Whether a service holding SeTcbPrivilege but not SeImpersonatePrivilege impersonates its S4U logon of a user at Impersonation (the token originates in the service's own logon session, which the impersonation check allows, IMP-6) or at Identification (LVL-8 and IMP-6 read as requiring a logon made with explicit credentials, which S4U is not)."
        [L_KERB_S4U_LOGON "Remarks", L_ILOU "Remarks", WSI_4 "Figure 4-5"]
    HOP_3 "HOP-3" Ambiguous
        "With no credentials for its client (NET-1), a server's outbound authentication either goes out as ANONYMOUS LOGON (what a back end reports after a failed double hop) or fails in the security package: NET-1 allows both and no page says which happens when."
        [L_LOGON_TYPES "Network", KB_2443455 "Symptoms"]


    // ---------------------------------------------------------------- CLR: .NET identity flow
    CLR_1 "CLR-1" Documented
        "The .NET Framework 1.0 and 1.1 never flow the WindowsIdentity across asynchronous points: there is no ExecutionContext, and a callback runs with whatever token its worker thread has, normally the process's."
        [SEED_003 "Remarks", D_ALWAYS_FLOW "Remarks"]
    CLR_2 "CLR-2" Documented
        "From .NET Framework 2.0 the ExecutionContext, and the WindowsIdentity in it, is captured and restored across Thread.Start, thread-pool work items, delegate BeginInvoke and task continuations; the unsafe thread-pool operations (UnsafeQueueUserWorkItem) carry none."
        [SEED_003 "Remarks", D_EXECUTION_CONTEXT "Remarks", D_THREADPOOL_UNSAFE "Remarks"]
    CLR_3 "CLR-3" Documented
        "By default only managed impersonation flows: the captured identity is the one WindowsIdentity.Impersonate set; impersonation done by P/Invoke (ImpersonateLoggedOnUser, SetThreadToken, RpcImpersonateClient) is invisible to the CLR and does not flow."
        [SEED_003 "Remarks (the CLR is aware of managed impersonation only)", D_WI_IMPERSONATE "", REFSRC_SECURITY_CONTEXT "GetCurrentWI"]
    CLR_4 "CLR-4" Documented
        "With `<alwaysFlowImpersonationPolicy enabled=\"true\"/>` (or the hosting flag STARTUP_ALWAYSFLOW_IMPERSONATION) the capture takes the OS thread token, however it was set, so unmanaged impersonation flows too."
        [D_ALWAYS_FLOW "", D_STARTUP_FLAGS "STARTUP_ALWAYSFLOW_IMPERSONATION", SEED_003 "Remarks"]
    CLR_5 "CLR-5" Documented
        "With `<legacyImpersonationPolicy enabled=\"true\"/>` (or STARTUP_LEGACY_IMPERSONATION) the WindowsIdentity never flows, whatever the ExecutionContext settings: a callback runs with whatever token its executing thread has, and the runtime neither impersonates nor reverts."
        [SEED_003 "enabled attribute", D_STARTUP_FLAGS "STARTUP_LEGACY_IMPERSONATION", D_CORBIND "flags", REFSRC_SECURITY_CONTEXT "IsWindowsIdentityFlowSuppressed, SetSecurityContext"]
    CLR_6 "CLR-6" Documented
        "When both configuration elements are enabled, legacy wins and nothing flows: the CLR sets one flow mode, legacy before always-flow before the default."
        [CLR_EECONFIG "EEConfig::sync (iImpersonationPolicy)", REFSRC_SECURITY_CONTEXT "_LegacyImpersonationPolicy, _alwaysFlowImpersonationPolicy"]
    CLR_7 "CLR-7" Documented
        "Classic ASP.NET ships aspnet.config with legacyImpersonationPolicy=true and alwaysFlowImpersonationPolicy=false, so async work started by an impersonating request runs as the application pool; to flow, set legacy=false and alwaysFlow=true. In other applications the elements are read only from the application configuration file."
        [SEED_003 "Configuration File", D_ALWAYS_FLOW "Configuration File"]
    CLR_8 "CLR-8" Documented
        "Running a captured context that carries no identity, on a thread that impersonates, reverts the thread for the callback, so it runs as the process; a context that carries an identity impersonates it; in both cases the previous token is restored afterwards, and a context captured with identity flow suppressed leaves the token alone."
        [REFSRC_SECURITY_CONTEXT "SetSecurityContext, SecurityContextSwitcher.Undo"]
    CLR_9 "CLR-9" Documented
        "While ExecutionContext.SuppressFlow is in force no context is captured: work queued then runs in the default context, as the process on a pool thread. Suppressing twice throws InvalidOperationException, and AsyncFlowControl.Undo must be called on the suppressing thread."
        [D_EC_SUPPRESS "Remarks, Exceptions", D_AFC_UNDO "Exceptions", SEED_003 "Remarks (per-thread alternatives)"]
    CLR_10 "CLR-10" Documented
        "SecurityContext.SuppressFlowWindowsIdentity suppresses only the identity: the context still flows, captures no WindowsIdentity, and when run leaves the executing thread's token untouched."
        [D_SC_SUPPRESS_WI "", SEED_003 "Remarks (per-thread alternatives)", REFSRC_SECURITY_CONTEXT "CaptureCore, SetSecurityContext"]
    CLR_11 "CLR-11" Documented
        "On .NET Framework 2.0 to 4.8 the identity a callback runs under is decided in this order: context flow suppressed, legacy policy, identity flow suppressed, always-flow (the OS token at capture), the default (the managed identity at capture, else the process)."
        [SEED_003 "", D_ALWAYS_FLOW "", REFSRC_SECURITY_CONTEXT "Capture, SetSecurityContext"]
    CLR_12 "CLR-12" Documented
        ".NET Core and .NET 5+ have no WindowsIdentity.Impersonate: RunImpersonated keeps the token in an AsyncLocal whose change handler reverts and re-impersonates at every execution-context switch, so continuations impersonate on whichever thread they run; the configuration elements have no effect and SecurityContext.SuppressFlow throws."
        [DOTNET_WI "RunImpersonatedInternal, CurrentImpersonatedTokenChanged", D_RUN_IMPERSONATED "", D_SC_SUPPRESS "Exceptions (.NET 5+)"]
    CLR_13 "CLR-13" Documented
        "On .NET Core a token set by P/Invoke stays on the OS thread: it does not follow an await to another thread, and the runtime clears it only when it re-applies a flowing value at a context switch."
        [DOTNET_WI "CurrentImpersonatedTokenChanged (acts only when ThreadContextChanged)"]
    CLR_14 "CLR-14" Observed
        "On .NET Core the token handle given to RunImpersonated must outlive the async work that uses it: a continuation that runs after the handle was disposed fails with ObjectDisposedException (\"Safe handle has been closed\"); the .NET Framework duplicated the token, so the pattern worked there."
        [COREFX_26446 ""]
    CLR_15 "CLR-15" Documented
        "ASP.NET Core does not impersonate on its own: requests run as the application pool or process identity, and code acts as the user only inside WindowsIdentity.RunImpersonated or RunImpersonatedAsync."
        [ASPNETCORE_WINAUTH "Impersonation"]
    MRT_1 "MRT-1" Documented
        "WindowsImpersonationContext.Undo puts back the token the thread had before the Impersonate that returned it (the process's when it had none)."
        [D_WIC_UNDO "", REFSRC_WIC "Undo"]
    MRT_2 "MRT-2" Documented
        "After a work item the runtime restores only what running its context changed: a token the item itself left on the thread, by P/Invoke or an Impersonate without Undo, goes back to the pool with the thread."
        [REFSRC_SECURITY_CONTEXT "SecurityContextSwitcher.Undo (restores only when it impersonated or reverted)", L_ILOU "Remarks"]
    MRT_3 "MRT-3" Documented
        "Connections are pooled per connection string and, with integrated security, per Windows identity: a connection opened while impersonating one client cannot be reused for another, so per-client connections defeat pooling. Close returns a connection to its pool and may be called again without effect."
        [SEED_001 "Performance Implications", D_ADONET_POOLING "Pool Creation and Assignment", D_SQLCONNECTION_CLOSE "Remarks"]

    // ---------------------------------------------------------------- SQL: SQL Server CLR integration
    SQL_1 "SQL-1" Documented
        "SAFE code may compute and use the context connection only; EXTERNAL_ACCESS adds files, network, registry, environment and unrestricted SqlClient; UNSAFE is full trust, unmanaged code included. SAFE and EXTERNAL_ACCESS are also bound by host protection (no thread creation)."
        [SQL_CAS "", SQL_CREATE_ASSEMBLY "PERMISSION_SET", SQL_HPA "", SEED_000 "(EXTERNAL_ACCESS and UNSAFE may impersonate; UNSAFE assemblies create threads)"]
    SQL_2 "SQL-2" Documented
        "Creating an EXTERNAL_ACCESS or UNSAFE assembly needs CREATE ASSEMBLY, the creator's own EXTERNAL ACCESS ASSEMBLY (UNSAFE ASSEMBLY) permission, and either a signature whose certificate or key maps to a login holding that permission or a TRUSTWORTHY database whose owner holds it; the signature-or-TRUSTWORTHY check repeats when the assembly loads."
        [SQL_CREATING_ASSEMBLY "", SQL_CREATE_ASSEMBLY "Permissions", SQL_ERRORS_2016 "10314, 10327 (not authorized for PERMISSION_SET)", SQL_ERRORS_2017 "262, 10314, 10327 (not trusted)"]
    SQL_3 "SQL-3" Documented
        "With clr strict security (SQL Server 2017 and later, on by default) every assembly is treated as UNSAFE: the declared permission set is ignored at run time and creation needs UNSAFE ASSEMBLY by signature or TRUSTWORTHY owner; SAFE is no security boundary."
        [SQL_CREATE_ASSEMBLY "Permissions with CLR strict security", SQL_STRICT "", SQL_ERRORS_2017 "10343"]
    SQL_4 "SQL-4" Documented
        "Managed code in SQL Server runs on a thread holding the service account's token; SQL Server does not impersonate the caller for external resources unless the code does."
        [SEED_000 "", SQL_CONTEXT "", SQL_IMP_CREDENTIALS ""]
    SQL_5 "SQL-5" Documented
        "External access from EXTERNAL_ACCESS or UNSAFE code: denied for a SQL Server login, as the service account for a Windows original caller the code does not impersonate, as the caller when it does, denied for a context that is not the original caller; SAFE code is always denied."
        [SQL_CAS "Accessing External Resources"]
    SQL_6 "SQL-6" Documented
        "SqlContext.WindowsIdentity is the caller's WindowsIdentity under Windows authentication and null under SQL authentication, where the code cannot impersonate the caller; only EXTERNAL_ACCESS and UNSAFE code may read it."
        [SQL_CONTEXT "", SQL_CONTEXT_WI "", SEED_000 ""]
    SQL_7 "SQL-7" Documented
        "In-process data access is refused while the code impersonates; it must Undo first, so in-process data access always runs in the session's own security context."
        [SEED_000 "first restriction", SQL_IMP_CREDENTIALS "", SQL_ERRORS_2017 "6233 (In proc data access is not allowed in an impersonated state)"]
    SQL_8 "SQL-8" Documented
        "Managed code running asynchronously, on any thread other than the one that entered it, never gets in-process data access, impersonating or not."
        [SEED_000 "second restriction"]
    SQL_9 "SQL-9" Documented
        "In-process data access is authorized in the original execution context of the T-SQL entry point into the managed code; impersonation in managed code cannot change it."
        [SEED_000 "", SQL_IMP_CREDENTIALS "", SQL_ERRORS_2017 "208, 229"]
    SQL_10 "SQL-10" Documented
        "The caller's WindowsIdentity comes from its network logon to SQL Server: an outbound connection made while impersonating reaches another machine as the caller only by delegation, otherwise impersonation works locally only."
        [SQL_IMP_CREDENTIALS "(delegation)", SQL_CREATE_ASSEMBLY "Remarks (a UNC path is read as the service account)"]
    SQL_11 "SQL-11" Documented
        "Granting EXTERNAL ACCESS ASSEMBLY is granting the service account: only logins trusted to run as it should hold it; for security EXTERNAL_ACCESS and UNSAFE are the same."
        [SQL_CAS "(IMPORTANT note)", SEED_000 "(only logins trusted to run code under the service account)"]
    SQL_12 "SQL-12" Documented
        "EXECUTE AS USER is scoped to its database unless the database is TRUSTWORTHY; EXECUTE AS LOGIN is server-wide; for CLR external access a switched context is not the original caller and is denied."
        [SQL_EXECUTE_AS "", SQL_CAS "Accessing External Resources", SQL_ERRORS_2017 "916"]
    SQLX_1 "SQLX-1" Documented
        "EXECUTE AS LOGIN needs IMPERSONATE on that login and EXECUTE AS USER IMPERSONATE on that user (sysadmin, and the database owner for users of its database, hold it); REVERT returns to the caller of the last EXECUTE AS."
        [SQL_EXECUTE_AS_STMT "Permissions, Remarks", SQL_REVERT "", SQL_ERRORS_2017 "15406, 15517"]
    ATK_9 "ATK-9" Documented
        "A login holding EXTERNAL ACCESS ASSEMBLY, or the dbo of a TRUSTWORTHY database whose owner is privileged, deploys CLR code that reaches files and the network as the SQL Server service account; under strict security a SAFE assembly is no barrier."
        [SQL_CAS "", SQL_CREATING_ASSEMBLY "(TRUSTWORTHY warning)", SQL_CREATE_ASSEMBLY ""]

    // ---------------------------------------------------------------- open questions
    OQL_1 "OQL-1" Ambiguous
        "Whether ImpersonateLoggedOnUser with an Identification- or Anonymous-level token assigns it (older text) or fails (newer \"cannot be used for impersonation\" note)."
        [L_ILOU "Remarks, both revisions"]
    OQL_2 "OQL-2" Ambiguous
        "SECURITY_SQOS_PRESENT with no level flag: the header arithmetic gives Anonymous, the CreateFile page says Impersonation is the default."
        [L_CREATE_FILE "dwFlagsAndAttributes"]
    OQL_3 "OQL-3" Ambiguous
        "The QoS of a pipe client that passes none: ReactOS uses dynamic tracking and effective-only, Forshaw static and not effective-only."
        [ROS_NPFS "NpInitializeSecurity", WSI_4 "p. 106"]
    OQL_4 "OQL-4" Ambiguous
        "Under static tracking, whether the server may impersonate before reading: ReactOS captures at open, the error text says only after data has been read."
        [ROS_NPFS "NpInitializeSecurity", L_ERROR_CODES "1368"]
    OQL_5 "OQL-5" Ambiguous
        "Whether a pipe opened through SMB ignores the client's level flags, as the Impersonation Levels page says of remote pipes (the default), or gives the server the level that travels in SMB CREATE ([MS-SMB2] 2.2.13)."
        [L_IMP_LEVELS "", MS_SMB2 "2.2.13, 3.3.5.9", MS_RPCE "2.2.1.1.10"]
    OQL_6 "OQL-6" Ambiguous
        "Whether a provider that may raise ANONYMOUS or IDENTIFY to IMPERSONATE (RPC-7) does so, or honours IDENTIFY as [MS-RPCE] requires of the identify flag."
        [L_RPC_SQOS "ImpersonationType notes", MS_RPCE "2.2.1.1.9", MS_NLMP "2.2.2.5"]
    OQL_7 "OQL-7" Ambiguous
        "The kernel check: Windows's eight steps (Forshaw) or the WDK/ReactOS four conditions with restriction parity."
        [WDK_PS_IMP "Remarks", WSI_4 "Figure 4-5", ROS_TOKEN "SeTokenCanImpersonate"]
    OQL_8 "OQL-8" Ambiguous
        "Whether an anonymous-session token is always allowed (Forshaw) or only when system-sourced (ReactOS)."
        [WSI_4 "step 1", ROS_TOKEN "SeTokenCanImpersonate"]
    OQL_9 "OQL-9" Ambiguous
        "From which Windows version the integrity (IMP-5) and session-0 (IMP-10) checks apply; no document dates them."
        [WSI_4 "steps 3 and 8"]
    OQL_11 "OQL-11" Documented
        "The AcceptSecurityContext pages print SEC_E_INVALID_HANDLE as 0x80100003, which is SCARD_E_INVALID_HANDLE; the SDK header's 0x80090301 is its value."
        [L_SSPI_ASC "Return value", L_SSPI_STATUS ""]
    OQL_12 "OQL-12" Ambiguous
        "RpcImpersonateClient on a call without any security context (ncacn_ip_tcp, unauthenticated): RPC_S_NO_CONTEXT_AVAILABLE or RPC_S_CANNOT_SUPPORT; the page lists both and [MS-RPCE] says only that it fails."
        [L_RPC_RIC "Return value", MS_RPCE "3.1.1.4.2", WINE_RPCRT4 "RPCRT4_default_impersonate_client"]
    OQL_13 "OQL-13" Ambiguous
        "Whether NTLM refuses ISC_REQ_DELEGATE / ASC_REQ_DELEGATE with SEC_E_UNSUPPORTED_FUNCTION, as its pages' return tables say, or ignores the flag (Wine); and whether ASC_RET_DELEGATE maps to Delegation (inferred)."
        [L_SSPI_ISC_NTLM "Return value", L_SSPI_ASC "Return value", WINE_NTLM "", L_SSPI_CTX_REQ "DELEGATE"]
    OQL_10 "OQL-10" Documented
        "SeCreateClientSecurity with dynamic tracking and a remote server: the WDK page makes a copy unless tracking is dynamic and the server local, ReactOS keeps a reference whenever tracking is dynamic. Neither reading is observable in the model: a remote server never sees the client's own token, it holds the client's network logon from the SMB session or the security provider (PIPE-11, NET-1), so IMP-15's live reference is a local server's only."
        [WDK_SE_CCS "Remarks", ROS_CLIENT "SepCreateClientSecurity"]
    OQL_14 "OQL-14" Ambiguous
        "When static cloaking set by CoInitializeSecurity fixes a proxy's identity: at its first call (the COM cloaking table), or only through CoSetProxyBlanket (the COM+ cloaking page)."
        [L_COM_CLOAK "Setting Cloaking", COMP_CLOAK ""]
    OQL_15 "OQL-15" Ambiguous
        "Whether SeImpersonatePrivilege must be enabled (Forshaw) or merely held (the Win32 pages' \"has\")."
        [L_ILOU "Remarks", WSI_4 "p. 115"]
    OQL_16 "OQL-16" Ambiguous
        "SeDelegateSessionUserImpersonatePrivilege's semantics are undocumented; whether it makes a token elevated (Forshaw's ten privileges) or not (a decompiled TokenElevation mask holds nine) is unsettled."
        [WSI_4 "pp. 123-124", L_UR_POLICIES "Obtain an impersonation token for another user in the same session"]
    OQL_17 "OQL-17" Documented
        "The level of the copy IMP-2 makes when the token was already Anonymous: decompiled code suggests it stays Anonymous rather than becoming Identification; no page says. The model never meets it: a request below Impersonation passes the check as it is (IMP-3), so only requests at Impersonation or above are downgraded."
        [WDK_PS_IMP "Remarks", WSI_4 "p. 138"]
    OQL_18 "OQL-18" Ambiguous
        "IsCallerInRole for a role the application does not define: CONTEXT_E_ROLENOTFOUND, or FALSE; the page says both."
        [COMP_ICIR "Return value, Remarks", COMP_OC_ICIR "Return value"]
    OQL_19 "OQL-19" Ambiguous
        "No Win32 page states outright that CreateThread does not propagate the creator's impersonation."
        [WSI_4 "p. 104", L_THREAD_POOLS ""]

    // ---------------------------------------------------------------- ACCT: accounts and default tokens
    ACCT_1 "ACCT-1" Documented
        "Every authenticated user's token carries Everyone, Users (Authenticated Users is its member) and Authenticated Users; the built-in aliases have fixed SIDs."
        [L_SIDS "Well-known SIDs table (S-1-5-32-545: the only member is Authenticated Users)", L_WELL_KNOWN_SIDS "", MS_DTYP_SIDS ""]
    ACCT_2 "ACCT-2" Documented
        "The LocalSystem token has user SYSTEM, the Administrators group, System integrity and the privileges listed on the LocalSystem Account page in their documented enabled or disabled state."
        [L_LOCAL_SYSTEM "Privileges list", L_SIDS "System is a hidden member of Administrators"]
    ACCT_3 "ACCT-3" Documented
        "LOCAL SERVICE and NETWORK SERVICE tokens hold the privileges their pages list (SeImpersonatePrivilege, SeCreateGlobalPrivilege and SeChangeNotifyPrivilege enabled) plus those of Users and Authenticated Users."
        [L_LOCAL_SERVICE "Privileges", L_NETWORK_SERVICE "Privileges"]
    ACCT_4 "ACCT-4" Documented
        "A logon's privileges are those assigned to its user and groups by the user-rights policy; the Windows 10 workstation defaults apply unless the scenario assigns more."
        [L_UR_POLICIES "Client Computer Effective Default Settings", ROS_DEFLTWK "[Privilege Rights]"]
    ACCT_5 "ACCT-5" Documented
        "A service started by the Service Control Manager gets the SERVICE group, and with it SeImpersonatePrivilege and SeCreateGlobalPrivilege."
        [L_UR_IMP "Reference: Services that are started by the Service Control Manager have the built-in Service group added"]
    ACCT_6 "ACCT-6" Documented
        "SeChangeNotifyPrivilege is enabled by default for everyone; SeImpersonatePrivilege and SeCreateGlobalPrivilege are enabled by default where held; every other privilege starts disabled."
        [L_PRIV_CONSTANTS "SE_CHANGE_NOTIFY_NAME, SE_CREATE_GLOBAL_NAME", L_UAC_BLOG "token dumps"]
    ACCT_7 "ACCT-7" Documented
        "An interactive logon's token holds INTERACTIVE, LOCAL, CONSOLE LOGON, the logon SID and Medium integrity for a standard user; a network logon's holds NETWORK instead of INTERACTIVE and LOCAL."
        [L_SIDS "S-1-5-2 Network, S-1-5-4 Interactive", L_WELL_KNOWN_SIDS "SECURITY_LOGON_IDS_RID", MS_DTYP_SIDS "LOCAL, CONSOLE_LOGON"]
    ACCT_8 "ACCT-8" Observed
        "The full half of an administrator's split token has High integrity, the Administrators group enabled and as default owner, and every Administrators right."
        [L_UAC_BLOG "Token for elevated process", L_OWNER_NEW "", L_UAC "Sign in process"]
    ACCT_9 "ACCT-9" Documented
        "The anonymous logon token has user ANONYMOUS LOGON in session 0x3e6, no privileges, and Everyone only if EveryoneIncludesAnonymous is set."
        [L_IAT "Remarks", ROS_TOKEN "SepCreateSystemAnonymousLogonToken"]

    // ---------------------------------------------------------------- LOGON: LogonUser
    LOGON_1 "LOGON-1" Documented
        "LogonUser needs no privilege from its caller on Windows XP and later."
        [L_LOGON_USER "Remarks"]
    LOGON_2 "LOGON-2" Observed
        "LogonUser fails with ERROR_LOGON_FAILURE for a wrong password, ERROR_ACCOUNT_RESTRICTION for a correct blank password (blank passwords are limited to console logons by default), and ERROR_ACCOUNT_DISABLED for a disabled account."
        [L_ERROR_CODES "1326, 1327, 1331", L_BLANK_PASSWORDS "Default values", PUPPET_5103 ""]
    LOGON_3 "LOGON-3" Documented
        "The account must hold the logon right of the logon type (interactive, network, batch, service), and a deny right overrides it; otherwise ERROR_LOGON_TYPE_NOT_GRANTED."
        [L_LOGON_USER "Remarks", L_UR_POLICIES "Log on as a service: Deny logon as a service supersedes", OPENSSH_1638 ""]
    LOGON_4 "LOGON-4" Documented
        "Each logon type adds its own group (INTERACTIVE, NETWORK, BATCH, SERVICE) and a fresh logon session with its own logon SID."
        [L_WELL_KNOWN_SIDS "SECURITY_BATCH_RID, SECURITY_SERVICE_RID, SECURITY_NETWORK_RID", L_LOGON_USER "dwLogonType"]
    LOGON_5 "LOGON-5" Documented
        "Interactive, batch, service and network-cleartext logons keep the user's credentials for onward use; a network logon keeps none."
        [L_LOGON_USER "dwLogonType", L_CLIENT_LOGON ""]
    LOGON_6 "LOGON-6" Documented
        "A new-credentials logon clones the caller's token into a new logon session: the local identity is unchanged, only outbound credentials differ."
        [L_LOGON_USER "LOGON32_LOGON_NEW_CREDENTIALS"]
    LOGON_7 "LOGON-7" Documented
        "A token from LogonUser has as origin the caller's logon session, except network and network-cleartext logons, whose origin is zero."
        [L_TOKEN_ORIGIN "OriginatingLogonSession"]

    // ---------------------------------------------------------------- HND: handles
    HND_1 "HND-1" Documented
        "A NULL, closed or foreign handle, or a handle to the wrong kind of object, is ERROR_INVALID_HANDLE."
        [L_OB_REF "Return value", L_CLOSE_HANDLE ""]
    HND_2 "HND-2" Documented
        "Each call checks that the handle was opened with the access it needs; otherwise ERROR_ACCESS_DENIED."
        [L_OB_REF "DesiredAccess", L_TOKEN_RIGHTS ""]
    HND_3 "HND-3" Documented
        "Opening an object checks the desired access against its security descriptor with the caller's effective token, and the handle keeps the access granted."
        [L_TOKEN_RIGHTS "", L_OPT "DesiredAccess", L_SE_ACCESS_CHECK ""]
    HND_4 "HND-4" Documented
        "The handles a thread's or process's creator holds, and the current-thread pseudo-handle, carry full access."
        [L_CREATE_THREAD "Remarks", L_GET_CURRENT_THREAD "Remarks", L_THREAD_RIGHTS ""]
    HND_5 "HND-5" Documented
        "CloseHandle closes an open handle; closing it again is ERROR_INVALID_HANDLE."
        [L_CLOSE_HANDLE "Return value"]
    HND_6 "HND-6" Documented
        "OpenThreadToken needs THREAD_QUERY_INFORMATION on the thread handle."
        [L_NT_OTT "ThreadHandle"]

    // ---------------------------------------------------------------- ACC: the access check
    ACC_1 "ACC-1" Documented
        "The DACL is walked in order: allow entries grant rights, a matching deny entry for a still-wanted right denies the whole request, and rights no entry grants are denied."
        [MS_DTYP_ACCESS "", L_HOW_DACLS ""]
    ACC_2 "ACC-2" Documented
        "A NULL DACL grants every access; an empty DACL grants nothing beyond the owner's implied rights."
        [MS_DTYP_ACCESS "", L_HOW_DACLS ""]
    ACC_3 "ACC-3" Documented
        "MAXIMUM_ALLOWED grants every right the descriptor allows, and fails if that is nothing."
        [MS_DTYP_ACCESS "MAXIMUM_ALLOWED", ROS_ACCESSCHK "SepAccessCheck"]
    ACC_4 "ACC-4" Documented
        "The owner implicitly has READ_CONTROL and WRITE_DAC, unless an OWNER RIGHTS entry is present."
        [L_OWNER_NEW "", L_WELL_KNOWN_SIDS "OWNER RIGHTS"]
    ACC_5 "ACC-5" Documented
        "Deny-only groups match deny entries only; disabled groups match nothing."
        [L_SID_ATTRS ""]
    ACC_6 "ACC-6" Documented
        "ACCESS_SYSTEM_SECURITY is granted only by an enabled SeSecurityPrivilege (ERROR_PRIVILEGE_NOT_HELD otherwise)."
        [L_SACL_RIGHT ""]
    ACC_7 "ACC-7" Documented
        "An enabled SeTakeOwnershipPrivilege grants WRITE_OWNER whatever the DACL says."
        [L_SE_ACCESS_CHECK "Remarks", L_OWNER_NEW ""]
    ACC_8 "ACC-8" Documented
        "Generic rights are mapped to the object type's specific rights before they are compared."
        [L_ACCESS_CHECK "GenericMapping", ROS_ACCESSCHK "RtlMapGenericMask"]
    ACC_9 "ACC-9" Documented
        "A restricted token must pass a second check with its restricting SIDs, for write access only when write-restricted; only rights both passes grant are granted."
        [L_RESTRICTED_TOKENS "", L_CRT "Remarks, WRITE_RESTRICTED"]
    ACC_10 "ACC-10" Observed
        "AccessCheck fails with ERROR_GENERIC_NOT_MAPPED when the desired access still holds generic rights."
        [L_ACCESS_CHECK "DesiredAccess", ROS_ACCESSCHK "NtAccessCheck"]
    ACC_11 "ACC-11" Documented
        "AccessCheck needs TOKEN_QUERY on the client token; it succeeds whether or not access is granted: AccessStatus says which and GrantedAccess is zero when denied."
        [L_ACCESS_CHECK "ClientToken, Return value"]

    // ---------------------------------------------------------------- MIC: mandatory integrity
    MIC_1 "MIC-1" Documented
        "An object without a mandatory label counts as Medium with no-write-up; an object created by a token below Medium is labelled at that token's level."
        [L_MIC "", L_WIM "Default integrity levels of objects"]
    MIC_2 "MIC-2" Observed
        "A token below the object's integrity level may be granted only the read, write and execute rights of the type's generic mapping that the label's no-read-up, no-write-up and no-execute-up policy does not withhold."
        [MS_DTYP_MIC "", MS_DTYP_LABEL "", L_MIC ""]

    // ---------------------------------------------------------------- DEF: new objects
    DEF_1 "DEF-1" Documented
        "A new object without explicit security gets the owner and DACL defaults of the creator's effective token."
        [L_OWNER_NEW "", L_DACL_NEW "", L_THREAD_RIGHTS ""]
    DEF_2 "DEF-2" Ambiguous
        "The default DACL of a token grants its default owner and SYSTEM full access and, on Vista and later, its logon SID read and execute; no document lists it."
        [L_ONT_DEFAULT_SD "", L_DACL_NEW ""]

    // ---------------------------------------------------------------- INFO: querying and setting tokens
    INFO_1 "INFO-1" Documented
        "GetTokenInformation needs TOKEN_QUERY on the handle."
        [L_GTI "TokenHandle", L_ZW_QUERY_INFO "TokenHandle"]
    INFO_2 "INFO-2" Documented
        "TokenImpersonationLevel fails on a primary token (ERROR_INVALID_PARAMETER)."
        [L_TOKEN_INFO_CLASS "TokenImpersonationLevel", ROS_TOKENCLS "STATUS_INVALID_INFO_CLASS"]
    INFO_3 "INFO-3" Documented
        "TokenStatistics reports the TokenId, the logon session, the type, the stored level, the group count without the user, the privilege count and the ModifiedId."
        [L_TOKEN_STATISTICS "", ROS_TOKENCLS "TokenStatistics"]
    INFO_4 "INFO-4" Documented
        "TokenUser, TokenGroups (with the integrity label), TokenPrivileges (present ones only), TokenOwner, TokenType, TokenSessionId and TokenRestrictedSids report the token's contents."
        [L_TOKEN_INFO_CLASS "", L_TOKEN_GROUPS ""]
    INFO_5 "INFO-5" Observed
        "TokenLinkedToken returns a primary token to a caller with SeTcbPrivilege enabled and an Identification-level impersonation token otherwise; a token without a link fails with ERROR_NO_SUCH_LOGON_SESSION."
        [NTDOC_TIC "TokenLinkedToken", SAMPLES_363 "", WSI_4 "Listing 4-25"]
    INFO_6 "INFO-6" Documented
        "TokenElevationType is Default without a linked token, Full for the elevated half and Limited for the filtered half."
        [L_ELEVATION_TYPE ""]
    INFO_7 "INFO-7" Observed
        "SetTokenInformation needs TOKEN_ADJUST_DEFAULT; raising the integrity level without SeTcbPrivilege fails with ERROR_PRIVILEGE_NOT_HELD, and raising that of a token in use as a process token with ERROR_TOKEN_ALREADY_IN_USE."
        [L_ZW_SET_INFO "TOKEN_ADJUST_DEFAULT", ROS_TOKENCLS "NeededAccess", NTDOC_TIC "TokenIntegrityLevel"]
    INFO_8 "INFO-8" Documented
        "TokenOrigin is the logon session that created the token, zero for network logons."
        [L_TOKEN_ORIGIN ""]

    // ---------------------------------------------------------------- PRIV: privileges
    PRIV_1 "PRIV-1" Documented
        "AdjustTokenPrivileges needs TOKEN_ADJUST_PRIVILEGES; it cannot add privileges, and succeeds with ERROR_NOT_ALL_ASSIGNED when one named is not in the token."
        [L_ATP "Return value", WINE_KERNELBASE "AdjustTokenPrivileges"]
    PRIV_2 "PRIV-2" Documented
        "DisableAllPrivileges disables every privilege and ignores NewState."
        [L_ATP "DisableAllPrivileges"]
    PRIV_3 "PRIV-3" Documented
        "SE_PRIVILEGE_REMOVED removes a privilege for good; enabling it later reports ERROR_NOT_ALL_ASSIGNED."
        [L_ATP "SE_PRIVILEGE_REMOVED"]
    PRIV_4 "PRIV-4" Observed
        "A token's ModifiedId changes when a call actually changes it, and only then."
        [L_TOKEN_STATISTICS "ModifiedId", ROS_TOKENADJ "ChangesMade"]
    PRIV_5 "PRIV-5" Documented
        "PrivilegeCheck needs TOKEN_QUERY and counts enabled privileges only: all of them with PRIVILEGE_SET_ALL_NECESSARY, any one otherwise."
        [L_PRIVILEGE_CHECK ""]
    PRIV_6 "PRIV-6" Observed
        "PrivilegeCheck refuses an Anonymous-level impersonation token with ERROR_BAD_IMPERSONATION_LEVEL."
        [ROS_PRIV "NtPrivilegeCheck"]

    // ---------------------------------------------------------------- MEMB: CheckTokenMembership
    MEMB_1 "MEMB-1" Documented
        "CheckTokenMembership with a NULL token uses the thread's impersonation token, or an impersonation copy of the process token."
        [L_CTM "TokenHandle"]
    MEMB_2 "MEMB-2" Observed
        "CheckTokenMembership needs TOKEN_QUERY and an impersonation token (ERROR_NO_IMPERSONATION_TOKEN for a primary one) above Anonymous level."
        [L_CTM "TokenHandle", WINE_KERNELBASE "CheckTokenMembership", ROS_ACCESSCHK "NtAccessCheck"]
    MEMB_3 "MEMB-3" Documented
        "IsMember is TRUE only for an enabled SID, and for a restricted token only if it is also a restricting SID."
        [L_CTM "IsMember, Remarks"]

    // ---------------------------------------------------------------- RTOK: CreateRestrictedToken
    RTOK_1 "RTOK-1" Documented
        "CreateRestrictedToken needs TOKEN_DUPLICATE and makes a token of the source's type and level, a child of it, with the source handle's access."
        [L_CRT "ExistingTokenHandle, NewTokenHandle", ROS_TOKEN "SepPerformTokenFiltering"]
    RTOK_2 "RTOK-2" Observed
        "DISABLE_MAX_PRIVILEGE removes every privilege except SeChangeNotifyPrivilege; PrivilegesToDelete removes those listed."
        [L_CRT "Flags, PrivilegesToDelete", ROS_TOKEN "SepPerformTokenFiltering"]
    RTOK_3 "RTOK-3" Documented
        "SidsToDisable makes the listed SIDs, the user's included, deny-only; SIDs not in the token are ignored."
        [L_CRT "SidsToDisable"]
    RTOK_4 "RTOK-4" Documented
        "SidsToRestrict sets the restricting SIDs (intersected with existing ones); WRITE_RESTRICTED limits them to write access."
        [L_CRT "SidsToRestrict, Flags"]

    // ---------------------------------------------------------------- PROC: threads and processes
    PROC_1 "PROC-1" Documented
        "CreateProcess gives the child the caller's process token even while the caller impersonates."
        [L_CREATE_PROCESS "Remarks"]
    PROC_2 "PROC-2" Documented
        "CreateProcessAsUser and CreateProcessWithTokenW need TOKEN_QUERY, TOKEN_DUPLICATE and TOKEN_ASSIGN_PRIMARY on a primary token."
        [L_CPAU "hToken", L_CPWT "hToken", L_DUPLICATE_TOKEN "Remarks"]
    PROC_3 "PROC-3" Observed
        "CreateProcessAsUser with an impersonation token fails with ERROR_BAD_TOKEN_TYPE."
        [ROS_LOGON "CreateProcessAsUserCommon", L_DUPLICATE_TOKEN "Remarks"]
    PROC_4 "PROC-4" Documented
        "CreateProcessAsUser enables the privileges it needs for the call if they are held but disabled."
        [L_CPAU "hToken"]
    PROC_5 "PROC-5" Documented
        "OpenThread checks the desired access against the thread's descriptor with the caller's effective token; an enabled SeDebugPrivilege grants any access."
        [L_OPEN_THREAD "dwDesiredAccess"]
    PROC_6 "PROC-6" Documented
        "A new thread's descriptor comes from its creator's primary token."
        [L_CREATE_THREAD "Remarks"]

    // ---------------------------------------------------------------- RES: resources
    RES_1 "RES-1" Observed
        "A process's handle table holds at most 16,711,680 open handles (2^24 less the first entry of each page, on 64-bit Windows): a call that would open one more fails, changing nothing, with ERROR_NO_SYSTEM_RESOURCES (the kernel's STATUS_INSUFFICIENT_RESOURCES), or SEC_E_INSUFFICIENT_MEMORY for an SSPI call, whose pages list it for lack of memory. For the model's other tables (tokens, logon sessions, processes, threads, objects, pipe instances, principals, RPC bindings and calls, SSPI credentials and contexts, COM proxies) no document gives a count, memory alone bounds them and the RPC and COM pages name no status: the model fails a call the same way only past the 2^32 entries its 32-bit ids number."
        [RUSSINOVICH_HANDLES "Handle table entries: 16,777,216 less one entry a page; Testlimit's 16,711,680", ROS_EX_HANDLE "no table past HIGH_LEVEL_ENTRIES", ROS_OB "ObpCreateHandle: STATUS_INSUFFICIENT_RESOURCES when ExCreateHandle fails", WINE_ERROR_TEST "STATUS_INSUFFICIENT_RESOURCES, ERROR_NO_SYSTEM_RESOURCES", L_HANDLE_LIMITS "limited only by the amount of memory available", L_SSPI_ACH "Return value", L_SSPI_ISC_NTLM "Return value", L_SSPI_ASC "Fatal error codes"]

    // ---------------------------------------------------------------- open questions found while modelling
    OQL_20 "OQL-20" Ambiguous
        "The status of CoImpersonateClient and CoRevertToSelf outside a call: undocumented; RPC_E_CALL_COMPLETE (Wine's test on Windows) or RPC_E_NO_CONTEXT."
        [L_COM_CGCC "Return value", WINE_OLE32_TEST "test_CoGetCallContext", L_COM_ERRORS "RPC_E_CALL_COMPLETE, RPC_E_NO_CONTEXT"]
    OQD_1 "OQD-1" Ambiguous
        "Whether S4U2self for a service with neither TRUSTED_TO_AUTH_FOR_DELEGATION nor msDS-AllowedToDelegateTo gives a forwardable ticket: [MS-SFU] does not say."
        [MS_SFU "3.2.5.1.2", HACKER_RECIPES ""]
    OQD_2 "OQD-2" Ambiguous
        "Whether RBCD refuses non-forwardable evidence for every user (the KDC text) or only for sensitive users (the client rule and the RBCD overview), and whether a matching A2D2 entry decides first."
        [MS_SFU "3.1.5.2.1, 3.2.5.2.3", L_KCD_OVERVIEW ""]
    OQD_3 "OQD-3" Ambiguous
        "Whether the client checks OK-AS-DELEGATE on the service ticket (RFC 4120, AD-3) or on the TGT, as [MS-KILE] 3.2.5.1 literally says."
        [MS_KILE "3.2.5.1", RFC_4120 "2.8"]
    OQD_4 "OQD-4" Ambiguous
        "Whether the SMB redirector asks for delegation on its own, so that a remote pipe client gets Delegation at a trusted server whatever it asked (the Impersonation Levels page), or never does."
        [L_IMP_LEVELS "", MS_RPCE "2.2.1.1.9"]
    OQD_5 "OQD-5" Ambiguous
        "How long a Protected Users member's TGT lives: 4 hours ([MS-KILE] 3.3.5.6 and the page's list of domain controller protections) or 600 minutes (a later sentence of the same page)."
        [MS_KILE "3.3.5.6", L_PROTECTED_USERS "Domain controller protections"]
    OQD_6 "OQD-6" Ambiguous
        "Whether Protected Users protects the built-in Administrator (RID 500) from delegation: Microsoft documents only its exemption from authentication policies; research found it exempt from the delegation protection too (AD-7)."
        [L_PROTECTED_USERS "", SENSEPOST_PU ""]
    OQD_10 "OQD-10" Documented
        "The Queued Components Security page says \"methods invoked execute with the sender's privileges\" and also that impersonation is not supported; read together, the sender's privileges govern role checks (QC-5), and the player's thread keeps the application's token. The page itself rules out the sender's token on the thread, so no second reading is offered."
        [COMP_QC "", SEED_001 "Queued Components"]
    OQD_11 "OQD-11" Ambiguous
        "Whether an S4U2self ticket for a user of another realm, which comes through referral TGTs, keeps the forwardability one realm would give it: [MS-SFU] specifies the referrals, not how the flag travels."
        [MS_SFU "3.1.5.2.2, 3.2.5.1.1, <15>"]
    OQD_12 "OQD-12" Documented
        "The pages' default impersonation levels disagree only across layers (COM's IDENTIFY \"system default\", Impersonate for RPC and pipes): each layer keeps its own (LVL-2)."
        [L_COM_IMP_LVLS "", L_IMP_LEVELS "", MS_RPCE "2.2.1.1.9"]
    OQD_13 "OQD-13" Ambiguous
        "How long a Kerberos-derived token stays usable off the server's machine: \"some time period between 5 minutes and 8 hours\", says the only page, and nothing restates the mechanism."
        [L_COM_KERB "", L_KERB_POLICY ""]
    OQD_7 "OQD-7" Ambiguous
        "Which policy wins when a host passes both STARTUP_LEGACY_IMPERSONATION and STARTUP_ALWAYSFLOW_IMPERSONATION to CorBindToRuntimeEx: the CLR has a setter for each and no page states their precedence."
        [D_STARTUP_FLAGS "", D_CORBIND "", CLR_EECONFIG ""]
    OQD_8 "OQD-8" Ambiguous
        "Whether SQL Server impersonates the caller for every external access (Creating an Assembly) or uses the service account unless the code impersonates (the other three pages and the seed)."
        [SQL_CREATING_ASSEMBLY "", SQL_CAS "", SQL_CREATE_ASSEMBLY "", SEED_000 ""]
    OQR_1 "OQR-1" Ambiguous
        "What running a context captured under SecurityContext.SuppressFlow does to an impersonating thread: seed 003 lists it beside SuppressFlowWindowsIdentity as a way to stop the identity flowing, and no page says whether the runtime then leaves the thread token alone or reverts it."
        [SEED_003 "Remarks (per-thread alternatives)", D_SC_SUPPRESS ""]
    OQS_2 "OQS-2" Ambiguous
        "What REVERT does when no EXECUTE AS is in force: the page says only that it switches back to the caller of the last EXECUTE AS."
        [SQL_REVERT "Remarks"]
    OQS_1 "OQS-1" Ambiguous
        "Who may create UNSAFE assemblies: a holder of UNSAFE ASSEMBLY (CREATE ASSEMBLY, Permissions) or members of sysadmin only (the same page's Remarks)."
        [SQL_CREATE_ASSEMBLY "Remarks, Permissions"]
    OQD_9 "OQD-9" Ambiguous
        "Under EXECUTE AS, what SqlContext.WindowsIdentity returns and whether external access is denied even when the switched context is a Windows login: no page says."
        [SQL_CAS "Accessing External Resources", SQL_CONTEXT_WI "", SQL_EXECUTE_AS ""]
    OQM_1 "OQM-1" Ambiguous
        "Whether CreateProcessAsUser needs SeIncreaseQuotaPrivilege (\"typically\", says the page) or not (a standard-user broker creates restricted children without it)."
        [L_CPAU "Remarks", CHROMIUM_SANDBOX "TargetProcess::Create"]
    OQM_2 "OQM-2" Ambiguous
        "Whether PrivilegeCheck accepts a primary token (ReactOS and decompiled Windows) or refuses it (the page requires a token of an impersonating thread)."
        [L_PRIVILEGE_CHECK "ClientToken", ROS_PRIV "NtPrivilegeCheck"]
    OQM_3 "OQM-3" Ambiguous
        "Which logon types of an administrator get the UAC-filtered token: interactive only, or network logons too (UAC remote restrictions for local accounts)."
        [L_UAC "Sign in process", KB_951016 ""]
    OQM_5 "OQM-5" Ambiguous
        "Whether a thread created while impersonating takes its descriptor from the creator's primary token (CreateThread page) or from the impersonation token (Thread Security and Access Rights page)."
        [L_CREATE_THREAD "Remarks", L_THREAD_RIGHTS "", L_GET_CURRENT_THREAD "Remarks"]
    OQM_6 "OQM-6" Ambiguous
        "Which terminal-services session a token from LogonUser belongs to: no page says; the caller's session, or session 0."
        [L_LOGON_USER "", L_CPAU "hToken (the session in the token)"]
    OQM_7 "OQM-7" Ambiguous
        "Whether the handle to a token a call has just made (DuplicateTokenEx, DuplicateToken, the copies ImpersonateSelf and ImpersonateLoggedOnUser make) is granted the access asked for as a creator's is, or is access-checked against the new token with the caller's effective token."
        [L_DTE "dwDesiredAccess, lpTokenAttributes", ROS_OB "ObInsertObjectEx", ROS_TOKENLIF "NtDuplicateToken"]
    OQM_8 "OQM-8" Ambiguous
        "What mandatory label a token object has: the token's own integrity level, or none (Medium, like any unlabeled object); no page says."
        [L_MIC "", L_TOKEN_RIGHTS ""]
    OQM_9 "OQM-9" Ambiguous
        "Which rights count as write access for a write-restricted token: no page defines it."
        [L_CRT "WRITE_RESTRICTED", L_RESTRICTED_TOKENS ""]
    OQM_10 "OQM-10" Ambiguous
        "What a server gets when a client on the same machine authenticates to it with NTLM: a copy of the client's own token (the loopback path) or a fresh network logon of the same user; no Microsoft page says."
        [WINE_MSV1_0 "local_auth_authenticate", L_NETWORK_SID "WinNetworkSid"]
    OQM_11 "OQM-11" Ambiguous
        "Whether the RPC runtime reverts a server thread whose manager routine returns while still impersonating the client: no page says; THR-11 says nothing reverts on its own except COM."
        [L_RPC_RTS "", L_CLIENT_IMP ""]
    OQM_12 "OQM-12" Ambiguous
        "What RpcBindingInqAuthClient reports for an ncalrpc call whose client set no authentication: PKT_PRIVACY with WINNT, since ncalrpc is always authenticated (Wine), or RPC_S_BINDING_HAS_NO_AUTH as for any unauthenticated binding."
        [L_RPC_AUTHN_LVL "Remarks", L_RPC_INQ_AUTH_CLIENT "Return value", WINE_RPCRT4 "rpcrt4_ncalrpc_inquire_auth_client"]
    OQM_13 "OQM-13" Ambiguous
        "The transport QoS of an ncalrpc or ncacn_np binding without a Security= option, where the pages are silent: the tracking of ncalrpc and the effective-only flag of both."
        [L_RPC_TLS_CLIENT "Default security-parameter settings vary according to the transport protocol", L_RPC_SQOS "IdentityTracking", WINE_RPCRT4 "rpcrt4_conn_open_pipe"]
    OQM_14 "OQM-14" Ambiguous
        "Whether RPC_C_IMP_LEVEL_DELEGATE over ncalrpc with WINNT gives the local server a Delegation-level token (COM: NTLM delegates cross-process on one computer) or fails as NTLM delegation does (RPC-10)."
        [L_COM_IMP_LVLS "", L_RPC_CLIENT_IMP ""]
    OQM_15 "OQM-15" Ambiguous
        "The status an RPC or COM call returns when the client's identity cannot be passed on (the client impersonates below Impersonation, IMP-14): no page says."
        [L_RPC_RIC "", WDK_SE_CCS ""]
    OQM_16 "OQM-16" Ambiguous
        "What ncalrpc does with an authentication service other than WINNT, which its page says it does not support: reject the call with RPC_S_UNKNOWN_AUTHN_SERVICE, or authenticate through that provider as other transports do (Wine)."
        [L_RPC_BSAIE "Remarks", WINE_RPCRT4 "RpcBindingSetAuthInfoExW"]
    OQM_17 "OQM-17" Ambiguous
        "What an SSPI server gets from a client whose credentials stand for an Identification- or Anonymous-level impersonation token: no page says."
        [L_SSPI_ACH "pszPrincipal", WINE_MSV1_0 "local_auth_authenticate"]
    OQM_18 "OQM-18" Ambiguous
        "The type of the token QuerySecurityContextToken returns: no page says; an impersonation token at the context's level, or a primary token."
        [L_SSPI_QSCT "Remarks"]
    OQM_19 "OQM-19" Ambiguous
        "What ImpersonateSecurityContext and QuerySecurityContextToken return on a server context whose handshake has not finished: no page says."
        [L_SSPI_ASC "Remarks", SEED_002 "Return value"]
    OQM_20 "OQM-20" Ambiguous
        "Which status InitializeSecurityContext returns for Kerberos on a machine outside a domain: no page says."
        [L_SSPI_ISC_NTLM "Return value", L_NEGOTIATE ""]
    OQM_21 "OQM-21" Ambiguous
        "How many calls Negotiate takes when it picks NTLM: NTLM's four, or five with a final mechListMIC token from the server; no page says."
        [L_NEGOTIATE "", MS_NLMP "1.3.1.1"]
    OQM_22 "OQM-22" Ambiguous
        "The status of CoImpersonateClient on a call at authentication level NONE: E_FAIL (the ImpersonateClient page's only failure) or RPC_E_UNSECURE_CALL (whose text names this case)."
        [L_COM_ISS "Return value", L_COM_ERRORS "RPC_E_UNSECURE_CALL"]
    OQM_23 "OQM-23" Ambiguous
        "What CoImpersonateClient does in a method the queued-components player called: the pages say only that the client's token is unavailable."
        [COMP_QC "", SEED_001 "Queued Components"]
    OQM_24 "OQM-24" Ambiguous
        "Whether the call-context functions (CoImpersonateClient, CoRevertToSelf, ISecurityCallContext) need the thread to have called CoInitializeEx (CO_E_NOTINITIALIZED) or work on any thread (Wine's CoGetCallContext does not check): no page says."
        [L_COM_COINITEX "", L_COM_ERRORS "CO_E_NOTINITIALIZED"]
    OQM_25 "OQM-25" Ambiguous
        "The status of a call that arrives below the server's authentication level, which COM fails: no page gives it."
        [L_COM_CIS "dwAuthnLevel"]
    OQM_26 "OQM-26" Ambiguous
        "When CoSetProxyBlanket's pAuthInfo credentials are wrong: no page says whether CoSetProxyBlanket or the next call fails, nor with what."
        [L_COM_CSPB "pAuthInfo, Return value"]
    OQM_27 "OQM-27" Ambiguous
        "Whether a COM+ application with role-based security off has a security call context: IsSecurityEnabled's page says it answers FALSE and IsCallerInRole TRUE, the SecurityCallContext pages say only applications that use role-based security can get one."
        [COMP_ISE "Remarks", COMP_SCC "", COMP_GSCC "Remarks"]
    OQM_28 "OQM-28" Ambiguous
        "Whether RPC_C_IMP_LEVEL_ANONYMOUS on an NTLM blanket is honoured over local IPC (Impersonation Levels, COM) or refused, since CoSetProxyBlanket says NTLMSSP takes only IMPERSONATE or IDENTIFY (or DELEGATE locally)."
        [L_COM_IMP_LVLS "", L_COM_CSPB "dwImpLevel"]
    OQM_4 "OQM-4" Ambiguous
        "Whether CreateProcessWithTokenW accepts an impersonation token (the Secondary Logon service duplicates it) or, as its page says, needs a primary token."
        [L_CPWT "hToken"]
}
