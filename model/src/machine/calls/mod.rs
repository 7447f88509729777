//! One module per family of calls. Each call is a function from the world (changed in
//! place) and its arguments to a [`CallResult`], noting every decision on the trail.
//! [`apply`] dispatches an [`Action`] to its function.

mod checks;
mod com_calls;
mod com_setup;
mod duplicate;
mod handles;
mod impersonate;
mod logon_user;
mod objects;
mod open_token;
mod pipes;
mod privileges;
mod processes;
mod query;
mod restrict;
mod rpc_client;
mod rpc_server;
mod sspi_handshake;
mod sspi_impersonate;
mod threads;

use crate::core::decision::Trail;
use crate::core::error_code::ErrorCode;
use crate::machine::action::{Action, Call};
use crate::machine::ids::ThreadId;
use crate::machine::outcome::CallResult;
use crate::machine::room;
use crate::machine::world::World;

/// Applies `action` to `world` in place. On failure the world may be partly changed; use
/// [`crate::machine::step`] for the all-or-nothing transition.
///
/// The match names every call (no wildcard), so the compiler checks that each one is routed
/// to the family whose dispatcher handles it.
pub fn apply(world: &mut World, action: &Action, trail: &mut Trail) -> CallResult {
    let caller = action.caller;
    let call = &action.call;
    match call {
        Call::OpenProcessToken { .. }
        | Call::OpenThreadToken { .. }
        | Call::DuplicateToken { .. }
        | Call::DuplicateTokenEx { .. }
        | Call::LogonUser { .. }
        | Call::GetTokenInformation { .. }
        | Call::SetTokenInformation { .. }
        | Call::AdjustTokenPrivileges { .. }
        | Call::PrivilegeCheck { .. }
        | Call::CreateRestrictedToken { .. }
        | Call::AccessCheck { .. }
        | Call::CheckTokenMembership { .. } => token_call(world, caller, call, trail),
        Call::ImpersonateSelf { .. }
        | Call::SetThreadToken { .. }
        | Call::ImpersonateLoggedOnUser { .. }
        | Call::ImpersonateAnonymousToken { .. }
        | Call::RevertToSelf
        | Call::NtImpersonateThread { .. } => impersonation_call(world, caller, call, trail),
        Call::OpenObject { .. }
        | Call::CreateObject { .. }
        | Call::CreateThread { .. }
        | Call::OpenThread { .. }
        | Call::CreateProcess { .. }
        | Call::CreateProcessAsUser { .. }
        | Call::CreateProcessWithTokenW { .. }
        | Call::CloseHandle { .. } => object_call(world, caller, call, trail),
        Call::CreateNamedPipe { .. }
        | Call::ConnectNamedPipe { .. }
        | Call::DisconnectNamedPipe { .. }
        | Call::CreateFile { .. }
        | Call::ReadFile { .. }
        | Call::WriteFile { .. }
        | Call::ImpersonateNamedPipeClient { .. } => pipe_call(world, caller, call, trail),
        Call::RpcServerUseProtseqEp { .. }
        | Call::RpcServerRegisterAuthInfo { .. }
        | Call::RpcBindingFromStringBinding { .. }
        | Call::RpcBindingSetAuthInfoEx { .. }
        | Call::RpcCall { .. }
        | Call::RpcReturn
        | Call::RpcImpersonateClient { .. }
        | Call::RpcRevertToSelf
        | Call::RpcRevertToSelfEx { .. }
        | Call::RpcBindingInqAuthClient { .. }
        | Call::RpcBindingFree { .. } => rpc_call(world, caller, call, trail),
        Call::QuerySecurityPackageInfo { .. }
        | Call::AcquireCredentialsHandle { .. }
        | Call::FreeCredentialsHandle { .. }
        | Call::InitializeSecurityContext { .. }
        | Call::AcceptSecurityContext { .. }
        | Call::ImpersonateSecurityContext { .. }
        | Call::RevertSecurityContext { .. }
        | Call::QuerySecurityContextToken { .. }
        | Call::DeleteSecurityContext { .. } => {
            sspi_call(world, caller, call, trail).map_err(|status| room::sspi_status(status, trail))
        }
        Call::CoInitializeEx { .. }
        | Call::CoInitializeSecurity { .. }
        | Call::CoCreateInstance { .. }
        | Call::CoGetObject { .. }
        | Call::CoSetProxyBlanket { .. }
        | Call::CoQueryProxyBlanket { .. }
        | Call::ComCall { .. }
        | Call::ComReturn
        | Call::ComPlayQueued
        | Call::CoImpersonateClient
        | Call::CoRevertToSelf
        | Call::IsCallerInRole { .. }
        | Call::IsSecurityEnabled => com_call(world, caller, call, trail),
    }
}

