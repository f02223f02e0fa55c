"""Decoys and faults on the sandbox clouds, set through the SDKs and the fakes' control paths.

Decoys are hand-made objects carrying *some* of eastwest's marks, each with a rule of its own:
a key copied from one of eastwest's real keys without the rest (``key-only``), or every mark
but of another policy (``other-policy``). eastwest must leave them exactly as they are: neither
adopt them, nor rewrite them, nor delete them. Faults are the three fakes' ``/_eastwest/faults``
(docs/sandbox.md), given the same shares and a seed per cloud.
"""

from __future__ import annotations

import json
import random
import ssl
import urllib.request
from collections.abc import Mapping
from typing import Any

from moto_fixtures.aws import console
from moto_fixtures.consoles import ECS, AlibabaConsole, AzureConsole
from tests.chaos.world import AWS_ACCOUNT, KEY, MANAGED, POLICY

SHARES = {"throttle": 0.3, "server_error": 0.05, "lost": 0.05}
CLOUDS = ("aws", "alibaba", "azure")


def set_faults(sandbox: Mapping[str, Any], seed: int, shares: Mapping[str, float]) -> None:
    """The same shares on every action of the three fakes, one seed each (None: off)."""
    for index, cloud in enumerate(CLOUDS):
        body = {**shares, "seed": seed * 10 + index} if shares else None
        _post_faults(sandbox[cloud], body)


def _post_faults(section: Mapping[str, Any], body: dict[str, Any] | None) -> None:
    url = str(section["endpoint_url"]) + "/_eastwest/faults"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "DELETE")
    tls = (
        ssl.create_default_context(cafile=section["ca_bundle"]) if "ca_bundle" in section else None
    )
    with urllib.request.urlopen(request, timeout=10, context=tls):
        pass


def _marks(rng: random.Random, policy: str, key: str) -> tuple[str, dict[str, str]]:
    kind = rng.choice(("key-only", "other-policy"))
    if kind == "key-only":
        return kind, {KEY: key}
    return kind, {MANAGED: "true", POLICY: f"{policy}-other", KEY: key}


def plant(sandbox: Mapping[str, Any], rng: random.Random, policy: str) -> list[str]:
    """One decoy group per cloud, in a member network, with a copied key; their names."""
    return [
        _aws_decoy(sandbox, rng, policy),
        _alibaba_decoy(sandbox, rng, policy),
        _azure_decoy(sandbox, rng, policy),
    ]


def _aws_decoy(sandbox: Mapping[str, Any], rng: random.Random, policy: str) -> str:
    ec2: Any = console.sandbox_ec2(sandbox, AWS_ACCOUNT)
    vpc = sandbox["aws"]["landing_zone"]["ids"]["spoke-web-1"]
    kind, tags = _marks(rng, policy, f"aws/{AWS_ACCOUNT}/us-east-1/fwgroup/web@{vpc}")
    name = f"decoy-{kind}"
    spec = [{"ResourceType": "security-group", "Tags": [{"Key": k, "Value": v}
             for k, v in {**tags, "Name": name}.items()]}]  # fmt: skip
    group = ec2.create_security_group(
        GroupName=name, Description="hand-made", VpcId=vpc, TagSpecifications=spec
    )
    ec2.authorize_security_group_ingress(
        GroupId=group["GroupId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 9000, "ToPort": 9000,
                        "IpRanges": [{"CidrIp": "192.0.2.0/24"}]}],
    )  # fmt: skip
    return name


def _alibaba_decoy(sandbox: Mapping[str, Any], rng: random.Random, policy: str) -> str:
    ali = AlibabaConsole(sandbox["alibaba"])
    zone = sandbox["alibaba"]["landing_zone"]
    vpc, scope = zone["vpcs"]["spoke-web-1"], f"alibaba/{zone['account_id']}/{zone['region']}"
    kind, tags = _marks(rng, policy, f"{scope}/fwgroup/web@{vpc}")
    name = f"decoy-{kind}"
    flat = {f"Tag.{i}.{f}": v for i, (k, val) in enumerate(tags.items(), 1)
            for f, v in (("Key", k), ("Value", val))}  # fmt: skip
    made = ali.call(ECS, "CreateSecurityGroup", VpcId=vpc, SecurityGroupName=name, **flat)
    ali.call(
        ECS,
        "AuthorizeSecurityGroup",
        SecurityGroupId=made["SecurityGroupId"],
        **{"Permissions.1.IpProtocol": "TCP", "Permissions.1.PortRange": "9000/9000",
           "Permissions.1.SourceCidrIp": "192.0.2.0/24", "Permissions.1.Policy": "accept"},
    )  # fmt: skip
    return name


def _azure_decoy(sandbox: Mapping[str, Any], rng: random.Random, policy: str) -> str:
    from azure.mgmt.network.models import (
        NetworkSecurityGroup,
        NetworkSecurityGroupPropertiesFormat,
        SecurityRule,
        SecurityRulePropertiesFormat,
    )

    az = AzureConsole(sandbox["azure"])
    zone = sandbox["azure"]["landing_zone"]
    scope = f"azure/{zone['subscription_id']}/{zone['region']}"
    kind, tags = _marks(rng, policy, f"{scope}/fwgroup/web@vnet-web")
    name = f"decoy-{kind}"
    rule = SecurityRule(name="allow-9000", properties=SecurityRulePropertiesFormat(
        protocol="Tcp", access="Allow", direction="Inbound", priority=900,
        source_address_prefix="192.0.2.0/24", source_port_range="*",
        destination_address_prefix="*", destination_port_range="9000",
    ))  # fmt: skip
    rules = NetworkSecurityGroupPropertiesFormat(security_rules=[rule])
    nsg = NetworkSecurityGroup(location=zone["region"], tags=tags, properties=rules)
    az.network.network_security_groups.begin_create_or_update(az.group, name, nsg).result()
    return name
