//! The topology loader as a library uses it: `topology::load_file` returns a topology or a
//! located error (a script given in its place is one), and a loaded topology names the ids
//! of its accounts, machines, services and resources by the names the file gives them, with
//! the loader's own rules for account names (case-insensitive, `name@domain` to choose).

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::{Path, PathBuf};

use tokenhop_sim::topology::{self, NameError};

fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(dir)
        .join(name)
}

#[test]
fn load_file_reads_a_topology_and_names_its_elements() {
    let t = topology::load_file(&fixture("topologies", "ad-protocol-transition.yaml")).unwrap();
    assert_eq!(t.name, "ad-protocol-transition");
    let alice = t.account("alice").unwrap();
    assert_eq!(&*t.dir.account(alice).name, "alice");
    assert_eq!(
        t.account("ALICE@corp.example"),
        Ok(alice),
        "as AD compares names"
    );
    let files = t.service("files").unwrap();
    assert_eq!(&*t.dir.service(files).name, "files");
    let files01 = t.machine("files01").unwrap();
    assert_eq!(t.dir.service(files).machine, files01);
    let share = t.resource("share").unwrap();
    assert_eq!(t.dir.resource(share).service, files);
    assert_eq!(
        t.account("FILES01$")
            .map(|a| t.dir.machine(files01).account == Some(a)),
        Ok(true),
        "a joined machine's computer account is named as the loader names it"
    );
}

#[test]
fn unknown_names_are_typed_errors_that_say_what_was_looked_for() {
    let t = topology::load_file(&fixture("topologies", "ad-protocol-transition.yaml")).unwrap();
    assert_eq!(
        t.account("mallory"),
        Err(NameError::Unknown {
            what: "an account",
            name: "mallory".to_owned()
        })
    );
    assert_eq!(
        t.account("alice@sales.example").map_err(|e| e.to_string()),
        Err("`alice@sales.example` is not an account of the topology".to_owned())
    );
    assert_eq!(
        t.service("mail").map_err(|e| e.to_string()),
        Err("`mail` is not a service of the topology".to_owned())
    );
    assert!(t.machine("Files01").is_err(), "machine names are exact");
    assert!(t.resource("payroll").is_err());
}

#[test]
fn an_account_name_several_domains_share_must_be_qualified() {
    let source = "version: 1
kind: topology
name: two-alices
domains:
  - name: corp.example
    accounts: [{ name: alice }]
  - name: sales.corp.example
    forest: corp.example
    accounts: [{ name: alice }]
trusts:
  - { between: [corp.example, sales.corp.example], kind: within_forest }
chains: []
";
    let t = topology::load_str(source, Path::new("two.yaml")).unwrap();
    assert_eq!(
        t.account("alice"),
        Err(NameError::Ambiguous {
            name: "alice".to_owned()
        })
    );
    let sales = t.account("alice@sales.corp.example").unwrap();
    let corp = t.account("alice@corp.example").unwrap();
    assert_ne!(sales, corp);
    assert_eq!(t.dir.qualified(sales), "alice@sales.corp.example");
}

#[test]
fn load_file_locates_a_script_given_in_place_of_a_topology() {
    let path = fixture("scripts", "silent-downgrade-to-identification.yaml");
    let message = topology::load_file(&path).unwrap_err().to_string();
    assert!(
        message.ends_with(
            "silent-downgrade-to-identification.yaml:2:7: `kind`: `script` is not a topology's kind; expected one of: topology"
        ),
        "{message}"
    );
}

#[test]
fn load_file_reports_a_missing_file_without_panicking() {
    let message = topology::load_file(Path::new("no/such/topology.yaml"))
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("no/such/topology.yaml: cannot read the file"),
        "{message}"
    );
}

