//! SQL Server CLR integration (SQL-1..12, SQLX-1, ATK-9, OQD-8, OQD-9, OQS-1): who may
//! create assemblies of each permission set, the identity CLR code runs under, what
//! SqlContext.WindowsIdentity is, when in-process data access is refused, and which
//! identity reaches an external resource.
//!
//! An [`Instance`] is what does not change while a runtime runs (version, strict security,
//! the service account, logins, tables, delegation); a [`Catalog`] is what T-SQL changes
//! (databases' TRUSTWORTHY and the assemblies created); a [`Session`] is one connection
//! with its stack of EXECUTE AS contexts; a [`ClrCall`] is one entry into managed code from
//! T-SQL, with the context it entered in and which of its threads impersonate. These are
//! the decisions [`step`](super::step::step) takes for the SQL Server actions; each records its
//! decisions on a [`Trail`].

use super::Ident;
use super::exception::Exception;
use super::ids::AssemblyId;
use crate::core::decision::Trail;
use crate::rules::RuleId;
use crate::rules::readings::Readings;

/// An assembly's permission set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PermissionSet {
    /// SAFE.
    Safe,
    /// EXTERNAL_ACCESS.
    ExternalAccess,
    /// UNSAFE.
    Unsafe,
}

impl PermissionSet {
    /// Its name in T-SQL.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            PermissionSet::Safe => "SAFE",
            PermissionSet::ExternalAccess => "EXTERNAL_ACCESS",
            PermissionSet::Unsafe => "UNSAFE",
        }
    }
}

/// A login's index in [`Instance::logins`].
pub type LoginId = usize;
/// A database's index in [`Catalog::databases`].
pub type DatabaseId = usize;
/// A table's index in [`Instance::tables`].
pub type TableId = usize;

/// A server login.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Login {
    /// The identity it is (a Windows account, or a name only SQL Server knows).
    pub identity: Ident,
    /// A Windows login (Windows authentication) rather than a SQL Server login.
    pub windows: bool,
    /// A member of sysadmin: every permission.
    pub sysadmin: bool,
    /// Holds EXTERNAL ACCESS ASSEMBLY.
    pub external_access_assembly: bool,
    /// Holds UNSAFE ASSEMBLY.
    pub unsafe_assembly: bool,
    /// The databases where it holds CREATE ASSEMBLY.
    pub create_assembly_in: Vec<DatabaseId>,
    /// The logins it holds IMPERSONATE on.
    pub may_impersonate: Vec<LoginId>,
}

/// A database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Database {
    /// Its owner (dbo).
    pub owner: LoginId,
    /// TRUSTWORTHY ON.
    pub trustworthy: bool,
}

/// A table, and the logins that may read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Its database.
    pub database: DatabaseId,
    /// The logins granted SELECT (sysadmin and the database owner need no grant).
    pub readers: Vec<LoginId>,
}

/// A created assembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Assembly {
    /// Its database.
    pub database: DatabaseId,
    /// The permission set it was created with.
    pub declared: PermissionSet,
    /// The login its signing certificate or key maps to, if signed.
    pub signer: Option<LoginId>,
}

/// One SQL Server instance: what no statement of a runtime scenario changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// Its version (2005 ... 2022).
    pub version: u16,
    /// `clr strict security` (SQL Server 2017 and later).
    pub strict: bool,
    /// The service account the process runs as.
    pub service: Ident,
    /// Its logins.
    pub logins: Vec<Login>,
    /// Its tables.
    pub tables: Vec<Table>,
    /// Whether the service may delegate its callers' identities to other machines (SQL-10).
    pub delegation: bool,
}

/// What T-SQL statements change: the databases (ALTER DATABASE ... SET TRUSTWORTHY) and
/// the assemblies created, each at the id its CREATE ASSEMBLY bound (a failed one binds
/// nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Catalog {
    /// Its databases.
    pub databases: Vec<Database>,
    /// The assemblies, by id.
    pub assemblies: Vec<Option<Assembly>>,
}

impl Catalog {
    /// The assembly bound at `id`.
    #[must_use]
    pub fn assembly(&self, id: AssemblyId) -> Option<&Assembly> {
        super::ids::get(&self.assemblies, id.index())
    }
}

