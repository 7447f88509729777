//! `tokenhop import sharphound` as a user meets it: the topology on stdout or in the file
//! `-o` names, the report on stderr, exit 0 when imported and 2 for bad input or a setting
//! that does not fit.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

mod common;

use common::{stderr, stdout, tokenhop};

#[test]
fn import_writes_the_topology_to_stdout_and_the_report_to_stderr() {
    let out = tokenhop(&["import", "sharphound", "fixtures/collections/sharphound-v6"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let topology = stdout(&out);
    assert!(
        topology.starts_with("version: 1\nkind: topology\n"),
        "{topology}"
    );
    assert!(topology.ends_with("chains: []\n"));
    let report = stderr(&out);
    for line in [
        "read fixtures/collections/sharphound-v6/20240101120000_users.json: 8 users v6",
        "1 unknown fields ignored: User.Tags x1",
        "domains: corp.local, partner.local (known only by a trust)",
        "accounts: 8 users, 5 computers, 8 groups (1 disabled, kept)",
        "principals outside the collection, skipped: 1 members, 1 ACE trustees",
        "assumed: Credential Guard off on every machine (--credential-guard)",
    ] {
        assert!(report.contains(line), "missing `{line}` in:\n{report}");
    }
}

#[test]
fn import_o_writes_a_file_that_run_reads() {
    let dir = std::env::temp_dir().join(format!("tokenhop-import-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("corp.yaml");
    let out = tokenhop(&[
        "import",
        "sharphound",
        "fixtures/collections/sharphound-v5.zip",
        "-o",
        file.to_str().unwrap(),
        "--kdc",
        "2022",
        "--unpatched",
        "bronze-bit",
        "--machine-account-quota",
        "0",
        "--credential-guard",
        "web01",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).is_empty(),
        "the topology goes to the file only"
    );
    assert!(stderr(&out).contains(&format!("wrote {}", file.display())));
    let text = std::fs::read_to_string(&file).unwrap();
    for setting in [
        "kdc: 2022",
        "ticket_signatures: false",
        "machine_account_quota: 0",
        "credential_guard: true",
    ] {
        assert!(text.contains(setting), "missing `{setting}`");
    }
    let run = tokenhop(&["run", file.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn import_exits_2_on_bad_input_and_bad_settings() {
    let missing = tokenhop(&["import", "sharphound", "no/such/collection"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).starts_with("error: no/such/collection: cannot read it"));
    let kdc = tokenhop(&[
        "import",
        "sharphound",
        "fixtures/collections/sharphound-v6",
        "--kdc",
        "2011",
    ]);
    assert_eq!(kdc.status.code(), Some(2));
    assert!(
        stderr(&kdc).contains("--kdc 2011: not a Windows Server version the rules distinguish"),
        "{}",
        stderr(&kdc)
    );
    let below = tokenhop(&[
        "import",
        "sharphound",
        "fixtures/collections/sharphound-v6",
        "--kdc",
        "2012",
    ]);
    assert_eq!(below.status.code(), Some(2));
    assert!(stdout(&below).is_empty(), "no topology for a failed import");
    let topology_as_collection = tokenhop(&[
        "import",
        "sharphound",
        "fixtures/topologies/ad-rbcd-writers.yaml",
    ]);
    assert_eq!(topology_as_collection.status.code(), Some(2));
    assert!(
        stderr(&topology_as_collection)
            .contains("fixtures/topologies/ad-rbcd-writers.yaml:1:1: malformed JSON"),
        "{}",
        stderr(&topology_as_collection)
    );
    let no_paths = tokenhop(&["import", "sharphound"]);
    assert_eq!(
        no_paths.status.code(),
        Some(2),
        "clap refuses a missing PATH"
    );
}
