//! The SQL Server half of the `managed` suite: one instance hosting CLR code, a session of
//! a Windows login or of a SQL Server login, and every sequence of T-SQL statements
//! (EXECUTE AS LOGIN or USER, REVERT, a call into an assembly of each permission set) and
//! of calls the routine's code makes on its entry thread or a thread it started
//! (SqlContext.WindowsIdentity, Impersonate, Undo, a query on the context connection, an
//! external resource, local or remote). This module owns those configurations, the
//! state, the transitions (each one call of `tokenhop_model::managed::sql`, as the
//! runtime interpreter makes it) and the checks of INV-16 and INV-18.
//!
//! The suite keeps its own record beside the model's: the session's execution context at
//! the moment the routine was entered, which threads of the routine impersonate (from the
//! Impersonate and Undo calls that succeeded), and whether the session's connecting login
//! used Windows or SQL Server authentication (from the configuration, not the model's
//! logins).

use std::hash::{Hash, Hasher};
use tokenhop_check::Violation;

use tokenhop_model::core::decision::Trail;
use tokenhop_model::managed::Ident;
use tokenhop_model::managed::exception::Exception;
use tokenhop_model::managed::sql::{
    Assembly, Catalog, ClrCall, ClrThread, Context, Database, DatabaseId, Instance, Login, LoginId,
    PermissionSet, Session, Table, TableId,
};
use tokenhop_model::rules::readings::Readings;

use super::Observed;
use super::dotnet::Effect;

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
pub const MAX_SWITCHES: u8 = 2;
/// The threads of a routine the suite drives: the entry thread and one it may start.
pub const THREADS: [ClrThread; 2] = [ClrThread::Entry, ClrThread::Started(0)];

/// One configuration: an instance, the session's login, and its settings in words.
#[derive(Clone, Debug)]
pub struct Config {
    /// The instance.
    pub server: Instance,
    /// Its databases and assemblies.
    pub catalog: Catalog,
    /// The login the session connects as.
    pub caller: LoginId,
    /// Whether that login uses Windows authentication (INV-18 reads this, not the
    /// instance's login table).
    pub caller_windows: bool,
    /// Whether the service may delegate its callers' identities (SQL-10).
    pub delegation: bool,
    /// Its settings, in words.
    pub words: String,
}

fn config(caller_windows: bool, strict: bool, trustworthy: bool, delegation: bool) -> Config {
    let login = |identity, windows, may_impersonate: Vec<LoginId>| Login {
        identity,
        windows,
        may_impersonate,
        ..Login::default()
    };
    let server = Instance {
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
    };
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
        server,
        catalog,
        caller: if caller_windows { ALICE } else { BOB },
        caller_windows,
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

/// A routine's call: the model's [`ClrCall`], hashed by everything it exposes for the
/// suite's two threads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call(pub ClrCall);

impl Hash for Call {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.assembly.hash(h);
        self.0.set.hash(h);
        self.0.entry.hash(h);
        self.0.original.hash(h);
        for t in THREADS {
            self.0.impersonating(t).hash(h);
        }
    }
}

/// The routine entered last, with the suite's record of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Routine {
    /// The model's call.
    pub call: Call,
    /// The session's execution context when the T-SQL statement entered it.
    pub entry: Context,
    /// Whether the code started its thread.
    pub started: bool,
    /// Which of [`THREADS`] impersonate, by the Impersonate and Undo calls that succeeded.
    pub impersonating: [bool; 2],
}

/// A state of the SQL Server half.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// The configuration's index.
    pub config: u16,
    /// The session.
    pub session: Session,
    /// How many EXECUTE AS contexts are stacked.
    pub switches: u8,
    /// The routine entered last, while it runs.
    pub routine: Option<Routine>,
}

/// A T-SQL statement of the session, or a call of the running routine's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// EXECUTE AS LOGIN, or with `user` EXECUTE AS USER in app.
    ExecuteAs {
        /// The login (or the user's login).
        login: LoginId,
        /// A database user rather than a login.
        user: bool,
    },
    /// REVERT.
    Revert,
    /// A statement calls into an assembly's routine.
    Enter(usize),
    /// SqlContext.WindowsIdentity, read on the entry thread.
    WindowsIdentity,
    /// WindowsIdentity.Impersonate on SqlContext.WindowsIdentity, on a thread.
    Impersonate(ClrThread),
    /// WindowsImpersonationContext.Undo on a thread.
    Undo(ClrThread),
    /// The code starts a thread.
    StartThread,
    /// A query on the context connection from a thread.
    Query(ClrThread, TableId),
    /// A file (local) or share (remote) reached from a thread.
    ExternalAccess(ClrThread, bool),
}

fn slot(thread: ClrThread) -> usize {
    match thread {
        ClrThread::Entry => 0,
        ClrThread::Started(_) => 1,
    }
}

