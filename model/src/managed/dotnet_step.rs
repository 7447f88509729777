//! The .NET actions of [`step`](super::step::step): each looks up what it names in the runtime, takes
//! its decisions through [`super::dotnet`] (and [`super::pooling`] for connections), and
//! records what it created under the id the action binds.

use super::Ident;
use super::action::Action;
use super::dotnet::{self, Carried, FlowMode, HandOff, Host, ManagedThread, Suppression};
use super::exception::Exception;
use super::ids::{
    self, ContextId, ControlId, HandleId, ItemId, ResourceId, ScopeId, SqlConnectionId, ThreadId,
};
use super::outcome::{Misuse, Shown, Value};
use super::runtime::{Control, Item, Lease, Open, Runtime, Status};
use super::setup::Setup;
use super::short::Short;
use super::step::Reply;
use crate::core::decision::Trail;
use crate::rules::RuleId;

/// Plays a .NET action.
pub(crate) fn apply(
    setup: &Setup,
    rt: &mut Runtime,
    action: &Action,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    if setup.host == Host::SqlServer {
        return Err(Misuse::NotDotnet);
    }
    match *action {
        Action::OpenToken {
            thread,
            identity,
            handle,
        } => {
            thread_mut(&mut rt.threads, thread)?;
            rt.handles.open(handle, identity);
            return Ok(Reply::new(
                Ok(Value::Identity(identity)),
                Some(Shown::Id(identity)),
            ));
        }
        Action::Dispose { thread, handle } => {
            thread_mut(&mut rt.threads, thread)?;
            if !rt.handles.dispose(handle) {
                return Err(Misuse::NoHandle(handle));
            }
            return Ok(me(rt, thread, Ok(Value::Nothing)));
        }
        _ => {}
    }
    let mode = rt.mode.ok_or(Misuse::NotStarted)?;
    match *action {
        Action::Impersonate {
            thread,
            identity,
            context,
        } => impersonate(setup, rt, thread, identity, context, trail),
        Action::Undo { thread, context } => {
            let saved =
                *ids::get(&rt.contexts, context.index()).ok_or(Misuse::NoContext(context))?;
            let th = thread_mut(&mut rt.threads, thread)?;
            dotnet::undo(&mut *th, saved, trail);
            Ok(me(rt, thread, Ok(Value::Nothing)))
        }
        Action::PinvokeImpersonate { thread, identity } => {
            let th = thread_mut(&mut rt.threads, thread)?;
            dotnet::pinvoke_impersonate_in(mode, &mut *th, identity, trail);
            Ok(me(rt, thread, Ok(Value::Nothing)))
        }
        Action::PinvokeRevert { thread } => {
            let th = thread_mut(&mut rt.threads, thread)?;
            dotnet::pinvoke_revert(&mut *th, trail);
            Ok(me(rt, thread, Ok(Value::Nothing)))
        }
        Action::RunImpersonated {
            thread,
            handle,
            scope,
        } => run_impersonated(setup, rt, mode, thread, handle, scope, trail),
        Action::End { thread, scope } => end(rt, thread, scope, trail),
        Action::SuppressFlow { thread, control } => {
            let th = thread_mut(&mut rt.threads, thread)?;
            let result = dotnet::suppress_flow(mode, &mut *th, trail);
            suppressed(rt, thread, control, Suppression::ExecutionContext, result)
        }
        Action::SuppressIdentityFlow { thread, control }
        | Action::SuppressSecurityFlow { thread, control } => {
            let whole = matches!(action, Action::SuppressSecurityFlow { .. });
            let th = thread_mut(&mut rt.threads, thread)?;
            let result = dotnet::suppress_identity_flow(mode, &mut *th, whole, trail);
            suppressed(rt, thread, control, Suppression::SecurityContext, result)
        }
        Action::RestoreFlow { thread, control } => restore_flow(rt, thread, control, trail),
        Action::Queue {
            thread,
            hand_off,
            item,
        } => {
            let context = capture(setup, rt, mode, thread, hand_off, trail)?;
            queue(rt, item, context)?;
            Ok(me(rt, thread, Ok(Value::Captured(context))))
        }
        Action::Capture { thread, hand_off } => {
            let context = capture(setup, rt, mode, thread, hand_off, trail)?;
            Ok(me(rt, thread, Ok(Value::Captured(context))))
        }
        Action::Run { thread, item } => run(rt, thread, item, trail),
        Action::RunCaptured {
            thread,
            item,
            context,
        } => {
            thread_mut(&mut rt.threads, thread)?;
            queue(rt, item, context)?;
            run(rt, thread, item, trail)
        }
        Action::Finish { thread, item } => finish(rt, thread, item, trail),
        Action::Whoami { thread } => {
            thread_mut(&mut rt.threads, thread)?;
            trail.note(RuleId::THR_1, || {
                "the thread's effective token is its impersonation token, else the process's".into()
            });
            Ok(me(rt, thread, Ok(Value::Nothing)))
        }
        Action::Access { thread, resource } => access(setup, rt, thread, resource, trail),
        Action::OpenConnection { thread, connection } => {
            open_connection(setup, rt, thread, connection, trail)
        }
        Action::CloseConnection { thread, connection } => {
            close_connection(setup, rt, thread, connection, trail)
        }
        _ => Err(Misuse::NotSqlServer),
    }
}

