//! What a managed runtime is before anything runs, and never changes while it runs: the
//! runtime version, what loaded it and its flow settings, the readings of the ambiguous
//! rules, its identities and threads, the resources its code may open, and for SQL Server
//! the instance with the databases and assemblies it starts with.
//!
//! A [`Setup`] is shared by every state of a run; [`step`](super::step::step) takes it beside the
//! [`Runtime`](super::Runtime), so that states stay small for the explorer.

use super::Ident;
use super::dotnet::{FlowConfig, Framework, Host};
use super::outcome::Shown;
use super::sql::{Catalog, Instance};
use crate::rules::readings::Readings;

/// A resource the code may open: a file, a share or a remote service, and who may.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Resource {
    /// The identities it grants access.
    pub readers: Vec<Ident>,
    /// Whether it is on another machine (SQL-10).
    pub remote: bool,
}

/// SQL Server hosting CLR code: the instance, and its catalog when the process starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlSetup {
    /// What no statement changes.
    pub instance: Instance,
    /// The databases, and the assemblies that exist before the first step.
    pub catalog: Catalog,
}

/// A managed runtime as declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    /// The runtime version.
    pub framework: Framework,
    /// What loaded it.
    pub host: Host,
    /// Its flow settings.
    pub config: FlowConfig,
    /// The readings selected for the ambiguous rules.
    pub readings: Readings,
    /// The identities' names, for the decisions' details: the process's first (identity 0).
    pub identities: Vec<String>,
    /// How many threads of the process the program drives.
    pub threads: u16,
    /// The resources its code may open, by [`ResourceId`](super::ResourceId).
    pub resources: Vec<Resource>,
    /// SQL Server's instance, when the host is SQL Server.
    pub sql: Option<SqlSetup>,
}

impl Setup {
    /// A .NET process of `framework` loaded by `host` with `config`, driving `threads`
    /// threads, under the default readings, with no resource.
    #[must_use]
    pub fn dotnet(framework: Framework, host: Host, config: FlowConfig, threads: u16) -> Self {
        Setup {
            framework,
            host,
            config,
            readings: Readings::default(),
            identities: Vec::new(),
            threads,
            resources: Vec::new(),
            sql: None,
        }
    }

    /// SQL Server hosting CLR code on `framework`, under the default readings, with no
    /// resource.
    #[must_use]
    pub fn sql_server(framework: Framework, sql: SqlSetup) -> Self {
        Setup {
            framework,
            host: Host::SqlServer,
            config: FlowConfig::default(),
            readings: Readings::default(),
            identities: Vec::new(),
            threads: 0,
            resources: Vec::new(),
            sql: Some(sql),
        }
    }

    /// The name of `identity`, as the decisions' details give it (empty when unnamed).
    #[must_use]
    pub fn name(&self, identity: Ident) -> &str {
        self.identities
            .get(usize::from(identity))
            .map_or("", String::as_str)
    }

    /// Whom `shown` names, as the decisions' details give it: an identity's name, `null`
    /// or `ANONYMOUS LOGON`.
    #[must_use]
    pub fn shown(&self, shown: Shown) -> String {
        match shown {
            Shown::Id(who) => self.name(who).to_owned(),
            Shown::Null => "null".to_owned(),
            Shown::Anonymous => "ANONYMOUS LOGON".to_owned(),
        }
    }
}
