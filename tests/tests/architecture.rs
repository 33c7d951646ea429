//! The dependency rules between crates (ARCHITECTURE.md, "Dependency rules"), checked on the
//! graph cargo resolves, so a new `use` of the wrong crate fails here and not in review.
//!
//! Every workspace crate has a layer; a crate missing from `LAYERS` fails the test, so a new crate
//! is placed on purpose.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    /// Types and decisions: no IO of any kind.
    Domain,
    /// Application services: drive the domain through its ports, with tokio for time and tasks.
    Service,
    /// Adapters: the world outside (HTTP, SQL, AMQP, files). They meet only in the binary.
    Adapter,
    /// The binary: composition and configuration.
    Binary,
    /// Test support and black-box tests.
    Tests,
}

const LAYERS: &[(&str, Layer)] = &[
    ("jiesu-model", Layer::Domain),
    ("jiesu-calendar", Layer::Domain),
    ("jiesu-routing", Layer::Domain),
    ("jiesu-events", Layer::Domain),
    ("jiesu-decisions", Layer::Domain),
    ("jiesu-rates", Layer::Domain),
    ("jiesu-ports", Layer::Domain),
    ("jiesu-domain", Layer::Domain),
    ("jiesu-workflow", Layer::Service),
    ("jiesu-dispatch", Layer::Service),
    ("jiesu-escalation", Layer::Service),
    ("jiesu-stats", Layer::Service),
    ("jiesu-notifier", Layer::Service),
    ("jiesu-outbox", Layer::Service),
    ("jiesu-worker", Layer::Service),
    ("jiesu-auth", Layer::Service),
    ("jiesu-words", Layer::Service),
    ("jiesu-answers", Layer::Service),
    ("jiesu-generate", Layer::Service),
    ("jiesu-district", Layer::Adapter),
    ("jiesu-sql", Layer::Adapter),
    ("jiesu-store-sqlite", Layer::Adapter),
    ("jiesu-store-postgres", Layer::Adapter),
    ("jiesu-queue", Layer::Adapter),
    ("jiesu-channels", Layer::Adapter),
    ("jiesu-api", Layer::Adapter),
    ("jiesu-media", Layer::Adapter),
    ("jiesu-assets", Layer::Adapter),
    ("jiesu-notify", Layer::Adapter),
    ("jiesu", Layer::Binary),
    ("jiesu-testkit", Layer::Tests),
    ("jiesu-e2e", Layer::Tests),
];

/// Outside crates that do IO: none may reach the domain, not even through another crate.
const IO_CRATES: &[&str] = &["sqlx", "lapin", "axum", "hyper", "tokio", "reqwest", "tower", "mio", "socket2"];

/// Outside crates that name one adapter's technology: services stay independent of them.
const ADAPTER_CRATES: &[&str] = &["sqlx", "lapin", "axum", "hyper", "reqwest", "tower", "maud"];

/// Adapters that other adapters may build on: the SQL plumbing both stores and the local queue
/// share, the photo store the web form and the staff API share, and the pages' static files.
/// Never a channel or a store.
const SHARED_ADAPTERS: &[&str] = &["jiesu-sql", "jiesu-media", "jiesu-assets"];

struct Graph {
    /// Package name → names of its normal (non-dev, non-build) dependencies.
    deps: BTreeMap<String, BTreeSet<String>>,
    workspace: BTreeSet<String>,
}

fn graph() -> Graph {
    // This machine's platform only: the others' dependencies are never downloaded here.
    let host = Command::new("rustc").args(["--print", "host-tuple"]).output().expect("rustc runs");
    let host = String::from_utf8(host.stdout).expect("a platform name").trim().to_owned();
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline", "--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let name_of: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let workspace = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| name_of[id.as_str().unwrap()].to_owned())
        .collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let from = name_of[node["id"].as_str().unwrap()].to_owned();
        let normal = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()));
        let entry = deps.entry(from).or_default();
        entry.extend(normal.map(|d| name_of[d["pkg"].as_str().unwrap()].to_owned()));
    }
    Graph { deps, workspace }
}

impl Graph {
    fn direct(&self, krate: &str) -> &BTreeSet<String> {
        &self.deps[krate]
    }

    /// Everything `krate` links, directly or through other crates.
    fn reach(&self, krate: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![krate.to_owned()];
        while let Some(k) = todo.pop() {
            for d in self.deps.get(&k).into_iter().flatten() {
                if seen.insert(d.clone()) {
                    todo.push(d.clone());
                }
            }
        }
        seen
    }
}

fn layer(name: &str) -> Option<Layer> {
    LAYERS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
}

#[test]
fn every_workspace_crate_has_a_layer() {
    let g = graph();
    let missing: Vec<_> = g.workspace.iter().filter(|c| layer(c).is_none()).collect();
    assert!(missing.is_empty(), "place these crates in LAYERS (tests/tests/architecture.rs): {missing:?}");
}

/// Every `(crate, dependency)` of a crate in `layer` that breaks `allowed`: through any path when
/// `transitive`, else its own dependencies only.
fn broken(g: &Graph, layer_: Layer, transitive: bool, allowed: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for krate in g.workspace.iter().filter(|c| layer(c) == Some(layer_)) {
        let deps = if transitive { g.reach(krate) } else { g.direct(krate).clone() };
        out.extend(deps.iter().filter(|d| !allowed(d)).map(|d| format!("{krate} -> {d}")));
    }
    out
}

#[test]
fn the_domain_does_no_io_and_depends_only_on_the_domain() {
    let broken = broken(&graph(), Layer::Domain, true, |d| {
        layer(d).is_none_or(|l| l == Layer::Domain) && !IO_CRATES.contains(&d)
    });
    assert!(broken.is_empty(), "domain crates reach IO or outer layers: {broken:?}");
}

#[test]
fn services_depend_on_the_domain_and_tokio_not_on_an_adapter() {
    let broken = broken(&graph(), Layer::Service, true, |d| {
        layer(d).is_none_or(|l| l <= Layer::Service) && !ADAPTER_CRATES.contains(&d)
    });
    assert!(broken.is_empty(), "services reach adapters: {broken:?}");
}

#[test]
fn adapters_meet_only_in_the_binary() {
    let broken = broken(&graph(), Layer::Adapter, false, |d| match layer(d) {
        Some(Layer::Adapter) => SHARED_ADAPTERS.contains(&d),
        Some(l) => l < Layer::Adapter,
        None => true,
    });
    assert!(broken.is_empty(), "adapters depend on each other (compose them in crates/jiesu): {broken:?}");
}
