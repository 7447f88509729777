//! What a logon produces: the logon session and the token(s) of a user, a service
//! account, SYSTEM or the anonymous logon, with the groups, privileges, integrity level
//! and UAC split the documents give them (ACCT-*, LOGON-4, LOGON-5, TOK-15, TOK-16).

use std::sync::Arc;

use crate::core::decision::Trail;
use crate::core::level::{ImpersonationLevel, IntegrityLevel, TokenType};
use crate::machine::acl::{Ace, SecurityDescriptor, allow};
use crate::machine::ids::{Luid, PrincipalId, TokenId};
use crate::machine::logon_session::{AuthPackage, Credentials, LogonSession, LogonType};
use crate::machine::principal::{PrincipalKind, wk};
use crate::machine::privilege::{Privilege, PrivilegeSet};
use crate::machine::rights::AccessMask;
use crate::machine::settings::WindowsVersion;
use crate::machine::table::TableFull;
use crate::machine::token::{ELEVATING_RIDS, ElevationType, Group, GroupAttrs, Token, TokenSource};
use crate::machine::world::World;
use crate::rules::RuleId;

/// A logon to perform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogonRequest {
    /// Who logs on.
    pub user: PrincipalId,
    /// How.
    pub logon_type: LogonType,
    /// The logon session that asked for it (the token's origin, LOGON-7, TOK-16).
    pub origin: Luid,
    /// The token source.
    pub source: TokenSource,
    /// The terminal-services session of the new tokens.
    pub session_id: u32,
}

/// What a logon produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogonResult {
    /// The token the logon hands out (the filtered half of a split token).
    pub token: TokenId,
    /// The full half of a split token, when there is one.
    pub full: Option<TokenId>,
}

/// The privileges that stay in a UAC-filtered token (TOK-15).
pub const FILTERED_PRIVILEGES: &[Privilege] = &[
    Privilege::Shutdown,
    Privilege::ChangeNotify,
    Privilege::Undock,
    Privilege::IncreaseWorkingSet,
    Privilege::TimeZone,
];

/// The privileges enabled by default where held (ACCT-6).
const ENABLED_BY_DEFAULT: &[Privilege] = &[
    Privilege::ChangeNotify,
    Privilege::Impersonate,
    Privilege::CreateGlobal,
];

/// The LocalSystem privileges and whether each is enabled (ACCT-2).
const SYSTEM_PRIVILEGES: &[(Privilege, bool)] = &[
    (Privilege::AssignPrimaryToken, false),
    (Privilege::Audit, true),
    (Privilege::Backup, false),
    (Privilege::ChangeNotify, true),
    (Privilege::CreateGlobal, true),
    (Privilege::CreatePagefile, true),
    (Privilege::CreatePermanent, true),
    (Privilege::CreateToken, false),
    (Privilege::Debug, true),
    (Privilege::Impersonate, true),
    (Privilege::IncreaseBasePriority, true),
    (Privilege::IncreaseQuota, false),
    (Privilege::LoadDriver, false),
    (Privilege::LockMemory, true),
    (Privilege::ManageVolume, false),
    (Privilege::ProfileSingleProcess, true),
    (Privilege::Restore, false),
    (Privilege::Security, false),
    (Privilege::Shutdown, false),
    (Privilege::SystemEnvironment, false),
    (Privilege::Systemtime, false),
    (Privilege::TakeOwnership, false),
    (Privilege::Tcb, true),
    (Privilege::Undock, false),
];

