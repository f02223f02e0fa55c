"""Console-style edits against the sandbox, as a person (or another tool) would make them.

Used by ``eastwest demo`` and the tests to create drift and to snapshot what eastwest does not
own, so that "unowned resources are byte-for-byte unchanged" can be checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

MANAGED_TAG = "eastwest:managed"


def sandbox_ec2(sandbox: Mapping[str, Any], account: str, region: str = "us-east-1") -> EC2Client:
    aws = sandbox["aws"]
    client = boto3.Session(
        aws_access_key_id=aws["access_key_id"],
        aws_secret_access_key=aws["secret_access_key"],
        region_name=region,
    ).client("ec2", endpoint_url=aws["endpoint_url"])

    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    client.meta.events.register("before-send.*", add_header)
    return client


def managed_groups(ec2: EC2Client) -> list[Any]:
    return list(
        ec2.describe_security_groups(Filters=[{"Name": f"tag:{MANAGED_TAG}", "Values": ["true"]}])[
            "SecurityGroups"
        ]
    )


def add_rogue_rule(ec2: EC2Client, group_id: str, port: int = 22) -> None:
    """Someone opens SSH (or ``port``) to the world on a managed group at 3 a.m."""
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": port,
                "ToPort": port,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "temporary debug"}],
            }
        ],
    )


def delete_first_ingress_rule(ec2: EC2Client, group: Mapping[str, Any]) -> str:
    """Someone removes a rule eastwest manages; returns a description of what went."""
    perm: Any = dict(group["IpPermissions"][0])
    ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[perm])
    ports = "all" if perm["IpProtocol"] == "-1" else f"{perm['IpProtocol']}/{perm['FromPort']}"
    return f"ingress {ports} on {group['GroupName']} ({group['GroupId']})"


def unowned_snapshot(ec2: EC2Client) -> str:
    """Everything eastwest must never touch (groups and prefix lists without its tag), as
    canonical JSON, to compare byte for byte before and after."""
    groups = [
        sg
        for sg in ec2.describe_security_groups()["SecurityGroups"]
        if not any(t["Key"] == MANAGED_TAG for t in sg.get("Tags", []))
    ]
    lists = [
        pl
        for pl in ec2.describe_managed_prefix_lists()["PrefixLists"]
        if not any(t["Key"] == MANAGED_TAG for t in pl.get("Tags", []))
    ]
    entries = {
        pl["PrefixListId"]: ec2.get_managed_prefix_list_entries(PrefixListId=pl["PrefixListId"])[
            "Entries"
        ]
        for pl in lists
        if pl.get("OwnerId") != "AWS"
    }
    body = {
        "groups": sorted(groups, key=lambda g: g["GroupId"]),
        "prefix_lists": sorted(lists, key=lambda p: p["PrefixListId"]),
        "entries": entries,
    }
    return json.dumps(body, sort_keys=True, default=str)
