//! The scenario file: JSON in, typed values out. Parsing with exact
//! positions and JSON paths, `extends` (a file as a merge patch of
//! another), `--set` overrides, the serde mirror of the
//! format, laws and arrival processes as `sim-core` types, and the limits
//! every value is checked against. Knows no Azure.

pub mod dates;
pub(crate) mod extends;
pub(crate) mod json;
pub(crate) mod laws;
pub mod limits;
pub(crate) mod names;
pub(crate) mod overrides;
pub(crate) mod routing;
pub(crate) mod spec;

pub use dates::Date;
pub use extends::{EXTENDS, Resolved, SCHEMA_KEY, resolve};
pub use json::parse_json;
pub use limits::{MAX_BYTES, MAX_DURATION_MS, MAX_EXTENDS_DEPTH, MAX_REPLICATIONS};
pub use names::{MAX_NAME_CHARS, is_valid_name, is_valid_node_name};
pub use overrides::{OverrideError, parse_assignment, set_path};
pub use routing::{
    NextHopKind, OnpremSpec, PeeringSpec, RoutingSpec, SubnetSpec, UdrSpec, VnetSpec,
};
pub use spec::{
    ArrivalKind, ArrivalSpec, CertificateAuthoritySpec, ClientService, ClientSpec, DistKind,
    DistSpec, LawSpec, LinkSpec, Mode, NetworkKind, RouteSpec, ScenarioSpec, StationSpec, Warmup,
    WorkloadSpec,
};