/// Logs `request.user` on: creates the logon session(s) and token(s).
///
/// # Errors
///
/// [`TableFull`] when a table the logon adds to has no room (RES-1).
pub fn logon(
    world: &mut World,
    request: LogonRequest,
    trail: &mut Trail,
) -> Result<LogonResult, TableFull> {
    let user = request.user;
    if user == wk::SYSTEM || user == wk::LOCAL_SERVICE || user == wk::NETWORK_SERVICE {
        return Ok(LogonResult {
            token: system_account_token(world, request, trail)?,
            full: None,
        });
    }
    let name = world.name_of(user);
    let (luid, logon_sid) = open_user_session(world, request, &name, trail)?;
    let groups = user_groups(world, request, logon_sid, &name, trail);
    let privileges = user_privileges(world, user, &groups, &name, trail);
    let is_admin = is_administrator(world, &groups);
    let base = TokenParts {
        user,
        groups,
        privileges,
        auth_id: luid,
        logon_sid: Some(logon_sid),
        origin: request.origin,
        source: request.source,
        session_id: request.session_id,
        token_type: if request.logon_type == LogonType::Network {
            TokenType::Impersonation
        } else {
            TokenType::Primary
        },
    };
    if request.logon_type == LogonType::Network {
        trail.note(RuleId::TOK_17, || {
            "a network logon returns an impersonation token".to_owned()
        });
    } else {
        trail.note(RuleId::TOK_17, || {
            format!(
                "{} logon returns a primary token",
                with_article(request.logon_type.word())
            )
        });
    }
    if is_admin && world.settings.windows >= WindowsVersion::Vista {
        return administrator_tokens(world, request, base, &name, trail);
    }
    let token = build_token(world, base, IntegrityLevel::Medium, user)?;
    trail.note(RuleId::ACCT_7, || {
        format!("{name} is a standard user: the token has Medium integrity and no linked token")
    });
    Ok(LogonResult { token, full: None })
}

/// LOGON-4, LOGON-5: a user's logon gets a new logon session with its own logon SID, which
/// keeps the user's credentials for onward use or not, by logon type. Returns the session's
/// LUID and the logon SID.
fn open_user_session(
    world: &mut World,
    request: LogonRequest,
    name: &str,
    trail: &mut Trail,
) -> Result<(Luid, PrincipalId), TableFull> {
    let logon_sid = Arc::make_mut(&mut world.principals).add_logon_sid()?;
    let luid = world.new_luid();
    new_session(world, request, luid, Some(logon_sid))?;
    trail.note(RuleId::LOGON_4, || {
        format!(
            "{name} gets a new {} logon session ({luid}) with its own logon SID",
            request.logon_type.word()
        )
    });
    trail.note(RuleId::LOGON_5, || {
        if world_session_reusable(request.logon_type) {
            format!(
                "the {} logon keeps {name}'s credentials for onward use",
                request.logon_type.word()
            )
        } else {
            format!(
                "the {} logon keeps no credentials of {name} for onward use",
                request.logon_type.word()
            )
        }
    });
    Ok((luid, logon_sid))
}

/// ACCT-1, ACCT-5, ACCT-7, LOGON-4: a user's groups: Everyone, Users, Authenticated Users,
/// the account's own groups, the group of the logon type, and the logon SID.
fn user_groups(
    world: &World,
    request: LogonRequest,
    logon_sid: PrincipalId,
    name: &str,
    trail: &mut Trail,
) -> Vec<Group> {
    let mut groups = vec![
        standard(wk::EVERYONE),
        standard(wk::USERS),
        standard(wk::AUTHENTICATED_USERS),
    ];
    let explicit: Vec<PrincipalId> = world
        .accounts
        .user(request.user)
        .map(|a| a.groups.clone())
        .unwrap_or_default();
    for g in &explicit {
        if !groups.iter().any(|x| x.sid == *g) {
            groups.push(standard(*g));
        }
    }
    trail.note(RuleId::ACCT_1, || {
        format!(
            "{name}'s token carries Everyone, Users and Authenticated Users{}",
            {
                let extra: Vec<String> = explicit
                    .iter()
                    .filter(|g| **g != wk::USERS)
                    .map(|g| world.name_of(*g).to_string())
                    .collect();
                if extra.is_empty() {
                    String::new()
                } else {
                    format!(", and its groups {}", extra.join(", "))
                }
            }
        )
    });
    groups.extend(logon_type_groups(request.logon_type, trail));
    groups.push(Group {
        sid: logon_sid,
        attrs: GroupAttrs(GroupAttrs::standard().0 | GroupAttrs::LOGON_ID),
    });
    groups
}

