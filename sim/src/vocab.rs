//! The Win32 vocabulary of scenario files: access rights, levels, integrity levels,
//! privileges, token types, information classes, logon types and error symbols, each read
//! from a node with a located error that lists what is allowed.

use tokenhop_model::ErrorCode;
use tokenhop_model::core::level::{ImpersonationLevel, IntegrityLevel, TokenType};
use tokenhop_model::machine::accounts::Right;
use tokenhop_model::machine::action::InfoClass;
use tokenhop_model::machine::logon_session::LogonType;
use tokenhop_model::machine::privilege::Privilege;
use tokenhop_model::machine::rights::{AccessMask, ObjectType, STANDARD_RIGHTS};

use crate::error::Fault;
use crate::node::{Node, NodeKind};
use crate::reader::{Read, index, list, word};

/// An access mask written as a list of right names (`[]` is 0), for an object of
/// `object_type`.
pub fn access(node: &Node, path: &str, object_type: ObjectType) -> Read<AccessMask> {
    let mut mask = 0u32;
    for (i, item) in list(node, path)?.iter().enumerate() {
        let item_path = index(path, i);
        match &item.kind {
            NodeKind::Str(name) => {
                if let Some(right) = object_type.right(name) {
                    mask |= right.mask;
                } else {
                    let message = match ObjectType::owning_type_of(name) {
                        Some(other) => format!(
                            "`{name}` is a {other} right, but this access is to a {object_type}"
                        ),
                        None => format!("`{name}` is not an access right"),
                    };
                    return Err(Fault::new(item.span, item_path, message)
                        .allowing(object_type.right_names()));
                }
            }
            NodeKind::Int(bits) => {
                mask |= u32::try_from(*bits).map_err(|_| {
                    Fault::new(
                        item.span,
                        &item_path,
                        format!("{bits} is not a 32-bit access mask"),
                    )
                })?;
            }
            _ => {
                return Err(Fault::new(
                    item.span,
                    item_path,
                    format!("expected an access right name, found {}", item.kind_name()),
                )
                .allowing(object_type.right_names()));
            }
        }
    }
    Ok(AccessMask(mask))
}

/// The names of the standard and generic rights (valid for every object type).
pub fn standard_right_names() -> impl Iterator<Item = &'static str> {
    STANDARD_RIGHTS.iter().map(|r| r.name)
}

/// A `SECURITY_IMPERSONATION_LEVEL` name.
pub fn level(node: &Node, path: &str) -> Read<ImpersonationLevel> {
    let vocabulary: Vec<(&str, ImpersonationLevel)> = ImpersonationLevel::ALL
        .iter()
        .map(|l| (l.win32_name(), *l))
        .collect();
    word(node, path, "an impersonation level", &vocabulary)
}

/// An integrity level (`low`, `medium`, ... or `SECURITY_MANDATORY_*_RID`).
pub fn integrity(node: &Node, path: &str) -> Read<IntegrityLevel> {
    let mut vocabulary: Vec<(&str, IntegrityLevel)> =
        IntegrityLevel::ALL.iter().map(|l| (l.word(), *l)).collect();
    vocabulary.extend(IntegrityLevel::ALL.iter().map(|l| (l.win32_name(), *l)));
    word(node, path, "an integrity level", &vocabulary)
}

/// A privilege name.
pub fn privilege(node: &Node, path: &str) -> Read<Privilege> {
    let vocabulary: Vec<(&str, Privilege)> =
        Privilege::ALL.iter().map(|p| (p.name(), *p)).collect();
    word(node, path, "a privilege", &vocabulary)
}

/// A privilege name given as a mapping key.
pub fn privilege_key(name: &str, key: &Node, path: &str) -> Read<Privilege> {
    Privilege::from_name(name).ok_or_else(|| {
        Fault::new(key.span, path, format!("`{name}` is not a privilege"))
            .allowing(Privilege::ALL.iter().map(|p| p.name()))
    })
}

