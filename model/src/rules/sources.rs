//! The documents rules cite: Microsoft Learn pages, protocol specifications, the seed
//! documents the project was created from, books and implementation references. A title
//! is written as rustdoc reads it (a literal that looks like an HTML tag in backticks) and
//! shown elsewhere without the backticks (`rules::text`).

/// A document a rule cites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Source {
    /// A short key (`L-DTE`, `WSI-4`, `seed-004`).
    pub key: &'static str,
    /// The document's title.
    pub title: &'static str,
    /// Where to read it.
    pub url: &'static str,
}

macro_rules! sources {
    ($($const:ident = $key:literal, $title:literal, $url:literal;)*) => {
        $(
            #[doc = $title]
            pub const $const: Source = Source { key: $key, title: super::text::plain!($title), url: $url };
        )*

        /// Every source, in declaration order.
        pub const ALL: &[Source] = &[$($const),*];
    };
}

sources! {
    // The seed documents (the first specification).
    SEED_000 = "seed-000", "Impersonation and CLR Integration Security (SQL Server 2014), seed 000_fc3b230cf3919428.txt", "https://learn.microsoft.com/en-us/previous-versions/sql/sql-server-2014/ms345105(v=sql.120)";
    SEED_001 = "seed-001", "Client Impersonation and Delegation (COM+), seed 001_f4c218930261ebe0.txt", "https://learn.microsoft.com/en-us/windows/win32/cossdk/client-impersonation-and-delegation";
    SEED_002 = "seed-002", "ImpersonateSecurityContext function (sspi.h), seed 002_aecf90d24c1a9b80.txt", "https://learn.microsoft.com/en-us/windows/win32/api/sspi/nf-sspi-impersonatesecuritycontext";
    SEED_003 = "seed-003", "`<legacyImpersonationPolicy>` Element (.NET Framework), seed 003_e1e14c25f32372d3.txt", "https://learn.microsoft.com/en-us/dotnet/framework/configure-apps/file-schema/runtime/legacyimpersonationpolicy-element";
    SEED_004 = "seed-004", "Client Impersonation (RPC), seed 004_5bd53f77f95f09f4.txt", "https://learn.microsoft.com/en-us/windows/win32/rpc/client-impersonation";

    // Microsoft Learn, Win32 authorization.
    L_IMP_LEVELS = "L-ImpLevels", "Impersonation Levels (Authorization)", "https://learn.microsoft.com/en-us/windows/win32/secauthz/impersonation-levels";
    L_IMP_TOKENS = "L-ImpTokens", "Impersonation Tokens", "https://learn.microsoft.com/en-us/windows/win32/secauthz/impersonation-tokens";
    L_CLIENT_IMP = "L-ClientImp", "Client Impersonation (Authorization)", "https://learn.microsoft.com/en-us/windows/win32/secauthz/client-impersonation";
    L_CLIENT_LOGON = "L-ClientLogon", "Client Logon Sessions", "https://learn.microsoft.com/en-us/windows/win32/secauthz/client-logon-sessions";
    L_SIL = "L-SIL", "SECURITY_IMPERSONATION_LEVEL enumeration (winnt.h)", "https://learn.microsoft.com/en-us/windows/win32/api/winnt/ne-winnt-security_impersonation_level";
    L_ILOU = "L-ILOU", "ImpersonateLoggedOnUser function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-impersonateloggedonuser";
    L_INPC = "L-INPC", "ImpersonateNamedPipeClient function (namedpipeapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/namedpipeapi/nf-namedpipeapi-impersonatenamedpipeclient";
    L_STT = "L-STT", "SetThreadToken function (processthreadsapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-setthreadtoken";
    L_OTT = "L-OTT", "OpenThreadToken function (processthreadsapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-openthreadtoken";
    L_DTE = "L-DTE", "DuplicateTokenEx function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-duplicatetokenex";
    L_CPWT = "L-CPWT", "CreateProcessWithTokenW function (winbase.h)", "https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-createprocesswithtokenw";
    L_LOGON_USER = "L-LogonUser", "LogonUserW function (winbase.h)", "https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-logonuserw";
    L_CREATE_FILE = "L-CreateFile", "CreateFileW function (fileapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-createfilew";
    L_THREAD_RIGHTS = "L-ThreadRights", "Thread Security and Access Rights", "https://learn.microsoft.com/en-us/windows/win32/procthread/thread-security-and-access-rights";
    L_THREAD_POOLS = "L-ThreadPools", "Thread Pools", "https://learn.microsoft.com/en-us/windows/win32/procthread/thread-pools";
    L_SVC_VISTA = "L-SvcVista", "Service Changes for Windows Vista", "https://learn.microsoft.com/en-us/windows/win32/services/service-changes-for-windows-vista";
    L_UR_IMP = "L-UR-Imp", "Impersonate a client after authentication (security policy setting)", "https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-10/security/threat-protection/security-policy-settings/impersonate-a-client-after-authentication";
    L_ISC = "SSPI-ISC", "ImpersonateSecurityContext function (sspi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/sspi/nf-sspi-impersonatesecuritycontext";
    L_RPC_RIC = "RPC-RIC", "RpcImpersonateClient function (rpcdce.h)", "https://learn.microsoft.com/en-us/windows/win32/api/rpcdce/nf-rpcdce-rpcimpersonateclient";
    L_REVERT_TO_SELF = "L-RevertToSelf", "RevertToSelf function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-reverttoself";
    L_RPC_RTS = "RPC-RTS", "RpcRevertToSelf function (rpcdce.h)", "https://learn.microsoft.com/en-us/windows/win32/api/rpcdce/nf-rpcdce-rpcreverttoself";
    L_RPC_RTSEX = "RPC-RTSEx", "RpcRevertToSelfEx function (rpcdce.h)", "https://learn.microsoft.com/en-us/windows/win32/api/rpcdce/nf-rpcdce-rpcreverttoselfex";
    L_RPC_QOS = "RPC-QoS", "Quality of Service (RPC)", "https://learn.microsoft.com/en-us/windows/win32/rpc/quality-of-service";
    L_RPC_SQOS = "RPC-SQOS", "RPC_SECURITY_QOS structure (rpcdce.h)", "https://learn.microsoft.com/en-us/windows/win32/api/rpcdce/ns-rpcdce-rpc_security_qos";
    L_RPC_QOS_OPTS = "RPC-QoSOpts", "Choosing Security QOS Options (RPC)", "https://learn.microsoft.com/en-us/windows/win32/rpc/choosing-security-qos-options";
    L_RPC_BSAIE = "RPC-BSAIE", "RpcBindingSetAuthInfoExA function (rpcdce.h)", "https://learn.microsoft.com/en-us/windows/win32/api/rpcdce/nf-rpcdce-rpcbindingsetauthinfoexa";
    L_RPC_AUTHN_LVL = "RPC-AuthnLvl", "Authentication-Level Constants (RPC)", "https://learn.microsoft.com/en-us/windows/win32/rpc/authentication-level-constants";
    L_RPC_AUTHN_SVC = "RPC-AuthnSvc", "Authentication-Service Constants (RPC)", "https://learn.microsoft.com/en-us/windows/win32/rpc/authentication-service-constants";
    L_RPC_TLS_CLIENT = "RPC-TLSClient", "Using Transport-Level Security on the Client (RPC)", "https://learn.microsoft.com/en-us/windows/win32/rpc/using-transport-level-security-on-the-client";
    L_RPC_USE_PROTSEQ_EP = "RPC-UseProtseqEp", "RpcServerUseProtseqEp function (rpcdce.h)", "https://learn.microsoft.com/en-us/windows/win32/api/rpcdce/nf-rpcdce-rpcserveruseprotseqep";
    L_STRING_BINDING_COMPOSE = "RPC-SBCompose", "RpcStringBindingComposeW function (rpcdce.h)", "https://learn.microsoft.com/en-us/windows/win32/api/rpcdce/nf-rpcdce-rpcstringbindingcomposew";
    L_MIDL_NCALRPC = "MIDL-ncalrpc", "ncalrpc attribute (MIDL)", "https://learn.microsoft.com/en-us/windows/win32/midl/ncalrpc";
    L_RPC_REGISTER_AUTH = "RPC-RegAuth", "RpcServerRegisterAuthInfo function (rpcdce.h)", "https://learn.microsoft.com/en-us/windows/win32/api/rpcdce/nf-rpcdce-rpcserverregisterauthinfo";
    L_RPC_INQ_AUTH_CLIENT = "RPC-InqAuthClient", "RpcBindingInqAuthClient function (rpcdce.h)", "https://learn.microsoft.com/en-us/windows/win32/api/rpcdce/nf-rpcdce-rpcbindinginqauthclient";
    L_RPC_FROM_STRING = "RPC-FromString", "RpcBindingFromStringBinding function (rpcdce.h)", "https://learn.microsoft.com/en-us/windows/win32/api/rpcdce/nf-rpcdce-rpcbindingfromstringbinding";
    L_RPC_BINDING_FREE = "RPC-BindingFree", "RpcBindingFree function (rpcdce.h)", "https://learn.microsoft.com/en-us/windows/win32/api/rpcdce/nf-rpcdce-rpcbindingfree";
    L_RPC_CLIENT_IMP = "RPC-ClientImp", "Client Impersonation (RPC)", "https://learn.microsoft.com/en-us/windows/win32/rpc/client-impersonation";
    L_NEGOTIATE = "SSPI-Negotiate", "Microsoft Negotiate (SSPI)", "https://learn.microsoft.com/en-us/windows/win32/secauthn/microsoft-negotiate";
    L_NETWORK_SID = "SecLookupWellKnownSid", "SecLookupWellKnownSid function (WinNetworkSid)", "https://learn.microsoft.com/en-us/previous-versions/ff556582(v=vs.85)";
    L_SSPI_RSC = "SSPI-RSC", "RevertSecurityContext function (sspi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/sspi/nf-sspi-revertsecuritycontext";
    L_SSPI_QSCT = "SSPI-QSCT", "QuerySecurityContextToken function (sspi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/sspi/nf-sspi-querysecuritycontexttoken";
    L_SSPI_PKG_INFO = "SSPI-PkgInfo", "SecPkgInfoA structure (sspi.h), fCapabilities", "https://learn.microsoft.com/en-us/windows/win32/api/sspi/ns-sspi-secpkginfoa";
    L_SSPI_ASC = "SSPI-ASC", "AcceptSecurityContext (General)", "https://learn.microsoft.com/en-us/windows/win32/secauthn/acceptsecuritycontext--general";
    L_SSPI_ASC_SCH = "SSPI-ASC-Sch", "AcceptSecurityContext (Schannel)", "https://learn.microsoft.com/en-us/windows/win32/secauthn/acceptsecuritycontext--schannel";
    L_SSPI_INIT_SC = "SSPI-InitSC", "InitializeSecurityContext (General)", "https://learn.microsoft.com/en-us/windows/win32/secauthn/initializesecuritycontext--general";
    L_SSPI_ISC_NTLM = "SSPI-ISC-NTLM", "InitializeSecurityContext (NTLM)", "https://learn.microsoft.com/en-us/windows/win32/secauthn/initializesecuritycontext--ntlm";
    L_SSPI_MAP_CERT = "SSPI-MapCert", "Mapping Certificates (Schannel)", "https://learn.microsoft.com/en-us/windows/win32/secauthn/mapping-certificates";
    L_SSPI_ACH = "SSPI-ACH", "AcquireCredentialsHandle function (sspi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/sspi/nf-sspi-acquirecredentialshandlew";
    L_SSPI_QSPI = "SSPI-QSPI", "QuerySecurityPackageInfoW function (sspi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/sspi/nf-sspi-querysecuritypackageinfow";
    L_SSPI_DSC = "SSPI-DSC", "DeleteSecurityContext function (sspi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/sspi/nf-sspi-deletesecuritycontext";
    L_SSPI_FCH = "SSPI-FCH", "FreeCredentialsHandle function (sspi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/sspi/nf-sspi-freecredentialshandle";
    L_SSPI_STATUS = "SSPI-Status", "SSPI Status Codes", "https://learn.microsoft.com/en-us/windows/win32/secauthn/sspi-status-codes";
    L_SCHANNEL_CREDS = "Schannel-Creds", "Obtaining Schannel Credentials", "https://learn.microsoft.com/en-us/windows/win32/secauthn/obtaining-schannel-credentials";
    L_COM_CLOAK = "COM-Cloak", "Cloaking (COM)", "https://learn.microsoft.com/en-us/windows/win32/com/cloaking";
    L_COM_DEFAULTS = "COM-Defaults", "COM Security Defaults", "https://learn.microsoft.com/en-us/windows/win32/com/com-security-defaults";
    L_COM_BLANKET = "COM-Blanket", "Security Blanket Negotiation (COM)", "https://learn.microsoft.com/en-us/windows/win32/com/security-blanket-negotiation";
    L_COM_SCHANNEL = "COM-Schannel", "Schannel (COM)", "https://learn.microsoft.com/en-us/windows/win32/com/schannel";
    L_COM_KERB = "COM-Kerb", "Kerberos v5 Protocol (COM)", "https://learn.microsoft.com/en-us/windows/win32/com/kerberos-v5-protocol";
    L_COM_CIS = "COM-CIS", "CoInitializeSecurity function (combaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coinitializesecurity";
    L_COM_CSPB = "COM-CSPB", "CoSetProxyBlanket function (combaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-cosetproxyblanket";
    L_COM_CQPB = "COM-CQPB", "CoQueryProxyBlanket function (combaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coqueryproxyblanket";
    L_COM_EOAC = "COM-EOAC", "EOLE_AUTHENTICATION_CAPABILITIES enumeration (objidl.h)", "https://learn.microsoft.com/en-us/windows/win32/api/objidl/ne-objidl-eole_authentication_capabilities";
    L_COM_COIMP = "COM-CoImp", "CoImpersonateClient function (combaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coimpersonateclient";
    L_COM_COREVERT = "COM-CoRevert", "CoRevertToSelf function (combaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coreverttoself";
    L_COM_ISS_REVERT = "COM-ISS-Revert", "IServerSecurity::RevertToSelf method (objidlbase.h)", "https://learn.microsoft.com/en-us/windows/win32/api/objidlbase/nf-objidlbase-iserversecurity-reverttoself";
    L_COM_CGCC = "COM-CGCC", "CoGetCallContext function (combaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-cogetcallcontext";
    L_COM_COINITEX = "COM-CoInitEx", "CoInitializeEx function (combaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/combaseapi/nf-combaseapi-coinitializeex";
    L_COM_ERRORS = "COM-Errors", "COM Error Codes (winerror.h)", "https://learn.microsoft.com/en-us/windows/win32/com/com-error-codes-1";
    COMP_CLOAK = "COMP-Cloak", "Cloaking (Component Services)", "https://learn.microsoft.com/en-us/windows/win32/cossdk/cloaking";
    COMP_CLIENT_REQ = "COMP-ClientReq", "Client-Side Requirements for Impersonation (COM+)", "https://learn.microsoft.com/en-us/windows/win32/cossdk/client-side-requirements-for-impersonation";
    COMP_SERVER_REQ = "COMP-ServerReq", "Server-Side Requirements for Impersonation (COM+)", "https://learn.microsoft.com/en-us/windows/win32/cossdk/server-side-requirements-for-impersonation";
    COMP_APPS = "COMP-Apps", "Applications collection (COM+ administration), ImpersonationLevel", "https://learn.microsoft.com/en-us/windows/win32/cossdk/applications";
    COMP_QC = "COMP-QC", "Queued Components Security", "https://learn.microsoft.com/en-us/windows/win32/cossdk/queued-components-security";
    COMP_ICIR = "COMP-ICIR", "ISecurityCallContext::IsCallerInRole method (comsvcs.h)", "https://learn.microsoft.com/en-us/windows/win32/api/comsvcs/nf-comsvcs-isecuritycallcontext-iscallerinrole";
    COMP_ISE = "COMP-ISE", "ISecurityCallContext::IsSecurityEnabled method (comsvcs.h)", "https://learn.microsoft.com/en-us/windows/win32/api/comsvcs/nf-comsvcs-isecuritycallcontext-issecurityenabled";
    COMP_OC_ICIR = "COMP-OC-ICIR", "IObjectContext::IsCallerInRole method (comsvcs.h)", "https://learn.microsoft.com/en-us/windows/win32/api/comsvcs/nf-comsvcs-iobjectcontext-iscallerinrole";
    COMP_SCC = "COMP-SCC", "SecurityCallContext class (COM+)", "https://learn.microsoft.com/en-us/windows/win32/cossdk/securitycallcontext";
    COMP_GSCC = "COMP-GSCC", "IGetSecurityCallContext::GetSecurityCallContext method (comsvcs.h)", "https://learn.microsoft.com/en-us/windows/win32/api/comsvcs/nf-comsvcs-igetsecuritycallcontext-getsecuritycallcontext";
    COMP_QC_OVERVIEW = "COMP-QCArch", "Queued Components (recorder, listener and player)", "https://learn.microsoft.com/en-us/windows/win32/cossdk/com--queued-components";
    L_UAC_ATTR = "AD-UAC", "userAccountControl attribute (AD schema)", "https://learn.microsoft.com/en-us/windows/win32/adschema/a-useraccountcontrol";
    L_PROTECTED_USERS = "ProtectedUsers", "Protected Users Security Group", "https://learn.microsoft.com/en-us/windows-server/security/credentials-protection-and-management/protected-users-security-group";
    L_KCD_OVERVIEW = "KCD-Overview", "Kerberos Constrained Delegation Overview", "https://learn.microsoft.com/en-us/windows-server/security/kerberos/kerberos-constrained-delegation-overview";
    L_SECOND_HOP = "SecondHop", "Making the second hop in PowerShell Remoting", "https://learn.microsoft.com/en-us/powershell/scripting/security/remoting/ps-remoting-second-hop";
    L_LOGON_TYPES = "LogonTypes", "Windows administrative tools and logon types", "https://learn.microsoft.com/en-us/windows-server/identity/securing-privileged-access/reference-tools-logon-types";
    L_KERB_POLICY = "KerbPolicy", "Kerberos Policy (Authentication)", "https://learn.microsoft.com/en-us/windows/win32/secauthn/kerberos-policy";
    L_ISC_KERBEROS = "ISC-Kerberos", "InitializeSecurityContext (Kerberos)", "https://learn.microsoft.com/en-us/windows/win32/secauthn/initializesecuritycontext--kerberos";
    L_A2D2_ATTR = "AD-A2D2", "ms-DS-Allowed-To-Delegate-To attribute (AD schema)", "https://learn.microsoft.com/en-us/windows/win32/adschema/a-msds-allowedtodelegateto";
    L_RBCD_ATTR = "AD-RBCD", "ms-DS-Allowed-To-Act-On-Behalf-Of-Other-Identity attribute (AD schema)", "https://learn.microsoft.com/en-us/windows/win32/adschema/a-msds-allowedtoactonbehalfofotheridentity";
    L_KERB_S4U_LOGON = "KERB_S4U_LOGON", "KERB_S4U_LOGON structure (ntsecapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/ntsecapi/ns-ntsecapi-kerb_s4u_logon";
    L_COM_DELEGATION = "COM-Delegation", "Delegation and Impersonation (COM)", "https://learn.microsoft.com/en-us/windows/win32/com/delegation-and-impersonation";
    L_WMI_DELEGATION = "WMI-Delegation", "Delegating with WMI", "https://learn.microsoft.com/en-us/windows/win32/wmisdk/connecting-to-a-3rd-computer-delegation";
    L_COM_ISS = "COM-ISS", "IServerSecurity::ImpersonateClient method (objidlbase.h)", "https://learn.microsoft.com/en-us/windows/win32/api/objidlbase/nf-objidlbase-iserversecurity-impersonateclient";
    L_COM_IMP_CONST = "COM-ImpConst", "Impersonation Level Constants (COM)", "https://learn.microsoft.com/en-us/windows/win32/com/com-impersonation-level-constants";
    L_COM_IMP_LVLS = "COM-ImpLvls", "Impersonation Levels (COM)", "https://learn.microsoft.com/en-us/windows/win32/com/impersonation-levels";
    L_SSPI_CTX_REQ = "SSPI-CtxReq", "Context Requirements (SSPI)", "https://learn.microsoft.com/en-us/windows/win32/secauthn/context-requirements";

    // Microsoft Learn, WDK.
    WDK_PS_IMP = "WDK-PsImp", "PsImpersonateClient function (ntifs.h)", "https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/nf-ntifs-psimpersonateclient";
    WDK_SE_CCS = "WDK-SeCCS", "SeCreateClientSecurity function (ntifs.h)", "https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/nf-ntifs-secreateclientsecurity";
    WDK_SE_ICE = "WDK-SeICE", "SeImpersonateClientEx function (ntifs.h)", "https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/nf-ntifs-seimpersonateclientex";

    // Microsoft Learn, named pipes.
    L_IMP_PIPE = "L-ImpPipe", "Impersonating a Named Pipe Client", "https://learn.microsoft.com/en-us/windows/win32/ipc/impersonating-a-named-pipe-client";
    L_CREATE_NAMED_PIPE = "L-CreateNamedPipe", "CreateNamedPipeA function (winbase.h)", "https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-createnamedpipea";
    L_PIPE_SECURITY = "L-PipeSecurity", "Named Pipe Security and Access Rights", "https://learn.microsoft.com/en-us/windows/win32/ipc/named-pipe-security-and-access-rights";
    L_CONNECT_NAMED_PIPE = "L-ConnectNamedPipe", "ConnectNamedPipe function (namedpipeapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/namedpipeapi/nf-namedpipeapi-connectnamedpipe";
    L_DISCONNECT_NAMED_PIPE = "L-DisconnectNamedPipe", "DisconnectNamedPipe function (namedpipeapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/namedpipeapi/nf-namedpipeapi-disconnectnamedpipe";
    L_PIPE_MODES = "L-PipeModes", "Named Pipe Type, Read, and Wait Modes", "https://learn.microsoft.com/en-us/windows/win32/ipc/named-pipe-type-read-and-wait-modes";
    L_PIPE_CLIENT = "L-PipeClient", "Named Pipe Client", "https://learn.microsoft.com/en-us/windows/win32/ipc/named-pipe-client";
    L_READ_FILE = "L-ReadFile", "ReadFile function (fileapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/fileapi/nf-fileapi-readfile";

    // Protocol specifications.
    MS_LSAD = "MS-LSAD", "[MS-LSAD] 2.2.3.5 SECURITY_IMPERSONATION_LEVEL", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-lsad/720cea10-cee2-4c45-9084-c6fa7d67d18d";
    MS_DTYP_SIDS = "MS-DTYP-SIDs", "[MS-DTYP] 2.4.2.4 Well-Known SID Structures", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/81d92bba-d22b-4a8c-908a-554ab29148ab";

    // Books and implementation references.
    WSI_4 = "WSI-4", "J. Forshaw, Windows Security Internals (No Starch Press, 2024), chapter 4, Security Access Tokens", "https://nostarch.com/windows-security-internals";
    NT_OBJ_MGR = "NtObjMgr", "Test-NtTokenImpersonation, googleprojectzero/sandbox-attacksurface-analysis-tools", "https://github.com/googleprojectzero/sandbox-attacksurface-analysis-tools/blob/main/NtObjectManager/Cmdlets/Object/TestNtTokenImpersonationCmdlet.cs";
    ROS_TOKEN = "ROS-token", "ReactOS ntoskrnl/se/token.c", "https://github.com/reactos/reactos/blob/master/ntoskrnl/se/token.c";
    ROS_TOKENLIF = "ROS-tokenlif", "ReactOS ntoskrnl/se/tokenlif.c", "https://github.com/reactos/reactos/blob/master/ntoskrnl/se/tokenlif.c";
    ROS_CLIENT = "ROS-client", "ReactOS ntoskrnl/se/client.c", "https://github.com/reactos/reactos/blob/master/ntoskrnl/se/client.c";
    ROS_PS = "ROS-ps", "ReactOS ntoskrnl/ps/security.c", "https://github.com/reactos/reactos/blob/master/ntoskrnl/ps/security.c";
    ROS_ACCESSCHK = "ROS-accesschk", "ReactOS ntoskrnl/se/accesschk.c", "https://github.com/reactos/reactos/blob/master/ntoskrnl/se/accesschk.c";
    ROS_ADVAPI = "ROS-advapi", "ReactOS dll/win32/advapi32/sec/misc.c", "https://github.com/reactos/reactos/blob/master/dll/win32/advapi32/sec/misc.c";
    ROS_RTL = "ROS-rtl", "ReactOS sdk/lib/rtl/security.c", "https://github.com/reactos/reactos/blob/master/sdk/lib/rtl/security.c";
    ROS_PR = "ROS-PR", "ReactOS pull requests #3605 and #5324 (SeTokenCanImpersonate)", "https://github.com/reactos/reactos/pull/5324";

    // Microsoft Learn pages for the model's own rules.
    L_WELL_KNOWN_SIDS = "L-WellKnownSids", "Well-known SIDs", "https://learn.microsoft.com/en-us/windows/win32/secauthz/well-known-sids";
    L_SIDS = "L-SIDs", "Security identifiers (Windows Server)", "https://learn.microsoft.com/en-us/windows-server/identity/ad-ds/manage/understand-security-identifiers";
    L_LOCAL_SYSTEM = "L-LocalSystem", "LocalSystem Account", "https://learn.microsoft.com/en-us/windows/win32/services/localsystem-account";
    L_LOCAL_SERVICE = "L-LocalService", "LocalService Account", "https://learn.microsoft.com/en-us/windows/win32/services/localservice-account";
    L_NETWORK_SERVICE = "L-NetworkService", "NetworkService Account", "https://learn.microsoft.com/en-us/windows/win32/services/networkservice-account";
    L_UR_POLICIES = "L-UserRights", "User Rights Assignment (security policy settings, Default values tables)", "https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-10/security/threat-protection/security-policy-settings/user-rights-assignment";
    L_PRIV_CONSTANTS = "L-PrivConstants", "Privilege Constants (Authorization)", "https://learn.microsoft.com/en-us/windows/win32/secauthz/privilege-constants";
    L_UAC = "L-UAC", "How User Account Control works", "https://learn.microsoft.com/en-us/windows/security/application-security/application-control/user-account-control/how-it-works";
    L_UAC_BLOG = "L-UACSplit", "User Account Control and Split Tokens (Microsoft blog archive)", "https://learn.microsoft.com/en-us/archive/blogs/mithuns/user-account-control-and-split-tokens";
    L_ELEVATION_TYPE = "L-ElevType", "TOKEN_ELEVATION_TYPE enumeration (winnt.h)", "https://learn.microsoft.com/en-us/windows/win32/api/winnt/ne-winnt-token_elevation_type";
    L_TOKEN_INFO_CLASS = "L-TokenInfoClass", "TOKEN_INFORMATION_CLASS enumeration (winnt.h)", "https://learn.microsoft.com/en-us/windows/win32/api/winnt/ne-winnt-token_information_class";
    L_GTI = "L-GTI", "GetTokenInformation function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-gettokeninformation";
    L_TOKEN_STATISTICS = "L-TokenStatistics", "TOKEN_STATISTICS structure (winnt.h)", "https://learn.microsoft.com/en-us/windows/win32/api/winnt/ns-winnt-token_statistics";
    L_TOKEN_ORIGIN = "L-TokenOrigin", "TOKEN_ORIGIN structure (winnt.h)", "https://learn.microsoft.com/en-us/windows/win32/api/winnt/ns-winnt-token_origin";
    L_TOKEN_GROUPS = "L-TokenGroups", "TOKEN_GROUPS structure (winnt.h)", "https://learn.microsoft.com/en-us/windows/win32/api/winnt/ns-winnt-token_groups";
    L_ZW_SET_INFO = "L-ZwSetInfoToken", "ZwSetInformationToken function (ntifs.h)", "https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/nf-ntifs-zwsetinformationtoken";
    L_ZW_QUERY_INFO = "L-ZwQueryInfoToken", "ZwQueryInformationToken function (ntifs.h)", "https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/nf-ntifs-zwqueryinformationtoken";
    L_ATP = "L-ATP", "AdjustTokenPrivileges function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-adjusttokenprivileges";
    L_PRIVILEGE_CHECK = "L-PrivilegeCheck", "PrivilegeCheck function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-privilegecheck";
    L_CTM = "L-CTM", "CheckTokenMembership function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-checktokenmembership";
    L_CRT = "L-CRT", "CreateRestrictedToken function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-createrestrictedtoken";
    L_RESTRICTED_TOKENS = "L-RestrictedTokens", "Restricted Tokens", "https://learn.microsoft.com/en-us/windows/win32/secauthz/restricted-tokens";
    L_ACCESS_CHECK = "L-AccessCheck", "AccessCheck function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-accesscheck";
    L_HOW_DACLS = "L-HowDacls", "How DACLs Control Access to an Object", "https://learn.microsoft.com/en-us/windows/win32/secauthz/how-dacls-control-access-to-an-object";
    L_SID_ATTRS = "L-SidAttrs", "SID Attributes in an Access Token", "https://learn.microsoft.com/en-us/windows/win32/secauthz/sid-attributes-in-an-access-token";
    L_SACL_RIGHT = "L-SaclRight", "SACL Access Right", "https://learn.microsoft.com/en-us/windows/win32/secauthz/sacl-access-right";
    L_OWNER_NEW = "L-OwnerNewObject", "Owner of a New Object", "https://learn.microsoft.com/en-us/windows/win32/secauthz/owner-of-a-new-object";
    L_DACL_NEW = "L-DaclNewObject", "DACL for a New Object", "https://learn.microsoft.com/en-us/windows/win32/secauthz/dacl-for-a-new-object";
    L_TOKEN_RIGHTS = "L-TokenRights", "Access Rights for Access-Token Objects", "https://learn.microsoft.com/en-us/windows/win32/secauthz/access-rights-for-access-token-objects";
    L_WIM = "L-WIM", "Windows Integrity Mechanism Design", "https://learn.microsoft.com/en-us/previous-versions/dotnet/articles/bb625963(v=msdn.10)";
    L_MIC = "L-MIC", "Mandatory Integrity Control", "https://learn.microsoft.com/en-us/windows/win32/secauthz/mandatory-integrity-control";
    L_SE_ACCESS_CHECK = "L-SeAccessCheck", "SeAccessCheck function (wdm.h)", "https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/wdm/nf-wdm-seaccesscheck";
    L_OB_REF = "L-ObRef", "ObReferenceObjectByHandle function (wdm.h)", "https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/wdm/nf-wdm-obreferenceobjectbyhandle";
    L_CLOSE_HANDLE = "L-CloseHandle", "CloseHandle function (handleapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/handleapi/nf-handleapi-closehandle";
    L_OPT = "L-OPT", "OpenProcessToken function (processthreadsapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-openprocesstoken";
    L_NT_OTT = "L-NtOTT", "NtOpenThreadToken function (ntifs.h)", "https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntifs/nf-ntifs-ntopenthreadtoken";
    L_DUPLICATE_TOKEN = "L-DuplicateToken", "DuplicateToken function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-duplicatetoken";
    L_IMPERSONATE_SELF = "L-ImpersonateSelf", "ImpersonateSelf function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-impersonateself";
    L_IAT = "L-IAT", "ImpersonateAnonymousToken function (securitybaseapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/securitybaseapi/nf-securitybaseapi-impersonateanonymoustoken";
    L_CREATE_THREAD = "L-CreateThread", "CreateThread function (processthreadsapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-createthread";
    L_OPEN_THREAD = "L-OpenThread", "OpenThread function (processthreadsapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-openthread";
    L_GET_CURRENT_THREAD = "L-GetCurrentThread", "GetCurrentThread function (processthreadsapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-getcurrentthread";
    L_CREATE_PROCESS = "L-CreateProcess", "CreateProcessW function (processthreadsapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-createprocessw";
    L_CPAU = "L-CPAU", "CreateProcessAsUserW function (processthreadsapi.h)", "https://learn.microsoft.com/en-us/windows/win32/api/processthreadsapi/nf-processthreadsapi-createprocessasuserw";
    L_OLD_NEW_THING_THREADS = "ONT-2011", "R. Chen, The Old New Thing, 2011-09-28: impersonation and worker threads", "http://blogs.msdn.com/b/oldnewthing/archive/2011/09/28/10217445.aspx";
    L_ONT_DEFAULT_SD = "ONT-2004", "R. Chen, The Old New Thing, 2004-03-12: What is the default security descriptor?", "https://devblogs.microsoft.com/oldnewthing/20040312-00/?p=40273";
    L_BLANK_PASSWORDS = "L-BlankPasswords", "Accounts: Limit local account use of blank passwords to console logon only", "https://learn.microsoft.com/en-us/windows/security/threat-protection/security-policy-settings/accounts-limit-local-account-use-of-blank-passwords-to-console-logon-only";
    L_ERROR_CODES = "L-ErrorCodes", "System Error Codes (1300-1699)", "https://learn.microsoft.com/en-us/windows/win32/debug/system-error-codes--1300-1699-";
    KB_951016 = "KB951016", "Description of User Account Control and remote restrictions in Windows Vista (KB951016)", "https://support.microsoft.com/kb/951016";
    MS_DTYP_ACCESS = "MS-DTYP-2.5.3.2", "[MS-DTYP] 2.5.3.2 Access Check Algorithm Pseudocode", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/4f1bbcbb-814a-4c70-a11e-2a5b8779a6f9";
    MS_DTYP_MIC = "MS-DTYP-2.5.3.3", "[MS-DTYP] 2.5.3.3 MandatoryIntegrityCheck Algorithm Pseudocode", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/ae69a089-473d-4c23-bf3d-7a12a9d11123";
    MS_DTYP_LABEL = "MS-DTYP-2.4.4.13", "[MS-DTYP] 2.4.4.13 SYSTEM_MANDATORY_LABEL_ACE", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/25fa6565-6cb0-46ab-a30a-016b32c4939a";
    ROS_DEFLTWK = "ROS-defltwk", "ReactOS media/inf/defltwk.inf (default workstation security template)", "https://github.com/reactos/reactos/blob/master/media/inf/defltwk.inf";
    ROS_PRIV = "ROS-priv", "ReactOS ntoskrnl/se/priv.c NtPrivilegeCheck", "https://github.com/reactos/reactos/blob/master/ntoskrnl/se/priv.c";
    ROS_TOKENADJ = "ROS-tokenadj", "ReactOS ntoskrnl/se/tokenadj.c", "https://github.com/reactos/reactos/blob/master/ntoskrnl/se/tokenadj.c";
    ROS_TOKENCLS = "ROS-tokencls", "ReactOS ntoskrnl/se/tokencls.c NtQueryInformationToken / NtSetInformationToken", "https://github.com/reactos/reactos/blob/master/ntoskrnl/se/tokencls.c";
    ROS_LOGON = "ROS-logon", "ReactOS dll/win32/advapi32/misc/logon.c CreateProcessAsUserCommon", "https://github.com/reactos/reactos/blob/master/dll/win32/advapi32/misc/logon.c";
    ROS_OB = "ROS-ob", "ReactOS ntoskrnl/ob/obhandle.c ObInsertObjectEx / ObpCreateUnnamedHandle", "https://github.com/reactos/reactos/blob/master/ntoskrnl/ob/obhandle.c";
    ROS_EX_HANDLE = "ROS-exhandle", "ReactOS ntoskrnl/ex/handle.c ExpAllocateHandleTableEntrySlow", "https://github.com/reactos/reactos/blob/master/ntoskrnl/ex/handle.c";
    RUSSINOVICH_HANDLES = "Russinovich-Handles", "M. Russinovich, Pushing the Limits of Windows: Handles (Windows blog archive, 2009)", "https://techcommunity.microsoft.com/t5/windows-blog-archive/pushing-the-limits-of-windows-handles/ba-p/723848";
    L_HANDLE_LIMITS = "L-HandleLimits", "Handle Limitations", "https://learn.microsoft.com/en-us/windows/win32/sysinfo/handle-limitations";
    ROS_NPFS = "ROS-npfs", "ReactOS drivers/filesystems/npfs (secursup.c, fsctrl.c, create.c, read.c, write.c, statesup.c)", "https://github.com/reactos/reactos/tree/master/drivers/filesystems/npfs";
    MS_SMB2 = "MS-SMB2", "[MS-SMB2]: Server Message Block (SMB) Protocol Versions 2 and 3, 2.2.13 SMB2 CREATE Request", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-smb2/e8fb45c1-a03d-44ca-b7ae-47385cfd7997";
    MS_SMB = "MS-SMB", "[MS-SMB]: Server Message Block (SMB) Protocol, 3.3.5.5", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-smb/f210069c-7086-4dc2-885e-861d837df688";
    MS_SFU = "MS-SFU", "[MS-SFU]: Kerberos Protocol Extensions: Service for User and Constrained Delegation Protocol", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-sfu/3bff5864-8135-400e-bdd9-33b552051d94";
    MS_KILE = "MS-KILE", "[MS-KILE]: Kerberos Protocol Extensions", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-kile/2a32282e-dd48-4ad9-a542-609804b02cc9";
    MS_ADTS = "MS-ADTS", "[MS-ADTS]: Active Directory Technical Specification", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-adts/d2435927-0999-4c62-8c6d-13ba31a52e1a";
    MS_DRSR = "MS-DRSR", "[MS-DRSR]: Directory Replication Service (DRS) Remote Protocol", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-drsr/f977faaa-673e-4f66-b9bf-48c640241d47";
    MS_PAC = "MS-PAC", "[MS-PAC]: Privilege Attribute Certificate Data Structure", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-pac/166d8064-c863-41e1-9c23-edaaa5f36962";
    MS_SAMR = "MS-SAMR", "[MS-SAMR]: Security Account Manager (SAM) Remote Protocol", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-samr/4df07fab-1bbc-452f-8e92-7853a3c7e380";
    MS_DTYP = "MS-DTYP", "[MS-DTYP]: Windows Data Types", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-dtyp/cca27429-5689-4a16-b2b4-9325d93e4ba2";
    MS_RPRN = "MS-RPRN", "[MS-RPRN]: Print System Remote Protocol", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rprn/d42db7d5-f141-4466-8f47-0a4be14e2fc1";
    RFC_4120 = "RFC-4120", "RFC 4120: The Kerberos Network Authentication Service (V5)", "https://www.rfc-editor.org/rfc/rfc4120";
    RFC_4121 = "RFC-4121", "RFC 4121: The Kerberos Version 5 GSS-API Mechanism", "https://www.rfc-editor.org/rfc/rfc4121";
    KB_4490425 = "KB4490425", "KB4490425: Updates to TGT delegation across incoming trusts in Windows Server", "https://support.microsoft.com/help/4490425";
    KB_4598347 = "KB4598347", "KB4598347: Managing deployment of Kerberos S4U changes for CVE-2020-17049", "https://support.microsoft.com/help/4598347";
    KB_2443455 = "KB2443455", "You may experience connectivity issues if SQL Server service account delegation settings are misconfigured (KB2443455)", "https://support.microsoft.com/help/2443455";
    KB_5008382 = "KB5008382", "KB5008382: Verification of uniqueness for user principal name, service principal name, and the service principal name alias (CVE-2021-42282)", "https://support.microsoft.com/help/5008382";
    KB_4577252 = "KB4577252", "KB4577252: Managing deployment of RBCD/Protected User changes for CVE-2020-16996", "https://support.microsoft.com/help/4577252";
    NETSPI_BRONZE = "NetSPI-BronzeBit", "NetSPI, CVE-2020-17049: Kerberos Bronze Bit Attack, Theory", "https://www.netspi.com/blog/technical/network-penetration-testing/cve-2020-17049-kerberos-bronze-bit-theory/";
    SHAMIR_WAGGING = "Shamir-Wagging", "Elad Shamir, Wagging the Dog: Abusing Resource-Based Constrained Delegation", "https://shenaniganslabs.io/2019/01/28/Wagging-the-Dog.html";
    SOLINO_SPNS = "Solino-SPNs", "Alberto Solino, Kerberos Delegation, SPNs and More... (SecureAuth, 2017)", "https://www.secureauth.com/blog/kerberos-delegation-spns-and-more/";
    RUBEUS = "Rubeus", "GhostPack Rubeus: asktgt, s4u and /altservice (README)", "https://github.com/GhostPack/Rubeus";
    IMPACKET = "impacket", "Fortra impacket examples: getTGT.py and getST.py", "https://github.com/fortra/impacket";
    HACKER_RECIPES = "HackerRecipes", "The Hacker Recipes: Kerberos delegations (unconstrained, constrained, RBCD)", "https://www.thehacker.recipes/ad/movement/kerberos/delegations";
    ITM4N_PRINTSPOOFER = "itm4n-PrintSpoofer", "itm4n, PrintSpoofer: Abusing Impersonation Privileges on Windows 10 and Server 2019", "https://itm4n.github.io/printspoofer-abusing-impersonate-privileges/";
    SENSEPOST_PU = "SensePost-PU", "SensePost, Protected Users: you thought you were safe uh?", "https://sensepost.com/blog/2023/protected-users-you-thought-you-were-safe-uh/";
    MS_NRPC = "MS-NRPC", "[MS-NRPC]: Netlogon Remote Protocol", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nrpc/08b36439-331a-4e20-89a5-12f3fab33dfc";
    MS_APDS = "MS-APDS", "[MS-APDS]: Authentication Protocol Domain Support", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-apds/407dd91f-8854-4c05-8a85-70fee9ab11da";
    MS_RPCE = "MS-RPCE", "[MS-RPCE]: Remote Procedure Call Protocol Extensions", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rpce/290c38b1-92fe-4229-91e6-4fc376610c15";
    MS_NLMP = "MS-NLMP", "[MS-NLMP]: NT LAN Manager (NTLM) Authentication Protocol", "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/b38c36ed-2804-4868-a9ff-8dd3182128e4";
    WINE_RPCRT4 = "Wine-rpcrt4", "Wine dlls/rpcrt4 (rpc_binding.c, rpc_message.c, rpc_transport.c)", "https://gitlab.winehq.org/wine/wine/-/tree/master/dlls/rpcrt4";
    WINE_MSV1_0 = "Wine-msv1_0", "Wine dlls/msv1_0 NTLM package (local_auth_authenticate: the loopback path)", "https://gitlab.winehq.org/wine/wine/-/tree/master/dlls/msv1_0";
    RFC_5246 = "RFC-5246", "RFC 5246: The Transport Layer Security (TLS) Protocol Version 1.2", "https://www.rfc-editor.org/rfc/rfc5246";
    FREERDP_SSPI = "FreeRDP-sspi", "FreeRDP winpr sspi.c (EnumerateSecurityPackages values recorded from Windows)", "https://github.com/FreeRDP/FreeRDP/blob/master/winpr/libwinpr/sspi/sspi.c";
    WINE_NTLM = "Wine-ntlm", "Wine NTLM security package (ntlm_SpInitLsaModeContext, ntlm_SpAcceptLsaModeContext)", "https://gitlab.winehq.org/wine/wine/-/tree/master/dlls/msv1_0";
    WINE_SECUR32_TEST = "Wine-secur32-test", "Wine dlls/secur32/tests (conformance tests run on Windows)", "https://gitlab.winehq.org/wine/wine/-/tree/master/dlls/secur32/tests";
    WINE_OLE32_TEST = "Wine-ole32-test", "Wine dlls/ole32/tests/compobj.c (test_CoGetCallContext, run on Windows)", "https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/ole32/tests/compobj.c";
    WINE_ERROR_TEST = "Wine-errortest", "Wine dlls/ntdll/tests/error.c (NTSTATUS to Win32 mappings checked on Windows)", "https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/ntdll/tests/error.c";
    ROS_PS_QUERY = "ROS-psquery", "ReactOS ntoskrnl/ps/query.c NtSetInformationThread", "https://github.com/reactos/reactos/blob/master/ntoskrnl/ps/query.c";
    WINE_KERNELBASE = "Wine-kernelbase", "Wine dlls/kernelbase/security.c", "https://gitlab.winehq.org/wine/wine/-/blob/master/dlls/kernelbase/security.c";
    NTDOC_TIC = "ntdoc", "ntdoc: TOKEN_INFORMATION_CLASS (m417z/ntdoc)", "https://github.com/m417z/ntdoc/blob/main/descriptions/token_information_class.md";
    SAMPLES_363 = "WCS-363", "microsoft/Windows-classic-samples issue #363 (TokenLinkedToken on a non-admin token: error 1312)", "https://github.com/microsoft/Windows-classic-samples/issues/363";
    CHROMIUM_SANDBOX = "Chromium-sandbox", "Chromium sandbox/win/src/target_process.cc (CreateProcessAsUserW from a standard-user broker)", "https://github.com/chromium/chromium/blob/main/sandbox/win/src/target_process.cc";
    PUPPET_5103 = "puppet-5103", "puppetlabs/puppet PR #5103 (LogonUser returns 1327 for a correct blank password)", "https://github.com/puppetlabs/puppet/pull/5103";
    OPENSSH_1638 = "openssh-1638", "PowerShell/Win32-OpenSSH issue #1638 (STATUS_LOGON_TYPE_NOT_GRANTED, deny rights win)", "https://github.com/PowerShell/Win32-OpenSSH/issues/1638";

    // .NET: identity flow across asynchronous points.
    D_ALWAYS_FLOW = "D-AlwaysFlow", "`<alwaysFlowImpersonationPolicy>` Element (.NET Framework)", "https://learn.microsoft.com/en-us/dotnet/framework/configure-apps/file-schema/runtime/alwaysflowimpersonationpolicy-element";
    D_STARTUP_FLAGS = "D-StartupFlags", "STARTUP_FLAGS Enumeration (.NET Framework hosting)", "https://learn.microsoft.com/en-us/dotnet/framework/unmanaged-api/hosting/startup-flags-enumeration";
    D_CORBIND = "D-CorBind", "CorBindToRuntimeEx Function (.NET Framework hosting)", "https://learn.microsoft.com/en-us/dotnet/framework/unmanaged-api/hosting/corbindtoruntimeex-function";
    D_EXECUTION_CONTEXT = "D-ExecutionContext", "ExecutionContext Class (System.Threading)", "https://learn.microsoft.com/en-us/dotnet/api/system.threading.executioncontext";
    D_EC_SUPPRESS = "D-EC-SuppressFlow", "ExecutionContext.SuppressFlow Method", "https://learn.microsoft.com/en-us/dotnet/api/system.threading.executioncontext.suppressflow";
    D_AFC_UNDO = "D-AsyncFlowControl-Undo", "AsyncFlowControl.Undo Method", "https://learn.microsoft.com/en-us/dotnet/api/system.threading.asyncflowcontrol.undo";
    D_SC_SUPPRESS = "D-SC-SuppressFlow", "SecurityContext.SuppressFlow Method", "https://learn.microsoft.com/en-us/dotnet/api/system.security.securitycontext.suppressflow";
    D_SC_SUPPRESS_WI = "D-SC-SuppressFlowWI", "SecurityContext.SuppressFlowWindowsIdentity Method", "https://learn.microsoft.com/en-us/dotnet/api/system.security.securitycontext.suppressflowwindowsidentity";
    D_WI_IMPERSONATE = "D-WI-Impersonate", "WindowsIdentity.Impersonate Method (.NET Framework)", "https://learn.microsoft.com/en-us/dotnet/api/system.security.principal.windowsidentity.impersonate";
    D_WIC_UNDO = "D-WIC-Undo", "WindowsImpersonationContext.Undo Method", "https://learn.microsoft.com/en-us/dotnet/api/system.security.principal.windowsimpersonationcontext.undo";
    D_RUN_IMPERSONATED = "D-RunImpersonated", "WindowsIdentity.RunImpersonated and RunImpersonatedAsync Methods", "https://learn.microsoft.com/en-us/dotnet/api/system.security.principal.windowsidentity.runimpersonatedasync";
    D_THREADPOOL_UNSAFE = "D-UnsafeQUWI", "ThreadPool.UnsafeQueueUserWorkItem Method (Remarks: the calling stack is not propagated)", "https://learn.microsoft.com/en-us/dotnet/api/system.threading.threadpool.unsafequeueuserworkitem";
    REFSRC_SECURITY_CONTEXT = "refsrc-SecurityContext", "Microsoft Reference Source, mscorlib/system/security/securitycontext.cs (.NET Framework 4.8)", "https://github.com/microsoft/referencesource/blob/master/mscorlib/system/security/securitycontext.cs";
    REFSRC_WIC = "refsrc-WIC", "Microsoft Reference Source, mscorlib/system/security/principal/windowsimpersonationcontext.cs", "https://github.com/microsoft/referencesource/blob/master/mscorlib/system/security/principal/windowsimpersonationcontext.cs";
    CLR_EECONFIG = "clr-eeconfig", "CLR EEConfig::sync (SSCLI 2.0; dotnet/coreclr release/1.0.0 src/vm/eeconfig.cpp, non-CoreCLR path)", "https://github.com/dotnet/coreclr/blob/release/1.0.0/src/vm/eeconfig.cpp";
    DOTNET_WI = "dotnet-WindowsIdentity", "dotnet/runtime System.Security.Principal.Windows WindowsIdentity.cs (RunImpersonatedInternal, CurrentImpersonatedTokenChanged)", "https://github.com/dotnet/runtime/blob/main/src/libraries/System.Security.Principal.Windows/src/System/Security/Principal/WindowsIdentity.cs";
    COREFX_26446 = "corefx-26446", "dotnet/corefx issue #26446: SafeHandle has been closed when using WindowsIdentity.RunImpersonated", "https://github.com/dotnet/corefx/issues/26446";
    ASPNETCORE_WINAUTH = "AspNetCore-WinAuth", "Configure Windows Authentication in ASP.NET Core", "https://learn.microsoft.com/en-us/aspnet/core/security/authentication/windowsauth";
    D_SQLCONNECTION_CLOSE = "D-SqlConnection-Close", "SqlConnection.Close Method (Remarks: Close may be called more than once)", "https://learn.microsoft.com/en-us/dotnet/api/system.data.sqlclient.sqlconnection.close";
    D_ADONET_POOLING = "D-AdoNetPooling", "SQL Server Connection Pooling (ADO.NET)", "https://learn.microsoft.com/en-us/dotnet/framework/data/adonet/sql-server-connection-pooling";

    // SQL Server CLR integration.
    SQL_CAS = "SQL-CAS", "CLR Integration Code Access Security (SQL Server)", "https://learn.microsoft.com/en-us/sql/relational-databases/clr-integration/security/clr-integration-code-access-security";
    SQL_CREATE_ASSEMBLY = "SQL-CreateAssembly", "CREATE ASSEMBLY (Transact-SQL)", "https://learn.microsoft.com/en-us/sql/t-sql/statements/create-assembly-transact-sql";
    SQL_CREATING_ASSEMBLY = "SQL-CreatingAssembly", "Creating an Assembly (SQL Server CLR integration)", "https://learn.microsoft.com/en-us/sql/relational-databases/clr-integration/assemblies/creating-an-assembly";
    SQL_STRICT = "SQL-StrictSecurity", "Server configuration: clr strict security", "https://learn.microsoft.com/en-us/sql/database-engine/configure-windows/clr-strict-security";
    SQL_CONTEXT = "SQL-SqlContext", "SqlContext Object (SQL Server in-process data access)", "https://learn.microsoft.com/en-us/sql/relational-databases/clr-integration-data-access-in-process-ado-net/sqlcontext-object";
    SQL_CONTEXT_WI = "SQL-SqlContext-WI", "SqlContext.WindowsIdentity Property", "https://learn.microsoft.com/en-us/dotnet/api/microsoft.sqlserver.server.sqlcontext.windowsidentity";
    SQL_IMP_CREDENTIALS = "SQL-ImpCredentials", "Impersonation and Credentials for Connections (SQL Server CLR integration)", "https://learn.microsoft.com/en-us/sql/relational-databases/clr-integration/data-access/impersonation-and-credentials-for-connections";
    SQL_EXECUTE_AS = "SQL-ExecuteAs", "Extending Database Impersonation by Using EXECUTE AS", "https://learn.microsoft.com/en-us/previous-versions/sql/sql-server-2008-r2/ms188304(v=sql.105)";
    SQL_EXECUTE_AS_STMT = "SQL-ExecuteAsStmt", "EXECUTE AS (Transact-SQL)", "https://learn.microsoft.com/en-us/sql/t-sql/statements/execute-as-transact-sql";
    SQL_REVERT = "SQL-Revert", "REVERT (Transact-SQL)", "https://learn.microsoft.com/en-us/sql/t-sql/statements/revert-transact-sql";
    SQL_ERRORS_2016 = "SQL-Errors-2016", "Database Engine events and errors (SQL Server 2016 list)", "https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/database-engine-events-and-errors?view=sql-server-ver13";
    SQL_ERRORS_2017 = "SQL-Errors-2017", "Database Engine events and errors (SQL Server 2017 list)", "https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/database-engine-events-and-errors?view=sql-server-ver14";
    SQL_HPA = "SQL-HPA", "Host Protection Attributes and CLR Integration Programming", "https://learn.microsoft.com/en-us/sql/relational-databases/clr-integration-security-host-protection-attributes/host-protection-attributes-and-clr-integration-programming";
}
