//! Script files (format v1): reading, validating and building the starting world.
//!
//! Loading reads the whole file, checks every field, builds the starting world with the
//! model's setup, and reads each step ([`crate::step`]): its call decoded once into a typed
//! call, every name it uses checked (users, threads, processes, objects, what earlier steps
//! bound). A scenario that loads runs without input errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tokenhop_model::World;
use tokenhop_model::core::decision::Decision;
use tokenhop_model::machine::accounts::Right;
use tokenhop_model::machine::acl::{LabelPolicy, MandatoryLabel};
use tokenhop_model::machine::ids::{ObjectId, PrincipalId, ProcessId, ThreadId};
use tokenhop_model::machine::principal::wk;
use tokenhop_model::machine::privilege::Privilege;
use tokenhop_model::machine::rights::ObjectType;
use tokenhop_model::machine::settings::{HANDLE_LIMIT, Settings, WindowsVersion};
use tokenhop_model::machine::setup::{ObjectSpec, PrivilegeSetting, ProcessSpec, Setup, UserSpec};
use tokenhop_model::rules::RuleId;

use crate::error::{Fault, LoadError};
use crate::node::{Node, NodeKind, Span};
use crate::reader::{Fields, Read, boolean, entries, index, join, list, string, word};
use crate::scope::Names;
use crate::vocab;

pub use crate::step::{Expect, Step};

/// The name of the identity that runs the scenario (on Windows, whoever runs the adapter).
pub const CURRENT_USER: &str = "current";

/// A loaded script, ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file it came from.
    pub path: PathBuf,
    /// Its name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// The starting world.
    pub world: World,
    /// The decisions the setup took.
    pub setup: Vec<Decision>,
    /// What the setup built, for the narration.
    pub setup_summary: Vec<String>,
    /// The steps.
    pub steps: Vec<Step>,
}

/// Reads and validates the script at `path`.
pub fn load(path: &Path) -> Result<Scenario, LoadError> {
    load_str(&crate::error::read_source(path)?, path)
}

/// Reads and validates a script given as text; `path` names it in errors.
pub fn load_str(source: &str, path: &Path) -> Result<Scenario, LoadError> {
    let root = crate::error::parse_source(source, path)?;
    crate::error::located(path, build(&root, path))
}

/// The `readings` of a scenario's top level, or the defaults when it has none.
pub fn optional_readings(top: &Fields<'_>) -> Read<tokenhop_model::rules::readings::Readings> {
    top.get("readings")
        .map_or_else(|| Ok(Default::default()), readings)
}

/// Reads a `readings:` mapping: ambiguous rule ids to the names of their readings.
pub fn readings(n: &Node) -> Read<tokenhop_model::rules::readings::Readings> {
    let mut selected = tokenhop_model::rules::readings::Readings::default();
    for (rule_name, key, value) in entries(n, "readings")? {
        let p = join("readings", &rule_name);
        let ambiguous: Vec<&str> = tokenhop_model::rules::readings::AMBIGUITIES
            .iter()
            .map(|a| a.rule.code())
            .collect();
        let rule = RuleId::from_code(&rule_name)
            .filter(|r| tokenhop_model::rules::readings::ambiguity(*r).is_some())
            .ok_or_else(|| {
                Fault::new(
                    key.span,
                    &p,
                    format!("`{rule_name}` is not an ambiguous rule with selectable readings"),
                )
                .allowing(ambiguous.iter().copied())
            })?;
        let reading = string(value, &p)?;
        selected.select(rule, &reading).map_err(|e| {
            let names = tokenhop_model::rules::readings::ambiguity(rule)
                .map(|a| a.readings.iter().map(|r| r.name).collect::<Vec<_>>())
                .unwrap_or_default();
            Fault::new(value.span, &p, e.to_string()).allowing(names)
        })?;
    }
    Ok(selected)
}

const TOP: &[&str] = &[
    "version",
    "kind",
    "name",
    "description",
    "readings",
    "machine",
    "processes",
    "objects",
    "steps",
];