/// A user right (privilege or logon right) name.
pub fn right(node: &Node, path: &str) -> Read<Right> {
    let text = crate::reader::string(node, path)?;
    Right::parse(&text).ok_or_else(|| {
        Fault::new(
            node.span,
            path,
            format!("`{text}` is not a privilege or logon right"),
        )
        .allowing(
            Privilege::ALL.iter().map(|p| p.name()).chain(
                tokenhop_model::machine::accounts::LogonRight::NAMES
                    .iter()
                    .map(|(_, n)| *n),
            ),
        )
    })
}

/// A `TOKEN_TYPE`: a name, or a raw integer (invalid values reach the model).
pub fn token_type(node: &Node, path: &str) -> Read<i64> {
    match &node.kind {
        NodeKind::Int(i) => Ok(*i),
        _ => word(
            node,
            path,
            "a token type",
            &[
                ("TokenPrimary", TokenType::Primary as i64),
                ("TokenImpersonation", TokenType::Impersonation as i64),
            ],
        ),
    }
}

/// A `TOKEN_INFORMATION_CLASS` the model answers.
pub fn info_class(node: &Node, path: &str) -> Read<InfoClass> {
    let vocabulary: Vec<(&str, InfoClass)> =
        InfoClass::NAMES.iter().map(|(c, n)| (*n, *c)).collect();
    word(
        node,
        path,
        "a token information class the model answers",
        &vocabulary,
    )
}

/// A `LOGON32_LOGON_*` constant.
pub fn logon_type(node: &Node, path: &str) -> Read<LogonType> {
    let vocabulary: Vec<(&str, LogonType)> = LogonType::LOGON_USER_TYPES
        .iter()
        .map(|(t, n, _)| (*n, *t))
        .collect();
    word(node, path, "a logon type", &vocabulary)
}

/// An error symbol the model knows.
pub fn error_symbol(node: &Node, path: &str) -> Read<ErrorCode> {
    let vocabulary: Vec<(&str, ErrorCode)> = ErrorCode::ALL
        .iter()
        .map(|e| (e.symbol(), *e))
        .chain(tokenhop_model::core::error_code::ALIASES.iter().copied())
        .collect();
    word(node, path, "an error symbol", &vocabulary)
}

/// An object type word.
pub fn object_type(node: &Node, path: &str) -> Read<ObjectType> {
    let vocabulary: Vec<(&str, ObjectType)> = [
        ObjectType::File,
        ObjectType::Key,
        ObjectType::Event,
        ObjectType::Mutex,
        ObjectType::Semaphore,
    ]
    .iter()
    .map(|t| (t.word(), *t))
    .collect();
    word(node, path, "an object type", &vocabulary)
}

/// A DACL written as a list of `{ allow: <principal>, access: [...] }` and
/// `{ deny: <principal>, access: [...] }` entries.
pub fn dacl(
    node: &Node,
    path: &str,
    object_type: ObjectType,
    principal: &dyn Fn(&str) -> Option<tokenhop_model::machine::ids::PrincipalId>,
    all_principals: &dyn Fn() -> Vec<String>,
) -> Read<Vec<tokenhop_model::machine::acl::Ace>> {
    use tokenhop_model::machine::acl::{Ace, AceKind};
    let mut aces = Vec::new();
    for (i, a) in list(node, path)?.iter().enumerate() {
        let p = index(path, i);
        let af = crate::reader::Fields::new(
            a,
            &p,
            "an access control entry",
            &["allow", "deny", "access"],
        )?;
        let (kind, who) = match (af.get("allow"), af.get("deny")) {
            (Some(w), None) => (AceKind::Allow, w),
            (None, Some(w)) => (AceKind::Deny, w),
            _ => {
                return Err(Fault::new(
                    a.span,
                    p,
                    "an entry names its trustee with exactly one of `allow` or `deny`",
                ));
            }
        };
        let wp = af.path(if kind == AceKind::Allow {
            "allow"
        } else {
            "deny"
        });
        let text = crate::reader::string(who, &wp)?;
        let id = principal(&text).ok_or_else(|| {
            Fault::new(
                who.span,
                &wp,
                format!("`{text}` is not a user, group or well-known principal of the scenario"),
            )
            .allowing(all_principals())
        })?;
        let mask = access(
            af.require("access", "an access control entry")?,
            &af.path("access"),
            object_type,
        )?;
        aces.push(Ace {
            kind,
            principal: id,
            mask,
        });
    }
    Ok(aces)
}
