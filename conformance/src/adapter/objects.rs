//! The script's securable objects on this machine: each is created before the first step
//! with the owner, DACL and label the script gives it, written as SDDL and converted by
//! Windows; `OpenObject` then opens it by its own API (CreateFile, OpenEvent, ...). An
//! object whose descriptor names an account this machine does not have, or whose type the
//! adapter does not create, is not set up, and the steps that use it are skipped.

use std::collections::HashMap;
use std::ffi::c_void;
use std::path::PathBuf;

use tokenhop_model::World;
use tokenhop_model::machine::acl::{Ace, AceKind, SecurityDescriptor};
use tokenhop_model::machine::ids::ObjectId;
use tokenhop_model::machine::rights::ObjectType;
use windows_sys::Win32::Foundation::{
    CloseHandle, GetLastError, HANDLE, INVALID_HANDLE_VALUE, LocalFree,
};
use windows_sys::Win32::Security::Authorization::ConvertStringSecurityDescriptorToSecurityDescriptorW;
use windows_sys::Win32::Security::{PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES};
use windows_sys::Win32::Storage::FileSystem::{
    CREATE_NEW, CreateFileW, DeleteFileW, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE,
    OPEN_EXISTING,
};
use windows_sys::Win32::System::Threading::{
    CreateEventExW, CreateMutexExW, CreateSemaphoreExW, OpenEventW, OpenMutexW, OpenSemaphoreW,
};

use super::Shared;
use super::names::{Names, sid_text, wide};
use crate::host::Skip;

/// A self-relative security descriptor the adapter owns.
#[derive(Clone, Debug)]
pub struct Descriptor(Vec<u64>);

impl Descriptor {
    /// Converts SDDL.
    pub fn from_sddl(sddl: &str) -> Result<Self, Skip> {
        let w = wide(sddl);
        let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        let mut size = 0u32;
        // SAFETY: a NUL-terminated string; the descriptor is copied and freed.
        unsafe {
            if ConvertStringSecurityDescriptorToSecurityDescriptorW(
                w.as_ptr(),
                1,
                &mut sd,
                &mut size,
            ) == 0
            {
                return Err(Skip(format!(
                    "this machine does not accept the security descriptor `{sddl}` (Win32 error {})",
                    GetLastError()
                )));
            }
            let mut buf = vec![0u64; (size as usize).div_ceil(8)];
            std::ptr::copy_nonoverlapping(
                sd.cast::<u8>(),
                buf.as_mut_ptr().cast::<u8>(),
                size as usize,
            );
            LocalFree(sd);
            Ok(Descriptor(buf))
        }
    }

    /// A descriptor with only `aces` as its DACL (the owner and group are the creator's).
    pub fn from_aces(world: &World, names: &Names, aces: &[Ace]) -> Result<Self, Skip> {
        Descriptor::from_sddl(&format!("D:P{}", dacl_sddl(world, names, aces)?))
    }

    /// The descriptor of a script object: owner, DACL and label.
    pub fn of(world: &World, names: &Names, sd: &SecurityDescriptor) -> Result<Self, Skip> {
        let owner = names.sid_of(world, sd.owner)?;
        // SAFETY: the adapter owns the SID.
        // The model's descriptors have no primary group; AccessCheck refuses a descriptor
        // without one, so the owner stands in (no ACE of a script names CREATOR GROUP).
        let owner_text = unsafe { sid_text(owner.as_psid()) };
        let mut sddl = format!("O:{owner_text}G:{owner_text}");
        match &sd.dacl {
            None => sddl.push_str("D:NO_ACCESS_CONTROL"),
            Some(aces) => {
                sddl.push_str("D:P");
                sddl.push_str(&dacl_sddl(world, names, aces)?);
            }
        }
        if let Some(label) = &sd.label {
            let mut policy = 0;
            if label.policy.no_write_up {
                policy |= 1;
            }
            if label.policy.no_read_up {
                policy |= 2;
            }
            if label.policy.no_execute_up {
                policy |= 4;
            }
            sddl.push_str(&format!(
                "S:(ML;;{policy:#x};;;S-1-16-{})",
                label.level.rid()
            ));
        }
        Descriptor::from_sddl(&sddl)
    }