/// The server permission an assembly of a set needs, if any.
fn required(set: PermissionSet) -> Option<&'static str> {
    match set {
        PermissionSet::Safe => None,
        PermissionSet::ExternalAccess => Some("EXTERNAL ACCESS ASSEMBLY"),
        PermissionSet::Unsafe => Some("UNSAFE ASSEMBLY"),
    }
}

impl Instance {
    fn login(&self, id: LoginId) -> Option<&Login> {
        self.logins.get(id)
    }

    /// Whether `login` holds the server permission assemblies of `set` need.
    fn holds(&self, login: LoginId, set: PermissionSet) -> bool {
        self.login(login).is_some_and(|l| {
            l.sysadmin
                || match set {
                    PermissionSet::Safe => true,
                    PermissionSet::ExternalAccess => {
                        l.external_access_assembly || l.unsafe_assembly
                    }
                    PermissionSet::Unsafe => l.unsafe_assembly,
                }
        })
    }

    fn sysadmin(&self, login: LoginId) -> bool {
        self.login(login).is_some_and(|l| l.sysadmin)
    }

    /// The set the engine enforces for `declared` (SQL-3).
    fn effective(&self, declared: PermissionSet, trail: &mut Trail) -> PermissionSet {
        if self.strict && declared != PermissionSet::Unsafe {
            trail.note(RuleId::SQL_3, || {
                format!(
                    "clr strict security is on: the {} assembly is treated as UNSAFE",
                    declared.name()
                )
            });
            PermissionSet::Unsafe
        } else {
            declared
        }
    }

    /// The trust anchor that authorizes an assembly of `set` in `database`, if any (SQL-2).
    fn anchor(
        &self,
        catalog: &Catalog,
        set: PermissionSet,
        database: DatabaseId,
        signer: Option<LoginId>,
    ) -> Option<Anchor> {
        if signer.is_some_and(|s| self.holds(s, set)) {
            return Some(Anchor::Signature);
        }
        let db = catalog.databases.get(database)?;
        (db.trustworthy && self.holds(db.owner, set)).then_some(Anchor::Trustworthy)
    }

