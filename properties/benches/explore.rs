//! `cargo bench -p tokenhop-properties --bench explore`: the exhaustive explorer
//! (`tokenhop_check`) on the built-in suites, printed as Markdown tables:
//!
//! 1. throughput on the delegation, atk-1, atk-6, local, com-queued and managed suites,
//!    exhausting the bounded space
//!    (`stop_when_decided: false`): distinct states, transitions, seconds, states per second
//!    (total and per core), transitions per second and bytes per stored state;
//! 2. how the cost grows with the bound: the delegation suite level by level up to its depth
//!    bound, and over growing numbers of directory configurations;
//! 3. the speed-up from one thread to two on the full delegation suite, beside what two
//!    threads gain on the model's transitions alone;
//! 4. the same model through stateright's breadth-first checker, in the same run, with the
//!    ratio of the two engines' states per second and a check that they count the same
//!    unique states (and the same as an exact count, a set of whole states);
//! 5. where one thread's time goes: the model's transition function, the properties and
//!    rule coverage, the fingerprint, and the explorer's own bookkeeping (the visited table
//!    and the frontier), by replaying the same transitions without the explorer.
//!
//! Benchmarks are run by hand (not by `scripts/test-all`); the whole run takes two to three
//! minutes on two cores. Numbers from a busy machine are noisy, so the run starts and ends
//! with a check of whether two threads get two cores, and each run's table shows the cores
//! it kept busy.

use std::collections::HashSet;
use std::hint::black_box;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use stateright::{Checker as _, Model as _};
use tokenhop_check::{self as explore, Claim, Model, Options, Progress, Property, Report};
use tokenhop_properties::suites::chains::StepId as Action;
use tokenhop_properties::suites::chains::{Chains, State};
use tokenhop_properties::suites::delegation::{self, Mitigations};

/// The delegation suite's model.
type Delegation = Chains<delegation::Delegation>;
use tokenhop_properties::suites::{self, Suite};

/// The suites of the throughput table.
const THROUGHPUT_SUITES: [&str; 6] = [
    "delegation",
    "atk-1",
    "atk-6",
    "local",
    "com-queued",
    "managed",
];
/// The bounds in the throughput table of the suites whose default runs are too short to
/// measure: one more call than their defaults (local 1.6 M states, com-queued 4.9 M,
/// managed 15.1 M).
const DEEPER: [(&str, u32); 3] = [("local", 5), ("com-queued", 5), ("managed", 7)];
/// The configuration counts of the growth table (the first N configurations, low bits
/// varying: the user's flags first, then the front end's, the middle tier's, the back end's).
const CONFIG_COUNTS: [u16; 4] = [64, 256, 1024, 4096];
/// The configurations of the stateright comparison and of the time breakdown: a subset, so
/// that the four comparison runs and the replays stay within a few seconds each.
const COMPARE_CONFIGS: u16 = 512;

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let run_start = Instant::now();
    println!("# tokenhop explorer benchmarks\n");
    println!(
        "{cores} cores available; load average before the run: {}; stateright {}; a release build (the bench profile).\n",
        load_average(),
        stateright_version()
    );
    print_machine_check("before the run");
    println!();

    // 1. Throughput; the delegation run's per-level progress also gives the depth table.
    let mut throughput = Vec::new();
    let mut levels = Vec::new();
    for name in THROUGHPUT_SUITES {
        let Some(suite) = suites::suite(name) else {
            eprintln!("warning: no built-in suite `{name}`; skipped");
            continue;
        };
        let recorded = Mutex::new(Vec::new());
        let record = |p: &Progress| {
            recorded
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(*p);
        };
        let depth = DEEPER
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(suite.depth, |(_, d)| *d);
        let (report, cpu) = with_cpu(|| (suite.run)(&exhaustive(depth, cores), &record));
        let report = match report {
            Ok(report) => report,
            Err(e) => {
                eprintln!("warning: suite `{name}`: {e}; skipped");
                continue;
            }
        };
        if name == "delegation" {
            levels = recorded
                .into_inner()
                .unwrap_or_else(PoisonError::into_inner);
        }
        throughput.push((suite, report, cpu));
    }
    print_throughput(&throughput);

    let Some((delegation_suite, full, full_cpu)) = throughput
        .iter()
        .find(|(s, _, _)| s.name == "delegation")
        .map(|(s, r, cpu)| (*s, r.clone(), *cpu))
    else {
        eprintln!("error: the delegation suite did not run; nothing more to measure");
        return;
    };

    // 2. Growth with the bound.
    print_depths(&levels, &full, delegation_suite.depth);
    print_configs(&full, delegation_suite.depth, cores);

    // 2b. The engine alone: a model whose transition costs almost nothing.
    print_engine_ceiling(cores);

    // 3. One thread against two, with the model alone on a subset of the configurations
    // for a control; 4. stateright, and 5. where the time goes, on the same subset.
    let configs: Vec<u16> = (0..COMPARE_CONFIGS).collect();
    let exact = exact_bfs(&model(&configs), delegation_suite.depth);
    print_threads(
        (&full, full_cpu),
        delegation_suite.depth,
        cores,
        &configs,
        &exact,
    );
    compare_with_stateright(&configs, delegation_suite.depth, &exact);
    print_breakdown(&configs, delegation_suite.depth, &exact);

    println!();
    print_machine_check("after the run");
    println!(
        "\nThe whole benchmark took {:.0} s; load average after it: {}.",
        run_start.elapsed().as_secs_f64(),
        load_average()
    );
}

