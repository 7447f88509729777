//! AD-14: the KDC's SPN lookup, exact first and then through the default `host` aliases of
//! sPNMappings, answers the same from a directory small enough to be scanned and from one
//! large enough to be indexed.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::sync::Arc;

use tokenhop_model::net::directory::{
    Account, AccountId, AccountKind, DEFAULT_MACHINE_ACCOUNT_QUOTA, Directory, Domain, DomainId,
    HOST_ALIASES, SpnMatch, host_alias,
};

/// A directory of `fillers` plain users and then three accounts: FILES01$ holding
/// HOST/files01, WEB01$ holding HOST/web01 and svc-web holding HTTP/web01 itself.
fn directory(fillers: u32) -> (Directory, AccountId, AccountId, AccountId) {
    let mut dir = Directory::default();
    dir.domains.push(Domain {
        name: Arc::from("corp.example"),
        forest: Arc::from("corp.example"),
        functional_level: 2016,
        kdc: 2019,
        ticket_signatures: true,
        rbcd_sensitive_enforced: true,
        sid: None,
        machine_account_quota: DEFAULT_MACHINE_ACCOUNT_QUOTA,
    });
    let d = DomainId(0);
    for i in 0..fillers {
        dir.accounts.push(Account::new(
            &format!("user{i}"),
            d,
            AccountKind::User,
            2000 + i,
        ));
    }
    let mut push = |name: &str, kind, spn: &str| {
        let mut a = Account::new(
            name,
            d,
            kind,
            1000 + u32::try_from(dir.accounts.len()).unwrap(),
        );
        a.spns.push(Arc::from(spn));
        dir.accounts.push(a);
        AccountId(u32::try_from(dir.accounts.len() - 1).unwrap())
    };
    let files = push("FILES01$", AccountKind::Computer, "HOST/files01");
    let web = push("WEB01$", AccountKind::Computer, "HOST/web01");
    let svc = push("svc-web", AccountKind::User, "HTTP/web01");
    (dir, files, web, svc)
}

fn check(fillers: u32) {
    let (dir, files, web, svc) = directory(fillers);
    assert_eq!(
        dir.resolve_spn("HOST/files01"),
        Some((files, SpnMatch::Exact))
    );
    assert_eq!(
        dir.resolve_spn("cifs/FILES01"),
        Some((files, SpnMatch::HostAlias)),
        "cifs is a host alias, compared without regard to case"
    );
    assert_eq!(
        dir.resolve_spn("RPCSS/files01"),
        Some((files, SpnMatch::HostAlias))
    );
    assert_eq!(
        dir.resolve_spn("HTTP/web01"),
        Some((svc, SpnMatch::Exact)),
        "an account holding the SPN itself wins over the host alias"
    );
    assert_eq!(
        dir.resolve_spn("cifs/web01"),
        Some((web, SpnMatch::HostAlias))
    );
    assert_eq!(
        dir.resolve_spn("MSSQLSvc/files01:1433"),
        None,
        "MSSQLSvc is not a host alias"
    );
    assert_eq!(dir.resolve_spn("cifs/files02"), None);
    assert_eq!(dir.account_by_spn("cifs/files01"), Some(files));
    assert_eq!(dir.account_holding_spn("cifs/files01"), None);
}

#[test]
fn ad_14_a_small_directory_scanned_resolves_host_aliases() {
    check(3);
}

#[test]
fn ad_14_a_large_directory_indexed_resolves_host_aliases() {
    check(500);
}

#[test]
fn ad_14_the_alias_list_maps_its_classes_and_only_them_to_host() {
    for class in [
        "cifs", "HTTP", "rpcss", "www", "schedule", "spooler", "msdtc",
    ] {
        assert!(
            HOST_ALIASES.iter().any(|a| a.eq_ignore_ascii_case(class)),
            "{class}"
        );
        assert_eq!(
            host_alias(&format!("{class}/x.corp.example")),
            Some("HOST/x.corp.example".to_owned())
        );
    }
    for class in [
        "HOST",
        "ldap",
        "MSSQLSvc",
        "TERMSRV",
        "WSMAN",
        "RestrictedKrbHost",
    ] {
        assert_eq!(host_alias(&format!("{class}/x")), None, "{class}");
    }
    assert_eq!(host_alias("no-slash"), None);
}
