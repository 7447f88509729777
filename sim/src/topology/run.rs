//! Playing a topology's chains on the model: each chain starts from the declared directory,
//! its steps go through [`tokenhop_model::net::chain::step`], expectations are checked and
//! the trace lists, for every step, where the chain is, whom it presents, at what level and
//! with which credentials, and the rules applied.

use serde::Serialize;

use tokenhop_model::RuleId;
use tokenhop_model::core::decision::Decision;
use tokenhop_model::net::chain::{self, ChainState, Step, StepOutcome};
use tokenhop_model::net::directory::Directory;
use tokenhop_model::net::hop::{Hold, Holder, presented_name};

use super::{ChainStep, Topology, TopologyExpect};

/// The trace of a topology run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopologyTrace {
    /// The format version.
    pub version: u32,
    /// The topology's name.
    pub scenario: String,
    /// Who produced it.
    pub engine: String,
    /// The rules the directory's setup applied (AD-1, AD-4).
    pub setup_rules: Vec<String>,
    /// One entry per chain.
    pub chains: Vec<ChainTrace>,
}

/// The trace of one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainTrace {
    /// The chain's name.
    pub name: String,
    /// Its steps.
    pub steps: Vec<HopTrace>,
}

/// One step as traced: what happened and where the chain stands afterwards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HopTrace {
    /// Its position in the chain.
    pub index: usize,
    /// The step, in words (`call web`).
    pub step: String,
    /// Whether it succeeded.
    pub ok: bool,
    /// The status it failed with.
    pub error: Option<String>,
    /// The machine the chain is on.
    pub machine: Option<String>,
    /// The service whose process holds the identity (none: a user's own session).
    pub service: Option<String>,
    /// Whom it presents.
    pub presents: Option<String>,
    /// How it holds that identity (`own`, or a level).
    pub level: Option<String>,
    /// What it can authenticate onward with.
    pub credentials: Option<String>,
    /// Whether its ticket in the client's name is forwardable.
    pub forwardable: Option<bool>,
    /// How many machine boundaries the presented identity has crossed.
    pub hops: Option<u8>,
    /// The rules applied.
    pub rules: Vec<String>,
}

/// One step as run.
#[derive(Clone, Debug)]
pub struct StepRun {
    /// The step.
    pub step: ChainStep,
    /// The step in words.
    pub text: String,
    /// What the model did.
    pub outcome: StepOutcome,
    /// Where the chain stands afterwards.
    pub holder: Option<Holder>,
    /// Mismatches with the expectation.
    pub failures: Vec<String>,
}

/// One chain as run.
#[derive(Clone, Debug)]
pub struct ChainRun {
    /// The chain's name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// Its steps.
    pub steps: Vec<StepRun>,
    /// The directory at the end (steps may change it).
    pub dir: Directory,
}

/// A finished topology run.
#[derive(Clone, Debug)]
pub struct TopologyRun {
    /// The topology.
    pub topology: Topology,
    /// The trace.
    pub trace: TopologyTrace,
    /// What the directory's setup decided.
    pub setup: Vec<Decision>,
    /// Each chain with its decisions.
    pub chains: Vec<ChainRun>,
}

impl TopologyRun {
    /// The steps whose expectations failed.
    pub fn failed(&self) -> impl Iterator<Item = &StepRun> {
        self.chains
            .iter()
            .flat_map(|c| c.steps.iter())
            .filter(|s| !s.failures.is_empty())
    }

    /// How many expectations were checked.
    #[must_use]
    pub fn expectations(&self) -> usize {
        self.chains
            .iter()
            .flat_map(|c| c.steps.iter())
            .filter(|s| s.step.expect.is_some())
            .count()
    }

    /// Every rule applied.
    #[must_use]
    pub fn rules_applied(&self) -> Vec<RuleId> {
        let mut rules: Vec<RuleId> = self
            .chains
            .iter()
            .flat_map(|c| c.steps.iter())
            .flat_map(|s| s.outcome.decisions.iter().map(|d| d.rule))
            .chain(self.setup.iter().map(|d| d.rule))
            .collect();
        rules.sort();
        rules.dedup();
        rules
    }
}

