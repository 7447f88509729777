//! `cargo bench -p tokenhop-sim`: the delegation graph and its reachability query on
//! generated domains of 1,000 to 20,000 accounts (states searched per second, and how the
//! cost grows with the domain), and one query answered from a topology file. The same
//! measurements as `tokenhop bench`, which goes to 10,000 accounts by default and further
//! with `--accounts`.

fn main() {
    let sizes = [1_000, 2_000, 5_000, 10_000, 20_000];
    let rows: Vec<_> = sizes
        .iter()
        .map(|n| tokenhop_sim::bench::measure(*n, 200))
        .collect();
    println!("The delegation graph of generated domains, 200 reachability queries per size:");
    print!("{}", tokenhop_sim::bench::table(&rows));
    let mut files = Vec::new();
    for n in sizes {
        match tokenhop_sim::bench::from_file(n) {
            Ok(f) => files.push(f),
            Err(e) => {
                eprintln!("the generated topology of {n} accounts does not load: {e}");
                std::process::exit(2);
            }
        }
    }
    println!("\nOne query from a topology file:");
    print!("{}", tokenhop_sim::bench::file_table(&files));
}