const MACHINE: &[&str] = &[
    "windows",
    "everyone_includes_anonymous",
    "current",
    "users",
    "groups",
    "certificates",
    "com_applications",
    "com_classes",
    "handle_limit",
];

/// The machine's settings: its `machine` fields that are settings, and the `readings`.
fn settings(top: &Fields<'_>, machine: Option<&Fields<'_>>) -> Read<Settings> {
    let mut settings = Settings::default();
    if let Some(m) = machine {
        if let Some(n) = m.get("windows") {
            let vocabulary: Vec<(&str, WindowsVersion)> = WindowsVersion::NAMES
                .iter()
                .map(|(v, n)| (*n, *v))
                .collect();
            settings.windows = word(n, &m.path("windows"), "a Windows version", &vocabulary)?;
        }
        if let Some(n) = m.get("everyone_includes_anonymous") {
            settings.everyone_includes_anonymous =
                boolean(n, &m.path("everyone_includes_anonymous"))?;
        }
        if let Some(n) = m.get("handle_limit") {
            settings.handle_limit = handle_limit(n, &m.path("handle_limit"))?;
        }
    }
    if let Some(n) = top.get("readings") {
        settings.readings = readings(n)?;
    }
    Ok(settings)
}

fn build(root: &Node, path: &Path) -> Read<Scenario> {
    let top = Fields::new(root, "", "a scenario", TOP)?;
    let (name, description) = crate::reader::header(&top, "a scenario", "script")?;

    let machine = match top.get("machine") {
        Some(n) => Some(Fields::new(n, "machine", "the machine", MACHINE)?),
        None => None,
    };
    let settings = settings(&top, machine.as_ref())?;

    let mut setup = Setup::new(settings);
    let mut summary = Vec::new();
    if settings.handle_limit < HANDLE_LIMIT {
        summary.push(format!(
            "each process's handle table holds at most {} open handles, where Windows holds {HANDLE_LIMIT} (RES-1)",
            settings.handle_limit
        ));
    }
    machine_accounts(machine.as_ref(), root, &mut setup)?;

    // Processes and threads.
    let mut threads: HashMap<String, ThreadId> = HashMap::new();
    let mut processes: HashMap<String, ProcessId> = HashMap::new();
    let mut first_thread: Option<String> = None;
    let process_nodes: Vec<Node> = match top.get("processes") {
        Some(n) => list(n, "processes")?.to_vec(),
        None => Vec::new(),
    };
    if process_nodes.is_empty() {
        let spec = default_process(&setup);
        let (p, ts) = setup
            .add_process(spec)
            .map_err(|e| Fault::new(root.span, "processes", e.to_string()))?;
        processes.insert("process".to_owned(), p);
        threads.insert(
            "main".to_owned(),
            ts.first().copied().unwrap_or(ThreadId(0)),
        );
        first_thread = Some("main".to_owned());
        summary.push("process `process` runs as current with one thread, `main`".to_owned());
    }
    for (i, pnode) in process_nodes.iter().enumerate() {
        let ppath = index("processes", i);
        let (spec, thread_spans) = process_spec(pnode, &ppath, &setup)?;
        if processes.contains_key(&spec.name) {
            return Err(Fault::new(
                pnode.span,
                join(&ppath, "name"),
                format!("a process named `{}` is already declared", spec.name),
            ));
        }
        for (t, span) in spec.threads.iter().zip(&thread_spans) {
            if threads.contains_key(t) {
                return Err(Fault::new(
                    *span,
                    join(&ppath, "threads"),
                    format!(
                        "a thread named `{t}` is already declared; thread names must be unique across processes"
                    ),
                ));
            }
        }
        let line = describe_process(&spec, &setup);
        let (pid, tids) = setup
            .add_process(spec.clone())
            .map_err(|e| Fault::new(pnode.span, &ppath, e.to_string()))?;
        processes.insert(spec.name.clone(), pid);
        for (t, id) in spec.threads.iter().zip(tids) {
            threads.insert(t.clone(), id);
        }
        if first_thread.is_none() {
            first_thread = spec.threads.first().cloned();
        }
        summary.push(line);
    }

    crate::com_setup::declare(machine.as_ref(), &processes, &mut setup)?;

    // Objects.
    let mut objects: HashMap<String, (ObjectId, ObjectType)> = HashMap::new();
    if let Some(n) = top.get("objects") {
        for (i, onode) in list(n, "objects")?.iter().enumerate() {
            let opath = index("objects", i);
            let spec = object_spec(onode, &opath, &setup)?;
            if objects.contains_key(&spec.name) {
                return Err(Fault::new(
                    onode.span,
                    join(&opath, "name"),
                    format!("an object named `{}` is already declared", spec.name),
                ));
            }
            let (name, ty) = (spec.name.clone(), spec.object_type);
            let id = setup
                .add_object(spec)
                .map_err(|e| Fault::new(onode.span, &opath, e.to_string()))?;
            objects.insert(name, (id, ty));
        }
    }

    // Steps, checked in order against the names declared so far.
    let mut names = Names::new(setup.world(), threads, processes, objects);
    let default_thread = first_thread.unwrap_or_else(|| "main".to_owned());
    let step_nodes = list(top.require("steps", "a scenario")?, "steps")?;
    let mut steps = Vec::new();
    for (i, snode) in step_nodes.iter().enumerate() {
        steps.push(crate::step::read(snode, i, &default_thread, &mut names)?);
    }
    let (world, decisions) = setup.finish();
    Ok(Scenario {
        path: path.to_owned(),
        name,
        description,
        world,
        setup: decisions,
        setup_summary: summary,
        steps,
    })
}

