//! Reading a runtime scenario (format v1): the process, its identities and threads, SQL
//! Server's logins, databases, tables and resources, with every name checked at load with
//! a located error, into the model's [`Setup`]; then the steps, which `steps` decodes
//! into the model's actions.

mod steps;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use tokenhop_model::managed::dotnet::{FRAMEWORKS, Family, FlowConfig, Host};
use tokenhop_model::managed::sql::{Catalog, Database, Instance, Login, Table};
use tokenhop_model::managed::{Ident, Resource as ModelResource, Setup, SqlSetup as ModelSqlSetup};

use super::{Runtime, RuntimeExpect, SetupExpect, SqlNames};
use crate::error::Fault;
use crate::node::{Node, Span};
use crate::reader::{Fields, Read, boolean, index, list, string, word};

/// Why a process's threads past the 65,535th are refused: the runtime numbers its threads
/// with 16-bit ids, and a step's thread converts to one only because of this check.
pub(crate) const TOO_MANY_THREADS: &str =
    "too many threads: a .NET process numbers at most 65535 (its thread ids are 16-bit)";

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
        let mut declared = HashSet::new();
        for (i, t) in list(n, "threads")?.iter().enumerate() {
            let p = index("threads", i);
            let name = string(t, &p)?;
            if !declared.insert(name.clone()) {
                return Err(Fault::new(
                    t.span,
                    p,
                    format!("thread `{name}` is declared twice"),
                ));
            }
            if b.threads.len() >= usize::from(u16::MAX) {
                return Err(Fault::new(t.span, p, TOO_MANY_THREADS));
            }
            b.threads.push(name);
        }
    }
    if let Some(n) = top.get("resources") {
        for (i, r) in list(n, "resources")?.iter().enumerate() {
            b.resource(r, &index("resources", i))?;
        }
    }
    let mut decoder = steps::Decoder::new(&b);
    let mut steps = Vec::new();
    for (i, n) in list(top.require("steps", "a runtime scenario")?, "steps")?
        .iter()
        .enumerate()
    {
        steps.push(decoder.step(n, i)?);
    }
    let slots = decoder.slots;
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
            .map_err(|_| Fault::new(root.span, "threads", TOO_MANY_THREADS))?,
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
        threads: b.threads,
        resources: b.resources.into_iter().map(|r| r.name).collect(),
        sql: b.sql.map(|s| s.names),
        setup_expect: b.setup_expect,
        slots,
        steps,
    })
}

/// A resource as declared.
struct Resource {
    name: String,
    readers: Vec<Ident>,
    remote: bool,
}

/// SQL Server as declared: the model's instance and catalog, and the names.
struct SqlSetup {
    instance: Instance,
    catalog: Catalog,
    names: SqlNames,
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
}

const PROCESS_FIELDS: &[&str] = &[
    "framework",
    "host",
    "identity",
    "config",
    "hosting_flags",
    "expect",
];

/// The fields of a SQL Server login.
const LOGIN_FIELDS: &[&str] = &[
    "name",
    "windows",
    "sysadmin",
    "external_access_assembly",
    "unsafe_assembly",
    "create_assembly_in",
    "impersonate",
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
            names: SqlNames::default(),
        };
        let login_nodes = list(
            f.require("logins", "SQL Server's setup")?,
            &f.path("logins"),
        )?;
        self.sql_logins(&mut setup, login_nodes, &f.path("logins"))?;
        self.sql_databases(
            &mut setup,
            f.require("databases", "SQL Server's setup")?,
            &f.path("databases"),
        )?;
        Self::sql_grants(&mut setup, login_nodes, &f.path("logins"))?;
        if let Some(ts) = f.get("tables") {
            Self::sql_tables(&mut setup, ts, &f.path("tables"))?;
        }
        self.sql = Some(setup);
        Ok(())
    }

    /// The logins' names and flags (grants, which may name any login, come after).
    fn sql_logins(&mut self, setup: &mut SqlSetup, login_nodes: &[Node], base: &str) -> Read<()> {
        // First pass: names, so that grants may name any login.
        for (i, l) in login_nodes.iter().enumerate() {
            let p = index(base, i);
            let lf = Fields::new(l, &p, "a login", LOGIN_FIELDS)?;
            let name_node = lf.require("name", "a login")?;
            let name = string(name_node, &lf.path("name"))?;
            if setup
                .names
                .logins
                .iter()
                .any(|x| x.eq_ignore_ascii_case(&name))
            {
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
            setup.names.logins.push(name);
        }
        Ok(())
    }

    /// The databases, each owned by a declared login.
    fn sql_databases(&mut self, setup: &mut SqlSetup, dbs: &Node, base: &str) -> Read<()> {
        for (i, d) in list(dbs, base)?.iter().enumerate() {
            let p = index(base, i);
            let df = Fields::new(d, &p, "a database", &["name", "owner", "trustworthy"])?;
            let name_node = df.require("name", "a database")?;
            let name = string(name_node, &df.path("name"))?;
            if setup
                .names
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
                &setup.names.logins,
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
            setup.names.databases.push(name);
        }
        Ok(())
    }

    /// The logins' grants: CREATE ASSEMBLY in databases, IMPERSONATE on logins.
    fn sql_grants(setup: &mut SqlSetup, login_nodes: &[Node], base: &str) -> Read<()> {
        for (i, l) in login_nodes.iter().enumerate() {
            let p = index(base, i);
            let lf = Fields::new(l, &p, "a login", LOGIN_FIELDS)?;
            if let Some(x) = lf.get("create_assembly_in") {
                for (j, d) in list(x, &lf.path("create_assembly_in"))?.iter().enumerate() {
                    let db = named(
                        &setup.names.databases,
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
                        &setup.names.logins,
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
        Ok(())
    }

    /// The tables, each in a declared database, with the logins that may read it.
    fn sql_tables(setup: &mut SqlSetup, ts: &Node, base: &str) -> Read<()> {
        for (i, t) in list(ts, base)?.iter().enumerate() {
            let p = index(base, i);
            let tf = Fields::new(t, &p, "a table", &["name", "database", "readers"])?;
            let name_node = tf.require("name", "a table")?;
            let name = string(name_node, &tf.path("name"))?;
            if setup
                .names
                .tables
                .iter()
                .any(|x| x.eq_ignore_ascii_case(&name))
            {
                return Err(Fault::new(
                    name_node.span,
                    tf.path("name"),
                    format!("table `{name}` is declared twice"),
                ));
            }
            let database = named(
                &setup.names.databases,
                tf.require("database", "a table")?,
                &tf.path("database"),
                "database",
            )?;
            let mut readers = Vec::new();
            if let Some(r) = tf.get("readers") {
                for (j, x) in list(r, &tf.path("readers"))?.iter().enumerate() {
                    readers.push(named(
                        &setup.names.logins,
                        x,
                        &index(&tf.path("readers"), j),
                        "login",
                    )?);
                }
            }
            setup.instance.tables.push(Table { database, readers });
            setup.names.tables.push(name);
        }
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

    fn sql_setup(&self, span: Span, path: &str, call: &str) -> Read<&SqlSetup> {
        self.sql.as_ref().ok_or_else(|| {
            Fault::new(
                span,
                path,
                format!("`{call}` is a SQL Server call, and the process is not `sql-server`"),
            )
        })
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
