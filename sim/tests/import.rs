//! `tokenhop import sharphound` as a library: each mapping of a BloodHound collection to the
//! directory named by what it maps (which collected flag became which field), the formats
//! it reads giving one directory (SharpHound v6 and v5, a zip, bloodhound.py), a round trip
//! through the topology writer and loader, and bad input located by file, object and field.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::{Path, PathBuf};

use tokenhop_model::net::directory::{
    AccountId, AccountKind, Directory, LocalAccount, Protocol, TrustDirection, TrustKind,
};
use tokenhop_sim::import::sharphound::{self, CredentialGuard, Imported, Settings, Unpatched};
use tokenhop_sim::topology;

fn collection(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/collections")
        .join(name)
}

fn import(name: &str) -> Imported {
    sharphound::import(&[collection(name)], &Settings::default()).unwrap()
}

fn account(dir: &Directory, name: &str) -> AccountId {
    (0..dir.accounts.len())
        .map(|i| AccountId(u32::try_from(i).unwrap()))
        .find(|a| dir.account(*a).name.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("no account {name}"))
}

#[test]
fn user_account_control_flags_become_the_accounts_delegation_fields() {
    let dir = import("sharphound-v6").dir;
    let bob = dir.account(account(&dir, "bob"));
    assert!(bob.not_delegated, "sensitive -> not_delegated (AD-5)");
    let svc = dir.account(account(&dir, "svc-web"));
    assert!(
        svc.trusted_to_auth_for_delegation,
        "trustedtoauth -> trusted_to_auth_for_delegation (AD-8)"
    );
    let web02 = dir.account(account(&dir, "WEB02$"));
    assert!(
        web02.trusted_for_delegation,
        "unconstraineddelegation -> trusted_for_delegation (AD-3)"
    );
    let old = dir.account(account(&dir, "old-svc"));
    assert!(!old.enabled, "enabled: false -> enabled, the account kept");
    let alice = dir.account(account(&dir, "alice"));
    assert!(alice.enabled && !alice.not_delegated && !alice.trusted_for_delegation);
    assert_eq!(alice.rid, 1104, "the RID is the SID's last part");
    assert_eq!(alice.sid.as_deref(), Some("S-1-5-21-1000-2000-3000-1104"));
    assert_eq!(alice.kind, AccountKind::User);
}

#[test]
fn allowedtodelegate_raw_spns_with_and_without_protocol_transition() {
    let dir = import("sharphound-v6").dir;
    let svc_web = dir.account(account(&dir, "svc-web"));
    let listed: Vec<&str> = svc_web
        .allowed_to_delegate_to
        .iter()
        .map(|s| &**s)
        .collect();
    assert_eq!(listed, ["cifs/files01.corp.local", "cifs/FILES01"]);
    assert!(svc_web.trusted_to_auth_for_delegation);
    let svc_sql = dir.account(account(&dir, "svc-sql"));
    assert_eq!(&*svc_sql.allowed_to_delegate_to[0], "HTTP/web01.corp.local");
    assert!(
        !svc_sql.trusted_to_auth_for_delegation,
        "constrained delegation without protocol transition"
    );
    assert_eq!(
        dir.account_by_spn("cifs/files01.corp.local"),
        Some(account(&dir, "FILES01$")),
        "FILES01$ holds HOST/ only: the KDC finds it by the host alias (AD-14)"
    );
}

#[test]
fn allowed_to_act_becomes_the_rbcd_list_and_aces_the_writers_through_groups() {
    let dir = import("sharphound-v6").dir;
    let files = dir.account(account(&dir, "FILES01$"));
    assert_eq!(
        files.allowed_to_act,
        vec![account(&dir, "APP01$")],
        "AllowedToAct (AD-10)"
    );
    let admins = account(&dir, "File Admins");
    assert!(
        files.rbcd_writers.contains(&admins),
        "GenericWrite -> rbcd_writers (AD-11)"
    );
    let helpdesk = account(&dir, "helpdesk");
    assert!(
        files
            .rbcd_writers
            .iter()
            .any(|w| dir.is_member(helpdesk, *w)),
        "a group's members write as the group does"
    );
    assert!(
        !files.rbcd_writers.contains(&account(&dir, "FILES01$")),
        "Principal Self is the account itself, which may write its own list anyway"
    );
    let app = dir.account(account(&dir, "APP01$"));
    assert_eq!(
        app.spn_writers,
        vec![account(&dir, "svc-web")],
        "WriteSPN -> spn_writers"
    );
    assert!(
        app.rbcd_writers.is_empty(),
        "WriteSPN does not write the RBCD list"
    );
}