    /// CREATE ASSEMBLY by `creator` (SQL-1, SQL-2, SQL-3, SQL-11, ATK-9, OQS-1): the
    /// assembly created, for the caller to bind.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_assembly(
        &self,
        catalog: &Catalog,
        creator: LoginId,
        database: DatabaseId,
        declared: PermissionSet,
        signer: Option<LoginId>,
        readings: &Readings,
        trail: &mut Trail,
    ) -> Result<Assembly, Exception> {
        let created = Assembly {
            database,
            declared,
            signer,
        };
        let Some(db) = catalog.databases.get(database) else {
            return Err(Exception::Sql(
                911,
                "Database '%.*ls' does not exist. Make sure that the name is entered correctly.",
            ));
        };
        let may_create = self.sysadmin(creator)
            || db.owner == creator
            || self
                .login(creator)
                .is_some_and(|l| l.create_assembly_in.contains(&database));
        if !may_create {
            trail.note(RuleId::SQL_2, || {
                "the creator holds no CREATE ASSEMBLY in the database".into()
            });
            return Err(Exception::Sql(
                262,
                "CREATE ASSEMBLY permission denied in database '%.*ls'.",
            ));
        }
        let set = self.effective(declared, trail);
        let Some(permission) = required(set) else {
            trail.note(RuleId::SQL_1, || {
                "a SAFE assembly needs CREATE ASSEMBLY only".into()
            });
            return Ok(created);
        };
        if set == PermissionSet::Unsafe
            && readings.alternative(RuleId::OQS_1)
            && !self.sysadmin(creator)
        {
            trail.note(RuleId::OQS_1, || {
                "reading sysadmin: only members of sysadmin create UNSAFE assemblies".into()
            });
            return Err(Exception::Unnamed(
                "only members of sysadmin can create UNSAFE assemblies (the documents give no message for this reading)",
            ));
        }
        if set == PermissionSet::Unsafe && readings.named(RuleId::OQS_1) {
            trail.note(RuleId::OQS_1, || {
                "reading permission: UNSAFE ASSEMBLY by signature or TRUSTWORTHY owner suffices"
                    .into()
            });
        }
        match self.anchor(catalog, set, database, signer) {
            Some(anchor) => {
                trail.note(RuleId::SQL_2, || match anchor {
                    Anchor::Signature => {
                        format!("the assembly's signature maps to a login holding {permission}")
                    }
                    Anchor::Trustworthy => {
                        format!("the database is TRUSTWORTHY and its owner holds {permission}")
                    }
                });
                if !self.strict && !self.holds(creator, set) {
                    trail.note(RuleId::SQL_2, || {
                        format!("the assembly is authorized, but the creator does not hold {permission} itself (checked after the trust anchor; no page orders the two checks)")
                    });
                    return Err(Exception::Unnamed(
                        "the creator lacks the server permission the permission set needs",
                    ));
                }
                trail.note(RuleId::SQL_11, || {
                    "whoever may deploy this assembly may run code as the service account".into()
                });
                if anchor == Anchor::Trustworthy {
                    trail.note(RuleId::ATK_9, || {
                        "a TRUSTWORTHY database with a privileged owner lets its dbo deploy code that runs as the service account".into()
                    });
                }
                Ok(created)
            }
            None => {
                trail.note(RuleId::SQL_2, || {
                    format!(
                        "neither a signature mapped to a login holding {permission} nor a TRUSTWORTHY database whose owner holds it"
                    )
                });
                if self.strict && declared != PermissionSet::Unsafe {
                    Err(Exception::Sql(
                        10343,
                        "CREATE or ALTER ASSEMBLY for assembly '%.*ls' with the SAFE or EXTERNAL_ACCESS option failed because the 'clr strict security' option of sp_configure is set to 1.",
                    ))
                } else if self.version >= 2017 {
                    Err(Exception::Sql(
                        10327,
                        "CREATE ASSEMBLY for assembly '%.*ls' failed because assembly '%.*ls' is not trusted.",
                    ))
                } else {
                    Err(Exception::Sql(
                        10327,
                        "CREATE ASSEMBLY for assembly '%.*ls' failed because assembly '%.*ls' is not authorized for PERMISSION_SET = %ls.",
                    ))
                }
            }
        }
    }

    /// EXECUTE AS LOGIN or USER on `session` (SQLX-1, SQL-12).
    pub(crate) fn execute_as(
        &self,
        catalog: &Catalog,
        session: &mut Session,
        target: LoginId,
        user_in: Option<DatabaseId>,
        trail: &mut Trail,
    ) -> Result<(), Exception> {
        let current = session.current();
        let allowed = self.sysadmin(current.principal)
            || self
                .login(current.principal)
                .is_some_and(|l| l.may_impersonate.contains(&target))
            || user_in.is_some_and(|db| {
                catalog
                    .databases
                    .get(db)
                    .is_some_and(|d| d.owner == current.principal)
            });
        if !allowed {
            trail.note(RuleId::SQLX_1, || {
                "the current principal holds no IMPERSONATE on the target".into()
            });
            return Err(match user_in {
                Some(_) => Exception::Sql(
                    15517,
                    "Cannot execute as the database principal because the principal \"%.*ls\" does not exist, this type of principal cannot be impersonated, or you do not have permission.",
                ),
                None => Exception::Sql(
                    15406,
                    "Cannot execute as the server principal because the principal \"%.*ls\" does not exist, this type of principal cannot be impersonated, or you do not have permission.",
                ),
            });
        }
        trail.note(RuleId::SQLX_1, || {
            "the session switches execution context".into()
        });
        if user_in.is_some() {
            trail.note(RuleId::SQL_12, || {
                "EXECUTE AS USER: the new context is scoped to its database".into()
            });
        } else {
            trail.note(RuleId::SQL_12, || {
                "EXECUTE AS LOGIN: the new context is server-wide".into()
            });
        }
        session.stack.push(Context {
            principal: target,
            scope: user_in,
            switched: true,
        });
        Ok(())
    }

    /// Enters managed code in `assembly` from T-SQL on `session` (SQL-2 at load, SQL-3,
    /// SQL-4); an assembly whose CREATE ASSEMBLY failed is not found.
    pub(crate) fn enter_clr(
        &self,
        catalog: &Catalog,
        session: &Session,
        assembly: AssemblyId,
        trail: &mut Trail,
    ) -> Result<ClrCall, Exception> {
        let Some(asm) = catalog.assembly(assembly) else {
            return Err(Exception::Sql(
                6506,
                "Could not find the assembly: its CREATE ASSEMBLY failed",
            ));
        };
        let set = self.effective(asm.declared, trail);
        if required(set).is_some() {
            if self
                .anchor(catalog, set, asm.database, asm.signer)
                .is_none()
            {
                trail.note(RuleId::SQL_2, || {
                    "the permission check repeats at load, and the assembly is no longer authorized".into()
                });
                return Err(Exception::Sql(
                    10314,
                    "An error occurred in the Microsoft .NET Framework while trying to load assembly id %d. The server may be running out of resources, or the assembly may not be trusted.",
                ));
            }
            trail.note(RuleId::SQL_2, || {
                "the permission check repeats at load and still holds".into()
            });
        }
        trail.note(RuleId::SQL_4, || {
            "the routine runs on a thread holding the SQL Server service account's token".into()
        });
        Ok(ClrCall {
            assembly,
            set,
            entry: session.current(),
            original: session.original(),
            impersonating: Vec::new(),
        })
    }

    /// SqlContext.WindowsIdentity read in `call` (SQL-6, OQD-9).
    pub(crate) fn windows_identity(
        &self,
        call: &ClrCall,
        readings: &Readings,
        trail: &mut Trail,
    ) -> Result<Option<Ident>, Exception> {
        if call.set == PermissionSet::Safe {
            trail.note(RuleId::SQL_6, || {
                "only EXTERNAL_ACCESS and UNSAFE code may read SqlContext.WindowsIdentity".into()
            });
            return Err(Exception::Security(
                "SAFE code may not read SqlContext.WindowsIdentity",
            ));
        }
        let mut principal = call.original.principal;
        if call.entry.switched {
            if readings.alternative(RuleId::OQD_9) {
                trail.note(RuleId::OQD_9, || {
                    "reading switched-login: SqlContext.WindowsIdentity is the switched context's".into()
                });
                principal = call.entry.principal;
            } else {
                trail.note(RuleId::OQD_9, || {
                    "reading denied: SqlContext.WindowsIdentity stays the connecting caller's"
                        .into()
                });
            }
        }
        let Some(login) = self.login(principal) else {
            return Ok(None);
        };
        if login.windows {
            trail.note(RuleId::SQL_6, || {
                "Windows authentication: SqlContext.WindowsIdentity is the caller's identity".into()
            });
            Ok(Some(login.identity))
        } else {
            trail.note(RuleId::SQL_6, || {
                "SQL Server authentication: SqlContext.WindowsIdentity is null".into()
            });
            Ok(None)
        }
    }

    /// A query on the context connection from `thread` of `call` (SQL-7, SQL-8, SQL-9, SQL-12).
    pub(crate) fn context_query(
        &self,
        catalog: &Catalog,
        call: &ClrCall,
        thread: ClrThread,
        table: TableId,
        trail: &mut Trail,
    ) -> Result<LoginId, Exception> {
        if thread != ClrThread::Entry {
            trail.note(RuleId::SQL_8, || {
                "in-process data access is never allowed off the thread that entered managed code".into()
            });
            return Err(Exception::Unnamed(
                "in-process data access from a thread other than the entry thread",
            ));
        }
        if call.impersonating(thread).is_some() {
            trail.note(RuleId::SQL_7, || {
                "the code impersonates: in-process data access is refused until it calls Undo"
                    .into()
            });
            return Err(Exception::Sql(
                6233,
                "In proc data access is not allowed in an impersonated state.",
            ));
        }
        let entry = call.entry;
        trail.note(RuleId::SQL_9, || {
            "the query is authorized in the execution context of the T-SQL entry point".into()
        });
        let Some(t) = self.tables.get(table) else {
            return Err(Exception::Sql(208, "Invalid object name '%.*ls'."));
        };
        if let Some(scope) = entry.scope
            && scope != t.database
            && !catalog.databases.get(scope).is_some_and(|d| d.trustworthy)
        {
            trail.note(RuleId::SQL_12, || {
                "an EXECUTE AS USER context is scoped to its database, which is not TRUSTWORTHY"
                    .into()
            });
            return Err(Exception::Sql(
                916,
                "The server principal \"%.*ls\" is not able to access the database \"%.*ls\" under the current security context.",
            ));
        }
        let owner = catalog
            .databases
            .get(t.database)
            .is_some_and(|d| d.owner == entry.principal);
        if self.sysadmin(entry.principal) || owner || t.readers.contains(&entry.principal) {
            Ok(entry.principal)
        } else {
            Err(Exception::Sql(
                229,
                "The SELECT permission was denied on the object '%.*ls', database '%.*ls', schema '%.*ls'.",
            ))
        }
    }

    /// An external resource reached from `thread` of `call` (SQL-1, SQL-4, SQL-5, SQL-10,
    /// OQD-8, OQD-9): whom the resource sees, before its own access check.
    pub(crate) fn external_identity(
        &self,
        call: &ClrCall,
        thread: ClrThread,
        remote: bool,
        readings: &Readings,
        trail: &mut Trail,
    ) -> Result<Option<Ident>, Exception> {
        if call.set == PermissionSet::Safe {
            trail.note(RuleId::SQL_5, || {
                "SAFE code may not reach external resources".into()
            });
            return Err(Exception::Security(
                "Request for the permission of type FileIOPermission failed",
            ));
        }
        let original = self.login(call.original.principal);
        let windows_original = original.is_some_and(|l| l.windows);
        if !windows_original {
            trail.note(RuleId::SQL_5, || {
                "the execution context is a SQL Server login: external access is denied".into()
            });
            return Err(Exception::Security(
                "external access from a SQL Server login's context",
            ));
        }
        if call.entry.switched {
            let switched_windows = self.login(call.entry.principal).is_some_and(|l| l.windows);
            if readings.alternative(RuleId::OQD_9) && switched_windows {
                trail.note(RuleId::OQD_9, || {
                    "reading switched-login: the switched Windows login counts as the caller".into()
                });
            } else {
                trail.note(RuleId::SQL_5, || {
                    "the execution context is not the original caller (EXECUTE AS): external access is denied".into()
                });
                trail.note(RuleId::SQL_12, || {
                    "a context EXECUTE AS switched to is never the original caller for CLR external access".into()
                });
                if readings.named(RuleId::OQD_9) || switched_windows {
                    trail.note(RuleId::OQD_9, || {
                        "reading denied: a switched context is never the original caller".into()
                    });
                }
                return Err(Exception::Security(
                    "external access from a context that is not the original caller",
                ));
            }
        }
        let impersonated = call.impersonating(thread);
        let who = match impersonated {
            Some(who) => {
                trail.note(RuleId::SQL_5, || {
                    "the code impersonates the original Windows caller: access is made as the caller".into()
                });
                who
            }
            None if readings.alternative(RuleId::OQD_8) => {
                trail.note(RuleId::OQD_8, || {
                    "reading caller: the server impersonates the caller for every external access".into()
                });
                original.map_or(self.service, |l| l.identity)
            }
            None => {
                trail.note(RuleId::SQL_5, || {
                    "the code does not impersonate: access is made as the SQL Server service account".into()
                });
                if readings.named(RuleId::OQD_8) {
                    trail.note(RuleId::OQD_8, || {
                        "reading service-account: no automatic impersonation".into()
                    });
                }
                self.service
            }
        };
        if remote && who != self.service {
            if self.delegation {
                trail.note(RuleId::SQL_10, || {
                    "the caller's logon to SQL Server can be delegated: the remote machine sees the caller".into()
                });
            } else {
                trail.note(RuleId::SQL_10, || {
                    "the caller's identity comes from a network logon to SQL Server and cannot be delegated: the remote machine sees ANONYMOUS LOGON".into()
                });
                return Ok(None);
            }
        }
        Ok(Some(who))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Anchor {
    Signature,
    Trustworthy,
}

/// One execution context of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Context {
    /// The login whose permissions apply.
    pub principal: LoginId,
    /// For EXECUTE AS USER, the database the context is scoped to.
    pub scope: Option<DatabaseId>,
    /// Whether EXECUTE AS switched to it.
    pub switched: bool,
}

