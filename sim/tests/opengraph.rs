//! Reach answers written as BloodHound OpenGraph payloads (`reach::opengraph`), for every
//! topology fixture and every collection fixture, owning each principal in turn:
//!
//! - each payload satisfies the published OpenGraph rules, as
//!   `fixtures/schemas/opengraph.schema.json` states them, checked by a JSON Schema
//!   validator, and the rules the documentation states in prose only (no colon in an id, no
//!   kind in the reserved `tag` namespace, property names in lower case);
//! - node ids are unique and every edge names nodes of the payload by id and first kind;
//! - each finding's edges are its path's steps replayed through `chain::step`: as many, in
//!   the same order, each of its step's kind, with the level, credentials and rules of the
//!   chain after the step, and joined end to start as a walk;
//! - accounts of an imported collection are written with the ids, kinds and names its
//!   SharpHound JSON gives them, so that BloodHound merges them with the collector's nodes;
//! - an answer that does not replay in the directory is a located error.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use tokenhop_model::net::chain::{self, ChainState, Step};
use tokenhop_model::net::directory::{AccountId, AccountKind, Directory};
use tokenhop_model::net::hop::Hold;
use tokenhop_model::net::reach::{self, Answer, Attacker, Enumeration, Index, Limits};
use tokenhop_model::rules::readings::Readings;
use tokenhop_sim::import::sharphound::{self, Settings};
use tokenhop_sim::reach::opengraph::{self, OpenGraphError};

const COLLECTIONS: [&str; 4] = [
    "sharphound-v6",
    "sharphound-v5",
    "bloodhound-py",
    "stale-target",
];

fn collection(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/collections")
        .join(name)
}

/// The schema the payloads are checked against.
fn validator() -> jsonschema::Validator {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/schemas/opengraph.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

/// One reach query and its answer.
struct Case {
    what: String,
    dir: Directory,
    readings: Readings,
    answer: Answer,
}

/// Every principal of `dir` owned in turn, from a machine in no domain.
fn queries(what: &str, dir: &Directory, readings: Readings) -> Vec<Case> {
    let (dir, machine) = common::with_attacker_machine(dir);
    let index = Index::of(&dir);
    dir.account_ids()
        .filter(|a| dir.account(*a).kind != AccountKind::Group)
        .map(|owned| {
            let attacker = Attacker {
                owned: vec![owned],
                machine,
            };
            let answer = reach::reach(
                &dir,
                &readings,
                &index,
                &attacker,
                Enumeration::Pruned,
                Limits::default(),
            );
            Case {
                what: format!("{what} owning {}", dir.qualified(owned)),
                dir: dir.clone(),
                readings,
                answer,
            }
        })
        .collect()
}

fn topology_cases() -> Vec<Case> {
    common::topologies()
        .into_iter()
        .flat_map(|(path, t)| queries(&path.display().to_string(), &t.dir, t.readings))
        .collect()
}

fn collection_cases() -> Vec<Case> {
    COLLECTIONS
        .iter()
        .flat_map(|name| {
            let imported = sharphound::import(&[collection(name)], &Settings::default()).unwrap();
            queries(name, &imported.dir, Readings::default())
        })
        .collect()
}

fn payload(case: &Case) -> Value {
    opengraph::document(&case.dir, &case.readings, &case.answer)
        .unwrap_or_else(|e| panic!("{}: {e}", case.what))
}

fn nodes(doc: &Value) -> &Vec<Value> {
    doc["graph"]["nodes"].as_array().unwrap()
}

fn edges(doc: &Value) -> &Vec<Value> {
    doc["graph"]["edges"].as_array().unwrap()
}

/// The rules the documentation states in prose only.
fn prose_rules(doc: &Value, what: &str) {
    let reserved = |kind: &str| {
        let k = kind.to_ascii_lowercase();
        k == "tag" || k.starts_with("tag_")
    };
    for n in nodes(doc) {
        let id = n["id"].as_str().unwrap();
        assert!(!id.contains(':'), "{what}: node id `{id}` has a colon");
        for k in n["kinds"].as_array().unwrap() {
            assert!(
                !reserved(k.as_str().unwrap()),
                "{what}: kind {k} is reserved"
            );
        }
        lower_case_names(&n["properties"], what);
    }
    for e in edges(doc) {
        assert!(!reserved(e["kind"].as_str().unwrap()), "{what}: {e}");
        lower_case_names(&e["properties"], what);
    }
}

fn lower_case_names(properties: &Value, what: &str) {
    for name in properties.as_object().unwrap().keys() {
        assert_eq!(*name, name.to_lowercase(), "{what}: property `{name}`");
    }
}

/// Node ids are unique, and every edge names a node of the payload by its id and first kind.
fn edges_name_nodes(doc: &Value, what: &str) {
    let mut kinds: HashMap<&str, &str> = HashMap::new();
    for n in nodes(doc) {
        let id = n["id"].as_str().unwrap();
        let first = n["kinds"][0].as_str().unwrap();
        assert!(
            kinds.insert(id, first).is_none(),
            "{what}: two nodes `{id}`"
        );
    }
    for e in edges(doc) {
        for end in [&e["start"], &e["end"]] {
            assert_eq!(end["match_by"], "id", "{what}: {e}");
            let id = end["value"].as_str().unwrap();
            let kind = kinds
                .get(id)
                .unwrap_or_else(|| panic!("{what}: no node `{id}`"));
            assert_eq!(end["kind"].as_str(), Some(*kind), "{what}: {e}");
        }
    }
}

/// The edge kind each step is written as, stated here apart from the module as the oracle
/// the module's table is checked against.
fn expected_kind(step: &Step) -> &'static str {
    match step {
        Step::OwnKey { .. } => "TH_OwnKey",
        Step::Start { .. } => "TH_Logon",
        Step::StartService { .. } => "TH_Process",
        Step::Call(_) => "TH_Call",
        Step::KeyS4u2self { .. } => "TH_S4U2Self",
        Step::KeyS4u2proxy { .. } => "TH_S4U2Proxy",
        Step::AltService { .. } => "TH_AltService",
        Step::Present { .. } => "TH_Present",
        Step::SetRbcd { .. } => "TH_RBCDWrite",
        Step::Coerce { .. } => "TH_Coerce",
        Step::S4u2self { .. } => "TH_ServiceS4U2Self",
        Step::TamperForwardable => "TH_TamperForwardable",
        Step::CreateProcess { .. } => "TH_CreateProcess",
        Step::Wait { .. } => "TH_Wait",
        Step::Access { .. } => "TH_Access",
    }
}

