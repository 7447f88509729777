//! The search itself, on a toy model whose answers are known: two counters that either
//! action raises.

use super::*;

/// Two counters below `limit`; each action raises one.
struct Counters {
    limit: u8,
    symmetric: bool,
}

impl Model for Counters {
    type State = (u8, u8);
    type Action = u8;
    type Outcome = ();

    fn initial_states(&self) -> Vec<(u8, u8)> {
        vec![(0, 0)]
    }

    fn actions(&self, _: &(u8, u8), actions: &mut Vec<u8>) {
        actions.extend([0, 1]);
    }

    fn next(&self, s: &(u8, u8), a: &u8) -> Option<((u8, u8), ())> {
        match a {
            0 if s.0 + 1 < self.limit => Some(((s.0 + 1, s.1), ())),
            1 if s.1 + 1 < self.limit => Some(((s.0, s.1 + 1), ())),
            _ => None,
        }
    }

    fn canonical(&self, s: &(u8, u8)) -> (u8, u8) {
        if self.symmetric && s.1 < s.0 {
            (s.1, s.0)
        } else {
            *s
        }
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::<Self>::always(
                Claim {
                    id: "SUM",
                    statement: "The counters never sum to 5.",
                    rests_on: &[],
                },
                |_, _, _, t, _| {
                    if t.0 + t.1 == 5 {
                        Err(Violation::new(format!("{} + {} = 5", t.0, t.1)))
                    } else {
                        Ok(())
                    }
                },
            ),
            Property::<Self>::sometimes(
                Claim {
                    id: "THREE",
                    statement: "The first counter reaches 3 while the second is 0.",
                    rests_on: &[],
                },
                |_, _, _, t, _| *t == (3, 0),
            ),
        ]
    }
}

fn run(model: &Counters, threads: usize, stop_when_decided: bool) -> Report {
    let options = Options {
        threads,
        stop_when_decided,
        budget: Budget {
            depth: 100,
            ..Budget::default()
        },
        only: Vec::new(),
    };
    explore(model, &options, &|_| {})
}

#[test]
fn every_state_is_stored_once_and_the_space_is_exhausted() {
    let r = run(
        &Counters {
            limit: 10,
            symmetric: false,
        },
        1,
        false,
    );
    assert_eq!(r.states, 100);
    assert!(r.complete);
    assert_eq!(r.limit, None);
    assert!(r.bytes_per_state > 0.0);
}

#[test]
fn two_threads_store_the_same_states_as_one() {
    let m = Counters {
        limit: 40,
        symmetric: false,
    };
    assert_eq!(run(&m, 1, false).states, run(&m, 2, false).states);
}

#[test]
fn counterexamples_and_witnesses_are_shortest_and_replay() {
    let r = run(
        &Counters {
            limit: 10,
            symmetric: false,
        },
        2,
        true,
    );
    let sum = &r.findings[0];
    assert!(!sum.holds());
    let trace = sum.trace().expect("a counterexample");
    assert_eq!(trace.steps.len(), 5, "{trace:?}");
    assert_eq!(trace.initial, "(0, 0)");
    let last = &trace.steps[4].state;
    let (a, b): (u8, u8) = {
        let t = last.trim_matches(|c| c == '(' || c == ')');
        let mut parts = t.split(", ").map(|x| x.parse::<u8>().expect("a number"));
        (parts.next().expect("a"), parts.next().expect("b"))
    };
    assert_eq!(a + b, 5);
    let three = &r.findings[1];
    assert!(three.holds());
    assert_eq!(three.trace().map(|t| t.steps.len()), Some(3));
}

#[test]
fn symmetry_reduction_explores_one_state_per_class() {
    let r = run(
        &Counters {
            limit: 10,
            symmetric: true,
        },
        2,
        false,
    );
    assert_eq!(r.states, 55, "pairs with a <= b");
}

#[test]
fn a_state_budget_stops_the_run_and_says_so() {
    let options = Options {
        threads: 2,
        stop_when_decided: false,
        budget: Budget {
            states: 50,
            ..Budget::default()
        },
        only: Vec::new(),
    };
    let r = explore(
        &Counters {
            limit: 100,
            symmetric: false,
        },
        &options,
        &|_| {},
    );
    assert!(!r.complete);
    assert_eq!(r.limit, Some(Limit::States(50)));
}

#[test]
fn a_search_stopped_by_a_budget_leaves_undecided_what_it_did_not_decide() {
    let options = Options {
        threads: 1,
        stop_when_decided: false,
        budget: Budget {
            states: 3,
            ..Budget::default()
        },
        only: Vec::new(),
    };
    let r = explore(
        &Counters {
            limit: 10,
            symmetric: false,
        },
        &options,
        &|_| {},
    );
    assert_eq!(r.limit, Some(Limit::States(3)));
    for f in &r.findings {
        assert!(
            matches!(
                f.verdict,
                Verdict::Undecided {
                    limit: Limit::States(3),
                    bound: 12,
                    ..
                }
            ),
            "{}: {:?}",
            f.id,
            f.verdict
        );
        assert!(
            !f.holds(),
            "an undecided property is never reported as holding"
        );
    }
    assert!(!r.all_decided());
}

#[test]
fn a_depth_bound_is_a_bounded_verdict_not_the_whole_space() {
    let options = Options {
        threads: 1,
        stop_when_decided: false,
        budget: Budget {
            depth: 2,
            ..Budget::default()
        },
        only: Vec::new(),
    };
    let r = explore(
        &Counters {
            limit: 10,
            symmetric: false,
        },
        &options,
        &|_| {},
    );
    assert_eq!(r.findings[0].verdict, Verdict::Holds(Extent::Bounded(2)));
    assert_eq!(
        r.findings[1].verdict,
        Verdict::NotExhibited(Extent::Bounded(2))
    );
}

