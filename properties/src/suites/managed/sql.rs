//! The SQL Server half of the `managed` suite: one instance hosting CLR code, a session of
//! a Windows login or of a SQL Server login, and every sequence of T-SQL statements
//! (EXECUTE AS LOGIN or USER, REVERT, a call into an assembly of each permission set) and
//! of calls the routine's code makes on its entry thread or a thread it started
//! (SqlContext.WindowsIdentity, Impersonate, Undo, a query on the context connection, an
//! external resource, local or remote). This module owns those configurations and which
//! calls to try; each transition is one `tokenhop_model::managed::step`, and the suite's
//! state pairs the configuration with the model's runtime.
//!
//! Beside the runtime the state keeps a [`Routine`] record: an independent oracle, a
//! second statement of what the program did, on purpose: the session's execution context
//! at the moment the routine was entered, which threads of the routine impersonate (from
//! the Impersonate and Undo calls that succeeded), whether the code started its thread,
//! and that the routine is the one running (a later statement on the session means it
//! returned). Whether the session's login uses Windows or SQL Server authentication comes
//! from the configuration, not the model's logins. INV-16 and INV-18
//! (`crate::invariants::managed`) read it.

use tokenhop_check::fingerprint;
use tokenhop_model::core::decision::Trail;
use tokenhop_model::managed::dotnet::Family;
use tokenhop_model::managed::sql::{
    Assembly, Catalog, ClrThread, Context, Database, DatabaseId, Instance, Login, LoginId,
    PermissionSet, Table, TableId,
};
use tokenhop_model::managed::{
    Action, AssemblyId, CallId, Ident, IdentityId, Outcome, Resource, ResourceId, Runtime,
    SessionId, Setup, SqlContextId, SqlSetup, WindowsIdentitySource, step_in_place, step_with,
};
use tokenhop_model::rules::readings::Readings;

/// The SQL Server service account's identity.
pub const SERVICE: Ident = 0;
/// alice's Windows identity.
pub const ALICE_ID: Ident = 1;
/// bob's identity (a SQL Server login: a name only SQL Server knows).
pub const BOB_ID: Ident = 2;
/// carol's Windows identity.
pub const CAROL_ID: Ident = 3;
/// sa's identity (a SQL Server login).
pub const SA_ID: Ident = 4;
/// alice's login: Windows authentication; IMPERSONATE on bob and carol.
pub const ALICE: LoginId = 0;
/// bob's login: SQL Server authentication; IMPERSONATE on alice and carol.
pub const BOB: LoginId = 1;
/// carol's login: Windows authentication; no grants.
pub const CAROL: LoginId = 2;
/// sa: sysadmin, owner of both databases, signer of the assemblies.
pub const SA: LoginId = 3;
/// The logins a session may switch to.
pub const TARGETS: [LoginId; 3] = [ALICE, BOB, CAROL];
/// The database holding the assemblies.
pub const APP: DatabaseId = 0;
/// A second database.
pub const OTHER: DatabaseId = 1;
/// app's table, readable by alice and carol.
pub const ORDERS: TableId = 0;
/// other's table, readable by bob and carol.
pub const PAYROLL: TableId = 1;
/// The assemblies in app, by id: one of each permission set, signed by sa.
pub const ASSEMBLIES: [PermissionSet; 3] = [
    PermissionSet::Safe,
    PermissionSet::ExternalAccess,
    PermissionSet::Unsafe,
];
/// At most this many EXECUTE AS contexts are stacked.
pub const MAX_SWITCHES: usize = 2;
/// The threads of a routine the suite drives: the entry thread and one it may start.
pub const THREADS: [ClrThread; 2] = [ClrThread::Entry, ClrThread::Started(0)];
/// A file on the server, which admits everyone: what the routine reaches is whom it sees.
pub const LOCAL_FILE: ResourceId = ResourceId(0);
/// A share on another machine, which admits everyone but ANONYMOUS LOGON (SQL-10).
pub const REMOTE_SHARE: ResourceId = ResourceId(1);
/// The session the suite drives.
pub const SESSION: SessionId = SessionId(0);
/// The routine running: a call into an assembly replaces the last one.
pub const CALL: CallId = CallId(0);

/// One configuration: an instance, the session's login, and its settings in words.
#[derive(Clone, Debug)]
pub struct Config {
    /// The runtime the model steps: the instance, its catalog and the two resources.
    pub setup: Setup,
    /// The login the session connects as.
    pub caller: LoginId,
    /// Whether that login uses Windows authentication (INV-18 reads this, not the
    /// instance's login table).
    pub caller_windows: bool,
    /// Whether `clr strict security` is on.
    pub strict: bool,
    /// Whether the service may delegate its callers' identities (SQL-10).
    pub delegation: bool,
    /// Its settings, in words.
    pub words: String,
}