const BUILTIN_GROUPS: &[PrincipalId] = &[
    wk::ADMINISTRATORS,
    wk::USERS,
    wk::GUESTS,
    wk::BACKUP_OPERATORS,
    wk::REMOTE_DESKTOP_USERS,
];

/// `handle_limit`: how many open handles a process's handle table holds (RES-1); a script
/// may lower the real limit, not raise it.
fn handle_limit(node: &Node, path: &str) -> Read<u32> {
    let value = crate::reader::integer(node, path)?;
    u32::try_from(value)
        .ok()
        .filter(|limit| *limit <= HANDLE_LIMIT)
        .ok_or_else(|| {
            Fault::new(
                node.span,
                path,
                format!(
                    "{value} is not a handle limit: a process's handle table holds from 0 to {HANDLE_LIMIT} open handles (RES-1)"
                ),
            )
        })
}

fn machine_accounts(machine: Option<&Fields<'_>>, root: &Node, setup: &mut Setup) -> Read<()> {
    // Local groups first, so users may name them.
    if let Some(n) = machine.and_then(|m| m.get("groups")) {
        for (i, g) in list(n, "machine.groups")?.iter().enumerate() {
            let p = index("machine.groups", i);
            let name = string(g, &p)?;
            if setup.world().principals.find(&name).is_some() || name == CURRENT_USER {
                return Err(Fault::new(
                    g.span,
                    p,
                    format!("`{name}` is already a principal of the machine"),
                ));
            }
            setup
                .add_group(&name)
                .map_err(|e| Fault::new(g.span, &p, e.to_string()))?;
        }
    }
    let current = machine.and_then(|m| m.get("current"));
    let current_span = current
        .or_else(|| machine.map(Fields::node))
        .map_or(root.span, |n| n.span);
    let mut current_spec = UserSpec {
        name: CURRENT_USER.to_owned(),
        ..UserSpec::default()
    };
    if let Some(c) = current {
        let f = Fields::new(
            c,
            "machine.current",
            "the current user",
            &["groups", "rights", "password"],
        )?;
        fill_user(&f, &mut current_spec, setup)?;
    }
    setup
        .add_user(current_spec)
        .map_err(|e| Fault::new(current_span, "machine.current", e.to_string()))?;
    if let Some(n) = machine.and_then(|m| m.get("users")) {
        for (i, u) in list(n, "machine.users")?.iter().enumerate() {
            let p = index("machine.users", i);
            let f = Fields::new(
                u,
                &p,
                "a user",
                &["name", "groups", "rights", "password", "disabled"],
            )?;
            let name = string(f.require("name", "a user")?, &f.path("name"))?;
            if setup.world().principals.find(&name).is_some() {
                return Err(Fault::new(
                    u.span,
                    f.path("name"),
                    format!("`{name}` is already a principal of the machine"),
                ));
            }
            let mut spec = UserSpec {
                name,
                ..UserSpec::default()
            };
            fill_user(&f, &mut spec, setup)?;
            if let Some(d) = f.get("disabled") {
                spec.disabled = boolean(d, &f.path("disabled"))?;
            }
            setup
                .add_user(spec)
                .map_err(|e| Fault::new(u.span, &p, e.to_string()))?;
        }
    }
    if let Some(n) = machine.and_then(|m| m.get("certificates")) {
        let mut seen: Vec<String> = Vec::new();
        for (i, c) in list(n, "machine.certificates")?.iter().enumerate() {
            let p = index("machine.certificates", i);
            let f = Fields::new(c, &p, "a certificate", &["name", "maps_to"])?;
            let name = string(f.require("name", "a certificate")?, &f.path("name"))?;
            if seen.contains(&name) {
                return Err(Fault::new(
                    c.span,
                    f.path("name"),
                    format!("certificate `{name}` is declared twice"),
                ));
            }
            let maps_to = match f.get("maps_to").filter(|n| !n.is_null()) {
                Some(m) => {
                    let user = string(m, &f.path("maps_to"))?;
                    let world = setup.world();
                    let id = world
                        .principals
                        .find(&user)
                        .filter(|id| world.accounts.user(*id).is_some())
                        .ok_or_else(|| {
                            Fault::new(
                                m.span,
                                f.path("maps_to"),
                                format!("`{user}` is not a user of the machine"),
                            )
                            .allowing(
                                world
                                    .accounts
                                    .users
                                    .iter()
                                    .map(|u| world.name_of(u.principal).to_string()),
                            )
                        })?;
                    Some(id)
                }
                None => None,
            };
            setup
                .add_certificate(&name, maps_to)
                .map_err(|e| Fault::new(c.span, &p, e.to_string()))?;
            seen.push(name);
        }
    }
    Ok(())
}

