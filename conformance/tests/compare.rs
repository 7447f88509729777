//! Comparing traces: identical runs agree; a different status or value is a difference
//! that carries the model's rules; LUIDs compare by their pattern, not their numbers;
//! traces of other scripts, other versions or truncated files are refused with the reason.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::Path;

use serde_json::json;
use tokenhop_conformance::{StepVerdict, compare, parse_trace};

const FIXTURE: &str = "../fixtures/scripts/silent-downgrade-to-identification.yaml";

fn model_trace() -> tokenhop_sim::Trace {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    match tokenhop_sim::load(&path) {
        Ok(s) => tokenhop_sim::run(&s).trace,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_trace_agrees_with_itself() {
    let trace = model_trace();
    let c = match compare(&trace, &trace) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(c.counts(), (trace.steps.len(), 0, 0));
}

#[test]
fn a_different_status_is_a_difference_with_the_model_rules() {
    let model = model_trace();
    let mut observed = model.clone();
    observed.engine = "windows".to_owned();
    observed.steps[5].error = Some("ERROR_ACCESS_DENIED".to_owned());
    observed.steps[5].code = 5;
    observed.steps[5].rules.clear();
    let c = match compare(&model, &observed) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(c.counts(), (model.steps.len() - 1, 1, 0));
    match &c.steps[5].2 {
        StepVerdict::Differ { differences, rules } => {
            assert_eq!(differences.len(), 1);
            assert_eq!(differences[0].field, "error");
            assert!(rules.iter().any(|r| r == "TOK-5"));
        }
        other => panic!("expected a difference, got {other:?}"),
    }
}

#[test]
fn luids_compare_by_pattern() {
    let model = model_trace();
    let mut a = model.clone();
    let mut b = model.clone();
    a.steps[0].value = json!({ "TokenStatistics": { "TokenId": "0x10001", "ModifiedId": "0x10002", "AuthenticationId": "0x3e7" } });
    b.steps[0].value = json!({ "TokenStatistics": { "TokenId": "0x9a31", "ModifiedId": "0x9b00", "AuthenticationId": "0x3e7" } });
    assert!(matches!(
        compare(&a, &b).map(|c| c.steps[0].2.clone()),
        Ok(StepVerdict::Agree)
    ));
    b.steps[0].value = json!({ "TokenStatistics": { "TokenId": "0x9a31", "ModifiedId": "0x9a31", "AuthenticationId": "0x3e7" } });
    assert!(matches!(
        compare(&a, &b).map(|c| c.steps[0].2.clone()),
        Ok(StepVerdict::Differ { .. })
    ));
}

#[test]
fn traces_of_other_scripts_versions_or_truncated_files_are_refused() {
    let model = model_trace();
    let mut other = model.clone();
    other.scenario = "something-else".to_owned();
    assert!(compare(&model, &other).is_err());

    let text = serde_json::to_string_pretty(&model).unwrap_or_default();
    let truncated = &text[..text.len() / 2];
    let err = parse_trace(truncated, Path::new("t.json"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("t.json:") && err.contains("not a trace"),
        "{err}"
    );

    let v2 = text.replacen("\"version\": 1", "\"version\": 2", 1);
    let err = parse_trace(&v2, Path::new("t.json"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        err,
        "t.json: trace format version 2 is not 1, the version this tool reads"
    );
}
