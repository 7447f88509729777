//! What a script asks of the identity that runs it beyond the default `current` user: an
//! integrity level or elevation its process is given, privileges set on its process, groups
//! and rights given to `current`. The adapter cannot give its own account any of these; if
//! the account running it does not already have them, the script is not run and every step
//! says why.

use std::collections::HashSet;

use serde_json::Value as Json;
use tokenhop_model::core::level::IntegrityLevel;
use tokenhop_sim::scenario::Scenario;
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
use windows_sys::Win32::Security::{
    GetTokenInformation, LUID_AND_ATTRIBUTES, LookupPrivilegeNameW, SID_AND_ATTRIBUTES,
    TOKEN_QUERY, TokenElevation, TokenGroups, TokenIntegrityLevel, TokenPrivileges,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

use super::names::{Names, from_wide_ptr, sid_text};
use crate::host::Skip;

/// What the account running the adapter has.
struct Own {
    integrity: Option<IntegrityLevel>,
    elevated: bool,
    privileges: HashSet<String>,
    groups: HashSet<String>,
}

/// Why the adapter's own account cannot stand for the script's process, if it cannot.
pub fn unmet(scenario: &Scenario, names: &Names) -> Option<Skip> {
    let text = std::fs::read_to_string(&scenario.path).ok()?;
    let doc = tokenhop_sim::node::parse(&text)
        .ok()
        .map(|n| tokenhop_sim::scenario::to_json(&n))?;
    let own = own(names)?;
    let process = doc.get("processes").and_then(|p| p.get(0));
    if let Some(word) = process
        .and_then(|p| p.get("integrity"))
        .and_then(Json::as_str)
    {
        let asked = IntegrityLevel::ALL.iter().find(|l| l.word() == word);
        if asked.is_some() && asked != own.integrity.as_ref() {
            return Some(Skip(format!(
                "the script's process runs at {word} integrity, and the adapter's process at {}",
                own.integrity.map_or("an unknown level", |l| l.word())
            )));
        }
    }
    if process.and_then(|p| p.get("elevated")) == Some(&Json::Bool(true)) && !own.elevated {
        return Some(Skip(
            "the script's process is elevated, and the adapter's is not".to_owned(),
        ));
    }
    let privileges = process
        .and_then(|p| p.get("privileges"))
        .and_then(Json::as_object)
        .map(|m| m.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    let current = doc.get("machine").and_then(|m| m.get("current"));
    let rights = strings(current.and_then(|c| c.get("rights")));
    for privilege in privileges.iter().chain(rights.iter()) {
        if privilege.ends_with("Privilege") && !own.privileges.contains(privilege) {
            return Some(Skip(format!(
                "the script's process holds {privilege}, which the account running the adapter does not"
            )));
        }
    }
    let groups = strings(current.and_then(|c| c.get("groups")));
    for group in groups {
        if !own.groups.contains(&group) {
            return Some(Skip(format!(
                "the script's current user is a member of `{group}`, and the account running the adapter is not"
            )));
        }
    }
    None
}

/// The strings of a list (none if it is absent).
fn strings(list: Option<&Json>) -> Vec<String> {
    list.and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn own(names: &Names) -> Option<Own> {
    // SAFETY: the adapter's own token, queried into buffers of the sizes passed; each
    // structure is read as the class it was asked for.
    unsafe {
        let mut token: HANDLE = std::ptr::null_mut();
        if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
            return None;
        }
        let query = |class: i32| {
            let mut buf = vec![0u64; 1024];
            let mut len = 0u32;
            (GetTokenInformation(token, class, buf.as_mut_ptr().cast(), 8 * 1024, &mut len) != 0)
                .then_some(buf)
        };
        let integrity = query(TokenIntegrityLevel).and_then(|buf| {
            let label = std::ptr::read_unaligned(buf.as_ptr().cast::<SID_AND_ATTRIBUTES>());
            let rid = sid_text(label.Sid)
                .rsplit('-')
                .next()?
                .parse::<u32>()
                .ok()?;
            IntegrityLevel::ALL.iter().copied().find(|l| l.rid() == rid)
        });
        let elevated = query(TokenElevation).is_some_and(|buf| buf[0] as u32 != 0);
        let privileges = query(TokenPrivileges)
            .map(|buf| {
                let p = buf.as_ptr().cast::<u8>();
                let count = std::ptr::read_unaligned(p.cast::<u32>()) as usize;
                let first = p.add(4).cast::<LUID_AND_ATTRIBUTES>();
                (0..count)
                    .filter_map(|i| {
                        let la = std::ptr::read_unaligned(first.add(i));
                        let mut name = vec![0u16; 128];
                        let mut len = 128u32;
                        (LookupPrivilegeNameW(
                            std::ptr::null(),
                            &la.Luid,
                            name.as_mut_ptr(),
                            &mut len,
                        ) != 0)
                            .then(|| from_wide_ptr(name.as_ptr()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let groups = query(TokenGroups)
            .map(|buf| {
                let p = buf.as_ptr().cast::<u8>();
                let count = std::ptr::read_unaligned(p.cast::<u32>()) as usize;
                let first = p.add(8).cast::<SID_AND_ATTRIBUTES>();
                (0..count)
                    .map(|i| names.name_of(std::ptr::read_unaligned(first.add(i)).Sid))
                    .collect()
            })
            .unwrap_or_default();
        CloseHandle(token);
        Some(Own {
            integrity,
            elevated,
            privileges,
            groups,
        })
    }
}