/// The calls on tokens: opening, duplicating, logging on, querying and adjusting them,
/// restricting them, and the checks made with them.
fn token_call(world: &mut World, caller: ThreadId, call: &Call, trail: &mut Trail) -> CallResult {
    match call {
        Call::OpenProcessToken { process, access } => {
            open_token::open_process_token(world, caller, *process, *access, trail)
        }
        Call::OpenThreadToken {
            thread,
            access,
            open_as_self,
        } => open_token::open_thread_token(world, caller, *thread, *access, *open_as_self, trail),
        Call::DuplicateToken { token, level } => {
            duplicate::duplicate_token(world, caller, *token, *level, trail)
        }
        Call::DuplicateTokenEx {
            token,
            access,
            level,
            token_type,
        } => duplicate::duplicate_token_ex(
            world,
            caller,
            *token,
            *access,
            *level,
            *token_type,
            trail,
        ),
        Call::LogonUser {
            user,
            password,
            logon_type,
        } => logon_user::logon_user(
            world,
            caller,
            *user,
            password.as_deref(),
            *logon_type,
            trail,
        ),
        Call::GetTokenInformation { token, class } => {
            query::get_token_information(world, caller, *token, *class, trail)
        }
        Call::SetTokenInformation { token, level } => {
            query::set_token_integrity_level(world, caller, *token, *level, trail)
        }
        Call::AdjustTokenPrivileges {
            token,
            disable_all,
            changes,
        } => {
            privileges::adjust_token_privileges(world, caller, *token, *disable_all, changes, trail)
        }
        Call::PrivilegeCheck {
            token,
            privileges,
            all_necessary,
        } => privileges::privilege_check(world, caller, *token, privileges, *all_necessary, trail),
        Call::CreateRestrictedToken {
            token,
            flags,
            disable_sids,
            delete_privileges,
            restrict_sids,
        } => restrict::create_restricted_token(
            world,
            caller,
            *token,
            restrict::Restrictions {
                flags: *flags,
                disable_sids,
                delete_privileges,
                restrict_sids,
            },
            trail,
        ),
        Call::AccessCheck {
            object,
            token,
            access,
        } => checks::access_check_call(world, caller, *object, *token, *access, trail),
        Call::CheckTokenMembership { token, sid } => {
            checks::check_token_membership(world, caller, *token, *sid, trail)
        }
        _ => routed_elsewhere(),
    }
}

/// The calls on impersonation and reverting on a thread.
fn impersonation_call(
    world: &mut World,
    caller: ThreadId,
    call: &Call,
    trail: &mut Trail,
) -> CallResult {
    match call {
        Call::ImpersonateSelf { level } => {
            impersonate::impersonate_self(world, caller, *level, trail)
        }
        Call::SetThreadToken { thread, token } => {
            impersonate::set_thread_token(world, caller, *thread, *token, trail)
        }
        Call::ImpersonateLoggedOnUser { token } => {
            impersonate::impersonate_logged_on_user(world, caller, *token, trail)
        }
        Call::ImpersonateAnonymousToken { thread } => {
            impersonate::impersonate_anonymous_token(world, caller, *thread, trail)
        }
        Call::RevertToSelf => impersonate::revert_to_self(world, caller, trail),
        Call::NtImpersonateThread {
            thread,
            client,
            qos,
        } => impersonate::nt_impersonate_thread(world, caller, *thread, *client, *qos, trail),
        _ => routed_elsewhere(),
    }
}