fn instance(strict: bool, delegation: bool) -> Instance {
    let login = |identity, windows, may_impersonate: Vec<LoginId>| Login {
        identity,
        windows,
        may_impersonate,
        ..Login::default()
    };
    Instance {
        version: if strict { 2019 } else { 2016 },
        strict,
        service: SERVICE,
        delegation,
        logins: vec![
            login(ALICE_ID, true, vec![BOB, CAROL]),
            login(BOB_ID, false, vec![ALICE, CAROL]),
            login(CAROL_ID, true, Vec::new()),
            Login {
                sysadmin: true,
                ..login(SA_ID, false, Vec::new())
            },
        ],
        tables: vec![
            Table {
                database: APP,
                readers: vec![ALICE, CAROL],
            },
            Table {
                database: OTHER,
                readers: vec![BOB, CAROL],
            },
        ],
    }
}

fn config(caller_windows: bool, strict: bool, trustworthy: bool, delegation: bool) -> Config {
    let catalog = Catalog {
        databases: vec![
            Database {
                owner: SA,
                trustworthy,
            },
            Database {
                owner: SA,
                trustworthy: false,
            },
        ],
        assemblies: ASSEMBLIES
            .iter()
            .map(|&declared| {
                Some(Assembly {
                    database: APP,
                    declared,
                    signer: Some(SA),
                })
            })
            .collect(),
    };
    let mut setup = Setup::sql_server(
        Family::Framework2.newest(),
        SqlSetup {
            instance: instance(strict, delegation),
            catalog,
        },
    );
    let everyone = vec![SERVICE, ALICE_ID, BOB_ID, CAROL_ID, SA_ID];
    setup.resources = vec![
        Resource {
            readers: everyone.clone(),
            remote: false,
        },
        Resource {
            readers: everyone,
            remote: true,
        },
    ];
    setup.identities = ["the service account", "alice", "bob", "carol", "sa"]
        .map(String::from)
        .to_vec();
    let words = [
        if caller_windows {
            "alice connects (Windows authentication)"
        } else {
            "bob connects (SQL Server authentication)"
        },
        if strict {
            "SQL Server 2019, clr strict security on"
        } else {
            "SQL Server 2016"
        },
        if trustworthy {
            "app TRUSTWORTHY"
        } else {
            "app not TRUSTWORTHY"
        },
        if delegation {
            "the service may delegate"
        } else {
            "no delegation"
        },
    ]
    .join(", ");
    Config {
        setup,
        caller: if caller_windows { ALICE } else { BOB },
        caller_windows,
        strict,
        delegation,
        words,
    }
}

/// Every configuration: the session's login of each authentication kind, `clr strict
/// security` on (SQL Server 2019) or absent (2016), app TRUSTWORTHY or not, and the
/// service able to delegate or not.
#[must_use]
pub fn configs() -> Vec<Config> {
    let mut all = Vec::new();
    for windows in [true, false] {
        for strict in [false, true] {
            for trustworthy in [false, true] {
                for delegation in [false, true] {
                    all.push(config(windows, strict, trustworthy, delegation));
                }
            }
        }
    }
    all
}

/// The oracle's record of the routine running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Routine {
    /// The session's execution context when the T-SQL statement entered it.
    pub entry: Context,
    /// Whether the code started its thread.
    pub started: bool,
    /// Which of [`THREADS`] impersonate, by the Impersonate and Undo calls that succeeded.
    pub impersonating: [bool; 2],
}

/// A state of the SQL Server half: a configuration, the model's runtime, and the oracle's
/// record of the routine running, if one is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// The configuration's index.
    pub config: u16,
    /// The model's runtime.
    pub runtime: Runtime,
    /// The routine running.
    pub routine: Option<Routine>,
}

impl State {
    /// The session's execution contexts: the connecting one, then one per EXECUTE AS.
    fn depth(&self) -> usize {
        self.runtime
            .sql()
            .and_then(|s| s.session(SESSION))
            .map_or(0, |s| s.depth())
    }

    /// The session's context in effect.
    #[must_use]
    pub fn current(&self) -> Option<Context> {
        self.runtime
            .sql()
            .and_then(|s| s.session(SESSION))
            .map(tokenhop_model::managed::sql::Session::current)
    }
}

/// How the `managed` suite tells its halves apart in fingerprints (the SQL Server half
/// second).
const SUITE_HALF: isize = 1;

/// The slot of a routine's thread among [`THREADS`].
#[must_use]
pub fn slot(thread: ClrThread) -> usize {
    match thread {
        ClrThread::Entry => 0,
        ClrThread::Started(_) => 1,
    }
}

/// The impersonation context a thread of the routine binds: numbered as its [`slot`].
fn context(thread: ClrThread) -> SqlContextId {
    match thread {
        ClrThread::Entry => SqlContextId(0),
        ClrThread::Started(_) => SqlContextId(1),
    }
}

