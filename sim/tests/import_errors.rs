//! Bad collections are reported, never panicked on: every fault names the file (and the
//! zip member), the object's index in `data` and the field, or the line and column of
//! malformed JSON; a setting that does not fit the collection says so. The messages are a
//! reviewed snapshot.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::PathBuf;

use tokenhop_sim::import::sharphound::{self, CredentialGuard, Settings};

const USER: &str = r#"{"ObjectIdentifier": "S-1-5-21-1-2-3-1104", "Properties": {"domain": "CORP.LOCAL", "samaccountname": "alice"}}"#;

fn users(objects: &[&str], version: u32) -> String {
    format!(
        "{{\"data\": [{}], \"meta\": {{\"type\": \"users\", \"count\": {}, \"version\": {version}}}}}",
        objects.join(", "),
        objects.len()
    )
}

fn domains(object: &str) -> String {
    format!(
        "{{\"data\": [{object}], \"meta\": {{\"type\": \"domains\", \"count\": 1, \"version\": 6}}}}"
    )
}

const DOMAIN: &str = r#"{"ObjectIdentifier": "S-1-5-21-1-2-3", "Properties": {"name": "CORP.LOCAL", "functionallevel": "2016"}, "Trusts": []}"#;

const COMPUTER: &str = r#"{"data": [{"ObjectIdentifier": "S-1-5-21-1-2-3-1000", "Properties": {"domain": "CORP.LOCAL", "name": "WEB01.CORP.LOCAL", "samaccountname": "WEB01$"}}], "meta": {"type": "computers", "count": 1, "version": 6}}"#;

/// A case: its name, its files (name and bytes), the settings, and the start of the message
/// after the folder.
struct Case {
    name: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    settings: Settings,
    expected: &'static str,
}

fn case(name: &'static str, files: Vec<(&'static str, String)>, expected: &'static str) -> Case {
    Case {
        name,
        files: files
            .into_iter()
            .map(|(n, t)| (n, t.into_bytes()))
            .collect(),
        settings: Settings::default(),
        expected,
    }
}

