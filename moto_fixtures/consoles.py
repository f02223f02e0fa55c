"""Console-style edits on the sandbox's Alibaba Cloud and Azure, through the real SDKs.

In: a section of ``sandbox.json`` (``alibaba`` or ``azure``). Out: what a user clicking in a
console (or another tool) would do: list eastwest's groups/NSGs, delete one of its rules, add a
rule of one's own, list ENIs, launch an instance (Alibaba: through the fake's control endpoint,
as RunInstances is not in the metadata it serves), and a snapshot of everything that is *not*
eastwest's to compare before and after. Always: every call goes through ``aliyunsdkcore`` or
``azure-mgmt-network`` against the fake's wire protocol, never through a fake's in-memory state,
so an edit here is one a real user could make (the control endpoint aside).
``moto_fixtures.aws.console`` is the same for AWS. Used by ``eastwest demo``.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken
    from azure.mgmt.network import NetworkManagementClient

ECS, VPC = "2014-05-26", "2016-04-28"
MANAGED = "eastwest:managed"
POLICY = "eastwest:policy"


# -- Alibaba Cloud --------------------------------------------------------------------------


class AlibabaConsole:
    """Signed RPC calls to the sandbox's Alibaba fake, as the account's owner."""

    def __init__(self, section: Mapping[str, Any]) -> None:
        from aliyunsdkcore.client import AcsClient  # noqa: PLC0415 - only when used

        self.region = str(section["regions"][0])
        self.host = urlsplit(str(section["endpoint_url"])).netloc
        self._client = AcsClient(
            str(section["access_key_id"]),
            str(section["access_key_secret"]),
            self.region,
            proxy={"http": None, "https": None},  # the SDK ignores NO_PROXY
        )

    def call(self, version: str, action: str, **params: str) -> Any:
        from aliyunsdkcore.request import CommonRequest  # noqa: PLC0415

        request = CommonRequest(domain=self.host, version=version, action_name=action)
        request.set_method("POST")
        for key, value in {"RegionId": self.region, **params}.items():
            request.add_query_param(key, value)
        return json.loads(self._client.do_action_with_exception(request))

    def groups(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.call(ECS, "DescribeSecurityGroups", MaxResults="100")[
            "SecurityGroups"
        ]["SecurityGroup"]
        return found

    def rules(self, group_id: str) -> list[dict[str, Any]]:
        body = self.call(ECS, "DescribeSecurityGroupAttribute", SecurityGroupId=group_id)
        found: list[dict[str, Any]] = body["Permissions"]["Permission"]
        return found

    def owned_groups(self, policy: str) -> list[dict[str, Any]]:
        return [g for g in self.groups() if _alibaba_tags(g).get(POLICY) == policy]

    def delete_first_ingress_rule(self, group: Mapping[str, Any]) -> str:
        """Revoke the group's first ingress rule; describe what was deleted."""
        group_id = str(group["SecurityGroupId"])
        rule = next(r for r in self.rules(group_id) if r["Direction"] == "ingress")
        self.call(
            ECS,
            "RevokeSecurityGroup",
            SecurityGroupId=group_id,
            **{"SecurityGroupRuleId.1": str(rule["SecurityGroupRuleId"])},
        )
        peer = rule.get("SourcePrefixListId") or rule.get("SourceCidrIp") or "?"
        return (
            f"the {rule['IpProtocol']} {rule['PortRange']} ingress rule from {peer} "
            f"of {group['SecurityGroupName']} ({group_id})"
        )

    def interfaces(self, **filters: str) -> list[dict[str, Any]]:
        """Every ENI matching ``filters`` (``VpcId=…``, ``Type=Primary``…), page after page."""
        found: list[dict[str, Any]] = []
        token = ""
        while True:
            extra = {"NextToken": token} if token else {}
            body = self.call(ECS, "DescribeNetworkInterfaces", MaxResults="500", **filters, **extra)
            found += body["NetworkInterfaceSets"]["NetworkInterfaceSet"]
            token = str(body.get("NextToken") or "")
            if not token:
                return found

    def launch_instance(
        self,
        vswitch_id: str,
        group_ids: list[str],
        name: str,
        tags: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """A new instance (a scale-out) with its primary ENI. RunInstances is not in the
        metadata the fake serves, so this goes through its control endpoint (docs/sandbox.md)."""
        spec = {"VSwitchId": vswitch_id, "SecurityGroupIds": group_ids, "InstanceName": name}
        data = json.dumps({**spec, "Tags": dict(tags or {})}).encode()
        url = f"http://{self.host}/_eastwest/instances"
        request = urllib.request.Request(url, data=data, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the fake)
            launched: dict[str, str] = json.loads(response.read())
        return launched

    def unowned_snapshot(self) -> str:
        """Every group without eastwest's tag with its rules, and every prefix list that is
        not eastwest's, as JSON text (request ids dropped): compared byte for byte."""
        out: dict[str, Any] = {}
        for group in self.groups():
            if MANAGED not in _alibaba_tags(group):
                gid = str(group["SecurityGroupId"])
                out[gid] = {"group": group, "rules": self.rules(gid)}
        lists = self.call(VPC, "ListPrefixLists", MaxResults="100")["PrefixLists"]
        out["prefix_lists"] = [
            pl for pl in lists if not any(t["Key"] == MANAGED for t in pl.get("Tags", []))
        ]
        return json.dumps(out, sort_keys=True)


def _alibaba_tags(group: Mapping[str, Any]) -> dict[str, str]:
    return {t["TagKey"]: t["TagValue"] for t in group.get("Tags", {}).get("Tag", [])}


# -- Azure ----------------------------------------------------------------------------------


class _AnyToken:
    """The fake ARM accepts any bearer token."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        from azure.core.credentials import AccessToken  # noqa: PLC0415

        return AccessToken("eastwest-sandbox-console", int(time.time()) + 3600)


class AzureConsole:
    """``azure-mgmt-network`` against the sandbox's ARM fake, in one resource group."""

    def __init__(self, section: Mapping[str, Any]) -> None:
        from azure.mgmt.network import NetworkManagementClient  # noqa: PLC0415 - heavy

        self.group = str(section["resource_groups"][0])
        self.network: NetworkManagementClient = NetworkManagementClient(
            _AnyToken(),  # a TokenCredential by protocol
            str(section["subscriptions"][0]),
            base_url=str(section["endpoint_url"]),
            connection_verify=str(section["ca_bundle"]),
            polling_interval=0,
        )

    def owned_nsgs(self, policy: str) -> list[Any]:
        return [
            nsg
            for nsg in self.network.network_security_groups.list(self.group)
            if (nsg.tags or {}).get(POLICY) == policy
        ]

    def add_rogue_rule(self, nsg_name: str, port: int = 3389) -> str:
        """Open ``port`` from the Internet, as a hurried admin would; return the rule's name."""
        name = f"allow-{port}-from-anywhere"
        from azure.mgmt.network.models import SecurityRule  # noqa: PLC0415

        properties = {
            "protocol": "Tcp",
            "access": "Allow",
            "direction": "Inbound",
            "priority": 4000,
            "sourceAddressPrefix": "Internet",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": str(port),
        }
        rule = SecurityRule({"properties": properties})
        self.network.security_rules.begin_create_or_update(
            self.group, nsg_name, name, rule
        ).result()
        return name

    def unowned_snapshot(self) -> str:
        """Every NSG and route table eastwest does not own, as ARM answers them (an NSG's etag
        included: a write that changed nothing would still change one). An NSG's ``subnets``
        back-references are dropped: they change when eastwest associates its own NSG. In a
        route table, eastwest's own routes (``eastwest-`` names) and ``eastwest:`` tags are
        left out, and so is the table's etag, which they change; every other route is kept
        whole, etag included."""
        nsgs = {}
        for nsg in self.network.network_security_groups.list(self.group):
            if (nsg.tags or {}).get(MANAGED) != "true":
                body = nsg.as_dict()
                body.pop("subnets", None)
                nsgs[str(nsg.name)] = body
        tables = {
            str(t.name): _unowned_part(t.as_dict())
            for t in self.network.route_tables.list(self.group)
            if (t.tags or {}).get(MANAGED) != "true"
        }
        return json.dumps({"nsgs": nsgs, "route_tables": tables}, sort_keys=True, default=str)


def _unowned_part(table: dict[str, Any]) -> dict[str, Any]:
    body = dict(table)
    body.pop("etag", None)
    body["routes"] = [
        r for r in body.get("routes", []) if not str(r.get("name", "")).startswith("eastwest-")
    ]
    body["tags"] = {
        k: v for k, v in (body.get("tags") or {}).items() if not k.startswith("eastwest:")
    }
    return body