/// WindowsIdentity.Impersonate (.NET Framework, CLR-3): binds the context Undo takes.
fn impersonate(
    setup: &Setup,
    rt: &mut Runtime,
    thread: ThreadId,
    identity: Ident,
    context: ContextId,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    if !setup.framework.impersonate {
        return Err(Misuse::Unavailable("WindowsIdentity.Impersonate"));
    }
    let th = thread_mut(&mut rt.threads, thread)?;
    let saved = dotnet::impersonate(&mut *th, identity, trail);
    ids::bind(&mut rt.contexts, context.index(), saved);
    Ok(me(rt, thread, Ok(Value::Nothing)))
}

/// AsyncFlowControl.Undo of the suppression that returned `control` (CLR-9, CLR-10).
fn restore_flow(
    rt: &mut Runtime,
    thread: ThreadId,
    control: ControlId,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    let th = thread_mut(&mut rt.threads, thread)?;
    let Some(c) = ids::get(&rt.controls, control.index()).copied() else {
        return Ok(me(
            rt,
            thread,
            Err(Exception::InvalidOperation(
                "the AsyncFlowControl was never returned: the suppression threw",
            )),
        ));
    };
    let result = dotnet::restore_flow(&mut *th, c.suppression, c.thread == thread, trail);
    if result.is_ok() {
        ids::unbind(&mut rt.controls, control.index());
    }
    Ok(me(rt, thread, result.map(|()| Value::Nothing)))
}

/// What a hand-off made now on `thread` captures (CLR-1..13, OQR-1).
fn capture(
    setup: &Setup,
    rt: &mut Runtime,
    mode: FlowMode,
    thread: ThreadId,
    hand_off: HandOff,
    trail: &mut Trail,
) -> Result<Carried, Misuse> {
    let th = thread_mut(&mut rt.threads, thread)?;
    Ok(dotnet::capture(
        mode,
        hand_off,
        &*th,
        &setup.readings,
        trail,
    ))
}

/// Binds a work item waiting to run with `context`.
fn queue(rt: &mut Runtime, item: ItemId, context: Carried) -> Result<(), Misuse> {
    if rt.item(item).is_some_and(|i| i.status == Status::Running) {
        return Err(Misuse::ItemRunning(item));
    }
    ids::bind(
        &mut rt.items,
        item.index(),
        Item {
            context,
            status: Status::Queued,
        },
    );
    Ok(())
}

