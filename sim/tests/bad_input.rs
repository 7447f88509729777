//! Bad input is reported, never panicked on: every malformed scenario gets a message naming
//! the file, line, column and field, with the allowed values where there is a short list.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::Path;

use tokenhop_sim::{LoadError, load_str};

const BASE: &str = "version: 1
kind: script
name: t
machine:
  users:
    - { name: alice, password: pw }
processes:
  - name: server
    threads: [main, worker]
objects:
  - name: secret
    type: file
    dacl:
      - { allow: alice, access: [GENERIC_READ] }
steps:
";

fn error_of(source: &str) -> LoadError {
    match load_str(source, Path::new("bad.yaml")) {
        Ok(_) => panic!("the scenario loaded, but it is invalid:\n{source}"),
        Err(e) => e,
    }
}

fn steps(steps: &str) -> String {
    format!("{BASE}{steps}")
}

/// A case: a name, the scenario, and the start of the message (`bad.yaml:LINE:COLUMN: ...`).
type Case = (&'static str, String, &'static str);

/// Every case, in the order of the reviewed snapshot.
fn cases() -> Vec<Case> {
    [
        document_cases(),
        reference_cases(),
        value_cases(),
        out_cases(),
        declaration_cases(),
        expectation_cases(),
        rpc_sspi_pipe_cases(),
        com_cases(),
    ]
    .concat()
}

/// The document itself: its syntax, its fields, version and kind, and its steps.
fn document_cases() -> Vec<Case> {
    vec![
        (
            "yaml syntax",
            "version: 1\nsteps: [\n  - x\n".to_owned(),
            "bad.yaml:3:3: syntax error",
        ),
        (
            "unknown top-level field",
            format!("{BASE}  - call: RevertToSelf\nextra: 1\n"),
            "bad.yaml:17:1: `extra`: `extra` is not a field of a scenario",
        ),
        (
            "wrong version",
            BASE.replace("version: 1", "version: 2") + "  - call: RevertToSelf\n",
            "bad.yaml:1:10: `version`: `2` is not a supported format version; expected one of: 1",
        ),
        (
            "wrong kind",
            BASE.replace("kind: script", "kind: topology") + "  - call: RevertToSelf\n",
            "bad.yaml:2:7: `kind`: `topology` is not a scenario kind this version reads; expected one of: script",
        ),
        (
            "missing steps",
            BASE.replace("steps:\n", ""),
            "bad.yaml:1:1: `steps`: a scenario needs `steps`",
        ),
    ]
}

/// Calls, their arguments, and the threads, handles, users and objects they name.
fn reference_cases() -> Vec<Case> {
    vec![
        (
            "unknown call",
            steps("  - call: ImpersonateEveryone\n"),
            "bad.yaml:16:11: `steps[0].call`: `ImpersonateEveryone` is not a call the model knows; expected one of: OpenProcessToken",
        ),
        (
            "unknown argument",
            steps("  - call: OpenThreadToken\n    args: { thread: main, acess: [TOKEN_QUERY] }\n"),
            "bad.yaml:17:27: `steps[0].args.acess`: `acess` is not a field of the arguments of OpenThreadToken; expected one of: thread, access, open_as_self",
        ),
        (
            "missing argument",
            steps("  - call: ImpersonateSelf\n    args: {}\n"),
            "bad.yaml:17:11: `steps[0].args.level`: ImpersonateSelf needs `level`",
        ),
        (
            "undeclared step thread",
            steps("  - thread: ghost\n    call: RevertToSelf\n"),
            "bad.yaml:16:13: `steps[0].thread`: `ghost` is not a thread of the scenario; expected one of: main, worker",
        ),
        (
            "undeclared thread argument",
            steps(
                "  - call: OpenThreadToken\n    args: { thread: ghost, access: [TOKEN_QUERY] }\n",
            ),
            "bad.yaml:17:21: `steps[0].args.thread`: `ghost` is neither a thread nor a handle; expected one of: main, worker",
        ),
        (
            "undeclared handle",
            steps("  - call: GetTokenInformation\n    args: { token: tok, class: TokenUser }\n"),
            "bad.yaml:17:20: `steps[0].args.token`: `tok` is not a handle bound by an earlier step's `out`",
        ),
        (
            "handle bound later",
            steps(
                "  - call: GetTokenInformation\n    args: { token: tok, class: TokenUser }\n  - call: OpenProcessToken\n    args: { access: [TOKEN_QUERY] }\n    out: tok\n",
            ),
            "bad.yaml:17:20: `steps[0].args.token`: `tok` is not a handle bound by an earlier step's `out`",
        ),
        (
            "unknown user in a call",
            steps(
                "  - call: LogonUser\n    args: { user: mallory, password: x, logon_type: LOGON32_LOGON_NETWORK }\n",
            ),
            "bad.yaml:17:19: `steps[0].args.user`: `mallory` is not a user of the machine; expected one of: alice, current",
        ),
        (
            "unknown process user",
            BASE.replace(
                "  - name: server\n",
                "  - name: server\n    user: mallory\n",
            ) + "  - call: RevertToSelf\n",
            "bad.yaml:9:11: `processes[0].user`: `mallory` is not an account a process can run as; expected one of: current, SYSTEM, LOCAL SERVICE, NETWORK SERVICE, alice",
        ),
        (
            "undeclared object",
            steps("  - call: OpenObject\n    args: { object: vault, access: [GENERIC_READ] }\n"),
            "bad.yaml:17:21: `steps[0].args.object`: `vault` is not an object of the scenario; expected one of: secret",
        ),
    ]
}