/// The SQL Server half's model.
#[derive(Clone, Debug)]
pub struct Sql {
    configs: Vec<Config>,
}

impl Sql {
    /// Over `configs`, under the default readings.
    #[must_use]
    pub fn new(configs: Vec<Config>) -> Self {
        Sql { configs }
    }

    /// Under `readings`.
    #[must_use]
    pub fn with_readings(mut self, readings: Readings) -> Self {
        for c in &mut self.configs {
            c.setup.readings = readings;
        }
        self
    }

    /// The configurations.
    #[must_use]
    pub fn configs(&self) -> &[Config] {
        &self.configs
    }

    /// The configuration of `state`.
    #[must_use]
    pub fn config(&self, state: &State) -> Option<&Config> {
        self.configs.get(usize::from(state.config))
    }

    /// One state per configuration: the session connected, nothing run.
    #[must_use]
    pub fn initial_states(&self) -> Vec<State> {
        self.configs
            .iter()
            .zip(0u16..)
            .filter_map(|(c, index)| {
                let connect = Action::Connect {
                    login: c.caller,
                    session: SESSION,
                };
                let runtime = Runtime::new(&c.setup);
                let (runtime, _) =
                    step_with(&c.setup, &runtime, &connect, Trail::rule_set()).ok()?;
                Some(State {
                    config: index,
                    runtime,
                    routine: None,
                })
            })
            .collect()
    }

    /// The statements and calls worth trying from `state`.
    pub fn actions(&self, state: &State, out: &mut Vec<Action>) {
        if state.depth() <= MAX_SWITCHES {
            for login in TARGETS {
                for user in [false, true] {
                    out.push(Action::ExecuteAs {
                        session: SESSION,
                        login,
                        database: user.then_some(APP),
                    });
                }
            }
        }
        if state.current().is_some_and(|c| c.switched) {
            out.push(Action::Revert { session: SESSION });
        }
        out.extend((0u16..).take(ASSEMBLIES.len()).map(|a| Action::Enter {
            session: SESSION,
            assembly: AssemblyId(a),
            call: CALL,
        }));
        let Some(r) = &state.routine else {
            return;
        };
        out.push(Action::WindowsIdentity {
            call: CALL,
            identity: IdentityId(0),
        });
        if !r.started {
            out.push(Action::StartThread { call: CALL });
        }
        for thread in THREADS {
            if thread != ClrThread::Entry && !r.started {
                continue;
            }
            if r.impersonating[slot(thread)] {
                out.push(Action::SqlUndo {
                    thread,
                    context: context(thread),
                });
            } else {
                out.push(Action::SqlImpersonate {
                    call: CALL,
                    thread,
                    identity: WindowsIdentitySource::SqlContext,
                    context: context(thread),
                });
            }
            for table in [ORDERS, PAYROLL] {
                out.push(Action::ContextQuery {
                    call: CALL,
                    thread,
                    table,
                });
            }
            for resource in [LOCAL_FILE, REMOTE_SHARE] {
                out.push(Action::ExternalAccess {
                    call: CALL,
                    thread,
                    resource,
                });
            }
        }
    }

    /// The state `action` leads to and the model's outcome, or `None` when it does not
    /// apply. A statement or call that fails changes nothing.
    #[must_use]
    pub fn next(&self, state: &State, action: &Action) -> Option<(State, Outcome)> {
        let config = self.config(state)?;
        let routine_call = matches!(
            action,
            Action::WindowsIdentity { .. }
                | Action::SqlImpersonate { .. }
                | Action::SqlUndo { .. }
                | Action::StartThread { .. }
                | Action::ContextQuery { .. }
                | Action::ExternalAccess { .. }
        );
        if routine_call && state.routine.is_none() {
            return None;
        }
        if matches!(action, Action::ExecuteAs { .. }) && state.depth() > MAX_SWITCHES {
            return None;
        }
        let mut next = state.clone();
        let outcome =
            step_in_place(&config.setup, &mut next.runtime, action, Trail::rule_set()).ok()?;
        if outcome.result.is_err() {
            return Some((next, outcome));
        }
        match *action {
            Action::ExecuteAs { .. } | Action::Revert { .. } => next.routine = None,
            Action::Enter { .. } => {
                next.routine = Some(Routine {
                    entry: state.current()?,
                    started: false,
                    impersonating: [false; 2],
                });
            }
            Action::SqlImpersonate { thread, .. } => {
                if let Some(r) = &mut next.routine {
                    r.impersonating[slot(thread)] = true;
                }
            }
            Action::SqlUndo { thread, .. } => {
                if let Some(r) = &mut next.routine {
                    r.impersonating[slot(thread)] = false;
                }
            }
            Action::StartThread { .. } => {
                if let Some(r) = &mut next.routine {
                    r.started = true;
                }
            }
            _ => {}
        }
        Some((next, outcome))
    }