/// Runs `f`, returning its result and the CPU seconds the process spent meanwhile.
fn with_cpu<T>(f: impl FnOnce() -> T) -> (T, Option<f64>) {
    let before = cpu_seconds();
    let out = f();
    let after = cpu_seconds();
    (out, before.zip(after).map(|(b, a)| a - b))
}

/// The CPU seconds (user and system, every thread) the process has spent so far, from
/// `/proc/self/stat` where there is one (in clock ticks of 1/100 s).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which may hold spaces, in parentheses): state is
    // the 3rd field of the line, utime the 14th and stime the 15th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// CPU seconds over wall-clock seconds: how many cores a run kept busy.
fn cores_busy(cpu: Option<f64>, elapsed: Duration) -> String {
    match cpu {
        Some(cpu) if elapsed > Duration::ZERO => format!("{:.2}", cpu / elapsed.as_secs_f64()),
        _ => "?".to_owned(),
    }
}

/// Whether two threads get two cores: a loop of arithmetic (no memory, no locks) on one
/// thread and then split over two. Other work on the machine shows here as a speed-up
/// well below 2.
fn print_machine_check(when: &str) {
    fn spin(n: u64) -> u64 {
        let mut x = 1u64;
        for i in 0..n {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(black_box(i));
        }
        x
    }
    const WORK: u64 = 600_000_000;
    let time = |threads: u64| {
        let start = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(move || black_box(spin(WORK / threads)));
            }
        });
        start.elapsed().as_secs_f64()
    };
    let (one, two) = (time(1), time(2));
    let speedup = if two > 0.0 { one / two } else { 0.0 };
    println!(
        "Machine check {when}: a loop of arithmetic takes {one:.2} s on one thread and {two:.2} s split over two, a speed-up of {speedup:.2}x{}.",
        if speedup < 1.8 {
            " (WARNING: the second core is busy with other work; this run's multi-threaded numbers understate what two free cores give)"
        } else {
            " (two free cores)"
        }
    );
}

/// Options that exhaust the bounded space.
fn exhaustive(depth: u32, threads: usize) -> Options {
    Options::exhaustive(depth, threads)
}

/// The delegation suite's model, every fix on, over `configs`.
fn model(configs: &[u16]) -> Delegation {
    built(delegation::Delegation::with_configs(
        Mitigations::ON,
        configs.iter().copied(),
    ))
}

/// The model, or the reason it could not be built, printed, and the benchmark stopped.
fn built(
    model: Result<Delegation, tokenhop_properties::suites::chains::ChainsError>,
) -> Delegation {
    match model {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: the delegation suite's model: {e}");
            std::process::exit(2);
        }
    }
}