/// Values of the wrong vocabulary: access rights, levels and privileges.
fn value_cases() -> Vec<Case> {
    vec![
        (
            "not an access right",
            steps("  - call: OpenProcessToken\n    args: { access: [TOKEN_PEEK] }\n"),
            "bad.yaml:17:22: `steps[0].args.access[0]`: `TOKEN_PEEK` is not an access right; expected one of: DELETE",
        ),
        (
            "right of another type",
            steps("  - call: OpenObject\n    args: { object: secret, access: [TOKEN_QUERY] }\n"),
            "bad.yaml:17:38: `steps[0].args.access[0]`: `TOKEN_QUERY` is a token right, but this access is to a file",
        ),
        (
            "bad level",
            steps("  - call: ImpersonateSelf\n    args: { level: Impersonation }\n"),
            "bad.yaml:17:20: `steps[0].args.level`: `Impersonation` is not an impersonation level; expected one of: SecurityAnonymous, SecurityIdentification, SecurityImpersonation, SecurityDelegation",
        ),
        (
            "bad privilege",
            BASE.replace(
                "    threads: [main, worker]\n",
                "    threads: [main, worker]\n    privileges: { SeGodPrivilege: enabled }\n",
            ) + "  - call: RevertToSelf\n",
            "bad.yaml:10:19: `processes[0].privileges.SeGodPrivilege`: `SeGodPrivilege` is not a privilege; expected one of: SeCreateTokenPrivilege",
        ),
    ]
}

/// Naming what a step creates with `out`.
fn out_cases() -> Vec<Case> {
    vec![
        (
            "out on a call without result",
            steps("  - call: RevertToSelf\n    out: x\n"),
            "bad.yaml:17:10: `steps[0].out`: RevertToSelf returns nothing to name; remove `out`",
        ),
        (
            "creating call without out",
            steps("  - call: CreateThread\n"),
            "bad.yaml:16:5: `steps[0].out`: CreateThread creates a thread or process, which `out` must name",
        ),
        (
            "out reused",
            steps(
                "  - call: OpenProcessToken\n    args: { access: [TOKEN_QUERY] }\n    out: main\n",
            ),
            "bad.yaml:18:10: `steps[0].out`: `main` already names something in this scenario; pick a fresh name",
        ),
    ]
}

/// Declarations: threads, elevated processes, readings and objects.
fn declaration_cases() -> Vec<Case> {
    vec![
        (
            "thread declared twice",
            BASE.replace(
                "processes:\n",
                "processes:\n  - name: other\n    threads: [main]\n",
            ) + "  - call: RevertToSelf\n",
            "bad.yaml:11:15: `processes[1].threads`: a thread named `main` is already declared; thread names must be unique across processes",
        ),
        (
            "elevated non-administrator",
            BASE.replace(
                "    threads: [main, worker]\n",
                "    threads: [main, worker]\n    elevated: true\n",
            ) + "  - call: RevertToSelf\n",
            "bad.yaml:10:15: `processes[0].elevated`: `current` is not a member of Administrators, so its process cannot run elevated",
        ),
        (
            "unknown ambiguous rule",
            format!("readings: {{ IMP-4: held }}\n{BASE}  - call: RevertToSelf\n"),
            "bad.yaml:1:13: `readings.IMP-4`: `IMP-4` is not an ambiguous rule with selectable readings; expected one of: OQL-1",
        ),
        (
            "unknown reading",
            format!("readings: {{ OQL-15: sometimes }}\n{BASE}  - call: RevertToSelf\n"),
            "bad.yaml:1:21: `readings.OQL-15`: `sometimes` is not a reading of OQL-15; expected one of: enabled, held",
        ),
        (
            "object without dacl",
            BASE.replace(
                "    dacl:\n      - { allow: alice, access: [GENERIC_READ] }\n",
                "",
            ) + "  - call: RevertToSelf\n",
            "bad.yaml:11:5: `objects[0].dacl`: an object (write `dacl: null` for a NULL DACL) needs `dacl`",
        ),
        (
            "handle limit above Windows' (RES-1)",
            BASE.replace("machine:\n", "machine:\n  handle_limit: 16711681\n")
                + "  - call: RevertToSelf\n",
            "bad.yaml:5:17: `machine.handle_limit`: 16711681 is not a handle limit: a process's handle table holds from 0 to 16711680 open handles (RES-1)",
        ),
        (
            "negative handle limit (RES-1)",
            BASE.replace("machine:\n", "machine:\n  handle_limit: -1\n")
                + "  - call: RevertToSelf\n",
            "bad.yaml:5:17: `machine.handle_limit`: -1 is not a handle limit",
        ),
    ]
}

