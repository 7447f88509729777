//! `tokenhop graph`: a topology's delegation graph (with its chains' calls as `call` edges)
//! written as Graphviz DOT or JSON, and the reachability query by account and service
//! name, answered in words, DOT (the reached part highlighted) or JSON.

use std::fmt::Write as _;

use serde_json::{Value, json};
use thiserror::Error;

use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{AccountId, Directory, ServiceId, TooMany};
use tokenhop_model::net::graph::{self, DelegationGraph, EdgeKind, Hop, Node, Reach};
use tokenhop_model::rules::RuleId;

use super::Topology;

/// A query that names what the topology does not have.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum QueryError {
    /// `--from` names no account.
    #[error("--from: `{name}` is not an account of {file}; expected one of: {known}")]
    UnknownAccount {
        /// The name given.
        name: String,
        /// The topology file.
        file: String,
        /// The accounts it has.
        known: String,
    },
    /// `--entry` names no service.
    #[error("--entry: `{name}` is not a service of {file}; expected one of: {known}")]
    UnknownService {
        /// The name given.
        name: String,
        /// The topology file.
        file: String,
        /// The services it has.
        known: String,
    },
    /// One of `--from` and `--entry` without the other.
    #[error("a reachability query needs both --from ACCOUNT and --entry SERVICE")]
    Incomplete,
}

/// The graph of `topology`, with a `call` edge for each call its chains make.
///
/// # Errors
///
/// [`TooMany`] when the topology has no machine id left for the workstations the graph
/// adds (see [`DelegationGraph::build`]).
pub fn build(topology: &Topology) -> Result<DelegationGraph, TooMany> {
    let mut g = DelegationGraph::build(&topology.dir, &topology.readings)?;
    for chain in &topology.chains {
        let mut at: Option<Node> = None;
        for s in &chain.steps {
            match &s.step {
                Step::Start { user, .. } => at = Some(Node::Account(*user)),
                Step::StartService { service } => at = Some(Node::Service(*service)),
                Step::Coerce { to, .. } => at = Some(Node::Service(*to)),
                Step::Call(req) => {
                    if let Some(from) = at {
                        g.add_call(from, req.service);
                    }
                    at = Some(Node::Service(req.service));
                }
                _ => {}
            }
        }
    }
    Ok(g)
}

