//! Reading a runtime scenario (format v1): the process, its identities and threads, SQL
//! Server's logins, databases, tables and resources, and the steps, with every name and
//! every use of a bound name checked at load with a located error.

use std::collections::HashMap;
use std::path::Path;

use tokenhop_model::managed::dotnet::{FRAMEWORKS, Family, FlowConfig, HAND_OFFS, Host};
use tokenhop_model::managed::sql::{Catalog, Database, Instance, Login, PermissionSet, Table};
use tokenhop_model::managed::{
    Action, Ident, Resource as ModelResource, Setup, SqlSetup as ModelSqlSetup,
};

use super::{
    Place, Resource, Runtime, RuntimeCall, RuntimeExpect, RuntimeStep, SetupExpect, Slot, SlotId,
    SlotKind, SqlSetup,
};
use crate::error::Fault;

mod steps;
use crate::node::{Node, Span};
use crate::reader::{Fields, Read, boolean, index, list, string, word};

const TOP: &[&str] = &[
    "version",
    "kind",
    "name",
    "description",
    "readings",
    "process",
    "accounts",
    "threads",
    "resources",
    "sql",
    "steps",
];

const HOSTS: &[(&str, Host)] = &[
    ("app", Host::App),
    ("aspnet", Host::AspNet),
    ("clr-host", Host::ClrHost),
    ("aspnet-core", Host::AspNetCore),
    ("sql-server", Host::SqlServer),
];

/// The name expectations use for the process's own identity.
pub const PROCESS: &str = "process";

/// Builds a runtime scenario from its parsed root node.
pub fn build(root: &Node, path: &Path) -> Read<Runtime> {
    let top = Fields::new(root, "", "a runtime scenario", TOP)?;
    let (name, description) = crate::reader::header(&top, "a runtime scenario", "runtime")?;
    let readings = crate::scenario::optional_readings(&top)?;
    let mut b = Builder::default();
    b.process(top.require("process", "a runtime scenario")?)?;
    if let Some(n) = top.get("accounts") {
        for (i, a) in list(n, "accounts")?.iter().enumerate() {
            let p = index("accounts", i);
            let name = string(a, &p)?;
            b.add_identity(name, a.span, &p)?;
        }
    }
    if let Some(n) = top.get("sql") {
        if b.host != Host::SqlServer {
            return Err(Fault::new(
                n.span,
                "sql",
                "`sql` describes SQL Server, and `process.host` is not `sql-server`",
            ));
        }
        b.sql(n)?;
    } else if b.host == Host::SqlServer {
        return Err(Fault::new(
            root.span,
            "sql",
            "a `sql-server` process needs `sql` (its logins and databases)",
        ));
    }
    if let Some(n) = top.get("threads") {
        for (i, t) in list(n, "threads")?.iter().enumerate() {
            let p = index("threads", i);
            let name = string(t, &p)?;
            if b.threads.contains(&name) {
                return Err(Fault::new(
                    t.span,
                    p,
                    format!("thread `{name}` is declared twice"),
                ));
            }
            b.threads.push(name);
        }
    }
    if let Some(n) = top.get("resources") {
        for (i, r) in list(n, "resources")?.iter().enumerate() {
            b.resource(r, &index("resources", i))?;
        }
    }
    let mut steps = Vec::new();
    let step_nodes = list(top.require("steps", "a runtime scenario")?, "steps")?;
    for (i, s) in step_nodes.iter().enumerate() {
        steps.push(b.step(s, i)?);
    }
    let mut decoder = steps::Decoder::new(&b);
    for (i, (s, n)) in steps.iter_mut().zip(step_nodes).enumerate() {
        let decoded = decoder.step(n, i)?;
        s.place = decoded.place;
        s.name = decoded.name;
        s.text = decoded.text;
        s.action = decoded.action;
        s.note = decoded.note;
        s.expect = decoded.expect;
    }
    let decoded_slots = decoder.slots;
    let framework = b.framework.ok_or_else(|| {
        Fault::new(
            root.span,
            "process.framework",
            "the process needs a framework",
        )
    })?;
    let setup = Setup {
        framework,
        host: b.host,
        config: b.config,
        readings,
        identities: b.identities.clone(),
        threads: u16::try_from(b.threads.len())
            .map_err(|_| Fault::new(root.span, "threads", "too many threads"))?,
        resources: b
            .resources
            .iter()
            .map(|r| ModelResource {
                readers: r.readers.clone(),
                remote: r.remote,
            })
            .collect(),
        sql: b.sql.as_ref().map(|s| ModelSqlSetup {
            instance: s.instance.clone(),
            catalog: s.catalog.clone(),
        }),
    };
    Ok(Runtime {
        path: path.to_owned(),
        name,
        description,
        setup,
        readings,
        framework,
        host: b.host,
        config: b.config,
        setup_expect: b.setup_expect,
        identities: b.identities,
        threads: b.threads,
        resources: b.resources,
        sql: b.sql,
        slots: decoded_slots,
        steps,
    })
}

/// What a work item or scope is doing, as the loader follows the straight-line steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Queued,
    Running(usize),
    Done,
}

