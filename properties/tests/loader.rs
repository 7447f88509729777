//! The scenario loader never panics: fixtures with lines dropped, duplicated or cut short
//! either load or fail with a located error.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;

fn fixtures() -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/scripts");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                out.push((e.path(), text));
            }
        }
    }
    out.sort();
    out
}

#[derive(Clone, Debug)]
enum Edit {
    Drop(usize),
    Duplicate(usize),
    Truncate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Drop),
        any::<usize>().prop_map(Edit::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(l, c)| Edit::Truncate(l, c)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for e in edits {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match e {
            Edit::Drop(i) => {
                lines.remove(i % n);
            }
            Edit::Duplicate(i) => {
                let line = lines[i % n].clone();
                lines.insert(i % n, line);
            }
            Edit::Truncate(i, c) => {
                let line = &mut lines[i % n];
                let keep = line
                    .char_indices()
                    .map(|(b, _)| b)
                    .nth(c % (line.chars().count() + 1))
                    .unwrap_or(line.len());
                line.truncate(keep);
            }
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn edited_fixtures_load_or_fail_with_a_location(pick in any::<usize>(), edits in prop::collection::vec(edit(), 1..4)) {
        let all = fixtures();
        prop_assume!(!all.is_empty());
        let (path, text) = &all[pick % all.len()];
        let edited = apply(text, &edits);
        match tokenhop_sim::load_str(&edited, path) {
            Ok(scenario) => {
                let _ = tokenhop_sim::run(&scenario);
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.starts_with(&path.display().to_string()), "{message}");
            }
        }
    }
}
