//! `tokenhop import sharphound`: a BloodHound collection (a SharpHound zip, a folder of its
//! JSON files, or the files themselves; SharpHound's or bloodhound.py's output, data format
//! version 5 or 6) as a topology's directory and a report of what was read, skipped and
//! assumed.
//!
//! The pipeline, one module per step: [`source`] finds the files (zip members, a folder's
//! `*.json`), [`read`] reads each by its `meta.type` with [`json`]'s field-by-field readers
//! over the format's [`objects`], into compact [`records`]; [`domains`] makes the domains,
//! trusts and forests, [`accounts`] the accounts and their links, [`services`] the machines
//! and the services their SPNs name; [`report`] says what happened, [`settings`] holds what
//! the collector does not see, [`error`] why an import failed. [`generate`] writes collections
//! of any size for the import benchmark.
//!
//! The format, as read here, from its writers and its reader:
//!
//! - SharpHoundCommon (github.com/BloodHoundAD/SharpHoundCommon): `OutputTypes/`
//!   (`OutputBase.cs`, `User.cs`, `Computer.cs`, `Group.cs`, `Domain.cs`, `DomainTrust.cs`,
//!   `TypedPrincipal.cs`, `ACE.cs`, `MetaTag.cs`), `Enums/` (`DataType.cs`,
//!   `TrustDirection.cs`, `TrustType.cs`, `TrustAttributes.cs`, `EdgeNames.cs`) and
//!   `Processors/` (`LdapPropertyProcessor.cs` for the properties and their
//!   userAccountControl flags, `DomainTrustProcessor.cs` for SID filtering and TGT
//!   delegation from trustAttributes).
//! - BloodHound CE's ingest (github.com/SpecterOps/BloodHound): `packages/go/ein/
//!   incoming_models.go` (the object shapes, directions and types as strings) and
//!   `packages/go/ein/ad.go` (trust edges by direction, Owns and WriteOwner as `OwnsRaw`
//!   and `WriteOwnerRaw`, v5's `unconstraineddelegation` under Properties). Its reader
//!   matches keys without regard to case; so does this one.
//! - bloodhound.py (github.com/dirkjanm/BloodHound.py): `bloodhound/enumeration/domains.py`
//!   and `bloodhound/ad/trusts.py` (trusts with numeric direction and type, SID filtering
//!   from the quarantine bit, no `methods` in `meta`).
//!
//! Version 5 against 6: v6 (SharpHound 2, BloodHound CE) writes trust directions and types
//! as names (`Bidirectional`, `ParentChild`, and the new `TreeRoot`) where v5 writes numbers,
//! adds `TrustAttributes` (a string of digits) and `TGTDelegationEnabled`, and from 2024
//! `IsDC`, `UnconstrainedDelegation` and `DomainSID` at the top of a computer (v5 keeps
//! `unconstraineddelegation` under Properties and has no DC flag: a DC is recognised by its
//! primary group, Domain Controllers, -516), `isdc` and `useraccountcontrol` in a computer's
//! properties and `machineaccountquota` in a domain's. Each of these is read where present.

pub mod accounts;
pub mod domains;
pub mod error;
pub mod generate;
pub mod json;
pub mod objects;
pub mod read;
pub mod records;
pub mod report;
pub mod services;
pub mod settings;
pub mod source;

use std::path::PathBuf;

use tokenhop_model::net::directory::{Directory, Tables, version_name};

pub use error::ImportError;
pub use report::Report;
pub use settings::{CredentialGuard, Settings, Unpatched};

/// A collection imported: the directory, the report, and a name and description for the
/// topology it becomes.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The directory.
    pub dir: Directory,
    /// What was read, skipped and assumed.
    pub report: Report,
    /// The topology's name: the first collected domain's.
    pub name: String,
    /// The topology's description: where it came from and what was assumed.
    pub description: String,
}

impl Imported {
    /// The directory as a topology (format v1) with no chains yet.
    #[must_use]
    pub fn topology(&self) -> String {
        crate::topology::write::without_chains(&self.dir, &self.name, &self.description)
    }
}

/// Imports the collection at `paths` under `settings`.
///
/// # Errors
///
/// When a file cannot be read, is not a collection file of format version 5 or 6, holds a
/// malformed object (located by file, index and field), or the settings do not fit it.
pub fn import(paths: &[PathBuf], settings: &Settings) -> Result<Imported, ImportError> {
    let mut col = read::Collection::default();
    let mut skipped = source::Skipped::default();
    source::each_file(paths, &mut skipped, &mut |file| read::read(file, &mut col))?;
    if col.principals.is_empty() && col.domains.is_empty() {
        let names: Vec<&str> = col.files.iter().map(|f| f.name.as_str()).collect();
        return Err(ImportError::Nothing(names.join(", ")));
    }
    let mut report = Report {
        files: std::mem::take(&mut col.files),
        skipped_members: skipped.zip_members,
        ..Report::default()
    };
    let (table, trusts) = domains::build(&col, settings, &mut report)?;
    let mut dir = Directory::from(Tables {
        domains: table.domains.clone(),
        trusts,
        ..Tables::default()
    });
    let placed = accounts::build(&col, &table, &mut dir, &mut report)?;
    services::build(&col, &placed, &mut dir, settings, &mut report)?;
    let name = dir
        .domains
        .first()
        .map_or_else(|| "imported".to_owned(), |d| d.name.to_string());
    let description = description(&report, &dir);
    Ok(Imported {
        dir,
        report,
        name,
        description,
    })
}

/// Where the topology came from and what it assumes.
fn description(report: &Report, dir: &Directory) -> String {
    let files: Vec<&str> = report
        .files
        .iter()
        .filter(|f| f.read)
        .map(|f| f.name.as_str())
        .collect();
    let kdcs: Vec<String> = dir
        .domains
        .iter()
        .map(|d| format!("{} {}", d.name, version_name(d.kdc)))
        .collect();
    format!(
        "Imported by `tokenhop import sharphound` from {}. What the collection does not show is assumed: {}; domain controllers {}. It has no chains yet.",
        files.join(", "),
        report.defaults.join("; "),
        kdcs.join(", ")
    )
}
