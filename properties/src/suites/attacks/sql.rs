//! ATK-9, CLR code that runs as the SQL Server service account, on the deployments of
//! `fixtures/runtimes/atk-9-*.yaml`: mallory, a Windows login who is not sysadmin, holds
//! CREATE ASSEMBLY in the database `app`; she creates assemblies of each permission set,
//! signed with her own key or not, enters them from T-SQL, impersonates herself through
//! SqlContext.WindowsIdentity or not (and undoes it), and opens a file only the service
//! account may read. Each transition is one call of `tokenhop_model::managed::sql`
//! (`create_assembly`, `enter_clr`, `windows_identity` with `impersonate`, `undo`,
//! `external_identity`), then the file's own check of the identity it sees, as the runtime
//! interpreter makes it.
//!
//! The sweep: mallory holds EXTERNAL ACCESS ASSEMBLY; the database is TRUSTWORTHY; its
//! owner is sa (sysadmin) or mallory herself (a plain login); `clr strict security` is on
//! (SQL Server 2019) or the instance predates it (SQL Server 2014). The invariant, as the
//! defender states it (SQL-11): a login not trusted to run as the service account never
//! reaches a resource only the service account may. The mitigation: no EXTERNAL ACCESS
//! ASSEMBLY grant and TRUSTWORTHY off. `atk-9` sweeps the configurations where either
//! weakness is present, `atk-9-fixed` those where neither is. INV-17 (external access is
//! made as the service account, or as the original Windows caller when the code impersonates
//! it) holds throughout.

pub mod next;

use std::hash::{Hash, Hasher};

use tokenhop_check::{Model, Property, Violation};
use tokenhop_model::core::decision::{Decision, Trail};
use tokenhop_model::managed::AssemblyId;
use tokenhop_model::managed::Ident;
use tokenhop_model::managed::sql::{
    Assembly, Catalog, ClrCall, ClrThread, Database, DatabaseId, Instance, Login, LoginId,
    PermissionSet, Session,
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
/// The identities a file only the service account may read admits.
const READERS: [Ident; 1] = [SERVICE];
/// At most this many assemblies are created on one path.
const MAX_ASSEMBLIES: usize = 2;

const EXTERNAL_ACCESS_GRANT: u32 = 0;
const TRUSTWORTHY: u32 = 1;
const OWNER_MALLORY: u32 = 2;
const STRICT: u32 = 3;
/// How many configuration bits there are.
pub const CONFIG_BITS: u32 = 4;

/// One configuration: an instance and its settings in words.
#[derive(Clone, Debug)]
pub struct SqlConfig {
    /// The instance.
    pub server: Instance,
    /// Its database, with no assembly yet.
    pub catalog: Catalog,
    /// Its settings, in words.
    pub words: String,
}

/// The suite's model.
pub struct Sql {
    configs: Vec<SqlConfig>,
    readings: Readings,
}

/// An assembly created on the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Created {
    /// Its declared permission set.
    pub set: PermissionSet,
    /// Whether mallory signed it with her own key (her login is its signer).
    pub signed: bool,
}

/// A routine running: the model's [`ClrCall`], hashed by what it exposes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Routine(pub ClrCall);

impl Hash for Routine {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.assembly.hash(h);
        self.0.set.hash(h);
        self.0.entry.hash(h);
        self.0.original.hash(h);
        self.0.impersonating(ClrThread::Entry).hash(h);
    }
}

/// A state: a configuration, the assemblies created, and the routine entered last.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    /// The configuration's index.
    pub config: u16,
    /// The assemblies created, in order (their ids are their positions).
    pub assemblies: Vec<Created>,
    /// The routine entered last, if any.
    pub routine: Option<Routine>,
}

/// An action of mallory's session or of her routine's entry thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// CREATE ASSEMBLY in `app`.
    Create(Created),
    /// Call into an assembly's routine from T-SQL.
    Enter(usize),
    /// WindowsIdentity.Impersonate on SqlContext.WindowsIdentity.
    Impersonate,
    /// WindowsImpersonationContext.Undo.
    Undo,
    /// Open the file only the service account may read.
    ExternalAccess,
}

