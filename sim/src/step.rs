//! One step of a script, read as the script loads: its thread, its call decoded once into
//! a typed call (the table in [`crate::calls`], the names in scope in [`crate::scope`]), what
//! its `out` binds, its expectation and its note. Every name is checked here, so a step that
//! loads runs without input errors.

use tokenhop_model::ErrorCode;
use tokenhop_model::machine::action::{Call, CallKind, InfoClass};
use tokenhop_model::machine::ids::ThreadId;
use tokenhop_model::rules::RuleId;

use crate::calls;
use crate::error::Fault;
use crate::node::{Node, Span};
use crate::reader::{Fields, Read, boolean, index, join, string};
use crate::refs::{Named, StepCall};
use crate::scenario::to_json;
use crate::scope::{Listed, Names};
use crate::trace::compact;
use crate::vocab;

/// What a step expects of its outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    /// Where `expect` was written.
    pub span: Span,
    /// Success or failure.
    pub ok: Option<bool>,
    /// The status (with `ok: false`) or the last error left by a successful call;
    /// `Some(None)` (written `error: null`) expects none.
    pub error: Option<Option<ErrorCode>>,
    /// The value, compared partially.
    pub value: Option<serde_json::Value>,
    /// Rules the model must have applied.
    pub rules: Vec<RuleId>,
}

/// One step of a script.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Its position (0-based), as in traces.
    pub index: usize,
    /// Where it was written.
    pub span: Span,
    /// The thread that makes the call, as the script names it.
    pub thread: String,
    /// That thread: declared, or made by an earlier step.
    pub caller: Named<ThreadId>,
    /// The call, decoded.
    pub call: StepCall,
    /// The call with its arguments as written, on one line
    /// (`OpenThreadToken(access: [TOKEN_QUERY], thread: main)`).
    pub text: String,
    /// The name bound to what the call returns.
    pub out: Option<String>,
    /// The expectation.
    pub expect: Option<Expect>,
    /// A note for the narration.
    pub note: Option<String>,
}

const STEP_FIELDS: &[&str] = &["thread", "call", "args", "out", "expect", "note"];