#[test]
fn a_depth_budget_stops_the_run_incomplete() {
    let options = Options {
        threads: 1,
        stop_when_decided: false,
        budget: Budget {
            depth: 3,
            ..Budget::default()
        },
        only: Vec::new(),
    };
    let r = explore(
        &Counters {
            limit: 10,
            symmetric: false,
        },
        &options,
        &|_| {},
    );
    assert_eq!(r.depth, 3);
    assert!(!r.complete);
    assert_eq!(r.states, 10, "1 + 2 + 3 + 4 states within three steps");
}

/// The counters, counting the states expanded as leaves (at the depth bound).
struct Leaves {
    inner: Counters,
    leaves: std::sync::atomic::AtomicUsize,
}

impl Model for Leaves {
    type State = (u8, u8);
    type Action = u8;
    type Outcome = ();

    fn initial_states(&self) -> Vec<(u8, u8)> {
        self.inner.initial_states()
    }

    fn actions(&self, s: &(u8, u8), actions: &mut Vec<u8>) {
        self.inner.actions(s, actions);
    }

    fn next(&self, s: &(u8, u8), a: &u8) -> Option<((u8, u8), ())> {
        self.inner.next(s, a)
    }

    fn leaf_successors<F>(&self, s: &(u8, u8), actions: &[u8], each: F)
    where
        F: FnMut(usize, (u8, u8), ()),
    {
        self.leaves
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.successors(s, actions, each);
    }

    fn properties(&self) -> Vec<Property<Self>> {
        Vec::new()
    }
}

#[test]
fn the_last_level_is_counted_and_reached_through_leaf_successors() {
    let model = Leaves {
        inner: Counters {
            limit: 10,
            symmetric: false,
        },
        leaves: std::sync::atomic::AtomicUsize::new(0),
    };
    let options = Options {
        threads: 2,
        stop_when_decided: false,
        budget: Budget {
            depth: 3,
            ..Budget::default()
        },
        only: Vec::new(),
    };
    let levels = std::sync::Mutex::new(Vec::new());
    let r = explore(&model, &options, &|p| {
        levels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(p.frontier);
    });
    assert_eq!(r.states, 10);
    assert!(!r.complete, "the fourth level waits unexplored");
    assert_eq!(
        levels.into_inner().unwrap_or_default(),
        vec![2, 3, 4],
        "each level's new states, the last included though it is not kept"
    );
    assert_eq!(
        model.leaves.load(std::sync::atomic::Ordering::Relaxed),
        3,
        "the three states at depth 2 are expanded as leaves"
    );
}

/// A property of the counters stated outside the model: the first counter stays below
/// `bound`.
fn first_below(bound: u8) -> Property<Counters> {
    Property::<Counters>::always(
        Claim {
            id: "FIRST",
            statement: "The first counter stays below the bound.",
            rests_on: &[],
        },
        move |_, _, _, t, _| {
            if t.0 < bound {
                Ok(())
            } else {
                Err(Violation::new(format!("the first counter reached {}", t.0)))
            }
        },
    )
}

#[test]
fn explore_with_checks_the_given_properties_in_place_of_the_models_own() {
    let model = Counters {
        limit: 10,
        symmetric: false,
    };
    let options = Options::exhaustive(100, 2);
    let r = explore_with(
        &model,
        vec![first_below(4), first_below(10)],
        &options,
        &|_| {},
    );
    let ids: Vec<&str> = r.findings.iter().map(|f| f.id).collect();
    assert_eq!(
        ids,
        ["FIRST", "FIRST"],
        "the model's SUM and THREE are not checked"
    );
    let broken = r.findings[0].trace().expect("a counterexample");
    assert_eq!(
        broken.steps.len(),
        4,
        "the shortest way to 4 is four raises"
    );
    assert_eq!(broken.reason, "the first counter reached 4");
    assert_eq!(r.findings[1].verdict, Verdict::Holds(Extent::Exhausted));
    assert_eq!(
        r.states,
        explore(&model, &options, &|_| {}).states,
        "the same space as the model's own properties see"
    );
}

#[test]
fn explore_with_no_properties_still_explores_the_whole_space() {
    let model = Counters {
        limit: 10,
        symmetric: false,
    };
    let r = explore_with(&model, Vec::new(), &Options::exhaustive(100, 1), &|_| {});
    assert!(r.findings.is_empty());
    assert_eq!(r.states, 100);
    assert!(r.complete);
}

#[test]
fn options_only_selects_among_the_given_properties() {
    let model = Counters {
        limit: 10,
        symmetric: false,
    };
    let mut options = Options::exhaustive(100, 1);
    options.only = vec!["SUM".to_owned()];
    let mut given = model.properties();
    given.push(first_below(4));
    let r = explore_with(&model, given, &options, &|_| {});
    let ids: Vec<&str> = r.findings.iter().map(|f| f.id).collect();
    assert_eq!(ids, ["SUM"]);
}

#[test]
fn the_counterexample_is_the_same_whether_the_search_stops_once_decided_or_not() {
    // Many paths of five raises sum to 5; the one reported must not depend on the threads
    // or on stopping once every property is decided.
    let model = Counters {
        limit: 10,
        symmetric: false,
    };
    let traces: Vec<Trace> = [(1, false), (1, true), (2, false), (2, true)]
        .into_iter()
        .map(|(threads, stop_when_decided)| {
            let r = run(&model, threads, stop_when_decided);
            r.findings[0].trace().expect("SUM is broken").clone()
        })
        .collect();
    for t in &traces[1..] {
        assert_eq!(t, &traces[0]);
    }
}
