//! Decoding a runtime scenario's steps into the model's actions, once, at load: where each
//! step runs, its call with every name resolved (declared names to their indices, names
//! bound by `out` to the typed ids the model binds), the call's text for traces, and its
//! expectation. Work items and RunImpersonated scopes are followed through the
//! straight-line steps, so that running an item twice, or finishing it on another thread
//! or out of order, is a located error and never reaches the model.

use std::collections::HashMap;

use tokenhop_model::managed::dotnet::{FRAMEWORKS, Family, HAND_OFFS, Host};
use tokenhop_model::managed::sql::{ClrThread, PermissionSet};
use tokenhop_model::managed::{
    Action, AssemblyId, CallId, ContextId, ControlId, HandleId, IdentityId, ItemId, ResourceId,
    ScopeId, SessionId, SqlConnectionId, SqlContextId, ThreadId, WindowsIdentitySource,
};

use super::{Builder, TOO_MANY_THREADS, named};
use crate::error::Fault;
use crate::node::{Node, Span};
use crate::reader::{Fields, Read, boolean, index, string, word};
use crate::runtime::{Place, RuntimeStep, Slot, SlotId, SlotKind};

/// What a work item or scope is doing, as the decoder follows the straight-line steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Queued,
    Running(usize),
    Done,
}

/// The steps' decoder: the names bound so far and what the items and scopes are doing.
pub(crate) struct Decoder<'b> {
    decl: &'b Builder,
    /// The names bound by `out`, in order.
    pub(crate) slots: Vec<Slot>,
    names: HashMap<String, SlotId>,
    /// The next typed id of each kind (every binding call takes one, named or not).
    next: HashMap<SlotKind, u16>,
    /// The slot each named typed id is bound to.
    by_id: HashMap<(SlotKind, u16), SlotId>,
    /// The phase of each work item and RunImpersonated scope, by slot.
    phases: HashMap<SlotId, Phase>,
    /// What each thread is running, innermost last.
    running: HashMap<usize, Vec<SlotId>>,
}

/// A call decoded, with the kind and typed id of what it binds.
struct Call {
    action: Action,
    binds: Option<(SlotKind, u16)>,
}

impl Call {
    fn plain(action: Action) -> Self {
        Call {
            action,
            binds: None,
        }
    }

    fn binding(action: Action, kind: SlotKind, id: u16) -> Self {
        Call {
            action,
            binds: Some((kind, id)),
        }
    }
}

/// The parts of a step its call's decoding reads.
struct Ctx<'n, 'f> {
    call_name: &'static str,
    call_node: &'n Node,
    call_path: String,
    args: &'f Fields<'n>,
    args_span: Span,
    args_path: String,
    place: Place,
}

impl<'n> Ctx<'n, '_> {
    fn need(&self, key: &str) -> Read<&'n Node> {
        self.args.require(key, &format!("`{}`", self.call_name))
    }

    fn path(&self, key: &str) -> String {
        self.args.path(key)
    }

    /// The .NET thread the step runs on: [`Decoder::place`] gives each step of a .NET
    /// process a declared thread, and the declarations number at most `u16::MAX` threads.
    fn thread(&self) -> Read<ThreadId> {
        match self.place {
            Place::Thread(t) => u16::try_from(t)
                .map(ThreadId)
                .map_err(|_| Fault::new(self.call_node.span, &self.call_path, TOO_MANY_THREADS)),
            Place::Entry | Place::Started(_) | Place::Statement => Err(Fault::new(
                self.call_node.span,
                &self.call_path,
                "a step of a .NET process needs `thread`",
            )),
        }
    }
}

impl<'b> Decoder<'b> {
    /// A decoder over `decl`'s declarations.
    pub(crate) fn new(decl: &'b Builder) -> Self {
        Decoder {
            decl,
            slots: Vec::new(),
            names: HashMap::new(),
            next: HashMap::new(),
            by_id: HashMap::new(),
            phases: HashMap::new(),
            running: HashMap::new(),
        }
    }

