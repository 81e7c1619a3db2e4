//! From a parsed scenario file to validated `sim-core` models.
//!
//! All validation of user input happens here, before any simulation: every
//! error carries the JSON path of the offending value and says what would be
//! valid.

pub(crate) mod cost;
pub(crate) mod horizon;
pub(crate) mod plan;
pub(crate) mod routes;
pub(crate) mod topology;

pub use cost::{CostLine, CostPlan};
pub use plan::{HopPlan, MeterPlan, limit_note};
pub use routes::CompiledRoute;
pub use topology::{Place, Topology, TopologyCall, TopologyLink, TopologyNode, TopologyRoute};

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::azure::network::{check_gateways, links};
use crate::azure::nodes;
use crate::error::{Invalid, ScenarioError};
use crate::file::json::{fmt_num, typed};
use crate::file::laws::workload;
use crate::file::limits::MAX_REPLICATIONS;
use crate::file::spec::{Mode, ScenarioSpec};
use crate::file::{Resolved, resolve};
use routes::CompiledMix;

/// A validated scenario, compiled into one `sim-core` model per route, and
/// in mode `mix` into one more model holding every route.
#[derive(Debug, Clone)]
pub struct Scenario {
    file: PathBuf,
    spec: ScenarioSpec,
    routes: Vec<CompiledRoute>,
    mix: Option<CompiledMix>,
    topology: Topology,
    /// Catalog figures given other values for this scenario (see
    /// [`Scenario::with_catalog_values`]); empty for a file as written.
    catalog_values: Vec<(&'static str, f64)>,
}

impl Scenario {
    /// Reads, parses and validates a scenario file, applying its `extends`
    /// chain (see [`crate::file::resolve`]).
    ///
    /// # Errors
    ///
    /// Fails when a file of the chain cannot be read, is not JSON, or the
    /// result describes an invalid scenario; the error names the file that
    /// holds the offending value and its JSON path.
    pub fn load(file: &Path) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(file)
            .map_err(|source| ScenarioError::Io { file: file.to_path_buf(), source })?;
        Self::from_resolved(&resolve(file, &text)?)
    }

    /// Validates an already-parsed JSON document (e.g. after overrides),
    /// read from `file`; a document with `extends` is refused (resolve it
    /// first: [`crate::file::resolve`]).
    ///
    /// # Errors
    ///
    /// Fails when the document describes an invalid scenario.
    pub fn from_value(file: &Path, value: Value) -> Result<Self, ScenarioError> {
        Self::from_resolved(&Resolved::single(file, value)?)
    }

    /// Validates a resolved document: an error names the file of the
    /// `extends` chain that holds the offending value.
    ///
    /// # Errors
    ///
    /// Fails when the document describes an invalid scenario.
    pub fn from_resolved(resolved: &Resolved) -> Result<Self, ScenarioError> {
        compile(resolved.value().clone()).map_err(|e| resolved.error(e)).map(
            |(spec, routes, mix, topology)| Scenario {
                file: resolved.file().to_path_buf(),
                spec,
                routes,
                mix,
                topology,
                catalog_values: Vec::new(),
            },
        )
    }

    /// The same file with another (already parsed) spec, validated and
    /// compiled: how a variant is made without a round trip through JSON
    /// (a detected warm-up, a capacity probe's rate, one route alone).
    ///
    /// # Errors
    ///
    /// Fails when the changed spec describes an invalid scenario.
    pub fn with_spec(&self, spec: ScenarioSpec) -> Result<Self, ScenarioError> {
        let values = self.catalog_values.clone();
        crate::azure::catalog::with_values(&values, || compile_spec(spec))
            .map_err(|e| e.in_file(self.file.clone()))
            .map(|(spec, routes, mix, topology)| Scenario {
                file: self.file.clone(),
                spec,
                routes,
                mix,
                topology,
                catalog_values: values,
            })
    }