/// What a transition reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The decisions, each naming its rule.
    pub decisions: Vec<Decision>,
    /// For an external access, the identity the file saw (`None`: ANONYMOUS LOGON).
    pub seen: Option<Option<Ident>>,
    /// For an external access, whether the file granted it.
    pub granted: bool,
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
    SqlConfig {
        server: Instance {
            version: if strict { 2019 } else { 2014 },
            strict,
            service: SERVICE,
            delegation: false,
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
        },
        catalog: Catalog {
            databases: vec![Database { owner, trustworthy }],
            assemblies: Vec::new(),
        },
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
            readings: Readings::default(),
        }
    }

    /// The same model under `readings` (the selected readings of the ambiguous rules).
    #[must_use]
    pub fn with_readings(self, readings: Readings) -> Self {
        Sql { readings, ..self }
    }

    /// The configurations.
    #[must_use]
    pub fn configs(&self) -> &[SqlConfig] {
        &self.configs
    }

    /// The instance of `state` and its catalog with the assemblies created so far.
    fn server(&self, state: &State) -> Option<(&Instance, Catalog)> {
        let config = self.configs.get(usize::from(state.config))?;
        let mut catalog = config.catalog.clone();
        catalog.assemblies = state
            .assemblies
            .iter()
            .map(|a| {
                Some(Assembly {
                    database: APP,
                    declared: a.set,
                    signer: a.signed.then_some(MALLORY),
                })
            })
            .collect();
        Some((&config.server, catalog))
    }
}

impl Model for Sql {
    type State = State;
    type Action = Action;
    type Outcome = Outcome;

    fn initial_states(&self) -> Vec<State> {
        (0..self.configs.len())
            .map(|i| State {
                config: u16::try_from(i).unwrap_or(u16::MAX),
                assemblies: Vec::new(),
                routine: None,
            })
            .collect()
    }

    fn actions(&self, state: &State, out: &mut Vec<Action>) {
        if state.assemblies.len() < MAX_ASSEMBLIES {
            for set in [
                PermissionSet::Safe,
                PermissionSet::ExternalAccess,
                PermissionSet::Unsafe,
            ] {
                for signed in [false, true] {
                    out.push(Action::Create(Created { set, signed }));
                }
            }
        }
        out.extend((0..state.assemblies.len()).map(Action::Enter));
        if let Some(r) = &state.routine {
            if r.0.impersonating(ClrThread::Entry).is_some() {
                out.push(Action::Undo);
            } else {
                out.push(Action::Impersonate);
            }
            out.push(Action::ExternalAccess);
        }
    }