fn print_throughput(runs: &[(&Suite, Report, Option<f64>)]) {
    println!("## 1. Throughput on the built-in suites\n");
    println!(
        "Each suite's whole space within its depth bound (`stop_when_decided: false`), every property checked on every transition, all cores.\n"
    );
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|(suite, r, cpu)| {
            let secs = r.elapsed.as_secs_f64();
            let expected = r.findings.iter().all(|f| suites::as_expected(suite, f));
            vec![
                suite.name.to_owned(),
                r.depth.to_string(),
                r.threads.to_string(),
                thousands(r.states),
                thousands(r.transitions),
                format!("{secs:.2}"),
                cores_busy(*cpu, r.elapsed),
                thousands_f(r.states_per_second()),
                thousands_f(r.states_per_second() / r.threads as f64),
                thousands_f(per_second(r.transitions, r.elapsed)),
                format!("{:.1}", r.bytes_per_state),
                if expected { "yes" } else { "NO" }.to_owned(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "suite",
                "depth",
                "threads",
                "distinct states",
                "transitions",
                "seconds",
                "cores busy",
                "states/s",
                "states/s per core",
                "transitions/s",
                "bytes/state",
                "findings as expected",
            ],
            &rows,
        )
    );
    println!(
        "\nBytes per state: the visited table's capacity times its entry (fingerprint, parent fingerprint, action index, control byte) over the states stored; the frontier's whole states are not counted. Cores busy: the process's CPU seconds over the wall-clock seconds (2.00 when both threads ran all the time).\n"
    );
}

fn print_depths(levels: &[Progress], full: &Report, depth: u32) {
    println!("## 2. Cost as the bound grows\n");
    println!(
        "### Depth (the delegation suite, {} configurations, {} threads)\n",
        all_configs(),
        full.threads
    );
    println!(
        "Read from the per-level progress of the depth-{depth} run of table 1: the search goes level by level, so a run with `Budget.depth = d` stops with exactly the states and (to within its wind-down) the time of level d.\n"
    );
    let mut rows = Vec::new();
    let mut previous: Option<&Progress> = None;
    for p in levels {
        let new = p.states - previous.map_or(0, |q| q.states);
        let level_time = p.elapsed - previous.map_or(Duration::ZERO, |q| q.elapsed);
        rows.push(vec![
            p.depth.to_string(),
            thousands(p.states),
            thousands(new),
            format!("{:.2}", p.elapsed.as_secs_f64()),
            format!("{:.2}", level_time.as_secs_f64()),
            thousands_f(per_second(new, level_time)),
            thousands(p.frontier as u64),
        ]);
        previous = Some(p);
    }
    print!(
        "{}",
        table(
            &[
                "depth",
                "distinct states",
                "new at this level",
                "seconds (cumulative)",
                "seconds (this level)",
                "new states/s",
                "frontier after",
            ],
            &rows,
        )
    );
    // A cross-check of the reading above: a separate run bounded at depth 1.
    let one = explore::explore(&model_all(), &exhaustive(1, full.threads), &|_| {});
    if let Some(first) = levels.first()
        && first.states != one.states
    {
        println!(
            "\nWARNING: a separate run at depth 1 stored {} states, the progress of level 1 said {}.",
            one.states, first.states
        );
    } else {
        println!(
            "\n(A separate run with `Budget.depth = 1` stores the same {} states, in {:.2} s.)",
            thousands(one.states),
            one.elapsed.as_secs_f64()
        );
    }
    println!();
}

/// How many configurations the whole delegation suite has.
fn all_configs() -> u32 {
    1 << delegation::CONFIG_BITS
}

fn model_all() -> Delegation {
    built(delegation::Delegation::new(Mitigations::ON))
}

fn print_configs(full: &Report, depth: u32, threads: usize) {
    println!("### Configurations (the delegation suite, depth {depth}, {threads} threads)\n");
    println!(
        "The first N of the {} configurations (`Delegation::with_configs`); the {} row is table 1's run.\n",
        all_configs(),
        all_configs()
    );
    let mut rows = Vec::new();
    for n in CONFIG_COUNTS {
        let report = if u32::from(n) >= 1 << delegation::CONFIG_BITS {
            full.clone()
        } else {
            let configs: Vec<u16> = (0..n).collect();
            explore::explore(&model(&configs), &exhaustive(depth, threads), &|_| {})
        };
        rows.push(vec![
            thousands(u64::from(n)),
            thousands(report.states),
            thousands(report.transitions),
            format!("{:.2}", report.elapsed.as_secs_f64()),
            thousands_f(report.states_per_second()),
            thousands_f(report.states as f64 / f64::from(n)),
            format!("{:.1}", report.bytes_per_state),
        ]);
    }
    print!(
        "{}",
        table(
            &[
                "configurations",
                "distinct states",
                "transitions",
                "seconds",
                "states/s",
                "states per configuration",
                "bytes/state",
            ],
            &rows,
        )
    );
    println!();
}