/// The SQL Server half's model.
#[derive(Clone, Debug)]
pub struct Sql {
    configs: Vec<Config>,
    readings: Readings,
}

impl Sql {
    /// Over `configs`, under the default readings.
    #[must_use]
    pub fn new(configs: Vec<Config>) -> Self {
        Sql {
            configs,
            readings: Readings::default(),
        }
    }

    /// Under `readings`.
    #[must_use]
    pub fn with_readings(self, readings: Readings) -> Self {
        Sql { readings, ..self }
    }

    /// The configurations.
    #[must_use]
    pub fn configs(&self) -> &[Config] {
        &self.configs
    }

    /// One state per configuration: the session connected, nothing run.
    #[must_use]
    pub fn initial_states(&self) -> Vec<State> {
        self.configs
            .iter()
            .enumerate()
            .map(|(i, c)| State {
                config: u16::try_from(i).unwrap_or(u16::MAX),
                session: Session::new(c.caller),
                switches: 0,
                routine: None,
            })
            .collect()
    }

    /// The statements and calls worth trying from `state`.
    pub fn actions(&self, state: &State, out: &mut Vec<Action>) {
        if state.switches < MAX_SWITCHES {
            for login in TARGETS {
                for user in [false, true] {
                    out.push(Action::ExecuteAs { login, user });
                }
            }
        }
        if state.session.current().switched {
            out.push(Action::Revert);
        }
        out.extend((0..ASSEMBLIES.len()).map(Action::Enter));
        let Some(r) = &state.routine else {
            return;
        };
        out.push(Action::WindowsIdentity);
        if !r.started {
            out.push(Action::StartThread);
        }
        for thread in THREADS {
            if thread != ClrThread::Entry && !r.started {
                continue;
            }
            if r.impersonating[slot(thread)] {
                out.push(Action::Undo(thread));
            } else {
                out.push(Action::Impersonate(thread));
            }
            out.push(Action::Query(thread, ORDERS));
            out.push(Action::Query(thread, PAYROLL));
            out.push(Action::ExternalAccess(thread, false));
            out.push(Action::ExternalAccess(thread, true));
        }
    }

    /// The state `action` leads to and its effect, or `None` when it does not apply. A
    /// statement or call that fails changes nothing.
    #[must_use]
    pub fn next(&self, state: &State, action: &Action) -> Option<(State, Effect)> {
        let config = self.configs.get(usize::from(state.config))?;
        let server = &config.server;
        let mut trail = Trail::rule_set();
        let mut next = state.clone();
        let result = match *action {
            Action::ExecuteAs { login, user } => {
                if state.switches >= MAX_SWITCHES {
                    return None;
                }
                server
                    .execute_as(
                        &config.catalog,
                        &mut next.session,
                        login,
                        user.then_some(APP),
                        &mut trail,
                    )
                    .map(|()| {
                        next.switches += 1;
                        next.routine = None;
                        Observed::Nothing
                    })
            }
            Action::Revert => next.session.revert(&self.readings, &mut trail).map(|()| {
                next.switches = next.switches.saturating_sub(1);
                next.routine = None;
                Observed::Nothing
            }),
            Action::Enter(assembly) => server
                .enter_clr(
                    &config.catalog,
                    &state.session,
                    tokenhop_model::managed::AssemblyId(
                        u16::try_from(assembly).unwrap_or(u16::MAX),
                    ),
                    &mut trail,
                )
                .map(|call| {
                    next.routine = Some(Routine {
                        call: Call(call),
                        entry: state.session.current(),
                        started: false,
                        impersonating: [false; 2],
                    });
                    Observed::Nothing
                }),
            Action::WindowsIdentity => {
                let r = state.routine.as_ref()?;
                server
                    .windows_identity(&r.call.0, &self.readings, &mut trail)
                    .map(Observed::WindowsIdentity)
            }
            Action::Impersonate(thread) => {
                let r = next.routine.as_mut()?;
                server
                    .windows_identity(&r.call.0, &self.readings, &mut trail)
                    .and_then(|wi| {
                        r.call.0.impersonate(thread, wi, &mut trail)?;
                        r.impersonating[slot(thread)] = true;
                        Ok(Observed::Impersonated(wi))
                    })
            }
            Action::Undo(thread) => {
                let r = next.routine.as_mut()?;
                r.call.0.undo(thread, &mut trail);
                r.impersonating[slot(thread)] = false;
                Ok(Observed::Nothing)
            }
            Action::StartThread => {
                let r = next.routine.as_mut()?;
                r.call.0.start_thread(&mut trail).map(|()| {
                    r.started = true;
                    Observed::Nothing
                })
            }
            Action::Query(thread, table) => {
                let r = state.routine.as_ref()?;
                server
                    .context_query(&config.catalog, &r.call.0, thread, table, &mut trail)
                    .map(Observed::Principal)
            }
            Action::ExternalAccess(thread, remote) => {
                let r = state.routine.as_ref()?;
                server
                    .external_identity(&r.call.0, thread, remote, &self.readings, &mut trail)
                    .map(Observed::Seen)
            }
        };
        let after = if result.is_ok() { next } else { state.clone() };
        Some((after, (trail.rules(), result)))
    }