/// Each finding's edges are its path replayed: one per step, in order, each of its step's
/// kind and carrying the chain's state after the step; each starts where the one before
/// ended (or, after a step that acts elsewhere, where that one started).
fn edges_replay_paths(case: &Case, doc: &Value) {
    let mut by_finding: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
    for e in edges(doc) {
        let f = e["properties"]["finding"].as_u64().unwrap();
        by_finding.entry(f).or_default().push(e);
    }
    assert_eq!(
        by_finding.len(),
        case.answer.findings.len(),
        "{}: every finding has edges",
        case.what
    );
    for (i, finding) in case.answer.findings.iter().enumerate() {
        let what = format!("{}, finding {i}", case.what);
        let written = &by_finding[&u64::try_from(i).unwrap()];
        assert_eq!(
            written.len(),
            finding.path.len(),
            "{what}: one edge per step"
        );
        let mut state = ChainState::default();
        for (n, (p, e)) in finding.path.iter().zip(written).enumerate() {
            let (next, outcome) = chain::step(&case.dir, &case.readings, &state, &p.step);
            assert!(outcome.result.is_ok(), "{what}: step {n} replays");
            let holder = next.holder.as_ref().unwrap();
            let props = &e["properties"];
            assert_eq!(
                props["step"].as_u64(),
                Some(u64::try_from(n).unwrap()),
                "{what}"
            );
            assert_eq!(e["kind"], expected_kind(&p.step), "{what}: step {n}");
            let level = match holder.hold {
                Hold::Own => "Own".to_owned(),
                Hold::Impersonating(l) => l.to_string(),
            };
            assert_eq!(props["level"], level.as_str(), "{what}: step {n}");
            assert_eq!(props["credentials"], holder.credentials.word(), "{what}");
            let rules: Vec<&str> = p.rules.iter().map(|r| r.code()).collect();
            let written_rules: Vec<&str> = props["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            assert_eq!(written_rules, rules, "{what}: step {n}");
            if let Some(a) = holder.presents
                && case.dir.account(a).kind == AccountKind::User
            {
                let name = case.dir.qualified(a).to_uppercase();
                assert_eq!(props["as"], name.as_str(), "{what}: step {n}");
            }
            state = next;
        }
        for pair in written.windows(2) {
            let side = matches!(pair[0]["kind"].as_str(), Some("TH_RBCDWrite" | "TH_Access"));
            let from = if side {
                &pair[0]["start"]
            } else {
                &pair[0]["end"]
            };
            assert_eq!(pair[1]["start"]["value"], from["value"], "{what}: a walk");
        }
        let last = written.last().unwrap();
        assert!(
            last["properties"]["gain"].is_string(),
            "{what}: the finding"
        );
    }
}

fn check(cases: &[Case]) -> usize {
    let validator = validator();
    let mut hops = 0;
    for case in cases {
        let doc = payload(case);
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", case.what);
        prose_rules(&doc, &case.what);
        edges_name_nodes(&doc, &case.what);
        edges_replay_paths(case, &doc);
        hops += edges(&doc).len();
    }
    hops
}

#[test]
fn topology_fixtures_reach_as_opengraph_payloads_that_satisfy_the_schema_and_replay() {
    let hops = check(&topology_cases());
    assert!(hops > 0, "the fixtures give the payloads edges to check");
}

#[test]
fn collection_fixtures_reach_as_opengraph_payloads_that_satisfy_the_schema_and_replay() {
    let hops = check(&collection_cases());
    assert!(hops > 0, "the collections give the payloads edges to check");
}

/// Each object's `ObjectIdentifier` and `Properties.name` in a collection's JSON files.
fn collected_names(name: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(collection(name)).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let file: Value = serde_json::from_str(&text).unwrap();
        for obj in file["data"].as_array().unwrap() {
            if let (Some(id), Some(n)) = (
                obj["ObjectIdentifier"].as_str(),
                obj["Properties"]["name"].as_str(),
            ) {
                out.insert(id.to_owned(), n.to_owned());
            }
        }
    }
    out
}

