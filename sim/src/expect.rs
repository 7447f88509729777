//! Checking a step's outcome against its `expect`: success or failure, the status, the
//! value (compared partially: only the keys written are compared, `null` means absent,
//! lists of rights compare as the rights they stand for) and the rules applied.

use serde_json::Value as Json;

use tokenhop_model::machine::rights::ObjectType;
use tokenhop_model::rules::RuleId;

use crate::step::Expect;
use crate::trace::{TraceStep, rights_mask};

/// Compares `step` with `expect`; returns one line per mismatch.
#[must_use]
pub fn check(expect: &Expect, step: &TraceStep, applied: &[RuleId]) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(ok) = expect.ok
        && ok != step.ok
    {
        problems.push(format!(
            "expected the call to {}, but it {}",
            if ok { "succeed" } else { "fail" },
            describe(step)
        ));
    }
    match expect.error {
        Some(Some(error)) if step.error.as_deref() != Some(error.symbol()) => {
            problems.push(format!("expected {error}, but the call {}", describe(step)));
        }
        Some(None) if step.error.is_some() => {
            problems.push(format!(
                "expected no error, but the call {}",
                describe(step)
            ));
        }
        _ => {}
    }
    if let Some(value) = &expect.value
        && let Err(why) = matches(value, &step.value, "value")
    {
        problems.push(why);
    }
    for rule in &expect.rules {
        if !applied.contains(rule) {
            problems.push(format!(
                "expected rule {rule} to be applied, but it was not"
            ));
        }
    }
    problems
}

fn describe(step: &TraceStep) -> String {
    let code = if step.code > 0xFFFF {
        format!("{:#010X}", step.code)
    } else {
        step.code.to_string()
    };
    match (&step.ok, &step.error) {
        (true, None) => "succeeded".to_owned(),
        (true, Some(e))
            if tokenhop_model::ErrorCode::from_symbol(e).is_some_and(|c| c.is_informational()) =>
        {
            format!("succeeded with {e} ({code})")
        }
        (true, Some(e)) => format!("succeeded leaving {e} ({code})"),
        (false, Some(e)) => format!("failed with {e} ({code})"),
        (false, None) => "failed".to_owned(),
    }
}

/// Whether `actual` matches `expected` partially; the error says where it does not.
pub fn matches(expected: &Json, actual: &Json, at: &str) -> Result<(), String> {
    match (expected, actual) {
        (Json::Object(want), Json::Object(have)) => {
            for (key, w) in want {
                let here = format!("{at}.{key}");
                match (w, have.get(key)) {
                    (Json::Null, None | Some(Json::Null)) => {}
                    (Json::Null, Some(h)) => {
                        return Err(format!("expected {here} to be absent, but it is {h}"));
                    }
                    (_, None) => {
                        return Err(format!(
                            "expected {here} = {w}, but the value has no `{key}`"
                        ));
                    }
                    (_, Some(h)) => matches(w, h, &here)?,
                }
            }
            Ok(())
        }
        (Json::Array(want), Json::Array(have)) => {
            let want_s: Option<Vec<&str>> = want.iter().map(Json::as_str).collect();
            let have_s: Option<Vec<&str>> = have.iter().map(Json::as_str).collect();
            if let (Some(w), Some(h)) = (&want_s, &have_s) {
                let object_type = h.iter().find_map(|n| ObjectType::owning_type_of(n));
                if let (Some(wm), Some(hm)) =
                    (rights_mask(w, object_type), rights_mask(h, object_type))
                {
                    let wm = object_type.map_or(wm, |t| {
                        t.generic_mapping()
                            .map(tokenhop_model::machine::rights::AccessMask(wm))
                            .0
                    });
                    if wm == hm {
                        return Ok(());
                    }
                    return Err(format!("expected {at} = {expected}, but it is {actual}"));
                }
                let mut ws = w.clone();
                let mut hs = h.clone();
                ws.sort_unstable();
                hs.sort_unstable();
                ws.dedup();
                hs.dedup();
                if ws == hs {
                    return Ok(());
                }
                return Err(format!("expected {at} = {expected}, but it is {actual}"));
            }
            if want.len() != have.len() {
                return Err(format!("expected {at} = {expected}, but it is {actual}"));
            }
            for (i, (w, h)) in want.iter().zip(have).enumerate() {
                matches(w, h, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (Json::Number(w), Json::Number(h)) => {
            if w.as_f64() == h.as_f64() {
                Ok(())
            } else {
                Err(format!("expected {at} = {expected}, but it is {actual}"))
            }
        }
        (w, h) => {
            if w == h {
                Ok(())
            } else {
                Err(format!("expected {at} = {expected}, but it is {actual}"))
            }
        }
    }
}