    fn next(&self, state: &State, action: &Action) -> Option<(State, Outcome)> {
        let (server, catalog) = self.server(state)?;
        let mut trail = Trail::rules_only();
        let mut next = state.clone();
        let mut seen = None;
        let mut granted = false;
        match *action {
            Action::Create(created) => {
                server
                    .create_assembly(
                        &catalog,
                        MALLORY,
                        APP,
                        created.set,
                        created.signed.then_some(MALLORY),
                        &self.readings,
                        &mut trail,
                    )
                    .ok()?;
                next.assemblies.push(created);
            }
            Action::Enter(assembly) => {
                let call = server
                    .enter_clr(
                        &catalog,
                        &Session::new(MALLORY),
                        AssemblyId(u16::try_from(assembly).unwrap_or(u16::MAX)),
                        &mut trail,
                    )
                    .ok()?;
                next.routine = Some(Routine(call));
            }
            Action::Impersonate => {
                let mut call = state.routine.as_ref()?.0.clone();
                let identity = server
                    .windows_identity(&call, &self.readings, &mut trail)
                    .ok()?;
                call.impersonate(ClrThread::Entry, identity, &mut trail)
                    .ok()?;
                next.routine = Some(Routine(call));
            }
            Action::Undo => {
                let mut call = state.routine.as_ref()?.0.clone();
                call.undo(ClrThread::Entry, &mut trail);
                next.routine = Some(Routine(call));
            }
            Action::ExternalAccess => {
                let call = &state.routine.as_ref()?.0;
                let who = server
                    .external_identity(call, ClrThread::Entry, false, &self.readings, &mut trail)
                    .ok()?;
                granted = who.is_some_and(|w| READERS.contains(&w));
                seen = Some(who);
            }
        }
        Some((
            next,
            Outcome {
                decisions: trail.into_decisions(),
                seen,
                granted,
            },
        ))
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
            Action::Create(c) => format!(
                "mallory runs CREATE ASSEMBLY in app WITH PERMISSION_SET = {}{}",
                c.set.name(),
                if c.signed {
                    ", signed with her own key"
                } else {
                    ", unsigned"
                }
            ),
            Action::Enter(i) => format!(
                "mallory calls into assembly #{i} ({}) from T-SQL",
                state
                    .assemblies
                    .get(*i)
                    .map_or("?", |a| a.set.name())
            ),
            Action::Impersonate => {
                "the routine impersonates SqlContext.WindowsIdentity".to_owned()
            }
            Action::Undo => "the routine calls Undo".to_owned(),
            Action::ExternalAccess => {
                "the routine opens service-master-key-backup, a file only the service account may read".to_owned()
            }
        }
    }

    fn describe_state(&self, state: &State) -> String {
        let words = self
            .configs
            .get(usize::from(state.config))
            .map_or("?", |c| c.words.as_str());
        let assemblies = if state.assemblies.is_empty() {
            "no assembly".to_owned()
        } else {
            state
                .assemblies
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    format!(
                        "#{i} {}{}",
                        a.set.name(),
                        if a.signed { " (signed)" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let routine = state.routine.as_ref().map_or(String::new(), |r| {
            format!(
                "; in #{}'s routine (enforced {}), the entry thread {}",
                r.0.assembly,
                r.0.set.name(),
                match r.0.impersonating(ClrThread::Entry) {
                    Some(_) => "impersonating mallory",
                    None => "as the service account",
                }
            )
        });
        format!("[{words}] {assemblies}{routine}")
    }
}

/// The properties.
#[must_use]
pub fn properties() -> Vec<Property<Sql>> {
    vec![
        Property::<Sql>::always(
            "ATK-9",
            "A login not trusted to run as the SQL Server service account (mallory: not sysadmin) never reaches a resource only the service account may.",
            &[
                RuleId::SQL_2,
                RuleId::SQL_3,
                RuleId::SQL_4,
                RuleId::SQL_5,
                RuleId::SQL_11,
                RuleId::ATK_9,
            ],
            |_, s, a, _, o| {
                if *a == Action::ExternalAccess && o.granted {
                    Err(Violation::new(format!(
                        "mallory's {} routine reads service-master-key-backup as the service account",
                        s.routine.as_ref().map_or("?", |r| r.0.set.name())
                    )))
                } else {
                    Ok(())
                }
            },
        ),
        Property::<Sql>::always(
            "INV-17",
            "External access by a CLR routine is made as the service account, or as the original Windows caller when the code impersonates it; never as a SQL login. (Under OQD-8's reading `caller`, automatic impersonation, it does not hold by construction.)",
            &[
                RuleId::SQL_4,
                RuleId::SQL_5,
                RuleId::SQL_6,
                RuleId::SQL_12,
                RuleId::OQD_8,
            ],
            |m, s, _, _, o| {
                let (Some(seen), Some(r)) = (o.seen, &s.routine) else {
                    return Ok(());
                };
                let original = m
                    .configs
                    .get(usize::from(s.config))
                    .and_then(|c| c.server.logins.get(r.0.original.principal))
                    .filter(|l| l.windows)
                    .map(|l| l.identity);
                let impersonated = r.0.impersonating(ClrThread::Entry);
                let ok = match seen {
                    Some(SERVICE) => impersonated.is_none(),
                    Some(w) => impersonated == Some(w) && original == Some(w),
                    None => false,
                };
                if ok {
                    Ok(())
                } else {
                    Err(Violation::new(format!(
                        "the external resource saw identity {seen:?}"
                    )))
                }
            },
        ),
    ]
}
