//! One module per family of calls. Each call is a function from the world (changed in
//! place) and its arguments to a [`CallResult`], noting every decision on the trail.
//! [`apply`] dispatches an [`Action`] to its function.

mod checks;
mod duplicate;
mod handles;
mod impersonate;
mod logon_user;
mod objects;
mod open_token;
mod privileges;
mod processes;
mod query;
mod restrict;
mod threads;

use crate::action::{Action, Call};
use crate::decision::Trail;
use crate::outcome::CallResult;
use crate::world::World;

/// Applies `action` to `world` in place. On failure the world may be partly changed; use
/// [`crate::step`] for the all-or-nothing transition.
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
        Call::SetTokenIntegrityLevel { token, level } => {
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
        Call::CloseHandle { handle } => handles::close_handle(world, caller, *handle, trail),
    }
}
