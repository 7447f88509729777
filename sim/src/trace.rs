//! Traces: the JSON record of a run that the model and the Windows adapter both write,
//! and that the comparator reads (format v1 of the design).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};

use tokenhop_model::machine::outcome::{Field, TokenInfo, Value};
use tokenhop_model::machine::privilege::PrivilegeState;
use tokenhop_model::machine::rights::ObjectType;
use tokenhop_model::machine::token::GroupAttrs;

/// The trace format version.
pub const TRACE_VERSION: u32 = 1;

/// Where a trace was recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// The operating system (or the model of it).
    pub os: String,
    /// Its build.
    pub build: String,
}

/// One step of a trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceStep {
    /// The step's index in the script.
    pub index: usize,
    /// The thread that made the call.
    pub thread: String,
    /// The call.
    pub call: String,
    /// Whether it succeeded.
    pub ok: bool,
    /// The error symbol (the failure's, or the last error a successful call left).
    pub error: Option<String>,
    /// The numeric code of `error` (0 when there is none).
    pub code: u32,
    /// What the call reported.
    pub value: Json,
    /// The rules the model applied (empty from Windows).
    #[serde(default)]
    pub rules: Vec<String>,
    /// Why the step did not run, if it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// A whole trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// The format version.
    pub version: u32,
    /// The scenario's name.
    pub scenario: String,
    /// `model`, `windows` or `wine`.
    pub engine: String,
    /// Where it ran.
    pub platform: Platform,
    /// The rules the model's setup applied (empty from Windows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub setup_rules: Vec<String>,
    /// The steps.
    pub steps: Vec<TraceStep>,
}

/// The JSON a value is written as: keyed by information class or by Win32 output name.
#[must_use]
pub fn value_json(value: &Value) -> Json {
    match value {
        Value::None => Json::Null,
        Value::TokenInfo(info) => token_info_json(info),
        Value::AccessCheck {
            status,
            granted,
            object_type,
        } => json!({
            "AccessStatus": status,
            "GrantedAccess": object_type.names_of(*granted),
        }),
        Value::PrivilegeCheck(result) => json!({ "Result": result }),
        Value::IsMember(member) => json!({ "IsMember": member }),
        Value::Record(fields) => Json::Object(
            fields
                .iter()
                .map(|(name, field)| ((*name).to_owned(), field_json(field)))
                .collect::<Map<_, _>>(),
        ),
    }
}

fn field_json(field: &Field) -> Json {
    match field {
        Field::Text(text) => json!(text.as_ref()),
        Field::Number(n) => json!(n),
        Field::Flag(b) => json!(b),
        Field::Flags(names) => json!(names),
    }
}

fn token_info_json(info: &TokenInfo) -> Json {
    let (class, value): (&str, Json) = match info {
        TokenInfo::User(name) => ("TokenUser", json!(name.as_ref())),
        TokenInfo::Groups(groups) => (
            "TokenGroups",
            Json::Object(
                groups
                    .iter()
                    .map(|(name, attrs)| (name.to_string(), json!(group_attrs(*attrs))))
                    .collect::<Map<_, _>>(),
            ),
        ),
        TokenInfo::Privileges(privileges) => (
            "TokenPrivileges",
            Json::Object(
                privileges
                    .iter()
                    .map(|(p, state)| (p.name().to_owned(), json!(privilege_attrs(*state))))
                    .collect::<Map<_, _>>(),
            ),
        ),
        TokenInfo::Owner(name) => ("TokenOwner", json!(name.as_ref())),
        TokenInfo::Type(t) => ("TokenType", json!(t.win32_name())),
        TokenInfo::ImpersonationLevel(l) => ("TokenImpersonationLevel", json!(l.win32_name())),
        TokenInfo::Statistics(s) => (
            "TokenStatistics",
            json!({
                "TokenId": s.token_id.to_string(),
                "AuthenticationId": s.authentication_id.to_string(),
                "TokenType": s.token_type.win32_name(),
                "ImpersonationLevel": s.impersonation_level.win32_name(),
                "GroupCount": s.group_count,
                "PrivilegeCount": s.privilege_count,
                "ModifiedId": s.modified_id.to_string(),
            }),
        ),
        TokenInfo::RestrictedSids(sids) => (
            "TokenRestrictedSids",
            json!(sids.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        ),
        TokenInfo::SessionId(id) => ("TokenSessionId", json!(id)),
        TokenInfo::Origin(luid) => ("TokenOrigin", json!(luid.to_string())),
        TokenInfo::ElevationType(t) => ("TokenElevationType", json!(t.win32_name())),
        TokenInfo::LinkedToken => return Json::Null,
        TokenInfo::Elevation(e) => ("TokenElevation", json!(e)),
        TokenInfo::HasRestrictions(r) => ("TokenHasRestrictions", json!(r)),
        TokenInfo::IntegrityLevel(l) => ("TokenIntegrityLevel", json!(l.win32_name())),
    };
    let mut map = Map::new();
    map.insert(class.to_owned(), value);
    Json::Object(map)
}

fn group_attrs(attrs: GroupAttrs) -> Vec<&'static str> {
    attrs.names()
}

fn privilege_attrs(state: PrivilegeState) -> Vec<&'static str> {
    let mut out = Vec::new();
    if state.enabled_by_default {
        out.push("SE_PRIVILEGE_ENABLED_BY_DEFAULT");
    }
    if state.enabled {
        out.push("SE_PRIVILEGE_ENABLED");
    }
    out
}

/// Whether every string in `names` is an access right, and the mask they make.
#[must_use]
pub fn rights_mask(names: &[&str], object_type: Option<ObjectType>) -> Option<u32> {
    let mut mask = 0u32;
    for name in names {
        let right = object_type
            .and_then(|t| t.right(name))
            .or_else(|| ObjectType::owning_type_of(name).and_then(|t| t.right(name)))
            .or_else(|| {
                ObjectType::File
                    .right(name)
                    .filter(|r| r.mask & 0xFFFF == 0)
            })?;
        mask |= right.mask;
    }
    Some(mask)
}

/// A JSON value written compactly, strings unquoted.
#[must_use]
pub fn compact(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(", ")
        ),
        serde_json::Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}: {}", compact(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}