/// ACCT-5, ACCT-7, LOGON-4: the groups a logon type adds.
fn logon_type_groups(logon_type: LogonType, trail: &mut Trail) -> Vec<Group> {
    match logon_type {
        LogonType::Interactive => {
            trail.note(RuleId::ACCT_7, || {
                "an interactive logon adds INTERACTIVE, CONSOLE LOGON and LOCAL".to_owned()
            });
            vec![
                standard(wk::INTERACTIVE),
                standard(wk::CONSOLE_LOGON),
                standard(wk::LOCAL),
            ]
        }
        LogonType::Network | LogonType::NetworkCleartext => {
            trail.note(RuleId::ACCT_7, || "a network logon adds NETWORK".to_owned());
            vec![standard(wk::NETWORK)]
        }
        LogonType::Batch => {
            trail.note(RuleId::LOGON_4, || "a batch logon adds BATCH".to_owned());
            vec![standard(wk::BATCH)]
        }
        LogonType::Service => {
            trail.note(RuleId::ACCT_5, || {
                "a service logon adds SERVICE, which holds SeImpersonatePrivilege and SeCreateGlobalPrivilege".to_owned()
            });
            vec![standard(wk::SERVICE)]
        }
        LogonType::System | LogonType::NewCredentials => Vec::new(),
    }
}

/// ACCT-4, ACCT-6, IMP-12: the privileges the user-rights policy assigns to the user and
/// its groups.
fn user_privileges(
    world: &World,
    user: PrincipalId,
    groups: &[Group],
    name: &str,
    trail: &mut Trail,
) -> PrivilegeSet {
    let holders: Vec<PrincipalId> = std::iter::once(user)
        .chain(groups.iter().map(|g| g.sid))
        .collect();
    let privileges = privileges_for(world, &holders);
    trail.note(RuleId::ACCT_4, || {
        format!(
            "{name}'s privileges are those the user-rights policy assigns to the user and its groups: {}",
            privilege_list(&privileges)
        )
    });
    trail.note(RuleId::ACCT_6, || {
        "SeChangeNotifyPrivilege, SeImpersonatePrivilege and SeCreateGlobalPrivilege start enabled where held; the others start disabled".to_owned()
    });
    if privileges.has(Privilege::Impersonate) {
        trail.note(RuleId::IMP_12, || {
            format!("{name} holds SeImpersonatePrivilege through Administrators, SERVICE or a service account")
        });
    }
    privileges
}

/// Whether one of `groups` is a group whose RID elevates (Administrators and the like).
fn is_administrator(world: &World, groups: &[Group]) -> bool {
    groups.iter().any(|g| {
        world
            .principals
            .get(g.sid)
            .and_then(|p| p.sid.rid())
            .is_some_and(|rid| ELEVATING_RIDS.contains(&rid))
            && world
                .principals
                .get(g.sid)
                .is_some_and(|p| p.kind == PrincipalKind::Group)
    })
}

/// TOK-15, OQM-3: an administrator's tokens where UAC applies: a split token for an
/// interactive logon; for other logon types, a filtered token (network logons under the
/// remote-restricted reading) or the full token, as the selected reading says.
fn administrator_tokens(
    world: &mut World,
    request: LogonRequest,
    base: TokenParts,
    name: &str,
    trail: &mut Trail,
) -> Result<LogonResult, TableFull> {
    let network = matches!(
        request.logon_type,
        LogonType::Network | LogonType::NetworkCleartext
    );
    if request.logon_type == LogonType::Interactive {
        return split_token(world, request, base, name, trail);
    }
    if network && world.settings.readings.alternative(RuleId::OQM_3) {
        let limited = build_filtered(world, base, trail)?;
        trail.note(RuleId::OQM_3, || {
            format!("under the selected reading (remote-restricted) {name}'s network logon gets a filtered token with no linked token")
        });
        return Ok(LogonResult {
            token: limited,
            full: None,
        });
    }
    trail.note(RuleId::OQM_3, || {
        format!(
            "under the selected reading {name}'s {} logon gets the full administrator token, not split",
            request.logon_type.word()
        )
    });
    let token = build_full_admin(world, base, trail)?;
    Ok(LogonResult { token, full: None })
}

