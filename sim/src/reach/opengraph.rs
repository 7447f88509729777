//! A reach [`Answer`] as a BloodHound OpenGraph payload: every hop of every finding's path
//! as one edge, between nodes that merge with a SharpHound collection's, so that a
//! BloodHound user sees tokenhop's delegation edges beside the collector's and pathfinds
//! over them.
//!
//! The format is BloodHound CE's OpenGraph ingest payload
//! (<https://bloodhound.specterops.io/opengraph/developer/graph-data>, `.../nodes`,
//! `.../edges`, `.../metadata`; its validator: github.com/SpecterOps/BloodHound,
//! `cmd/api/src/services/upload/jsonschema/`). `fixtures/schemas/opengraph.schema.json`
//! states its rules and `sim/tests/opengraph.rs` checks every payload of the fixtures
//! against it.
//!
//! # The mapping
//!
//! Each path is replayed through [`chain::step`] from [`ChainState::default`]; a hop's edge
//! goes from where the chain stood before the step to where it stands after, so that a
//! finding's edges form a walk from the owned account to what it reaches. Where the chain
//! stands: at a service, that service's node; in an attacker's tool holding a service
//! ticket, the node of the account the ticket is for (whose services it opens); otherwise
//! the node of the identity presented. Two steps leave the chain where it was and act
//! elsewhere: an RBCD write's edge ends at the account written, an access's at the
//! resource. A path's first step starts from what it names: a key or a logon from its
//! machine, a service's own process from the service's account, a coercion from its
//! victim (a later step starts where the chain stood, a key taken up after an RBCD write
//! included).
//!
//! Nodes:
//!
//! | node | kinds | id | properties |
//! | --- | --- | --- | --- |
//! | user, computer, group | `User`, `Computer` or `Group`, and `Base` (SharpHound's) | the account's SID where the directory has one (an imported collection's `ObjectIdentifier`), else its name as BloodHound writes it | `name` (`ALICE@CORP.EXAMPLE`; a computer by its DNS name, `WEB01.CORP.EXAMPLE`), `domain` |
//! | service | `TH_Service`, `TH_Base` | `TH_SERVICE/<machine>/<service>` | `name`, `spn`, `machine`, `account` (it runs as), `protocol`, `logon` |
//! | machine in no domain | `TH_Machine`, `TH_Base` | `TH_MACHINE/<name>` | `name` |
//! | resource | `TH_Resource`, `TH_Base` | `TH_RESOURCE/<machine>/<service>/<name>` | `name`, `service` |
//!
//! Ids are upper case, with `%`, `:` and `#` written `%25`, `%3A` and `%23` (BloodHound does
//! not support a colon in an id); two objects of one name are told apart by `#` and their
//! place in the directory. A joined machine is its computer account's node. Edges name
//! their ends by id, with the end's first kind.
//!
//! Edges, one kind per chain step:
//!
//! | step | edge kind | ends at (starts at, as a path's first step) | step's own properties |
//! | --- | --- | --- | --- |
//! | a tool holds an account's key (ATK-10) | `TH_OwnKey` | the account (the tool's machine) | |
//! | a user logs on at a machine (NET-4) | `TH_Logon` | the user (the machine) | |
//! | the chain holds a service's own process | `TH_Process` | the service (the account it runs as) | |
//! | a call to a service | `TH_Call` | the service called | `asked_level`, `package` |
//! | the tool's S4U2self (ATK-11) | `TH_S4U2Self` | the key's account itself: the ticket is for it | `user` |
//! | the tool's S4U2proxy (ATK-12) | `TH_S4U2Proxy` | the account holding the SPN | `spn` |
//! | the tool writes a service name in its ticket (ATK-14) | `TH_AltService` | the ticket's account, where it stood | `spn` |
//! | the tool presents its ticket (ATK-13) | `TH_Present` | the service | |
//! | an RBCD write (AD-11) | `TH_RBCDWrite` | the account written | `target`, `allow` |
//! | a machine coerced into a service (ATK-3, ATK-5) | `TH_Coerce` | the service it authenticates to (the victim) | `victim` |
//! | a service's process asks S4U2self | `TH_ServiceS4U2Self` | the service, where it stood | `user` |
//! | FORWARDABLE set on a ticket (ATK-1) | `TH_TamperForwardable` | where it stood | |
//! | a process started (LVL-12, TOK-19) | `TH_CreateProcess` | where it stood | `with_token` |
//! | time passes (LVL-13) | `TH_Wait` | where it stood | `minutes` |
//! | a resource opened (HOP-2) | `TH_Access` | the resource | `rights` |
//!
//! Every edge also carries what the chain holds after its step and where the hop sits:
//! `as` (the identity presented, as BloodHound names it, or `ANONYMOUS LOGON`), `level`
//! (`Own` for its own logon, else `Anonymous`, `Identification`, `Impersonation` or
//! `Delegation`), `credentials` (`none`, `password`, `tgt` or `key`), `ticket_client` (the
//! client of a service ticket held as S4U2proxy evidence, if any), `ticket_spn` (the
//! service name a tool's ticket carries, if any), `machine`, `hops` (machine boundaries
//! crossed), `rules` (the rule ids the step applied), `finding` (the finding's index in the
//! answer) and `step` (the hop's index in its path). The last edge of a path also carries
//! the finding: `gain` (`service`, `resource` or `credentials`), `holding`, `stands_for`
//! (how many users of one class the identity stands for) and, for a resource, `resource`
//! and `granted`.
//!
//! # What BloodHound does with it
//!
//! - The payload has no `metadata`: BloodHound adds a payload's `source_kind` to every node
//!   it names, the collector's users and computers included, and deleting that source's
//!   data then deletes them too (<https://bloodhound.specterops.io/opengraph/faq>, "Why do
//!   AD/AZ nodes disappear after I delete OpenGraph data?"). tokenhop's nodes carry
//!   `TH_Base` instead, for a query to find them.
//! - BloodHound's ingest upserts a relationship by its two nodes and its kind
//!   (`UpdateRelationshipBy`, github.com/SpecterOps/BloodHound,
//!   `cmd/api/src/services/graphify/`): hops of several findings that join the same two
//!   nodes by the same kind become one relationship there, with the properties written
//!   last. The payload keeps every hop; pathfinding is unchanged.

