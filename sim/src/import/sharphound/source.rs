//! Where a collection's files come from: a SharpHound zip, a folder (every `*.json` in it,
//! in name order) or the JSON files themselves. Each file is read whole, handed to the
//! reader and dropped before the next is read, so memory holds one file at a time.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use super::error::ImportError;

/// One file of a collection: its name for messages (`archive.zip:member.json` for a zip
/// member) and its bytes.
pub struct File {
    /// The name messages give it.
    pub name: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// What the walk over the sources skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Zip members that are not JSON files (SharpHound's own logs, a cache file).
    pub zip_members: Vec<String>,
}

/// The first bytes of a zip archive (a local file header).
pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Calls `each` with every file of the collection at `paths`, in order: a folder's `*.json`
/// files and a zip's JSON members sorted by name, files as given.
///
/// # Errors
///
/// When a path cannot be read, a folder or archive holds no JSON file, an archive is
/// corrupt, or `each` fails.
pub fn each_file(
    paths: &[PathBuf],
    skipped: &mut Skipped,
    each: &mut dyn FnMut(File) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| ImportError::Io {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            folder(path, each)?;
            continue;
        }
        let bytes = read(path)?;
        if bytes.starts_with(ZIP_MAGIC) {
            archive(path, bytes, skipped, each)?;
        } else {
            each(File {
                name: path.display().to_string(),
                bytes,
            })?;
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, ImportError> {
    std::fs::read(path).map_err(|source| ImportError::Io {
        path: path.to_owned(),
        source,
    })
}

fn is_json(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Every `*.json` file directly in `dir`, in name order.
fn folder(
    dir: &Path,
    each: &mut dyn FnMut(File) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let io = |source| ImportError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() && is_json(&path.to_string_lossy()) {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(ImportError::Empty {
            path: dir.to_owned(),
        });
    }
    files.sort();
    for path in files {
        let bytes = read(&path)?;
        each(File {
            name: path.display().to_string(),
            bytes,
        })?;
    }
    Ok(())
}

/// Every JSON member of the zip archive at `path` (whose bytes are `bytes`), in name order.
fn archive(
    path: &Path,
    bytes: Vec<u8>,
    skipped: &mut Skipped,
    each: &mut dyn FnMut(File) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    let bad = |e: zip::result::ZipError| ImportError::Zip {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(bad)?;
    let mut members: Vec<(String, usize)> = Vec::new();
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(bad)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map_err(bad)?.into_owned();
        if is_json(&name) {
            members.push((name, i));
        } else {
            skipped
                .zip_members
                .push(format!("{}:{name}", path.display()));
        }
    }
    if members.is_empty() {
        return Err(ImportError::Empty {
            path: path.to_owned(),
        });
    }
    members.sort();
    for (name, i) in members {
        let mut entry = zip.by_index(i).map_err(bad)?;
        // No capacity from the header's size: an archive may lie about it.
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|source| ImportError::Zip {
                path: path.to_owned(),
                message: format!("{name}: {source}"),
            })?;
        each(File {
            name: format!("{}:{name}", path.display()),
            bytes,
        })?;
    }
    Ok(())
}