/// TOK-15: the split token of an administrator's interactive logon: a filtered Medium half
/// linked to a full High half in a logon session of its own.
fn split_token(
    world: &mut World,
    request: LogonRequest,
    base: TokenParts,
    name: &str,
    trail: &mut Trail,
) -> Result<LogonResult, TableFull> {
    let luid = base.auth_id;
    let full_luid = world.new_luid();
    let mut full_parts = base.clone();
    full_parts.auth_id = full_luid;
    new_session(world, request, full_luid, base.logon_sid)?;
    let full = build_full_admin(world, full_parts, trail)?;
    let limited = build_filtered(world, base, trail)?;
    world.token_mut(full).linked = Some(limited);
    world.token_mut(limited).linked = Some(full);
    world.token_mut(full).elevation_type = ElevationType::Full;
    world.token_mut(limited).elevation_type = ElevationType::Limited;
    trail.note(RuleId::TOK_15, || {
        format!(
            "{name} is an administrator: the logon makes a split token, a filtered Medium half in session {luid} linked to a full High half in session {full_luid}"
        )
    });
    trail.note(RuleId::OQM_3, || {
        "the documents do not say which logon types are split; the selected reading splits interactive logons".to_owned()
    });
    Ok(LogonResult {
        token: limited,
        full: Some(full),
    })
}

/// The token of the anonymous logon (ACCT-9, TOK-16).
///
/// # Errors
///
/// [`TableFull`] when the token table has no room (RES-1).
pub fn anonymous_token(world: &mut World, trail: &mut Trail) -> Result<TokenId, TableFull> {
    let everyone = world.settings.everyone_includes_anonymous;
    let groups = if everyone {
        vec![standard(wk::EVERYONE)]
    } else {
        Vec::new()
    };
    trail.note(RuleId::ACCT_9, || {
        if everyone {
            "the anonymous logon token has user ANONYMOUS LOGON, session 0x3e6, no privileges, and Everyone because EveryoneIncludesAnonymous is set".to_owned()
        } else {
            "the anonymous logon token has user ANONYMOUS LOGON, session 0x3e6, no privileges and no Everyone (EveryoneIncludesAnonymous is not set)".to_owned()
        }
    });
    let parts = TokenParts {
        user: wk::ANONYMOUS_LOGON,
        groups,
        privileges: PrivilegeSet::new(),
        auth_id: Luid::ANONYMOUS,
        logon_sid: None,
        origin: Luid::ZERO,
        source: TokenSource::System,
        session_id: 0,
        token_type: TokenType::Impersonation,
    };
    let id = build_token(world, parts, IntegrityLevel::Untrusted, wk::ANONYMOUS_LOGON)?;
    world.token_mut(id).level = ImpersonationLevel::Impersonation;
    Ok(id)
}

#[derive(Clone)]
struct TokenParts {
    user: PrincipalId,
    groups: Vec<Group>,
    privileges: PrivilegeSet,
    auth_id: Luid,
    logon_sid: Option<PrincipalId>,
    origin: Luid,
    source: TokenSource,
    session_id: u32,
    token_type: TokenType,
}

fn with_article(word: &str) -> String {
    let article = if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {word}")
}

fn standard(sid: PrincipalId) -> Group {
    Group {
        sid,
        attrs: GroupAttrs::standard(),
    }
}

fn world_session_reusable(logon_type: LogonType) -> bool {
    !matches!(logon_type, LogonType::Network)
}

fn new_session(
    world: &mut World,
    request: LogonRequest,
    luid: Luid,
    logon_sid: Option<PrincipalId>,
) -> Result<(), TableFull> {
    world.add_session(LogonSession {
        luid,
        user: request.user,
        logon_type: request.logon_type,
        package: AuthPackage::Negotiate,
        credentials: Credentials {
            reusable: world_session_reusable(request.logon_type),
            outbound_as: None,
        },
        logon_sid,
    })?;
    Ok(())
}

fn privileges_for(world: &World, holders: &[PrincipalId]) -> PrivilegeSet {
    let mut set = PrivilegeSet::new();
    for p in world.accounts.privileges_of(holders) {
        if exists(world, p) {
            set.grant(p, ENABLED_BY_DEFAULT.contains(&p));
        }
    }
    set
}

