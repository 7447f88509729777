//! The SQL Server actions of [`step`](super::step::step): T-SQL statements of a session and the calls
//! CLR code makes in a routine. Each looks up what it names, takes its decisions through
//! [`super::sql`], and records what it created under the id the action binds.

use super::action::{Action, WindowsIdentitySource};
use super::exception::Exception;
use super::ids::{self, CallId, ResourceId, SessionId, SqlContextId};
use super::outcome::{Misuse, Shown, Value};
use super::runtime::{Runtime, SqlState};
use super::setup::Setup;
use super::sql::{ClrCall, ClrThread, Instance, Session};
use super::step::Reply;
use crate::core::decision::Trail;
use crate::rules::RuleId;

/// What CLR code gets when it uses a routine whose T-SQL statement never entered it.
const NO_ROUTINE: Exception =
    Exception::InvalidOperation("SqlContext is not available: the routine never started (SQL-6)");

/// Plays a SQL Server action.
pub(crate) fn apply(
    setup: &Setup,
    rt: &mut Runtime,
    action: &Action,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    let (Some(sql), Some(state)) = (setup.sql.as_ref(), rt.sql.as_deref_mut()) else {
        return Err(Misuse::NotSqlServer);
    };
    let inst = &sql.instance;
    match *action {
        Action::WindowsIdentity { .. }
        | Action::SqlImpersonate { .. }
        | Action::SqlUndo { .. }
        | Action::ContextQuery { .. }
        | Action::ExternalAccess { .. }
        | Action::StartThread { .. }
        | Action::Unmanaged { .. } => routine(setup, inst, state, action, trail),
        _ => statement(setup, inst, state, action, trail),
    }
}

/// A T-SQL statement of a session.
fn statement(
    setup: &Setup,
    inst: &Instance,
    state: &mut SqlState,
    action: &Action,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    match *action {
        Action::Connect { login, session } => {
            let identity = inst
                .logins
                .get(login)
                .ok_or(Misuse::Undeclared("login", login))?
                .identity;
            ids::bind(&mut state.sessions, session.index(), Session::new(login));
            Ok(Reply::new(
                Ok(Value::Identity(identity)),
                Some(Shown::Id(identity)),
            ))
        }
        Action::CreateAssembly {
            session,
            database,
            set,
            signer,
            assembly,
        } => {
            let creator = session_of(state, session)?.current().principal;
            let result = inst.create_assembly(
                &state.catalog,
                creator,
                database,
                set,
                signer,
                &setup.readings,
                trail,
            );
            if let Ok(created) = result {
                ids::bind(&mut state.catalog.assemblies, assembly.index(), created);
            }
            Ok(Reply::new(result.map(|_| Value::Nothing), None))
        }
        Action::ExecuteAs {
            session,
            login,
            database,
        } => {
            let sess = ids::get_mut(&mut state.sessions, session.index())
                .ok_or(Misuse::NoSession(session))?;
            let result = inst.execute_as(&state.catalog, sess, login, database, trail);
            Ok(as_login(inst, result.map(|()| login)))
        }
        Action::Revert { session } => {
            let sess = ids::get_mut(&mut state.sessions, session.index())
                .ok_or(Misuse::NoSession(session))?;
            let result = sess.revert(&setup.readings, trail);
            let principal = sess.current().principal;
            Ok(as_login(inst, result.map(|()| principal)))
        }
        Action::AlterDatabase {
            database,
            trustworthy,
        } => {
            let db = state
                .catalog
                .databases
                .get_mut(database)
                .ok_or(Misuse::Undeclared("database", database))?;
            db.trustworthy = trustworthy;
            trail.note(RuleId::SQL_2, || {
                format!(
                    "TRUSTWORTHY is now {}; assemblies are checked again when they load",
                    if trustworthy { "ON" } else { "OFF" }
                )
            });
            Ok(Reply::new(Ok(Value::Nothing), None))
        }
        Action::Enter {
            session,
            assembly,
            call,
        } => {
            let sess = session_of(state, session)?;
            let result = inst.enter_clr(&state.catalog, sess, assembly, trail);
            let shown = result.is_ok().then_some(Shown::Id(inst.service));
            Ok(Reply::new(
                result.map(|entered| {
                    ids::bind(&mut state.calls, call.index(), entered);
                    Value::Identity(inst.service)
                }),
                shown,
            ))
        }
        _ => Err(Misuse::NotDotnet),
    }
}