    /// An action in words.
    #[must_use]
    pub fn describe_action(&self, action: &Action) -> String {
        let on = |t: &ClrThread| match t {
            ClrThread::Entry => "the entry thread".to_owned(),
            ClrThread::Started(n) => format!("started thread #{n}"),
        };
        match action {
            Action::ExecuteAs { login, user } => format!(
                "EXECUTE AS {} = {}{}",
                if *user { "USER" } else { "LOGIN" },
                login_name(*login),
                if *user { " (in app)" } else { "" }
            ),
            Action::Revert => "REVERT".to_owned(),
            Action::Enter(a) => format!(
                "the session calls into the {} assembly's routine",
                ASSEMBLIES.get(*a).map_or("?", |s| s.name())
            ),
            Action::WindowsIdentity => "the routine reads SqlContext.WindowsIdentity".to_owned(),
            Action::Impersonate(t) => format!("{} impersonates SqlContext.WindowsIdentity", on(t)),
            Action::Undo(t) => format!("{} calls Undo", on(t)),
            Action::StartThread => "the routine starts a thread".to_owned(),
            Action::Query(t, table) => format!(
                "{} queries {} on the context connection",
                on(t),
                if *table == ORDERS {
                    "app.orders"
                } else {
                    "other.payroll"
                }
            ),
            Action::ExternalAccess(t, remote) => format!(
                "{} opens {}",
                on(t),
                if *remote {
                    "a share on another machine"
                } else {
                    "a local file"
                }
            ),
        }
    }

    /// A state in words.
    #[must_use]
    pub fn describe_state(&self, state: &State) -> String {
        let words = self
            .configs
            .get(usize::from(state.config))
            .map_or("?", |c| c.words.as_str());
        let current = state.session.current();
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
            s.push_str(&format!(
                "; in the {} routine entered as {}",
                r.call.0.set.name(),
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

    fn caller_windows(&self, state: &State) -> Option<bool> {
        self.configs
            .get(usize::from(state.config))
            .map(|c| c.caller_windows)
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

/// INV-16: a query on the context connection that succeeds was made from the entry thread,
/// not impersonating, and authorized as the execution context the routine was entered in.
pub fn inv_16(
    before: &State,
    action: &Action,
    result: &Result<Observed, Exception>,
) -> Result<(), Violation> {
    let (Action::Query(thread, _), Ok(Observed::Principal(principal))) = (action, result) else {
        return Ok(());
    };
    let Some(r) = &before.routine else {
        return Err(Violation::new(
            "a query succeeded with no routine running".to_owned(),
        ));
    };
    if *thread != ClrThread::Entry {
        return Err(Violation::new(
            "a query on the context connection succeeded from a thread the routine started"
                .to_owned(),
        ));
    }
    if r.impersonating[slot(*thread)] {
        return Err(Violation::new(
            "a query on the context connection succeeded while the entry thread impersonates"
                .to_owned(),
        ));
    }
    if *principal != r.entry.principal {
        return Err(Violation::new(format!(
            "the routine was entered as {} and its query was authorized as {}",
            login_name(r.entry.principal),
            login_name(*principal)
        )));
    }
    Ok(())
}

/// INV-18: in a session whose login uses SQL Server authentication,
/// SqlContext.WindowsIdentity is null, the code never impersonates the caller, and no
/// external access is made as anyone but the service account.
pub fn inv_18(
    sql: &Sql,
    before: &State,
    action: &Action,
    result: &Result<Observed, Exception>,
) -> Result<(), Violation> {
    if sql.caller_windows(before) != Some(false) {
        return Ok(());
    }
    let caller = login_name(
        sql.configs
            .get(usize::from(before.config))
            .map_or(BOB, |c| c.caller),
    );
    match (action, result) {
        (Action::WindowsIdentity, Ok(Observed::WindowsIdentity(Some(who)))) => {
            Err(Violation::new(format!(
                "SqlContext.WindowsIdentity is {} in {caller}'s session, which uses SQL Server authentication",
                identity_name(*who)
            )))
        }
        (Action::Impersonate(_), Ok(Observed::Impersonated(who))) => Err(Violation::new(format!(
            "the routine of {caller}'s session, which uses SQL Server authentication, impersonates {}",
            who.map_or("a null identity", identity_name)
        ))),
        (Action::ExternalAccess(..), Ok(Observed::Seen(Some(who)))) if *who != SERVICE => {
            Err(Violation::new(format!(
                "{caller}'s session, which uses SQL Server authentication, reaches an external resource as {}",
                identity_name(*who)
            )))
        }
        _ => Ok(()),
    }
}
