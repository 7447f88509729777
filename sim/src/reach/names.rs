//! Principals named as people who hold BloodHound data write them, found in a directory:
//! `USER@DOMAIN` (BloodHound's own name for a user or group), a computer by its DNS name
//! (`WS01.CORP.EXAMPLE`, meaning its machine account), `samaccountname@domain`
//! (`WS01$@corp.example`), or a bare name (`alice`, `WS01$`, or a machine's name) when it
//! names one principal. Names compare without regard to case, as in Active Directory.

use tokenhop_model::net::directory::{AccountId, AccountKind, Directory};

/// Why a name picks no principal to own.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing has the name.
    #[error(
        "`{name}` names no account of {read}: write USER@DOMAIN, a computer's DNS name (WS01.CORP.EXAMPLE), samaccountname@domain (WS01$@corp.example), or a bare name that names one account{}",
        known_hint(.known)
    )]
    Unknown {
        /// The name given.
        name: String,
        /// What was read.
        read: String,
        /// The principals of a small directory, to choose from (empty for a large one).
        known: Vec<String>,
    },
    /// Several principals have the name.
    #[error("`{name}` names several principals of {read}: {}; write one of them", .candidates.join(", "))]
    Ambiguous {
        /// The name given.
        name: String,
        /// What was read.
        read: String,
        /// The principals it names, as `name@domain`.
        candidates: Vec<String>,
    },
    /// A group has no key to own.
    #[error("`{name}` is the group {qualified}, which has no key: own one of its members")]
    Group {
        /// The name given.
        name: String,
        /// The group, as `name@domain`.
        qualified: String,
    },
}

/// How many principals a directory may have for an unknown name's error to list them.
const LISTED: usize = 30;

fn known_hint(known: &[String]) -> String {
    if known.is_empty() {
        String::new()
    } else {
        format!("; its principals: {}", known.join(", "))
    }
}

/// The principal `name` names in `dir` (read from `source`), to own: a user or a computer
/// account.
///
/// # Errors
///
/// When no principal has the name, several have it, or it names a group.
pub fn principal(dir: &Directory, name: &str, source: &str) -> Result<AccountId, NameError> {
    let found = candidates(dir, name);
    match found.as_slice() {
        [] => Err(NameError::Unknown {
            name: name.to_owned(),
            read: source.to_owned(),
            known: small_list(dir),
        }),
        [one] if dir.account(*one).kind == AccountKind::Group => Err(NameError::Group {
            name: name.to_owned(),
            qualified: dir.qualified(*one),
        }),
        [one] => Ok(*one),
        several => Err(NameError::Ambiguous {
            name: name.to_owned(),
            read: source.to_owned(),
            candidates: several.iter().map(|a| dir.qualified(*a)).collect(),
        }),
    }
}

/// Every principal `name` may mean, each once, in the directory's order.
fn candidates(dir: &Directory, name: &str) -> Vec<AccountId> {
    let mut found: Vec<AccountId> = match name.rsplit_once('@') {
        Some((bare, domain)) => accounts_named(dir, bare, Some(domain)).collect(),
        None => {
            let mut found: Vec<AccountId> = accounts_named(dir, name, None).collect();
            found.extend(machine_accounts(dir, name));
            found
        }
    };
    found.sort_unstable();
    found.dedup();
    found
}

/// The accounts named `bare` (in `domain`, if given).
fn accounts_named<'a>(
    dir: &'a Directory,
    bare: &'a str,
    domain: Option<&'a str>,
) -> impl Iterator<Item = AccountId> + 'a {
    dir.account_ids().filter(move |a| {
        let account = dir.account(*a);
        account.name.eq_ignore_ascii_case(bare)
            && domain.is_none_or(|d| dir.domain(account.domain).name.eq_ignore_ascii_case(d))
    })
}

