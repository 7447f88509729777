//! The packed encoding against the whole worlds it stands for: every transition of the
//! packed model unpacks to the world `tokenhop_model::machine::step` gives, the symmetry identifies
//! a world with its exchange and nothing else, and the explorer stores exactly as many
//! states as it does with whole worlds.

use super::*;
use tokenhop_check::{Options, explore, fingerprint};
use tokenhop_model::machine::world::HandleTarget;
use tokenhop_model::step_with;

/// The suite as it was before packing: whole worlds, fingerprinted whole, the least of a
/// world's and its exchange's. The reference the packed suite must agree with.
struct Whole(Local);

/// The world with the callers' roles exchanged, as the suite defines its symmetry.
fn swapped(world: &World) -> Option<World> {
    if !world.pipes.is_empty()
        || world.rpc != Default::default()
        || world.com != Default::default()
        || world.sspi != Default::default()
    {
        return None;
    }
    let mut w = world.clone();
    let (first, second) = w.threads.split_at_mut(1);
    let (Some(x), Some(y)) = (first.get_mut(0), second.first_mut()) else {
        return None;
    };
    if x.process != y.process {
        return None;
    }
    std::mem::swap(&mut x.impersonation, &mut y.impersonation);
    std::mem::swap(&mut x.sd, &mut y.sd);
    for h in &mut w.handles {
        if let HandleTarget::Thread(t) = &mut h.target {
            *t = match *t {
                ThreadId(0) => ThreadId(1),
                ThreadId(1) => ThreadId(0),
                other => other,
            };
        }
    }
    Some(w)
}

impl Model for Whole {
    type State = World;
    type Action = Action;
    type Outcome = Outcome;

    fn initial_states(&self) -> Vec<World> {
        vec![self.0.world.clone()]
    }

    fn actions(&self, world: &World, out: &mut Vec<Action>) {
        self.0.actions(&self.0.store.pack(world), out);
    }

    fn next(&self, world: &World, action: &Action) -> Option<(World, Outcome)> {
        Some(step_with(world, action, Trail::rules_only()))
    }

    fn fingerprint(&self, world: &World) -> u64 {
        let own = fingerprint::of(world);
        swapped(world).map_or(own, |w| own.min(fingerprint::of(&w)))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        Vec::new()
    }
}

fn exhaustive(depth: u32) -> Options {
    Options::exhaustive(depth, 2)
}

/// Every packed transition within two calls unpacks to the world the model's step gives,
/// its action list is the one the whole world gives, and packed as a leaf it keeps its
/// fingerprint.
#[test]
fn packed_transitions_unpack_to_the_worlds_step_gives() {
    let m = Local::default();
    let mut layer = vec![(m.world.clone(), m.initial_states()[0])];
    for _ in 0..2 {
        let mut next_layer = Vec::new();
        for (world, packed) in &layer {
            let unpacked = m.store.unpack(packed).expect("packed by this store");
            assert_eq!(*unpacked.world, *world);
            let mut actions = Vec::new();
            m.actions(packed, &mut actions);
            let mut whole = Vec::new();
            Whole(Local::default()).actions(world, &mut whole);
            assert_eq!(format!("{actions:?}"), format!("{whole:?}"));
            let mut leaves = Vec::new();
            m.leaf_successors(packed, &actions, |_, p, _| leaves.push(p));
            let mut successors = Vec::new();
            m.successors(packed, &actions, |i, p, t| successors.push((i, p, t)));
            assert_eq!(successors.len(), actions.len());
            for ((i, p, t), leaf) in successors.into_iter().zip(leaves) {
                assert_eq!(
                    leaf.fingerprint(),
                    p.fingerprint(),
                    "a leaf, whose new parts are not stored, has the stored state's fingerprint"
                );
                let (after, outcome) = step_with(world, &actions[i], Trail::rules_only());
                assert_eq!(t.outcome, outcome);
                assert_eq!(*t.after(), after);
                let again = m.store.unpack(&p).expect("packed by this store");
                assert_eq!(*again.world, after, "{:?}", actions[i]);
                assert_eq!(p, m.store.pack(&after), "packing from scratch agrees");
                next_layer.push((after, p));
            }
        }
        layer = next_layer;
    }
}

/// The symmetry: a world where the first caller impersonates and the one where the second
/// does are one state; impersonating at another level is another.
#[test]
fn exchanged_callers_share_a_fingerprint_and_nothing_else_does() {
    let m = Local::default();
    let start = m.initial_states()[0];
    let call = |caller: u32, level| {
        m.next(
            &start,
            &Action {
                caller: ThreadId(caller),
                call: Call::ImpersonateSelf { level },
            },
        )
        .expect("a transition")
        .0
    };
    let first = call(0, ImpersonationLevel::Impersonation);
    let second = call(1, ImpersonationLevel::Impersonation);
    assert_ne!(first, second, "the worlds differ");
    assert_eq!(m.fingerprint(&first), m.fingerprint(&second));
    let lower = call(0, ImpersonationLevel::Identification);
    assert_ne!(m.fingerprint(&first), m.fingerprint(&lower));
    assert_ne!(m.fingerprint(&first), m.fingerprint(&start));
}

/// Packing changes no count: the explorer stores as many states with packed worlds as with
/// whole ones, and LOC-1..7 hold on both.
#[test]
fn packed_and_whole_worlds_give_the_same_state_count() {
    let packed = explore(&Local::default(), &exhaustive(3), &|_| {});
    let whole = explore(&Whole(Local::default()), &exhaustive(3), &|_| {});
    assert_eq!(packed.states, whole.states);
    assert_eq!(packed.transitions, whole.transitions);
    assert_eq!(packed.states, 2_512);
    assert!(packed.all_hold());
}