mod names;

use serde_json::{Map, Value, json};
use thiserror::Error;
use tokenhop_model::net::chain::{self, ChainError, ChainState, Step};
use tokenhop_model::net::directory::Directory;
use tokenhop_model::net::hop::{Credentials, Hold, Holder, Package};
use tokenhop_model::net::reach::{Answer, Finding, Gain, PathStep};
use tokenhop_model::rules::readings::Readings;

use names::{Node, Nodes};

/// Why an answer cannot be written.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum OpenGraphError {
    /// A step of a finding's path fails when replayed: the answer is not one of this
    /// directory under these readings.
    #[error(
        "finding {finding}, step {step}: the step fails on replay ({status}); the answer is not one of this directory under these readings"
    )]
    Replay {
        /// The finding's index in the answer.
        finding: usize,
        /// The step's index in its path.
        step: usize,
        /// The status the step failed with.
        status: &'static str,
    },
}

/// `answer`, found in `dir` under `readings`, as an OpenGraph payload.
///
/// # Errors
///
/// When a finding's path does not replay in `dir` under `readings`.
pub fn document(
    dir: &Directory,
    readings: &Readings,
    answer: &Answer,
) -> Result<Value, OpenGraphError> {
    let mut nodes = Nodes::new(dir);
    let mut edges = Vec::new();
    for (index, finding) in answer.findings.iter().enumerate() {
        finding_edges(dir, readings, index, finding, &mut nodes, &mut edges)?;
    }
    Ok(json!({ "graph": { "nodes": nodes.into_values(), "edges": edges } }))
}

/// The edges of one finding's path, in order.
fn finding_edges(
    dir: &Directory,
    readings: &Readings,
    index: usize,
    finding: &Finding,
    nodes: &mut Nodes<'_>,
    edges: &mut Vec<Value>,
) -> Result<(), OpenGraphError> {
    let mut state = ChainState::default();
    let last = finding.path.len().checked_sub(1);
    for (n, p) in finding.path.iter().enumerate() {
        let replay = |status| OpenGraphError::Replay {
            finding: index,
            step: n,
            status,
        };
        let (next, outcome) = chain::step(dir, readings, &state, &p.step);
        outcome.result.map_err(|e| replay(e.symbol()))?;
        let Some(after) = next.holder.as_ref() else {
            return Err(replay(ChainError::NotStarted.symbol()));
        };
        let from = origin(dir, nodes, state.holder.as_ref(), &p.step)
            .ok_or_else(|| replay(ChainError::NotStarted.symbol()))?;
        let to = destination(nodes, after, &p.step);
        let mut properties = hop_properties(nodes, after, p, index, n);
        step_properties(dir, nodes, &p.step, &mut properties);
        if Some(n) == last {
            finding_properties(dir, finding, &mut properties);
        }
        edges.push(json!({
            "kind": kind(&p.step),
            "start": nodes.endpoint(from),
            "end": nodes.endpoint(to),
            "properties": properties,
        }));
        state = next;
    }
    Ok(())
}

/// The edge kind of a step.
fn kind(step: &Step) -> &'static str {
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

/// Where the chain stands while `holder` holds it.
fn position(nodes: &Nodes<'_>, holder: &Holder) -> Node {
    if let Some(service) = holder.service {
        return Node::Service(service);
    }
    let ticket_for = holder.evidence.as_ref().and_then(|t| t.server);
    match (&holder.credentials, ticket_for, holder.presents) {
        (Credentials::Key { .. }, Some(account), _) => Node::Account(account),
        (_, _, Some(identity)) => Node::Account(identity),
        (_, _, None) => nodes.machine(holder.machine),
    }
}