#[derive(Default)]
struct Builder {
    framework: Option<tokenhop_model::managed::dotnet::Framework>,
    setup_expect: Option<SetupExpect>,
    host: Host,
    config: FlowConfig,
    identities: Vec<String>,
    identity_names: HashMap<String, Ident>,
    threads: Vec<String>,
    resources: Vec<Resource>,
    sql: Option<SqlSetup>,
    slots: Vec<Slot>,
    slot_names: HashMap<String, SlotId>,
    /// The phase of each work item and RunImpersonated scope.
    phases: HashMap<SlotId, Phase>,
    /// What each thread is running, innermost last.
    running: HashMap<usize, Vec<SlotId>>,
}

const PROCESS_FIELDS: &[&str] = &[
    "framework",
    "host",
    "identity",
    "config",
    "hosting_flags",
    "expect",
];

const FLOW_MODES: &[(&str, &str)] = &[
    ("no-context", "no-context"),
    ("no-flow", "no-flow"),
    ("always-flow", "always-flow"),
    ("fast-flow", "fast-flow"),
    ("async-local", "async-local"),
];

impl Builder {
    fn add_identity(&mut self, name: String, span: Span, path: &str) -> Read<Ident> {
        if name == PROCESS || name == "null" || name == "anonymous" {
            return Err(Fault::new(
                span,
                path,
                format!("`{name}` is reserved for expectations; name the account otherwise"),
            ));
        }
        if self.identity_names.contains_key(&name.to_lowercase()) {
            return Err(Fault::new(
                span,
                path,
                format!("identity `{name}` is declared twice"),
            ));
        }
        let id = Ident::try_from(self.identities.len())
            .map_err(|_| Fault::new(span, path, "too many identities"))?;
        self.identity_names.insert(name.to_lowercase(), id);
        self.identities.push(name);
        Ok(id)
    }

    fn identity(&self, n: &Node, path: &str) -> Read<Ident> {
        let name = string(n, path)?;
        self.identity_names
            .get(&name.to_lowercase())
            .copied()
            .ok_or_else(|| {
                Fault::new(n.span, path, format!("`{name}` is not a declared identity"))
                    .allowing(self.identities.iter().cloned())
            })
    }

    fn process(&mut self, n: &Node) -> Read<()> {
        let f = Fields::new(n, "process", "the process", PROCESS_FIELDS)?;
        let fw_node = f.require("framework", "the process")?;
        let framework = word(
            fw_node,
            &f.path("framework"),
            "a runtime version the rules distinguish",
            FRAMEWORKS,
        )?;
        self.framework = Some(framework);
        self.host = match f.get("host") {
            Some(h) => word(h, &f.path("host"), "a host", HOSTS)?,
            None => Host::App,
        };
        let core = framework.family == Family::Core;
        match self.host {
            Host::AspNet | Host::ClrHost | Host::SqlServer if core => {
                return Err(Fault::new(
                    f.get("host").map_or(n.span, |h| h.span),
                    f.path("host"),
                    format!(
                        "contradictory: this host loads the .NET Framework, and the framework is .NET {}",
                        framework.name
                    ),
                ));
            }
            Host::AspNetCore if !core => {
                return Err(Fault::new(
                    f.get("host").map_or(n.span, |h| h.span),
                    f.path("host"),
                    format!(
                        "contradictory: ASP.NET Core runs on .NET Core or .NET 5+, and the framework is .NET Framework {}",
                        framework.name
                    ),
                ));
            }
            _ => {}
        }
        let identity = f.require("identity", "the process")?;
        let name = string(identity, &f.path("identity"))?;
        self.add_identity(name, identity.span, &f.path("identity"))?;
        if let Some(c) = f.get("config") {
            if framework.family != Family::Framework2 {
                return Err(Fault::new(
                    c.span,
                    f.path("config"),
                    format!(
                        "contradictory: the flow elements exist from .NET Framework 2.0 to 4.8, not in {} (CLR-1, CLR-12)",
                        framework.name
                    ),
                ));
            }
            let cf = Fields::new(
                c,
                &f.path("config"),
                "the configuration",
                &[
                    "legacy_impersonation_policy",
                    "always_flow_impersonation_policy",
                ],
            )?;
            if let Some(x) = cf.get("legacy_impersonation_policy") {
                self.config.legacy = Some(boolean(x, &cf.path("legacy_impersonation_policy"))?);
            }
            if let Some(x) = cf.get("always_flow_impersonation_policy") {
                self.config.always_flow =
                    Some(boolean(x, &cf.path("always_flow_impersonation_policy"))?);
            }
        }
        if let Some(e) = f.get("expect") {
            let ef = Fields::new(
                e,
                &f.path("expect"),
                "the process's expectation",
                &["flow_mode", "rules"],
            )?;
            let flow_mode = match ef.get("flow_mode") {
                Some(x) => Some(word(x, &ef.path("flow_mode"), "a flow mode", FLOW_MODES)?),
                None => None,
            };
            let rules = match ef.get("rules") {
                Some(r) => crate::reader::rules(r, &ef.path("rules"))?,
                None => Vec::new(),
            };
            self.setup_expect = Some(SetupExpect {
                span: e.span,
                flow_mode,
                rules,
            });
        }
        if let Some(flags) = f.get("hosting_flags") {
            if self.host != Host::ClrHost {
                return Err(Fault::new(
                    flags.span,
                    f.path("hosting_flags"),
                    "contradictory: STARTUP_* flags are passed by an unmanaged host (`host: clr-host`)",
                ));
            }
            for (i, x) in list(flags, &f.path("hosting_flags"))?.iter().enumerate() {
                let which = word(
                    x,
                    &index(&f.path("hosting_flags"), i),
                    "a STARTUP_FLAGS value that governs identity flow",
                    &[
                        ("STARTUP_LEGACY_IMPERSONATION", true),
                        ("STARTUP_ALWAYSFLOW_IMPERSONATION", false),
                    ],
                )?;
                if which {
                    self.config.host_legacy = true;
                } else {
                    self.config.host_always_flow = true;
                }
            }
        }
        Ok(())
    }