/// The directory fields an imported collection fills: trusts' direction and transitivity
/// (transitive as the kind implies unless said), SIDs, ms-DS-MachineAccountQuota, disabled
/// accounts, SPN writers and Credential Guard are read, and what the writer writes reads back
/// as the same directory.
#[test]
fn trust_direction_sids_quota_and_credential_guard_read_and_write_back() {
    use tokenhop_model::net::directory::{TrustDirection, TrustKind};
    let source = "version: 1
kind: topology
name: fields
domains:
  - name: corp.example
    sid: S-1-5-21-1-2-3
    machine_account_quota: 0
    accounts:
      - { name: alice, rid: 1104, sid: S-1-5-21-1-2-3-1104, enabled: false }
      - { name: helpdesk, rid: 1105 }
      - { name: svc-web, rid: 1106, spns: [HTTP/web01], spn_writers: [helpdesk] }
      - { name: WEB01$, rid: 1107 }
  - name: partner.example
    accounts: [{ name: dave }]
  - name: vendor.example
    accounts: [{ name: erin }]
trusts:
  - { between: [corp.example, partner.example], kind: forest, direction: outbound }
  - { between: [corp.example, vendor.example], kind: external }
machines:
  - { name: web01, domain: corp.example, credential_guard: true }
chains: []
";
    let t = topology::load_str(source, Path::new("fields.yaml")).unwrap();
    let corp = &t.dir.domains[0];
    assert_eq!(corp.sid.as_deref(), Some("S-1-5-21-1-2-3"));
    assert_eq!(corp.machine_account_quota, 0);
    assert_eq!(
        t.dir.domains[1].machine_account_quota, 10,
        "ms-DS-MachineAccountQuota defaults to 10"
    );
    let alice = t.dir.account(t.account("alice").unwrap());
    assert_eq!(alice.sid.as_deref(), Some("S-1-5-21-1-2-3-1104"));
    assert!(!alice.enabled, "a disabled account stays in the directory");
    assert!(t.dir.account(t.account("helpdesk").unwrap()).enabled);
    let svc = t.dir.account(t.account("svc-web").unwrap());
    assert_eq!(svc.spn_writers, vec![t.account("helpdesk").unwrap()]);
    let forest = &t.dir.trusts[0];
    assert_eq!(
        (forest.kind, forest.direction, forest.transitive),
        (TrustKind::Forest, TrustDirection::Outbound, true)
    );
    let external = &t.dir.trusts[1];
    assert_eq!(
        (external.direction, external.transitive),
        (TrustDirection::Bidirectional, false),
        "both directions by default; an external trust is not transitive unless said"
    );
    assert!(t.dir.machine(t.machine("web01").unwrap()).credential_guard);

    let written = topology::write::without_chains(&t.dir, "fields", "written back");
    let again = topology::load_str(&written, Path::new("written.yaml")).unwrap();
    assert_eq!(again.dir, t.dir, "{written}");
}

/// AD-9 and AD-14: a delegation target no account holds is kept when written `stale: true`
/// (a collection's leftover), one a `host` SPN stands for is no stale target, and the writer
/// writes the stale ones back as such.
#[test]
fn stale_delegation_targets_load_and_write_back() {
    let source = "version: 1
kind: topology
name: stale
domains:
  - name: corp.example
    accounts:
      - name: svc-web
        allowed_to_delegate_to: [cifs/files01, { spn: cifs/old01, stale: true }, { spn: HTTP/files01 }]
      - { name: FILES01$, spns: [HOST/files01] }
chains: []
";
    let t = topology::load_str(source, Path::new("stale.yaml")).unwrap();
    let svc = t.dir.account(t.account("svc-web").unwrap());
    let listed: Vec<&str> = svc.allowed_to_delegate_to.iter().map(|s| &**s).collect();
    assert_eq!(listed, ["cifs/files01", "cifs/old01", "HTTP/files01"]);
    let written = topology::write::without_chains(&t.dir, "stale", "written back");
    assert!(
        written.contains(
            r#"allowed_to_delegate_to: ["cifs/files01", { spn: "cifs/old01", stale: true }, "HTTP/files01"]"#
        ),
        "{written}"
    );
    let again = topology::load_str(&written, Path::new("written.yaml")).unwrap();
    assert_eq!(again.dir, t.dir);

    let unmarked = source.replace("{ spn: cifs/old01, stale: true }", "cifs/old01");
    let message = topology::load_str(&unmarked, Path::new("stale.yaml"))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("`cifs/old01` is not the SPN of any account or service of the topology"),
        "{message}"
    );
}
