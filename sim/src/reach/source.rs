//! What `reach` reads: a topology file, or a BloodHound collection (SharpHound's or
//! bloodhound.py's: a zip, a folder, or its JSON files), told apart by what the paths hold.
//! A folder, a zip archive and a JSON file with a top-level `meta` (what every collection
//! file carries) are a collection; any other file is read as a topology, whose loader
//! reports what is wrong with it.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IgnoredAny;

use tokenhop_model::net::directory::Directory;
use tokenhop_model::rules::readings::Readings;

use crate::document::{self, Document};
use crate::error::LoadError;
use crate::import::sharphound::{self, ImportError, Report, Settings};
use crate::topology::Topology;

/// What a source was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// A topology file.
    Topology,
    /// A BloodHound collection, imported.
    Collection,
}

/// A source read: its directory and readings, and where it came from.
#[derive(Clone, Debug)]
pub struct Source {
    /// The paths read, for messages (`a.json, b.json`).
    pub label: String,
    /// Its name: the topology's, or the collection's first domain's.
    pub name: String,
    /// What it was.
    pub kind: SourceKind,
    /// The directory.
    pub dir: Directory,
    /// The readings selected for ambiguous rules (a collection selects none).
    pub readings: Readings,
    /// For a collection, the import's report of what was read, skipped and assumed.
    pub report: Option<Report>,
}

/// Why a source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// No path was given.
    #[error(
        "no source given: a topology file, or a collection (a zip, a folder or its JSON files)"
    )]
    Nothing,
    /// A path cannot be read.
    #[error("{}: cannot read it: {source}", .path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A topology does not load.
    #[error(transparent)]
    Topology(#[from] LoadError),
    /// A collection does not import.
    #[error(transparent)]
    Collection(#[from] ImportError),
    /// A file of another kind (a script, a runtime) where a topology was looked for.
    #[error("{}: `reach` reads a topology (`kind: topology`) or a collection, and this is neither", .0.display())]
    NotTopology(PathBuf),
    /// A topology given with other paths.
    #[error("{}: a topology is read alone, and {} was given with it", .topology.display(), .other.display())]
    NotAlone {
        /// The topology.
        topology: PathBuf,
        /// Another path given.
        other: PathBuf,
    },
}

/// Reads `paths`: one topology, or the files of one collection (imported under
/// `settings`).
///
/// # Errors
///
/// When a path cannot be read, a topology is given with other paths, or what is read does
/// not load or import (each error located as the loader or the importer locates it).
pub fn load(paths: &[PathBuf], settings: &Settings) -> Result<Source, SourceError> {
    let label = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    match paths {
        [] => Err(SourceError::Nothing),
        [one] if !is_collection(one)? => topology(one),
        several => {
            for path in several {
                if opening(path)? == Opening::Other {
                    let other = several.iter().find(|p| *p != path).unwrap_or(path);
                    return Err(SourceError::NotAlone {
                        topology: path.clone(),
                        other: other.clone(),
                    });
                }
            }
            collection(several, settings, label)
        }
    }
}

impl Source {
    /// A loaded topology as a source, named in messages by its path.
    #[must_use]
    pub fn topology(t: Topology) -> Self {
        Source {
            label: t.path.display().to_string(),
            name: t.name,
            kind: SourceKind::Topology,
            dir: t.dir,
            readings: t.readings,
            report: None,
        }
    }
}

fn topology(path: &Path) -> Result<Source, SourceError> {
    match document::load(path)? {
        Document::Topology(t) => Ok(Source::topology(*t)),
        Document::Script(_) | Document::Runtime(_) => {
            Err(SourceError::NotTopology(path.to_owned()))
        }
    }
}

fn collection(
    paths: &[PathBuf],
    settings: &Settings,
    label: String,
) -> Result<Source, SourceError> {
    let imported = sharphound::import(paths, settings)?;
    Ok(Source {
        label,
        name: imported.name,
        kind: SourceKind::Collection,
        dir: imported.dir,
        readings: Readings::default(),
        report: Some(imported.report),
    })
}

/// What a path holds, by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opening {
    /// A folder.
    Folder,
    /// A zip archive.
    Zip,
    /// A JSON object.
    Json,
    /// Anything else (YAML).
    Other,
}

/// How many bytes [`opening`] reads at the most.
const PEEK: u64 = 4096;

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> SourceError + '_ {
    |source| SourceError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What `path` holds, read from its first bytes only.
fn opening(path: &Path) -> Result<Opening, SourceError> {
    use std::io::Read as _;
    if std::fs::metadata(path).map_err(io_error(path))?.is_dir() {
        return Ok(Opening::Folder);
    }
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(PEEK).read_to_end(&mut head))
        .map_err(io_error(path))?;
    if head.starts_with(sharphound::source::ZIP_MAGIC) {
        return Ok(Opening::Zip);
    }
    let first = head.iter().find(|b| !b.is_ascii_whitespace());
    Ok(if first == Some(&b'{') {
        Opening::Json
    } else {
        Opening::Other
    })
}

/// The top of a JSON file, as far as telling a collection file from a topology goes.
#[derive(Deserialize)]
struct Top {
    meta: Option<IgnoredAny>,
}

/// Whether `path` is a collection: a folder, a zip archive, or a JSON object with a
/// top-level `meta` (which a collection file writes after its data, so the whole file is
/// read, though not kept).
fn is_collection(path: &Path) -> Result<bool, SourceError> {
    Ok(match opening(path)? {
        Opening::Folder | Opening::Zip => true,
        Opening::Other => false,
        Opening::Json => {
            let file = std::fs::File::open(path).map_err(io_error(path))?;
            serde_json::from_reader::<_, Top>(std::io::BufReader::new(file))
                .is_ok_and(|top| top.meta.is_some())
        }
    })
}