/// Runs every chain of `topology`.
#[must_use]
pub fn run(topology: &Topology) -> TopologyRun {
    let mut chains = Vec::new();
    let mut traces = Vec::new();
    for c in &topology.chains {
        let mut state = ChainState::default();
        let mut steps = Vec::new();
        let mut hops = Vec::new();
        for s in &c.steps {
            let text = describe(&state.directory(&topology.dir), &s.step);
            let (next, outcome) = chain::step(&topology.dir, &topology.readings, &state, &s.step);
            state = next;
            let dir = state.directory(&topology.dir);
            let hop = trace_step(&dir, s.index, &text, &outcome, state.holder.as_ref());
            let failures = s
                .expect
                .as_ref()
                .map(|e| check(e, &hop, &outcome, &dir))
                .unwrap_or_default();
            hops.push(hop);
            steps.push(StepRun {
                step: s.clone(),
                text,
                outcome,
                holder: state.holder.clone(),
                failures,
            });
        }
        traces.push(ChainTrace {
            name: c.name.clone(),
            steps: hops,
        });
        chains.push(ChainRun {
            name: c.name.clone(),
            description: c.description.clone(),
            steps,
            dir: state.directory(&topology.dir).into_owned(),
        });
    }
    let setup = chain::setup(&topology.dir);
    let mut setup_rules: Vec<String> = Vec::new();
    for d in &setup {
        let code = d.rule.code().to_owned();
        if !setup_rules.contains(&code) {
            setup_rules.push(code);
        }
    }
    TopologyRun {
        topology: topology.clone(),
        trace: TopologyTrace {
            version: 1,
            scenario: topology.name.clone(),
            engine: "model".to_owned(),
            setup_rules,
            chains: traces,
        },
        setup,
        chains,
    }
}