fn fill_user(f: &Fields<'_>, spec: &mut UserSpec, setup: &Setup) -> Read<()> {
    if let Some(n) = f.get("groups") {
        let path = f.path("groups");
        for (i, g) in list(n, &path)?.iter().enumerate() {
            let p = index(&path, i);
            let name = string(g, &p)?;
            let world = setup.world();
            let id = world
                .principals
                .find(&name)
                .filter(|id| BUILTIN_GROUPS.contains(id) || world.principals.get(*id).is_some_and(|pr| pr.kind == tokenhop_model::machine::principal::PrincipalKind::Group))
                .ok_or_else(|| {
                    let allowed: Vec<String> = world
                        .principals
                        .iter()
                        .filter(|(id, pr)| BUILTIN_GROUPS.contains(id) || pr.kind == tokenhop_model::machine::principal::PrincipalKind::Group)
                        .map(|(_, pr)| pr.name.to_string())
                        .collect();
                    Fault::new(g.span, &p, format!("`{name}` is not a group a user can belong to (declare local groups under machine.groups)"))
                        .allowing(allowed)
                })?;
            if !spec.groups.contains(&id) {
                spec.groups.push(id);
            }
        }
    }
    if let Some(n) = f.get("rights") {
        let path = f.path("rights");
        for (i, r) in list(n, &path)?.iter().enumerate() {
            let right: Right = vocab::right(r, &index(&path, i))?;
            spec.rights.push(right);
        }
    }
    if let Some(n) = f.get("password") {
        spec.password = if n.is_null() {
            None
        } else {
            Some(string(n, &f.path("password"))?)
        };
    }
    Ok(())
}

