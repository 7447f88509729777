//! The registered rules, each with its statement, status and citations.
//!
//! Catalogue rules keep the ids of the project's rule catalogues (TOK, IMP, THR, ... and
//! the open questions OQL-n). Rules the model needed beyond the catalogues use their own
//! prefixes (ACC, MIC, HND, ACCT, LOGON, INFO, PRIV, RTOK, MEMB, PROC) and cite the
//! documents that state them just the same.

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
                            statement: $statement,
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
        "SeImpersonatePrivilege enabled on the primary token of the target thread's process allows the impersonation and skips every later check."
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
    THR_13 "THR-13" Documented
        "ImpersonateSelf duplicates the process token at the requested level and assigns it to the calling thread."
        [L_CLIENT_IMP "", L_IMPERSONATE_SELF "Remarks", ROS_RTL "RtlImpersonateSelf"]
    THR_14 "THR-14" Observed
        "ImpersonateAnonymousToken installs the anonymous logon token (with Everyone only if EveryoneIncludesAnonymous is set) at Impersonation level, copy-on-open."
        [ROS_TOKEN "SepImpersonateAnonymousToken", WSI_4 "Anonymous Users"]
    THR_15 "THR-15" Observed
        "NtImpersonateThread captures the source thread's effective token with the given QoS and impersonates it on the target thread."
        [ROS_PS "NtImpersonateThread", L_THREAD_RIGHTS "", WSI_4 "p. 107"]

    // ---------------------------------------------------------------- open questions
    OQL_1 "OQL-1" Ambiguous
        "Whether ImpersonateLoggedOnUser with an Identification- or Anonymous-level token assigns it (older text) or fails (newer \"cannot be used for impersonation\" note)."
        [L_ILOU "Remarks, both revisions"]
    OQL_7 "OQL-7" Ambiguous
        "The kernel check: Windows's eight steps (Forshaw) or the WDK/ReactOS four conditions with restriction parity."
        [WDK_PS_IMP "Remarks", WSI_4 "Figure 4-5", ROS_TOKEN "SeTokenCanImpersonate"]
    OQL_8 "OQL-8" Ambiguous
        "Whether an anonymous-session token is always allowed (Forshaw) or only when system-sourced (ReactOS)."
        [WSI_4 "step 1", ROS_TOKEN "SeTokenCanImpersonate"]
    OQL_9 "OQL-9" Ambiguous
        "From which Windows version the integrity (IMP-5) and session-0 (IMP-10) checks apply; no document dates them."
        [WSI_4 "steps 3 and 8"]
    OQL_15 "OQL-15" Ambiguous
        "Whether SeImpersonatePrivilege must be enabled (Forshaw) or merely held (the Win32 pages' \"has\")."
        [L_ILOU "Remarks", WSI_4 "p. 115"]
    OQL_16 "OQL-16" Ambiguous
        "SeDelegateSessionUserImpersonatePrivilege's semantics are undocumented; whether it makes a token elevated (Forshaw's ten privileges) or not (a decompiled TokenElevation mask holds nine) is unsettled."
        [WSI_4 "pp. 123-124", L_UR_POLICIES "Obtain an impersonation token for another user in the same session"]
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

    // ---------------------------------------------------------------- open questions found while modelling
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
    OQM_4 "OQM-4" Ambiguous
        "Whether CreateProcessWithTokenW accepts an impersonation token (the Secondary Logon service duplicates it) or, as its page says, needs a primary token."
        [L_CPWT "hToken"]
}