/// The calls on objects, threads, processes and handles.
fn object_call(world: &mut World, caller: ThreadId, call: &Call, trail: &mut Trail) -> CallResult {
    match call {
        Call::OpenObject { object, access } => {
            objects::open_object(world, caller, *object, *access, trail)
        }
        Call::CreateObject {
            name,
            object_type,
            access,
        } => objects::create_object(world, caller, name, *object_type, *access, trail),
        Call::CreateThread { name } => threads::create_thread(world, caller, name, trail),
        Call::OpenThread { thread, access } => {
            threads::open_thread(world, caller, *thread, *access, trail)
        }
        Call::CreateProcess { name } => processes::create_process(world, caller, name, trail),
        Call::CreateProcessAsUser { token, name } => {
            processes::create_process_as_user(world, caller, *token, name, trail)
        }
        Call::CreateProcessWithTokenW { token, name } => {
            processes::create_process_with_token(world, caller, *token, name, trail)
        }
        Call::CloseHandle { handle } => handles::close_handle(world, caller, *handle, trail),
        _ => routed_elsewhere(),
    }
}

/// The calls on named pipes and the files that open them.
fn pipe_call(world: &mut World, caller: ThreadId, call: &Call, trail: &mut Trail) -> CallResult {
    match call {
        Call::CreateNamedPipe {
            name,
            access,
            first_instance,
            max_instances,
            security,
        } => pipes::create_named_pipe(
            world,
            caller,
            &pipes::NewPipe {
                name,
                access: *access,
                first_instance: *first_instance,
                max_instances: *max_instances,
                security,
            },
            trail,
        ),
        Call::ConnectNamedPipe { pipe } => pipes::connect_named_pipe(world, caller, *pipe, trail),
        Call::DisconnectNamedPipe { pipe } => {
            pipes::disconnect_named_pipe(world, caller, *pipe, trail)
        }
        Call::CreateFile {
            name,
            access,
            flags,
        } => pipes::create_file(world, caller, name, *access, *flags, trail),
        Call::ReadFile { handle } => pipes::read_file(world, caller, *handle, trail),
        Call::WriteFile { handle } => pipes::write_file(world, caller, *handle, trail),
        Call::ImpersonateNamedPipeClient { pipe } => {
            pipes::impersonate_named_pipe_client(world, caller, *pipe, trail)
        }
        _ => routed_elsewhere(),
    }
}

/// The calls on RPC, on the server and the client side.
fn rpc_call(world: &mut World, caller: ThreadId, call: &Call, trail: &mut Trail) -> CallResult {
    match call {
        Call::RpcServerUseProtseqEp { protseq, endpoint } => {
            rpc_server::use_protseq_ep(world, caller, *protseq, endpoint, trail)
        }
        Call::RpcServerRegisterAuthInfo { service } => {
            rpc_server::register_auth_info(world, caller, *service, trail)
        }
        Call::RpcBindingFromStringBinding {
            protseq,
            endpoint,
            security,
        } => rpc_client::from_string_binding(world, caller, *protseq, endpoint, *security, trail),
        Call::RpcBindingSetAuthInfoEx {
            binding,
            level,
            service,
            qos,
        } => rpc_client::set_auth_info_ex(world, caller, *binding, *level, *service, *qos, trail),
        Call::RpcCall { binding, server } => {
            rpc_client::rpc_call(world, caller, *binding, *server, trail)
        }
        Call::RpcReturn => rpc_server::rpc_return(world, caller, trail),
        Call::RpcImpersonateClient { call } => {
            rpc_server::impersonate_client(world, caller, *call, trail)
        }
        Call::RpcRevertToSelf => rpc_server::revert_to_self(
            world,
            caller,
            crate::machine::action::CallRef::Current,
            trail,
        ),
        Call::RpcRevertToSelfEx { call } => rpc_server::revert_to_self(world, caller, *call, trail),
        Call::RpcBindingInqAuthClient { call } => {
            rpc_server::inq_auth_client(world, caller, *call, trail)
        }
        Call::RpcBindingFree { binding } => {
            rpc_client::binding_free(world, caller, *binding, trail)
        }
        _ => routed_elsewhere(),
    }
}