/// Whether `privilege` exists on the machine's Windows version: SeImpersonatePrivilege
/// arrived with Windows XP SP2 (IMP-4).
fn exists(world: &World, privilege: Privilege) -> bool {
    privilege != Privilege::Impersonate || world.settings.windows >= WindowsVersion::XpSp2
}

fn privilege_list(set: &PrivilegeSet) -> String {
    let names: Vec<&str> = set.iter().map(|(p, _)| p.name()).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// The default DACL of a token whose default owner is `owner` (DEF-2).
fn default_dacl(world: &World, owner: PrincipalId, logon_sid: Option<PrincipalId>) -> Vec<Ace> {
    let mut dacl = vec![
        allow(owner, AccessMask::GENERIC_ALL),
        allow(wk::SYSTEM, AccessMask::GENERIC_ALL),
    ];
    if owner == wk::SYSTEM {
        dacl.truncate(1);
    }
    if !world.settings.readings.alternative(RuleId::DEF_2)
        && let Some(sid) = logon_sid
    {
        dacl.push(allow(
            sid,
            AccessMask::GENERIC_READ.with(AccessMask::GENERIC_EXECUTE),
        ));
    }
    dacl
}

fn build_token(
    world: &mut World,
    parts: TokenParts,
    integrity: IntegrityLevel,
    owner: PrincipalId,
) -> Result<TokenId, TableFull> {
    let dacl = default_dacl(world, owner, parts.logon_sid);
    let token = Token {
        token_id: world.new_luid(),
        parent_token_id: Luid::ZERO,
        modified_id: world.new_luid(),
        token_type: parts.token_type,
        level: ImpersonationLevel::Impersonation,
        user: parts.user,
        user_deny_only: false,
        groups: parts.groups,
        privileges: parts.privileges,
        integrity,
        auth_id: parts.auth_id,
        origin: parts.origin,
        elevation_type: ElevationType::Default,
        linked: None,
        restricted_sids: Vec::new(),
        write_restricted: false,
        app_container: None,
        session_id: parts.session_id,
        has_restrictions: false,
        source: parts.source,
        default_owner: owner,
        default_dacl: dacl.clone(),
        sd: SecurityDescriptor::new(owner, dacl),
    };
    world.add_token(token)
}

fn build_full_admin(
    world: &mut World,
    mut parts: TokenParts,
    trail: &mut Trail,
) -> Result<TokenId, TableFull> {
    for g in &mut parts.groups {
        if g.sid == wk::ADMINISTRATORS {
            g.attrs = GroupAttrs(g.attrs.0 | GroupAttrs::OWNER);
        }
    }
    let name = world.name_of(parts.user);
    trail.note(RuleId::ACCT_8, || {
        format!("{name}'s full administrator token has High integrity, every Administrators right, and Administrators as default owner")
    });
    build_token(world, parts, IntegrityLevel::High, wk::ADMINISTRATORS)
}

fn build_filtered(
    world: &mut World,
    mut parts: TokenParts,
    trail: &mut Trail,
) -> Result<TokenId, TableFull> {
    let mut kept = PrivilegeSet::new();
    for (p, state) in parts.privileges.iter() {
        if FILTERED_PRIVILEGES.contains(&p) {
            kept.grant(p, state.enabled_by_default);
        }
    }
    parts.privileges = kept;
    let principals = Arc::clone(&world.principals);
    for g in &mut parts.groups {
        let elevated = principals
            .get(g.sid)
            .and_then(|p| p.sid.rid())
            .is_some_and(|rid| ELEVATING_RIDS.contains(&rid))
            && principals
                .get(g.sid)
                .is_some_and(|p| p.kind == PrincipalKind::Group);
        if elevated {
            g.attrs = GroupAttrs(GroupAttrs::USE_FOR_DENY_ONLY);
        }
    }
    let user = parts.user;
    let name = world.name_of(user);
    trail.note(RuleId::TOK_15, || {
        format!("{name}'s filtered token keeps five privileges, leaves administrative groups such as Administrators as deny-only (attributes SE_GROUP_USE_FOR_DENY_ONLY alone, as the token dumps show) and has Medium integrity")
    });
    let id = build_token(world, parts, IntegrityLevel::Medium, user)?;
    world.token_mut(id).has_restrictions = true;
    Ok(id)
}

fn system_account_token(
    world: &mut World,
    request: LogonRequest,
    trail: &mut Trail,
) -> Result<TokenId, TableFull> {
    let user = request.user;
    let (luid, logon_type) = if user == wk::SYSTEM {
        (Luid::SYSTEM, LogonType::System)
    } else if user == wk::LOCAL_SERVICE {
        (Luid::LOCAL_SERVICE, LogonType::Service)
    } else {
        (Luid::NETWORK_SERVICE, LogonType::Service)
    };
    let name = world.name_of(user);
    if world.session_by_luid(luid).is_none() {
        world.add_session(LogonSession {
            luid,
            user,
            logon_type,
            package: AuthPackage::System,
            credentials: Credentials {
                reusable: true,
                outbound_as: None,
            },
            logon_sid: None,
        })?;
    }
    trail.note(RuleId::TOK_16, || {
        format!("{name} runs in its fixed logon session {luid}")
    });
    if user == wk::SYSTEM {
        let mut privileges = PrivilegeSet::new();
        for (p, enabled) in SYSTEM_PRIVILEGES {
            if exists(world, *p) {
                privileges.grant(*p, *enabled);
            }
        }
        let mut admins = standard(wk::ADMINISTRATORS);
        admins.attrs = GroupAttrs(admins.attrs.0 | GroupAttrs::OWNER);
        let parts = TokenParts {
            user,
            groups: vec![
                admins,
                standard(wk::EVERYONE),
                standard(wk::AUTHENTICATED_USERS),
            ],
            privileges,
            auth_id: luid,
            logon_sid: None,
            origin: Luid::ZERO,
            source: TokenSource::System,
            session_id: 0,
            token_type: TokenType::Primary,
        };
        trail.note(RuleId::ACCT_2, || {
            "the LocalSystem token holds Administrators and the privileges of the LocalSystem Account page, SeTcbPrivilege and SeImpersonatePrivilege enabled among them".to_owned()
        });
        if exists(world, Privilege::Impersonate) {
            trail.note(RuleId::IMP_12, || {
                "SYSTEM holds SeImpersonatePrivilege".to_owned()
            });
        } else {
            trail.note(RuleId::IMP_4, || {
                format!(
                    "{} has no SeImpersonatePrivilege: it arrived with Windows XP SP2",
                    world.settings.windows
                )
            });
        }
        return build_token(world, parts, IntegrityLevel::System, wk::ADMINISTRATORS);
    }
    let groups = vec![
        standard(wk::EVERYONE),
        standard(wk::USERS),
        standard(wk::AUTHENTICATED_USERS),
        standard(wk::SERVICE),
    ];
    let holders: Vec<PrincipalId> = std::iter::once(user)
        .chain(groups.iter().map(|g| g.sid))
        .collect();
    let privileges = privileges_for(world, &holders);
    trail.note(RuleId::ACCT_3, || {
        format!(
            "{name}'s token holds {} (SeImpersonatePrivilege, SeCreateGlobalPrivilege and SeChangeNotifyPrivilege enabled)",
            privilege_list(&privileges)
        )
    });
    trail.note(RuleId::ACCT_5, || {
        format!("{name} runs as a service, so its token carries SERVICE")
    });
    if exists(world, Privilege::Impersonate) {
        trail.note(RuleId::IMP_12, || {
            format!("{name} holds SeImpersonatePrivilege")
        });
    } else {
        trail.note(RuleId::IMP_4, || {
            format!(
                "{} has no SeImpersonatePrivilege: it arrived with Windows XP SP2",
                world.settings.windows
            )
        });
    }
    let parts = TokenParts {
        user,
        groups,
        privileges,
        auth_id: luid,
        logon_sid: None,
        origin: Luid::SYSTEM,
        source: TokenSource::System,
        session_id: 0,
        token_type: TokenType::Primary,
    };
    build_token(world, parts, IntegrityLevel::System, user)
}
