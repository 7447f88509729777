//! The answer as a Graphviz DOT graph (`tokenhop reach --dot`), in the style of `tokenhop
//! graph`: the owned accounts (the attacker's tools holding their keys), the services the
//! paths pass through, and what is reached, filled: services (labelled with each identity
//! reached there and its level), resources and credentials. An edge is a step that moves the
//! chain (a call, a presented ticket, a coercion, a started service, an access); the steps
//! that stay where the chain is (S4U2self and S4U2proxy by key, altservice, an RBCD write)
//! are loops, labelled in words. Each edge is drawn once, however many paths take it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use tokenhop_model::net::chain::Step;
use tokenhop_model::net::directory::{AccountId, Directory, ResourceId, ServiceId};
use tokenhop_model::net::reach::{Finding, Gain};

use super::{Reached, held_at, text};
use crate::topology::run::{describe, hold_word};

/// A node of the drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Node {
    /// An owned account's key, in the attacker's tool.
    Owned(AccountId),
    /// A service.
    Service(ServiceId),
    /// A resource.
    Resource(ResourceId),
    /// The credentials of a finding (by its number).
    Credentials(usize),
}

/// What is drawn.
#[derive(Default)]
struct Drawing {
    /// Edges `(from, to, label, dashed)`, each once.
    edges: BTreeSet<(Node, Node, String, bool)>,
    /// Every node, with the lines added to its label (what was reached there).
    nodes: BTreeMap<Node, Vec<String>>,
    /// Nodes that are something reached.
    reached: BTreeSet<Node>,
}

impl Drawing {
    fn edge(&mut self, from: Node, to: Node, label: String, dashed: bool) {
        self.nodes.entry(from).or_default();
        self.nodes.entry(to).or_default();
        self.edges.insert((from, to, label, dashed));
    }
}

/// The DOT text.
#[must_use]
pub fn dot(r: &Reached) -> String {
    let dir = &r.dir;
    let mut d = Drawing::default();
    for owned in &r.attacker.owned {
        d.nodes.entry(Node::Owned(*owned)).or_default();
    }
    for (n, f) in r.answer.findings.iter().enumerate() {
        walk(dir, f, &mut d);
        mark(dir, n + 1, f, &mut d);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "digraph \"{}\" {{",
        escape(&format!("{}-reach", r.name))
    );
    for line in text::bounds(r).lines() {
        let _ = writeln!(out, "  // {line}");
    }
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(out, "  node [fontname=\"Helvetica\", fontsize=10];");
    let _ = writeln!(
        out,
        "  label=\"{}\";",
        escape(text::bounds(r).replace('\n', " ").trim_end())
    );
    for (node, lines) in &d.nodes {
        let (shape, mut label) = match node {
            Node::Owned(a) => (
                "ellipse",
                format!("{} (key, on {})", dir.qualified(*a), r.machine_name()),
            ),
            Node::Service(s) => {
                let svc = dir.service(*s);
                let machine = &dir.machine(svc.machine).name;
                ("box", format!("{} on {machine} ({})", svc.name, svc.spn))
            }
            Node::Resource(res) => ("folder", dir.resource(*res).name.to_string()),
            Node::Credentials(_) => ("note", String::new()),
        };
        for l in lines {
            if !label.is_empty() {
                label.push('\n');
            }
            label.push_str(l);
        }
        let style = match node {
            Node::Owned(_) => ", style=filled, fillcolor=\"#d0ebff\"",
            _ if d.reached.contains(node) => ", style=filled, fillcolor=\"#ffd8a8\"",
            _ => "",
        };
        let _ = writeln!(
            out,
            "  {} [label=\"{}\", shape={shape}{style}];",
            id(*node),
            escape(&label)
        );
    }
    for (from, to, label, dashed) in &d.edges {
        let style = if *dashed { ", style=dashed" } else { "" };
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"{}\"{style}];",
            id(*from),
            id(*to),
            escape(label)
        );
    }
    out.push_str("}\n");
    out
}

/// Draws the steps of `f`'s path.
fn walk(dir: &Directory, f: &Finding, d: &mut Drawing) {
    let mut at: Option<Node> = None;
    for p in &f.path {
        let step = &p.step;
        let (to, label, dashed) = match step {
            Step::OwnKey { account, .. } => {
                let to = Node::Owned(*account);
                if at.is_none_or(|from| from == to) {
                    at = Some(to);
                    continue;
                }
                (to, describe(dir, step), true)
            }
            Step::StartService { service } => {
                at = Some(Node::Owned(dir.service(*service).account));
                (Node::Service(*service), "start_service".to_owned(), false)
            }
            Step::Call(req) => (Node::Service(req.service), "call".to_owned(), false),
            Step::Present { service } => (Node::Service(*service), "present".to_owned(), false),
            Step::Coerce { victim, to } => {
                if let Some(from) = at {
                    d.edge(from, Node::Service(*victim), "coerces".to_owned(), true);
                }
                at = Some(Node::Service(*victim));
                let who = dir.qualified(dir.service(*victim).account);
                (Node::Service(*to), format!("authenticates as {who}"), false)
            }
            // A step that leaves the chain where it is: a loop.
            _ => match at {
                Some(here) => (here, describe(dir, step), false),
                None => continue,
            },
        };
        if let Some(from) = at {
            d.edge(from, to, label, dashed);
        }
        at = Some(to);
    }
}

/// Marks what `f` (finding `n`) reached.
fn mark(dir: &Directory, n: usize, f: &Finding, d: &mut Drawing) {
    let who = dir.qualified(f.identity);
    let level = hold_word(f.hold);
    let holding = text::holding_word(f.holding);
    match &f.gain {
        Gain::Service(s) => {
            let node = Node::Service(*s);
            d.nodes
                .entry(node)
                .or_default()
                .push(format!("#{n} as {who}, {level}, holding {holding}"));
            d.reached.insert(node);
        }
        Gain::Resource(res, rights) => {
            let node = Node::Resource(*res);
            let guard = Node::Service(dir.resource(*res).service);
            d.edge(
                guard,
                node,
                format!("#{n} access [{}] as {who}", rights.join(", ")),
                false,
            );
            d.reached.insert(node);
        }
        Gain::Credentials => {
            let node = Node::Credentials(n);
            d.nodes
                .entry(node)
                .or_default()
                .push(format!("#{n} {who}'s {holding}"));
            if let Some(s) = held_at(dir, f) {
                d.edge(Node::Service(s), node, "holds".to_owned(), false);
            }
            d.reached.insert(node);
        }
    }
}

fn id(n: Node) -> String {
    match n {
        Node::Owned(a) => format!("o{}", a.index()),
        Node::Service(s) => format!("s{}", s.index()),
        Node::Resource(r) => format!("r{}", r.index()),
        Node::Credentials(n) => format!("c{n}"),
    }
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
