//! Metamorphic properties of delegation across machines: a change to a generated directory
//! (or to what a client asks for) that the documents say can only take away never lets a
//! user's chains reach more, and one that can only give never takes away. Reach is the set
//! of (entry service, service or right on a resource, identity presented) a user's chains
//! get from the workstation, each with the best level held, searched over `chain::step`
//! (`tokenhop_properties::reach`); where the change is to the directory, the delegation
//! graph's query (`DelegationGraph::build` + `graph::reach`, per entry) is held to the
//! same property. Two more properties hold the graph's query to the hop model it
//! summarises, in each direction.
//!
//! A failing case shrinks to a small directory and prints as topology files (format v1):
//! the directory before and after the change, each with a chain `replay` that reaches the
//! place the property is about; `tokenhop explain` narrates where they part.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use tokenhop_model::core::level::ImpersonationLevel;
use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{AccountId, Protocol, ServiceId};
use tokenhop_model::net::graph::{self, DelegationGraph};
use tokenhop_properties::directories::{
    Alternative, Built, DirectorySpec, Replay, ReplayExpect, Size, build, directory_spec, topology,
};
use tokenhop_properties::reach::{
    Asking, Excess, Key, KeyName, Place, PlaceName, Reach, graph_reach, rank_name, reach,
    reach_entering, request,
};
use tokenhop_sim::Document;

/// Cases per metamorphic property, and for the printing check (which also loads and runs
/// each file): the whole file runs in about five seconds on two cores. Set
/// `PROPTEST_CASES` for a longer hunt.
const CASES: u32 = 512;
const PRINTED_CASES: u32 = 256;

fn config_with(cases: u32) -> ProptestConfig {
    let base = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            base.cases
        } else {
            cases
        },
        ..base
    }
}

fn config() -> ProptestConfig {
    config_with(CASES)
}

fn level() -> impl Strategy<Value = ImpersonationLevel> {
    prop::sample::select(ImpersonationLevel::ALL.to_vec())
}

/// What the client asks for: mostly the most (Delegate everywhere), sometimes any levels.
fn asking() -> impl Strategy<Value = Asking> {
    prop_oneof![
        3 => Just(Asking::MOST),
        1 => (level(), level()).prop_map(|(first, onward)| Asking { first, onward }),
    ]
}

fn level_of(rank: u8) -> Option<ImpersonationLevel> {
    ImpersonationLevel::ALL
        .into_iter()
        .find(|l| *l as u8 == rank)
}

fn user_of(built: &Built, pick: u8) -> AccountId {
    built.users[usize::from(pick) % built.users.len()]
}

/// A chain `replay` of `steps`, its last step expected to succeed presenting `user`.
fn replay(steps: Vec<Step>, user: AccountId, level: Option<ImpersonationLevel>) -> Replay {
    Replay {
        name: "replay".to_owned(),
        description: "the chain the property is about".to_owned(),
        steps,
        expect: Some(ReplayExpect {
            ok: true,
            presents: Some(user),
            level,
        }),
    }
}

/// Both directories as topology files, `replays` added to each.
fn both(property: &str, found: &str, a: (&Built, &str), b: (&Built, &str), r: &[Replay]) -> String {
    format!(
        "\n# ---- {} ----\n{}\n# ---- {} ----\n{}",
        a.1,
        topology(a.0, &format!("{property}-{}", a.1), found, r),
        b.1,
        topology(b.0, &format!("{property}-{}", b.1), found, r),
    )
}

/// The message of a failed property: the change, the place, and both directories as
/// topology files with the chain that reaches the place where it is reached.
fn counterexample(
    property: &str,
    change: &str,
    wide: (&Built, &str),
    narrow: (&Built, &str),
    user: AccountId,
    excess: &Excess,
) -> String {
    let dir = &wide.0.dir;
    let found = format!(
        "{} reaches {} at {} {}, and {}",
        dir.qualified(user),
        KeyName(dir, excess.key.entry, &excess.key.place),
        rank_name(excess.way.rank),
        wide.1,
        excess.other.map_or_else(
            || format!("not at all {}", narrow.1),
            |r| format!("only at {} {}", rank_name(r), narrow.1)
        )
    );
    let r = [replay(
        excess.way.steps.clone(),
        user,
        level_of(excess.way.rank),
    )];
    format!(
        "{property}: {change}: {found}\n{}",
        both(property, &found, wide, narrow, &r)
    )
}

