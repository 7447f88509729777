//! `tokenhop import sharphound PATH... [-o FILE]`: the command line's settings made into the
//! importer's, the topology written to the file or stdout, the report to stderr. Exit 0
//! when imported, 2 for bad input (an unreadable or malformed collection, a setting that
//! does not fit it) or an unwritable output.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use tokenhop_model::net::directory::SERVER_VERSIONS;
use tokenhop_sim::import::sharphound::{self, CredentialGuard, Settings, Unpatched};

/// What `tokenhop import` reads.
#[derive(Debug, Subcommand)]
pub enum Source {
    /// BloodHound collections (SharpHound's or bloodhound.py's JSON, data format 5 or 6: a
    /// zip, a folder of JSON files, or the files) as a topology with no chains; the report
    /// of what was read, skipped and assumed goes to stderr.
    Sharphound {
        /// The collection: zip archives, folders (every *.json in them) or JSON files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Write the topology to this file instead of stdout.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        settings: ImportSettings,
    },
}

/// What a collection does not show, as the command line states it (`import sharphound`,
/// and `reach` on a collection).
#[derive(Debug, Args)]
pub struct ImportSettings {
    /// The domain controllers' Windows Server version (2003 ... 2025; default 2019, or
    /// a domain's functional level if higher).
    #[arg(long, value_name = "VERSION")]
    kdc: Option<String>,
    /// A fix the KDCs lack (repeatable; every fix is assumed enforced otherwise).
    #[arg(long, value_enum, value_name = "FIX")]
    unpatched: Vec<Fix>,
    /// ms-DS-MachineAccountQuota for domains whose collection does not carry it
    /// (default 10).
    #[arg(long, value_name = "N")]
    machine_account_quota: Option<u32>,
    /// A machine running Credential Guard, by DNS or short name, or `all` (repeatable;
    /// default none).
    #[arg(long, value_name = "NAME|all")]
    credential_guard: Vec<String>,
}

impl ImportSettings {
    /// Whether any setting was given.
    pub fn given(&self) -> bool {
        self.kdc.is_some()
            || !self.unpatched.is_empty()
            || self.machine_account_quota.is_some()
            || !self.credential_guard.is_empty()
    }

    /// The importer's settings.
    ///
    /// # Errors
    ///
    /// When `--kdc` names no Windows Server version the rules distinguish.
    pub fn settings(&self) -> Result<Settings, String> {
        let kdc = self.kdc.as_deref().map(version).transpose()?;
        let credential_guard = &self.credential_guard;
        Ok(Settings {
            kdc,
            unpatched: self
                .unpatched
                .iter()
                .map(|f| match f {
                    Fix::BronzeBit => Unpatched::BronzeBit,
                    Fix::RbcdSensitive => Unpatched::RbcdSensitive,
                })
                .collect(),
            machine_account_quota: self
                .machine_account_quota
                .unwrap_or(Settings::default().machine_account_quota),
            credential_guard: if credential_guard
                .iter()
                .any(|n| n.eq_ignore_ascii_case("all"))
            {
                CredentialGuard::All
            } else if credential_guard.is_empty() {
                CredentialGuard::None
            } else {
                CredentialGuard::Named(credential_guard.clone())
            },
        })
    }
}

/// A fix `--unpatched` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Fix {
    /// CVE-2020-17049: KDCs do not enforce ticket signatures (S4U-9).
    BronzeBit,
    /// CVE-2020-16996: KDCs do not enforce the RBCD rule for sensitive users (S4U-8).
    RbcdSensitive,
}

/// Runs `tokenhop import`.
pub fn import(source: &Source) -> ExitCode {
    let Source::Sharphound {
        paths,
        output,
        settings,
    } = source;
    let settings = match settings.settings() {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let imported = match sharphound::import(paths, &settings) {
        Ok(i) => i,
        Err(e) => return fail(&e.to_string()),
    };
    eprint!("{}", imported.report);
    let text = imported.topology();
    match output {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                eprintln!("wrote {}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&format!("{}: cannot write the file: {e}", path.display())),
        },
        None => {
            use std::io::Write as _;
            match std::io::stdout().write_all(text.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&format!("cannot write the topology: {e}")),
            }
        }
    }
}

/// A Windows Server version by name (`2019`, `2012r2`).
fn version(name: &str) -> Result<u16, String> {
    SERVER_VERSIONS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = SERVER_VERSIONS.iter().map(|(n, _)| *n).collect();
            format!(
                "--kdc {name}: not a Windows Server version the rules distinguish; expected one of: {}",
                names.join(", ")
            )
        })
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