/// The thread opens a resource with its effective token, which the resource checks (THR-1).
fn access(
    setup: &Setup,
    rt: &mut Runtime,
    thread: ThreadId,
    resource: ResourceId,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    thread_mut(&mut rt.threads, thread)?;
    let res = setup
        .resources
        .get(resource.index())
        .ok_or(Misuse::Undeclared("resource", resource.index()))?;
    let who = rt.runs_as(thread);
    trail.note(RuleId::THR_1, || {
        format!(
            "the resource is opened with the thread's effective token: {}",
            setup.name(who)
        )
    });
    let result = if res.readers.contains(&who) {
        Ok(Value::Identity(who))
    } else {
        Err(Exception::UnauthorizedAccess)
    };
    Ok(me(rt, thread, result))
}

/// SqlConnection.Open under the thread's effective token (THR-1), from the pool (MRT-3).
fn open_connection(
    setup: &Setup,
    rt: &mut Runtime,
    thread: ThreadId,
    connection: SqlConnectionId,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    thread_mut(&mut rt.threads, thread)?;
    let who = rt.runs_as(thread);
    trail.note(RuleId::THR_1, || {
        format!(
            "the connection authenticates with the thread's effective token: {}",
            setup.name(who)
        )
    });
    let connections = rt.connections.get_or_insert_with(Box::default);
    let (id, reused) = connections.pool.open(who, trail);
    ids::bind(
        &mut connections.leases,
        connection.index(),
        Lease {
            connection: id,
            identity: who,
        },
    );
    Ok(me(
        rt,
        thread,
        Ok(Value::Connection {
            identity: who,
            reused,
        }),
    ))
}

/// SqlConnection.Close: the connection goes back to the pool under its identity (MRT-3).
fn close_connection(
    setup: &Setup,
    rt: &mut Runtime,
    thread: ThreadId,
    connection: SqlConnectionId,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    thread_mut(&mut rt.threads, thread)?;
    let connections = rt
        .connections
        .as_deref_mut()
        .ok_or(Misuse::NoConnection(connection))?;
    let slot = connections
        .leases
        .get_mut(connection.index())
        .ok_or(Misuse::NoConnection(connection))?;
    let Some(lease) = slot.take() else {
        trail.note(RuleId::MRT_3, || {
            "the connection is already back in the pool: Close may be called again and does nothing".into()
        });
        return Ok(Reply::new(Ok(Value::Nothing), None));
    };
    connections.pool.close(lease.connection, lease.identity);
    trail.note(RuleId::MRT_3, || {
        format!(
            "connection #{} returns to the pool, keyed by {}",
            lease.connection,
            setup.name(lease.identity)
        )
    });
    Ok(Reply::new(
        Ok(Value::Identity(lease.identity)),
        Some(Shown::Id(lease.identity)),
    ))
}

/// The thread `id`, or the misuse of naming one that does not exist.
fn thread_mut(
    threads: &mut Short<ManagedThread, 2>,
    id: ThreadId,
) -> Result<&mut ManagedThread, Misuse> {
    threads.get_mut(id.index()).ok_or(Misuse::NoThread(id))
}

/// The innermost frame thread `id` runs, and its position among every thread's frames.
fn innermost(rt: &Runtime, id: ThreadId) -> Option<(usize, Open)> {
    rt.open
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, f)| f.filter(|(t, _)| *t == id).map(|(_, o)| (i, o)))
}

/// `result`, showing whom `thread` runs as afterwards.
fn me(rt: &Runtime, thread: ThreadId, result: Result<Value, Exception>) -> Reply {
    Reply::new(result, Some(Shown::Id(rt.runs_as(thread))))
}

/// Binds the flow control a suppression returned, when it did not throw.
fn suppressed(
    rt: &mut Runtime,
    thread: ThreadId,
    control: ControlId,
    suppression: Suppression,
    result: Result<(), Exception>,
) -> Result<Reply, Misuse> {
    if result.is_ok() {
        ids::bind(
            &mut rt.controls,
            control.index(),
            Control {
                thread,
                suppression,
            },
        );
    }
    Ok(me(rt, thread, result.map(|()| Value::Nothing)))
}