/// The message of a failed QoS property: one topology with the chain that reaches the
/// place asking the lower levels, and the same chain asking the higher ones.
fn qos_counterexample(
    built: &Built,
    user: AccountId,
    change: &str,
    high: Asking,
    excess: &Excess,
) -> String {
    let dir = &built.dir;
    let found = format!(
        "{} reaches {} at {} asking less, and {} asking more",
        dir.qualified(user),
        KeyName(dir, excess.key.entry, &excess.key.place),
        rank_name(excess.way.rank),
        excess.other.map_or_else(
            || "not at all".to_owned(),
            |r| format!("only at {}", rank_name(r))
        )
    );
    let mut first = true;
    let higher: Vec<Step> = excess
        .way
        .steps
        .iter()
        .map(|step| match step {
            Step::Call(req) => {
                let level = if first { high.first } else { high.onward };
                first = false;
                Step::Call(request(dir, req.service, level))
            }
            other => other.clone(),
        })
        .collect();
    let level = level_of(excess.way.rank);
    let mut lower = replay(excess.way.steps.clone(), user, level);
    lower.name = "replay-lower".to_owned();
    let mut higher = replay(higher, user, level);
    higher.name = "replay-higher".to_owned();
    format!(
        "lvl-3-qos: {change}: {found}\n\n{}",
        topology(built, "lvl-3-qos", &found, &[lower, higher])
    )
}

/// Checks that `narrow`'s reach for `user` asking `asking` is within `wide`'s, by the
/// chain search, and that the graph's query for `user` in `narrow` is within its answer in
/// `wide`; the message prints the case.
fn within(
    property: &str,
    change: &str,
    narrow: (&Built, &str),
    wide: (&Built, &str),
    user: AccountId,
    asking: Asking,
) -> Result<(), TestCaseError> {
    let small = reach(
        &narrow.0.dir,
        &narrow.0.readings,
        user,
        &[narrow.0.workstation],
        asking,
    );
    let large = reach(
        &wide.0.dir,
        &wide.0.readings,
        user,
        &[wide.0.workstation],
        asking,
    );
    if let Some(excess) = small.excess_over(&large) {
        prop_assert!(
            false,
            "{}",
            counterexample(property, change, narrow, wide, user, &excess)
        );
    }
    let g_small = graph_reach(&narrow.0.dir, &narrow.0.readings, user).unwrap();
    let g_large = graph_reach(&wide.0.dir, &wide.0.readings, user).unwrap();
    let extra: Vec<String> = g_small
        .difference(&g_large)
        .map(|(e, p)| KeyName(&narrow.0.dir, *e, p).to_string())
        .collect();
    if !extra.is_empty() {
        let found = format!(
            "the delegation graph's query reaches [{}] for {} {} and not {}",
            extra.join(", "),
            narrow.0.dir.qualified(user),
            narrow.1,
            wide.1
        );
        prop_assert!(
            false,
            "{property}: {change}: {found}\n{}",
            both(property, &found, narrow, wide, &[])
        );
    }
    Ok(())
}