    /// Decodes step `i`.
    pub(crate) fn step(&mut self, n: &Node, i: usize) -> Read<RuntimeStep> {
        let path = index("steps", i);
        let f = Fields::new(
            n,
            &path,
            "a step",
            &["thread", "call", "args", "out", "note", "expect"],
        )?;
        let call_node = f.require("call", "a step")?;
        let call_name = word(call_node, &f.path("call"), "a runtime call", CALLS)?;
        let host = self.decl.host;
        let sql_call = SQL_CALLS.contains(&call_name)
            || (matches!(call_name, "impersonate" | "undo") && host == Host::SqlServer);
        if sql_call {
            self.decl
                .sql_setup(call_node.span, &f.path("call"), call_name)?;
        } else if host == Host::SqlServer {
            return Err(Fault::new(
                call_node.span,
                f.path("call"),
                format!("`{call_name}` is a .NET process call; in a `sql-server` process use the SQL Server calls"),
            )
            .allowing(SQL_CALLS.iter().copied().chain(["impersonate", "undo"])));
        }
        let empty = Node {
            span: n.span,
            kind: crate::node::NodeKind::Map(Vec::new()),
        };
        let args_node = f.get("args").unwrap_or(&empty);
        let args = Fields::new(
            args_node,
            &f.path("args"),
            &format!("the arguments of `{call_name}`"),
            args_of(call_name, sql_call),
        )?;
        let place = self.place(n, &f, call_name, sql_call)?;
        let ctx = Ctx {
            call_name,
            call_node,
            call_path: f.path("call"),
            args: &args,
            args_span: args_node.span,
            args_path: f.path("args"),
            place,
        };
        let call = if sql_call {
            self.sql_call(&ctx)?
        } else {
            self.dotnet_call(&ctx)?
        };
        self.follow(&call.action, place, n.span, &path)?;
        let out = self.out(n, &f, call_name, call.binds, place)?;
        let text = self.describe(call_name, &call.action, out);
        let note = f.optional_string("note")?;
        let expect = match f.get("expect") {
            Some(e) => Some(self.decl.expect(e, &f.path("expect"))?),
            None => None,
        };
        Ok(RuntimeStep {
            index: i,
            span: n.span,
            place,
            name: call_name,
            text,
            action: call.action,
            note,
            expect,
        })
    }