/// The calls on SSPI: packages, credentials, the handshake and its contexts.
fn sspi_call(world: &mut World, caller: ThreadId, call: &Call, trail: &mut Trail) -> CallResult {
    match call {
        Call::QuerySecurityPackageInfo { package } => {
            sspi_handshake::query_package_info(package, trail)
        }
        Call::AcquireCredentialsHandle {
            package,
            use_,
            auth,
        } => sspi_handshake::acquire_credentials(world, caller, package, *use_, auth, trail),
        Call::FreeCredentialsHandle { credentials } => {
            sspi_handshake::free_credentials(world, caller, *credentials, trail)
        }
        Call::InitializeSecurityContext {
            credentials,
            context,
            input,
            flags,
        } => {
            sspi_handshake::initialize(world, caller, *credentials, *context, *input, *flags, trail)
        }
        Call::AcceptSecurityContext {
            credentials,
            context,
            input,
            flags,
        } => sspi_handshake::accept(world, caller, *credentials, *context, *input, *flags, trail),
        Call::ImpersonateSecurityContext { context } => {
            sspi_impersonate::impersonate(world, caller, *context, trail)
        }
        Call::RevertSecurityContext { context } => {
            sspi_impersonate::revert(world, caller, *context, trail)
        }
        Call::QuerySecurityContextToken { context } => {
            sspi_impersonate::query_token(world, caller, *context, trail)
        }
        Call::DeleteSecurityContext { context } => {
            sspi_handshake::delete_context(world, caller, *context, trail)
        }
        _ => routed_elsewhere(),
    }
}

/// The calls on COM: apartments, security, activation, proxy blankets and calls.
fn com_call(world: &mut World, caller: ThreadId, call: &Call, trail: &mut Trail) -> CallResult {
    match call {
        Call::CoInitializeEx { apartment } => {
            com_setup::co_initialize_ex(world, caller, *apartment, trail)
        }
        Call::CoInitializeSecurity {
            authn_level,
            imp_level,
            capabilities,
        } => com_setup::co_initialize_security(
            world,
            caller,
            (*authn_level, *imp_level, *capabilities),
            trail,
        ),
        Call::CoCreateInstance { class } => {
            com_setup::co_create_instance(world, caller, *class, trail)
        }
        Call::CoGetObject { class } => {
            com_setup::co_get_object_queued(world, caller, *class, trail)
        }
        Call::CoSetProxyBlanket {
            proxy,
            authn_service,
            authn_level,
            imp_level,
            capabilities,
            auth_info,
        } => com_setup::co_set_proxy_blanket(
            world,
            caller,
            *proxy,
            &com_setup::Blanket {
                service: *authn_service,
                level: *authn_level,
                imp: *imp_level,
                caps: *capabilities,
                auth_info: auth_info.as_ref(),
            },
            trail,
        ),
        Call::CoQueryProxyBlanket { proxy } => {
            com_setup::co_query_proxy_blanket(world, caller, *proxy, trail)
        }
        Call::ComCall { proxy, server } => {
            com_calls::com_call(world, caller, *proxy, *server, trail)
        }
        Call::ComReturn => com_calls::com_return(world, caller, trail),
        Call::ComPlayQueued => com_calls::play_queued(world, caller, trail),
        Call::CoImpersonateClient => com_calls::co_impersonate_client(world, caller, trail),
        Call::CoRevertToSelf => com_calls::co_revert_to_self(world, caller, trail),
        Call::IsCallerInRole { role } => com_calls::is_caller_in_role(world, caller, role, trail),
        Call::IsSecurityEnabled => com_calls::is_security_enabled(world, caller, trail),
        _ => routed_elsewhere(),
    }
}

/// What a family's dispatcher answers for a call of another family. [`apply`] names every
/// call and routes it to the one family that handles it, so no call reaches this: it exists
/// only because a match on [`Call`] cannot be narrowed to one family's variants. The
/// fixtures, which make every call, would show a misrouted call as a changed outcome.
fn routed_elsewhere() -> CallResult {
    Err(ErrorCode::ERROR_INVALID_FUNCTION)
}