/// Removes one msDS-AllowedToDelegateTo entry and checks the reach does not widen. Half the
/// time (an even `account`) the entry is one a chain of the user's uses (a call from a
/// front end to a back end its account lists), when there is one; otherwise any entry
/// (giving a service's account one first if no account has any).
fn target_removal(
    spec: &DirectorySpec,
    account: u8,
    target: u8,
    user: u8,
    asking: Asking,
) -> Result<(), TestCaseError> {
    let mut before = build(spec).unwrap();
    let u = user_of(&before, user);
    let entries = |b: &Built| -> Vec<(usize, Arc<str>)> {
        b.dir
            .accounts
            .iter()
            .enumerate()
            .flat_map(|(i, a)| {
                a.allowed_to_delegate_to
                    .iter()
                    .map(move |s| (i, Arc::clone(s)))
            })
            .collect()
    };
    if entries(&before).is_empty() {
        let n = before.dir.services.len();
        let from = before.dir.services[usize::from(account) % n].account;
        let spn = Arc::clone(&before.dir.services[usize::from(target) % n].spn);
        before
            .dir
            .account_mut(from)
            .allowed_to_delegate_to
            .push(spn);
    }
    let all = entries(&before);
    let mut used: Vec<(usize, Arc<str>)> = Vec::new();
    let found = reach(
        &before.dir,
        &before.readings,
        u,
        &[before.workstation],
        asking,
    );
    for way in found.places.values() {
        let calls: Vec<ServiceId> = way
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Call(req) => Some(req.service),
                _ => None,
            })
            .collect();
        for pair in calls.windows(2) {
            let (front, back) = (before.dir.service(pair[0]), before.dir.service(pair[1]));
            let entry = (front.account.index(), Arc::clone(&back.spn));
            if all.contains(&entry) && !used.contains(&entry) {
                used.push(entry);
            }
        }
    }
    let pool = if account.is_multiple_of(2) && !used.is_empty() {
        &used
    } else {
        &all
    };
    let (a, removed) = pool[usize::from(target) % pool.len()].clone();
    let mut after = before.clone();
    after.dir.accounts[a]
        .allowed_to_delegate_to
        .retain(|s| *s != removed);
    let id = AccountId(u32::try_from(a).unwrap());
    within(
        "ad-9-constrained-target",
        &format!(
            "removing {removed} from {}'s msDS-AllowedToDelegateTo",
            before.dir.qualified(id)
        ),
        (&after, "removed"),
        (&before, "listed"),
        u,
        asking,
    )
}

