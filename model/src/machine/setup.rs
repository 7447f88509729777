//! Building the starting world of a scenario: the machine's users and groups, its
//! processes with their primary tokens, their threads and the securable objects. Every
//! choice the setup makes from the documents is recorded as a decision.

use std::collections::HashMap;
use std::sync::Arc;

use crate::core::decision::{Decision, Trail};
use crate::core::level::{IntegrityLevel, TokenType};
use crate::machine::accounts::{Right, UserAccount};
use crate::machine::acl::{Ace, MandatoryLabel, SecurityDescriptor};
use crate::machine::ids::{Luid, ObjectId, PrincipalId, ProcessId, ThreadId, TokenId};
use crate::machine::logon::{LogonRequest, LogonResult, logon};
use crate::machine::logon_session::LogonType;
use crate::machine::principal::{PrincipalKind, wk};
use crate::machine::privilege::Privilege;
use crate::machine::rights::ObjectType;
use crate::machine::settings::{Settings, WindowsVersion};
use crate::machine::table::{self, Table, TableFull};
use crate::machine::token::TokenSource;
use crate::machine::token_copy::{DuplicateSpec, default_security, duplicate};
use crate::machine::world::{Process, SecurableObject, Thread, World};
use crate::rules::RuleId;

/// A user of the machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserSpec {
    /// The account name.
    pub name: String,
    /// The local groups and built-in aliases it belongs to.
    pub groups: Vec<PrincipalId>,
    /// Rights assigned to it directly.
    pub rights: Vec<Right>,
    /// Its password, if the scenario knows it.
    pub password: Option<String>,
    /// Whether the account is disabled.
    pub disabled: bool,
}

/// How a process's privilege should start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivilegeSetting {
    /// Present and enabled (added if the account does not hold it).
    Enabled,
    /// Present and disabled (added if the account does not hold it).
    Disabled,
    /// Absent.
    Removed,
}

/// A process of the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessSpec {
    /// Its name.
    pub name: String,
    /// The account it runs as.
    pub user: PrincipalId,
    /// Its integrity level, if not the logon's.
    pub integrity: Option<IntegrityLevel>,
    /// Whether an administrator's process runs with the full (elevated) token.
    pub elevated: bool,
    /// Overrides of the account's privileges.
    pub privileges: Vec<(Privilege, PrivilegeSetting)>,
    /// The terminal-services session, if not the default.
    pub session: Option<u32>,
    /// Whether it is a service started by the Service Control Manager.
    pub service: bool,
    /// A service's declared required privileges (IMP-13).
    pub required_privileges: Option<Vec<Privilege>>,
    /// Restricting SIDs of its token.
    pub restricted_sids: Vec<PrincipalId>,
    /// Whether those are write-restricted.
    pub write_restricted: bool,
    /// Its AppContainer package, if it runs in one.
    pub app_container: Option<String>,
    /// Whether it stands for kernel-mode code (SSPI-1).
    pub kernel_mode: bool,
    /// Its threads' names (at least one).
    pub threads: Vec<String>,
}

impl ProcessSpec {
    /// A process running as `user` with the logon's defaults and the given threads.
    #[must_use]
    pub fn new(name: &str, user: PrincipalId, threads: &[&str]) -> Self {
        ProcessSpec {
            name: name.to_owned(),
            user,
            integrity: None,
            elevated: false,
            privileges: Vec::new(),
            session: None,
            service: false,
            required_privileges: None,
            restricted_sids: Vec::new(),
            write_restricted: false,
            app_container: None,
            threads: threads.iter().map(|t| (*t).to_owned()).collect(),
            kernel_mode: false,
        }
    }
}

/// A securable object of the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectSpec {
    /// Its name.
    pub name: String,
    /// Its type.
    pub object_type: ObjectType,
    /// Its owner.
    pub owner: PrincipalId,
    /// Its DACL (`None`: a NULL DACL).
    pub dacl: Option<Vec<Ace>>,
    /// Its mandatory label.
    pub label: Option<MandatoryLabel>,
}

/// A setup the documents do not allow.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// `elevated: true` for a user who is not an administrator.
    #[error("`{user}` is not a member of Administrators, so its process cannot run elevated")]
    NotAnAdministrator {
        /// The user.
        user: String,
    },
    /// `elevated` on a Windows version without UAC.
    #[error("{windows} has no UAC split token, so `elevated` does not apply")]
    NoUac {
        /// The version.
        windows: WindowsVersion,
    },
    /// A table with no room for what the scenario declares (RES-1).
    #[error(transparent)]
    Full(#[from] TableFull),
}

/// Builds a world, recording the setup's decisions.
#[derive(Debug)]
pub struct Setup {
    world: World,
    trail: Trail,
    logons: HashMap<(PrincipalId, bool), LogonResult>,
}

impl Setup {
    /// Starts a machine with `settings`.
    #[must_use]
    pub fn new(settings: Settings) -> Self {
        Setup {
            world: World::new(settings),
            trail: Trail::detailed(),
            logons: HashMap::new(),
        }
    }