fn print_threads(
    (full, full_cpu): (&Report, Option<f64>),
    depth: u32,
    cores: usize,
    configs: &[u16],
    exact: &Exact,
) {
    println!("## 3. One thread against two (the full delegation suite, depth {depth})\n");
    let mut runs = Vec::new();
    for threads in [1, 2] {
        if threads == full.threads {
            runs.push((full.clone(), full_cpu));
        } else {
            runs.push(with_cpu(|| {
                explore::explore(&model_all(), &exhaustive(depth, threads), &|_| {})
            }));
        }
    }
    let base = runs.first().map_or(0.0, |(r, _)| r.elapsed.as_secs_f64());
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|(r, cpu)| {
            let secs = r.elapsed.as_secs_f64();
            vec![
                r.threads.to_string(),
                thousands(r.states),
                format!("{secs:.2}"),
                cores_busy(*cpu, r.elapsed),
                thousands_f(r.states_per_second()),
                format!("{:.2}x", if secs > 0.0 { base / secs } else { 0.0 }),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "threads",
                "distinct states",
                "seconds",
                "cores busy",
                "states/s",
                "speed-up"
            ],
            &rows
        )
    );
    let first = runs.first().map(|(r, _)| r.states);
    if runs.iter().any(|(r, _)| Some(r.states) != first) {
        println!("\nWARNING: the runs stored different numbers of states.");
    }
    if cores < 2 {
        println!("\n(Only {cores} core available: two threads share it.)");
    }
    // The control: the model's transitions alone, no explorer, the expanded states dealt
    // out to the threads in turn; what two threads can gain on this machine.
    let m = model(configs);
    let alone: Vec<Duration> = [1, 2]
        .into_iter()
        .map(|t| timed_replay(&m, &exact.expanded, Replay::Next, t))
        .collect();
    if let [one, two] = alone[..] {
        println!(
            "\nFor comparison, the model's `actions` and `next` alone on the same transitions of the first {} configurations (no explorer: the states dealt out to the threads in turn) take {:.2} s on one thread and {:.2} s on two, a speed-up of {:.2}x: the most two threads gain here.",
            configs.len(),
            one.as_secs_f64(),
            two.as_secs_f64(),
            if two > Duration::ZERO {
                one.as_secs_f64() / two.as_secs_f64()
            } else {
                0.0
            }
        );
    }
    println!();
}

/// The delegation suite seen through stateright's `Model`: the same initial states, actions
/// and transitions, and one invariant, INV-1 in its state form (stateright's properties
/// are predicates of one state, the suite's of one transition).
struct Stateright {
    inner: Delegation,
    inv1: Property<Delegation>,
}

impl stateright::Model for Stateright {
    type State = State;
    type Action = Action;

    fn init_states(&self) -> Vec<State> {
        self.inner.initial_states()
    }

    fn actions(&self, state: &State, actions: &mut Vec<Action>) {
        Model::actions(&self.inner, state, actions);
    }

    fn next_state(&self, state: &State, action: Action) -> Option<State> {
        self.inner.next(state, &action).map(|(next, _)| next)
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        // The suite's INV-1 on the transition from a state to itself: a sensitive user
        // presented two machine boundaries away (a self-transition is never S4U2proxy;
        // INV-1 does not read the action).
        vec![stateright::Property::always(
            "INV-1",
            |m: &Self, s: &State| {
                !matches!(
                    m.inv1
                        .check(&m.inner, s, &Action(0), s, &Default::default()),
                    explore::Observation::Violation(_)
                )
            },
        )]
    }
}

/// One engine's run in the comparison.
struct Run {
    engine: &'static str,
    threads: usize,
    states: u64,
    /// Successors computed, repeats included (stateright's `state_count` also counts the
    /// initial states; they are taken off).
    transitions: u64,
    elapsed: Duration,
    cpu: Option<f64>,
}