    /// The fingerprint of `state`: its configuration, the session's contexts and, while a
    /// routine runs, the oracle's record of it and what the model's call exposes for the
    /// suite's two threads (WindowsIdentity values read and contexts of routines that
    /// returned are left out: no later call names them). The values are hashed in the
    /// order the suite has always hashed them, so that the explorer meets the states, and
    /// reports the counterexamples, in the same order.
    #[must_use]
    pub fn fingerprint(&self, state: &State) -> u64 {
        let sql = state.runtime.sql();
        let Some(session) = sql.and_then(|s| s.session(SESSION)) else {
            return fingerprint::of(&(SUITE_HALF, state.config));
        };
        let routine = state.routine.and_then(|r| {
            let c = sql.and_then(|s| s.call(CALL))?;
            let call = (
                c.assembly,
                c.set,
                c.entry,
                c.original,
                c.impersonating(ClrThread::Entry),
                c.impersonating(ClrThread::Started(0)),
            );
            Some((call, r.entry, r.started, r.impersonating))
        });
        let switches = state.depth().saturating_sub(1);
        fingerprint::of(&(SUITE_HALF, state.config, session, switches, routine))
    }

    /// An action in words.
    #[must_use]
    pub fn describe_action(&self, action: &Action) -> String {
        let on = |t: &ClrThread| match t {
            ClrThread::Entry => "the entry thread".to_owned(),
            ClrThread::Started(n) => format!("started thread #{n}"),
        };
        match action {
            Action::ExecuteAs {
                login, database, ..
            } => format!(
                "EXECUTE AS {} = {}{}",
                if database.is_some() { "USER" } else { "LOGIN" },
                login_name(*login),
                if database.is_some() { " (in app)" } else { "" }
            ),
            Action::Revert { .. } => "REVERT".to_owned(),
            Action::Enter { assembly, .. } => format!(
                "the session calls into the {} assembly's routine",
                ASSEMBLIES.get(assembly.index()).map_or("?", |s| s.name())
            ),
            Action::WindowsIdentity { .. } => {
                "the routine reads SqlContext.WindowsIdentity".to_owned()
            }
            Action::SqlImpersonate { thread, .. } => {
                format!("{} impersonates SqlContext.WindowsIdentity", on(thread))
            }
            Action::SqlUndo { thread, .. } => format!("{} calls Undo", on(thread)),
            Action::StartThread { .. } => "the routine starts a thread".to_owned(),
            Action::ContextQuery { thread, table, .. } => format!(
                "{} queries {} on the context connection",
                on(thread),
                if *table == ORDERS {
                    "app.orders"
                } else {
                    "other.payroll"
                }
            ),
            Action::ExternalAccess {
                thread, resource, ..
            } => format!(
                "{} opens {}",
                on(thread),
                if *resource == REMOTE_SHARE {
                    "a share on another machine"
                } else {
                    "a local file"
                }
            ),
            other => format!("{other:?}"),
        }
    }

    /// A state in words.
    #[must_use]
    pub fn describe_state(&self, state: &State) -> String {
        let words = self.config(state).map_or("?", |c| c.words.as_str());
        let Some(current) = state.current() else {
            return format!("[{words}]");
        };
        let mut s = format!(
            "[{words}] the session runs as {}{}",
            login_name(current.principal),
            match (current.switched, current.scope) {
                (false, _) => "",
                (true, None) => " (EXECUTE AS LOGIN)",
                (true, Some(_)) => " (EXECUTE AS USER in app)",
            }
        );
        if let Some(r) = &state.routine {
            let set = state
                .runtime
                .sql()
                .and_then(|x| x.call(CALL))
                .map_or("?", |c| c.set.name());
            s.push_str(&format!(
                "; in the {set} routine entered as {}",
                login_name(r.entry.principal)
            ));
            for t in THREADS {
                if r.impersonating[slot(t)] {
                    s.push_str(match t {
                        ClrThread::Entry => ", the entry thread impersonating",
                        ClrThread::Started(_) => ", the started thread impersonating",
                    });
                }
            }
            if r.started {
                s.push_str(", a thread started");
            }
        }
        s
    }
}

/// A login's name.
#[must_use]
pub fn login_name(login: LoginId) -> &'static str {
    match login {
        ALICE => "alice",
        BOB => "bob",
        CAROL => "carol",
        SA => "sa",
        _ => "?",
    }
}

/// An identity's name.
#[must_use]
pub fn identity_name(who: Ident) -> &'static str {
    match who {
        SERVICE => "the service account",
        ALICE_ID => "alice",
        BOB_ID => "bob",
        CAROL_ID => "carol",
        SA_ID => "sa",
        _ => "?",
    }
}