fn cases() -> Vec<Case> {
    let mut all = vec![
        case(
            "malformed JSON",
            vec![("users.json", format!("{{\"data\": [{USER},"))],
            "users.json:1:",
        ),
        case(
            "a delegation target that is not a string",
            vec![(
                "users.json",
                users(&[USER, r#"{"ObjectIdentifier": "S-1-5-21-1-2-3-1105", "Properties": {"domain": "CORP.LOCAL", "samaccountname": "svc", "allowedtodelegate": ["HTTP/web01", 5]}}"#], 6),
            )],
            "users.json: data[1].Properties.allowedtodelegate[1]: invalid type: integer `5`, expected a string",
        ),
        case(
            "no meta",
            vec![("users.json", format!("{{\"data\": [{USER}]}}"))],
            "users.json: meta: missing",
        ),
        case(
            "a format version not read",
            vec![("users.json", users(&[USER], 4))],
            "users.json: meta.version: 4: the data format versions read are 5",
        ),
        case(
            "data that is not a list",
            vec![("users.json", "{\"data\": {}, \"meta\": {\"type\": \"users\", \"version\": 6}}".to_owned())],
            "users.json: data: invalid type: map, expected a list of objects (User)",
        ),
        case(
            "an identifier that is not a SID",
            vec![("users.json", users(&[r#"{"ObjectIdentifier": "alice", "Properties": {"domain": "CORP.LOCAL"}}"#], 6))],
            "users.json: data[0].ObjectIdentifier: `alice` is not a SID",
        ),
        case(
            "IsDeleted that is not a boolean",
            vec![("users.json", users(&[r#"{"ObjectIdentifier": "S-1-5-21-1-2-3-1104", "IsDeleted": "no"}"#], 6))],
            "users.json: data[0].IsDeleted: invalid type: string \"no\", expected a boolean",
        ),
        case(
            "a duplicate object identifier",
            vec![("users.json", users(&[USER, &USER.replace("alice", "alice2")], 6))],
            "users.json: data[1].ObjectIdentifier: duplicate object identifier `S-1-5-21-1-2-3-1104`: alice@corp.local has it too",
        ),
        case(
            "an object of no known domain",
            vec![("users.json", users(&[r#"{"ObjectIdentifier": "S-1-5-21-9-9-9-1000", "Properties": {"samaccountname": "x"}}"#], 6))],
            "users.json: data[0].Properties.domain: missing, and the SID `S-1-5-21-9-9-9-1000` is of no domain of the collection",
        ),
        case(
            "a trust direction BloodHound does not write",
            vec![("domains.json", domains(&DOMAIN.replace(r#""Trusts": []"#, r#""Trusts": [{"TargetDomainName": "P.LOCAL", "TrustDirection": "Sideways", "TrustType": "Forest"}]"#)))],
            "domains.json: data[0].Trusts[0].TrustDirection: `Sideways` is not a trust direction",
        ),
        case(
            "a functional level SharpHound does not write",
            vec![("domains.json", domains(&DOMAIN.replace("\"2016\"", "\"1999\"")))],
            "domains.json: data[0].Properties.functionallevel: `1999` is not a functional level SharpHound writes",
        ),
        case(
            "a negative machine account quota",
            vec![("domains.json", domains(&DOMAIN.replace("\"functionallevel\"", "\"machineaccountquota\": -1, \"functionallevel\"")))],
            "domains.json: data[0].Properties.machineaccountquota: -1 is not a 32-bit unsigned number",
        ),
        case(
            "nothing a collection holds",
            vec![("gpos.json", "{\"data\": [], \"meta\": {\"type\": \"gpos\", \"version\": 6}}".to_owned())],
            "no users, computers, groups or domains in the collection",
        ),
    ];
    all.push(Case {
        name: "a corrupt zip",
        files: vec![("collection.zip", b"PK\x03\x04 not really a zip".to_vec())],
        settings: Settings::default(),
        expected: "collection.zip: not a zip archive SharpHound could have written",
    });
    all.push(Case {
        name: "a Credential Guard machine the collection does not have",
        files: vec![("computers.json", COMPUTER.as_bytes().to_vec())],
        settings: Settings {
            credential_guard: CredentialGuard::Named(vec!["web09".to_owned()]),
            ..Settings::default()
        },
        expected: "--credential-guard web09: no computer of the collection has that name",
    });
    all.push(Case {
        name: "a KDC below the functional level",
        files: vec![("domains.json", domains(DOMAIN).into_bytes())],
        settings: Settings {
            kdc: Some(2012),
            ..Settings::default()
        },
        expected: "--kdc 2012: corp.local's functional level is 2016",
    });
    all
}

/// Runs a case in a folder of its own (named by the test, `test`, and the case's index, as
/// tests run side by side); the message with the folder written `<dir>`.
fn message(case: &Case, test: &str, i: usize) -> String {
    let dir = std::env::temp_dir().join(format!(
        "tokenhop-import-errors-{}-{test}-{i}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<PathBuf> = case
        .files
        .iter()
        .map(|(name, bytes)| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    let text = match sharphound::import(&paths, &case.settings) {
        Ok(_) => panic!("{}: the collection imported, but it is invalid", case.name),
        Err(e) => e.to_string(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    text.replace(&format!("{}/", dir.display()), "<dir>/")
}

#[test]
fn bad_collections_name_file_object_and_field() {
    let mut wrong = Vec::new();
    for (i, c) in cases().iter().enumerate() {
        let got = message(c, "located", i);
        let expected = if c.expected.starts_with('-') || c.expected.starts_with("no ") {
            c.expected.to_owned()
        } else {
            format!("<dir>/{}", c.expected)
        };
        if !got.starts_with(&expected) {
            wrong.push(format!(
                "{}:\n  expected: {expected}\n  got:      {got}",
                c.name
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_folder_without_collection_files_is_an_error_naming_it() {
    let dir = std::env::temp_dir().join(format!("tokenhop-import-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "nothing").unwrap();
    let e = sharphound::import(std::slice::from_ref(&dir), &Settings::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}: no JSON file of a collection in it", dir.display())
    );
    let _ = std::fs::remove_dir_all(&dir);
    let missing = sharphound::import(&[PathBuf::from("no/such/collection")], &Settings::default())
        .unwrap_err()
        .to_string();
    assert!(
        missing.starts_with("no/such/collection: cannot read it"),
        "{missing}"
    );
}

#[test]
fn the_import_error_messages_read_as_reviewed() {
    let all: Vec<String> = cases()
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}\n  {}", c.name, message(c, "reviewed", i)))
        .collect();
    insta::with_settings!({
        snapshot_path => "../../fixtures/snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("bad_import_messages", all.join("\n"));
    });
}
