//! Writing a directory back as a topology file (format v1), so that a generated domain can
//! be read by `tokenhop graph` like any other (`tokenhop bench --write FILE`), and an
//! imported collection by every command (`tokenhop import`). Reading what is written gives
//! back the same directory when its accounts come domain by domain, as the loader and the
//! importer make them (the writer lists each domain's accounts under it). [`chains`] writes
//! chain steps, expectations and readings, for a topology whose chains replay what a search
//! found.

pub mod chains;

pub use chains::{Expectation, Written, WrittenChain, step_text, with_chains};

use std::fmt::Write as _;

use tokenhop_model::net::directory::{
    AccessRule, Account, AccountId, AccountKind, Directory, LocalAccount, Protocol, Service,
    ServiceLogon, TrustDirection, TrustKind, Trustee, WellKnown, version_name,
};
use tokenhop_model::rules::readings::Readings;

/// A string as a double-quoted YAML scalar: a JSON string, whose escapes YAML reads alike.
fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// `dir` as a topology named `name`, with one chain that starts `user`'s session at the
/// first machine (a topology needs a chain).
#[must_use]
pub fn topology(dir: &Directory, name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "version: 1\nkind: topology\nname: {}", quoted(name));
    sections(&mut out, dir);
    chain(&mut out, dir);
    out
}

/// `dir` as a topology named `name` that says `description` and has no chain yet
/// (`chains: []`): an imported directory, whose chains its user writes.
#[must_use]
pub fn without_chains(dir: &Directory, name: &str, description: &str) -> String {
    with_chains(dir, name, description, &Readings::default(), &[])
}

/// Every section but the chains.
fn sections(out: &mut String, dir: &Directory) {
    domains(out, dir);
    trusts(out, dir);
    machines(out, dir);
    services(out, dir);
    resources(out, dir);
}

/// The `domains` section, each domain with its accounts.
fn domains(out: &mut String, dir: &Directory) {
    out.push_str("domains:\n");
    for (di, d) in dir.domains.iter().enumerate() {
        let _ = writeln!(
            out,
            "  - name: {}\n    forest: {}\n    functional_level: {}\n    kdc: {}\n    ticket_signatures: {}\n    rbcd_sensitive_enforced: {}\n    machine_account_quota: {}",
            quoted(&d.name),
            quoted(&d.forest),
            version_name(d.functional_level),
            version_name(d.kdc),
            d.ticket_signatures,
            d.rbcd_sensitive_enforced,
            d.machine_account_quota
        );
        if let Some(sid) = &d.sid {
            let _ = writeln!(out, "    sid: {}", quoted(sid));
        }
        let mut accounts = dir
            .accounts
            .iter()
            .filter(|a| a.domain.index() == di)
            .peekable();
        if accounts.peek().is_none() {
            out.push_str("    accounts: []\n");
        } else {
            out.push_str("    accounts:\n");
        }
        for a in accounts {
            let _ = writeln!(out, "      - {{ {} }}", account_fields(dir, a).join(", "));
        }
    }
}