#[test]
fn protected_users_membership_is_followed_through_nested_groups() {
    let dir = import("sharphound-v6").dir;
    assert!(
        dir.account(account(&dir, "adm-alice")).protected_users,
        "Tier0 (holding adm-alice) is a member of the -525 group (AD-6)"
    );
    assert!(!dir.account(account(&dir, "alice")).protected_users);
    assert!(
        !dir.account(account(&dir, "Tier0")).protected_users,
        "a group logs on nowhere"
    );
}

#[test]
fn primary_groups_add_the_members_member_omits() {
    let dir = import("sharphound-v6").dir;
    let users = dir.account(account(&dir, "Domain Users"));
    assert!(users.members.contains(&account(&dir, "alice")));
    let dcs = dir.account(account(&dir, "Domain Controllers"));
    assert_eq!(dcs.members, vec![account(&dir, "DC01$")]);
}

#[test]
fn computers_become_machines_named_by_dns_name_and_is_dc_a_domain_controller() {
    let dir = import("sharphound-v6").dir;
    let names: Vec<&str> = dir.machines.iter().map(|m| &*m.name).collect();
    assert_eq!(
        names,
        [
            "dc01.corp.local",
            "web01.corp.local",
            "web02.corp.local",
            "files01.corp.local",
            "app01.corp.local"
        ]
    );
    let dc = &dir.machines[0];
    assert!(dc.dc, "IsDC -> dc (AD-4)");
    assert_eq!(dc.account, Some(account(&dir, "DC01$")));
    assert!(dir.account(account(&dir, "DC01$")).trusted_for_delegation);
    assert!(dir.machines.iter().all(|m| !m.credential_guard));
}

#[test]
fn services_come_from_the_spns_of_the_classes_the_model_serves() {
    let imported = import("sharphound-v6");
    let dir = &imported.dir;
    let by_spn = |spn: &str| {
        dir.services
            .iter()
            .find(|s| &*s.spn == spn)
            .unwrap_or_else(|| panic!("no service {spn}"))
    };
    let host = by_spn("HOST/files01.corp.local");
    assert_eq!(host.protocol, Protocol::Rpc);
    assert_eq!(&*dir.machine(host.machine).name, "files01.corp.local");
    assert_eq!(host.local_account, LocalAccount::System);
    let short = by_spn("HOST/FILES01");
    assert_eq!(
        short.machine, host.machine,
        "a short host name finds the machine too"
    );
    let web = by_spn("HTTP/web01.corp.local");
    assert_eq!(web.protocol, Protocol::Http);
    assert_eq!(
        web.account,
        account(dir, "svc-web"),
        "the SPN's holder runs it"
    );
    assert_eq!(web.local_account, LocalAccount::Account);
    assert!(!web.tcb);
    assert_eq!(by_spn("WSMAN/web01.corp.local").protocol, Protocol::Http);
    let report = &imported.report;
    for class in ["MSSQLSvc", "ldap", "GC", "RestrictedKrbHost"] {
        assert_eq!(
            report.classes_not_served.get(class),
            Some(&1),
            "{class} gets no service and is counted"
        );
    }
    assert!(
        dir.account(account(dir, "svc-sql"))
            .spns
            .iter()
            .any(|s| &**s == "MSSQLSvc/sql01.corp.local:1433"),
        "an SPN without a service stays on its account"
    );
}

#[test]
fn domains_functional_level_quota_and_the_forest_trust() {
    let imported = import("sharphound-v6");
    let dir = &imported.dir;
    let corp = &dir.domains[0];
    assert_eq!(&*corp.name, "corp.local");
    assert_eq!(corp.functional_level, 2016, "functionallevel `2016`");
    assert_eq!(
        corp.machine_account_quota, 10,
        "machineaccountquota, collected"
    );
    assert_eq!(corp.sid.as_deref(), Some("S-1-5-21-1000-2000-3000"));
    assert_eq!(
        (
            corp.kdc,
            corp.ticket_signatures,
            corp.rbcd_sensitive_enforced
        ),
        (2019, true, true)
    );
    let partner = &dir.domains[1];
    assert_eq!(&*partner.name, "partner.local", "known only by the trust");
    assert_ne!(corp.forest, partner.forest);
    let t = &dir.trusts[0];
    assert_eq!(
        (
            t.kind,
            t.direction,
            t.transitive,
            t.enable_tgt_delegation,
            t.quarantined
        ),
        (
            TrustKind::Forest,
            TrustDirection::Bidirectional,
            true,
            false,
            false
        ),
        "TrustAttributes 8 (FOREST_TRANSITIVE): SID filtering on a forest trust is not quarantine"
    );
}

