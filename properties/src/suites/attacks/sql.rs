//! ATK-9, CLR code that runs as the SQL Server service account, on the deployments of
//! `fixtures/runtimes/atk-9-*.yaml`: mallory, a Windows login who is not sysadmin, holds
//! CREATE ASSEMBLY in the database `app`; she creates assemblies of each permission set,
//! signed with her own key or not, enters them from T-SQL, impersonates herself through
//! SqlContext.WindowsIdentity or not (and undoes it), and opens a file only the service
//! account may read. Each transition is one `tokenhop_model::managed::step`; a state
//! pairs the configuration with the model's runtime.
//!
//! The sweep: mallory holds EXTERNAL ACCESS ASSEMBLY; the database is TRUSTWORTHY; its
//! owner is sa (sysadmin) or mallory herself (a plain login); `clr strict security` is on
//! (SQL Server 2019) or the instance predates it (SQL Server 2014). The invariant, as the
//! defender states it (SQL-11): a login not trusted to run as the service account never
//! reaches a resource only the service account may. The mitigation: no EXTERNAL ACCESS
//! ASSEMBLY grant and TRUSTWORTHY off. `atk-9` sweeps the configurations where either
//! weakness is present, `atk-9-fixed` those where neither is. INV-17 (external access is
//! made as the service account, or as the original Windows caller when the code impersonates
//! it; stated in `crate::invariants::managed`) holds throughout.

use tokenhop_check::{Claim, Model, Property, Violation, fingerprint};
use tokenhop_model::core::decision::Trail;
use tokenhop_model::managed::dotnet::Family;
use tokenhop_model::managed::exception::Exception;
use tokenhop_model::managed::sql::{
    Catalog, ClrCall, ClrThread, Database, DatabaseId, Instance, Login, LoginId, PermissionSet,
};
use tokenhop_model::managed::{
    Action, AssemblyId, CallId, Ident, Outcome, Resource, ResourceId, Runtime, SessionId, Setup,
    SqlContextId, SqlSetup, WindowsIdentitySource, step_with,
};
use tokenhop_model::rules::RuleId;
use tokenhop_model::rules::readings::Readings;

/// The SQL Server service account's identity.
pub const SERVICE: Ident = 0;
/// mallory's Windows identity.
pub const MALLORY_ID: Ident = 1;
/// sa's identity (a SQL Server login: no Windows identity behind it).
pub const SA_ID: Ident = 2;
/// mallory's login.
pub const MALLORY: LoginId = 0;
/// sa's login.
pub const SA: LoginId = 1;
/// The database.
pub const APP: DatabaseId = 0;
/// service-master-key-backup, a file only the service account may read.
pub const SERVICE_FILE: ResourceId = ResourceId(0);
/// mallory's session.
pub const SESSION: SessionId = SessionId(0);
/// The routine entered last.
pub const CALL: CallId = CallId(0);
/// The impersonation context of the routine's entry thread.
const CONTEXT: SqlContextId = SqlContextId(0);
/// At most this many assemblies are created on one path.
const MAX_ASSEMBLIES: usize = 2;

const EXTERNAL_ACCESS_GRANT: u32 = 0;
const TRUSTWORTHY: u32 = 1;
const OWNER_MALLORY: u32 = 2;
const STRICT: u32 = 3;
/// How many configuration bits there are.
pub const CONFIG_BITS: u32 = 4;

/// One configuration: the runtime the model steps and its settings in words.
#[derive(Clone, Debug)]
pub struct SqlConfig {
    /// The instance, its database with no assembly yet, and the service-only file.
    pub setup: Setup,
    /// Its settings, in words.
    pub words: String,
}

impl SqlConfig {
    /// The instance.
    #[must_use]
    pub fn instance(&self) -> Option<&Instance> {
        self.setup.sql.as_ref().map(|s| &s.instance)
    }
}

/// The suite's model.
pub struct Sql {
    configs: Vec<SqlConfig>,
}

/// A state: a configuration and the model's runtime (the assemblies created, the routine
/// entered last).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// The configuration's index.
    pub config: u16,
    /// The model's runtime.
    pub runtime: Runtime,
}

impl State {
    /// The assemblies created, in order.
    fn assemblies(&self) -> impl Iterator<Item = (usize, PermissionSet, bool)> + '_ {
        self.runtime
            .sql()
            .into_iter()
            .flat_map(|s| s.catalog().assemblies.iter().enumerate())
            .filter_map(|(i, a)| a.map(|a| (i, a.declared, a.signer.is_some())))
    }

    /// The routine entered last.
    #[must_use]
    pub fn routine(&self) -> Option<&ClrCall> {
        self.runtime.sql().and_then(|s| s.call(CALL))
    }
}