fn default_process(setup: &Setup) -> ProcessSpec {
    let current = setup
        .world()
        .principals
        .find(CURRENT_USER)
        .unwrap_or(wk::SYSTEM);
    ProcessSpec::new("process", current, &["main"])
}

const PROCESS_FIELDS: &[&str] = &[
    "name",
    "user",
    "integrity",
    "elevated",
    "privileges",
    "session",
    "service",
    "required_privileges",
    "restricted_sids",
    "write_restricted",
    "app_container",
    "kernel_mode",
    "threads",
];

fn process_spec(node: &Node, path: &str, setup: &Setup) -> Read<(ProcessSpec, Vec<Span>)> {
    let f = Fields::new(node, path, "a process", PROCESS_FIELDS)?;
    let name = string(f.require("name", "a process")?, &f.path("name"))?;
    let user = process_user(&f, setup)?;
    let mut spec = ProcessSpec::new(&name, user, &[]);
    if let Some(n) = f.get("integrity") {
        spec.integrity = Some(vocab::integrity(n, &f.path("integrity"))?);
    }
    if let Some(n) = f.get("elevated") {
        spec.elevated = boolean(n, &f.path("elevated"))?;
        if spec.elevated
            && !setup.is_administrator(user)
            && setup.world().accounts.user(user).is_some()
        {
            return Err(Fault::new(
                n.span,
                f.path("elevated"),
                format!(
                    "`{}` is not a member of Administrators, so its process cannot run elevated",
                    setup.world().name_of(user)
                ),
            ));
        }
    }
    if let Some(n) = f.get("service") {
        spec.service = boolean(n, &f.path("service"))?;
    }
    if let Some(n) = f.get("session") {
        let s = crate::reader::integer(n, &f.path("session"))?;
        spec.session = Some(u32::try_from(s).map_err(|_| {
            Fault::new(
                n.span,
                f.path("session"),
                format!("{s} is not a session id"),
            )
        })?);
    }
    process_privileges(&f, &mut spec)?;
    required_privileges(&f, &mut spec)?;
    restricted_sids(&f, setup, &mut spec)?;
    if let Some(n) = f.get("write_restricted") {
        spec.write_restricted = boolean(n, &f.path("write_restricted"))?;
    }
    if let Some(n) = f.get("app_container").filter(|n| !n.is_null()) {
        spec.app_container = Some(string(n, &f.path("app_container"))?);
    }
    if let Some(n) = f.get("kernel_mode") {
        spec.kernel_mode = boolean(n, &f.path("kernel_mode"))?;
    }
    let spans = process_threads(&f, node, &mut spec)?;
    Ok((spec, spans))
}

/// The account a process runs as: a user of the machine or a service account, the current
/// user when not given.
fn process_user(f: &Fields<'_>, setup: &Setup) -> Read<PrincipalId> {
    Ok(match f.get("user") {
        Some(n) => {
            let text = string(n, &f.path("user"))?;
            let id = setup.world().principals.find(&text).filter(|id| {
                setup.world().accounts.user(*id).is_some()
                    || [wk::SYSTEM, wk::LOCAL_SERVICE, wk::NETWORK_SERVICE].contains(id)
            });
            id.ok_or_else(|| {
                let mut allowed = vec![
                    CURRENT_USER.to_owned(),
                    "SYSTEM".to_owned(),
                    "LOCAL SERVICE".to_owned(),
                    "NETWORK SERVICE".to_owned(),
                ];
                allowed.extend(
                    setup
                        .world()
                        .accounts
                        .users
                        .iter()
                        .map(|u| setup.world().name_of(u.principal).to_string())
                        .filter(|n| n != CURRENT_USER),
                );
                Fault::new(
                    n.span,
                    f.path("user"),
                    format!("`{text}` is not an account a process can run as"),
                )
                .allowing(allowed)
            })?
        }
        None => setup
            .world()
            .principals
            .find(CURRENT_USER)
            .unwrap_or(wk::SYSTEM),
    })
}