/// Expected errors and rules, and values of the wrong type.
fn expectation_cases() -> Vec<Case> {
    vec![
        (
            "unknown expected error",
            steps("  - call: RevertToSelf\n    expect: { ok: false, error: ERROR_OOPS }\n"),
            "bad.yaml:17:33: `steps[0].expect.error`: `ERROR_OOPS` is not an error symbol; expected one of: ERROR_INVALID_FUNCTION",
        ),
        (
            "unknown expected rule",
            steps("  - call: RevertToSelf\n    expect: { rules: [XYZ-1] }\n"),
            "bad.yaml:17:23: `steps[0].expect.rules[0]`: `XYZ-1` is not a registered rule (see `tokenhop rules`)",
        ),
        (
            "wrong value type",
            steps(
                "  - call: OpenThreadToken\n    args: { access: [TOKEN_QUERY], open_as_self: yes please }\n",
            ),
            "bad.yaml:17:50: `steps[0].args.open_as_self`: expected true or false, found a string",
        ),
    ]
}

/// RPC string bindings and authentication, SSPI credentials and contexts, and pipes.
fn rpc_sspi_pipe_cases() -> Vec<Case> {
    vec![
        (
            "malformed string binding",
            steps(
                "  - call: RpcBindingFromStringBinding\n    args: { string_binding: \"ncalrpc:demo\" }\n    out: b\n",
            ),
            "bad.yaml:17:29: `steps[0].args.string_binding`: a string binding is protseq:[endpoint]",
        ),
        (
            "remote string binding",
            steps(
                "  - call: RpcBindingFromStringBinding\n    args: { string_binding: \"ncacn_ip_tcp:server2[5000]\" }\n    out: b\n",
            ),
            "bad.yaml:17:29: `steps[0].args.string_binding`: `server2` is another machine",
        ),
        (
            "unknown protocol sequence",
            steps(
                "  - call: RpcServerUseProtseqEp\n    args: { protseq: ncadg_ip_udp, endpoint: \"5000\" }\n",
            ),
            "bad.yaml:17:22: `steps[0].args.protseq`: `ncadg_ip_udp` is not a protocol sequence the model knows",
        ),
        (
            "binding that no step bound",
            steps("  - call: RpcCall\n    args: { binding: b, server: worker }\n"),
            "bad.yaml:17:22: `steps[0].args.binding`: `b` is not a binding bound by an earlier step's `out`",
        ),
        (
            "rpc over schannel",
            steps(
                "  - call: RpcServerRegisterAuthInfo\n    args: { service: RPC_C_AUTHN_GSS_SCHANNEL }\n",
            ),
            "bad.yaml:17:22: `steps[0].args.service`: an RPC server registers Schannel with its certificate",
        ),
        (
            "certificate on ntlm credentials",
            steps(
                "  - call: AcquireCredentialsHandle\n    args: { package: NTLM, use: SECPKG_CRED_OUTBOUND, certificate: c }\n    out: c\n",
            ),
            "bad.yaml:17:68: `steps[0].args.certificate`: only Schannel credentials take a certificate",
        ),
        (
            "schannel server without a certificate",
            steps(
                "  - call: AcquireCredentialsHandle\n    args: { package: Schannel, use: SECPKG_CRED_INBOUND }\n    out: c\n",
            ),
            "bad.yaml:17:11: `steps[0].args.certificate`: a Schannel server needs a certificate",
        ),
        (
            "unknown certificate",
            steps(
                "  - call: AcquireCredentialsHandle\n    args: { package: Schannel, use: SECPKG_CRED_OUTBOUND, certificate: nope }\n    out: c\n",
            ),
            "bad.yaml:17:72: `steps[0].args.certificate`: `nope` is not a certificate of the machine",
        ),
        (
            "continuation that names a new context",
            steps(
                "  - call: AcquireCredentialsHandle\n    args: { package: NTLM, use: SECPKG_CRED_OUTBOUND }\n    out: cred\n  - call: InitializeSecurityContext\n    args: { credentials: cred }\n    out: ctx\n  - call: InitializeSecurityContext\n    args: { credentials: cred, context: ctx }\n    out: again\n",
            ),
            "bad.yaml:23:41: `steps[2].args.context`: `out` names the context the first call makes",
        ),
        (
            "accept without input",
            steps(
                "  - call: AcquireCredentialsHandle\n    args: { package: NTLM, use: SECPKG_CRED_INBOUND }\n    out: cred\n  - call: AcceptSecurityContext\n    args: { credentials: cred }\n",
            ),
            "bad.yaml:20:11: `steps[1].args.input`: AcceptSecurityContext needs `input`",
        ),
        (
            "pipe on another machine",
            steps(
                "  - call: CreateFile\n    args: { name: \"\\\\\\\\server2\\\\pipe\\\\svc\", access: [GENERIC_READ] }\n    out: c\n",
            ),
            "bad.yaml:17:19: `steps[0].args.name`: `server2` is another machine",
        ),
    ]
}