    fn sql(&mut self, n: &Node) -> Read<()> {
        let f = Fields::new(
            n,
            "sql",
            "SQL Server's setup",
            &[
                "version",
                "clr_strict_security",
                "delegation",
                "logins",
                "databases",
                "tables",
            ],
        )?;
        let version = match f.get("version") {
            Some(v) => word(
                v,
                &f.path("version"),
                "a SQL Server version",
                &[
                    ("2005", 2005u16),
                    ("2008", 2008),
                    ("2012", 2012),
                    ("2014", 2014),
                    ("2016", 2016),
                    ("2017", 2017),
                    ("2019", 2019),
                    ("2022", 2022),
                ],
            )?,
            None => 2022,
        };
        let strict = match f.get("clr_strict_security") {
            Some(x) => {
                let on = boolean(x, &f.path("clr_strict_security"))?;
                if on && version < 2017 {
                    return Err(Fault::new(
                        x.span,
                        f.path("clr_strict_security"),
                        format!(
                            "contradictory: clr strict security exists from SQL Server 2017, and this is {version} (SQL-3)"
                        ),
                    ));
                }
                on
            }
            None => version >= 2017,
        };
        let delegation = match f.get("delegation") {
            Some(x) => boolean(x, &f.path("delegation"))?,
            None => false,
        };
        let mut setup = SqlSetup {
            instance: Instance {
                version,
                strict,
                service: 0,
                logins: Vec::new(),
                tables: Vec::new(),
                delegation,
            },
            catalog: Catalog::default(),
            logins: Vec::new(),
            databases: Vec::new(),
            tables: Vec::new(),
        };
        let logins = f.require("logins", "SQL Server's setup")?;
        let login_fields: &[&str] = &[
            "name",
            "windows",
            "sysadmin",
            "external_access_assembly",
            "unsafe_assembly",
            "create_assembly_in",
            "impersonate",
        ];
        let login_nodes = list(logins, &f.path("logins"))?;
        // First pass: names, so that grants may name any login.
        for (i, l) in login_nodes.iter().enumerate() {
            let p = index(&f.path("logins"), i);
            let lf = Fields::new(l, &p, "a login", login_fields)?;
            let name_node = lf.require("name", "a login")?;
            let name = string(name_node, &lf.path("name"))?;
            if setup.logins.iter().any(|x| x.eq_ignore_ascii_case(&name)) {
                return Err(Fault::new(
                    name_node.span,
                    lf.path("name"),
                    format!("login `{name}` is declared twice"),
                ));
            }
            let windows = match lf.get("windows") {
                Some(x) => boolean(x, &lf.path("windows"))?,
                None => true,
            };
            // A Windows login is a declared account (or the service); a SQL login is a
            // name only SQL Server knows, added to the identities here.
            let identity = match self.identity_names.get(&name.to_lowercase()) {
                Some(&id) => id,
                None if windows => {
                    return Err(Fault::new(
                        name_node.span,
                        lf.path("name"),
                        format!("Windows login `{name}` names no declared account"),
                    )
                    .allowing(self.identities.iter().cloned()));
                }
                None => self.add_identity(name.clone(), name_node.span, &lf.path("name"))?,
            };
            let flag = |key: &str| -> Read<bool> {
                match lf.get(key) {
                    Some(x) => boolean(x, &lf.path(key)),
                    None => Ok(false),
                }
            };
            setup.instance.logins.push(Login {
                identity,
                windows,
                sysadmin: flag("sysadmin")?,
                external_access_assembly: flag("external_access_assembly")?,
                unsafe_assembly: flag("unsafe_assembly")?,
                create_assembly_in: Vec::new(),
                may_impersonate: Vec::new(),
            });
            setup.logins.push(name);
        }
        let dbs = f.require("databases", "SQL Server's setup")?;
        for (i, d) in list(dbs, &f.path("databases"))?.iter().enumerate() {
            let p = index(&f.path("databases"), i);
            let df = Fields::new(d, &p, "a database", &["name", "owner", "trustworthy"])?;
            let name_node = df.require("name", "a database")?;
            let name = string(name_node, &df.path("name"))?;
            if setup
                .databases
                .iter()
                .any(|x| x.eq_ignore_ascii_case(&name))
            {
                return Err(Fault::new(
                    name_node.span,
                    df.path("name"),
                    format!("database `{name}` is declared twice"),
                ));
            }
            let owner = named(
                &setup.logins,
                df.require("owner", "a database")?,
                &df.path("owner"),
                "login",
            )?;
            let trustworthy = match df.get("trustworthy") {
                Some(x) => boolean(x, &df.path("trustworthy"))?,
                None => false,
            };
            setup
                .catalog
                .databases
                .push(Database { owner, trustworthy });
            setup.databases.push(name);
        }
        for (i, l) in login_nodes.iter().enumerate() {
            let p = index(&f.path("logins"), i);
            let lf = Fields::new(l, &p, "a login", login_fields)?;
            if let Some(x) = lf.get("create_assembly_in") {
                for (j, d) in list(x, &lf.path("create_assembly_in"))?.iter().enumerate() {
                    let db = named(
                        &setup.databases,
                        d,
                        &index(&lf.path("create_assembly_in"), j),
                        "database",
                    )?;
                    if let Some(login) = setup.instance.logins.get_mut(i) {
                        login.create_assembly_in.push(db);
                    }
                }
            }
            if let Some(x) = lf.get("impersonate") {
                for (j, t) in list(x, &lf.path("impersonate"))?.iter().enumerate() {
                    let target = named(
                        &setup.logins,
                        t,
                        &index(&lf.path("impersonate"), j),
                        "login",
                    )?;
                    if let Some(login) = setup.instance.logins.get_mut(i) {
                        login.may_impersonate.push(target);
                    }
                }
            }
        }
        if let Some(ts) = f.get("tables") {
            for (i, t) in list(ts, &f.path("tables"))?.iter().enumerate() {
                let p = index(&f.path("tables"), i);
                let tf = Fields::new(t, &p, "a table", &["name", "database", "readers"])?;
                let name_node = tf.require("name", "a table")?;
                let name = string(name_node, &tf.path("name"))?;
                if setup.tables.iter().any(|x| x.eq_ignore_ascii_case(&name)) {
                    return Err(Fault::new(
                        name_node.span,
                        tf.path("name"),
                        format!("table `{name}` is declared twice"),
                    ));
                }
                let database = named(
                    &setup.databases,
                    tf.require("database", "a table")?,
                    &tf.path("database"),
                    "database",
                )?;
                let mut readers = Vec::new();
                if let Some(r) = tf.get("readers") {
                    for (j, x) in list(r, &tf.path("readers"))?.iter().enumerate() {
                        readers.push(named(
                            &setup.logins,
                            x,
                            &index(&tf.path("readers"), j),
                            "login",
                        )?);
                    }
                }
                setup.instance.tables.push(Table { database, readers });
                setup.tables.push(name);
            }
        }
        self.sql = Some(setup);
        Ok(())
    }

