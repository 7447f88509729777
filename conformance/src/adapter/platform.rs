//! Which engine runs the adapter (Windows, or Wine when ntdll exports `wine_get_version`)
//! and its build.

use tokenhop_sim::trace::Platform;
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};

use super::names::wide;

type WineGetVersion = unsafe extern "C" fn() -> *const std::ffi::c_char;
type RtlGetVersion = unsafe extern "system" fn(*mut OsVersionInfo) -> i32;

#[repr(C)]
struct OsVersionInfo {
    size: u32,
    major: u32,
    minor: u32,
    build: u32,
    platform: u32,
    csd: [u16; 128],
}

/// `("windows" | "wine", platform)`.
#[must_use]
pub fn detect() -> (&'static str, Platform) {
    let ntdll = wide("ntdll.dll");
    // SAFETY: ntdll is loaded in every process; the names are NUL-terminated.
    let module = unsafe { GetModuleHandleW(ntdll.as_ptr()) };
    let (major, minor, build) = windows_version(module);
    let windows = format!("Windows {major}.{minor}");
    // SAFETY: as above.
    let wine = unsafe { GetProcAddress(module, c"wine_get_version".as_ptr().cast()) };
    match wine {
        Some(f) => {
            // SAFETY: wine_get_version takes nothing and returns a static C string.
            let version = unsafe {
                let f: WineGetVersion = std::mem::transmute(f);
                std::ffi::CStr::from_ptr(f()).to_string_lossy().into_owned()
            };
            (
                "wine",
                Platform {
                    os: format!("Wine {version} ({windows})"),
                    build: format!("wine-{version}"),
                },
            )
        }
        None => (
            "windows",
            Platform {
                os: windows,
                build: build.to_string(),
            },
        ),
    }
}

fn windows_version(module: windows_sys::Win32::Foundation::HMODULE) -> (u32, u32, u32) {
    // SAFETY: RtlGetVersion fills an OSVERSIONINFOW whose size field is set.
    unsafe {
        let Some(f) = GetProcAddress(module, c"RtlGetVersion".as_ptr().cast()) else {
            return (0, 0, 0);
        };
        let f: RtlGetVersion = std::mem::transmute(f);
        let mut info = OsVersionInfo {
            size: super::dword::size_of::<OsVersionInfo>(),
            major: 0,
            minor: 0,
            build: 0,
            platform: 0,
            csd: [0; 128],
        };
        if f(&mut info) == 0 {
            (info.major, info.minor, info.build)
        } else {
            (0, 0, 0)
        }
    }
}