    /// Where the step runs.
    fn place(&self, n: &Node, f: &Fields<'_>, call_name: &str, sql_call: bool) -> Read<Place> {
        let threads = &self.decl.threads;
        Ok(match (f.get("thread"), sql_call) {
            (Some(t), false) => {
                let name = string(t, &f.path("thread"))?;
                let idx = threads.iter().position(|x| *x == name).ok_or_else(|| {
                    Fault::new(
                        t.span,
                        f.path("thread"),
                        format!("`{name}` is not a declared thread"),
                    )
                    .allowing(threads.iter().cloned())
                })?;
                Place::Thread(idx)
            }
            (None, false) => {
                return Err(Fault::new(
                    n.span,
                    f.path("thread"),
                    "a step of a .NET process needs `thread`",
                )
                .allowing(threads.iter().cloned()));
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
        })
    }

    /// The CLR thread a threaded SQL Server step runs on.
    fn clr_thread(&self, place: Place) -> ClrThread {
        match place {
            Place::Started(slot) => {
                ClrThread::Started(self.slots.get(slot).map_or(u16::MAX, |s| s.id))
            }
            _ => ClrThread::Entry,
        }
    }

    /// A call of a .NET process.
    fn dotnet_call(&mut self, c: &Ctx<'_, '_>) -> Read<Call> {
        let framework = self.decl.framework.unwrap_or(FRAMEWORKS[0].1);
        let thread = c.thread()?;
        if framework.family == Family::Framework1
            && matches!(
                c.call_name,
                "suppress_flow" | "suppress_identity_flow" | "suppress_security_flow"
            )
        {
            return Err(Fault::new(
                c.call_node.span,
                c.call_path.clone(),
                format!(
                    "`{}` does not exist in .NET Framework {}: ExecutionContext and SecurityContext arrived in 2.0 (CLR-1)",
                    c.call_name, framework.name
                ),
            ));
        }
        let identity = |d: &Self| d.decl.identity(c.need("identity")?, &c.path("identity"));
        Ok(match c.call_name {
            "impersonate" => {
                if !framework.impersonate {
                    return Err(Fault::new(
                        c.call_node.span,
                        c.call_path.clone(),
                        format!(
                            "WindowsIdentity.Impersonate does not exist in .NET {}; use run_impersonated (CLR-12)",
                            framework.name
                        ),
                    ));
                }
                let identity = identity(self)?;
                let context = self.fresh(SlotKind::Context, c)?;
                Call::binding(
                    Action::Impersonate {
                        thread,
                        identity,
                        context: ContextId(context),
                    },
                    SlotKind::Context,
                    context,
                )
            }
            "undo" => Call::plain(Action::Undo {
                thread,
                context: ContextId(self.bound_id(c, "context", SlotKind::Context)?),
            }),
            "pinvoke_impersonate" => Call::plain(Action::PinvokeImpersonate {
                thread,
                identity: identity(self)?,
            }),
            "pinvoke_revert" => Call::plain(Action::PinvokeRevert { thread }),
            "open_token" => {
                let identity = identity(self)?;
                let handle = self.fresh(SlotKind::Handle, c)?;
                Call::binding(
                    Action::OpenToken {
                        thread,
                        identity,
                        handle: HandleId(handle),
                    },
                    SlotKind::Handle,
                    handle,
                )
            }
            "dispose" => Call::plain(Action::Dispose {
                thread,
                handle: HandleId(self.bound_id(c, "handle", SlotKind::Handle)?),
            }),
            "run_impersonated" => {
                if !framework.run_impersonated {
                    return Err(Fault::new(
                        c.call_node.span,
                        c.call_path.clone(),
                        format!(
                            "WindowsIdentity.RunImpersonated exists from .NET Framework 4.6 and in .NET Core, not in {}",
                            framework.name
                        ),
                    ));
                }
                let handle = HandleId(self.bound_id(c, "handle", SlotKind::Handle)?);
                let scope = self.fresh(SlotKind::Scope, c)?;
                Call::binding(
                    Action::RunImpersonated {
                        thread,
                        handle,
                        scope: ScopeId(scope),
                    },
                    SlotKind::Scope,
                    scope,
                )
            }
            "end" => Call::plain(Action::End {
                thread,
                scope: ScopeId(self.bound_id(c, "scope", SlotKind::Scope)?),
            }),
            "suppress_flow" | "suppress_identity_flow" | "suppress_security_flow" => {
                let control = ControlId(self.fresh(SlotKind::FlowControl, c)?);
                let action = match c.call_name {
                    "suppress_flow" => Action::SuppressFlow { thread, control },
                    "suppress_identity_flow" => Action::SuppressIdentityFlow { thread, control },
                    _ => Action::SuppressSecurityFlow { thread, control },
                };
                Call::binding(action, SlotKind::FlowControl, control.0)
            }
            "restore_flow" => Call::plain(Action::RestoreFlow {
                thread,
                control: ControlId(self.bound_id(c, "control", SlotKind::FlowControl)?),
            }),
            _ => self.dotnet_work(c, thread)?,
        })
    }

    /// The .NET calls on work items, resources and connections.
    fn dotnet_work(&mut self, c: &Ctx<'_, '_>, thread: ThreadId) -> Read<Call> {
        Ok(match c.call_name {
            "queue" => {
                let hand_off = word(
                    c.need("hand_off")?,
                    &c.path("hand_off"),
                    "an asynchronous hand-off",
                    HAND_OFFS,
                )?;
                let item = self.fresh(SlotKind::Item, c)?;
                Call::binding(
                    Action::Queue {
                        thread,
                        hand_off,
                        item: ItemId(item),
                    },
                    SlotKind::Item,
                    item,
                )
            }
            "run" => Call::plain(Action::Run {
                thread,
                item: ItemId(self.bound_id(c, "item", SlotKind::Item)?),
            }),
            "finish" => Call::plain(Action::Finish {
                thread,
                item: ItemId(self.bound_id(c, "item", SlotKind::Item)?),
            }),
            "whoami" => Call::plain(Action::Whoami { thread }),
            "open_connection" => {
                let connection = self.fresh(SlotKind::Connection, c)?;
                Call::binding(
                    Action::OpenConnection {
                        thread,
                        connection: SqlConnectionId(connection),
                    },
                    SlotKind::Connection,
                    connection,
                )
            }
            "close_connection" => Call::plain(Action::CloseConnection {
                thread,
                connection: SqlConnectionId(self.bound_id(
                    c,
                    "connection",
                    SlotKind::Connection,
                )?),
            }),
            "access" => Call::plain(Action::Access {
                thread,
                resource: self.resource(c)?,
            }),
            _ => {
                return Err(Fault::new(
                    c.call_node.span,
                    c.call_path.clone(),
                    format!("`{}` is not a call of this kind of process", c.call_name),
                ));
            }
        })
    }

    /// A T-SQL statement.
    fn sql_call(&mut self, c: &Ctx<'_, '_>) -> Read<Call> {
        let setup = self
            .decl
            .sql_setup(c.call_node.span, &c.call_path, c.call_name)?;
        let names = &setup.names;
        let login = |key: &str| named(&names.logins, c.need(key)?, &c.path(key), "login");
        let database = || {
            named(
                &names.databases,
                c.need("database")?,
                &c.path("database"),
                "database",
            )
        };
        Ok(match c.call_name {
            "connect" => {
                let login = login("login")?;
                let session = self.fresh(SlotKind::Session, c)?;
                Call::binding(
                    Action::Connect {
                        login,
                        session: SessionId(session),
                    },
                    SlotKind::Session,
                    session,
                )
            }
            "create_assembly" => {
                let session = SessionId(self.bound_id(c, "session", SlotKind::Session)?);
                let database = database()?;
                let set = word(
                    c.need("permission_set")?,
                    &c.path("permission_set"),
                    "a permission set",
                    &[
                        ("SAFE", PermissionSet::Safe),
                        ("EXTERNAL_ACCESS", PermissionSet::ExternalAccess),
                        ("UNSAFE", PermissionSet::Unsafe),
                    ],
                )?;
                let signer = match c.args.get("signed_by") {
                    Some(x) => Some(named(&names.logins, x, &c.path("signed_by"), "login")?),
                    None => None,
                };
                let assembly = self.fresh(SlotKind::Assembly, c)?;
                Call::binding(
                    Action::CreateAssembly {
                        session,
                        database,
                        set,
                        signer,
                        assembly: AssemblyId(assembly),
                    },
                    SlotKind::Assembly,
                    assembly,
                )
            }
            "execute_as" => {
                let session = SessionId(self.bound_id(c, "session", SlotKind::Session)?);
                match (c.args.get("login"), c.args.get("user")) {
                    (Some(_), None) => Call::plain(Action::ExecuteAs {
                        session,
                        login: login("login")?,
                        database: None,
                    }),
                    (None, Some(_)) => Call::plain(Action::ExecuteAs {
                        session,
                        login: login("user")?,
                        database: Some(database()?),
                    }),
                    _ => {
                        return Err(Fault::new(
                            c.args_span,
                            c.args_path.clone(),
                            "`execute_as` takes either `login` or `user` (with `database`)",
                        ));
                    }
                }
            }
            "revert" => Call::plain(Action::Revert {
                session: SessionId(self.bound_id(c, "session", SlotKind::Session)?),
            }),
            "alter_database" => Call::plain(Action::AlterDatabase {
                database: database()?,
                trustworthy: boolean(c.need("trustworthy")?, &c.path("trustworthy"))?,
            }),
            "enter" => {
                let session = SessionId(self.bound_id(c, "session", SlotKind::Session)?);
                let assembly = AssemblyId(self.bound_id(c, "assembly", SlotKind::Assembly)?);
                let call = self.fresh(SlotKind::Call, c)?;
                Call::binding(
                    Action::Enter {
                        session,
                        assembly,
                        call: CallId(call),
                    },
                    SlotKind::Call,
                    call,
                )
            }
            _ => self.clr_call(c)?,
        })
    }

    /// A call CLR code makes in a routine.
    fn clr_call(&mut self, c: &Ctx<'_, '_>) -> Read<Call> {
        let thread = self.clr_thread(c.place);
        let setup = self
            .decl
            .sql_setup(c.call_node.span, &c.call_path, c.call_name)?;
        Ok(match c.call_name {
            "windows_identity" => {
                let call = CallId(self.bound_id(c, "call", SlotKind::Call)?);
                let identity = self.fresh(SlotKind::Identity, c)?;
                Call::binding(
                    Action::WindowsIdentity {
                        call,
                        identity: IdentityId(identity),
                    },
                    SlotKind::Identity,
                    identity,
                )
            }
            "impersonate" => {
                let call = CallId(self.bound_id(c, "call", SlotKind::Call)?);
                let identity = IdentityId(self.bound_id(c, "identity", SlotKind::Identity)?);
                let context = self.fresh(SlotKind::Context, c)?;
                Call::binding(
                    Action::SqlImpersonate {
                        call,
                        thread,
                        identity: WindowsIdentitySource::Value(identity),
                        context: SqlContextId(context),
                    },
                    SlotKind::Context,
                    context,
                )
            }
            "undo" => Call::plain(Action::SqlUndo {
                thread,
                context: SqlContextId(self.bound_id(c, "context", SlotKind::Context)?),
            }),
            "context_query" => {
                let call = CallId(self.bound_id(c, "call", SlotKind::Call)?);
                Call::plain(Action::ContextQuery {
                    call,
                    thread,
                    table: named(
                        &setup.names.tables,
                        c.need("table")?,
                        &c.path("table"),
                        "table",
                    )?,
                })
            }
            "external_access" => {
                let resource = self.resource(c)?;
                Call::plain(Action::ExternalAccess {
                    call: CallId(self.bound_id(c, "call", SlotKind::Call)?),
                    thread,
                    resource,
                })
            }
            "start_thread" => {
                let call = CallId(self.bound_id(c, "call", SlotKind::Call)?);
                let started = self.fresh(SlotKind::Thread, c)?;
                Call::binding(Action::StartThread { call }, SlotKind::Thread, started)
            }
            "unmanaged" => Call::plain(Action::Unmanaged {
                call: CallId(self.bound_id(c, "call", SlotKind::Call)?),
            }),
            _ => {
                return Err(Fault::new(
                    c.call_node.span,
                    c.call_path.clone(),
                    format!("`{}` is not a call of this kind of process", c.call_name),
                ));
            }
        })
    }

    /// The resource a step names.
    fn resource(&self, c: &Ctx<'_, '_>) -> Read<ResourceId> {
        let r = c.need("resource")?;
        let name = string(r, &c.path("resource"))?;
        let resources = &self.decl.resources;
        let idx = resources
            .iter()
            .position(|x| x.name.eq_ignore_ascii_case(&name))
            .ok_or_else(|| {
                Fault::new(
                    r.span,
                    c.path("resource"),
                    format!("`{name}` is not a declared resource"),
                )
                .allowing(resources.iter().map(|x| x.name.clone()))
            })?;
        Ok(ResourceId(u16::try_from(idx).map_err(|_| {
            Fault::new(r.span, c.path("resource"), "too many resources")
        })?))
    }

    /// The next typed id of `kind`.
    fn fresh(&mut self, kind: SlotKind, c: &Ctx<'_, '_>) -> Read<u16> {
        let next = self.next.entry(kind).or_insert(0);
        let id = *next;
        *next = next.checked_add(1).ok_or_else(|| {
            Fault::new(
                c.call_node.span,
                c.call_path.clone(),
                format!("too many steps bind {}", kind.describe()),
            )
        })?;
        Ok(id)
    }

    /// The typed id of the name argument `key` binds, which must be of `kind`.
    fn bound_id(&self, c: &Ctx<'_, '_>, key: &str, kind: SlotKind) -> Read<u16> {
        let slot = self.bound(c.need(key)?, &c.path(key), kind)?;
        Ok(self.slots.get(slot).map_or(u16::MAX, |s| s.id))
    }

    /// The slot a name argument names, which must be of `kind`.
    fn bound(&self, n: &Node, path: &str, kind: SlotKind) -> Read<SlotId> {
        let name = string(n, path)?;
        let Some(&id) = self.names.get(&name) else {
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

    /// Binds the step's `out`, when the call returns something to bind; the slot.
    fn out(
        &mut self,
        n: &Node,
        f: &Fields<'_>,
        call_name: &str,
        binds: Option<(SlotKind, u16)>,
        place: Place,
    ) -> Read<Option<SlotId>> {
        match (f.get("out"), binds) {
            (Some(o), Some((kind, id))) => {
                let name = string(o, &f.path("out"))?;
                if self.names.contains_key(&name) {
                    return Err(Fault::new(
                        o.span,
                        f.path("out"),
                        format!("`{name}` is already bound by an earlier step"),
                    ));
                }
                self.slots.push(Slot {
                    name: name.clone(),
                    kind,
                    id,
                });
                let slot = self.slots.len() - 1;
                self.names.insert(name, slot);
                self.by_id.insert((kind, id), slot);
                if kind == SlotKind::Item {
                    self.phases.insert(slot, Phase::Queued);
                }
                if kind == SlotKind::Scope
                    && let Place::Thread(t) = place
                {
                    self.phases.insert(slot, Phase::Running(t));
                    self.running.entry(t).or_default().push(slot);
                }
                Ok(Some(slot))
            }
            (Some(o), None) => Err(Fault::new(
                o.span,
                f.path("out"),
                format!("`{call_name}` returns nothing to bind"),
            )),
            (
                None,
                Some((
                    SlotKind::Item
                    | SlotKind::Scope
                    | SlotKind::Session
                    | SlotKind::Call
                    | SlotKind::Thread
                    | SlotKind::Connection,
                    _,
                )),
            ) => Err(Fault::new(
                n.span,
                f.path("out"),
                format!("`{call_name}` needs `out`: later steps name what it returns"),
            )),
            (None, _) => Ok(None),
        }
    }

    /// Follows work items and RunImpersonated scopes through the straight-line steps, so
    /// that running an item twice, finishing it on another thread or out of order is a
    /// located error, not a run-time surprise.
    fn follow(&mut self, action: &Action, place: Place, span: Span, path: &str) -> Read<()> {
        let Place::Thread(t) = place else {
            return Ok(());
        };
        let thread = self.decl.threads.get(t).cloned().unwrap_or_default();
        let slot_of = |kind, id| self.by_id.get(&(kind, id)).copied();
        match *action {
            Action::Run { item, .. } => {
                let Some(slot) = slot_of(SlotKind::Item, item.0) else {
                    return Ok(());
                };
                if self.phases.get(&slot) != Some(&Phase::Queued) {
                    return Err(Fault::new(
                        span,
                        format!("{path}.args.item"),
                        format!(
                            "`{}` is not waiting to run: a work item runs once",
                            self.slot_name(slot)
                        ),
                    ));
                }
                self.phases.insert(slot, Phase::Running(t));
                self.running.entry(t).or_default().push(slot);
            }
            Action::Finish { item, .. } => {
                if let Some(slot) = slot_of(SlotKind::Item, item.0) {
                    self.returns(slot, "item", t, &thread, span, path)?;
                }
            }
            Action::End { scope, .. } => {
                if let Some(slot) = slot_of(SlotKind::Scope, scope.0) {
                    self.returns(slot, "scope", t, &thread, span, path)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The item or scope in `slot` returns on thread `t`: it must be the innermost thing
    /// the thread runs.
    fn returns(
        &mut self,
        slot: SlotId,
        what: &str,
        t: usize,
        thread: &str,
        span: Span,
        path: &str,
    ) -> Read<()> {
        if self.phases.get(&slot) != Some(&Phase::Running(t)) {
            return Err(Fault::new(
                span,
                format!("{path}.args.{what}"),
                format!(
                    "`{}` is not running on thread `{thread}`",
                    self.slot_name(slot)
                ),
            ));
        }
        let innermost = self.running.get(&t).and_then(|v| v.last()).copied();
        if innermost != Some(slot) {
            return Err(Fault::new(
                span,
                format!("{path}.args.{what}"),
                format!(
                    "`{}` is not the innermost thing thread `{thread}` runs; `{}` must end first",
                    self.slot_name(slot),
                    innermost.map_or_else(String::new, |i| self.slot_name(i))
                ),
            ));
        }
        if let Some(v) = self.running.get_mut(&t) {
            v.pop();
        }
        self.phases.insert(slot, Phase::Done);
        Ok(())
    }

    fn slot_name(&self, slot: SlotId) -> String {
        self.slots
            .get(slot)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }

    /// The name bound to the typed id `id` of `kind`, empty when unnamed.
    fn id_name(&self, kind: SlotKind, id: u16) -> String {
        self.by_id
            .get(&(kind, id))
            .map_or_else(String::new, |&s| self.slot_name(s))
    }

    /// The step in words (`queue(task_continuation) -> cb`).
    fn describe(&self, call_name: &str, action: &Action, out: Option<SlotId>) -> String {
        let decl = self.decl;
        let ident = |i: u16| {
            decl.identities
                .get(usize::from(i))
                .cloned()
                .unwrap_or_default()
        };
        let sql = decl.sql.as_ref().map(|s| &s.names);
        let login = |l: usize| {
            sql.and_then(|s| s.logins.get(l))
                .cloned()
                .unwrap_or_default()
        };
        let db = |d: usize| {
            sql.and_then(|s| s.databases.get(d))
                .cloned()
                .unwrap_or_default()
        };
        let resource = |r: ResourceId| {
            decl.resources
                .get(r.index())
                .map(|x| x.name.clone())
                .unwrap_or_default()
        };
        let name = |kind, id| self.id_name(kind, id);
        let args = match *action {
            Action::Impersonate { identity, .. }
            | Action::PinvokeImpersonate { identity, .. }
            | Action::OpenToken { identity, .. } => ident(identity),
            Action::Undo { context, .. } => name(SlotKind::Context, context.0),
            Action::Dispose { handle, .. } | Action::RunImpersonated { handle, .. } => {
                name(SlotKind::Handle, handle.0)
            }
            Action::End { scope, .. } => name(SlotKind::Scope, scope.0),
            Action::RestoreFlow { control, .. } => name(SlotKind::FlowControl, control.0),
            Action::Run { item, .. } | Action::Finish { item, .. } => name(SlotKind::Item, item.0),
            Action::CloseConnection { connection, .. } => name(SlotKind::Connection, connection.0),
            Action::Revert { session } => name(SlotKind::Session, session.0),
            Action::WindowsIdentity { call, .. }
            | Action::StartThread { call }
            | Action::Unmanaged { call } => name(SlotKind::Call, call.0),
            Action::SqlUndo { context, .. } => name(SlotKind::Context, context.0),
            Action::Queue { hand_off, .. } | Action::Capture { hand_off, .. } => {
                hand_off.name().to_owned()
            }
            Action::Access { resource: r, .. } => resource(r),
            Action::Connect { login: l, .. } => login(l),
            Action::CreateAssembly {
                session,
                database,
                set,
                signer,
                ..
            } => format!(
                "{}, {}, {}{}",
                name(SlotKind::Session, session.0),
                db(database),
                set.name(),
                signer
                    .map(|l| format!(", signed by {}", login(l)))
                    .unwrap_or_default()
            ),
            Action::ExecuteAs {
                session,
                login: l,
                database,
            } => match database {
                Some(d) => format!(
                    "{}, user {} in {}",
                    name(SlotKind::Session, session.0),
                    login(l),
                    db(d)
                ),
                None => format!("{}, login {}", name(SlotKind::Session, session.0), login(l)),
            },
            Action::AlterDatabase {
                database,
                trustworthy,
            } => format!(
                "{}, TRUSTWORTHY {}",
                db(database),
                if trustworthy { "ON" } else { "OFF" }
            ),
            Action::Enter {
                session, assembly, ..
            } => format!(
                "{}, {}",
                name(SlotKind::Session, session.0),
                name(SlotKind::Assembly, assembly.0)
            ),
            Action::SqlImpersonate { call, identity, .. } => format!(
                "{}, {}",
                name(SlotKind::Call, call.0),
                match identity {
                    WindowsIdentitySource::Value(id) => name(SlotKind::Identity, id.0),
                    WindowsIdentitySource::SqlContext => "SqlContext.WindowsIdentity".to_owned(),
                }
            ),
            Action::ContextQuery { call, table, .. } => format!(
                "{}, {}",
                name(SlotKind::Call, call.0),
                sql.and_then(|x| x.tables.get(table))
                    .cloned()
                    .unwrap_or_default()
            ),
            Action::ExternalAccess {
                call, resource: r, ..
            } => format!("{}, {}", name(SlotKind::Call, call.0), resource(r)),
            Action::Start
            | Action::PinvokeRevert { .. }
            | Action::OpenConnection { .. }
            | Action::SuppressFlow { .. }
            | Action::SuppressIdentityFlow { .. }
            | Action::SuppressSecurityFlow { .. }
            | Action::RunCaptured { .. }
            | Action::Whoami { .. } => String::new(),
        };
        let out = out
            .map(|o| format!(" -> {}", self.slot_name(o)))
            .unwrap_or_default();
        format!("{call_name}({args}){out}")
    }
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
