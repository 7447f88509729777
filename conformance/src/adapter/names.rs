//! Principal names and SIDs: the script names principals as the model does (`current`,
//! `Everyone`, `Administrators`, `alice`); Windows answers with SIDs. Well-known SIDs are
//! the same on every machine, so the model's table translates them; `current` is the
//! account running the adapter; any other account is looked up on this machine by name
//! and, if it is not there, whatever needs it is skipped.

use std::collections::HashMap;
use std::ffi::c_void;

use tokenhop_model::World;
use tokenhop_model::core::level::IntegrityLevel;
use tokenhop_model::machine::ids::PrincipalId;
use tokenhop_model::machine::principal::WELL_KNOWN_COUNT;
use tokenhop_sim::scenario::CURRENT_USER;
use windows_sys::Win32::Foundation::{CloseHandle, GetLastError, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::{ConvertSidToStringSidW, ConvertStringSidToSidW};
use windows_sys::Win32::Security::{
    GetLengthSid, GetTokenInformation, LookupAccountNameW, LookupAccountSidW, PSID, SID_NAME_USE,
    TOKEN_QUERY, TOKEN_USER, TokenUser,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

use crate::host::Skip;

/// A NUL-terminated UTF-16 copy of `s`.
#[must_use]
pub fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// A SID held in memory the adapter owns.
#[derive(Clone, Debug)]
pub struct SidBuf(Vec<u8>);

impl SidBuf {
    /// The SID's size in bytes.
    pub fn byte_len(&self) -> usize {
        self.0.len()
    }

    /// The SID as an API argument.
    pub fn as_psid(&self) -> PSID {
        self.0.as_ptr() as *mut c_void
    }

    /// Copies the SID at `sid`.
    ///
    /// # Safety
    /// `sid` must point to a valid SID.
    pub unsafe fn copy(sid: PSID) -> Self {
        // SAFETY: the caller guarantees a valid SID; its length is GetLengthSid's.
        unsafe {
            let len = GetLengthSid(sid) as usize;
            SidBuf(std::slice::from_raw_parts(sid as *const u8, len).to_vec())
        }
    }

    /// Parses `S-1-...`.
    pub fn parse(text: &str) -> Option<Self> {
        let w = wide(text);
        let mut sid: PSID = std::ptr::null_mut();
        // SAFETY: w is NUL-terminated; the SID returned is freed with LocalFree.
        unsafe {
            if ConvertStringSidToSidW(w.as_ptr(), &mut sid) == 0 {
                return None;
            }
            let copy = SidBuf::copy(sid);
            LocalFree(sid);
            Some(copy)
        }
    }
}

/// `S-1-...` for the SID at `sid`.
///
/// # Safety
/// `sid` must point to a valid SID.
pub unsafe fn sid_text(sid: PSID) -> String {
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: the caller guarantees a valid SID; the string is freed with LocalFree.
    unsafe {
        if ConvertSidToStringSidW(sid, &mut text) == 0 {
            return String::from("S-?");
        }
        let s = from_wide_ptr(text);
        LocalFree(text.cast());
        s
    }
}

/// A NUL-terminated UTF-16 string.
///
/// # Safety
/// `p` must point to a NUL-terminated UTF-16 string.
pub unsafe fn from_wide_ptr(p: *const u16) -> String {
    // SAFETY: the caller guarantees a NUL-terminated string.
    unsafe {
        let mut len = 0;
        while *p.add(len) != 0 {
            len += 1;
        }
        String::from_utf16_lossy(std::slice::from_raw_parts(p, len))
    }
}

/// SID names for one script on this machine.
pub struct Names {
    own: String,
    own_sid: SidBuf,
    well_known: HashMap<String, String>,
}

impl Names {
    /// Reads the adapter's own account and the model's well-known SIDs.
    pub fn of_this_machine(world: &World) -> Result<Self, u32> {
        let own_sid = own_user()?;
        // SAFETY: own_sid holds a valid SID.
        let own = unsafe { sid_text(own_sid.as_psid()) };
        let well_known = world
            .principals
            .iter()
            .filter(|(id, _)| id.0 < WELL_KNOWN_COUNT)
            .map(|(_, p)| (p.sid.to_string(), p.name.to_string()))
            .collect();
        Ok(Names {
            own,
            own_sid,
            well_known,
        })
    }

    /// The script's name for the SID at `sid`.
    ///
    /// # Safety
    /// `sid` must point to a valid SID.
    pub unsafe fn name_of(&self, sid: PSID) -> String {
        // SAFETY: passed on from the caller.
        let text = unsafe { sid_text(sid) };
        if text == self.own {
            return CURRENT_USER.to_owned();
        }
        if let Some(name) = self.well_known.get(&text) {
            return name.clone();
        }
        if let Some(rest) = text.strip_prefix("S-1-5-5-") {
            return format!("LogonSessionId_{}", rest.replace('-', "_"));
        }
        let label = text
            .strip_prefix("S-1-16-")
            .and_then(|r| r.parse::<u32>().ok())
            .and_then(|rid| IntegrityLevel::ALL.iter().find(|l| l.rid() == rid));
        if let Some(level) = label {
            return level.label_name().to_owned();
        }
        // SAFETY: passed on from the caller.
        unsafe { account_name(sid) }.unwrap_or(text)
    }

    /// The script's name for the account named `account` (`DOMAIN\\user`), or the text
    /// itself when this machine does not know it.
    pub fn name_of_account(&self, account: &str) -> String {
        match lookup_account(account) {
            // SAFETY: the buffer holds the SID LookupAccountName wrote.
            Some(sid) => unsafe { self.name_of(sid.as_psid()) },
            None => account.to_owned(),
        }
    }

    /// The SID of the script's principal `id` on this machine.
    pub fn sid_of(&self, world: &World, id: PrincipalId) -> Result<SidBuf, Skip> {
        let principal = world
            .principals
            .get(id)
            .ok_or_else(|| Skip(format!("principal #{} is not in the script", id.0)))?;
        if principal.name.as_ref() == CURRENT_USER {
            return Ok(self.own_sid.clone());
        }
        if id.0 < WELL_KNOWN_COUNT {
            return SidBuf::parse(&principal.sid.to_string()).ok_or_else(|| {
                Skip(format!(
                    "this machine does not parse the SID of `{}`",
                    principal.name
                ))
            });
        }
        lookup_account(&principal.name).ok_or_else(|| {
            Skip(format!(
                "`{}` is not an account of this machine (create it to run this step)",
                principal.name
            ))
        })
    }
}

fn own_user() -> Result<SidBuf, u32> {
    // SAFETY: a token of the adapter's own process, queried into a buffer of the size asked.
    unsafe {
        let mut token: HANDLE = std::ptr::null_mut();
        if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
            return Err(GetLastError());
        }
        let mut buf = [0u64; 64];
        let mut len = 0u32;
        let ok = GetTokenInformation(
            token,
            TokenUser,
            buf.as_mut_ptr().cast(),
            super::dword::size_of::<[u64; 64]>(),
            &mut len,
        );
        let err = GetLastError();
        CloseHandle(token);
        if ok == 0 {
            return Err(err);
        }
        let user = &*(buf.as_ptr() as *const TOKEN_USER);
        Ok(SidBuf::copy(user.User.Sid))
    }
}

fn lookup_account(name: &str) -> Option<SidBuf> {
    let w = wide(name);
    let mut sid = vec![0u8; 256];
    let mut sid_len = 256u32;
    let mut domain = vec![0u16; 256];
    let mut domain_len = 256u32;
    let mut kind: SID_NAME_USE = 0;
    // SAFETY: buffers of the sizes passed.
    let ok = unsafe {
        LookupAccountNameW(
            std::ptr::null(),
            w.as_ptr(),
            sid.as_mut_ptr().cast(),
            &mut sid_len,
            domain.as_mut_ptr(),
            &mut domain_len,
            &mut kind,
        )
    };
    (ok != 0).then(|| {
        sid.truncate(sid_len as usize);
        SidBuf(sid)
    })
}

unsafe fn account_name(sid: PSID) -> Option<String> {
    let mut name = vec![0u16; 256];
    let mut name_len = 256u32;
    let mut domain = vec![0u16; 256];
    let mut domain_len = 256u32;
    let mut kind: SID_NAME_USE = 0;
    // SAFETY: buffers of the sizes passed; the caller guarantees the SID.
    let ok = unsafe {
        LookupAccountSidW(
            std::ptr::null(),
            sid,
            name.as_mut_ptr(),
            &mut name_len,
            domain.as_mut_ptr(),
            &mut domain_len,
            &mut kind,
        )
    };
    (ok != 0).then(|| String::from_utf16_lossy(&name[..name_len as usize]))
}