    /// The world so far.
    #[must_use]
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Adds a local group.
    ///
    /// # Errors
    ///
    /// [`SetupError::Full`] when the principals' table has no room.
    pub fn add_group(&mut self, name: &str) -> Result<PrincipalId, SetupError> {
        Ok(Arc::make_mut(&mut self.world.principals).add_local(name, PrincipalKind::Group)?)
    }

    /// Adds a user account.
    ///
    /// # Errors
    ///
    /// [`SetupError::Full`] when the principals' table has no room.
    pub fn add_user(&mut self, spec: UserSpec) -> Result<PrincipalId, SetupError> {
        let id =
            Arc::make_mut(&mut self.world.principals).add_local(&spec.name, PrincipalKind::User)?;
        let accounts = Arc::make_mut(&mut self.world.accounts);
        accounts.users.push(UserAccount {
            principal: id,
            password: spec.password,
            disabled: spec.disabled,
            groups: spec.groups,
        });
        for right in spec.rights {
            accounts.grant(right, id);
        }
        Ok(id)
    }

    /// Whether `user` is a member of Administrators.
    #[must_use]
    pub fn is_administrator(&self, user: PrincipalId) -> bool {
        user == wk::SYSTEM
            || self
                .world
                .accounts
                .user(user)
                .is_some_and(|u| u.groups.contains(&wk::ADMINISTRATORS))
    }

    /// Declares a certificate for Schannel, mapped to `maps_to` by the server's
    /// certificate mapping (SSPI-5); returns its index.
    ///
    /// # Errors
    ///
    /// [`SetupError::Full`] past the 2^32 certificates a 32-bit index numbers.
    pub fn add_certificate(
        &mut self,
        name: &str,
        maps_to: Option<PrincipalId>,
    ) -> Result<u32, SetupError> {
        let certificate = crate::machine::sspi::Certificate {
            name: Arc::from(name),
            maps_to,
        };
        Ok(table::push(
            &mut self.world.sspi.certificates,
            certificate,
            Table::Certificates,
            table::number,
        )?)
    }

    /// Declares a COM+ server application; returns its index.
    ///
    /// # Errors
    ///
    /// [`SetupError::Full`] past the 2^32 applications a 32-bit index numbers.
    pub fn add_com_application(
        &mut self,
        application: crate::machine::com::Application,
    ) -> Result<u32, SetupError> {
        Ok(table::push(
            &mut self.world.com.applications,
            application,
            Table::ComApplications,
            table::number,
        )?)
    }

    /// Declares a class served by `server`, in `application` if given; returns its index.
    ///
    /// # Errors
    ///
    /// [`SetupError::Full`] past the 2^32 classes a 32-bit index numbers.
    pub fn add_com_class(
        &mut self,
        name: &str,
        server: ProcessId,
        application: Option<u32>,
    ) -> Result<u32, SetupError> {
        let class = crate::machine::com::Class {
            name: Arc::from(name),
            server,
            application,
        };
        Ok(table::push(
            &mut self.world.com.classes,
            class,
            Table::ComClasses,
            table::number,
        )?)
    }

    /// Adds a process with its threads.
    ///
    /// # Errors
    ///
    /// [`SetupError`] when the documents do not allow the process, or a table has no room
    /// for it.
    pub fn add_process(
        &mut self,
        spec: ProcessSpec,
    ) -> Result<(ProcessId, Vec<ThreadId>), SetupError> {
        let user = spec.user;
        let name = self.world.name_of(user);
        let service_account = user == wk::LOCAL_SERVICE || user == wk::NETWORK_SERVICE;
        let system = user == wk::SYSTEM;
        let is_user = !(system || service_account);
        if spec.elevated && is_user {
            if !self.is_administrator(user) {
                return Err(SetupError::NotAnAdministrator {
                    user: name.to_string(),
                });
            }
            if self.world.settings.windows < WindowsVersion::Vista {
                return Err(SetupError::NoUac {
                    windows: self.world.settings.windows,
                });
            }
        }
        let as_service = spec.service || service_account;
        let key = (user, as_service);
        let logon_result = if let Some(r) = self.logons.get(&key) {
            *r
        } else {
            let logon_type = if system {
                LogonType::System
            } else if as_service {
                LogonType::Service
            } else {
                LogonType::Interactive
            };
            let session_id =
                if as_service || system || self.world.settings.windows < WindowsVersion::Vista {
                    0
                } else {
                    1
                };
            if is_user {
                self.trail.note(RuleId::TOK_16, || {
                    format!("{name}'s {} logon was made by the system, so its tokens' origin is SYSTEM's session (0x3e7)", logon_type.word())
                });
            }
            let r = logon(
                &mut self.world,
                LogonRequest {
                    user,
                    logon_type,
                    origin: Luid::SYSTEM,
                    source: if as_service || system {
                        TokenSource::System
                    } else {
                        TokenSource::User32
                    },
                    session_id,
                },
                &mut self.trail,
            )?;
            self.logons.insert(key, r);
            r
        };
        let base = match (spec.elevated, logon_result.full) {
            (true, Some(full)) => {
                self.trail.note(RuleId::TOK_15, || {
                    format!(
                        "process `{}` runs elevated, with the full half of {name}'s split token",
                        spec.name
                    )
                });
                full
            }
            _ => logon_result.token,
        };
        let level = self.world.token(base).level;
        let token = duplicate(
            &mut self.world,
            base,
            DuplicateSpec {
                token_type: TokenType::Primary,
                level,
                effective_only: false,
            },
        )?;
        self.customise(token, &spec)?;
        let sd = default_security(&self.world, token);
        let process = self.world.add_process(Process {
            name: Arc::from(spec.name.as_str()),
            primary: token,
            threads: Vec::new(),
            sd: sd.clone(),
            kernel_mode: spec.kernel_mode,
        })?;
        let mut threads = Vec::new();
        for t in &spec.threads {
            threads.push(self.world.add_thread(Thread {
                name: Arc::from(t.as_str()),
                process,
                impersonation: None,
                sd: sd.clone(),
            })?);
        }
        Ok((process, threads))
    }