/// Runs the query `--from account --entry service` on `topology`.
///
/// # Errors
///
/// When a name is not in the topology.
pub fn query(
    topology: &Topology,
    graph: &DelegationGraph,
    from: &str,
    entry: &str,
) -> Result<Reach, QueryError> {
    let dir = &topology.dir;
    let file = topology.path.display().to_string();
    let account = find_account(dir, from).ok_or_else(|| QueryError::UnknownAccount {
        name: from.to_owned(),
        file: file.clone(),
        known: dir
            .account_ids()
            .map(|a| dir.qualified(a))
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let service = dir
        .service_ids()
        .zip(&dir.services)
        .find(|(_, s)| *s.name == *entry)
        .map(|(id, _)| id)
        .ok_or_else(|| QueryError::UnknownService {
            name: entry.to_owned(),
            file,
            known: dir
                .services
                .iter()
                .map(|s| s.name.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    Ok(graph::reach(graph, account, service))
}

fn find_account(dir: &Directory, name: &str) -> Option<AccountId> {
    let (bare, domain) = match name.split_once('@') {
        Some((b, d)) => (b, Some(d)),
        None => (name, None),
    };
    let found: Vec<AccountId> = dir
        .account_ids()
        .zip(&dir.accounts)
        .filter(|(_, a)| {
            a.name.eq_ignore_ascii_case(bare)
                && domain.is_none_or(|d| dir.domain(a.domain).name.eq_ignore_ascii_case(d))
        })
        .map(|(id, _)| id)
        .collect();
    match found.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

fn node_id(n: Node) -> String {
    match n {
        Node::Account(a) => format!("a{}", a.0),
        Node::Service(s) => format!("s{}", s.0),
        Node::Resource(r) => format!("r{}", r.0),
    }
}

fn node_label(dir: &Directory, n: Node) -> String {
    match n {
        Node::Account(a) => {
            let acc = dir.account(a);
            let mut flags = Vec::new();
            if acc.trusted_for_delegation {
                flags.push("TD");
            }
            if acc.trusted_to_auth_for_delegation {
                flags.push("TA");
            }
            if acc.not_delegated {
                flags.push("ND");
            }
            if acc.protected_users {
                flags.push("PU");
            }
            if flags.is_empty() {
                dir.qualified(a)
            } else {
                format!("{} [{}]", dir.qualified(a), flags.join(" "))
            }
        }
        Node::Service(s) => {
            let svc = dir.service(s);
            format!(
                "{} on {} ({})",
                svc.name,
                dir.machine(svc.machine).name,
                svc.spn
            )
        }
        Node::Resource(r) => dir.resource(r).name.to_string(),
    }
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The graph in Graphviz DOT; with a query, the reached services and resources filled and
/// the hops of their paths drawn bold.
#[must_use]
pub fn dot(topology: &Topology, graph: &DelegationGraph, reach: Option<&Reach>) -> String {
    let dir = &topology.dir;
    let reached_service =
        |s: ServiceId| reach.is_some_and(|r| r.services.iter().any(|x| x.service == s));
    let reached_resource =
        |id| reach.is_some_and(|r: &Reach| r.resources.iter().any(|x| x.resource == id));
    let on_path = |from: Node, to: Node, kind: EdgeKind| {
        reach.is_some_and(|r| {
            r.services
                .iter()
                .flat_map(|x| x.path.iter())
                .any(|h: &Hop| {
                    h.kind == kind
                        && Node::Service(h.to) == to
                        && h.from.map_or(Node::Account(r.client), Node::Service) == from
                })
        })
    };
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape(&topology.name));
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(out, "  node [fontname=\"Helvetica\", fontsize=10];");
    for idx in graph.graph.node_indices() {
        let n = graph.graph[idx];
        let (shape, filled) = match n {
            Node::Account(a) => ("ellipse", reach.is_some_and(|r| r.client == a)),
            Node::Service(s) => ("box", reached_service(s)),
            Node::Resource(r) => ("folder", reached_resource(r)),
        };
        let style = if filled {
            ", style=filled, fillcolor=\"#ffd8a8\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} [label=\"{}\", shape={shape}{style}];",
            node_id(n),
            escape(&node_label(dir, n))
        );
    }
    for e in graph.graph.edge_indices() {
        let Some((a, b)) = graph.graph.edge_endpoints(e) else {
            continue;
        };
        let kind = graph.graph[e];
        let (from, to) = (graph.graph[a], graph.graph[b]);
        let style = match kind {
            EdgeKind::RunsAs | EdgeKind::Guards => ", style=dotted",
            EdgeKind::Local | EdgeKind::Call => "",
            _ => ", color=\"#c92a2a\"",
        };
        let bold = if on_path(from, to, kind) {
            ", penwidth=3"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"{kind}\"{style}{bold}];",
            node_id(from),
            node_id(to)
        );
    }
    out.push_str("}\n");
    out
}

fn hop_json(dir: &Directory, h: &Hop) -> Value {
    json!({
        "from": h.from.map(|s| dir.service(s).name.to_string()),
        "to": dir.service(h.to).name.to_string(),
        "kind": h.kind.word(),
        "holding": h.holding,
        "rules": h.rules.iter().map(|r| r.code()).collect::<Vec<_>>(),
    })
}

/// The answer to a query as JSON.
#[must_use]
pub fn reach_json(dir: &Directory, reach: &Reach) -> Value {
    json!({
        "client": dir.qualified(reach.client),
        "entry": dir.service(reach.entry).name.to_string(),
        "states": reach.states,
        "services": reach.services.iter().map(|r| json!({
            "service": dir.service(r.service).name.to_string(),
            "holding": r.holding,
            "path": r.path.iter().map(|h| hop_json(dir, h)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "resources": reach.resources.iter().map(|r| json!({
            "resource": dir.resource(r.resource).name.to_string(),
            "rights": r.rights,
            "path": r.path.iter().map(|h| hop_json(dir, h)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// The graph (and a query's answer, if any) as JSON.
#[must_use]
pub fn to_json(topology: &Topology, graph: &DelegationGraph, reach: Option<&Reach>) -> Value {
    let dir = &topology.dir;
    let nodes: Vec<Value> = graph
        .graph
        .node_indices()
        .map(|i| {
            let n = graph.graph[i];
            let kind = match n {
                Node::Account(_) => "account",
                Node::Service(_) => "service",
                Node::Resource(_) => "resource",
            };
            json!({ "id": node_id(n), "kind": kind, "label": node_label(dir, n) })
        })
        .collect();
    let edges: Vec<Value> = graph
        .graph
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = graph.graph.edge_endpoints(e)?;
            let kind = graph.graph[e];
            Some(json!({
                "from": node_id(graph.graph[a]),
                "to": node_id(graph.graph[b]),
                "kind": kind.word(),
                "rules": kind.rules().iter().map(|r: &RuleId| r.code()).collect::<Vec<_>>(),
            }))
        })
        .collect();
    let mut value = json!({ "topology": topology.name, "nodes": nodes, "edges": edges });
    if let (Some(r), Some(obj)) = (reach, value.as_object_mut()) {
        obj.insert("query".to_owned(), reach_json(dir, r));
    }
    value
}

fn path_words(dir: &Directory, client: AccountId, path: &[Hop]) -> String {
    let mut parts = vec![dir.qualified(client)];
    for h in path {
        parts.push(format!("-[{}]-> {}", h.kind, dir.service(h.to).name));
    }
    parts.join(" ")
}

fn counted(items: &[(usize, &str)]) -> String {
    items
        .iter()
        .map(|(n, what)| format!("{n} {what}{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The answer to a query in words: each service and resource reached, what the service
/// holds for the client, and the hops, each with its rules.
#[must_use]
pub fn reach_text(dir: &Directory, reach: &Reach) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "From {} entering at {}: {} reached as the client ({} states searched).",
        dir.qualified(reach.client),
        dir.service(reach.entry).name,
        counted(&[
            (reach.services.len(), "service"),
            (reach.resources.len(), "resource")
        ]),
        reach.states
    );
    for r in &reach.services {
        let _ = writeln!(
            out,
            "\nservice {} (holding {}, {} hop{})\n  {}",
            dir.service(r.service).name,
            r.holding.word(),
            r.path.len(),
            if r.path.len() == 1 { "" } else { "s" },
            path_words(dir, reach.client, &r.path)
        );
        for h in &r.path {
            let _ = writeln!(
                out,
                "    {} -> {}: {} ({})",
                h.from.map_or_else(
                    || dir.qualified(reach.client),
                    |s| dir.service(s).name.to_string()
                ),
                dir.service(h.to).name,
                h.kind,
                h.rules
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
    for r in &reach.resources {
        let _ = writeln!(
            out,
            "\nresource {} ({}) through {}",
            dir.resource(r.resource).name,
            r.rights.join(", "),
            path_words(dir, reach.client, &r.path)
        );
    }
    out
}