fn run_tokenhop(configs: &[u16], depth: u32, threads: usize) -> Run {
    let options = Options {
        only: vec!["INV-1".to_owned()],
        ..exhaustive(depth, threads)
    };
    let m = model(configs);
    let (r, cpu) = with_cpu(|| explore::explore(&m, &options, &|_| {}));
    Run {
        engine: "tokenhop",
        threads,
        states: r.states,
        transitions: r.transitions,
        elapsed: r.elapsed,
        cpu,
    }
}

fn run_stateright(configs: &[u16], depth: u32, threads: usize, inv1: Property<Delegation>) -> Run {
    let sr = Stateright {
        inner: model(configs),
        inv1,
    };
    let initial = sr.inner.initial_states().len() as u64;
    let start = Instant::now();
    let (checker, cpu) = with_cpu(|| {
        sr.checker()
            .threads(threads)
            .target_max_depth(depth as usize + 1)
            .spawn_bfs()
            .join()
    });
    let elapsed = start.elapsed();
    if !checker.discoveries().is_empty() {
        println!(
            "WARNING: stateright found a counterexample to INV-1 (tokenhop's INV-1 holds with every fix on).\n"
        );
    }
    Run {
        engine: "stateright",
        threads,
        states: checker.unique_state_count() as u64,
        transitions: (checker.state_count() as u64).saturating_sub(initial),
        elapsed,
        cpu,
    }
}

fn compare_with_stateright(configs: &[u16], depth: u32, exact: &Exact) {
    let n = configs.len();
    println!("## 4. The same model through stateright\n");
    let Some(inv1) = delegation::properties()
        .into_iter()
        .find(|p| p.id == "INV-1")
    else {
        eprintln!(
            "warning: the delegation suite has no INV-1; the stateright comparison is skipped"
        );
        return;
    };
    let all = all_configs();
    println!(
        "The delegation suite over its first {n} configurations (of {all}, to keep the eight runs short; each run twice, the engines in turn, the faster kept), depth {depth}, every fix on, INV-1 the only property in both engines. tokenhop: `explore` with `Budget.depth = {depth}`, `only: [\"INV-1\"]`; stateright {}: `checker().threads(t).target_max_depth({}).spawn_bfs().join()` (stateright counts an initial state as depth 1 and generates, but does not expand, the states at the target depth, so its target {} is tokenhop's bound {depth}).\n",
        stateright_version(),
        depth + 1,
        depth + 1
    );
    // Each run twice, the engines in turn, keeping the faster of each pair.
    let mut runs: Vec<Run> = Vec::new();
    for threads in [1, 2] {
        let mut best: [Option<Run>; 2] = [None, None];
        for _ in 0..2 {
            let pair = [
                run_tokenhop(configs, depth, threads),
                run_stateright(configs, depth, threads, inv1.clone()),
            ];
            for (slot, run) in best.iter_mut().zip(pair) {
                if slot.as_ref().is_none_or(|b| run.elapsed < b.elapsed) {
                    *slot = Some(run);
                }
            }
        }
        runs.extend(best.into_iter().flatten());
    }
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            vec![
                r.engine.to_owned(),
                r.threads.to_string(),
                thousands(r.states),
                thousands(r.transitions),
                format!("{:.2}", r.elapsed.as_secs_f64()),
                cores_busy(r.cpu, r.elapsed),
                thousands_f(per_second(r.states, r.elapsed)),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "engine",
                "threads",
                "unique states",
                "transitions",
                "seconds",
                "cores busy",
                "states/s"
            ],
            &rows
        )
    );
    println!();
    for threads in [1, 2] {
        let pick = |engine: &str| {
            runs.iter()
                .find(|r| r.engine == engine && r.threads == threads)
        };
        if let (Some(t), Some(s)) = (pick("tokenhop"), pick("stateright")) {
            let ratio = per_second(t.states, t.elapsed) / per_second(s.states, s.elapsed);
            println!(
                "- {threads} thread{}: tokenhop/stateright states per second = **{ratio:.2}**",
                if threads == 1 { "" } else { "s" }
            );
        }
    }
    println!(
        "\nAn exact count (a set of whole states, no fingerprints, one thread): {} unique states, {} transitions.",
        thousands(exact.states),
        thousands(exact.transitions)
    );
    let mut agree = true;
    for r in &runs {
        if r.states != exact.states || r.transitions != exact.transitions {
            agree = false;
            println!(
                "WARNING: {} with {} threads counted {} unique states and {} transitions, the exact count {} and {}.",
                r.engine, r.threads, r.states, r.transitions, exact.states, exact.transitions
            );
        }
    }
    if agree {
        println!(
            "Both engines, at both thread counts, count the same unique states and transitions as the exact count."
        );
    }
    println!(
        "\nNote: both count the distinct states reachable within the bound, the initial states included, each once whatever its depth (neither keys a state by its depth). They check INV-1 differently: tokenhop on each transition, stateright on each state it expands (its state form, `(INV-1.check)(s, _, s)`: a sensitive user presented two boundaries away), and stateright keeps each pending state's whole action path where tokenhop keeps a parent fingerprint in the table.\n"
    );
}