fn config(c: u16) -> SqlConfig {
    let bit = |n: u32| c & (1 << n) != 0;
    let mut words = Vec::new();
    let strict = bit(STRICT);
    words.push(if strict {
        "SQL Server 2019, clr strict security on"
    } else {
        "SQL Server 2014"
    });
    let ea = bit(EXTERNAL_ACCESS_GRANT);
    words.push(if ea {
        "mallory holds EXTERNAL ACCESS ASSEMBLY"
    } else {
        "no EXTERNAL ACCESS ASSEMBLY grant"
    });
    let owner = if bit(OWNER_MALLORY) {
        words.push("app owned by mallory");
        MALLORY
    } else {
        words.push("app owned by sa (sysadmin)");
        SA
    };
    let trustworthy = bit(TRUSTWORTHY);
    words.push(if trustworthy {
        "app TRUSTWORTHY"
    } else {
        "app not TRUSTWORTHY"
    });
    let instance = Instance {
        version: if strict { 2019 } else { 2014 },
        strict,
        service: SERVICE,
        logins: vec![
            Login {
                identity: MALLORY_ID,
                windows: true,
                sysadmin: false,
                external_access_assembly: ea,
                unsafe_assembly: false,
                create_assembly_in: vec![APP],
                may_impersonate: Vec::new(),
            },
            Login {
                identity: SA_ID,
                windows: false,
                sysadmin: true,
                ..Login::default()
            },
        ],
        tables: Vec::new(),
        delegation: false,
    };
    let catalog = Catalog {
        databases: vec![Database { owner, trustworthy }],
        assemblies: Vec::new(),
    };
    let mut setup = Setup::sql_server(Family::Framework2.newest(), SqlSetup { instance, catalog });
    setup.resources = vec![Resource {
        readers: vec![SERVICE],
        remote: false,
    }];
    setup.identities = ["the service account", "mallory", "sa"]
        .map(String::from)
        .to_vec();
    SqlConfig {
        setup,
        words: words.join(", "),
    }
}

/// The configuration with mallory holding EXTERNAL ACCESS ASSEMBLY (`grant`), `app`
/// TRUSTWORTHY, owned by mallory rather than sa, and `clr strict security` on (SQL Server
/// 2019) rather than SQL Server 2014.
#[must_use]
pub fn index(grant: bool, trustworthy: bool, owner_is_mallory: bool, strict: bool) -> u16 {
    u16::from(grant) << EXTERNAL_ACCESS_GRANT
        | u16::from(trustworthy) << TRUSTWORTHY
        | u16::from(owner_is_mallory) << OWNER_MALLORY
        | u16::from(strict) << STRICT
}

/// Whether configuration `c` has a weakness: the grant, or TRUSTWORTHY.
fn weak(c: u16) -> bool {
    c & (1 << EXTERNAL_ACCESS_GRANT | 1 << TRUSTWORTHY) != 0
}

impl Sql {
    /// The suite: the configurations with a weakness (`mitigated` false), or those with
    /// neither (`mitigated` true).
    #[must_use]
    pub fn new(mitigated: bool) -> Self {
        Self::with_configs((0..(1u16 << CONFIG_BITS)).filter(|&c| weak(c) != mitigated))
    }

    /// The suite over the configurations `configs` (see [`index`]).
    #[must_use]
    pub fn with_configs(configs: impl IntoIterator<Item = u16>) -> Self {
        Sql {
            configs: configs.into_iter().map(config).collect(),
        }
    }

    /// The same model under `readings` (the selected readings of the ambiguous rules).
    #[must_use]
    pub fn with_readings(mut self, readings: Readings) -> Self {
        for c in &mut self.configs {
            c.setup.readings = readings;
        }
        self
    }

    /// The configurations.
    #[must_use]
    pub fn configs(&self) -> &[SqlConfig] {
        &self.configs
    }

    /// The configuration of `state`.
    #[must_use]
    pub fn config(&self, state: &State) -> Option<&SqlConfig> {
        self.configs.get(usize::from(state.config))
    }
}

impl Model for Sql {
    type State = State;
    type Action = Action;
    type Outcome = Outcome;

    fn initial_states(&self) -> Vec<State> {
        let connect = Action::Connect {
            login: MALLORY,
            session: SESSION,
        };
        self.configs
            .iter()
            .zip(0u16..)
            .filter_map(|(c, index)| {
                let fresh = Runtime::new(&c.setup);
                let (runtime, _) =
                    step_with(&c.setup, &fresh, &connect, Trail::rules_only()).ok()?;
                Some(State {
                    config: index,
                    runtime,
                })
            })
            .collect()
    }

    fn actions(&self, state: &State, out: &mut Vec<Action>) {
        // Below MAX_ASSEMBLIES, the next assembly's number converts.
        if let Some(assembly) = u16::try_from(state.assemblies().count())
            .ok()
            .filter(|n| usize::from(*n) < MAX_ASSEMBLIES)
            .map(AssemblyId)
        {
            for set in [
                PermissionSet::Safe,
                PermissionSet::ExternalAccess,
                PermissionSet::Unsafe,
            ] {
                for signed in [false, true] {
                    out.push(Action::CreateAssembly {
                        session: SESSION,
                        database: APP,
                        set,
                        signer: signed.then_some(MALLORY),
                        assembly,
                    });
                }
            }
        }
        out.extend(
            state
                .assemblies()
                .filter_map(|(i, _, _)| u16::try_from(i).ok())
                .map(|i| Action::Enter {
                    session: SESSION,
                    assembly: AssemblyId(i),
                    call: CALL,
                }),
        );
        if let Some(r) = state.routine() {
            if r.impersonating(ClrThread::Entry).is_some() {
                out.push(Action::SqlUndo {
                    thread: ClrThread::Entry,
                    context: CONTEXT,
                });
            } else {
                out.push(Action::SqlImpersonate {
                    call: CALL,
                    thread: ClrThread::Entry,
                    identity: WindowsIdentitySource::SqlContext,
                    context: CONTEXT,
                });
            }
            out.push(Action::ExternalAccess {
                call: CALL,
                thread: ClrThread::Entry,
                resource: SERVICE_FILE,
            });
        }
    }