    /// The same scenario compiled with catalog figures taking other values
    /// (key, value in the figure's unit; added to those it has, a later
    /// value of a key winning): what a sensitivity run does with each
    /// estimate. Every later variant ([`Scenario::with_spec`]) keeps them.
    ///
    /// # Errors
    ///
    /// Fails when a key is not a catalog figure, a value is not finite and
    /// above 0 (a `_sigma` may be 0: a constant law; so may a figure whose
    /// default is 0, such as a failure probability), or a value makes
    /// the scenario invalid (a law whose tail passes the limits, say).
    pub fn with_catalog_values(
        &self,
        values: &[(&'static str, f64)],
    ) -> Result<Self, ScenarioError> {
        for &(key, v) in values {
            let path = format!("catalog.{key}");
            let problem = match crate::azure::catalog::FIGURES.iter().find(|f| f.key == key) {
                None => Some("no such figure; `aznetsim catalog` lists the keys".to_string()),
                // A shape σ of 0 makes a lognormal a constant, and a figure
                // whose default is 0 (a failure probability) may be 0; every
                // other figure a law takes (a median, a rate) must be above 0.
                Some(f)
                    if !v.is_finite()
                        || v < 0.0
                        || (v == 0.0 && !key.ends_with("_sigma") && f.value != 0.0) =>
                {
                    Some(format!(
                        "{} cannot be given to the model: a figure must be finite and above 0 (a `_sigma`, or a figure whose default is 0, may be 0)",
                        fmt_num(v)
                    ))
                }
                Some(_) => None,
            };
            if let Some(message) = problem {
                return Err(Invalid::new(&path, message).in_file(self.file.clone()));
            }
        }
        let mut all = self.catalog_values.clone();
        all.extend_from_slice(values);
        Scenario { catalog_values: all, ..self.clone() }.with_spec(self.spec.clone())
    }

    /// The catalog figures this scenario gives other values (see
    /// [`Scenario::with_catalog_values`]), in the order given.
    pub fn catalog_values(&self) -> &[(&'static str, f64)] {
        &self.catalog_values
    }

    /// The file it came from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The scenario as parsed (after any overrides).
    pub fn spec(&self) -> &ScenarioSpec {
        &self.spec
    }

    /// The compiled routes, in file order.
    pub fn routes(&self) -> &[CompiledRoute] {
        &self.routes
    }

    /// In mode `mix`, the one model every route shares: route `i` of the
    /// model is route `i` of the file, stations and links are shared by
    /// name, and each arrival of the workload takes a route by weight (see
    /// [`sim_core::ModelBuilder::mix`]). `None` in mode `compare`.
    pub fn mix_model(&self) -> Option<&sim_core::Model> {
        self.mix.as_ref().map(|m| &m.model)
    }

    /// The workload's long-run mean arrival rate \[1/s\]: per route in mode
    /// `compare`, over all routes in mode `mix`. For `on_off` it is
    /// `rate_per_s` (the rate during bursts) times `on_ms / (on_ms +
    /// off_ms)`; for `mmpp2` the rates weighted by their mean sojourns.
    pub fn mean_rate_per_s(&self) -> f64 {
        // The spec was validated when the scenario was built: this succeeds.
        crate::file::laws::arrivals(&self.spec.workload.arrival, "workload.arrival")
            .map_or(0.0, |a| a.mean_rate_per_s())
    }

    /// The mean arrival rate route `index` carries \[1/s\]: the whole
    /// workload in mode `compare`, its weight's share in mode `mix`.
    ///
    /// # Panics
    ///
    /// Panics if `index` is not a route of the scenario.
    pub fn offered_per_s(&self, index: usize) -> f64 {
        let weight = self.spec.routes[index].weight;
        let total: f64 = self.spec.routes.iter().filter_map(|r| r.weight).sum();
        match weight {
            Some(w) if self.mix.is_some() && total > 0.0 => self.mean_rate_per_s() * w / total,
            _ => self.mean_rate_per_s(),
        }
    }

    /// What a picture of the scenario shows: each node's place, kind and
    /// TLS role, the links and the routes.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// In mode `mix`, the shared model without authorisation work, when a
    /// route has any: run with the same seed, it measures what
    /// authorisation adds to each route.
    pub fn mix_model_without_auth(&self) -> Option<&sim_core::Model> {
        self.mix.as_ref().and_then(|m| m.model_without_auth.as_ref())
    }
}

type Compiled = (ScenarioSpec, Vec<CompiledRoute>, Option<CompiledMix>, Topology);

fn compile(value: Value) -> Result<Compiled, Invalid> {
    if !value.is_object() {
        return Err(Invalid::new(".", "a scenario must be a JSON object"));
    }
    compile_spec(typed(&value, ".")?)
}

/// Validates and compiles a parsed spec.
fn compile_spec(spec: ScenarioSpec) -> Result<Compiled, Invalid> {
    // Names first: every later message may print them.
    crate::file::names::check(&spec)?;
    if spec.replications == 0 || spec.replications > MAX_REPLICATIONS {
        return Err(Invalid::new(
            "replications",
            format!("must be between 1 and {MAX_REPLICATIONS}, got {}", spec.replications),
        ));
    }
    let workload = workload(&spec)?;
    let rate = workload.arrivals().mean_rate_per_s();
    let with_auth = nodes(&spec, rate, true)?;
    let without_auth = nodes(&spec, rate, false)?;
    let links = links(&spec, &with_auth)?;
    check_gateways(&with_auth, &links)?;
    let routing = crate::azure::routing::compile(&spec, &with_auth)?;
    // Compare mode: every route's model draws its arrivals and sizes from
    // the same named streams, so all routes see the same demand in each
    // replication (common random numbers; their differences are then due
    // to the routes). A mix model shares one arrival process already.
    let per_route =
        if spec.mode == Mode::Compare && spec.workload.common_random_numbers != Some(false) {
            workload.clone().with_stream_name("demand")
        } else {
            workload.clone()
        };
    // The file's prices replace the catalog's for the cost meters only.
    let prices = cost::overrides(&spec)?;
    let routes = crate::azure::catalog::with_values(&prices, || {
        routes::routes(&spec, &with_auth, &without_auth, &links, &per_route, routing.as_ref())
    })?;
    let models: Vec<(&str, &sim_core::Model)> =
        routes.iter().map(|r| (r.name.as_str(), &r.model)).collect();
    horizon::check(&models)?;
    let mix = if spec.mode == Mode::Mix {
        Some(routes::mix(&spec, &with_auth, &without_auth, &links, &workload, &routes)?)
    } else {
        None
    };
    let topology = topology::topology(&spec, &with_auth, &links);
    Ok((spec, routes, mix, topology))
}
