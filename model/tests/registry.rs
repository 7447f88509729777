//! The rule registry is consistent: ids match their variants, every rule is cited, every
//! ambiguous rule offers readings, every source is cited, and no file of the repository
//! names a rule id (of a registered prefix) that is not registered.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test reports failure by panicking"
)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tokenhop_model::rules::readings::{AMBIGUITIES, ambiguity};
use tokenhop_model::rules::{self, RuleId, Status, sources};

#[test]
fn rule_codes_match_their_variants_and_are_unique() {
    let mut seen = BTreeSet::new();
    for rule in rules::all() {
        let variant = format!("{:?}", rule.id).replace('_', "-");
        assert_eq!(
            variant, rule.code,
            "the variant of {} is spelled differently",
            rule.code
        );
        assert!(seen.insert(rule.code), "{} is registered twice", rule.code);
        assert_eq!(RuleId::from_code(rule.code), Some(rule.id));
    }
}

#[test]
fn every_rule_has_a_statement_and_a_citation() {
    for rule in rules::all() {
        assert!(
            rule.statement.ends_with('.'),
            "{}: the statement is not a sentence",
            rule.code
        );
        assert!(!rule.citations.is_empty(), "{} cites nothing", rule.code);
        for c in rule.citations {
            assert!(
                c.source.url.starts_with("http"),
                "{}: {} has no address",
                rule.code,
                c.source.key
            );
        }
    }
}

#[test]
fn statements_and_titles_read_as_plain_text_what_rustdoc_reads_as_markdown() {
    // Written with backticks around what rustdoc would take for an HTML tag; shown without.
    for rule in rules::all() {
        assert!(!rule.statement.contains('`'), "{}", rule.code);
    }
    for source in sources::ALL {
        assert!(!source.title.contains('`'), "{}", source.key);
    }
    assert!(
        RuleId::RPC_4
            .info()
            .statement
            .contains("the string binding's Security=<level> <tracking> <effective-only> option")
    );
    assert!(RuleId::CLR_5.info().statement.starts_with(
        "With <legacyImpersonationPolicy enabled=\"true\"/> (or STARTUP_LEGACY_IMPERSONATION)"
    ));
    assert!(
        sources::SEED_003
            .title
            .starts_with("<legacyImpersonationPolicy> Element (.NET Framework)")
    );
}

#[test]
fn ambiguous_rules_and_readings_correspond() {
    for rule in rules::all() {
        let has_readings = ambiguity(rule.id).is_some();
        assert_eq!(
            rule.status == Status::Ambiguous,
            has_readings,
            "{} is {} but {} selectable readings",
            rule.code,
            rule.status,
            if has_readings { "has" } else { "has no" }
        );
    }
    for a in AMBIGUITIES {
        assert!(
            a.readings.len() >= 2,
            "{} offers fewer than two readings",
            a.rule
        );
        let mut names: Vec<&str> = a.readings.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            a.readings.len(),
            "{} repeats a reading name",
            a.rule
        );
    }
}

#[test]
fn every_source_is_cited() {
    let cited: BTreeSet<&str> = rules::all()
        .flat_map(|r| r.citations.iter().map(|c| c.source.key))
        .collect();
    for source in sources::ALL {
        assert!(
            cited.contains(source.key),
            "source {} is cited by no rule",
            source.key
        );
    }
    let keys: BTreeSet<&str> = sources::ALL.iter().map(|s| s.key).collect();
    assert_eq!(keys.len(), sources::ALL.len(), "two sources share a key");
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !(name.starts_with('.') || name == "target") {
                walk(&path, out);
            }
        } else if ["rs", "yaml", "yml", "json", "md", "snap"]
            .iter()
            .any(|ext| name.ends_with(&format!(".{ext}")))
        {
            out.push(path);
        }
    }
}

/// Rule-like tokens (`ABC-12`) in `text` whose prefix is one the registry uses.
fn rule_mentions(text: &str, prefixes: &BTreeSet<&str>) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_uppercase() {
            i += 1;
        }
        let letters = i - start;
        let boundary = start == 0 || !bytes[start - 1].is_ascii_alphanumeric();
        if letters >= 2 && boundary && i < bytes.len() && bytes[i] == b'-' {
            let digits_start = i + 1;
            let mut j = digits_start;
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            let ends = j == bytes.len() || !bytes[j].is_ascii_alphanumeric();
            if j > digits_start && ends {
                let prefix = &text[start..i];
                if prefixes.contains(prefix) {
                    found.push(text[start..j].to_owned());
                }
            }
            i = j.max(i + 1);
        } else if i == start {
            i += 1;
        }
    }
    found
}

#[test]
fn no_file_names_an_unregistered_rule() {
    let prefixes: BTreeSet<&str> = rules::all().map(|r| r.id.prefix()).collect();
    let mut files = Vec::new();
    walk(&workspace_root(), &mut files);
    assert!(
        !files.is_empty(),
        "no source files found under the workspace"
    );
    let mut unknown = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for id in rule_mentions(&text, &prefixes) {
            if RuleId::from_code(&id).is_none() {
                unknown.push(format!("{}: {id}", file.display()));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "unregistered rule ids:\n{}",
        unknown.join("\n")
    );
}

#[test]
fn the_mention_scanner_finds_ids_and_only_ids() {
    let prefixes: BTreeSet<&str> = ["IMP", "TOK"].into_iter().collect();
    let found = rule_mentions(
        "IMP-4 and TOK-10, not XIMP-4, IMP-4a or UTF-8; (IMP-2)",
        &prefixes,
    );
    assert_eq!(found, vec!["IMP-4", "TOK-10", "IMP-2"]);
}