    fn resource(&mut self, n: &Node, path: &str) -> Read<()> {
        let f = Fields::new(n, path, "a resource", &["name", "readers", "remote"])?;
        let name_node = f.require("name", "a resource")?;
        let name = string(name_node, &f.path("name"))?;
        if self
            .resources
            .iter()
            .any(|r| r.name.eq_ignore_ascii_case(&name))
        {
            return Err(Fault::new(
                name_node.span,
                f.path("name"),
                format!("resource `{name}` is declared twice"),
            ));
        }
        let mut readers = Vec::new();
        if let Some(r) = f.get("readers") {
            for (i, x) in list(r, &f.path("readers"))?.iter().enumerate() {
                readers.push(self.identity(x, &index(&f.path("readers"), i))?);
            }
        }
        let remote = match f.get("remote") {
            Some(x) => boolean(x, &f.path("remote"))?,
            None => false,
        };
        self.resources.push(Resource {
            name,
            readers,
            remote,
        });
        Ok(())
    }

    fn bind(&mut self, n: &Node, path: &str, kind: SlotKind) -> Read<SlotId> {
        let name = string(n, path)?;
        if self.slot_names.contains_key(&name) {
            return Err(Fault::new(
                n.span,
                path,
                format!("`{name}` is already bound by an earlier step"),
            ));
        }
        self.slots.push(Slot {
            name: name.clone(),
            kind,
            id: 0,
        });
        let id = self.slots.len() - 1;
        self.slot_names.insert(name, id);
        Ok(id)
    }

    fn bound(&self, n: &Node, path: &str, kind: SlotKind) -> Read<SlotId> {
        let name = string(n, path)?;
        let Some(&id) = self.slot_names.get(&name) else {
            return Err(Fault::new(
                n.span,
                path,
                format!(
                    "`{name}` is not bound by an earlier step (it should be {})",
                    kind.describe()
                ),
            )
            .allowing(
                self.slots
                    .iter()
                    .filter(|s| s.kind == kind)
                    .map(|s| s.name.clone()),
            ));
        };
        let actual = self.slots.get(id).map(|s| s.kind);
        if actual != Some(kind) {
            return Err(Fault::new(
                n.span,
                path,
                format!(
                    "`{name}` is {}, not {}",
                    actual.map_or("unknown", SlotKind::describe),
                    kind.describe()
                ),
            ));
        }
        Ok(id)
    }