/// COM classes and COM+ applications.
fn com_cases() -> Vec<Case> {
    vec![
        (
            "unknown com class",
            steps("  - call: CoCreateInstance\n    args: { class: Nope }\n    out: p\n"),
            "bad.yaml:17:20: `steps[0].args.class`: `Nope` is not a class of the machine",
        ),
        (
            "queue moniker on a class that is not queued",
            BASE.replace(
                "    - { name: alice, password: pw }\n",
                "    - { name: alice, password: pw }\n  com_classes:\n    - { name: Demo, server: server }\n",
            ) + "  - call: CoGetObject\n    args: { moniker: \"queue:/new:Demo\" }\n    out: q\n",
            "bad.yaml:19:22: `steps[0].args.moniker`: `Demo` is not in a queued COM+ application",
        ),
        (
            "com+ library application",
            BASE.replace(
                "    - { name: alice, password: pw }\n",
                "    - { name: alice, password: pw }\n  com_applications:\n    - { name: Lib, kind: library, authentication_level: RPC_C_AUTHN_LEVEL_PKT }\n",
            ) + "  - call: RevertToSelf\n",
            "bad.yaml:8:26: `machine.com_applications[0].kind`: library applications run in their client's process and are not modelled",
        ),
        (
            "com+ application without its authentication level",
            BASE.replace(
                "    - { name: alice, password: pw }\n",
                "    - { name: alice, password: pw }\n  com_applications:\n    - { name: App }\n",
            ) + "  - call: RevertToSelf\n",
            "bad.yaml:8:7: `machine.com_applications[0].authentication_level`: a COM+ application (its Authentication property) needs `authentication_level`",
        ),
        (
            "com class served by an unknown process",
            BASE.replace(
                "    - { name: alice, password: pw }\n",
                "    - { name: alice, password: pw }\n  com_classes:\n    - { name: Demo, server: nowhere }\n",
            ) + "  - call: RevertToSelf\n",
            "bad.yaml:8:29: `machine.com_classes[0].server`: `nowhere` is not a process of the scenario",
        ),
    ]
}

