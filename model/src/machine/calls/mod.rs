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
use crate::machine::action::{Action, Call};
use crate::machine::outcome::CallResult;
use crate::machine::world::World;

/// Applies `action` to `world` in place. On failure the world may be partly changed; use
/// [`crate::machine::step`] for the all-or-nothing transition.
pub fn apply(world: &mut World, action: &Action, trail: &mut Trail) -> CallResult {
    let caller = action.caller;
    match &action.call {
        Call::OpenProcessToken { process, access } => {
            open_token::open_process_token(world, caller, *process, *access, trail)
        }
        Call::OpenThreadToken {
            thread,
            access,
            open_as_self,
        } => open_token::open_thread_token(world, caller, *thread, *access, *open_as_self, trail),
        Call::ImpersonateSelf { level } => {
            impersonate::impersonate_self(world, caller, *level, trail)
        }
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
        Call::CloseHandle { handle } => handles::close_handle(world, caller, *handle, trail),
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
    }
}