    fn sql_setup(&self, span: Span, path: &str, call: &str) -> Read<&SqlSetup> {
        self.sql.as_ref().ok_or_else(|| {
            Fault::new(
                span,
                path,
                format!("`{call}` is a SQL Server call, and the process is not `sql-server`"),
            )
        })
    }

    #[allow(clippy::too_many_lines)]
    fn step(&mut self, n: &Node, i: usize) -> Read<RuntimeStep> {
        let path = index("steps", i);
        let f = Fields::new(
            n,
            &path,
            "a step",
            &["thread", "call", "args", "out", "note", "expect"],
        )?;
        let call_node = f.require("call", "a step")?;
        let call_name = word(call_node, &f.path("call"), "a runtime call", CALLS)?;
        let sql_call = SQL_CALLS.contains(&call_name)
            || (matches!(call_name, "impersonate" | "undo") && self.host == Host::SqlServer);
        if sql_call {
            self.sql_setup(call_node.span, &f.path("call"), call_name)?;
        } else if self.host == Host::SqlServer {
            return Err(Fault::new(
                call_node.span,
                f.path("call"),
                format!("`{call_name}` is a .NET process call; in a `sql-server` process use the SQL Server calls"),
            )
            .allowing(SQL_CALLS.iter().copied().chain(["impersonate", "undo"])));
        }
        let args_path = f.path("args");
        let empty = Node {
            span: n.span,
            kind: crate::node::NodeKind::Map(Vec::new()),
        };
        let args_node = f.get("args").unwrap_or(&empty);
        let allowed = args_of(call_name, sql_call);
        let args = Fields::new(
            args_node,
            &args_path,
            &format!("the arguments of `{call_name}`"),
            allowed,
        )?;
        let framework = self.framework.unwrap_or(FRAMEWORKS[0].1);

        // Where the step runs.
        let place = match (f.get("thread"), sql_call) {
            (Some(t), false) => {
                let name = string(t, &f.path("thread"))?;
                let idx = self
                    .threads
                    .iter()
                    .position(|x| *x == name)
                    .ok_or_else(|| {
                        Fault::new(
                            t.span,
                            f.path("thread"),
                            format!("`{name}` is not a declared thread"),
                        )
                        .allowing(self.threads.iter().cloned())
                    })?;
                Place::Thread(idx)
            }
            (None, false) => {
                return Err(Fault::new(
                    n.span,
                    f.path("thread"),
                    "a step of a .NET process needs `thread`",
                )
                .allowing(self.threads.iter().cloned()));
            }
            (Some(t), true) => {
                if !THREADED_SQL_CALLS.contains(&call_name) {
                    return Err(Fault::new(
                        t.span,
                        f.path("thread"),
                        format!("`{call_name}` is a T-SQL statement and runs on no managed thread"),
                    ));
                }
                Place::Started(self.bound(t, &f.path("thread"), SlotKind::Thread)?)
            }
            (None, true) => {
                if THREADED_SQL_CALLS.contains(&call_name) {
                    Place::Entry
                } else {
                    Place::Statement
                }
            }
        };

        let need = |key: &str| args.require(key, &format!("`{call_name}`"));
        let arg_path = |key: &str| args.path(key);
        let mut out_kind: Option<SlotKind> = None;
        if framework.family == Family::Framework1
            && matches!(
                call_name,
                "suppress_flow" | "suppress_identity_flow" | "suppress_security_flow"
            )
        {
            return Err(Fault::new(
                call_node.span,
                f.path("call"),
                format!(
                    "`{call_name}` does not exist in .NET Framework {}: ExecutionContext and SecurityContext arrived in 2.0 (CLR-1)",
                    framework.name
                ),
            ));
        }
        let call = match call_name {
            "impersonate" if !sql_call => {
                if !framework.impersonate {
                    return Err(Fault::new(
                        call_node.span,
                        f.path("call"),
                        format!(
                            "WindowsIdentity.Impersonate does not exist in .NET {}; use run_impersonated (CLR-12)",
                            framework.name
                        ),
                    ));
                }
                out_kind = Some(SlotKind::Context);
                RuntimeCall::Impersonate(self.identity(need("identity")?, &arg_path("identity"))?)
            }
            "undo" if !sql_call => RuntimeCall::Undo(self.bound(
                need("context")?,
                &arg_path("context"),
                SlotKind::Context,
            )?),
            "pinvoke_impersonate" => RuntimeCall::PinvokeImpersonate(
                self.identity(need("identity")?, &arg_path("identity"))?,
            ),
            "pinvoke_revert" => RuntimeCall::PinvokeRevert,
            "open_token" => {
                out_kind = Some(SlotKind::Handle);
                RuntimeCall::OpenToken(self.identity(need("identity")?, &arg_path("identity"))?)
            }
            "dispose" => RuntimeCall::Dispose(self.bound(
                need("handle")?,
                &arg_path("handle"),
                SlotKind::Handle,
            )?),
            "run_impersonated" => {
                if !framework.run_impersonated {
                    return Err(Fault::new(
                        call_node.span,
                        f.path("call"),
                        format!(
                            "WindowsIdentity.RunImpersonated exists from .NET Framework 4.6 and in .NET Core, not in {}",
                            framework.name
                        ),
                    ));
                }
                out_kind = Some(SlotKind::Scope);
                RuntimeCall::RunImpersonated(self.bound(
                    need("handle")?,
                    &arg_path("handle"),
                    SlotKind::Handle,
                )?)
            }
            "end" => {
                RuntimeCall::End(self.bound(need("scope")?, &arg_path("scope"), SlotKind::Scope)?)
            }
            "suppress_flow" => {
                out_kind = Some(SlotKind::FlowControl);
                RuntimeCall::SuppressFlow
            }
            "suppress_identity_flow" => {
                out_kind = Some(SlotKind::FlowControl);
                RuntimeCall::SuppressIdentityFlow
            }
            "suppress_security_flow" => {
                out_kind = Some(SlotKind::FlowControl);
                RuntimeCall::SuppressSecurityFlow
            }
            "restore_flow" => RuntimeCall::RestoreFlow(self.bound(
                need("control")?,
                &arg_path("control"),
                SlotKind::FlowControl,
            )?),
            "queue" => {
                out_kind = Some(SlotKind::Item);
                RuntimeCall::Queue(word(
                    need("hand_off")?,
                    &arg_path("hand_off"),
                    "an asynchronous hand-off",
                    HAND_OFFS,
                )?)
            }
            "run" => {
                RuntimeCall::Run(self.bound(need("item")?, &arg_path("item"), SlotKind::Item)?)
            }
            "finish" => {
                RuntimeCall::Finish(self.bound(need("item")?, &arg_path("item"), SlotKind::Item)?)
            }
            "whoami" => RuntimeCall::Whoami,
            "open_connection" => {
                out_kind = Some(SlotKind::Connection);
                RuntimeCall::OpenConnection
            }
            "close_connection" => RuntimeCall::CloseConnection(self.bound(
                need("connection")?,
                &arg_path("connection"),
                SlotKind::Connection,
            )?),
            "access" | "external_access" => {
                let r = need("resource")?;
                let name = string(r, &arg_path("resource"))?;
                let idx = self
                    .resources
                    .iter()
                    .position(|x| x.name.eq_ignore_ascii_case(&name))
                    .ok_or_else(|| {
                        Fault::new(
                            r.span,
                            arg_path("resource"),
                            format!("`{name}` is not a declared resource"),
                        )
                        .allowing(self.resources.iter().map(|x| x.name.clone()))
                    })?;
                if call_name == "access" {
                    RuntimeCall::Access(idx)
                } else {
                    RuntimeCall::ExternalAccess {
                        call: self.bound(need("call")?, &arg_path("call"), SlotKind::Call)?,
                        resource: idx,
                    }
                }
            }
            "connect" => {
                out_kind = Some(SlotKind::Session);
                let setup = self.sql_setup(call_node.span, &f.path("call"), call_name)?;
                RuntimeCall::Connect(named(
                    &setup.logins,
                    need("login")?,
                    &arg_path("login"),
                    "login",
                )?)
            }
            "create_assembly" => {
                out_kind = Some(SlotKind::Assembly);
                let session =
                    self.bound(need("session")?, &arg_path("session"), SlotKind::Session)?;
                let setup = self.sql_setup(call_node.span, &f.path("call"), call_name)?;
                let database = named(
                    &setup.databases,
                    need("database")?,
                    &arg_path("database"),
                    "database",
                )?;
                let set = word(
                    need("permission_set")?,
                    &arg_path("permission_set"),
                    "a permission set",
                    &[
                        ("SAFE", PermissionSet::Safe),
                        ("EXTERNAL_ACCESS", PermissionSet::ExternalAccess),
                        ("UNSAFE", PermissionSet::Unsafe),
                    ],
                )?;
                let signer = match args.get("signed_by") {
                    Some(x) => Some(named(&setup.logins, x, &arg_path("signed_by"), "login")?),
                    None => None,
                };
                RuntimeCall::CreateAssembly {
                    session,
                    database,
                    set,
                    signer,
                }
            }
            "execute_as" => {
                let session =
                    self.bound(need("session")?, &arg_path("session"), SlotKind::Session)?;
                let setup = self.sql_setup(call_node.span, &f.path("call"), call_name)?;
                match (args.get("login"), args.get("user")) {
                    (Some(l), None) => RuntimeCall::ExecuteAs {
                        session,
                        login: named(&setup.logins, l, &arg_path("login"), "login")?,
                        database: None,
                    },
                    (None, Some(u)) => RuntimeCall::ExecuteAs {
                        session,
                        login: named(&setup.logins, u, &arg_path("user"), "login")?,
                        database: Some(named(
                            &setup.databases,
                            need("database")?,
                            &arg_path("database"),
                            "database",
                        )?),
                    },
                    _ => {
                        return Err(Fault::new(
                            args_node.span,
                            args_path,
                            "`execute_as` takes either `login` or `user` (with `database`)",
                        ));
                    }
                }
            }
            "revert" => RuntimeCall::Revert(self.bound(
                need("session")?,
                &arg_path("session"),
                SlotKind::Session,
            )?),
            "alter_database" => {
                let setup = self.sql_setup(call_node.span, &f.path("call"), call_name)?;
                RuntimeCall::AlterDatabase {
                    database: named(
                        &setup.databases,
                        need("database")?,
                        &arg_path("database"),
                        "database",
                    )?,
                    trustworthy: boolean(need("trustworthy")?, &arg_path("trustworthy"))?,
                }
            }
            "enter" => {
                out_kind = Some(SlotKind::Call);
                RuntimeCall::Enter {
                    session: self.bound(
                        need("session")?,
                        &arg_path("session"),
                        SlotKind::Session,
                    )?,
                    assembly: self.bound(
                        need("assembly")?,
                        &arg_path("assembly"),
                        SlotKind::Assembly,
                    )?,
                }
            }
            "windows_identity" => {
                out_kind = Some(SlotKind::Identity);
                RuntimeCall::WindowsIdentity(self.bound(
                    need("call")?,
                    &arg_path("call"),
                    SlotKind::Call,
                )?)
            }
            "impersonate" => {
                out_kind = Some(SlotKind::Context);
                RuntimeCall::SqlImpersonate {
                    call: self.bound(need("call")?, &arg_path("call"), SlotKind::Call)?,
                    identity: self.bound(
                        need("identity")?,
                        &arg_path("identity"),
                        SlotKind::Identity,
                    )?,
                }
            }
            "undo" => RuntimeCall::SqlUndo(self.bound(
                need("context")?,
                &arg_path("context"),
                SlotKind::Context,
            )?),
            "context_query" => {
                let call = self.bound(need("call")?, &arg_path("call"), SlotKind::Call)?;
                let setup = self.sql_setup(call_node.span, &f.path("call"), call_name)?;
                RuntimeCall::ContextQuery {
                    call,
                    table: named(&setup.tables, need("table")?, &arg_path("table"), "table")?,
                }
            }
            "start_thread" => {
                out_kind = Some(SlotKind::Thread);
                RuntimeCall::StartThread(self.bound(
                    need("call")?,
                    &arg_path("call"),
                    SlotKind::Call,
                )?)
            }
            "unmanaged" => RuntimeCall::Unmanaged(self.bound(
                need("call")?,
                &arg_path("call"),
                SlotKind::Call,
            )?),
            _ => {
                return Err(Fault::new(
                    call_node.span,
                    f.path("call"),
                    format!("`{call_name}` is not a call of this kind of process"),
                ));
            }
        };
        self.follow(&call, place, n.span, &path)?;
        let out = match (f.get("out"), out_kind) {
            (Some(o), Some(kind)) => {
                let id = self.bind(o, &f.path("out"), kind)?;
                if kind == SlotKind::Item {
                    self.phases.insert(id, Phase::Queued);
                }
                if kind == SlotKind::Scope
                    && let Place::Thread(t) = place
                {
                    self.phases.insert(id, Phase::Running(t));
                    self.running.entry(t).or_default().push(id);
                }
                Some(id)
            }
            (Some(o), None) => {
                return Err(Fault::new(
                    o.span,
                    f.path("out"),
                    format!("`{call_name}` returns nothing to bind"),
                ));
            }
            (
                None,
                Some(
                    SlotKind::Item
                    | SlotKind::Scope
                    | SlotKind::Session
                    | SlotKind::Call
                    | SlotKind::Thread
                    | SlotKind::Connection,
                ),
            ) => {
                return Err(Fault::new(
                    n.span,
                    f.path("out"),
                    format!("`{call_name}` needs `out`: later steps name what it returns"),
                ));
            }
            (None, _) => None,
        };
        let note = f.optional_string("note")?;
        let expect = match f.get("expect") {
            Some(e) => Some(self.expect(e, &f.path("expect"))?),
            None => None,
        };
        Ok(RuntimeStep {
            index: i,
            span: n.span,
            place,
            name: call_name,
            text: String::new(),
            action: Action::Start,
            call,
            out,
            note,
            expect,
        })
    }

