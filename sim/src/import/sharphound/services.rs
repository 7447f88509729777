//! Machines and services of an import. A machine per computer, named by its DNS name as
//! BloodHound writes it (lower-cased), a domain controller when the collection says so.
//! A service per SPN the model can serve, on the machine its host part names (by DNS name,
//! else by short name), run by the SPN's holder: the service class decides the protocol by
//! [`PROTOCOLS`]; SPNs of other classes, and SPNs whose host is no computer of the
//! collection, stay on their account without a service and are counted.

use std::collections::HashMap;
use std::sync::Arc;

use tokenhop_model::net::directory::{
    AccountId, AccountKind, Directory, LocalAccount, Machine, MachineId, Protocol, Service,
    ServiceId, ServiceLogon,
};

use super::accounts::Placed;
use super::error::{ImportError, next_id};
use super::read::Collection;
use super::report::Report;
use super::settings::{CredentialGuard, Settings};

/// The service classes the model serves, and how their clients reach them: `cifs` is the
/// SMB server; `http`, `www` (IIS) and `wsman` (WinRM) are HTTP with Windows
/// authentication; `host` stands for the RPC services a computer runs under its own
/// account (the service control manager, the task scheduler); `rpcss` is the DCOM service
/// control manager, reached over DCOM. Every other class (`ldap`, `MSSQLSvc`, `TERMSRV`,
/// `RestrictedKrbHost`, `GC`, ...) gets no service.
pub const PROTOCOLS: &[(&str, Protocol)] = &[
    ("cifs", Protocol::Smb),
    ("http", Protocol::Http),
    ("www", Protocol::Http),
    ("wsman", Protocol::Http),
    ("host", Protocol::Rpc),
    ("rpcss", Protocol::Dcom),
];

/// A protocol's name in the report.
fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Smb => "smb",
        Protocol::Http => "http",
        Protocol::Rpc => "rpc",
        Protocol::Ncalrpc => "ncalrpc",
        Protocol::Dcom => "dcom",
    }
}

/// The machines by DNS name and by short name.
#[derive(Default)]
struct Hosts {
    fqdn: HashMap<String, MachineId>,
    short: HashMap<String, Vec<MachineId>>,
}

/// Adds a machine per computer and a service per SPN the model serves.
///
/// # Errors
///
/// When two computers have one DNS name, or `--credential-guard` names no computer.
pub fn build(
    col: &Collection,
    placed: &Placed,
    dir: &mut Directory,
    settings: &Settings,
    report: &mut Report,
) -> Result<(), ImportError> {
    let hosts = machines(col, placed, dir, report)?;
    credential_guard(dir, &hosts, settings, report)?;
    services(dir, &hosts, report)
}

fn machines(
    col: &Collection,
    placed: &Placed,
    dir: &mut Directory,
    report: &mut Report,
) -> Result<Hosts, ImportError> {
    let mut hosts = Hosts::default();
    for (&i, account) in placed.order.iter().zip(0..) {
        let Some(p) = col.principals.get(i) else {
            continue;
        };
        let (AccountKind::Computer, Some(fqdn)) = (p.kind, p.fqdn.as_deref()) else {
            continue;
        };
        let id = MachineId(next_id(dir.machines.len(), "machines")?);
        if hosts.fqdn.insert(fqdn.to_owned(), id).is_some() {
            return Err(ImportError::invalid(
                &p.origin.file,
                p.origin.field("Properties.name"),
                format!("a computer named `{fqdn}` is already in the collection"),
            ));
        }
        let short = fqdn.split('.').next().unwrap_or(fqdn).to_owned();
        hosts.short.entry(short).or_default().push(id);
        let account = AccountId(account);
        let domain = dir.account(account).domain;
        dir.machines.push(Machine {
            name: Arc::from(fqdn),
            domain: Some(domain),
            account: Some(account),
            dc: p.dc,
            credential_guard: false,
        });
        report.machines += 1;
        report.dcs += usize::from(p.dc);
    }
    Ok(hosts)
}