#[test]
fn malformed_scenarios_name_file_line_column_and_field() {
    let mut wrong = Vec::new();
    for (name, source, expected) in cases() {
        let message = error_of(&source).to_string();
        if !message.starts_with(expected) {
            wrong.push(format!(
                "{name}:\n  expected: {expected}\n  got:      {message}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn json_scenarios_get_positions_too() {
    let source = r#"{
  "version": 1,
  "kind": "script",
  "name": "t",
  "steps": [
    { "call": "ImpersonateSelf", "args": { "level": "High" } }
  ]
}"#;
    let message = load_str(source, Path::new("bad.json"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        message.starts_with(
            "bad.json:6:53: `steps[0].args.level`: `High` is not an impersonation level"
        ),
        "{message}"
    );
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let err = match tokenhop_sim::load(Path::new("no/such/file.yaml")) {
        Ok(_) => panic!("a missing file loaded"),
        Err(e) => e,
    };
    assert!(matches!(err, LoadError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with("no/such/file.yaml: cannot read the file"),
        "{err}"
    );
}

#[test]
fn the_error_messages_read_as_reviewed() {
    let all: Vec<String> = cases()
        .into_iter()
        .map(|(name, source, _)| format!("{name}\n  {}", error_of(&source)))
        .collect();
    insta::with_settings!({
        snapshot_path => "../../fixtures/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("bad_input_messages", all.join("\n"));
    });
}

const TOPOLOGY: &str = "version: 1
kind: topology
name: t
domains:
  - name: corp.example
    accounts:
      - { name: alice }
      - { name: admins, kind: group, members: [alice] }
machines:
  - { name: ws01, domain: corp.example }
  - { name: web01, domain: corp.example }
services:
  - { name: web, machine: web01, protocol: http }
  - { name: rpcsvc, machine: web01, protocol: rpc, spn: RPC/web01 }
resources:
  - { name: data, service: web, dacl: [{ allow: alice, rights: [read] }] }
chains:
  - name: c
    steps:
      - start: { user: alice, machine: ws01 }
";

fn topology_error(source: &str) -> String {
    match tokenhop_sim::document::load_str(source, Path::new("bad.yaml")) {
        Ok(_) => panic!("the topology loaded, but it is invalid:\n{source}"),
        Err(e) => e.to_string(),
    }
}

fn topology_with_steps(steps: &str) -> String {
    format!("{TOPOLOGY}{steps}")
}

/// Every malformed topology, by theme. Each case: a name, the topology, and the start of
/// the message.
fn topology_cases() -> Vec<Case> {
    let mut cases = topology_reference_cases();
    cases.extend(topology_declaration_cases());
    cases
}

/// Topologies that name something they do not declare.
fn topology_reference_cases() -> Vec<Case> {
    vec![
        (
            "unknown account",
            topology_with_steps("  - name: d\n    steps:\n      - start: { user: mallory, machine: ws01 }\n"),
            "bad.yaml:23:24: `chains[1].steps[0].start.user`: `mallory` is not an account of the topology",
        ),
        (
            "unknown machine",
            TOPOLOGY.replace("{ name: web, machine: web01,", "{ name: web, machine: web09,"),
            "bad.yaml:13:27: `services[0].machine`: `web09` is not a machine of the topology",
        ),
        (
            "unknown service",
            topology_with_steps("      - call: { service: mail }\n"),
            "bad.yaml:21:26: `chains[0].steps[1].call.service`: `mail` is not a service of the topology",
        ),
        (
            "unknown resource",
            topology_with_steps("      - call: { service: web }\n      - access: { resource: payroll, rights: [read] }\n"),
            "bad.yaml:22:29: `chains[0].steps[2].access.resource`: `payroll` is not a resource of the topology",
        ),
        (
            "unknown SPN in a delegation list",
            TOPOLOGY.replace("      - { name: alice }\n", "      - { name: alice }\n      - { name: svc, allowed_to_delegate_to: [cifs/nowhere] }\n"),
            "bad.yaml:8:47: `domains[0].accounts[1].allowed_to_delegate_to[0]`: `cifs/nowhere` is not the SPN of any account or service of the topology",
        ),
        (
            "an SPN listed twice on one account",
            TOPOLOGY.replace("      - { name: alice }\n", "      - { name: alice }\n      - { name: svc, spns: [HTTP/a, http/A] }\n"),
            "bad.yaml:8:37: `domains[0].accounts[1].spns[1]`: SPN `http/A` is listed twice",
        ),
        (
            "unknown domain in a trust",
            TOPOLOGY.replace("machines:\n", "trusts:\n  - { between: [corp.example, other.example] }\nmachines:\n"),
            "bad.yaml:10:31: `trusts[0].between[1]`: `other.example` is not a domain of the topology",
        ),
    ]
}

/// Topologies that declare something a directory cannot hold, or settings it does not know.
fn topology_declaration_cases() -> Vec<Case> {
    vec![
        (
            "duplicate account",
            TOPOLOGY.replace("      - { name: alice }\n", "      - { name: alice }\n      - { name: alice }\n"),
            "bad.yaml:8:9: `domains[0].accounts[1].name`: an account named `alice` is already declared in `corp.example`",
        ),
        (
            "duplicate RID",
            TOPOLOGY.replace("      - { name: alice }\n", "      - { name: alice, rid: 2000 }\n      - { name: bob, rid: 2000 }\n"),
            "bad.yaml:8:27: `domains[0].accounts[1].rid`: RID 2000 is already taken in `corp.example`",
        ),
        (
            "duplicate service",
            TOPOLOGY.replace("  - { name: rpcsvc, machine: web01, protocol: rpc, spn: RPC/web01 }\n", "  - { name: web, machine: ws01, protocol: smb }\n"),
            "bad.yaml:14:5: `services[1].name`: a service named `web` is already declared",
        ),
        (
            "functional level above the KDCs",
            TOPOLOGY.replace("  - name: corp.example\n", "  - name: corp.example\n    functional_level: 2016\n    kdc: 2012\n"),
            "bad.yaml:6:23: `domains[0].functional_level`: a domain's functional level (2016) cannot be above the version of its domain controllers (2012)",
        ),
        (
            "a version the rules do not distinguish",
            TOPOLOGY.replace("  - name: corp.example\n", "  - name: corp.example\n    kdc: 2011\n"),
            "bad.yaml:6:10: `domains[0].kdc`: `2011` is not a Windows Server version the rules distinguish; expected one of: 2003, 2008, 2008r2, 2012, 2012r2, 2016, 2019, 2022, 2025",
        ),
        (
            "a group trusted for delegation",
            TOPOLOGY.replace("{ name: admins, kind: group, members: [alice] }", "{ name: admins, kind: group, trusted_for_delegation: true }"),
            "bad.yaml:8:62: `domains[0].accounts[1].trusted_for_delegation`: a group does not log on, so `trusted_for_delegation` cannot apply to it",
        ),
        (
            "a flag contradicting userAccountControl",
            TOPOLOGY.replace("      - { name: alice }\n", "      - { name: alice, not_delegated: false, user_account_control: 0x100200 }\n"),
            "bad.yaml:7:39: `domains[0].accounts[0].not_delegated`: `not_delegated: false` contradicts `user_account_control: 0x100200`",
        ),
        (
            "members of a user",
            TOPOLOGY.replace("      - { name: alice }\n", "      - { name: alice, members: [admins] }\n"),
            "bad.yaml:7:33: `domains[0].accounts[0].members`: only a group (`kind: group`) has members",
        ),
        (
            "a machine account that is a user",
            TOPOLOGY.replace("  - { name: ws01, domain: corp.example }\n", "  - { name: ws01, domain: corp.example, account: alice }\n"),
            "bad.yaml:10:50: `machines[0].account`: a machine's account is a computer account, and alice@corp.example is not one",
        ),
        (
            "a domain controller declared without delegation",
            TOPOLOGY.replace("      - { name: alice }\n", "      - { name: alice }\n      - { name: DC01$, trusted_for_delegation: false }\n")
                .replace("  - { name: ws01, domain: corp.example }\n", "  - { name: ws01, domain: corp.example }\n  - { name: dc01, domain: corp.example, dc: true }\n"),
            "bad.yaml:12:45: `machines[1].dc`: a domain controller's account is TRUSTED_FOR_DELEGATION (AD-4), but DC01$@corp.example is declared without it",
        ),
        (
            "a group that logs on",
            topology_with_steps("  - name: d\n    steps:\n      - start: { user: admins, machine: ws01 }\n"),
            "bad.yaml:23:24: `chains[1].steps[0].start.user`: admins@corp.example is a group, which does not log on",
        ),
        (
            "a group whose key a tool holds",
            topology_with_steps("  - name: d\n    steps:\n      - own_key: { account: admins, machine: ws01 }\n"),
            "bad.yaml:23:29: `chains[1].steps[0].own_key.account`: admins@corp.example is a group, which has no key",
        ),
        (
            "an S4U2proxy with a key and no SPN",
            topology_with_steps("      - key_s4u2proxy: {}\n"),
            "bad.yaml:21:24: `chains[0].steps[1].key_s4u2proxy.spn`: `key_s4u2proxy` needs `spn`",
        ),
        (
            "an RPC binding setting on an HTTP service",
            topology_with_steps("      - call: { service: web, tracking: dynamic }\n"),
            "bad.yaml:21:41: `chains[0].steps[1].call.tracking`: `tracking` is an RPC binding's setting, and this service is not reached over RPC",
        ),
        (
            "an RPC capability on a service not reached over RPC",
            topology_with_steps("      - call: { service: web, capabilities: [RPC_C_QOS_CAPABILITIES_IGNORE_DELEGATE_FAILURE] }\n"),
            "bad.yaml:21:45: `chains[0].steps[1].call.capabilities`: `capabilities` are RPC_SECURITY_QOS flags of an RPC binding, and this service is not reached over RPC",
        ),
        (
            "an unknown RPC capability",
            topology_with_steps("      - call: { service: rpcsvc, capabilities: [RPC_C_QOS_CAPABILITIES_ANY_AUTHORITY] }\n"),
            "bad.yaml:21:49: `chains[0].steps[1].call.capabilities[0]`: `RPC_C_QOS_CAPABILITIES_ANY_AUTHORITY` is not an RPC_SECURITY_QOS capability a topology's call reads",
        ),
        (
            "a local identity for a service account",
            TOPOLOGY.replace("      - { name: alice }\n", "      - { name: alice }\n      - { name: svc }\n")
                .replace("{ name: web, machine: web01, protocol: http }", "{ name: web, machine: web01, protocol: http, account: svc, local_account: system }"),
            "bad.yaml:14:79: `services[0].local_account`: `local_account` says who a service running as its machine's account is locally",
        ),
        (
            "a chain that does not start anywhere",
            TOPOLOGY.replace("      - start: { user: alice, machine: ws01 }\n", "      - call: { service: web }\n"),
            "bad.yaml:20:7: `chains[0].steps`: a chain starts with `start`, `start_service`, `coerce` or `own_key`",
        ),
        (
            "two step kinds at once",
            topology_with_steps("      - { call: { service: web }, wait: { minutes: 5 } }\n"),
            "bad.yaml:21:9: `chains[0].steps[1]`: a chain step has exactly one of these; expected one of: start, start_service, call",
        ),
        (
            "an unknown reading",
            TOPOLOGY.replace("name: t\n", "name: t\nreadings: { OQD-1: maybe }\n"),
            "bad.yaml:4:20: `readings.OQD-1`: `maybe` is not a reading of OQD-1; expected one of: not-forwardable, forwardable",
        ),
        (
            "a trust direction the format does not know",
            TOPOLOGY.replace("machines:\n", "trusts:\n  - { between: [corp.example, partner.example], direction: both }\nmachines:\n")
                .replace("domains:\n", "domains:\n  - { name: partner.example }\n"),
            "bad.yaml:11:60: `trusts[0].direction`: `both` is not a trust direction, as the first domain of `between` says it; expected one of: bidirectional, outbound, inbound",
        ),
        (
            "a negative machine account quota",
            TOPOLOGY.replace("  - name: corp.example\n", "  - name: corp.example\n    machine_account_quota: -1\n"),
            "bad.yaml:6:28: `domains[0].machine_account_quota`: ms-DS-MachineAccountQuota is a count of computer accounts, from 0",
        ),
        (
            "a delegation target written stale that an account holds",
            TOPOLOGY.replace("      - { name: alice }\n", "      - { name: alice }\n      - { name: svc, allowed_to_delegate_to: [{ spn: HTTP/web01, stale: true }] }\n"),
            "bad.yaml:8:47: `domains[0].accounts[1].allowed_to_delegate_to[0]`: `HTTP/web01` is written `stale: true`, but an account of the topology holds it",
        ),
        (
            "a delegation target with a field it does not have",
            TOPOLOGY.replace("      - { name: alice }\n", "      - { name: alice }\n      - { name: svc, allowed_to_delegate_to: [{ spn: cifs/old01, gone: true }] }\n"),
            "bad.yaml:8:66: `domains[0].accounts[1].allowed_to_delegate_to[0].gone`: `gone` is not a field of a delegation target; expected one of: spn, stale",
        ),
    ]
}

#[test]
fn malformed_topologies_name_file_line_column_and_field() {
    let mut wrong = Vec::new();
    for (name, source, expected) in topology_cases() {
        let message = topology_error(&source);
        if !message.starts_with(expected) {
            wrong.push(format!(
                "{name}:\n  expected: {expected}\n  got:      {message}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_topology_error_messages_read_as_reviewed() {
    let all: Vec<String> = topology_cases()
        .into_iter()
        .map(|(name, source, _)| format!("{name}\n  {}", topology_error(&source)))
        .collect();
    insta::with_settings!({
        snapshot_path => "../../fixtures/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("bad_topology_messages", all.join("\n"));
    });
}

const RUNTIME: &str = "version: 1
kind: runtime
name: r
process: { framework: \"4.8\", identity: AppPool }
accounts: [alice, bob]
threads: [request, pool-1]
steps:
  - { thread: request, call: impersonate, args: { identity: alice }, out: ctx }
  - { thread: request, call: queue, args: { hand_off: task_continuation }, out: work }
";

const SQL_RUNTIME: &str = "version: 1
kind: runtime
name: s
process: { framework: \"4.8\", host: sql-server, identity: MSSQLSERVER }
accounts: [alice]
sql:
  version: 2019
  logins: [{ name: alice }]
  databases: [{ name: app, owner: alice }]
  tables: [{ name: orders, database: app }]
steps:
  - { call: connect, args: { login: alice }, out: s1 }
";

fn runtime_error(source: &str) -> String {
    match tokenhop_sim::document::load_str(source, Path::new("bad.yaml")) {
        Ok(_) => panic!("the runtime loaded, but it is invalid:\n{source}"),
        Err(e) => e.to_string(),
    }
}

/// Each case: a name, the runtime, and the start of the message.
fn runtime_cases() -> Vec<Case> {
    let with = |steps: &str| format!("{RUNTIME}{steps}");
    let sql_with = |steps: &str| format!("{SQL_RUNTIME}{steps}");
    vec![
        (
            "unknown framework version",
            RUNTIME.replace("\"4.8\"", "\"4.9\""),
            "bad.yaml:4:23: `process.framework`: `4.9` is not a runtime version the rules distinguish",
        ),
        (
            "classic ASP.NET on .NET 8",
            RUNTIME.replace("framework: \"4.8\",", "framework: \"8\", host: aspnet,"),
            "bad.yaml:4:34: `process.host`: contradictory: this host loads the .NET Framework",
        ),
        (
            "flow elements on .NET Framework 1.1",
            RUNTIME.replace(
                "identity: AppPool }",
                "identity: AppPool, config: { legacy_impersonation_policy: true } }",
            ),
            "bad.yaml:4:57: `process.config`: contradictory: the flow elements exist from .NET Framework 2.0 to 4.8",
        )
        .map_source(|s| s.replace("\"4.8\"", "\"1.1\"")),
        (
            "hosting flags without an unmanaged host",
            RUNTIME.replace(
                "identity: AppPool }",
                "identity: AppPool, hosting_flags: [STARTUP_LEGACY_IMPERSONATION] }",
            ),
            "bad.yaml:4:64: `process.hosting_flags`: contradictory: STARTUP_* flags are passed by an unmanaged host",
        ),
        (
            "an Undo without an Impersonate",
            with("  - { thread: request, call: undo, args: { context: ctx2 } }\n"),
            "bad.yaml:10:53: `steps[2].args.context`: `ctx2` is not bound by an earlier step (it should be an impersonation context)",
        ),
        (
            "an Undo naming a work item",
            with("  - { thread: request, call: undo, args: { context: work } }\n"),
            "bad.yaml:10:53: `steps[2].args.context`: `work` is a work item, not an impersonation context",
        ),
        (
            "a work item run twice",
            with("  - { thread: pool-1, call: run, args: { item: work } }\n  - { thread: pool-1, call: finish, args: { item: work } }\n  - { thread: pool-1, call: run, args: { item: work } }\n"),
            "bad.yaml:12:5: `steps[4].args.item`: `work` is not waiting to run: a work item runs once",
        ),
        (
            "a work item finished on another thread",
            with("  - { thread: pool-1, call: run, args: { item: work } }\n  - { thread: request, call: finish, args: { item: work } }\n"),
            "bad.yaml:11:5: `steps[3].args.item`: `work` is not running on thread `request`",
        ),
        (
            "a step on an undeclared thread",
            with("  - { thread: pool-9, call: whoami }\n"),
            "bad.yaml:10:15: `steps[2].thread`: `pool-9` is not a declared thread",
        ),
        (
            "a step with no thread",
            with("  - { call: whoami }\n"),
            "bad.yaml:10:5: `steps[2].thread`: a step of a .NET process needs `thread`",
        ),
        (
            "WindowsIdentity.Impersonate on .NET 8",
            RUNTIME.replace("\"4.8\"", "\"8\""),
            "bad.yaml:8:30: `steps[0].call`: WindowsIdentity.Impersonate does not exist in .NET 8",
        ),
        (
            "RunImpersonated before .NET Framework 4.6",
            with("  - { thread: request, call: open_token, args: { identity: bob }, out: h }\n  - { thread: request, call: run_impersonated, args: { handle: h }, out: scope }\n")
                .replace("\"4.8\"", "\"4.5\""),
            "bad.yaml:11:30: `steps[3].call`: WindowsIdentity.RunImpersonated exists from .NET Framework 4.6",
        ),
        (
            "an unknown identity",
            with("  - { thread: request, call: pinvoke_impersonate, args: { identity: mallory } }\n"),
            "bad.yaml:10:69: `steps[2].args.identity`: `mallory` is not a declared identity",
        ),
        (
            "an unknown call",
            with("  - { thread: request, call: impersonate_self }\n"),
            "bad.yaml:10:30: `steps[2].call`: `impersonate_self` is not a runtime call",
        ),
        (
            "a work item queued without a name",
            with("  - { thread: request, call: queue, args: { hand_off: begin_invoke } }\n"),
            "bad.yaml:10:5: `steps[2].out`: `queue` needs `out`",
        ),
        (
            "an unknown hand-off",
            with("  - { thread: request, call: queue, args: { hand_off: await }, out: w2 }\n"),
            "bad.yaml:10:55: `steps[2].args.hand_off`: `await` is not an asynchronous hand-off",
        ),
        (
            "a SQL Server call in a .NET process",
            with("  - { thread: request, call: connect, args: { login: alice }, out: s }\n"),
            "bad.yaml:10:30: `steps[2].call`: `connect` is a SQL Server call, and the process is not `sql-server`",
        ),
        (
            "a .NET call in SQL Server",
            sql_with("  - { call: queue, args: { hand_off: begin_invoke }, out: w }\n"),
            "bad.yaml:13:13: `steps[1].call`: `queue` is a .NET process call",
        ),
        (
            "a Windows login with no account",
            SQL_RUNTIME.replace("logins: [{ name: alice }]", "logins: [{ name: carol }]"),
            "bad.yaml:8:20: `sql.logins[0].name`: Windows login `carol` names no declared account",
        ),
        (
            "strict security before SQL Server 2017",
            SQL_RUNTIME.replace("version: 2019", "version: 2014\n  clr_strict_security: true"),
            "bad.yaml:8:24: `sql.clr_strict_security`: contradictory: clr strict security exists from SQL Server 2017",
        ),
        (
            "an unknown table",
            sql_with("  - { call: create_assembly, args: { session: s1, database: app, permission_set: SAFE }, out: a }\n  - { call: enter, args: { session: s1, assembly: a }, out: c }\n  - { call: context_query, args: { call: c, table: invoices } }\n"),
            "bad.yaml:15:52: `steps[3].args.table`: `invoices` is not a declared table",
        ),
        (
            "an Undo without an Impersonate in a CLR routine",
            sql_with("  - { call: create_assembly, args: { session: s1, database: app, permission_set: SAFE }, out: a }\n  - { call: enter, args: { session: s1, assembly: a }, out: c }\n  - { call: undo, args: { context: ctx } }\n"),
            "bad.yaml:15:36: `steps[3].args.context`: `ctx` is not bound by an earlier step (it should be an impersonation context)",
        ),
        (
            "a sql section for a .NET process",
            format!("{RUNTIME}sql: {{ logins: [] }}\n"),
            "bad.yaml:10:6: `sql`: `sql` describes SQL Server, and `process.host` is not `sql-server`",
        ),
    ]
}

/// Applies a change to a case's source.
trait MapSource {
    fn map_source(self, f: impl Fn(&str) -> String) -> Self;
}

impl MapSource for (&'static str, String, &'static str) {
    fn map_source(self, f: impl Fn(&str) -> String) -> Self {
        (self.0, f(&self.1), self.2)
    }
}

#[test]
fn malformed_runtimes_name_file_line_column_and_field() {
    let mut wrong = Vec::new();
    for (name, source, expected) in runtime_cases() {
        let message = runtime_error(&source);
        if !message.starts_with(expected) {
            wrong.push(format!(
                "{name}:\n  expected: {expected}\n  got:      {message}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_runtime_error_messages_read_as_reviewed() {
    let all: Vec<String> = runtime_cases()
        .into_iter()
        .map(|(name, source, _)| format!("{name}\n  {}", runtime_error(&source)))
        .collect();
    insta::with_settings!({
        snapshot_path => "../../fixtures/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("bad_runtime_messages", all.join("\n"));
    });
}

/// The processes a COM class may name are listed in a stable order (they are kept in a
/// map, whose order changed from run to run).
#[test]
fn a_com_class_server_that_is_not_a_process_lists_the_processes_in_order() {
    let source = "version: 1
kind: script
name: t
machine:
  com_classes:
    - { name: Demo, server: nowhere }
processes:
  - { name: zeta, threads: [z] }
  - { name: alpha, threads: [a] }
  - { name: mid, threads: [m] }
steps:
  - call: RevertToSelf
";
    for _ in 0..8 {
        let message = error_of(source).to_string();
        assert!(
            message.ends_with(
                "`nowhere` is not a process of the scenario; expected one of: alpha, mid, zeta"
            ),
            "{message}"
        );
    }
}

/// A .NET process numbers its threads with 16-bit ids: the 65,536th declared thread is
/// refused where it is declared, so that every step's thread converts to an id (it fell
/// back to id 65,535 when it did not), and 65,535 threads still load.
#[test]
fn a_runtime_declaring_more_threads_than_its_ids_number_is_refused_at_the_declaration() {
    let declare = |n: usize| {
        let names: Vec<String> = (0..n).map(|i| format!("t{i}")).collect();
        RUNTIME.replace(
            "threads: [request, pool-1]",
            &format!("threads: [request, pool-1, {}]", names.join(", ")),
        )
    };
    let most = declare(usize::from(u16::MAX) - 2);
    assert!(
        tokenhop_sim::document::load_str(&most, Path::new("bad.yaml")).is_ok(),
        "65,535 threads load"
    );
    let message = runtime_error(&declare(usize::from(u16::MAX) - 1));
    assert!(
        message.contains("`threads[65535]`: too many threads"),
        "{message}"
    );
}