/// The exact breadth-first search: whole states in a set.
struct Exact {
    /// The states a search bounded at the depth expands (every level but the last).
    expanded: Vec<State>,
    states: u64,
    transitions: u64,
}

fn exact_bfs(model: &Delegation, depth: u32) -> Exact {
    let mut seen: HashSet<State> = HashSet::new();
    let mut frontier: Vec<State> = model
        .initial_states()
        .into_iter()
        .filter(|s| seen.insert(s.clone()))
        .collect();
    let mut expanded = Vec::new();
    let mut transitions = 0u64;
    let mut actions = Vec::new();
    for _ in 0..depth {
        let mut next = Vec::new();
        for s in &frontier {
            actions.clear();
            model.actions(s, &mut actions);
            for a in &actions {
                if let Some((t, _)) = model.next(s, a) {
                    transitions += 1;
                    if seen.insert(t.clone()) {
                        next.push(t);
                    }
                }
            }
        }
        expanded.append(&mut frontier);
        frontier = next;
    }
    Exact {
        expanded,
        states: seen.len() as u64,
        transitions,
    }
}

/// How far a replay goes beyond the model's transition function.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replay {
    Next,
    Checks,
    Fingerprint,
}

/// Replays every transition the bounded search makes from `states`, without the explorer.
fn replay<'a>(model: &Delegation, states: impl Iterator<Item = &'a State>, upto: Replay) {
    let properties = model.properties();
    let mut actions = Vec::new();
    let mut rules = tokenhop_model::core::decision::RuleSet::default();
    for s in states {
        actions.clear();
        model.actions(s, &mut actions);
        for a in &actions {
            let Some((t, outcome)) = model.next(s, a) else {
                continue;
            };
            if upto != Replay::Next {
                model.applied_rules(&outcome, &mut rules);
                for p in &properties {
                    let _ = black_box(p.check(model, s, a, &t, &outcome));
                }
            }
            if upto == Replay::Fingerprint {
                black_box(model.fingerprint(&t));
            }
            black_box((t, outcome));
        }
    }
    black_box(rules);
}

/// The time of a replay on `threads` threads, each taking every `threads`-th state.
fn timed_replay(model: &Delegation, states: &[State], upto: Replay, threads: usize) -> Duration {
    let start = Instant::now();
    std::thread::scope(|scope| {
        for k in 0..threads {
            scope.spawn(move || replay(model, states.iter().skip(k).step_by(threads), upto));
        }
    });
    start.elapsed()
}