    /// Follows work items and RunImpersonated scopes through the straight-line steps, so
    /// that running an item twice, finishing it on another thread or out of order is a
    /// located error, not a run-time surprise.
    fn follow(&mut self, call: &RuntimeCall, place: Place, span: Span, path: &str) -> Read<()> {
        let Place::Thread(t) = place else {
            return Ok(());
        };
        let thread = self.threads.get(t).cloned().unwrap_or_default();
        match *call {
            RuntimeCall::Run(item) => {
                if self.phases.get(&item) != Some(&Phase::Queued) {
                    return Err(Fault::new(
                        span,
                        format!("{path}.args.item"),
                        format!(
                            "`{}` is not waiting to run: a work item runs once",
                            self.slot_name(item)
                        ),
                    ));
                }
                self.phases.insert(item, Phase::Running(t));
                self.running.entry(t).or_default().push(item);
            }
            RuntimeCall::Finish(item) | RuntimeCall::End(item) => {
                let what = if matches!(call, RuntimeCall::End(_)) {
                    "scope"
                } else {
                    "item"
                };
                if self.phases.get(&item) != Some(&Phase::Running(t)) {
                    return Err(Fault::new(
                        span,
                        format!("{path}.args.{what}"),
                        format!(
                            "`{}` is not running on thread `{thread}`",
                            self.slot_name(item)
                        ),
                    ));
                }
                let innermost = self.running.get(&t).and_then(|v| v.last()).copied();
                if innermost != Some(item) {
                    return Err(Fault::new(
                        span,
                        format!("{path}.args.{what}"),
                        format!(
                            "`{}` is not the innermost thing thread `{thread}` runs; `{}` must end first",
                            self.slot_name(item),
                            innermost.map_or_else(String::new, |i| self.slot_name(i))
                        ),
                    ));
                }
                if let Some(v) = self.running.get_mut(&t) {
                    v.pop();
                }
                self.phases.insert(item, Phase::Done);
            }
            _ => {}
        }
        Ok(())
    }