/// One account's fields, those at their defaults left out.
fn account_fields(dir: &Directory, a: &Account) -> Vec<String> {
    let mut fields = vec![
        format!("name: {}", quoted(&a.name)),
        format!("rid: {}", a.rid),
    ];
    if let Some(sid) = &a.sid {
        fields.push(format!("sid: {}", quoted(sid)));
    }
    fields.push(
        match a.kind {
            AccountKind::User => "kind: user",
            AccountKind::Computer => "kind: computer",
            AccountKind::Group => "kind: group",
        }
        .to_owned(),
    );
    for (set, key) in [
        (a.trusted_for_delegation, "trusted_for_delegation"),
        (a.not_delegated, "not_delegated"),
        (
            a.trusted_to_auth_for_delegation,
            "trusted_to_auth_for_delegation",
        ),
        (a.protected_users, "protected_users"),
    ] {
        if set {
            fields.push(format!("{key}: true"));
        }
    }
    if !a.enabled {
        fields.push("enabled: false".to_owned());
    }
    let others = |ids: &[AccountId]| {
        ids.iter()
            .map(|x| quoted(&dir.qualified(*x)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !a.allowed_to_delegate_to.is_empty() {
        // An SPN the KDC finds no account for is a stale entry, kept as the directory has it.
        let spns: Vec<String> = a
            .allowed_to_delegate_to
            .iter()
            .map(|s| match dir.account_by_spn(s) {
                Some(_) => quoted(s),
                None => format!("{{ spn: {}, stale: true }}", quoted(s)),
            })
            .collect();
        fields.push(format!("allowed_to_delegate_to: [{}]", spns.join(", ")));
    }
    if !a.allowed_to_act.is_empty() {
        fields.push(format!("allowed_to_act: [{}]", others(&a.allowed_to_act)));
    }
    if !a.rbcd_writers.is_empty() {
        fields.push(format!("rbcd_writers: [{}]", others(&a.rbcd_writers)));
    }
    if !a.spn_writers.is_empty() {
        fields.push(format!("spn_writers: [{}]", others(&a.spn_writers)));
    }
    if !a.members.is_empty() {
        fields.push(format!("members: [{}]", others(&a.members)));
    }
    // Every SPN, the services' too, in order: a service's SPN already on its account is
    // not registered again when the file is read.
    if !a.spns.is_empty() {
        let spns: Vec<String> = a.spns.iter().map(|s| quoted(s)).collect();
        fields.push(format!("spns: [{}]", spns.join(", ")));
    }
    fields
}

/// The `trusts` section, when there are trusts.
fn trusts(out: &mut String, dir: &Directory) {
    if dir.trusts.is_empty() {
        return;
    }
    out.push_str("trusts:\n");
    for t in &dir.trusts {
        let kind = match t.kind {
            TrustKind::WithinForest => "within_forest",
            TrustKind::Forest => "forest",
            TrustKind::External => "external",
        };
        let direction = match t.direction {
            TrustDirection::Bidirectional => "bidirectional",
            TrustDirection::Outbound => "outbound",
            TrustDirection::Inbound => "inbound",
        };
        let _ = writeln!(
            out,
            "  - {{ between: [{}, {}], kind: {kind}, direction: {direction}, transitive: {}, enable_tgt_delegation: {}, quarantined: {} }}",
            quoted(&dir.domain(t.a).name),
            quoted(&dir.domain(t.b).name),
            t.transitive,
            t.enable_tgt_delegation,
            t.quarantined
        );
    }
}

/// The `machines` section.
fn machines(out: &mut String, dir: &Directory) {
    if dir.machines.is_empty() {
        out.push_str("machines: []\n");
        return;
    }
    out.push_str("machines:\n");
    for m in &dir.machines {
        let mut fields = vec![format!("name: {}", quoted(&m.name))];
        if let Some(d) = m.domain {
            fields.push(format!("domain: {}", quoted(&dir.domain(d).name)));
        }
        if let Some(a) = m.account {
            fields.push(format!("account: {}", quoted(&dir.qualified(a))));
        }
        if m.dc {
            fields.push("dc: true".to_owned());
        }
        if m.credential_guard {
            fields.push("credential_guard: true".to_owned());
        }
        let _ = writeln!(out, "  - {{ {} }}", fields.join(", "));
    }
}

/// The `services` section.
fn services(out: &mut String, dir: &Directory) {
    if dir.services.is_empty() {
        out.push_str("services: []\n");
        return;
    }
    out.push_str("services:\n");
    for s in &dir.services {
        let _ = writeln!(out, "  - {{ {} }}", service_fields(dir, s).join(", "));
    }
}

/// One service's fields.
fn service_fields(dir: &Directory, s: &Service) -> Vec<String> {
    let protocol = match s.protocol {
        Protocol::Rpc => "rpc",
        Protocol::Ncalrpc => "ncalrpc",
        Protocol::Smb => "smb",
        Protocol::Http => "http",
        Protocol::Dcom => "dcom",
    };
    let logon = match s.logon {
        ServiceLogon::Network => "network",
        ServiceLogon::Cleartext => "cleartext",
        ServiceLogon::Credssp => "credssp",
    };
    let mut fields = vec![
        format!("name: {}", quoted(&s.name)),
        format!("machine: {}", quoted(&dir.machine(s.machine).name)),
        format!("account: {}", quoted(&dir.qualified(s.account))),
        format!("spn: {}", quoted(&s.spn)),
        format!("protocol: {protocol}"),
        format!("logon: {logon}"),
        format!("tcb: {}", s.tcb),
        format!("impersonate_privilege: {}", s.impersonate_privilege),
        format!("checks_impersonation: {}", s.checks_impersonation),
    ];
    match s.local_account {
        LocalAccount::System => fields.push("local_account: system".to_owned()),
        LocalAccount::NetworkService => fields.push("local_account: network_service".to_owned()),
        LocalAccount::LocalService => fields.push("local_account: local_service".to_owned()),
        LocalAccount::Account => {}
    }
    if s.com_plus {
        fields.push("com_plus: true".to_owned());
    }
    fields
}

/// The `resources` section, when there are resources.
fn resources(out: &mut String, dir: &Directory) {
    if dir.resources.is_empty() {
        return;
    }
    out.push_str("resources:\n");
    for r in &dir.resources {
        let entries: Vec<String> = r.dacl.iter().map(|e| access_rule(dir, e)).collect();
        let _ = writeln!(
            out,
            "  - {{ name: {}, service: {}, dacl: [{}] }}",
            quoted(&r.name),
            quoted(&dir.service(r.service).name),
            entries.join(", ")
        );
    }
}

/// One entry of a resource's DACL.
fn access_rule(dir: &Directory, e: &AccessRule) -> String {
    let who = match e.trustee {
        Trustee::Account(a) => quoted(&dir.qualified(a)),
        Trustee::WellKnown(WellKnown::Everyone) => quoted("Everyone"),
        Trustee::WellKnown(WellKnown::AuthenticatedUsers) => quoted("Authenticated Users"),
        Trustee::WellKnown(WellKnown::Anonymous) => quoted("ANONYMOUS LOGON"),
    };
    let rights: Vec<String> = e.rights.iter().map(|x| quoted(x)).collect();
    format!(
        "{{ {}: {who}, rights: [{}] }}",
        if e.allow { "allow" } else { "deny" },
        rights.join(", ")
    )
}

/// The `chains` section: the first user's sign-in at the first machine, or no chain when
/// there is no user or no machine.
fn chain(out: &mut String, dir: &Directory) {
    let user = dir
        .account_ids()
        .zip(&dir.accounts)
        .find(|(_, a)| a.kind == AccountKind::User)
        .map(|(id, _)| id);
    if let (Some(id), Some(m)) = (user, dir.machines.first()) {
        let _ = writeln!(
            out,
            "chains:\n  - name: sign-in\n    steps:\n      - start: {{ user: {}, machine: {} }}\n        expect: {{ ok: true }}",
            quoted(&dir.qualified(id)),
            quoted(&m.name)
        );
    } else {
        out.push_str("chains: []\n");
    }
}