fn print_breakdown(configs: &[u16], depth: u32, exact: &Exact) {
    let n = configs.len();
    println!("## 5. Where one thread's time goes\n");
    println!(
        "The delegation suite over its first {n} configurations, depth {depth}, one thread, every property, each measured twice and the faster kept: the explorer's run against replays of the same {} transitions (from the {} states it expands) that stop after the model's `next`, after the property checks and rule coverage, and after the fingerprint. The rest is the explorer's own: the sharded visited table, its locks, and the frontier.\n",
        thousands(exact.transitions),
        thousands(exact.expanded.len() as u64)
    );
    let m = model(configs);
    // Each measured twice, in turn, the faster kept.
    let mut run = explore::explore(&m, &exhaustive(depth, 1), &|_| {});
    let mut times = [Duration::MAX; 3];
    for round in 0..2 {
        if round > 0 {
            let again = explore::explore(&m, &exhaustive(depth, 1), &|_| {});
            if again.elapsed < run.elapsed {
                run = again;
            }
        }
        for (t, upto) in times
            .iter_mut()
            .zip([Replay::Next, Replay::Checks, Replay::Fingerprint])
        {
            *t = (*t).min(timed_replay(&m, &exact.expanded, upto, 1));
        }
    }
    let [next, checks, fingerprint] = times;
    let total = run.elapsed.as_secs_f64();
    let parts = [
        ("the model: `actions` and `next`", next.as_secs_f64()),
        (
            "the property checks and rule coverage",
            (checks.as_secs_f64() - next.as_secs_f64()).max(0.0),
        ),
        (
            "the fingerprint (`Model::fingerprint`)",
            (fingerprint.as_secs_f64() - checks.as_secs_f64()).max(0.0),
        ),
        (
            "the explorer's bookkeeping (table, locks, frontier)",
            total - fingerprint.as_secs_f64(),
        ),
    ];
    let mut rows: Vec<Vec<String>> = parts
        .iter()
        .map(|(what, secs)| {
            vec![
                (*what).to_owned(),
                format!("{secs:.2}"),
                format!(
                    "{:.0} %",
                    if total > 0.0 {
                        100.0 * secs / total
                    } else {
                        0.0
                    }
                ),
                format!(
                    "{:.0}",
                    if exact.transitions > 0 {
                        secs * 1e9 / exact.transitions as f64
                    } else {
                        0.0
                    }
                ),
            ]
        })
        .collect();
    rows.push(vec![
        "the explorer's run".to_owned(),
        format!("{total:.2}"),
        "100 %".to_owned(),
        format!(
            "{:.0}",
            if run.transitions > 0 {
                total * 1e9 / run.transitions as f64
            } else {
                0.0
            }
        ),
    ]);
    print!(
        "{}",
        table(&["part", "seconds", "share", "ns per transition"], &rows)
    );
    println!(
        "\nEach part is the difference between two timings, so a part near zero (or below it) is within the run-to-run noise, a few per cent of the whole."
    );
    if run.transitions != exact.transitions {
        println!(
            "\nWARNING: the explorer made {} transitions, the replay {}.",
            run.transitions, exact.transitions
        );
    }
}

/// A Markdown table, the first column left-aligned and the others right-aligned.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = String>| {
        let mut out = String::from("|");
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i == 0 {
                out.push_str(&format!(" {cell:<w$} |"));
            } else {
                out.push_str(&format!(" {cell:>w$} |"));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(&mut headers.iter().map(|h| (*h).to_owned()));
    let mut rule = String::from("|");
    for (i, w) in widths.iter().enumerate() {
        let w = (*w).max(3);
        if i == 0 {
            rule.push_str(&format!(" {} |", "-".repeat(w)));
        } else {
            rule.push_str(&format!(" {}: |", "-".repeat(w - 1)));
        }
    }
    out.push_str(&rule);
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().cloned()));
    }
    out
}

fn per_second(n: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { n as f64 / secs } else { 0.0 }
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn thousands_f(x: f64) -> String {
    thousands(x.round().max(0.0) as u64)
}

/// The one-minute load average, from `/proc/loadavg` where there is one.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Stateright's version, from the workspace's lock file.
fn stateright_version() -> String {
    let lock = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    let text = std::fs::read_to_string(lock).unwrap_or_default();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"stateright\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
        {
            return version.trim_matches('"').to_owned();
        }
    }
    "(version unknown)".to_owned()
}

/// A model whose transitions cost almost nothing: four counters below a bound, each action
/// raising one. It measures the explorer's own ceiling (table, fingerprints, frontier,
/// threads), against which the suites' figures show the cost of the semantics.
struct Grid {
    limit: u8,
}

impl Model for Grid {
    type State = [u8; 4];
    type Action = usize;
    type Outcome = ();

    fn initial_states(&self) -> Vec<[u8; 4]> {
        vec![[0; 4]]
    }

