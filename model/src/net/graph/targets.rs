//! Which services a call from one place answers alike: the search of the delegation graph
//! groups the services a holder may call by what the hop reads of them, evaluates the
//! chain step once per group, and calls only the members of the groups that answered.
//!
//! A group's key is everything [`crate::net::hop`] and [`crate::net::kerberos`] read of a
//! called service, its account, its machine and its domain, without names and ids, and
//! every relation between the service and the caller the hop compares (the same machine,
//! the caller's own account or the presented identity, an SPN in the caller's
//! msDS-AllowedToDelegateTo, an RBCD entry admitting the caller). Two services with one key
//! answer the same call the same way up to their names. A rule that reads something more
//! of a called service must add it here; `sim/tests/graph.rs` compares the search with one
//! that calls every service, on every fixture and on generated domains.

use super::super::chain::ChainState;
use super::super::directory::{
    AccountId, AccountKind, Directory, DomainId, LocalAccount, Protocol, ServiceId, ServiceLogon,
};
use super::super::hop::Holder;

/// What the hop reads of a called service, relative to its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TargetClass {
    protocol: Protocol,
    logon: ServiceLogon,
    com_plus: bool,
    tcb: bool,
    impersonate_privilege: bool,
    checks_impersonation: bool,
    local_account: LocalAccount,
    spn_names_account: bool,
    account: AccountClass,
    machine_domain: Option<DomainId>,
    machine_dc: bool,
    runs_as_machine_account: bool,
    same_machine: bool,
    is_caller: bool,
    account_is_callers: bool,
    account_is_presented: bool,
    machine_account_is_presented: bool,
    listed_for_caller: bool,
    admits_caller: bool,
}

/// What the hop reads of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct AccountClass {
    domain: DomainId,
    kind: AccountKind,
    rid_500: bool,
    trusted_for_delegation: bool,
    trusted_to_auth_for_delegation: bool,
    not_delegated: bool,
    protected_users: bool,
}

impl AccountClass {
    fn of(dir: &Directory, id: AccountId) -> Self {
        let a = dir.account(id);
        AccountClass {
            domain: a.domain,
            kind: a.kind,
            rid_500: a.rid == 500,
            trusted_for_delegation: a.trusted_for_delegation,
            trusted_to_auth_for_delegation: a.trusted_to_auth_for_delegation,
            not_delegated: a.not_delegated,
            protected_users: a.protected_users,
        }
    }
}

/// The class of `target` for a call from `chain`'s holder.
#[must_use]
pub fn class(
    dir: &Directory,
    chain: &ChainState,
    holder: &Holder,
    target: ServiceId,
) -> TargetClass {
    let t = dir.service(target);
    let machine = dir.machine(t.machine);
    let caller = holder.service.map(|s| dir.service(s).account);
    let listed = caller.is_some_and(|c| {
        dir.account(c)
            .allowed_to_delegate_to
            .iter()
            .any(|spn| spn.eq_ignore_ascii_case(&t.spn))
    });
    let admits = caller.is_some_and(|c| {
        chain
            .rbcd_added
            .iter()
            .any(|(target, allowed)| *target == t.account && dir.is_member(c, *allowed))
            || dir.allowed_to_act(t.account).any(|a| dir.is_member(c, a))
    });
    TargetClass {
        protocol: t.protocol,
        logon: t.logon,
        com_plus: t.com_plus,
        tcb: t.tcb,
        impersonate_privilege: t.impersonate_privilege,
        checks_impersonation: t.checks_impersonation,
        local_account: t.local_account,
        spn_names_account: dir.account_by_spn(&t.spn) == Some(t.account),
        account: AccountClass::of(dir, t.account),
        machine_domain: machine.domain,
        machine_dc: machine.dc,
        runs_as_machine_account: machine.account == Some(t.account),
        same_machine: t.machine == holder.machine,
        is_caller: holder.service == Some(target),
        account_is_callers: caller == Some(t.account),
        account_is_presented: holder.presents == Some(t.account),
        machine_account_is_presented: machine.account.is_some()
            && machine.account == holder.presents,
        listed_for_caller: listed,
        admits_caller: admits,
    }
}