/// Reads step `i` (at `node`); `default_thread` runs it when it names no thread, and `names`
/// are the names in scope, to which the step adds what it binds.
pub fn read(node: &Node, i: usize, default_thread: &str, names: &mut Names<'_>) -> Read<Step> {
    let path = index("steps", i);
    let f = Fields::new(node, &path, "a step", STEP_FIELDS)?;
    let call_node = f.require("call", "a step")?;
    let call_name = string(call_node, &f.path("call"))?;
    let kind = CallKind::parse(&call_name).ok_or_else(|| {
        Fault::new(
            call_node.span,
            f.path("call"),
            format!("`{call_name}` is not a call the model knows"),
        )
        .allowing(CallKind::ALL.iter().map(|k| k.name()))
    })?;
    let spec = calls::spec_of(kind);
    let (thread, caller) = match f.get("thread") {
        Some(n) => {
            let name = string(n, &f.path("thread"))?;
            let Some(caller) = names.thread(&name) else {
                return Err(Fault::new(
                    n.span,
                    f.path("thread"),
                    format!("`{name}` is not a thread of the scenario"),
                )
                .allowing(names.names(Listed::Threads)));
            };
            (name, caller)
        }
        None => {
            let caller = names.thread(default_thread).ok_or_else(|| {
                Fault::new(
                    node.span,
                    f.path("thread"),
                    format!("the scenario has no thread `{default_thread}` to run the step"),
                )
            })?;
            (default_thread.to_owned(), caller)
        }
    };
    let out = match f.get("out") {
        Some(n) => {
            let name = string(n, &f.path("out"))?;
            let Some(kind) = spec.out else {
                return Err(Fault::new(
                    n.span,
                    f.path("out"),
                    format!("{} returns nothing to name; remove `out`", kind.name()),
                ));
            };
            if names.taken(&name) {
                return Err(Fault::new(
                    n.span,
                    f.path("out"),
                    format!("`{name}` already names something in this scenario; pick a fresh name"),
                ));
            }
            Some((name, kind, n.span))
        }
        None => {
            if spec.out_required {
                return Err(Fault::new(
                    node.span,
                    f.path("out"),
                    format!(
                        "{} creates a thread or process, which `out` must name",
                        kind.name()
                    ),
                ));
            }
            None
        }
    };
    let args = f.get("args").cloned();
    let out_name = out.as_ref().map(|(n, _, _)| n.as_str());
    let call = calls::decode(kind, args.as_ref(), &f.path("args"), out_name, names)?;
    if let (Call::GetTokenInformation { class, .. }, Some((_, _, span))) = (&call, &out)
        && *class != InfoClass::TokenLinkedToken
    {
        return Err(Fault::new(
            *span,
            f.path("out"),
            "only GetTokenInformation(TokenLinkedToken) returns a handle to name; remove `out`",
        ));
    }
    if let Call::CreateObject {
        name, object_type, ..
    } = &call
    {
        if names.object(name).is_some() || names.bound_any(name) {
            let span = args.as_ref().map_or(node.span, |a| a.span);
            return Err(Fault::new(
                span,
                join(&f.path("args"), "name"),
                format!("`{name}` already names something in this scenario"),
            ));
        }
        names.create_object(name, *object_type, i);
    }
    let expect = match f.get("expect") {
        Some(n) => Some(expectation(n, &f.path("expect"))?),
        None => None,
    };
    let note = match f.get("note") {
        Some(n) => Some(string(n, &f.path("note"))?),
        None => None,
    };
    if let Some((name, kind, _)) = &out {
        names.bind(name, *kind, i);
    }
    Ok(Step {
        index: i,
        span: node.span,
        thread,
        caller,
        text: call_text(kind, args.as_ref()),
        call,
        out: out.map(|(n, _, _)| n),
        expect,
        note,
    })
}

/// The call with its arguments as written, on one line, keys in order.
fn call_text(kind: CallKind, args: Option<&Node>) -> String {
    let args = args
        .map(to_json)
        .and_then(|j| match j {
            serde_json::Value::Object(map) => Some(
                map.iter()
                    .map(|(k, v)| format!("{k}: {}", compact(v)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => None,
        })
        .unwrap_or_default();
    format!("{}({args})", kind.name())
}

fn expectation(node: &Node, path: &str) -> Read<Expect> {
    let f = Fields::new(
        node,
        path,
        "an expectation",
        &["ok", "error", "value", "rules"],
    )?;
    let ok = f.get("ok").map(|n| boolean(n, &f.path("ok"))).transpose()?;
    let error = match f.get("error") {
        Some(n) if n.is_null() => Some(None),
        Some(n) => Some(Some(vocab::error_symbol(n, &f.path("error"))?)),
        None => None,
    };
    if ok == Some(true)
        && error.flatten().is_some_and(|e| {
            e != ErrorCode::ERROR_NOT_ALL_ASSIGNED
                && e != ErrorCode::ERROR_ACCESS_DENIED
                && e != ErrorCode::ERROR_PRIVILEGE_NOT_HELD
                && !e.is_informational()
        })
    {
        return Err(Fault::new(
            node.span,
            f.path("error"),
            "a successful call reports only ERROR_NOT_ALL_ASSIGNED (AdjustTokenPrivileges), an AccessCheck reason in GetLastError, or an informational SEC_I_* status",
        ));
    }
    let value = f.get("value").map(to_json);
    let rules = match f.get("rules") {
        Some(n) => crate::reader::rules(n, &f.path("rules"))?,
        None => Vec::new(),
    };
    Ok(Expect {
        span: node.span,
        ok,
        error,
        value,
        rules,
    })
}