proptest! {
    #![proptest_config(config())]

    /// LVL-8 (with HOP-1, ATK-5): SeImpersonatePrivilege only lifts the level a server
    /// impersonates its clients at, from Identification to the full level; granting it to
    /// a service never lowers a level any user's chain obtains anywhere, nor takes a place
    /// away.
    #[test]
    fn granting_se_impersonate_privilege_never_lowers_an_obtained_level_lvl_8(
        spec in directory_spec(Size::SMALL),
        service in any::<u8>(),
        user in any::<u8>(),
        asking in asking(),
    ) {
        let mut without = spec.clone();
        let k = usize::from(service) % without.services.len();
        without.services[k].lacks_impersonate_privilege = true;
        let mut with = without.clone();
        with.services[k].lacks_impersonate_privilege = false;
        let (before, after) = (build(&without).unwrap(), build(&with).unwrap());
        let name = before.dir.service(ServiceId(u32::try_from(k).unwrap())).name.clone();
        within(
            "lvl-8-privilege",
            &format!("granting SeImpersonatePrivilege to {name}"),
            (&before, "without-privilege"),
            (&after, "with-privilege"),
            user_of(&before, user),
            asking,
        )?;
    }

    /// AD-5 and AD-13 (with KRB-2, S4U-2, S4U-3): NOT_DELEGATED only withholds
    /// FORWARDABLE from the user's tickets; marking a user never widens its reach nor
    /// raises a level it gets.
    #[test]
    fn marking_a_user_not_delegated_never_widens_its_reach_ad_5_ad_13(
        spec in directory_spec(Size::SMALL),
        user in any::<u8>(),
        asking in asking(),
    ) {
        let mut plain = spec.clone();
        let i = usize::from(user) % plain.users.len();
        plain.users[i].not_delegated = false;
        let mut marked = plain.clone();
        marked.users[i].not_delegated = true;
        let (before, after) = (build(&plain).unwrap(), build(&marked).unwrap());
        let u = before.users[i];
        within(
            "ad-5-not-delegated",
            &format!("marking {} NOT_DELEGATED", before.dir.qualified(u)),
            (&after, "not-delegated"),
            (&before, "delegable"),
            u,
            asking,
        )?;
    }

    /// AD-6, AD-7 and AD-13 (with NET-4, S4U-8): Protected Users membership withholds
    /// delegation (where the domain's level allows), NTLM and CredSSP; adding a user to it
    /// never widens its reach nor raises a level it gets.
    #[test]
    fn adding_a_user_to_protected_users_never_widens_its_reach_ad_6_ad_13(
        spec in directory_spec(Size::SMALL),
        user in any::<u8>(),
        asking in asking(),
    ) {
        let mut plain = spec.clone();
        let i = usize::from(user) % plain.users.len();
        plain.users[i].protected_users = false;
        let mut member = plain.clone();
        member.users[i].protected_users = true;
        let (before, after) = (build(&plain).unwrap(), build(&member).unwrap());
        let u = before.users[i];
        within(
            "ad-6-protected-users",
            &format!("adding {} to Protected Users", before.dir.qualified(u)),
            (&after, "protected"),
            (&before, "unprotected"),
            u,
            asking,
        )?;
    }

    /// LVL-3, LVL-4, LVL-11 and KRB-2 (with NET-5, NET-6): the level a client asks for
    /// caps what the server gets and whether Kerberos delegates; asking a lower level, at
    /// the user's own call, at the calls onward or at both, never widens reach nor raises a
    /// level. Restated for the calls a client can make: an SMB call asks at most
    /// Impersonate, since a pipe open asking for Delegate is refused (NET-5) while the
    /// redirector asks for delegation itself (NET-6); asked literally, Delegate over SMB
    /// reaches less than Anonymous does.
    #[test]
    fn asking_a_lower_level_never_widens_reach_lvl_3_lvl_4_krb_2(
        spec in directory_spec(Size::SMALL),
        user in any::<u8>(),
        levels in (level(), level()),
        which in 0u8..3,
    ) {
        let built = build(&spec).unwrap();
        let u = user_of(&built, user);
        let (lo, hi) = if levels.0 <= levels.1 { levels } else { (levels.1, levels.0) };
        let high = Asking { first: hi, onward: hi };
        let low = match which {
            0 => Asking { first: lo, onward: lo },
            1 => Asking { first: lo, onward: hi },
            _ => Asking { first: hi, onward: lo },
        };
        let wide = reach(&built.dir, &built.readings, u, &[built.workstation], high);
        let narrow = reach(&built.dir, &built.readings, u, &[built.workstation], low);
        if let Some(excess) = narrow.excess_over(&wide) {
            let change = format!(
                "asking {} at the first call and {} onward instead of {hi} at every call",
                low.first, low.onward
            );
            prop_assert!(false, "{}", qos_counterexample(&built, u, &change, high, &excess));
        }
    }

    /// AD-9 and S4U-4 (with S4U-6, KRB-7): msDS-AllowedToDelegateTo is the list of SPNs a
    /// front end may delegate to; removing one of its entries never widens the user's
    /// reach nor raises a level. Restated under the default reading of OQD-2: under
    /// `a2d2-first` a listed SPN is decided by the classic path, which refuses the
    /// non-forwardable evidence RBCD would take, so there removing the entry gives
    /// (`removing_a_target_can_widen_reach_under_oqd_2_a2d2_first` shows a case). OQD-1's
    /// `forwardable`, under which emptying the list makes S4U2self tickets forwardable,
    /// stays in: RBCD takes a non-sensitive user's non-forwardable S4U2self ticket anyway
    /// (S4U-7), so it gives nothing more.
    #[test]
    fn removing_a_constrained_delegation_target_never_widens_reach_ad_9_s4u_4(
        spec in directory_spec(Size::SMALL),
        account in any::<u8>(),
        target in any::<u8>(),
        user in any::<u8>(),
        asking in asking(),
    ) {
        let mut spec = spec;
        spec.readings.retain(|a| *a != Alternative::Oqd2A2d2First);
        target_removal(&spec, account, target, user, asking)?;
    }

    /// The hops reach nothing the graph's query misses: for every user and entry service,
    /// each service the chain search reaches as the user entering there (from the
    /// workstation, or for an ncalrpc entry from its machine) is in the query's answer,
    /// and so is each right on a resource, under HOP-5's default reading for a service
    /// that holds SeTcbPrivilege without SeImpersonatePrivilege.
    #[test]
    fn the_hops_reach_nothing_the_graph_query_misses_ad_3_s4u_4_s4u_5_lvl_5(
        spec in directory_spec(Size::SMALL),
    ) {
        agreement(&build(&spec).unwrap(), false)?;
    }
}