/// Where a step's edge starts: where the chain stood, or, for a step that starts a chain
/// from nothing, what the step names; `None` for a step that needs a chain and has none.
fn origin(
    dir: &Directory,
    nodes: &Nodes<'_>,
    before: Option<&Holder>,
    step: &Step,
) -> Option<Node> {
    if let Some(holder) = before {
        return Some(position(nodes, holder));
    }
    match step {
        Step::OwnKey { machine, .. } | Step::Start { machine, .. } => Some(nodes.machine(*machine)),
        Step::StartService { service } => Some(Node::Account(dir.service(*service).account)),
        Step::Coerce { victim, .. } => Some(Node::Service(*victim)),
        _ => None,
    }
}

/// Where a step's edge ends: where the chain stands after it, or what a step that leaves
/// the chain in place acts on.
fn destination(nodes: &Nodes<'_>, after: &Holder, step: &Step) -> Node {
    match step {
        Step::SetRbcd { target, .. } => Node::Account(*target),
        Step::Access { resource, .. } => Node::Resource(*resource),
        _ => position(nodes, after),
    }
}

/// What the chain holds after a hop, and where the hop sits.
fn hop_properties(
    nodes: &Nodes<'_>,
    after: &Holder,
    p: &PathStep,
    finding: usize,
    step: usize,
) -> Map<String, Value> {
    let mut m = Map::new();
    let presented = after
        .presents
        .map_or_else(|| "ANONYMOUS LOGON".to_owned(), |a| nodes.account_name(a));
    m.insert("as".into(), presented.into());
    m.insert("level".into(), level_word(after.hold).into());
    m.insert("credentials".into(), after.credentials.word().into());
    if let Some(t) = &after.evidence {
        m.insert("ticket_client".into(), nodes.account_name(t.client).into());
    }
    if let Credentials::Key { sname: Some(spn) } = &after.credentials {
        m.insert("ticket_spn".into(), spn.to_string().into());
    }
    m.insert("machine".into(), nodes.machine_name(after.machine).into());
    m.insert("hops".into(), after.hops.into());
    let rules: Vec<Value> = p.rules.iter().map(|r| r.code().into()).collect();
    m.insert("rules".into(), rules.into());
    m.insert("finding".into(), finding.into());
    m.insert("step".into(), step.into());
    m
}

/// What a step names beyond its two ends.
fn step_properties(dir: &Directory, nodes: &Nodes<'_>, step: &Step, m: &mut Map<String, Value>) {
    match step {
        Step::Call(req) => {
            let asked = req.level.map_or("default", |l| l.word());
            m.insert("asked_level".into(), asked.into());
            m.insert("package".into(), package_word(req.package).into());
        }
        Step::KeyS4u2self { user } | Step::S4u2self { user } => {
            m.insert("user".into(), nodes.account_name(*user).into());
        }
        Step::KeyS4u2proxy { spn } | Step::AltService { spn } => {
            m.insert("spn".into(), spn.to_string().into());
        }
        Step::SetRbcd { target, allow } => {
            m.insert("target".into(), nodes.account_name(*target).into());
            m.insert("allow".into(), nodes.account_name(*allow).into());
        }
        Step::Coerce { victim, .. } => {
            m.insert(
                "victim".into(),
                dir.service(*victim).name.to_string().into(),
            );
        }
        Step::Access { rights, .. } => {
            let rights: Vec<Value> = rights.iter().map(|r| r.to_string().into()).collect();
            m.insert("rights".into(), rights.into());
        }
        Step::CreateProcess { with_token } => {
            m.insert("with_token".into(), (*with_token).into());
        }
        Step::Wait { minutes } => {
            m.insert("minutes".into(), (*minutes).into());
        }
        Step::OwnKey { .. }
        | Step::Start { .. }
        | Step::StartService { .. }
        | Step::Present { .. }
        | Step::TamperForwardable => {}
    }
}

/// What the finding a path ends in gives: on its last edge.
fn finding_properties(dir: &Directory, finding: &Finding, m: &mut Map<String, Value>) {
    let gain = match &finding.gain {
        Gain::Service(_) => "service",
        Gain::Resource(resource, rights) => {
            m.insert(
                "resource".into(),
                dir.resource(*resource).name.to_string().into(),
            );
            let granted: Vec<Value> = rights.iter().map(|r| r.to_string().into()).collect();
            m.insert("granted".into(), granted.into());
            "resource"
        }
        Gain::Credentials => "credentials",
    };
    m.insert("gain".into(), gain.into());
    m.insert("holding".into(), finding.holding.word().into());
    m.insert("stands_for".into(), finding.stands_for.into());
}

/// A hold in one word.
fn level_word(hold: Hold) -> &'static str {
    match hold {
        Hold::Own => "Own",
        Hold::Impersonating(level) => level.word(),
    }
}

fn package_word(p: Package) -> &'static str {
    match p {
        Package::Negotiate => "negotiate",
        Package::Kerberos => "kerberos",
        Package::Ntlm => "ntlm",
        Package::None => "none",
    }
}
