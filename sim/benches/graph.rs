//! `cargo bench -p tokenhop-sim`: the delegation graph and its reachability query on
//! generated domains of 1,000 to 20,000 accounts (states searched per second, and how the
//! cost grows with the domain), and one query answered from a topology file. The same
//! measurements as `tokenhop bench`, which goes to 10,000 accounts by default and further
//! with `--accounts`.

use std::num::NonZeroU32;

/// Reachability queries per size (not zero: checked when this is evaluated, at compile time).
const QUERIES: NonZeroU32 = NonZeroU32::new(200).unwrap();

fn main() {
    let sizes = [1_000, 2_000, 5_000, 10_000, 20_000];
    let mut rows = Vec::new();
    for n in sizes {
        match tokenhop_sim::bench::measure(n, QUERIES) {
            Ok(row) => rows.push(row),
            Err(e) => {
                eprintln!("the generated domain of {n} accounts cannot be measured: {e}");
                std::process::exit(2);
            }
        }
    }
    println!("The delegation graph of generated domains, 200 reachability queries per size:");
    print!("{}", tokenhop_sim::bench::table(&rows));
    let mut files = Vec::new();
    for n in sizes {
        match tokenhop_sim::bench::from_file(n) {
            Ok(f) => files.push(f),
            Err(e) => {
                eprintln!("the generated topology of {n} accounts cannot be measured: {e}");
                std::process::exit(2);
            }
        }
    }
    println!("\nOne query from a topology file:");
    print!("{}", tokenhop_sim::bench::file_table(&files));
}