/// A connection to the server with its stack of execution contexts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Session {
    stack: Vec<Context>,
}

impl Session {
    /// A session of `login`, in its own context.
    #[must_use]
    pub fn new(login: LoginId) -> Self {
        Session {
            stack: vec![Context {
                principal: login,
                scope: None,
                switched: false,
            }],
        }
    }

    /// The context in effect.
    #[must_use]
    pub fn current(&self) -> Context {
        self.stack
            .last()
            .copied()
            .unwrap_or_else(|| self.original())
    }

    /// How many execution contexts the session holds: the one it connected in, then one
    /// per EXECUTE AS in force.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// The context the session connected in.
    #[must_use]
    pub fn original(&self) -> Context {
        self.stack.first().copied().unwrap_or(Context {
            principal: 0,
            scope: None,
            switched: false,
        })
    }

    /// REVERT: back to the caller of the last EXECUTE AS (SQLX-1); with none in force,
    /// OQS-2 decides.
    pub(crate) fn revert(
        &mut self,
        readings: &Readings,
        trail: &mut Trail,
    ) -> Result<(), Exception> {
        if self.stack.len() <= 1 {
            if readings.alternative(RuleId::OQS_2) {
                trail.note(RuleId::OQS_2, || {
                    "no EXECUTE AS is in force; reading error: REVERT fails".into()
                });
                return Err(Exception::Unnamed(
                    "REVERT with no EXECUTE AS in force (the documents give no message)",
                ));
            }
            trail.note(RuleId::OQS_2, || {
                "no EXECUTE AS is in force; reading no-effect: REVERT changes nothing".into()
            });
            return Ok(());
        }
        self.stack.pop();
        trail.note(RuleId::SQLX_1, || {
            "REVERT returns to the previous context".into()
        });
        Ok(())
    }
}