#[test]
fn accounts_of_a_collection_are_written_as_sharphound_writes_them_so_bloodhound_merges_them() {
    let collected = collected_names("sharphound-v6");
    let mut accounts = HashSet::new();
    for case in queries(
        "sharphound-v6",
        &sharphound::import(&[collection("sharphound-v6")], &Settings::default())
            .unwrap()
            .dir,
        Readings::default(),
    ) {
        for n in nodes(&payload(&case)) {
            let kinds = n["kinds"].as_array().unwrap();
            if !matches!(kinds[0].as_str(), Some("User" | "Computer" | "Group")) {
                continue;
            }
            let id = n["id"].as_str().unwrap();
            let name = collected
                .get(id)
                .unwrap_or_else(|| panic!("{}: `{id}` is no object of the collection", case.what));
            assert_eq!(n["properties"]["name"], name.as_str(), "{}", case.what);
            assert_eq!(kinds[1], "Base");
            accounts.insert(id.to_owned());
        }
    }
    assert!(
        accounts.len() > 2,
        "several of the collection's accounts appear: {accounts:?}"
    );
}

fn account(dir: &Directory, name: &str) -> AccountId {
    dir.account_ids()
        .find(|a| dir.account(*a).name.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("no account {name}"))
}

#[test]
fn constrained_delegation_by_key_is_written_as_s4u2self_s4u2proxy_altservice_and_present() {
    let imported =
        sharphound::import(&[collection("sharphound-v6")], &Settings::default()).unwrap();
    let svc_web = account(&imported.dir, "svc-web");
    let case = queries("sharphound-v6", &imported.dir, Readings::default())
        .into_iter()
        .find(|c| c.answer.findings.iter().any(|f| {
            matches!(f.path.first().map(|p| &p.step), Some(Step::OwnKey { account, .. }) if *account == svc_web)
        }))
        .unwrap();
    let doc = payload(&case);
    // svc-web (S-1-5-21-1000-2000-3000-1108) may delegate to cifs/files01 with protocol
    // transition: its key gives a ticket to FILES01$ (-1103) in another user's name.
    let proxy = edges(&doc)
        .iter()
        .find(|e| e["kind"] == "TH_S4U2Proxy")
        .unwrap_or_else(|| panic!("{}: no S4U2proxy edge", case.what));
    assert_eq!(proxy["start"]["value"], "S-1-5-21-1000-2000-3000-1108");
    assert_eq!(proxy["end"]["value"], "S-1-5-21-1000-2000-3000-1103");
    assert_eq!(proxy["end"]["kind"], "Computer");
    let spn = proxy["properties"]["spn"].as_str().unwrap();
    assert!(
        spn.eq_ignore_ascii_case("cifs/files01.corp.local")
            || spn.eq_ignore_ascii_case("cifs/FILES01")
    );
    let kinds: HashSet<&str> = edges(&doc)
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for k in ["TH_OwnKey", "TH_S4U2Self", "TH_S4U2Proxy", "TH_Present"] {
        assert!(kinds.contains(k), "{}: a {k} edge", case.what);
    }
}