    fn customise(&mut self, token: TokenId, spec: &ProcessSpec) -> Result<(), TableFull> {
        let process = spec.name.clone();
        if let Some(session) = spec.session {
            self.world.token_mut(token).session_id = session;
        }
        if let Some(level) = spec.integrity {
            self.world.token_mut(token).integrity = level;
            self.trail.note(RuleId::TOK_13, || {
                format!("process `{process}` starts at {level} integrity, as the scenario says")
            });
        }
        for (privilege, setting) in &spec.privileges {
            let t = self.world.token_mut(token);
            let held = t.privileges.has(*privilege);
            match setting {
                PrivilegeSetting::Enabled => t.privileges.grant(*privilege, true),
                PrivilegeSetting::Disabled => {
                    if held {
                        t.privileges.set_enabled(*privilege, false);
                    } else {
                        t.privileges.grant(*privilege, false);
                    }
                }
                PrivilegeSetting::Removed => t.privileges.remove(*privilege),
            }
            let verb = match setting {
                PrivilegeSetting::Enabled => "enabled",
                PrivilegeSetting::Disabled => "disabled",
                PrivilegeSetting::Removed => "removed",
            };
            self.trail.note(RuleId::ACCT_4, || {
                if held || *setting == PrivilegeSetting::Removed {
                    format!("process `{process}` has {privilege} {verb}, as the scenario says")
                } else {
                    format!("the scenario assigns {privilege} to process `{process}` ({verb}), as a user-rights assignment would")
                }
            });
        }
        if let Some(required) = &spec.required_privileges {
            let t = self.world.token_mut(token);
            let present: Vec<Privilege> = t.privileges.iter().map(|(p, _)| p).collect();
            let mut dropped = Vec::new();
            for p in present {
                if !required.contains(&p) {
                    t.privileges.remove(p);
                    dropped.push(p.name());
                }
            }
            self.trail.note(RuleId::IMP_13, || {
                format!(
                    "service `{process}` declares its required privileges, so the Service Control Manager removes the others ({})",
                    if dropped.is_empty() { "none".to_owned() } else { dropped.join(", ") }
                )
            });
        }
        if !spec.restricted_sids.is_empty() {
            let t = self.world.token_mut(token);
            t.restricted_sids = spec.restricted_sids.clone();
            t.write_restricted = spec.write_restricted;
            t.has_restrictions = true;
        }
        if let Some(package) = &spec.app_container {
            let id = match self.world.principals.find(package) {
                Some(id) => id,
                None => Arc::make_mut(&mut self.world.principals).add_package(package)?,
            };
            let t = self.world.token_mut(token);
            t.app_container = Some(id);
            t.integrity = IntegrityLevel::Low;
            self.trail.note(RuleId::TOK_13, || {
                format!("process `{process}` runs in AppContainer `{package}`, and a lowbox token is always Low integrity")
            });
        }
        Ok(())
    }

    /// Adds a securable object.
    ///
    /// # Errors
    ///
    /// [`SetupError::Full`] when the objects' table has no room.
    pub fn add_object(&mut self, spec: ObjectSpec) -> Result<ObjectId, SetupError> {
        Ok(self.world.add_object(SecurableObject {
            name: Arc::from(spec.name.as_str()),
            object_type: spec.object_type,
            sd: SecurityDescriptor {
                owner: spec.owner,
                dacl: spec.dacl,
                label: spec.label,
            },
        })?)
    }

    /// The finished world and the setup's decisions.
    #[must_use]
    pub fn finish(self) -> (World, Vec<Decision>) {
        (self.world, self.trail.into_decisions())
    }
}