/// A thread of managed code: the one that entered from T-SQL, or one the code started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClrThread {
    /// The thread that entered managed code.
    Entry,
    /// A thread the code started (UNSAFE only), by number.
    Started(u16),
}

/// One entry into managed code from T-SQL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClrCall {
    /// The assembly.
    pub assembly: AssemblyId,
    /// The permission set enforced (SQL-3).
    pub set: PermissionSet,
    /// The execution context of the T-SQL entry point.
    pub entry: Context,
    /// The context the session connected in.
    pub original: Context,
    impersonating: Vec<(ClrThread, Ident)>,
}

impl ClrCall {
    /// Whom `thread` impersonates, if anyone.
    #[must_use]
    pub fn impersonating(&self, thread: ClrThread) -> Option<Ident> {
        self.impersonating
            .iter()
            .find(|(t, _)| *t == thread)
            .map(|&(_, who)| who)
    }

    /// WindowsIdentity.Impersonate on the identity SqlContext gave (SQL-6, SQL-7): whom
    /// the thread now impersonates.
    pub(crate) fn impersonate(
        &mut self,
        thread: ClrThread,
        identity: Option<Ident>,
        trail: &mut Trail,
    ) -> Result<Ident, Exception> {
        let Some(who) = identity else {
            trail.note(RuleId::SQL_6, || {
                "SqlContext.WindowsIdentity is null: there is no identity to impersonate".into()
            });
            return Err(Exception::NullReference(
                "Impersonate called on a null WindowsIdentity",
            ));
        };
        self.impersonating.retain(|(t, _)| *t != thread);
        self.impersonating.push((thread, who));
        trail.note(RuleId::SQL_4, || {
            "the thread leaves the service account's token for the caller's: EXTERNAL_ACCESS and UNSAFE code may impersonate explicitly".into()
        });
        Ok(who)
    }