#[test]
fn principals_outside_the_collection_and_unknown_fields_are_counted() {
    let report = import("sharphound-v6").report;
    assert_eq!(
        report.outside.members, 1,
        "a partner.local member of File Admins"
    );
    assert_eq!(report.outside.aces, 1, "a foreign trustee of WriteDacl");
    let users = report.files.iter().find(|f| f.kind == "users").unwrap();
    assert_eq!(users.unknown_fields, vec![("User.Tags".to_owned(), 1)]);
}

#[test]
fn v5_a_zip_and_bloodhound_py_give_the_directory_v6_gives() {
    let v6 = import("sharphound-v6").dir;
    for name in ["sharphound-v5", "sharphound-v5.zip", "bloodhound-py"] {
        assert_eq!(import(name).dir, v6, "{name}");
    }
    let zip = import("sharphound-v5.zip").report;
    assert_eq!(zip.files.len(), 4);
    assert_eq!(
        zip.skipped_members.len(),
        1,
        "SharpHound's log is not a JSON file"
    );
    let v5 = import("sharphound-v5").report;
    assert!(
        v5.defaults
            .iter()
            .any(|d| d.contains("TGT delegation across the trust with partner.local off")),
        "v5 does not collect TGT delegation: {:?}",
        v5.defaults
    );
}

#[test]
fn a_stale_delegation_target_is_kept_reported_and_written_stale() {
    let imported = import("stale-target");
    let svc = imported.dir.account(account(&imported.dir, "svc-sql"));
    assert!(
        svc.allowed_to_delegate_to
            .iter()
            .any(|s| &**s == "cifs/old01.corp.local")
    );
    assert_eq!(
        imported.report.stale_targets,
        vec!["svc-sql@corp.local -> cifs/old01.corp.local".to_owned()]
    );
    let text = imported.topology();
    assert!(
        text.contains(r#"{ spn: "cifs/old01.corp.local", stale: true }"#),
        "{text}"
    );
    let loaded = topology::load_str(&text, Path::new("stale.yaml")).unwrap();
    assert_eq!(loaded.dir, imported.dir);
}

#[test]
fn the_written_topology_reads_back_as_the_same_directory() {
    let imported = import("sharphound-v6");
    let text = imported.topology();
    let loaded = topology::load_str(&text, Path::new("imported.yaml")).unwrap();
    assert_eq!(loaded.dir, imported.dir);
    assert!(
        loaded.chains.is_empty(),
        "an imported topology has no chains yet"
    );
    assert!(text.contains("Imported by `tokenhop import sharphound`"));
}

/// AD-11 on an imported directory: helpdesk, through File Admins' GenericWrite on FILES01$,
/// writes its RBCD list, and alice, who is in no such group, may not.
#[test]
fn an_imported_rbcd_writer_writes_through_the_model() {
    let text = import("sharphound-v6").topology();
    let chains = "chains:
  - name: helpdesk-writes
    steps:
      - start: { user: helpdesk, machine: web01.corp.local }
      - set_rbcd: { target: FILES01$, allow: svc-web }
        expect: { ok: true, rules: [AD-11] }
  - name: alice-may-not
    steps:
      - start: { user: alice, machine: web01.corp.local }
      - set_rbcd: { target: FILES01$, allow: svc-web }
        expect: { ok: false, error: ERROR_ACCESS_DENIED, rules: [AD-11] }
";
    let text = text.replace("chains: []\n", chains);
    let t = topology::load_str(&text, Path::new("imported.yaml")).unwrap();
    let run = topology::run::run(&t);
    assert_eq!(run.expectations(), 2);
    assert_eq!(run.failed().count(), 0, "{}", topology::render::table(&run));
}

#[test]
fn settings_replace_the_defaults_and_are_written_into_the_topology() {
    let settings = Settings {
        kdc: Some(2022),
        unpatched: vec![Unpatched::BronzeBit],
        machine_account_quota: 0,
        credential_guard: CredentialGuard::Named(vec!["WEB01".to_owned()]),
    };
    let imported = sharphound::import(&[collection("sharphound-v5")], &settings).unwrap();
    let dir = &imported.dir;
    let corp = &dir.domains[0];
    assert_eq!(
        (
            corp.kdc,
            corp.ticket_signatures,
            corp.rbcd_sensitive_enforced
        ),
        (2022, false, true)
    );
    assert_eq!(
        corp.machine_account_quota, 0,
        "v5 does not collect the quota"
    );
    let web01 = dir
        .machines
        .iter()
        .find(|m| &*m.name == "web01.corp.local")
        .unwrap();
    assert!(web01.credential_guard);
    assert_eq!(
        dir.machines.iter().filter(|m| m.credential_guard).count(),
        1
    );
    let text = imported.topology();
    assert!(text.contains("kdc: 2022") && text.contains("ticket_signatures: false"));
    assert!(text.contains("machine_account_quota: 0") && text.contains("credential_guard: true"));
}