/// A step in words.
#[must_use]
pub fn describe(dir: &Directory, step: &Step) -> String {
    match step {
        Step::Start { machine, user } => format!(
            "start {} at {}",
            dir.qualified(*user),
            dir.machine(*machine).name
        ),
        Step::StartService { service } => format!("start_service {}", dir.service(*service).name),
        Step::Call(req) => {
            use tokenhop_model::net::hop::Package;
            let mut parts = vec![match req.level {
                Some(level) => format!("level {}", super::load::call_level_word(level)),
                None => "default level".to_owned(),
            }];
            if req.mutual_auth {
                parts.push("mutual_auth".to_owned());
            }
            parts.push(
                match req.package {
                    Package::Negotiate => "negotiate",
                    Package::Kerberos => "kerberos",
                    Package::Ntlm => "ntlm",
                    Package::None => "no authentication",
                }
                .to_owned(),
            );
            if !req.by_spn {
                parts.push("by address".to_owned());
            }
            if req.as_self {
                parts.push("as self".to_owned());
            }
            if !req.honours_ok_as_delegate {
                parts.push("ignoring OK-AS-DELEGATE".to_owned());
            }
            if req.binding_at_startup {
                parts.push("binding made at startup".to_owned());
            }
            if req.dynamic_tracking {
                parts.push("dynamic tracking".to_owned());
            }
            format!(
                "call {} ({})",
                dir.service(req.service).name,
                parts.join(", ")
            )
        }
        Step::Access { resource, rights } => format!(
            "access {} ({})",
            dir.resource(*resource).name,
            rights
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Step::S4u2self { user } => format!("s4u2self {}", dir.qualified(*user)),
        Step::TamperForwardable => "tamper forwardable".to_owned(),
        Step::SetRbcd { target, allow } => format!(
            "set_rbcd {} allow {}",
            dir.qualified(*target),
            dir.qualified(*allow)
        ),
        Step::Coerce { victim, to } => format!(
            "coerce {} to {}",
            dir.service(*victim).name,
            dir.service(*to).name
        ),
        Step::CreateProcess { with_token } => format!(
            "create_process with {}",
            if *with_token {
                "the impersonated token"
            } else {
                "the primary token"
            }
        ),
        Step::Wait { minutes } => format!("wait {minutes} minutes"),
        Step::OwnKey { machine, account } => format!(
            "own_key of {} at {}",
            dir.qualified(*account),
            dir.machine(*machine).name
        ),
        Step::KeyS4u2self { user } => format!("key_s4u2self {}", dir.qualified(*user)),
        Step::KeyS4u2proxy { spn } => format!("key_s4u2proxy {spn}"),
        Step::Present { service } => format!("present to {}", dir.service(*service).name),
        Step::AltService { spn } => format!("altservice {spn}"),
    }
}

/// The name a trace gives a hold.
#[must_use]
pub fn hold_word(hold: Hold) -> String {
    match hold {
        Hold::Own => "own".to_owned(),
        Hold::Impersonating(level) => level.win32_name().to_owned(),
    }
}

fn trace_step(
    dir: &Directory,
    index: usize,
    text: &str,
    outcome: &StepOutcome,
    holder: Option<&Holder>,
) -> HopTrace {
    let mut rules: Vec<String> = Vec::new();
    for d in &outcome.decisions {
        let code = d.rule.code().to_owned();
        if !rules.contains(&code) {
            rules.push(code);
        }
    }
    HopTrace {
        index,
        step: text.to_owned(),
        ok: outcome.result.is_ok(),
        error: outcome.result.err().map(|e| e.symbol().to_owned()),
        machine: holder.map(|h| dir.machine(h.machine).name.to_string()),
        service: holder.and_then(|h| h.service.map(|s| dir.service(s).name.to_string())),
        presents: holder.map(|h| presented_name(dir, h.presents)),
        level: holder.map(|h| hold_word(h.hold)),
        credentials: holder.map(|h| h.credentials.word().to_owned()),
        forwardable: holder.and_then(|h| h.evidence.as_ref().map(|t| t.forwardable)),
        hops: holder.map(|h| h.hops),
        rules,
    }
}

fn check(
    e: &TopologyExpect,
    hop: &HopTrace,
    outcome: &StepOutcome,
    dir: &Directory,
) -> Vec<String> {
    let mut problems = Vec::new();
    let said = || match &hop.error {
        Some(err) => format!("failed with {err}"),
        None => "succeeded".to_owned(),
    };
    if let Some(ok) = e.ok
        && ok != hop.ok
    {
        problems.push(format!(
            "expected the step to {}, but it {}",
            if ok { "succeed" } else { "fail" },
            said()
        ));
    }
    if let Some(err) = &e.error
        && hop.error.as_deref() != Some(err.as_str())
    {
        problems.push(format!("expected it to fail with {err}, but it {}", said()));
    }
    if let Some(p) = &e.presents {
        let want = presented_name(dir, *p);
        if hop.presents.as_deref() != Some(want.as_str()) {
            problems.push(format!(
                "expected the chain to present {want}, but it presents {}",
                hop.presents.as_deref().unwrap_or("nothing")
            ));
        }
    }
    if let Some(level) = e.level
        && hop.level.as_deref() != Some(level)
    {
        problems.push(format!(
            "expected the level {level}, but it is {}",
            hop.level.as_deref().unwrap_or("none")
        ));
    }
    if let Some(c) = e.credentials
        && hop.credentials.as_deref() != Some(c)
    {
        problems.push(format!(
            "expected credentials {c}, but they are {}",
            hop.credentials.as_deref().unwrap_or("none")
        ));
    }
    if let Some(f) = e.forwardable
        && hop.forwardable != Some(f)
    {
        problems.push(format!(
            "expected the client's ticket to be {}forwardable, but {}",
            if f { "" } else { "not " },
            match hop.forwardable {
                Some(true) => "it is",
                Some(false) => "it is not",
                None => "there is no ticket",
            }
        ));
    }
    if let Some(hops) = e.hops
        && hop.hops != Some(hops)
    {
        problems.push(format!(
                "expected the identity to have crossed {hops} machine boundaries, but it has crossed {}",
                hop.hops.map_or_else(|| "none".to_owned(), |h| h.to_string())
            ));
    }
    for rule in &e.rules {
        if !outcome.decisions.iter().any(|d| d.rule == *rule) {
            problems.push(format!(
                "expected rule {} to be applied, but it was not",
                rule.code()
            ));
        }
    }
    problems
}
