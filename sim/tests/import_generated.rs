//! The generated BloodHound collections the import benchmark measures: they are in the
//! format the importer reads (every field known, every object imported), they hold every
//! delegation setting the benchmark claims to exercise, and a seed gives the same bytes.

#![allow(clippy::panic, reason = "a test reports failure by panicking")]

use std::path::PathBuf;

use tokenhop_sim::import::sharphound::generate::{Proportions, write_collection};
use tokenhop_sim::import::sharphound::{Settings, import};

fn folder(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tokenhop-generated-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

#[test]
fn a_generated_collection_imports_whole_with_every_delegation_setting() {
    let dir = folder("whole");
    let generated = write_collection(&dir, 4_000, 7).unwrap_or_else(|e| panic!("generating: {e}"));
    let imported = import(std::slice::from_ref(&dir), &Settings::default())
        .unwrap_or_else(|e| panic!("importing: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let p = generated.proportions;
    assert_eq!(p, Proportions::of(4_000).unwrap_or_else(|e| panic!("{e}")));
    let r = &imported.report;
    assert_eq!(
        (r.users, r.computers, r.groups),
        (3_000, 800, 200),
        "75% users, 20% computers, 5% groups"
    );
    assert_eq!(imported.dir.accounts.len(), 4_000);
    for f in &r.files {
        assert!(f.read, "{} was read", f.name);
        assert!(
            f.unknown_fields.is_empty(),
            "{}: the generator writes only fields of the format: {:?}",
            f.name,
            f.unknown_fields
        );
    }
    assert_eq!(r.dcs, 2, "two domain controllers");
    for (what, count) in [
        ("unconstrained delegation", r.unconstrained),
        ("constrained delegation", r.constrained),
        ("protocol transition", r.protocol_transition),
        ("RBCD lists", r.rbcd),
        ("sensitive accounts", r.sensitive),
        ("Protected Users members", r.protected_users),
        ("RBCD-list writers", r.writers.0),
        ("SPN writers", r.writers.1),
        ("disabled accounts", r.disabled),
    ] {
        assert!(count > 0, "the collection has {what}");
    }
    assert!(!imported.dir.services.is_empty(), "SPNs make services");
}

#[test]
fn a_seed_gives_the_same_collection() {
    let (a, b) = (folder("seed-a"), folder("seed-b"));
    for dir in [&a, &b] {
        write_collection(dir, 500, 11).unwrap_or_else(|e| panic!("generating: {e}"));
    }
    for kind in ["users", "computers", "groups", "domains"] {
        let name = format!("20260101000000_{kind}.json");
        let read = |d: &PathBuf| std::fs::read(d.join(&name)).unwrap_or_default();
        assert_eq!(read(&a), read(&b), "{name}");
        assert!(!read(&a).is_empty(), "{name} was written");
    }
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn a_collection_larger_than_its_rids_is_refused() {
    let dir = folder("too-large");
    let refused = write_collection(&dir, u32::MAX, 1);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(refused.is_err(), "more objects than 32-bit RIDs number");
}