/// The machine accounts a machine's name means: of the machine named `name` (a topology's
/// `files01`, an imported `files01.corp.local`), of the machine whose short name and domain
/// a DNS name gives (`FILES01.CORP.LOCAL` for `files01` in `corp.local`), and the account
/// `FILES01$` of that domain.
fn machine_accounts(dir: &Directory, name: &str) -> Vec<AccountId> {
    let dns = name.split_once('.');
    let mut found: Vec<AccountId> = dir
        .machines
        .iter()
        .filter(|m| {
            m.name.eq_ignore_ascii_case(name)
                || dns.is_some_and(|(short, domain)| {
                    m.name.eq_ignore_ascii_case(short)
                        && m.domain
                            .is_some_and(|d| dir.domain(d).name.eq_ignore_ascii_case(domain))
                })
        })
        .filter_map(|m| m.account)
        .collect();
    if let Some((short, domain)) = dns {
        let account = format!("{short}$");
        found.extend(
            accounts_named(dir, &account, Some(domain))
                .filter(|a| dir.account(*a).kind == AccountKind::Computer),
        );
    }
    found
}

/// Every user and computer account of a directory of at most [`LISTED`] of them, as
/// `name@domain`; none for a larger one.
fn small_list(dir: &Directory) -> Vec<String> {
    let principals: Vec<AccountId> = dir
        .account_ids()
        .filter(|a| dir.account(*a).kind != AccountKind::Group)
        .take(LISTED + 1)
        .collect();
    if principals.len() > LISTED {
        return Vec::new();
    }
    principals.iter().map(|a| dir.qualified(*a)).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test reports failure by panicking")]

    use std::sync::Arc;

    use tokenhop_model::net::directory::{Account, Domain, Machine};

    use super::*;

    fn directory() -> (Directory, [AccountId; 5]) {
        let mut dir = Directory::default();
        let domain = |name: &str| Domain {
            name: Arc::from(name),
            forest: Arc::from(name),
            functional_level: 2016,
            kdc: 2019,
            ticket_signatures: true,
            rbcd_sensitive_enforced: true,
            sid: None,
            machine_account_quota: 10,
        };
        let corp = dir.push_domain(domain("corp.local")).unwrap();
        let other = dir.push_domain(domain("other.local")).unwrap();
        let alice = dir
            .push_account(Account::new("alice", corp, AccountKind::User, 1100))
            .unwrap();
        let alice2 = dir
            .push_account(Account::new("alice", other, AccountKind::User, 1100))
            .unwrap();
        let ws = dir
            .push_account(Account::new("WS01$", corp, AccountKind::Computer, 1101))
            .unwrap();
        let admins = dir
            .push_account(Account::new("Admins", corp, AccountKind::Group, 1102))
            .unwrap();
        let dotted = dir
            .push_account(Account::new("john.smith", corp, AccountKind::User, 1103))
            .unwrap();
        dir.push_machine(Machine {
            name: Arc::from("ws01.corp.local"),
            domain: Some(corp),
            account: Some(ws),
            dc: false,
            credential_guard: false,
        })
        .unwrap();
        (dir, [alice, alice2, ws, admins, dotted])
    }

    #[test]
    fn bloodhound_and_sam_names_find_the_principal_without_regard_to_case() {
        let (dir, [alice, alice2, ws, _, dotted]) = directory();
        for (name, want) in [
            ("ALICE@CORP.LOCAL", alice),
            ("alice@other.local", alice2),
            ("WS01.CORP.LOCAL", ws),
            ("ws01.corp.local", ws),
            ("WS01$@corp.local", ws),
            ("ws01$", ws),
            ("john.smith", dotted),
            ("JOHN.SMITH@corp.local", dotted),
        ] {
            assert_eq!(principal(&dir, name, "f"), Ok(want), "{name}");
        }
    }

    #[test]
    fn unknown_ambiguous_and_group_names_are_errors_naming_the_name() {
        let (dir, _) = directory();
        let unknown = principal(&dir, "bob@corp.local", "f.yaml").unwrap_err();
        assert!(matches!(unknown, NameError::Unknown { .. }));
        let text = unknown.to_string();
        assert!(
            text.contains("`bob@corp.local`") && text.contains("f.yaml"),
            "{text}"
        );
        assert!(
            text.contains("alice@corp.local"),
            "a small directory lists its principals: {text}"
        );
        let ambiguous = principal(&dir, "alice", "f.yaml").unwrap_err();
        assert_eq!(
            ambiguous,
            NameError::Ambiguous {
                name: "alice".to_owned(),
                read: "f.yaml".to_owned(),
                candidates: vec![
                    "alice@corp.local".to_owned(),
                    "alice@other.local".to_owned()
                ],
            }
        );
        assert!(matches!(
            principal(&dir, "admins@corp.local", "f.yaml"),
            Err(NameError::Group { .. })
        ));
    }
}
