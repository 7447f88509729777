//! The process-creation calls, one function each: CreateProcess, CreateProcessAsUser and
//! CreateProcessWithTokenW. The new process runs this adapter in its idle mode
//! (`tokenhop-adapter --idle`), which does nothing until the script is over; its creator
//! keeps the full-access process handle (HND-5), through which later steps open its token.
//! Steps on the new process's own threads are not run: the adapter runs a script's steps
//! in its own process only.

use tokenhop_model::machine::action::HandleRef;
use tokenhop_model::machine::ids::ProcessId;
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
use windows_sys::Win32::System::Threading::{
    CREATE_NO_WINDOW, CreateProcessAsUserW, CreateProcessW, CreateProcessWithTokenW,
    PROCESS_INFORMATION, STARTUPINFOW, TerminateProcess,
};

use super::Shared;
use super::names::wide;
use crate::host::{Observed, Skip};

/// The argument that starts the adapter in its idle mode.
pub const IDLE_ARGUMENT: &str = "--idle";

/// Which creation call.
#[derive(Clone, Copy)]
pub enum Creation {
    /// `CreateProcess`: the creator's primary token.
    Own,
    /// `CreateProcessAsUser(hToken, ...)`.
    AsUser(HandleRef),
    /// `CreateProcessWithTokenW(hToken, 0, ...)`.
    WithToken(HandleRef),
}

/// The command line of an idle adapter, and the program's path.
fn idle_command() -> Result<(Vec<u16>, Vec<u16>), Skip> {
    let me = std::env::current_exe().map_err(|e| {
        Skip(format!(
            "cannot find the adapter's own program to start: {e}"
        ))
    })?;
    let path = me.to_string_lossy().into_owned();
    Ok((wide(&path), wide(&format!("\"{path}\" {IDLE_ARGUMENT}"))))
}

/// Creates a process running an idle adapter, numbered `id` for later steps.
pub fn create(shared: &mut Shared, how: Creation, id: ProcessId) -> Result<Observed, Skip> {
    let (program, mut command) = idle_command()?;
    let token = |h: HandleRef| {
        h.and_then(|id| shared.handles.get(id.index()).copied())
            .unwrap_or(0) as HANDLE
    };
    // SAFETY: a zeroed STARTUPINFOW with its size set is the documented minimum.
    let mut startup: STARTUPINFOW = unsafe { std::mem::zeroed() };
    startup.cb = super::dword::size_of::<STARTUPINFOW>();
    // SAFETY: zeroed out parameter.
    let mut info: PROCESS_INFORMATION = unsafe { std::mem::zeroed() };
    super::win32::clear();
    // SAFETY: NUL-terminated program path and a writable command line; default security
    // attributes, no inherited handles, the caller's environment and directory.
    let ok = unsafe {
        match how {
            Creation::Own => CreateProcessW(
                program.as_ptr(),
                command.as_mut_ptr(),
                std::ptr::null(),
                std::ptr::null(),
                0,
                CREATE_NO_WINDOW,
                std::ptr::null(),
                std::ptr::null(),
                &startup,
                &mut info,
            ),
            Creation::AsUser(h) => CreateProcessAsUserW(
                token(h),
                program.as_ptr(),
                command.as_mut_ptr(),
                std::ptr::null(),
                std::ptr::null(),
                0,
                CREATE_NO_WINDOW,
                std::ptr::null(),
                std::ptr::null(),
                &startup,
                &mut info,
            ),
            Creation::WithToken(h) => CreateProcessWithTokenW(
                token(h),
                0,
                program.as_ptr(),
                command.as_mut_ptr(),
                CREATE_NO_WINDOW,
                std::ptr::null(),
                std::ptr::null(),
                &startup,
                &mut info,
            ),
        }
    };
    let mut o = super::win32::outcome(ok);
    if o.ok {
        // SAFETY: the first thread's handle, which no step uses.
        unsafe { CloseHandle(info.hThread) };
        shared
            .processes
            .insert(id, (info.hProcess as usize, info.dwProcessId));
        o.created = Some(id.0);
    }
    Ok(o)
}

/// The creator's handle to a process a step created.
pub fn handle(shared: &Shared, id: ProcessId) -> Option<HANDLE> {
    shared.processes.get(&id).map(|(h, _)| *h as HANDLE)
}

/// Ends every process the script created.
pub fn end_all(shared: &Shared) {
    for (h, _) in shared.processes.values() {
        // SAFETY: handles this adapter holds with full access.
        unsafe {
            TerminateProcess(*h as HANDLE, 0);
            CloseHandle(*h as HANDLE);
        }
    }
}

/// The idle mode: waits until the adapter that started it ends it, or ten minutes pass.
pub fn idle() {
    std::thread::sleep(std::time::Duration::from_secs(600));
}