    fn actions(&self, _: &[u8; 4], out: &mut Vec<usize>) {
        out.extend(0..4);
    }

    fn next(&self, s: &[u8; 4], a: &usize) -> Option<([u8; 4], ())> {
        let mut t = *s;
        let slot = t.get_mut(*a)?;
        if *slot + 1 >= self.limit {
            return None;
        }
        *slot += 1;
        Some((t, ()))
    }

    fn fingerprint(&self, s: &[u8; 4]) -> u64 {
        explore::fingerprint::of(s)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::<Self>::always(
            Claim {
                id: "GRID",
                statement: "The counters never all reach the bound.",
                rests_on: &[],
            },
            |m, _, _, t, _| {
                if t.iter().all(|c| *c + 1 == m.limit) {
                    Err(explore::Violation::new("all at the bound"))
                } else {
                    Ok(())
                }
            },
        )]
    }
}

fn print_engine_ceiling(cores: usize) {
    println!("## 2b. The explorer's own ceiling (a model whose transitions cost nothing)\n");
    let mut rows = Vec::new();
    for threads in [1, cores.max(1)] {
        let grid = Grid { limit: 48 };
        let mut options = exhaustive(200, threads);
        options.stop_when_decided = false;
        let (report, cpu) = with_cpu(|| explore::explore(&grid, &options, &|_| {}));
        rows.push(vec![
            threads.to_string(),
            thousands(report.states),
            thousands(report.transitions),
            format!("{:.2}", report.elapsed.as_secs_f64()),
            cores_busy(cpu, report.elapsed),
            thousands_f(report.states_per_second()),
            thousands_f(report.states_per_second() / threads as f64),
            format!("{:.1}", report.bytes_per_state),
        ]);
    }
    for threads in [1, cores.max(1)] {
        let grid = GridSr(Grid { limit: 48 });
        let start = Instant::now();
        let (checker, cpu) = with_cpu(|| grid.checker().threads(threads).spawn_bfs().join());
        let elapsed = start.elapsed();
        let states = checker.unique_state_count() as u64;
        rows.push(vec![
            format!("{threads} (stateright)"),
            thousands(states),
            thousands((checker.state_count() as u64).saturating_sub(1)),
            format!("{:.2}", elapsed.as_secs_f64()),
            cores_busy(cpu, elapsed),
            thousands_f(per_second(states, elapsed)),
            thousands_f(per_second(states, elapsed) / threads as f64),
            "-".to_owned(),
        ]);
    }
    print!(
        "{}",
        table(
            &[
                "threads",
                "distinct states",
                "transitions",
                "seconds",
                "cores busy",
                "states/s",
                "states/s per thread",
                "bytes/state"
            ],
            &rows
        )
    );
    let rate = |r: &Vec<String>| {
        r.get(5)
            .and_then(|x| x.replace(',', "").parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    for (i, label) in ["1 thread", "all cores"].iter().enumerate() {
        let (Some(ours), Some(theirs)) = (rows.get(i), rows.get(2 + i)) else {
            continue;
        };
        if rate(theirs) > 0.0 {
            println!(
                "- {label}: tokenhop/stateright states per second on the grid = **{:.2}**",
                rate(ours) / rate(theirs)
            );
        }
    }
    println!(
        "\nFour counters below 48 (48^4 = 5,308,416 states), exhausted. The suites' figures above are this ceiling divided by the cost of the model's transitions: the delegation suite computes about 70 transitions for every new state.\n"
    );
}

/// The grid through stateright's checker.
struct GridSr(Grid);

impl stateright::Model for GridSr {
    type State = [u8; 4];
    type Action = usize;

    fn init_states(&self) -> Vec<[u8; 4]> {
        self.0.initial_states()
    }

    fn actions(&self, state: &[u8; 4], actions: &mut Vec<usize>) {
        Model::actions(&self.0, state, actions);
    }

    fn next_state(&self, state: &[u8; 4], action: usize) -> Option<[u8; 4]> {
        self.0.next(state, &action).map(|(t, ())| t)
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        vec![stateright::Property::always(
            "GRID",
            |m: &Self, s: &[u8; 4]| !s.iter().all(|c| *c + 1 == m.0.limit),
        )]
    }
}