    /// The descriptor as an API argument.
    pub fn as_ptr(&self) -> *mut c_void {
        self.0.as_ptr() as *mut c_void
    }

    fn attributes(&self) -> SECURITY_ATTRIBUTES {
        SECURITY_ATTRIBUTES {
            nLength: super::dword::size_of::<SECURITY_ATTRIBUTES>(),
            lpSecurityDescriptor: self.as_ptr(),
            bInheritHandle: 0,
        }
    }
}

fn dacl_sddl(world: &World, names: &Names, aces: &[Ace]) -> Result<String, Skip> {
    let mut out = String::new();
    for ace in aces {
        let sid = names.sid_of(world, ace.principal)?;
        let kind = match ace.kind {
            AceKind::Allow => "A",
            AceKind::Deny => "D",
        };
        // SAFETY: the adapter owns the SID.
        let text = unsafe { sid_text(sid.as_psid()) };
        out.push_str(&format!("({kind};;{:#x};;;{text})", ace.mask.0));
    }
    Ok(out)
}

/// Where an object lives, by its type: a file in the script's folder, or a named kernel
/// object.
#[derive(Clone, Debug)]
pub enum Place {
    File(Vec<u16>),
    Event(Vec<u16>),
    Mutex(Vec<u16>),
    Semaphore(Vec<u16>),
}

/// One object as set up on this machine.
#[derive(Clone, Debug)]
pub struct Placed {
    /// Where it is.
    pub place: Place,
    /// Its descriptor as the script wrote it (`None` for an object a step created with
    /// the creator's defaults).
    descriptor: Option<Descriptor>,
    /// The handle that keeps a kernel object alive while the script runs.
    keep: usize,
}

impl Placed {
    /// An object a step created (CreateObject); the handle the step holds keeps it.
    pub fn created(place: Place) -> Self {
        Placed {
            place,
            descriptor: None,
            keep: 0,
        }
    }

    /// The object's security descriptor as the script wrote it.
    pub fn descriptor(&self) -> Result<PSECURITY_DESCRIPTOR, Skip> {
        self.descriptor
            .as_ref()
            .map(Descriptor::as_ptr)
            .ok_or_else(|| {
                Skip(
                    "the object was created by a step, with a descriptor the script does not write"
                        .to_owned(),
                )
            })
    }
}

impl Place {
    /// Where the object `name` of `object_type` goes, if the adapter makes such objects.
    pub fn new(dir: &std::path::Path, name: &str, object_type: ObjectType) -> Result<Self, Skip> {
        let kernel_name = wide(&format!("Local\\tokenhop-{}-{name}", std::process::id()));
        match object_type {
            ObjectType::File => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Skip(format!("cannot create {}: {e}", dir.display())))?;
                Ok(Place::File(wide(&dir.join(name).to_string_lossy())))
            }
            ObjectType::Event => Ok(Place::Event(kernel_name)),
            ObjectType::Mutex => Ok(Place::Mutex(kernel_name)),
            ObjectType::Semaphore => Ok(Place::Semaphore(kernel_name)),
            other => Err(Skip(format!("the adapter does not create {other} objects"))),
        }
    }

    /// Creates the object with the creator's default security, asking `access`: one API
    /// call (CreateFile, CreateEventEx, ...).
    pub fn create(&self, access: u32) -> HANDLE {
        self.create_with(access, std::ptr::null())
    }

    fn create_with(&self, access: u32, attributes: *const SECURITY_ATTRIBUTES) -> HANDLE {
        // SAFETY: NUL-terminated names; attributes NULL or valid for the call.
        unsafe {
            match self {
                Place::File(path) => CreateFileW(
                    path.as_ptr(),
                    access,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    attributes,
                    CREATE_NEW,
                    0,
                    std::ptr::null_mut(),
                ),
                Place::Event(name) => CreateEventExW(attributes, name.as_ptr(), 0, access),
                Place::Mutex(name) => CreateMutexExW(attributes, name.as_ptr(), 0, access),
                Place::Semaphore(name) => {
                    CreateSemaphoreExW(attributes, 0, 1, name.as_ptr(), 0, access)
                }
            }
        }
    }

    /// Opens the object with `access`, as the calling thread: one API call.
    pub fn open(&self, access: u32) -> HANDLE {
        // SAFETY: NUL-terminated names.
        unsafe {
            match self {
                Place::File(path) => CreateFileW(
                    path.as_ptr(),
                    access,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    std::ptr::null(),
                    OPEN_EXISTING,
                    0,
                    std::ptr::null_mut(),
                ),
                Place::Event(name) => OpenEventW(access, 0, name.as_ptr()),
                Place::Mutex(name) => OpenMutexW(access, 0, name.as_ptr()),
                Place::Semaphore(name) => OpenSemaphoreW(access, 0, name.as_ptr()),
            }
        }
    }
}

