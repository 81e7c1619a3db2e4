//! The optional `routing` section as written: VNets with their address
//! spaces and subnets, route tables (UDRs), peerings, the on-premises
//! prefixes a VNet gateway learns, and the service tags of services
//! outside the VNets. Checked and used in `azure/routing.rs`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `routing`: the landing zone's routing as configured.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingSpec {
    /// Virtual networks by name.
    pub vnets: BTreeMap<String, VnetSpec>,
    /// Route tables by name: each a list of user-defined routes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub route_tables: BTreeMap<String, Vec<UdrSpec>>,
    /// VNet peerings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peerings: Vec<PeeringSpec>,
    /// The on-premises network behind a VNet gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onprem: Option<OnpremSpec>,
    /// Nodes outside every VNet reached by a service tag, by node name
    /// (`{"entra": "AzureActiveDirectory"}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, String>,
}

/// A virtual network.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VnetSpec {
    /// Address ranges in CIDR notation (`["10.0.0.0/16"]`).
    pub address_space: Vec<String>,
    /// Subnets by name (`GatewaySubnet` for a VNet gateway,
    /// `AzureFirewallSubnet` for an Azure Firewall).
    pub subnets: BTreeMap<String, SubnetSpec>,
}

/// A subnet.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubnetSpec {
    /// Its range, inside the VNet's address space (`"10.0.1.0/26"`).
    pub prefix: String,
    /// The scenario's nodes in it, each with its private IP address
    /// (`{"hub-fw": "10.0.1.4"}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub nodes: BTreeMap<String, String>,
    /// The route table associated with it (a key of `route_tables`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table: Option<String>,
}

/// A user-defined route.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UdrSpec {
    /// The destination: a CIDR prefix (`"0.0.0.0/0"`) or a service tag
    /// (`"ApiManagement"`, `"AzureActiveDirectory"`).
    pub prefix: String,
    /// Where matching traffic goes.
    pub next_hop: NextHopKind,
    /// For `virtual_appliance`: the firewall node, by name or by its
    /// private IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appliance: Option<String>,
}

/// A user-defined route's next hop type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, strum::Display, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NextHopKind {
    /// A network virtual appliance (here: an Azure Firewall node).
    VirtualAppliance,
    /// The VNet's VPN gateway (Azure refuses an ExpressRoute gateway here).
    VirtualNetworkGateway,
    /// The Internet (Azure services stay on the Microsoft backbone).
    Internet,
    /// Dropped.
    None,
    /// Inside the virtual network.
    VnetLocal,
}

/// A peering between two VNets (both of its links, with one setting each).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PeeringSpec {
    /// The two VNets.
    pub between: [String; 2],
    /// Set on the VNet without a gateway: it uses its peer's gateway, so it
    /// learns the gateway's on-premises routes (default false).
    #[serde(default)]
    pub use_remote_gateways: bool,
    /// Set on the VNet with the gateway: its peer may use it (default
    /// false). Both settings are needed for gateway transit.
    #[serde(default)]
    pub allow_gateway_transit: bool,
    /// Traffic that did not originate in the peer VNet (forwarded by a
    /// firewall there) may cross the peering (default false, as in the
    /// Azure API; set on both links here).
    #[serde(default)]
    pub allow_forwarded_traffic: bool,
}

/// The on-premises network.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnpremSpec {
    /// The VNet gateway (a `vnet_gateway` node) that learns its prefixes.
    pub gateway: String,
    /// The prefixes it advertises over BGP (`["192.168.0.0/16"]`; a
    /// `0.0.0.0/0` forces Internet traffic to on-premises).
    pub prefixes: Vec<String>,
    /// The scenario's on-premises nodes, each with its IP address.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub nodes: BTreeMap<String, String>,
}
