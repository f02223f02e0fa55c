"""Least-privilege permission documents: what eastwest may call for one policy, per cloud.

In: a ``Policy``. Out: per cloud the policy uses, the document that cloud's access management
takes: an AWS IAM policy, an Alibaba Cloud RAM policy, an Azure custom role definition.
Always: the actions come from the tables below, one per provider and feature, and only the
features the policy uses are granted (transit and inspection only where it declares a hub of
that cloud, the firewall probes' reads where a hub has firewalls). The tables are checked
against every call the sandbox sees eastwest make, the cloud probes' included
(tests/orchestrator/test_permissions.py): a call missing from a table fails the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orchestrator.compile.transit import ROUTING_CLOUDS
from orchestrator.model.policy import AzureAccount, Policy

Table = Mapping[str, tuple[str, ...]]

# Feature → actions. "base": identity and inventory; "groups": firewall groups, address sets
# and the attachment of the groups to workload interfaces; "transit": hub route tables,
# associations, propagations and the network routes to the hub; "inspection": the firewall
# next hops and the appliance mode of the inspection attachment; "probes": the reads of the
# clouds' own health of the hub firewalls (``eastwest run --firewall-probes cloud``,
# ``providers/<cloud>/health.py``), granted with any hub that has firewalls.
AWS: Table = {
    "base": ("sts:GetCallerIdentity", "ec2:DescribeVpcs", "ec2:DescribeSubnets"),
    "groups": (
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSecurityGroupRules",
        "ec2:CreateSecurityGroup",
        "ec2:DeleteSecurityGroup",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:DescribeManagedPrefixLists",
        "ec2:GetManagedPrefixListEntries",
        "ec2:CreateManagedPrefixList",
        "ec2:ModifyManagedPrefixList",
        "ec2:DeleteManagedPrefixList",
        "ec2:CreateTags",
        "ec2:DeleteTags",
        "ec2:DescribeNetworkInterfaces",
        "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:DescribeNetworkAcls",  # eastwest paths: the subnets' ACLs decide effective access
    ),
    "transit": (
        "ec2:DescribeTransitGateways",
        "ec2:DescribeTransitGatewayAttachments",
        "ec2:DescribeTransitGatewayVpcAttachments",
        "ec2:DescribeTransitGatewayRouteTables",
        "ec2:GetTransitGatewayRouteTableAssociations",
        "ec2:GetTransitGatewayRouteTablePropagations",
        "ec2:SearchTransitGatewayRoutes",
        "ec2:CreateTransitGatewayRouteTable",
        "ec2:DeleteTransitGatewayRouteTable",
        "ec2:AssociateTransitGatewayRouteTable",
        "ec2:DisassociateTransitGatewayRouteTable",
        "ec2:EnableTransitGatewayRouteTablePropagation",
        "ec2:DisableTransitGatewayRouteTablePropagation",
        "ec2:CreateTransitGatewayRoute",
        "ec2:ReplaceTransitGatewayRoute",
        "ec2:DeleteTransitGatewayRoute",
        "ec2:DescribeRouteTables",
        "ec2:CreateRoute",
        "ec2:ReplaceRoute",
        "ec2:DeleteRoute",
        "ec2:CreateTags",
        "ec2:DeleteTags",
    ),
    "inspection": (
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeNetworkInterfaces",
        "ec2:ModifyTransitGatewayVpcAttachment",
    ),
    "probes": (  # GWLB endpoint → service → GWLB → listeners → target health, targets' zones
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcEndpointServiceConfigurations",
        "ec2:DescribeInstances",
        "ec2:DescribeSubnets",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeTargetHealth",
    ),
}

ALIBABA: Table = {
    "base": ("vpc:DescribeVpcs", "vpc:DescribeVSwitches"),
    "groups": (
        "ecs:DescribeSecurityGroups",
        "ecs:DescribeSecurityGroupAttribute",
        "ecs:CreateSecurityGroup",
        "ecs:DeleteSecurityGroup",
        "ecs:AuthorizeSecurityGroup",
        "ecs:AuthorizeSecurityGroupEgress",
        "ecs:RevokeSecurityGroup",
        "ecs:RevokeSecurityGroupEgress",
        "ecs:TagResources",
        "ecs:UntagResources",  # an exclusive attachment's record on an ENI, removed on release
        "vpc:ListPrefixLists",
        "vpc:GetVpcPrefixListEntries",  # eastwest paths: a rule's prefix list, resolved
        "vpc:CreateVpcPrefixList",
        "vpc:ModifyVpcPrefixList",
        "vpc:DeleteVpcPrefixList",
        "ecs:DescribeNetworkInterfaces",
        "ecs:JoinSecurityGroup",
        "ecs:LeaveSecurityGroup",
        "ecs:ModifyNetworkInterfaceAttribute",
    ),
    "transit": (
        "cen:ListTransitRouters",
        "cen:ListTransitRouterVpcAttachments",
        "cen:ListTransitRouterRouteTables",
        "cen:ListTransitRouterRouteTableAssociations",
        "cen:ListTransitRouterRouteTablePropagations",
        "cen:ListTransitRouterRouteEntries",
        "cen:CreateTransitRouterRouteTable",
        "cen:DeleteTransitRouterRouteTable",
        "cen:AssociateTransitRouterAttachmentWithRouteTable",
        "cen:DissociateTransitRouterAttachmentFromRouteTable",
        "cen:EnableTransitRouterRouteTablePropagation",
        "cen:DisableTransitRouterRouteTablePropagation",
        "cen:CreateTransitRouterRouteEntry",
        "cen:DeleteTransitRouterRouteEntry",
        "cen:TagResources",
        "vpc:DescribeRouteTableList",
        "vpc:DescribeRouteEntryList",
        "vpc:CreateRouteEntry",
        "vpc:ModifyRouteEntry",
        "vpc:DeleteRouteEntry",
        "vpc:TagResources",
    ),
    "inspection": ("ecs:DescribeNetworkInterfaces",),
    "probes": ("ecs:DescribeNetworkInterfaces", "ecs:DescribeInstanceStatus"),
}

_NET = "Microsoft.Network/"
AZURE: Table = {
    "base": (
        _NET + "virtualNetworks/read",
        _NET + "virtualNetworks/subnets/read",
        _NET + "locations/operations/read",
        _NET + "locations/operationResults/read",
    ),
    "groups": (
        _NET + "networkSecurityGroups/read",
        _NET + "networkSecurityGroups/write",
        _NET + "networkSecurityGroups/delete",
        _NET + "networkSecurityGroups/join/action",
        _NET + "networkSecurityGroups/securityRules/read",
        _NET + "networkSecurityGroups/securityRules/write",
        _NET + "networkSecurityGroups/securityRules/delete",
        _NET + "virtualNetworks/subnets/write",
        _NET + "networkInterfaces/read",
        _NET + "networkInterfaces/write",
        _NET + "applicationSecurityGroups/read",
        _NET + "applicationSecurityGroups/write",
        _NET + "applicationSecurityGroups/delete",  # asg_membership: removal
        _NET + "applicationSecurityGroups/joinIpConfiguration/action",
    ),
    "transit": (
        _NET + "routeTables/read",
        _NET + "routeTables/write",
        _NET + "routeTables/delete",
        _NET + "routeTables/join/action",
        _NET + "routeTables/routes/read",
        _NET + "routeTables/routes/write",
        _NET + "routeTables/routes/delete",
        _NET + "virtualNetworks/subnets/write",
        _NET + "virtualNetworks/write",
        _NET + "virtualNetworks/virtualNetworkPeerings/read",
        _NET + "virtualNetworks/virtualNetworkPeerings/write",
        _NET + "virtualNetworks/virtualNetworkPeerings/delete",
        _NET + "virtualNetworks/peer/action",
    ),
    "inspection": (_NET + "networkInterfaces/read",),
    "probes": (  # the load balancers before the NVAs, and each rule's backend health
        _NET + "loadBalancers/read",
        # A POST action's permission is "<type>/<action>/action" in ARM's naming.
        _NET + "loadBalancers/loadBalancingRules/health/action",
        _NET + "locations/operations/read",
        _NET + "locations/operationResults/read",
    ),
}

TABLES: Mapping[str, Table] = {"aws": AWS, "alibaba": ALIBABA, "azure": AZURE}

# `eastwest flows ingest --from CLOUD POLICY…`: reads of where the flow logs are configured
# (EC2's and VPC's DescribeFlowLogs, Network Watcher's flowLogs) and of where they land, in
# every document (a policy does not say whether its flows are ingested). SLS's GetCursor and
# PullLogs are both RAM's log:GetCursorOrData; S3's ListObjectsV2 is IAM's s3:ListBucket (a
# read, like GetObject: IAM names it by the bucket); reading a blob (listing included) is an
# Azure data action, granted on the storage account by a role assignment there.
FLOW_READS: Mapping[str, tuple[str, ...]] = {
    "aws": ("ec2:DescribeFlowLogs", "logs:FilterLogEvents", "s3:ListBucket", "s3:GetObject"),
    "alibaba": ("vpc:DescribeFlowLogs", "log:ListShards", "log:GetCursorOrData"),
    "azure": (
        "Microsoft.Network/networkWatchers/read",
        "Microsoft.Network/networkWatchers/flowLogs/read",
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    ),
}
# Of those, the reads of data (a role's DataActions, not its Actions).
AZURE_DATA_ACTIONS = ("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",)


def features(policy: Policy, cloud: str) -> tuple[str, ...]:
    """The features of ``policy`` in ``cloud``, in table order."""
    accounts = {a.name for a in policy.accounts if a.cloud == cloud}
    if not accounts:
        return ()
    used = ["base", "groups"]
    hubs = [h for h in policy.hubs if h.account in accounts]
    if hubs and cloud in ROUTING_CLOUDS:
        used.append("transit")
        if any(h.inspection for h in hubs):  # an inspection block has one firewall at least
            used.extend(("inspection", "probes"))
    return tuple(used)


def actions(policy: Policy, cloud: str) -> tuple[str, ...]:
    """Every action eastwest may call in ``cloud`` for ``policy``: sorted, each once."""
    table = TABLES[cloud]
    granted = {a for f in features(policy, cloud) for a in table[f]}
    return tuple(sorted(granted | (set(FLOW_READS[cloud]) if granted else set())))


def documents(policy: Policy) -> dict[str, dict[str, Any]]:
    """Cloud → its permission document, for every supported cloud the policy has an account in."""
    makers = {"aws": _iam, "alibaba": _ram, "azure": _azure_role}
    return {
        cloud: make(policy, actions(policy, cloud))
        for cloud, make in makers.items()
        if features(policy, cloud)
    }


def _iam(policy: Policy, granted: tuple[str, ...]) -> dict[str, Any]:
    read_verbs = ("Describe", "Get", "Search", "Filter", "List")
    reads = [a for a in granted if a.split(":", 1)[1].startswith(read_verbs)]
    writes = [a for a in granted if a not in reads]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "EastwestRead", "Effect": "Allow", "Action": reads, "Resource": "*"},
            {"Sid": "EastwestWrite", "Effect": "Allow", "Action": writes, "Resource": "*"},
        ],
    }


def _ram(policy: Policy, granted: tuple[str, ...]) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": list(granted), "Resource": "*"}
    return {"Version": "1", "Statement": [statement]}


def _azure_role(policy: Policy, granted: tuple[str, ...]) -> dict[str, Any]:
    scopes = sorted(
        {
            f"/subscriptions/{a.subscription_id}/resourceGroups/{a.resource_group}"
            for a in policy.accounts
            if isinstance(a, AzureAccount)
        }
    )
    return {
        "Name": f"eastwest-{policy.name}",
        "IsCustom": True,
        "Description": f"What eastwest calls to enforce the policy {policy.name}",
        "Actions": [a for a in granted if a not in AZURE_DATA_ACTIONS],
        "NotActions": [],
        "DataActions": [a for a in granted if a in AZURE_DATA_ACTIONS],
        "NotDataActions": [],
        "AssignableScopes": scopes,
    }