#[test]
fn an_answer_that_does_not_replay_is_a_located_error() {
    let case = topology_cases()
        .into_iter()
        .find(|c| c.answer.findings.len() > 1)
        .unwrap();
    let mut answer = case.answer.clone();
    let i = answer.findings.len() - 1;
    // A step that needs a chain, taken first.
    answer.findings[i].path[0].step = Step::TamperForwardable;
    let err = opengraph::document(&case.dir, &case.readings, &answer).unwrap_err();
    let OpenGraphError::Replay { finding, step, .. } = err.clone();
    assert_eq!((finding, step), (i, 0), "{}: {err}", case.what);
    assert!(err.to_string().contains(&format!("finding {i}, step 0")));
}

/// A payload the schema accepts, with one of each kind of node end edge part.
fn valid_payload() -> Value {
    serde_json::json!({
        "metadata": { "source_kind": "Example" },
        "graph": {
            "nodes": [
                { "id": "A", "kinds": ["User", "Base"], "properties": { "name": "A@X", "tags": ["a", "b"] } },
                { "id": "B", "kinds": ["TH_Service"], "properties": null }
            ],
            "edges": [
                {
                    "kind": "TH_Call",
                    "start": { "match_by": "id", "value": "A", "kind": "User" },
                    "end": { "value": "B" },
                    "properties": { "rules": ["LVL-1"], "step": 0, "direct": true }
                },
                {
                    "kind": "TH_Present",
                    "start": {
                        "match_by": "property",
                        "property_matchers": [{ "key": "name", "operator": "equals", "value": "A@X" }]
                    },
                    "end": { "match_by": "name", "value": "B" },
                    "properties": {}
                }
            ]
        }
    })
}

#[test]
fn the_schema_refuses_what_the_published_rules_refuse() {
    let validator = validator();
    let valid = valid_payload();
    assert!(validator.is_valid(&valid), "the example is valid");
    let mutations: [(&str, &str, Value); 12] = [
        (
            "a null property",
            "/graph/nodes/0/properties/name",
            Value::Null,
        ),
        (
            "an object property",
            "/graph/nodes/0/properties/name",
            serde_json::json!({ "a": 1 }),
        ),
        (
            "a mixed array",
            "/graph/nodes/0/properties/tags",
            serde_json::json!(["a", 1]),
        ),
        (
            "an array of objects",
            "/graph/edges/0/properties/rules",
            serde_json::json!([{ "a": 1 }]),
        ),
        (
            "objectid in a node",
            "/graph/nodes/0/properties/objectid",
            "S-1".into(),
        ),
        (
            "four kinds",
            "/graph/nodes/1/kinds",
            serde_json::json!(["A", "B", "C", "D"]),
        ),
        ("no kind", "/graph/nodes/1/kinds", serde_json::json!([])),
        (
            "a dash in an edge kind",
            "/graph/edges/0/kind",
            "TH-Call".into(),
        ),
        (
            "value beside property matchers",
            "/graph/edges/1/start/value",
            "A".into(),
        ),
        (
            "matchers beside an id",
            "/graph/edges/0/end/property_matchers",
            serde_json::json!([{ "key": "name", "operator": "equals", "value": "B" }]),
        ),
        (
            "another operator",
            "/graph/edges/1/start/property_matchers/0/operator",
            "contains".into(),
        ),
        ("more metadata", "/metadata/version", 1.into()),
    ];
    for (what, pointer, value) in mutations {
        let mut doc = valid.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let slot = doc.pointer_mut(parent).unwrap();
        match slot {
            Value::Object(map) => {
                map.insert(key.to_owned(), value);
            }
            Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
            _ => panic!("{what}: {parent} holds no object or array"),
        }
        assert!(!validator.is_valid(&doc), "the schema accepts {what}");
    }
    for (what, pointer) in [
        ("an edge without properties", "/graph/edges/0/properties"),
        ("an edge without its end", "/graph/edges/0/end"),
        ("an id endpoint without value", "/graph/edges/0/start/value"),
        ("a node without id", "/graph/nodes/0/id"),
        ("a graph without edges", "/graph/edges"),
    ] {
        let mut doc = valid.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        doc.pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .unwrap()
            .remove(key)
            .unwrap();
        assert!(!validator.is_valid(&doc), "the schema accepts {what}");
    }
}