    fn slot_name(&self, id: SlotId) -> String {
        self.slots
            .get(id)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }

    fn expect(&self, n: &Node, path: &str) -> Read<RuntimeExpect> {
        let f = Fields::new(
            n,
            path,
            "an expectation",
            &["ok", "error", "identity", "rules", "reused"],
        )?;
        let ok = f.optional_bool("ok")?;
        let error = f.optional_string("error")?;
        let identity = match f.get("identity") {
            Some(x) => {
                let name = string(x, &f.path("identity"))?;
                if name != PROCESS && name != "null" && name != "anonymous" {
                    self.identity(x, &f.path("identity"))?;
                }
                Some(name)
            }
            None => None,
        };
        let rules = match f.get("rules") {
            Some(r) => crate::reader::rules(r, &f.path("rules"))?,
            None => Vec::new(),
        };
        let reused = f.optional_bool("reused")?;
        Ok(RuntimeExpect {
            span: n.span,
            ok,
            error,
            identity,
            rules,
            reused,
        })
    }
}

/// A name from a table, with a located error listing the table.
fn named(table: &[String], n: &Node, path: &str, what: &str) -> Read<usize> {
    let name = string(n, path)?;
    table
        .iter()
        .position(|x| x.eq_ignore_ascii_case(&name))
        .ok_or_else(|| {
            Fault::new(n.span, path, format!("`{name}` is not a declared {what}"))
                .allowing(table.iter().cloned())
        })
}