/// `privileges`: the process token's privileges set away from the account's defaults.
fn process_privileges(f: &Fields<'_>, spec: &mut ProcessSpec) -> Read<()> {
    let Some(n) = f.get("privileges") else {
        return Ok(());
    };
    let base = f.path("privileges");
    for (pname, key, value) in entries(n, &base)? {
        let p = join(&base, &pname);
        let privilege: Privilege = vocab::privilege_key(&pname, key, &p)?;
        let setting = word(
            value,
            &p,
            "a privilege setting",
            &[
                ("enabled", PrivilegeSetting::Enabled),
                ("disabled", PrivilegeSetting::Disabled),
                ("removed", PrivilegeSetting::Removed),
            ],
        )?;
        spec.privileges.push((privilege, setting));
    }
    Ok(())
}

/// `required_privileges`: a service's required privileges, which only a service has.
fn required_privileges(f: &Fields<'_>, spec: &mut ProcessSpec) -> Read<()> {
    let Some(n) = f.get("required_privileges").filter(|n| !n.is_null()) else {
        return Ok(());
    };
    let base = f.path("required_privileges");
    let mut required = Vec::new();
    for (i, item) in list(n, &base)?.iter().enumerate() {
        required.push(vocab::privilege(item, &index(&base, i))?);
    }
    if !(spec.service || [wk::LOCAL_SERVICE, wk::NETWORK_SERVICE].contains(&spec.user)) {
        return Err(Fault::new(
            n.span,
            base,
            "required privileges are a service setting; add `service: true`",
        ));
    }
    spec.required_privileges = Some(required);
    Ok(())
}

/// `restricted_sids`: the principals that restrict the process token.
fn restricted_sids(f: &Fields<'_>, setup: &Setup, spec: &mut ProcessSpec) -> Read<()> {
    let Some(n) = f.get("restricted_sids") else {
        return Ok(());
    };
    let base = f.path("restricted_sids");
    for (i, item) in list(n, &base)?.iter().enumerate() {
        let p = index(&base, i);
        let name = string(item, &p)?;
        spec.restricted_sids
            .push(principal_by_name(setup.world(), &name, item, &p)?);
    }
    Ok(())
}

/// `threads`: the process's threads, each named once (`main` when not given), with where
/// each is declared.
fn process_threads(f: &Fields<'_>, node: &Node, spec: &mut ProcessSpec) -> Read<Vec<Span>> {
    let mut spans = Vec::new();
    match f.get("threads") {
        Some(n) => {
            let base = f.path("threads");
            let items = list(n, &base)?;
            if items.is_empty() {
                return Err(Fault::new(
                    n.span,
                    base,
                    "a process needs at least one thread",
                ));
            }
            for (i, t) in items.iter().enumerate() {
                let name = string(t, &index(&base, i))?;
                if spec.threads.contains(&name) {
                    return Err(Fault::new(
                        t.span,
                        index(&base, i),
                        format!("thread `{name}` is listed twice"),
                    ));
                }
                spec.threads.push(name);
                spans.push(t.span);
            }
        }
        None => {
            spec.threads.push("main".to_owned());
            spans.push(node.span);
        }
    }
    Ok(spans)
}

fn describe_process(spec: &ProcessSpec, setup: &Setup) -> String {
    let user = setup.world().name_of(spec.user);
    let mut extras = Vec::new();
    if spec.elevated {
        extras.push("elevated".to_owned());
    }
    if spec.service {
        extras.push("a service".to_owned());
    }
    if let Some(l) = spec.integrity {
        extras.push(format!("{l} integrity"));
    }
    if !spec.restricted_sids.is_empty() {
        extras.push("restricted".to_owned());
    }
    if let Some(a) = &spec.app_container {
        extras.push(format!("in AppContainer `{a}`"));
    }
    if spec.kernel_mode {
        extras.push("standing for kernel-mode code".to_owned());
    }
    let threads = spec
        .threads
        .iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "process `{}` runs as {user}{} with thread{} {threads}",
        spec.name,
        if extras.is_empty() {
            String::new()
        } else {
            format!(" ({})", extras.join(", "))
        },
        if spec.threads.len() > 1 { "s" } else { "" }
    )
}

