//! Measuring the BloodHound importer: a generated collection of growing size
//! ([`crate::import::sharphound::generate`]) is written to a temporary folder and imported,
//! reporting the JSON read, the time, the throughput, what the directory holds, and the
//! memory the import took at its peak (on Linux, from `/proc/self/status`, with the peak
//! reset before each import through `/proc/self/clear_refs`), then the reach query on the
//! directory imported ([`crate::bench_reach`]). Used by `tokenhop bench --collection`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::import::sharphound::generate::{self, GenerateError, Proportions};
use crate::import::sharphound::{self, ImportError, Settings};

/// Why a measurement could not be made.
#[derive(Debug, Error)]
pub enum ImportBenchError {
    /// Generating the collection.
    #[error("generating the collection: {0}")]
    Generate(#[from] GenerateError),
    /// The temporary folder.
    #[error("{path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The generated collection does not import (a bug in the generator or the importer).
    #[error("the generated collection does not import: {0}")]
    Import(#[from] ImportError),
    /// The imported directory has no room for the attacker's machine.
    #[error("the imported directory: {0}")]
    Directory(#[from] tokenhop_model::net::directory::TooMany),
}

/// One size's measurements.
#[derive(Clone, Debug)]
pub struct ImportRow {
    /// The objects of the collection, by kind.
    pub proportions: Proportions,
    /// Bytes of JSON.
    pub bytes: u64,
    /// Time to import (read, map, build the directory).
    pub import: Duration,
    /// Accounts in the directory.
    pub accounts: usize,
    /// Services in the directory.
    pub services: usize,
    /// The import's peak resident memory above what the process held before it, if the
    /// system reports it.
    pub peak: Option<u64>,
    /// The reach query measured on the imported directory.
    pub reach: crate::bench_reach::ReachRow,
}

impl ImportRow {
    /// Megabytes (10^6 bytes) of JSON imported per second.
    #[must_use]
    pub fn megabytes_per_second(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.import.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// Peak memory per object, if measured.
    #[must_use]
    pub fn bytes_per_object(&self) -> Option<f64> {
        let objects = self.proportions.total().max(1) as f64;
        self.peak.map(|p| p as f64 / objects)
    }
}

/// Generates a collection of `objects` objects in a temporary folder, imports it, and
/// removes the folder.
///
/// # Errors
///
/// [`ImportBenchError`] when the folder cannot be made, the collection cannot be written
/// or does not import.
pub fn measure(objects: u32) -> Result<ImportRow, ImportBenchError> {
    let folder = std::env::temp_dir().join(format!(
        "tokenhop-bench-collection-{}-{objects}",
        std::process::id()
    ));
    std::fs::create_dir(&folder).map_err(|source| ImportBenchError::Folder {
        path: folder.clone(),
        source,
    })?;
    let measured = measure_in(&folder, objects);
    // The folder and the files in it were made here; failing to remove them loses nothing
    // the measurement needs.
    let _ = std::fs::remove_dir_all(&folder);
    measured
}

fn measure_in(folder: &std::path::Path, objects: u32) -> Result<ImportRow, ImportBenchError> {
    let generated = generate::write_collection(folder, objects, crate::bench::SEED)?;
    let before = memory::reset_peak();
    let started = Instant::now();
    let imported = sharphound::import(&[folder.to_path_buf()], &Settings::default())?;
    let import = started.elapsed();
    let peak = before.and_then(|b| memory::peak().map(|p| p.saturating_sub(b)));
    let (accounts, services) = (imported.dir.accounts.len(), imported.dir.services.len());
    let reach = crate::bench_reach::measure(imported.dir)?;
    Ok(ImportRow {
        proportions: generated.proportions,
        bytes: generated.bytes,
        import,
        accounts,
        services,
        peak,
        reach,
    })
}

/// The table `tokenhop bench --collection` prints.
#[must_use]
pub fn table(rows: &[ImportRow]) -> String {
    let mut out = String::from(
        "| objects (users, computers, groups) | JSON | import | throughput | accounts | services | peak memory | per object |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for r in rows {
        let p = r.proportions;
        let (peak, per) = match (r.peak, r.bytes_per_object()) {
            (Some(peak), Some(per)) => (
                format!("{:.1} MB", peak as f64 / 1e6),
                format!("{per:.0} bytes"),
            ),
            _ => ("not measured".to_owned(), "not measured".to_owned()),
        };
        out.push_str(&format!(
            "| {} ({}, {}, {}) | {:.1} MB | {:.2} s | {:.0} MB/s | {} | {} | {peak} | {per} |\n",
            p.total(),
            p.users,
            p.computers,
            p.groups,
            r.bytes as f64 / 1e6,
            r.import.as_secs_f64(),
            r.megabytes_per_second(),
            r.accounts,
            r.services,
        ));
    }
    out
}

/// The process's resident memory, where Linux reports it.
mod memory {
    /// Resets the peak resident memory to the current one, and returns the current one, in
    /// bytes; `None` where the system offers neither.
    pub fn reset_peak() -> Option<u64> {
        std::fs::write("/proc/self/clear_refs", "5").ok()?;
        field("VmRSS:")
    }

    /// The peak resident memory since the last reset, in bytes.
    pub fn peak() -> Option<u64> {
        field("VmHWM:")
    }

    fn field(name: &str) -> Option<u64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kilobytes: u64 = line
            .trim_start_matches(name)
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        kilobytes.checked_mul(1024)
    }
}