/// Every call a runtime step may make.
const CALLS: &[(&str, &str)] = &[
    ("impersonate", "impersonate"),
    ("undo", "undo"),
    ("pinvoke_impersonate", "pinvoke_impersonate"),
    ("pinvoke_revert", "pinvoke_revert"),
    ("open_token", "open_token"),
    ("dispose", "dispose"),
    ("run_impersonated", "run_impersonated"),
    ("end", "end"),
    ("suppress_flow", "suppress_flow"),
    ("suppress_identity_flow", "suppress_identity_flow"),
    ("suppress_security_flow", "suppress_security_flow"),
    ("restore_flow", "restore_flow"),
    ("queue", "queue"),
    ("run", "run"),
    ("finish", "finish"),
    ("whoami", "whoami"),
    ("access", "access"),
    ("open_connection", "open_connection"),
    ("close_connection", "close_connection"),
    ("connect", "connect"),
    ("create_assembly", "create_assembly"),
    ("execute_as", "execute_as"),
    ("revert", "revert"),
    ("alter_database", "alter_database"),
    ("enter", "enter"),
    ("windows_identity", "windows_identity"),
    ("context_query", "context_query"),
    ("external_access", "external_access"),
    ("start_thread", "start_thread"),
    ("unmanaged", "unmanaged"),
];

/// The calls of a `sql-server` process (`impersonate` is shared and decided by the host).
const SQL_CALLS: &[&str] = &[
    "connect",
    "create_assembly",
    "execute_as",
    "revert",
    "alter_database",
    "enter",
    "windows_identity",
    "context_query",
    "external_access",
    "start_thread",
    "unmanaged",
];

/// The SQL Server calls made by managed code on a thread (the others are T-SQL).
const THREADED_SQL_CALLS: &[&str] = &[
    "windows_identity",
    "impersonate",
    "undo",
    "context_query",
    "external_access",
    "start_thread",
    "unmanaged",
];

/// The arguments each call takes.
fn args_of(call: &str, sql: bool) -> &'static [&'static str] {
    match call {
        "impersonate" if sql => &["call", "identity"],
        "impersonate" => &["identity"],
        "undo" => &["context"],
        "pinvoke_impersonate" | "open_token" => &["identity"],
        "dispose" | "run_impersonated" => &["handle"],
        "end" => &["scope"],
        "restore_flow" => &["control"],
        "queue" => &["hand_off"],
        "run" | "finish" => &["item"],
        "access" => &["resource"],
        "close_connection" => &["connection"],
        "connect" => &["login"],
        "create_assembly" => &["session", "database", "permission_set", "signed_by"],
        "execute_as" => &["session", "login", "user", "database"],
        "revert" => &["session"],
        "alter_database" => &["database", "trustworthy"],
        "enter" => &["session", "assembly"],
        "windows_identity" | "start_thread" | "unmanaged" => &["call"],
        "context_query" => &["call", "table"],
        "external_access" => &["call", "resource"],
        _ => &[],
    }
}