fn credential_guard(
    dir: &mut Directory,
    hosts: &Hosts,
    settings: &Settings,
    report: &mut Report,
) -> Result<(), ImportError> {
    match &settings.credential_guard {
        CredentialGuard::None => report
            .defaults
            .push("Credential Guard off on every machine (--credential-guard)".to_owned()),
        CredentialGuard::All => {
            for m in &mut dir.machines {
                m.credential_guard = true;
            }
        }
        CredentialGuard::Named(names) => {
            for name in names {
                let lower = name.to_ascii_lowercase();
                let found: Vec<MachineId> = match hosts.fqdn.get(&lower) {
                    Some(m) => vec![*m],
                    None => hosts.short.get(&lower).cloned().unwrap_or_default(),
                };
                if found.is_empty() {
                    return Err(ImportError::Setting(format!(
                        "--credential-guard {name}: no computer of the collection has that name"
                    )));
                }
                for m in found {
                    if let Some(machine) = dir.machines.get_mut(m.index()) {
                        machine.credential_guard = true;
                    }
                }
            }
        }
    }
    Ok(())
}

/// The service class and the host of an SPN (`class/host[:port][/name]`).
fn parts(spn: &str) -> Option<(&str, &str)> {
    let (class, rest) = spn.split_once('/')?;
    let host = rest.split('/').next().unwrap_or(rest);
    let host = host.split(':').next().unwrap_or(host);
    Some((class, host))
}

/// The machine an SPN's host names: by DNS name, else by short name (the holder's domain
/// deciding between machines of one short name).
fn machine_of(host: &str, holder: AccountId, dir: &Directory, hosts: &Hosts) -> Option<MachineId> {
    let host = host.to_ascii_lowercase();
    if let Some(m) = hosts.fqdn.get(&host) {
        return Some(*m);
    }
    let candidates = hosts.short.get(&host)?;
    match candidates.as_slice() {
        [one] => Some(*one),
        several => {
            let domain = dir.account(holder).domain;
            let mine: Vec<&MachineId> = several
                .iter()
                .filter(|m| dir.machine(**m).domain == Some(domain))
                .collect();
            match mine.as_slice() {
                [one] => Some(**one),
                _ => None,
            }
        }
    }
}

fn services(dir: &mut Directory, hosts: &Hosts, report: &mut Report) -> Result<(), ImportError> {
    let mut made = Vec::new();
    for (i, a) in dir.accounts.iter().enumerate() {
        let holder = AccountId(next_id(i, "accounts")?);
        for spn in &a.spns {
            let Some((class, host)) = parts(spn) else {
                *report
                    .classes_not_served
                    .entry("(no service class)".to_owned())
                    .or_default() += 1;
                continue;
            };
            let Some((_, protocol)) = PROTOCOLS
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(class))
            else {
                *report
                    .classes_not_served
                    .entry(class.to_owned())
                    .or_default() += 1;
                continue;
            };
            let Some(machine) = machine_of(host, holder, dir, hosts) else {
                report.hosts_not_found.push(spn.to_string());
                continue;
            };
            let local_account = if dir.machine(machine).account == Some(holder) {
                LocalAccount::System
            } else {
                LocalAccount::Account
            };
            made.push(Service {
                name: Arc::clone(spn),
                machine,
                account: holder,
                spn: Arc::clone(spn),
                protocol: *protocol,
                logon: ServiceLogon::Network,
                tcb: local_account == LocalAccount::System,
                impersonate_privilege: true,
                checks_impersonation: true,
                com_plus: false,
                local_account,
            });
        }
    }
    for s in made {
        next_id(dir.services.len(), "services").map(ServiceId)?;
        *report
            .services
            .entry(protocol_name(s.protocol))
            .or_default() += 1;
        dir.services.push(s);
    }
    Ok(())
}
