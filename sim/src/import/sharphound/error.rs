//! Why a collection could not be imported: every error names the file (and the zip member),
//! and for a bad object its index in `data` and the field, as `file: data[17].Properties.x:
//! what is wrong`.

use std::path::PathBuf;

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A path could not be read.
    #[error("{path}: cannot read it: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A zip archive could not be read.
    #[error("{path}: not a zip archive SharpHound could have written: {message}")]
    Zip {
        /// The archive.
        path: PathBuf,
        /// What the zip reader said.
        message: String,
    },
    /// A path held no collection file.
    #[error("{path}: no JSON file of a collection in it")]
    Empty {
        /// The folder or archive.
        path: PathBuf,
    },
    /// A file is not well-formed JSON.
    #[error("{file}:{line}:{column}: malformed JSON: {message}")]
    Malformed {
        /// The file (`archive.zip:member.json` for a zip member).
        file: String,
        /// The line of the fault.
        line: usize,
        /// Its column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A file is JSON but not what a collection holds there.
    #[error("{file}: {field}: {message}")]
    Invalid {
        /// The file (`archive.zip:member.json` for a zip member).
        file: String,
        /// Where in it, as a path (`data[17].Properties.allowedtodelegate[2]`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A setting given on the command line does not fit the collection.
    #[error("{0}")]
    Setting(String),
    /// The collection holds no user, computer, group or domain.
    #[error("no users, computers, groups or domains in the collection (files read: {0})")]
    Nothing(String),
    /// More entries of a table than a directory numbers (ids are 32-bit).
    #[error("more {0} than a directory can number: its ids are 32-bit")]
    TooMany(&'static str),
}

/// The id a table of `len` entries gives its next entry.
pub(crate) fn next_id(len: usize, what: &'static str) -> Result<u32, ImportError> {
    u32::try_from(len).map_err(|_| ImportError::TooMany(what))
}

impl ImportError {
    /// A fault at `field` of `file`.
    pub(crate) fn invalid(
        file: &str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ImportError::Invalid {
            file: file.to_owned(),
            field: field.into(),
            message: message.into(),
        }
    }
}
