//! Known-differences files: an entry explains a difference on its field or any field below
//! it, and only on its script and step; a malformed file is refused with its line and field.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::Path;

use tokenhop_conformance::known;

const FILE: &str = "version: 1
engine: wine
differences:
  - script: s
    step: 3
    field: value.TokenGroups
    rule: ACCT-7
    observed: one
    windows: other
    source: doc
  - script: s
    step: 4
    rule: TOK-10
    observed: one
    windows: other
    source: doc
";

#[test]
fn an_entry_explains_its_field_and_the_fields_below_it_on_its_step_only() {
    let k = known::parse(FILE, Path::new("k.yaml")).unwrap();
    assert_eq!(k.engine, "wine");
    assert!(k.explaining("s", 3, "value.TokenGroups").is_some());
    assert!(k.explaining("s", 3, "value.TokenGroups.Users").is_some());
    assert!(k.explaining("s", 3, "value.TokenGroupsX").is_none());
    assert!(k.explaining("s", 3, "ok").is_none());
    assert!(k.explaining("s", 2, "value.TokenGroups").is_none());
    assert!(k.explaining("t", 3, "value.TokenGroups").is_none());
    assert!(
        k.explaining("s", 4, "ok").is_some(),
        "no field covers the step"
    );
}

#[test]
fn a_malformed_file_is_refused_with_its_line_and_field() {
    for (text, message) in [
        ("version: 2\nengine: wine\n", "version 2 is not 1"),
        ("version: 1\n", "needs `engine`"),
        (
            "version: 1\nengine: wine\ndifferences:\n  - { script: s, step: -1, rule: TOK-10, observed: a, windows: b, source: c }\n",
            "differences[0].step",
        ),
        (
            "version: 1\nengine: wine\ndifferences:\n  - { script: s, step: 1, rule: TOK-10, observed: a, windows: b }\n",
            "needs `source`",
        ),
        (
            "version: 1\nengine: wine\ndifferences:\n  - { script: s, step: 1, rule: TOK-10, observed: a, windows: b, source: c, extra: d }\n",
            "`extra` is not a field of a known difference",
        ),
    ] {
        let err = known::parse(text, Path::new("k.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(message), "{text:?}: {err}");
        assert!(err.starts_with("k.yaml:"), "{err}");
    }
}