fn principal_names(world: &World) -> Vec<String> {
    world
        .principals
        .iter()
        .filter(|(_, p)| p.kind != tokenhop_model::machine::principal::PrincipalKind::LogonSid)
        .map(|(_, p)| p.name.to_string())
        .collect()
}

fn principal_by_name(world: &World, name: &str, node: &Node, path: &str) -> Read<PrincipalId> {
    world.principals.find(name).ok_or_else(|| {
        Fault::new(
            node.span,
            path,
            format!("`{name}` is not a user, group or well-known principal of the scenario"),
        )
        .allowing(
            world
                .principals
                .iter()
                .filter(|(_, p)| {
                    p.kind != tokenhop_model::machine::principal::PrincipalKind::LogonSid
                })
                .map(|(_, p)| p.name.to_string()),
        )
    })
}

fn object_spec(node: &Node, path: &str, setup: &Setup) -> Read<ObjectSpec> {
    let f = Fields::new(
        node,
        path,
        "an object",
        &["name", "type", "owner", "dacl", "label"],
    )?;
    let name = string(f.require("name", "an object")?, &f.path("name"))?;
    let object_type = vocab::object_type(f.require("type", "an object")?, &f.path("type"))?;
    let world = setup.world();
    let owner = match f.get("owner") {
        Some(n) => {
            let text = string(n, &f.path("owner"))?;
            principal_by_name(world, &text, n, &f.path("owner"))?
        }
        None => world.principals.find(CURRENT_USER).unwrap_or(wk::SYSTEM),
    };
    let dacl_node = f.require("dacl", "an object (write `dacl: null` for a NULL DACL)")?;
    let dacl = if dacl_node.is_null() {
        None
    } else {
        Some(vocab::dacl(
            dacl_node,
            &f.path("dacl"),
            object_type,
            &|name| world.principals.find(name),
            &|| principal_names(world),
        )?)
    };
    let label = match f.get("label") {
        Some(n) => {
            let lf = Fields::new(
                n,
                &f.path("label"),
                "a mandatory label",
                &["level", "policy"],
            )?;
            let level =
                vocab::integrity(lf.require("level", "a mandatory label")?, &lf.path("level"))?;
            let mut policy = LabelPolicy::default();
            match lf.get("policy") {
                Some(pn) => {
                    let base = lf.path("policy");
                    for (i, item) in list(pn, &base)?.iter().enumerate() {
                        let bit = word(
                            item,
                            &index(&base, i),
                            "a label policy",
                            &[
                                ("SYSTEM_MANDATORY_LABEL_NO_WRITE_UP", 0u8),
                                ("NO_WRITE_UP", 0),
                                ("SYSTEM_MANDATORY_LABEL_NO_READ_UP", 1),
                                ("NO_READ_UP", 1),
                                ("SYSTEM_MANDATORY_LABEL_NO_EXECUTE_UP", 2),
                                ("NO_EXECUTE_UP", 2),
                            ],
                        )?;
                        match bit {
                            0 => policy.no_write_up = true,
                            1 => policy.no_read_up = true,
                            _ => policy.no_execute_up = true,
                        }
                    }
                }
                None => policy.no_write_up = true,
            }
            Some(MandatoryLabel { level, policy })
        }
        None => None,
    };
    Ok(ObjectSpec {
        name,
        object_type,
        owner,
        dacl,
        label,
    })
}

/// Converts a node to JSON (for expected values).
#[must_use]
pub fn to_json(node: &Node) -> serde_json::Value {
    match &node.kind {
        NodeKind::Null => serde_json::Value::Null,
        NodeKind::Bool(b) => serde_json::Value::Bool(*b),
        NodeKind::Int(i) => serde_json::Value::from(*i),
        NodeKind::Float(f) => serde_json::Value::from(*f),
        NodeKind::Str(s) => serde_json::Value::String(s.clone()),
        NodeKind::Seq(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    let key = match &k.kind {
                        NodeKind::Str(s) => s.clone(),
                        other => format!("{other:?}"),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}