/// A folder of the script's own for its files: files a script's DACL forbids its creator
/// to delete may stay behind, and must not collide with the next script's or run's.
pub fn directory() -> PathBuf {
    static SCRIPTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = SCRIPTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("tokenhop-{}-{nanos}-{n}", std::process::id()))
}

/// Creates every object of the starting world.
pub fn set_up(
    world: &World,
    names: &Names,
    dir: &std::path::Path,
) -> HashMap<ObjectId, Result<Placed, Skip>> {
    world
        .object_ids()
        .zip(&world.objects)
        .map(|(id, o)| {
            let placed = Descriptor::of(world, names, &o.sd)
                .map_err(|Skip(why)| Skip(format!("object `{}` is not set up: {why}", o.name)))
                .and_then(|d| create(dir, &o.name, o.object_type, d));
            (id, placed)
        })
        .collect()
}

fn create(
    dir: &std::path::Path,
    name: &str,
    object_type: ObjectType,
    descriptor: Descriptor,
) -> Result<Placed, Skip> {
    let place = Place::new(dir, name, object_type)
        .map_err(|Skip(why)| Skip(format!("object `{name}` is not set up: {why}")))?;
    let attributes = descriptor.attributes();
    let h = place.create_with(0, &attributes);
    if h.is_null() || h == INVALID_HANDLE_VALUE {
        // SAFETY: reads the calling thread's last error.
        let code = unsafe { GetLastError() };
        return Err(Skip(format!(
            "object `{name}` is not set up: creating it failed (Win32 error {code})"
        )));
    }
    let keep = if let Place::File(_) = place {
        // SAFETY: the handle just created.
        unsafe { CloseHandle(h) };
        0
    } else {
        h as usize
    };
    Ok(Placed {
        place,
        descriptor: Some(descriptor),
        keep,
    })
}

/// The object `id` as set up, or why it is not.
pub fn placed(shared: &Shared, id: ObjectId) -> Result<&Placed, Skip> {
    match shared.objects.get(&id) {
        Some(Ok(p)) => Ok(p),
        Some(Err(why)) => Err(why.clone()),
        None => Err(Skip("the object is not in the script".to_owned())),
    }
}

/// Closes and deletes what [`set_up`] created.
pub fn remove(objects: &HashMap<ObjectId, Result<Placed, Skip>>) {
    for placed in objects.values().flatten() {
        // SAFETY: a handle the adapter created, or a NUL-terminated path.
        unsafe {
            match &placed.place {
                Place::File(path) => {
                    DeleteFileW(path.as_ptr());
                }
                _ if placed.keep != 0 => {
                    CloseHandle(placed.keep as HANDLE);
                }
                _ => {}
            }
        }
    }
    for placed in objects.values().flatten() {
        if let Place::File(path) = &placed.place {
            let path = PathBuf::from(String::from_utf16_lossy(
                &path[..path.len().saturating_sub(1)],
            ));
            if let Some(dir) = path.parent() {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}
