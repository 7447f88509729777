//! The README's "Using tokenhop in your own tests" shows the tutorial's first example, which
//! `cargo test` compiles and runs as this crate's doctest: the two must not drift apart.

use std::error::Error;
use std::path::Path;

/// The lines of the first ```` ```rust ```` block after `heading` in `text`.
fn rust_block_after<'a>(text: &'a str, heading: &str) -> Option<Vec<&'a str>> {
    let (_, rest) = text.split_once(heading)?;
    let (_, rest) = rest.split_once("```rust\n")?;
    let (block, _) = rest.split_once("\n```")?;
    Some(block.lines().collect())
}

/// The visible lines of the first Rust code block of the crate documentation (`//!` lines),
/// without the lines rustdoc hides (`# `).
fn tutorial_block(lib: &str) -> Option<Vec<String>> {
    let doc: Vec<&str> = lib
        .lines()
        .map_while(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    // Fences alternate, opening and closing; rustdoc compiles a block whose opening fence
    // names no language, or `rust`.
    let fences: Vec<usize> = (0..doc.len())
        .filter(|i| doc.get(*i).is_some_and(|l| l.starts_with("```")))
        .collect();
    let (open, close) = fences
        .chunks(2)
        .filter_map(|pair| match pair {
            [open, close] => Some((*open, *close)),
            _ => None,
        })
        .find(|(open, _)| {
            doc.get(*open)
                .is_some_and(|l| matches!(*l, "```" | "```rust"))
        })?;
    Some(
        doc.iter()
            .take(close)
            .skip(open + 1)
            .filter(|l| !(l.starts_with("# ") || **l == "#"))
            .map(|l| (*l).to_owned())
            .collect(),
    )
}

#[test]
fn the_readme_shows_the_tutorials_first_example_verbatim() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("../README.md"))?;
    let lib = std::fs::read_to_string(root.join("src/lib.rs"))?;
    let shown = rust_block_after(&readme, "## Using tokenhop in your own tests")
        .ok_or("the README has the section, with a rust block")?;
    let tested = tutorial_block(&lib).ok_or("the crate documentation has a code block")?;
    assert!(tested.len() > 10, "{tested:#?}");
    assert_eq!(shown, tested);
    Ok(())
}