    /// WindowsImpersonationContext.Undo on `thread` (MRT-1).
    pub(crate) fn undo(&mut self, thread: ClrThread, trail: &mut Trail) {
        self.impersonating.retain(|(t, _)| *t != thread);
        trail.note(RuleId::MRT_1, || {
            "Undo: the thread holds the service account's token again".into()
        });
    }

    /// A call into unmanaged code (P/Invoke) (SQL-1).
    pub(crate) fn unmanaged(&self, trail: &mut Trail) -> Result<(), Exception> {
        trail.note(RuleId::SQL_1, || {
            format!(
                "{} code {} call unmanaged code",
                self.set.name(),
                if self.set == PermissionSet::Unsafe {
                    "may"
                } else {
                    "may not"
                }
            )
        });
        if self.set == PermissionSet::Unsafe {
            Ok(())
        } else {
            Err(Exception::Security(
                "Request for the permission of type SecurityPermission (UnmanagedCode) failed",
            ))
        }
    }

    /// Starting a thread from managed code (SQL-1: host protection forbids it below UNSAFE).
    pub(crate) fn start_thread(&self, trail: &mut Trail) -> Result<(), Exception> {
        trail.note(RuleId::SQL_1, || {
            format!(
                "{} code {} create threads",
                self.set.name(),
                if self.set == PermissionSet::Unsafe {
                    "may"
                } else {
                    "may not (host protection)"
                }
            )
        });
        if self.set == PermissionSet::Unsafe {
            Ok(())
        } else {
            Err(Exception::HostProtection(
                "Attempted to perform an operation that was forbidden by the CLR host: ExternalThreading",
            ))
        }
    }
}