/// A call CLR code makes in a routine.
fn routine(
    setup: &Setup,
    inst: &Instance,
    state: &mut SqlState,
    action: &Action,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    match *action {
        Action::WindowsIdentity { call, identity } => {
            let Some(c) = ids::get(&state.calls, call.index()) else {
                return Ok(Reply::new(Err(NO_ROUTINE), None));
            };
            let result = inst.windows_identity(c, &setup.readings, trail);
            let shown = result.ok().map(|wi| wi.map_or(Shown::Null, Shown::Id));
            Ok(Reply::new(
                result.map(|wi| {
                    ids::bind(&mut state.identities, identity.index(), wi);
                    Value::WindowsIdentity(wi)
                }),
                shown,
            ))
        }
        Action::SqlImpersonate {
            call,
            thread,
            identity,
            context,
        } => Ok(impersonate(
            setup, inst, state, call, thread, identity, context, trail,
        )),
        Action::SqlUndo { thread, context } => {
            let Some(call) = ids::get(&state.contexts, context.index()).copied() else {
                return Ok(Reply::new(
                    Err(Exception::Unnamed(
                        "the WindowsImpersonationContext was never returned: Impersonate threw",
                    )),
                    None,
                ));
            };
            Ok(match call_mut(state, call) {
                Ok(c) => {
                    c.undo(thread, trail);
                    Reply::new(Ok(Value::Nothing), Some(Shown::Id(0)))
                }
                Err(e) => Reply::new(Err(e), None),
            })
        }
        Action::ContextQuery {
            call,
            thread,
            table,
        } => {
            let Some(c) = ids::get(&state.calls, call.index()) else {
                return Ok(Reply::new(Err(NO_ROUTINE), None));
            };
            let result = inst.context_query(&state.catalog, c, thread, table, trail);
            let shown = result
                .as_ref()
                .ok()
                .and_then(|&login| inst.logins.get(login))
                .map(|l| Shown::Id(l.identity));
            Ok(Reply::new(result.map(Value::Principal), shown))
        }
        Action::ExternalAccess {
            call,
            thread,
            resource,
        } => external_access(setup, inst, state, call, thread, resource, trail),
        Action::StartThread { call } => {
            let Some(c) = ids::get(&state.calls, call.index()) else {
                return Ok(Reply::new(Err(NO_ROUTINE), None));
            };
            let result = c.start_thread(trail);
            let shown = result.is_ok().then_some(Shown::Id(0));
            Ok(Reply::new(result.map(|()| Value::Nothing), shown))
        }
        Action::Unmanaged { call } => {
            let Some(c) = ids::get(&state.calls, call.index()) else {
                return Ok(Reply::new(Err(NO_ROUTINE), None));
            };
            Ok(Reply::new(
                c.unmanaged(trail).map(|()| Value::Nothing),
                None,
            ))
        }
        _ => Err(Misuse::NotDotnet),
    }
}

/// WindowsIdentity.Impersonate in CLR code, of a WindowsIdentity value or of
/// SqlContext.WindowsIdentity read then (SQL-4, SQL-6, SQL-7, OQD-9).
#[allow(clippy::too_many_arguments)]
fn impersonate(
    setup: &Setup,
    inst: &Instance,
    state: &mut SqlState,
    call: CallId,
    thread: ClrThread,
    identity: WindowsIdentitySource,
    context: SqlContextId,
    trail: &mut Trail,
) -> Reply {
    let Some(c) = ids::get(&state.calls, call.index()) else {
        return Reply::new(Err(NO_ROUTINE), None);
    };
    let wi = match identity {
        WindowsIdentitySource::Value(id) => {
            ids::get(&state.identities, id.index()).copied().flatten()
        }
        WindowsIdentitySource::SqlContext => {
            match inst.windows_identity(c, &setup.readings, trail) {
                Ok(wi) => wi,
                Err(e) => return Reply::new(Err(e), None),
            }
        }
    };
    match call_mut(state, call).and_then(|c| c.impersonate(thread, wi, trail)) {
        Ok(who) => {
            ids::bind(&mut state.contexts, context.index(), call);
            Reply::new(Ok(Value::Impersonated(who)), Some(Shown::Id(who)))
        }
        Err(e) => Reply::new(Err(e), None),
    }
}

/// An external resource opened from a routine: whom it sees (SQL-1, SQL-4, SQL-5, SQL-10,
/// OQD-8, OQD-9), then its own check of that identity (THR-1).
fn external_access(
    setup: &Setup,
    inst: &Instance,
    state: &SqlState,
    call: CallId,
    thread: ClrThread,
    resource: ResourceId,
    trail: &mut Trail,
) -> Result<Reply, Misuse> {
    let res = setup
        .resources
        .get(resource.index())
        .ok_or(Misuse::Undeclared("resource", resource.index()))?;
    let Some(c) = ids::get(&state.calls, call.index()) else {
        return Ok(Reply::new(Err(NO_ROUTINE), None));
    };
    let who = match inst.external_identity(c, thread, res.remote, &setup.readings, trail) {
        Ok(who) => who,
        Err(e) => return Ok(Reply::new(Err(e), None)),
    };
    let shown = who.map_or(Shown::Anonymous, Shown::Id);
    let granted = who.is_some_and(|w| res.readers.contains(&w));
    trail.note(RuleId::THR_1, || {
        format!(
            "the resource checks the identity it sees, {}: {}",
            setup.shown(shown),
            if granted { "granted" } else { "denied" }
        )
    });
    let result = if granted {
        Ok(Value::Seen(who))
    } else {
        Err(Exception::UnauthorizedAccess)
    };
    Ok(Reply::new(result, Some(shown)))
}

/// The session bound at `id`.
fn session_of(state: &SqlState, id: SessionId) -> Result<&Session, Misuse> {
    ids::get(&state.sessions, id.index()).ok_or(Misuse::NoSession(id))
}

/// The routine call bound at `id`, to change, or what CLR code gets when there is none.
fn call_mut(state: &mut SqlState, id: CallId) -> Result<&mut ClrCall, Exception> {
    ids::get_mut(&mut state.calls, id.index()).ok_or(NO_ROUTINE)
}

/// A statement that leaves the session in `login`'s context shows that login's identity.
fn as_login(inst: &Instance, result: Result<usize, Exception>) -> Reply {
    match result {
        Ok(login) => {
            let who = inst.logins.get(login).map_or(0, |l| l.identity);
            Reply::new(Ok(Value::Identity(who)), Some(Shown::Id(who)))
        }
        Err(e) => Reply::new(Err(e), None),
    }
}
