//! How the directory's objects appear in a BloodHound graph: each account, service,
//! machine and resource a payload mentions as one node, with the id, kinds, name and
//! properties it is written with, and the endpoint an edge names it by. Accounts take the
//! kinds and names SharpHound gives them, so that BloodHound merges them with the nodes of
//! a collection; the rest are tokenhop's own kinds.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};
use tokenhop_model::net::directory::{
    AccountId, AccountKind, Directory, MachineId, Protocol, ResourceId, ServiceId, ServiceLogon,
};

/// The kind of a node for a service.
pub const SERVICE_KIND: &str = "TH_Service";
/// The kind of a node for a machine with no computer account (an attacker's workstation).
pub const MACHINE_KIND: &str = "TH_Machine";
/// The kind of a node for a resource a service guards.
pub const RESOURCE_KIND: &str = "TH_Resource";

/// Something of the directory a node stands for. A machine joined to a domain is its
/// computer account's node, so [`Node::Machine`] is only ever a machine with no account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// A user, computer or group.
    Account(AccountId),
    /// A service.
    Service(ServiceId),
    /// A machine with no computer account.
    Machine(MachineId),
    /// A resource.
    Resource(ResourceId),
}

/// The nodes of one payload: each written once, in the order first mentioned, under an id
/// no other node of the payload has.
pub struct Nodes<'a> {
    dir: &'a Directory,
    /// The machine each computer account is the account of.
    machine_of: HashMap<AccountId, MachineId>,
    ids: HashMap<Node, String>,
    taken: HashSet<String>,
    written: Vec<Value>,
}

impl<'a> Nodes<'a> {
    /// No nodes yet, for objects of `dir`.
    #[must_use]
    pub fn new(dir: &'a Directory) -> Self {
        let machine_of = dir
            .machine_ids()
            .filter_map(|m| dir.machine(m).account.map(|a| (a, m)))
            .collect();
        Nodes {
            dir,
            machine_of,
            ids: HashMap::new(),
            taken: HashSet::new(),
            written: Vec::new(),
        }
    }

    /// The node for `machine`: its computer account's, or one of its own.
    #[must_use]
    pub fn machine(&self, machine: MachineId) -> Node {
        match self.dir.machine(machine).account {
            Some(a) => Node::Account(a),
            None => Node::Machine(machine),
        }
    }

    /// The endpoint naming `node` in an edge, the node written first if it is new.
    pub fn endpoint(&mut self, node: Node) -> Value {
        let id = self.id(node);
        json!({ "match_by": "id", "value": id, "kind": self.kinds(node)[0] })
    }

    /// The nodes written, in order.
    #[must_use]
    pub fn into_values(self) -> Vec<Value> {
        self.written
    }

    /// `node`'s id, writing the node if it is new.
    fn id(&mut self, node: Node) -> String {
        if let Some(id) = self.ids.get(&node) {
            return id.clone();
        }
        let mut id = id_text(&self.raw_id(node));
        if self.taken.contains(&id) {
            // Two objects of one name: the second is told apart by its place in the
            // directory. An escaped id has no `#` of its own, so this cannot meet another.
            id.push_str(&suffix(node));
        }
        self.taken.insert(id.clone());
        self.ids.insert(node, id.clone());
        let kinds = self.kinds(node);
        let properties = self.properties(node);
        self.written
            .push(json!({ "id": id, "kinds": kinds, "properties": properties }));
        id
    }

    /// The id before escaping: an account's SID where the directory has it, else its
    /// BloodHound name; a prefixed name for tokenhop's own kinds.
    fn raw_id(&self, node: Node) -> String {
        match node {
            Node::Account(a) => match self.dir.account(a).sid.as_deref() {
                Some(sid) if !sid.is_empty() => sid.to_owned(),
                _ => self.account_name(a),
            },
            Node::Service(s) => {
                let svc = self.dir.service(s);
                format!("TH_SERVICE/{}/{}", self.machine_name(svc.machine), svc.name)
            }
            Node::Machine(m) => format!("TH_MACHINE/{}", self.dir.machine(m).name),
            Node::Resource(r) => {
                let res = self.dir.resource(r);
                let svc = self.dir.service(res.service);
                format!(
                    "TH_RESOURCE/{}/{}/{}",
                    self.machine_name(svc.machine),
                    svc.name,
                    res.name
                )
            }
        }
    }