    /// A call that throws is no transition, but for the file refusing whom it saw.
    fn next(&self, state: &State, action: &Action) -> Option<(State, Outcome)> {
        let setup = &self.config(state)?.setup;
        let (runtime, outcome) =
            step_with(setup, &state.runtime, action, Trail::rules_only()).ok()?;
        match outcome.result {
            Ok(_) => Some((
                State {
                    config: state.config,
                    runtime,
                },
                outcome,
            )),
            Err(Exception::UnauthorizedAccess) => Some((state.clone(), outcome)),
            Err(_) => None,
        }
    }

    /// The configuration, the assemblies created and what the routine entered last
    /// exposes, hashed in the order the suite has always hashed them, so that the explorer
    /// meets the states, and reports the counterexamples, in the same order.
    fn fingerprint(&self, state: &State) -> u64 {
        let assemblies: Vec<_> = state.assemblies().map(|(_, set, s)| (set, s)).collect();
        let routine = state.routine().map(|c| {
            (
                c.assembly,
                c.set,
                c.entry,
                c.original,
                c.impersonating(ClrThread::Entry),
            )
        });
        fingerprint::of(&(state.config, assemblies, routine))
    }

    fn rules(&self, outcome: &Outcome, report: &mut dyn FnMut(RuleId)) {
        for d in &outcome.decisions {
            report(d.rule);
        }
    }

    fn properties(&self) -> Vec<Property<Self>> {
        properties()
    }

    fn describe_action(&self, state: &State, action: &Action) -> String {
        match action {
            Action::CreateAssembly { set, signer, .. } => format!(
                "mallory runs CREATE ASSEMBLY in app WITH PERMISSION_SET = {}{}",
                set.name(),
                if signer.is_some() {
                    ", signed with her own key"
                } else {
                    ", unsigned"
                }
            ),
            Action::Enter { assembly, .. } => format!(
                "mallory calls into assembly #{assembly} ({}) from T-SQL",
                state
                    .assemblies()
                    .find(|(i, _, _)| *i == assembly.index())
                    .map_or("?", |(_, set, _)| set.name())
            ),
            Action::SqlImpersonate { .. } => {
                "the routine impersonates SqlContext.WindowsIdentity".to_owned()
            }
            Action::SqlUndo { .. } => "the routine calls Undo".to_owned(),
            Action::ExternalAccess { .. } => {
                "the routine opens service-master-key-backup, a file only the service account may read".to_owned()
            }
            other => format!("{other:?}"),
        }
    }

    fn describe_state(&self, state: &State) -> String {
        let words = self.config(state).map_or("?", |c| c.words.as_str());
        let assemblies: Vec<String> = state
            .assemblies()
            .map(|(i, set, signed)| {
                format!(
                    "#{i} {}{}",
                    set.name(),
                    if signed { " (signed)" } else { "" }
                )
            })
            .collect();
        let assemblies = if assemblies.is_empty() {
            "no assembly".to_owned()
        } else {
            assemblies.join(", ")
        };
        let routine = state.routine().map_or(String::new(), |r| {
            format!(
                "; in #{}'s routine (enforced {}), the entry thread {}",
                r.assembly,
                r.set.name(),
                match r.impersonating(ClrThread::Entry) {
                    Some(_) => "impersonating mallory",
                    None => "as the service account",
                }
            )
        });
        format!("[{words}] {assemblies}{routine}")
    }
}

/// The properties: ATK-9, and INV-17 as `crate::invariants::managed` states it.
#[must_use]
pub fn properties() -> Vec<Property<Sql>> {
    vec![
        Property::<Sql>::always(
            Claim {
                id: "ATK-9",
                statement: "A login not trusted to run as the SQL Server service account (mallory: not sysadmin) never reaches a resource only the service account may.",
                rests_on: &[
                    RuleId::SQL_2,
                    RuleId::SQL_3,
                    RuleId::SQL_4,
                    RuleId::SQL_5,
                    RuleId::SQL_11,
                    RuleId::ATK_9,
                ],
            },
            |_, s, a, _, o| {
                if matches!(a, Action::ExternalAccess { .. }) && o.result.is_ok() {
                    Err(Violation::new(format!(
                        "mallory's {} routine reads service-master-key-backup as the service account",
                        s.routine().map_or("?", |r| r.set.name())
                    )))
                } else {
                    Ok(())
                }
            },
        ),
        crate::invariants::managed::inv_17(),
    ]
}
