//! The source list of `azure-figures.md` (S1..S57), plus the pseudo-sources
//! the catalog needs: `EST` for figures with nothing published behind them
//! and `RFC9293` for the one protocol fact the notes state without a source,
//! then pages cited since under descriptive ids (`APPGW-FAQ`, `ER-STAFF`,
//! `VPN-MSS`, `VNET-MTU`, …), never numbered.

use super::Source;

const fn s(
    id: &'static str,
    title: &'static str,
    address: &'static str,
    date: &'static str,
) -> Source {
    Source { id, title, address, date }
}

/// Every source a figure may cite; ids are unique (tested).
pub(super) const LIST: &[Source] = &[
    s(
        "S1",
        "Azure Firewall performance",
        "https://learn.microsoft.com/azure/firewall/firewall-performance",
        "ms.date 03/28/2026 (azure-docs articles/firewall/firewall-performance.md); the 11/29/2022 version gave the same figures except with IDPS in deny mode: 10 Gbps (now 22) and 300 Mbps for one connection (now 600)",
    ),
    s(
        "S2",
        "Azure Firewall monitoring data reference (Latency Probe, SNAT health)",
        "https://learn.microsoft.com/azure/firewall/monitor-firewall-reference",
        "09/29/2025",
    ),
    s(
        "S3",
        "Azure Firewall best practices for performance",
        "https://learn.microsoft.com/azure/firewall/firewall-best-practices",
        "11/16/2023",
    ),
    s(
        "S4",
        "Azure Firewall prescaling",
        "https://learn.microsoft.com/azure/firewall/prescaling",
        "10/13/2025",
    ),
    s(
        "S5",
        "Scale SNAT ports with NAT gateway",
        "https://learn.microsoft.com/azure/firewall/integrate-with-nat-gateway",
        "02/10/2022 (same figures in the NAT Gateway V2 tutorial, 03/16/2026)",
    ),
    s(
        "S6",
        "NAT gateway + Azure Firewall hub-and-spoke tutorial",
        "https://learn.microsoft.com/azure/nat-gateway/tutorial-hub-spoke-nat-firewall",
        "05/29/2025",
    ),
    s(
        "S7",
        "Azure Firewall TCP session management and idle timeout",
        "https://learn.microsoft.com/azure/firewall/long-running-sessions",
        "03/25/2025",
    ),
    s(
        "S8",
        "evgenyb, \"Azure Firewall Performance Under the Microscope\"",
        "https://evgenyb.github.io (repo evgenyb/evgenyb.github.io, _posts/2025-09-24-azfw-performance-in-numbers.md)",
        "2025-09-24",
    ),
    s(
        "S9",
        "Azure Firewall SNAT private IP address ranges",
        "https://learn.microsoft.com/azure/firewall/snat-private-range",
        "08/02/2023",
    ),
    s(
        "S10",
        "PointFive, \"Azure Firewall Premium SKU deployed without using Premium features\"",
        "https://www.hub.pointfive.co/inefficiencies/azure-firewall-premium-sku-deployed-without-using-premium-features",
        "undated (read 2025-26)",
    ),
    s(
        "S11",
        "Third-party README / course notes quoting Azure Firewall US list prices",
        "repository not identifiable; treat as unverified",
        "2026",
    ),
    s(
        "S12",
        "adstuart, azure-firewall-deallocate README",
        "https://github.com/adstuart/azure-firewall-deallocate",
        "undated",
    ),
    s(
        "S13",
        "Capacity of an Azure API Management instance",
        "https://learn.microsoft.com/azure/api-management/api-management-capacity",
        "10/01/2024",
    ),
    s(
        "S14",
        "Upgrade and scale an APIM instance",
        "https://learn.microsoft.com/azure/api-management/upgrade-and-scale",
        "08/18/2018 version read (a 11/11/2025 version exists)",
    ),
    s(
        "S15",
        "jeanpaulsmit.com, \"Azure API Management performance testing with Locust\"",
        "https://www.jeanpaulsmit.com/2021/05/azure-api-management-performance-testing-with-locust/",
        "May 2021",
    ),
    s(
        "S16",
        "\"How much traffic can Self Hosted Gateway realistically support?\"",
        "https://github.com/Azure/api-management-self-hosted-gateway/issues/21",
        "Nov 2020",
    ),
    s(
        "S17",
        "apis.io APIM rate-limit profile (units per tier)",
        "https://apis.io/rate-limits/microsoft-azure-api-management/microsoft-azure-api-management-rate-limits/",
        "2026",
    ),
    s(
        "S18",
        "APIM service limits include",
        "azure-docs includes/api-management-service-limits.md",
        "01/10/2020 and 04/14/2020 versions",
    ),
    s(
        "S19",
        "Azure API Management v2 tiers",
        "https://learn.microsoft.com/azure/api-management/v2-service-tiers-overview",
        "undated (version listing Premium v2 in preview)",
    ),
    s(
        "S20",
        "nicolgit, \"Measuring latency between Azure Availability Zones and the impact of an NVA in between V2\"",
        "https://nicolgit.github.io/azure-measuring-latency-across-availability-zones-in-we/",
        "2024-07-11",
    ),
    s(
        "S21",
        "cloud63, \"Exploring latency between Azure zones: what you need to know\"",
        "https://blog.cloud63.fr/exploring-latency-between-azure-zones-what-you-need-to-know",
        "undated",
    ),
    s(
        "S22",
        "APIM forward-request policy",
        "https://learn.microsoft.com/azure/api-management/forward-request-policy",
        "11/15/2022",
    ),
    s(
        "S23",
        "APIM send-request policy",
        "https://learn.microsoft.com/azure/api-management/send-request-policy",
        "08/02/2023",
    ),
    s(
        "S24",
        "Docs issues \"Is JWKS cached in validate-jwt policy?\" and \"JWKS cached for 1 hour\"",
        "https://github.com/MicrosoftDocs/azure-docs/issues/63118 and /issues/93033",
        "2020-09-23, 2022-05-18",
    ),
    s(
        "S25",
        "\"Caching JWT verification keys & OpenID configuration\"",
        "https://github.com/TheNetworg/oauth2-azure/issues/111",
        "2020-07 / 2022-09 comment",
    ),
    s(
        "S26",
        "Self-hosted gateway on Kubernetes in production",
        "https://learn.microsoft.com/azure/api-management/how-to-self-hosted-gateway-on-kubernetes-in-production",
        "12/17/2021",
    ),
    s(
        "S27",
        "\"New Azure API Management service limits\" (2026 update)",
        "https://techcommunity.microsoft.com/blog/integrationsonazureblog/new-azure-api-management-service-limits/4497574",
        "2026",
    ),
    s(
        "S28",
        "Use a virtual network with Azure API Management",
        "https://learn.microsoft.com/azure/api-management/virtual-network-concepts",
        "10/16/2024",
    ),
    s(
        "S29",
        "microsoftnegotiations.com, \"Azure API Management licensing\"",
        "https://microsoftnegotiations.com/blog/azure-api-management-licensing",
        "2026",
    ),
    s(
        "S30",
        "Understanding pricing, Application Gateway and WAF",
        "https://learn.microsoft.com/azure/application-gateway/understanding-pricing",
        "01/19/2024",
    ),
    s(
        "S31",
        "Application Gateway high traffic support",
        "https://learn.microsoft.com/azure/application-gateway/high-traffic-support",
        "05/19/2023",
    ),
    s(
        "S32",
        "Application Gateway limits include",
        "azure-docs includes/application-gateway-limits.md",
        "06/19/2024",
    ),
    s(
        "S33",
        "Terraform azurerm_application_gateway / Pulumi Azure provider docs: request_timeout \"defaults to 30\"",
        "https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/application_gateway (not checked directly)",
        "2024-26",
    ),
    s(
        "S34",
        "Overview of TLS termination and end-to-end TLS with Application Gateway",
        "https://learn.microsoft.com/azure/application-gateway/ssl-overview",
        "06/09/2023",
    ),
    s(
        "S35",
        "VPN Gateway SKU table include (aggregate throughput)",
        "azure-docs includes/vpn-gateway-table-gwtype-aggtput-include.md, shown in https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus",
        "06/08/2026",
    ),
    s(
        "S36",
        "About gateway SKUs (VPN)",
        "https://learn.microsoft.com/azure/vpn-gateway/about-gateway-skus",
        "06/23/2025",
    ),
    s(
        "S37",
        "VPN Gateway performance by SKU include",
        "azure-docs includes/vpn-gateway-table-sku-performance.md",
        "01/04/2024",
    ),
    s(
        "S38",
        "Microsoft Learn module \"Configure VPN Gateway\": high-availability scenarios",
        "https://github.com/MicrosoftDocs/learn learn-pr/wwl-azure/configure-vpn-gateway/includes/11-determine-high-availability-scenarios.md",
        "undated",
    ),
    s(
        "S39",
        "ExpressRoute gateway performance include",
        "azure-docs includes/expressroute-gateway-performance-include.md",
        "07/09/2024",
    ),
    s(
        "S40",
        "S. Eyskens, API Management architecture map",
        "https://github.com/stephaneey/azure-and-k8s-architecture/blob/main/maps/apim.md",
        "as of 2026-03-19",
    ),
    s(
        "S41",
        "About ExpressRoute virtual network gateways",
        "https://learn.microsoft.com/azure/expressroute/expressroute-about-virtual-network-gateways",
        "11/16/2023",
    ),
    s(
        "S42",
        "About ExpressRoute FastPath: bypasses the gateway for on-premises → VNet traffic; FastPath for VNet peering and UDRs only for ExpressRoute Direct circuits (the 03/25/2020 version: spoke traffic and a UDR on the gateway subnet keep crossing the gateway)",
        "https://learn.microsoft.com/azure/expressroute/about-fastpath (azure-docs articles/expressroute/about-fastpath.md)",
        "ms.date 01/05/2023",
    ),
    s(
        "S43",
        "ExpressRoute FAQ / VPN Gateway comparison include (supported bandwidths)",
        "https://learn.microsoft.com/azure/expressroute/expressroute-faqs",
        "several versions; same list",
    ),
    s(
        "S44",
        "About ExpressRoute Direct",
        "https://learn.microsoft.com/azure/expressroute/expressroute-erdirect-about",
        "07/10/2019 version",
    ),
    s(
        "S45",
        "mioteg (Microsoft MSDN blog), \"Measuring latency and throughput between Azure regions\"",
        "https://learn.microsoft.com/archive/blogs/mioteg/measuring-latency-and-throughput-between-azure-regions",
        "2017-11-20",
    ),
    s(
        "S46",
        "Virtual network peering overview",
        "https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview",
        "several versions, same statement",
    ),
    s(
        "S47",
        "Availability zones overview (and pages quoting it)",
        "https://learn.microsoft.com/azure/reliability/availability-zones-overview",
        "2023-2025 versions",
    ),
    s(
        "S48",
        "S. Painter, \"Exploring Azure Network Latency: The Fundamentals\"",
        "https://www.simonpainter.com/azure-latency-1/",
        "2025-03-20",
    ),
    s(
        "S49",
        "Azure network round-trip latency statistics (P50 tables)",
        "https://learn.microsoft.com/azure/networking/azure-network-latency",
        "04/10/2024 version, data to 9 Apr 2024",
    ),
    s(
        "S50",
        "Azure network round-trip latency statistics (P95 tables)",
        "https://learn.microsoft.com/azure/networking/azure-network-latency",
        "07/30/2026 version, data to 30 Jul 2026",
    ),
    s("S51", "RFC 8446, TLS 1.3", "https://datatracker.ietf.org/doc/rfc8446", "Aug 2018"),
    s("S52", "RFC 7918, TLS False Start", "https://www.rfc-editor.org/info/rfc7918", "Aug 2016"),
    s(
        "S53",
        "openssl speed output in Homebrew PR \"Use generic tuning for x86-64 cpu model baselines\"",
        "https://github.com/Homebrew/brew/pull/24052",
        "2026",
    ),
    s(
        "S54",
        "OpenSSL issue \"OpenSSL 1.1.1 ECDSA performance regression?\" (RSA/ECDSA table)",
        "https://github.com/openssl/openssl/issues/6992",
        "2018-08-17",
    ),
    s(
        "S55",
        "Microsoft identity platform access tokens / configurable token lifetimes",
        "https://learn.microsoft.com/entra/identity-platform/access-tokens",
        "read 2024-26",
    ),
    s(
        "S56",
        "\"Access Token refresh can be very slow\" (ADAL Android)",
        "https://github.com/AzureAD/azure-activedirectory-library-for-android/issues/1415",
        "2019-03-25",
    ),
    s(
        "S57",
        "\"Acquiring access token is very slow\" (SqlClient, managed identity)",
        "https://github.com/dotnet/SqlClient/issues/1403",
        "2021-11-24",
    ),
    s("EST", "estimate, no published figure", "", ""),
    // Not in azure-figures.md, which states the TCP handshake cost as a bare
    // "protocol fact"; the standard is cited so that figure has a real source.
    s(
        "RFC9293",
        "RFC 9293, Transmission Control Protocol (TCP)",
        "https://www.rfc-editor.org/rfc/rfc9293",
        "Aug 2022",
    ),
    // Not in azure-figures.md: cited by issue 11's Application Gateway work.
    s(
        "APPGW-FAQ",
        "Application Gateway FAQ: v1 instance throughput with SSL offload (Small/Medium/Large, 6 KB and 100 KB pages)",
        "azure-docs articles/application-gateway/application-gateway-faq.md, shown in https://learn.microsoft.com/azure/application-gateway/application-gateway-faq",
        "10/6/2018",
    ),
    // Not in azure-figures.md: cited by issue 11's APIM work.
    s(
        "APIM-LIMITS",
        "API Management service limits - classic tiers (include; the back-end connection limit and its pooling footnote)",
        "azure-docs include titled 'API Management service limits - classic tiers' (includes/api-management-service-limits*.md)",
        "03/15/2024",
    ),
    // Not in azure-figures.md: cited by issue 11's gateway work.
    s(
        "ER-STAFF",
        "Microsoft staff answers: VNet → on-premises traffic does not cross the ExpressRoute gateway (\"outbound traffic from the virtual network doesn't go through the ExpressRoute gateway\"; \"takes DSR to reach MSEE directly\"; \"bypassing the gateway instances for Azure to on-premises traffic\")",
        "https://github.com/MicrosoftDocs/azure-docs/issues/121271 , /issues/29124 , /issues/82788",
        "issue threads; the ExpressRoute gateway performance include (S39, newer versions) labels its test \"traffic sent from on-premises\"",
    ),
    s(
        "ER-LEARN",
        "Microsoft Learn module \"Design and implement Azure ExpressRoute\": FastPath SKUs (Ultra Performance, ErGw3AZ, ErGwScale with at least 10 scale units) and the ExpressRoute Direct-only features (VNet peering, UDRs, Private Link)",
        "https://learn.microsoft.com/training/modules/design-implement-azure-expressroute/",
        "undated (read 2026)",
    ),
    s(
        "VPN-MSS",
        "Azure HPC Cache prerequisites: \"If using a VPN, you might need to configure it to clamp TCP MSS at 1350\" (the VPN devices page's IPsec note gives the same 1350 clamp or a 1400 MTU)",
        "azure-docs articles/hpc-cache/hpc-cache-prerequisites.md; articles/vpn-gateway/vpn-gateway-about-vpn-devices.md",
        "ms.date 02/24/2022",
    ),
    // Not in azure-figures.md: cited by issue 11's firewall work.
    s(
        "VNET-MTU",
        "TCP/IP performance tuning for Azure VMs (MTU: \"the default MTU used on Azure VMs ... is 1,500 bytes\")",
        "https://learn.microsoft.com/azure/virtual-network/virtual-network-tcpip-performance-tuning",
        "ms.date 04/21/2025 (azure-docs articles/virtual-network/virtual-network-tcpip-performance-tuning.md)",
    ),
    // Identity-provider throttling (issue 11 item 4); not in azure-figures.md.
    s(
        "MSAL-THROTTLING",
        "Understanding client and server throttling in MSAL.NET (429 with Retry-After: 60 for client credentials; 5xx without Retry-After)",
        "https://learn.microsoft.com/entra/msal/dotnet/advanced/client-and-server-throttling",
        "ms.date 05/20/2025",
    ),
    s(
        "EXTID-LIMITS",
        "Microsoft Entra External ID service limits and restrictions (200 requests/s per tenant, 20 per trial tenant)",
        "https://learn.microsoft.com/entra/external-id/customers/reference-service-limits",
        "ms.date 04/10/2024 (entra-docs docs/external-id/customers/reference-service-limits.md)",
    ),
    s(
        "ENTRA-QA-436012",
        "Microsoft Q&A \"Azure OAuth endpoint throttling\": Entra ID's token-endpoint limits are not published",
        "https://learn.microsoft.com/answers/questions/436012/azure-oauth-endpoint-throttling",
        "Q&A thread 436012 (as cited by the review, azure-review.md identity table)",
    ),
    s(
        "APIM-RETRY",
        "Azure API Management policy reference - retry (count 1 to 50, interval in seconds, first-fast-retry)",
        "https://learn.microsoft.com/azure/api-management/retry-policy",
        "ms.date 12/08/2022 (azure-docs articles/api-management/retry-policy.md)",
    ),
    // Identity at scale (issue 12 item 2).
    s(
        "APIM-CACHE",
        "Add caching to improve performance in Azure API Management (\"Built-in cache is volatile and is shared by all units in the same region\")",
        "https://learn.microsoft.com/azure/api-management/api-management-howto-cache",
        "ms.date 11/13/2020 (azure-docs articles/api-management/api-management-howto-cache.md)",
    ),
    s(
        "APIM-CACHE-EXTERNAL",
        "Use an external Redis-compatible cache in Azure API Management",
        "https://learn.microsoft.com/azure/api-management/api-management-howto-cache-external",
        "azure-docs articles/api-management/api-management-howto-cache-external.md (not read for a figure: cited for the external cache's existence)",
    ),
    s(
        "ENTRA-GROUP-CLAIMS",
        "Configure group claims for applications (\"150 groups for a SAML token, and 200 for a JWT\")",
        "https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-fed-group-claims",
        "ms.date 02/27/2019 (azure-docs articles/active-directory/hybrid/how-to-connect-fed-group-claims.md)",
    ),
    s(
        "ENTRA-ACCESS-TOKEN",
        "Microsoft identity platform access token claims reference (the claim set behind the size estimate)",
        "https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference",
        "entra-docs docs/identity-platform/access-token-claims-reference.md (claim list only; no size is published)",
    ),
    s(
        "GRAPH-THROTTLING",
        "Microsoft Graph service-specific throttling limits, identity and access (token bucket; L tenant 8,000 resource units per 10 s per app; GET me/memberOf costs 2)",
        "https://learn.microsoft.com/graph/throttling-limits",
        "microsoftgraph/microsoft-graph-docs-contrib concepts/throttling-limits.md (no ms.date in its front matter; commit 01351749)",
    ),
    s(
        "ENTRA-KCD",
        "Windows authentication - Kerberos constrained delegation with Microsoft Entra ID",
        "https://learn.microsoft.com/entra/architecture/auth-kcd",
        "ms.date 03/01/2023 (azure-docs articles/active-directory/architecture/auth-kcd.md)",
    ),
    s(
        "WIN-KERBEROS-TICKET",
        "Maximum lifetime for service ticket (Default Domain Policy: 600 minutes)",
        "https://learn.microsoft.com/windows/security/threat-protection/security-policy-settings/maximum-lifetime-for-service-ticket",
        "ms.date 10/12/2016 (windowsserverdocs WindowsServerDocs/security/security-policy-settings/maximum-lifetime-for-service-ticket.md)",
    ),
    s(
        "HTTPSYS-REGISTRY",
        "Http.sys registry settings for Windows (MaxFieldLength and MaxRequestBytes default 16,384 bytes)",
        "https://learn.microsoft.com/troubleshoot/developer/webapps/iis/iisadmin-service-inetinfo/httpsys-registry-windows",
        "KB 820129 as published on Learn (read 2026-12)",
    ),
    s(
        "NGINX-HEADER-BUFFERS",
        "nginx ngx_http_core_module large_client_header_buffers (default 4 8k) — a secondary source, flagged: not Microsoft's",
        "https://nginx.org/en/docs/http/ngx_http_core_module.html#large_client_header_buffers",
        "nginx documentation, as quoted by third parties (read 2026-12)",
    ),
];
