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