    fn kinds(&self, node: Node) -> [&'static str; 2] {
        match node {
            Node::Account(a) => match self.dir.account(a).kind {
                AccountKind::User => ["User", "Base"],
                AccountKind::Computer => ["Computer", "Base"],
                AccountKind::Group => ["Group", "Base"],
            },
            Node::Service(_) => [SERVICE_KIND, "TH_Base"],
            Node::Machine(_) => [MACHINE_KIND, "TH_Base"],
            Node::Resource(_) => [RESOURCE_KIND, "TH_Base"],
        }
    }

    fn properties(&self, node: Node) -> Map<String, Value> {
        let dir = self.dir;
        let mut p = Map::new();
        match node {
            Node::Account(a) => {
                let acc = dir.account(a);
                p.insert("name".into(), self.account_name(a).into());
                p.insert("domain".into(), upper(&dir.domain(acc.domain).name).into());
            }
            Node::Service(s) => {
                let svc = dir.service(s);
                p.insert("name".into(), upper(&svc.name).into());
                p.insert("spn".into(), svc.spn.to_string().into());
                p.insert("machine".into(), self.machine_name(svc.machine).into());
                p.insert("account".into(), self.account_name(svc.account).into());
                p.insert("protocol".into(), protocol_word(svc.protocol).into());
                p.insert("logon".into(), logon_word(svc.logon).into());
            }
            Node::Machine(m) => {
                p.insert("name".into(), self.machine_name(m).into());
            }
            Node::Resource(r) => {
                let res = dir.resource(r);
                p.insert("name".into(), upper(&res.name).into());
                p.insert(
                    "service".into(),
                    upper(&dir.service(res.service).name).into(),
                );
            }
        }
        p
    }

    /// An account's name as BloodHound writes it: `NAME@DOMAIN` for a user or group, the
    /// DNS name of its machine for a computer (`WEB01.CORP.EXAMPLE`), upper case.
    #[must_use]
    pub fn account_name(&self, account: AccountId) -> String {
        let acc = self.dir.account(account);
        let domain = &self.dir.domain(acc.domain).name;
        if acc.kind != AccountKind::Computer {
            return upper(&format!("{}@{domain}", acc.name));
        }
        let host = match self.machine_of.get(&account) {
            Some(m) => self.dir.machine(*m).name.to_string(),
            None => acc.name.trim_end_matches('$').to_owned(),
        };
        if host.contains('.') {
            upper(&host)
        } else {
            upper(&format!("{host}.{domain}"))
        }
    }

    /// A machine's name as BloodHound writes it: its computer account's, else its own in
    /// upper case.
    #[must_use]
    pub fn machine_name(&self, machine: MachineId) -> String {
        let m = self.dir.machine(machine);
        match m.account {
            Some(a) => self.account_name(a),
            None => upper(&m.name),
        }
    }
}

/// Upper case, as BloodHound writes names.
fn upper(s: &str) -> String {
    s.to_uppercase()
}

/// An id as written: upper case (as BloodHound writes object ids), with `%`, `:` and `#`
/// escaped (`%25`, `%3A`, `%23`): BloodHound does not support a colon in an id (an SPN's
/// port has one), and `#` is kept for [`suffix`].
fn id_text(raw: &str) -> String {
    upper(raw)
        .replace('%', "%25")
        .replace(':', "%3A")
        .replace('#', "%23")
}

/// What tells apart a node whose name another node of the payload already has.
fn suffix(node: Node) -> String {
    match node {
        Node::Account(a) => format!("#A{}", a.index()),
        Node::Service(s) => format!("#S{}", s.index()),
        Node::Machine(m) => format!("#M{}", m.index()),
        Node::Resource(r) => format!("#R{}", r.index()),
    }
}

fn protocol_word(p: Protocol) -> &'static str {
    match p {
        Protocol::Rpc => "rpc",
        Protocol::Ncalrpc => "ncalrpc",
        Protocol::Smb => "smb",
        Protocol::Http => "http",
        Protocol::Dcom => "dcom",
    }
}

fn logon_word(l: ServiceLogon) -> &'static str {
    match l {
        ServiceLogon::Network => "network",
        ServiceLogon::Cleartext => "cleartext",
        ServiceLogon::Credssp => "credssp",
    }
}