proptest! {
    #![proptest_config(config_with(PRINTED_CASES))]

    /// The printed file is the case: every generated directory prints as a topology that
    /// `load_str` reads back to the same directory and readings, and the chains that
    /// replay what the search found run with every expectation met.
    #[test]
    fn a_printed_case_loads_as_the_same_directory_and_replays(
        spec in directory_spec(Size::SMALL),
        user in any::<u8>(),
    ) {
        check_printed(&spec, user)?;
    }
}

proptest! {
    #![proptest_config(config())]

    /// The graph's query claims nothing the hops do not reach: every service it says a
    /// user reaches from an entry, the chain search reaches too.
    #[test]
    fn the_graph_query_reaches_nothing_the_hops_do_not_net_4_s4u_4(
        spec in directory_spec(Size::SMALL),
    ) {
        let built = build(&spec).unwrap();
        agreement(&built, true)?;
    }
}

/// Compares the graph's query with the chain search for every user and entry: with
/// `graph_side`, that the graph claims nothing the hops miss; otherwise the converse.
fn agreement(built: &Built, graph_side: bool) -> Result<(), TestCaseError> {
    let g = DelegationGraph::build(&built.dir, &built.readings).unwrap();
    for user in &built.users {
        for entry in built.dir.service_ids() {
            let from = if built.dir.service(entry).protocol == Protocol::Ncalrpc {
                built.dir.service(entry).machine
            } else {
                built.workstation
            };
            let by_graph = graph::reach(&g, *user, entry);
            let by_hops = reach_entering(
                &built.dir,
                &built.readings,
                *user,
                &[from],
                entry,
                Asking::MOST,
            );
            let mut graph_places: BTreeSet<(ServiceId, Place)> = by_graph
                .services
                .iter()
                .map(|r| (entry, Place::Service(r.service)))
                .collect();
            for r in &by_graph.resources {
                graph_places.extend(
                    r.rights
                        .iter()
                        .map(|x| (entry, Place::Resource(r.resource, Arc::from(x.as_str())))),
                );
            }
            let hop_places = by_hops.place_set();
            let dir = &built.dir;
            if graph_side {
                let Some(extra) = by_graph
                    .services
                    .iter()
                    .find(|r| !hop_places.contains(&(entry, Place::Service(r.service))))
                else {
                    continue;
                };
                let mut steps = vec![Step::Start {
                    machine: from,
                    user: *user,
                }];
                steps.extend(extra.path.iter().map(|hop| hop.step.clone()));
                let found = format!(
                    "the graph's query says {} entering at {} reaches {} by [{}]; the hops do not reach it as the user",
                    dir.qualified(*user),
                    dir.service(entry).name,
                    dir.service(extra.service).name,
                    extra
                        .path
                        .iter()
                        .map(|h| format!("{} to {}", h.kind, dir.service(h.to).name))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                prop_assert!(
                    false,
                    "{found}\n{}",
                    topology(
                        built,
                        "graph-claims-more",
                        &found,
                        &[replay(steps, *user, None)]
                    )
                );
            } else if let Some((_, extra)) = hop_places.difference(&graph_places).next() {
                let way = &by_hops.places[&Key {
                    entry,
                    place: extra.clone(),
                    presents: *user,
                }];
                let found = format!(
                    "{} entering at {} reaches {} at {} by the hops; the graph's query misses it",
                    dir.qualified(*user),
                    dir.service(entry).name,
                    PlaceName(dir, extra),
                    rank_name(way.rank)
                );
                prop_assert!(
                    false,
                    "{found}\n{}",
                    topology(
                        built,
                        "hops-reach-more",
                        &found,
                        &[replay(way.steps.clone(), *user, level_of(way.rank))]
                    )
                );
            }
        }
    }
    Ok(())
}

/// Under OQD-2 `a2d2-first` the restriction of the AD-9 property matters. Alice is in
/// Protected Users (sensitive at level 2016, AD-6) and the KDCs predate the CVE-2020-16996
/// fix (S4U-8); web1's account lists rpc2's SPN in msDS-AllowedToDelegateTo without
/// protocol transition, and rpc2's account admits it by RBCD. Alice's ticket to web1 is
/// not forwardable (AD-13), so web1 logs her on by S4U2self (non-forwardable evidence,
/// S4U-2). Under the default reading RBCD takes that evidence (S4U-7); under `a2d2-first`
/// the listed SPN is decided by the classic path, which refuses it (S4U-4), and removing
/// the entry lets RBCD decide: the removal widens alice's reach to rpc2.
#[test]
fn removing_a_target_can_widen_reach_under_oqd_2_a2d2_first() {
    use tokenhop_model::net::directory::ServiceLogon;
    use tokenhop_properties::directories::{
        AccountSpec, DomainSpec, Principal, ServerSpec, ServiceSpec, Target, UserSpec,
    };
    let server = || ServerSpec {
        dc: false,
        account: AccountSpec::default(),
    };
    let service = |server: u8, own_account: Option<AccountSpec>| ServiceSpec {
        server,
        own_account,
        protocol: Protocol::Rpc,
        logon: ServiceLogon::Network,
        tcb: true,
        lacks_impersonate_privilege: false,
        resource: None,
    };
    let mut spec = DirectorySpec {
        domain: DomainSpec {
            functional_level: 2016,
            newer_kdcs: false,
            before_rbcd_fix: true,
        },
        users: vec![UserSpec {
            not_delegated: false,
            protected_users: true,
            administrator: false,
        }],
        servers: vec![server(), server()],
        services: vec![
            service(
                0,
                Some(AccountSpec {
                    delegate_to: vec![Target::Service(1)],
                    ..AccountSpec::default()
                }),
            ),
            service(
                1,
                Some(AccountSpec {
                    allowed_to_act: vec![Principal::Service(0)],
                    ..AccountSpec::default()
                }),
            ),
        ],
        readings: Vec::new(),
    };
    target_removal(&spec, 0, 0, 0, Asking::MOST).unwrap();
    spec.readings = vec![Alternative::Oqd2A2d2First];
    let why = target_removal(&spec, 0, 0, 0, Asking::MOST)
        .expect_err("under a2d2-first the removal widens the reach")
        .to_string();
    assert!(why.contains("readings: { OQD-2: a2d2-first }"), "{why}");
    assert!(
        why.contains("alice@corp.example reaches service rpc2 (entering at rpc1) at SecurityImpersonation removed, and not at all listed"),
        "{why}"
    );
}

fn check_printed(spec: &DirectorySpec, user: u8) -> Result<(), TestCaseError> {
    let built = build(spec).unwrap();
    let u = user_of(&built, user);
    let found: Reach = reach(
        &built.dir,
        &built.readings,
        u,
        &[built.workstation],
        Asking::MOST,
    );
    let replays: Vec<Replay> = found
        .places
        .iter()
        .take(4)
        .enumerate()
        .map(|(i, (key, way))| Replay {
            name: format!("replay-{i}"),
            description: KeyName(&built.dir, key.entry, &key.place).to_string(),
            steps: way.steps.clone(),
            expect: Some(ReplayExpect {
                ok: true,
                presents: Some(key.presents),
                level: level_of(way.rank),
            }),
        })
        .collect();
    let text = topology(&built, "printed", "a generated case", &replays);
    let doc = tokenhop_sim::document::load_str(&text, Path::new("printed.yaml"));
    let Ok(Document::Topology(t)) = doc else {
        return Err(TestCaseError::fail(format!(
            "the printed case does not load: {:?}\n{text}",
            doc.err()
        )));
    };
    prop_assert_eq!(&t.dir, &built.dir, "{}", text);
    prop_assert_eq!(t.readings, built.readings, "{}", text);
    let run = tokenhop_sim::topology::run::run(&t);
    let failed: Vec<String> = run
        .failed()
        .map(|s| format!("{}: {}", s.text, s.failures.join("; ")))
        .collect();
    prop_assert!(failed.is_empty(), "{}\n{text}", failed.join("\n"));
    Ok(())
}

#[test]
fn dangling_and_self_links_are_skipped_or_kept_without_panic() {
    use tokenhop_model::net::directory::ServiceLogon;
    use tokenhop_properties::directories::{
        AccountSpec, DomainSpec, Principal, ServerSpec, ServiceSpec, Target, UserSpec,
    };
    let links = AccountSpec {
        trusted_to_auth_for_delegation: true,
        delegate_to: vec![Target::Own, Target::Dangling, Target::Service(7)],
        allowed_to_act: vec![Principal::Own, Principal::Dangling, Principal::User(3)],
        ..AccountSpec::default()
    };
    let spec = DirectorySpec {
        domain: DomainSpec {
            functional_level: 2016,
            newer_kdcs: false,
            before_rbcd_fix: false,
        },
        users: vec![UserSpec {
            not_delegated: false,
            protected_users: false,
            administrator: false,
        }],
        servers: vec![ServerSpec {
            dc: false,
            account: links.clone(),
        }],
        services: vec![ServiceSpec {
            server: 9,
            own_account: Some(links),
            protocol: Protocol::Http,
            logon: ServiceLogon::Network,
            tcb: true,
            lacks_impersonate_privilege: false,
            resource: None,
        }],
        readings: Vec::new(),
    };
    let built = build(&spec).unwrap();
    // SRV1$ runs no service, so its own-SPN target names nothing either.
    assert_eq!(built.skipped.len(), 5, "{:?}", built.skipped);
    let svc = built.dir.accounts.last().unwrap();
    assert_eq!(svc.allowed_to_delegate_to.len(), 1, "own SPN kept once");
    assert_eq!(svc.allowed_to_act.len(), 2, "itself and the user");
    check_printed(&spec, 0).unwrap();
    let text = topology(&built, "links", "dangling links", &[]);
    assert!(text.contains("# skipped: "), "{text}");
}

/// A generated directory's lists are numbered apart: at [`MOST`] users, servers and service
/// accounts each, every RID is its own (the topology loader refuses a RID taken twice); one
/// user more is refused with an error that names the list, never numbered over the servers.
#[test]
fn a_spec_longer_than_the_rids_number_apart_is_refused() {
    use tokenhop_model::net::directory::ServiceLogon;
    use tokenhop_properties::directories::{
        AccountSpec, DomainSpec, MOST, ServerSpec, ServiceSpec, TooLarge, UserSpec,
    };
    let user = UserSpec {
        not_delegated: false,
        protected_users: false,
        administrator: false,
    };
    let server = ServerSpec {
        dc: false,
        account: AccountSpec::default(),
    };
    let service = ServiceSpec {
        server: 0,
        own_account: Some(AccountSpec::default()),
        protocol: Protocol::Http,
        logon: ServiceLogon::Network,
        tcb: false,
        lacks_impersonate_privilege: false,
        resource: None,
    };
    let mut spec = DirectorySpec {
        domain: DomainSpec {
            functional_level: 2016,
            newer_kdcs: false,
            before_rbcd_fix: false,
        },
        users: vec![user.clone(); MOST],
        servers: vec![server; MOST],
        services: vec![service; MOST],
        readings: Vec::new(),
    };
    let built = build(&spec).unwrap();
    let rids: BTreeSet<u32> = built.dir.accounts.iter().map(|a| a.rid).collect();
    assert_eq!(rids.len(), built.dir.accounts.len(), "every RID its own");
    spec.users.push(user);
    assert_eq!(
        build(&spec),
        Err(TooLarge::List {
            list: "users",
            len: MOST + 1
        })
    );
}

#[test]
fn the_search_stays_within_its_budget_and_reaches_resources() {
    let mut runner = TestRunner::deterministic();
    let strategy = directory_spec(Size::SMALL);
    let started = Instant::now();
    let (mut states, mut resources, mut multi_hop) = (0, 0, 0);
    for _ in 0..64 {
        let built = build(&strategy.new_tree(&mut runner).unwrap().current()).unwrap();
        for u in &built.users {
            let r = reach(
                &built.dir,
                &built.readings,
                *u,
                &[built.workstation],
                Asking::MOST,
            );
            states += r.states;
            for (key, way) in &r.places {
                assert_eq!(
                    key.presents, *u,
                    "reach counts the user's own identity only"
                );
                resources += usize::from(matches!(key.place, Place::Resource(..)));
                multi_hop += usize::from(
                    way.steps
                        .iter()
                        .filter(|s| matches!(s, Step::Call(_)))
                        .count()
                        >= 2,
                );
            }
        }
    }
    let spent = started.elapsed();
    assert!(states > 64, "the search visits states ({states})");
    assert!(resources > 0, "some resources are reached");
    assert!(multi_hop > 0, "some places are two hops away or more");
    assert!(spent.as_secs() < 10, "64 directories took {spent:?}");
}