/// WindowsIdentity.RunImpersonated enters its delegate (CLR-3, CLR-12, CLR-14).
fn run_impersonated(
    setup: &Setup,
    rt: &mut Runtime,
    mode: FlowMode,
    thread: ThreadId,
    handle: HandleId,
    scope: ScopeId,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    if !setup.framework.run_impersonated {
        return Err(Misuse::Unavailable("WindowsIdentity.RunImpersonated"));
    }
    if rt.handles.owner(handle).is_none() {
        return Err(Misuse::NoHandle(handle));
    }
    let th = thread_mut(&mut rt.threads, thread)?;
    let result = dotnet::run_impersonated(mode, th, handle, &rt.handles, trail);
    if let Ok(frame) = result {
        rt.open.push(Some((thread, Open::Scope { scope, frame })));
    }
    Ok(me(rt, thread, result.map(|_| Value::Nothing)))
}

/// The RunImpersonated delegate returns (CLR-8, CLR-12, MRT-2).
fn end(
    rt: &mut Runtime,
    thread: ThreadId,
    scope: ScopeId,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    thread_mut(&mut rt.threads, thread)?;
    match innermost(rt, thread) {
        Some((at, Open::Scope { scope: s, frame })) if s == scope => {
            rt.open.remove(at);
            let th = thread_mut(&mut rt.threads, thread)?;
            dotnet::leave(frame, th, trail);
        }
        _ if rt
            .open(thread)
            .any(|o| matches!(o, Open::Scope { scope: s, .. } if s == scope)) =>
        {
            return Err(Misuse::ScopeNotInnermost(scope, thread));
        }
        // RunImpersonated threw, so its delegate never ran.
        _ => nothing_restored(rt, thread, trail),
    }
    Ok(me(rt, thread, Ok(Value::Nothing)))
}

/// A thread starts running a queued work item: the runtime enters the context the
/// hand-off captured (CLR-5, CLR-8, CLR-10..14); an item whose context cannot be entered
/// is over.
fn run(
    rt: &mut Runtime,
    thread: ThreadId,
    item: ItemId,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    let queued = *rt.item(item).ok_or(Misuse::NoItem(item))?;
    if queued.status != Status::Queued {
        return Err(Misuse::NotQueued(item));
    }
    let th = thread_mut(&mut rt.threads, thread)?;
    let result = dotnet::enter(queued.context, th, &rt.handles, trail);
    let status = match result {
        Ok(frame) => {
            rt.open.push(Some((thread, Open::Callback { item, frame })));
            Status::Running
        }
        Err(_) => Status::Done,
    };
    if let Some(it) = ids::get_mut(&mut rt.items, item.index()) {
        it.status = status;
    }
    Ok(me(rt, thread, result.map(|_| Value::Nothing)))
}

/// The work item returns and the runtime restores what running it changed (CLR-8,
/// CLR-12, MRT-2).
fn finish(
    rt: &mut Runtime,
    thread: ThreadId,
    item: ItemId,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    let status = rt.item(item).ok_or(Misuse::NoItem(item))?.status;
    thread_mut(&mut rt.threads, thread)?;
    match innermost(rt, thread) {
        Some((at, Open::Callback { item: i, frame })) if i == item => {
            rt.open.remove(at);
            let th = thread_mut(&mut rt.threads, thread)?;
            dotnet::leave(frame, th, trail);
            if let Some(it) = ids::get_mut(&mut rt.items, item.index()) {
                it.status = Status::Done;
            }
        }
        _ if status == Status::Running => return Err(Misuse::ItemNotInnermost(item, thread)),
        _ if status == Status::Queued => return Err(Misuse::NotRunning(item)),
        // Its context could not be entered, so it never ran.
        _ => nothing_restored(rt, thread, trail),
    }
    Ok(me(rt, thread, Ok(Value::Nothing)))
}

/// A callback or delegate that never started returns: the runtime changed nothing and
/// restores nothing (MRT-2).
fn nothing_restored(rt: &Runtime, thread: ThreadId, trail: &mut Trail) {
    if rt.thread(thread).is_some_and(|t| t.os_token.is_some()) {
        trail.note(RuleId::MRT_2, || {
            "the runtime changed nothing, so it restores nothing: the token stays on the thread"
                .into()
        });
    }
}
