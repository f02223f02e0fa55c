"""Cheap seeding of many accounts and regions on the local AWS: VPCs made with plain HTTP.

In: the endpoint and (account, region, CIDR, tags) per VPC. Out: the VPC ids, in order.
Always: one keep-alive connection and one ``CreateVpc`` query per VPC, with the account in the
``x-moto-account-id`` header and the region in a SigV4-shaped credential scope (moto reads the
region there and checks no signature), so no boto3 client is built per account and region: a
client costs tens of milliseconds of CPU, more than moto takes to make the VPC. For estates of
hundreds of scopes (``tests/benchmarks/reconcile_scale.py``); everything else seeds through
boto3 (``seed.py``).
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

_VPC_ID = re.compile(rb"<vpcId>(vpc-[0-9a-f]+)</vpcId>")


@dataclass(frozen=True, slots=True)
class ScopeVpc:
    account: str
    region: str
    cidr: str
    tags: Mapping[str, str] = field(default_factory=dict)


def _query(vpc: ScopeVpc) -> str:
    params = {"Action": "CreateVpc", "Version": "2016-11-15", "CidrBlock": vpc.cidr}
    if vpc.tags:
        params["TagSpecification.1.ResourceType"] = "vpc"
    for n, (key, value) in enumerate(sorted(vpc.tags.items()), start=1):
        params[f"TagSpecification.1.Tag.{n}.Key"] = key
        params[f"TagSpecification.1.Tag.{n}.Value"] = value
    return urlencode(params)


def _headers(vpc: ScopeVpc) -> dict[str, str]:
    scope = f"AKIAEASTWEST/20260101/{vpc.region}/ec2/aws4_request"
    return {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, Signature=0",
        "x-moto-account-id": vpc.account,
    }


def seed_vpcs(endpoint: str, vpcs: Iterable[ScopeVpc]) -> list[str]:
    url = urlsplit(endpoint)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    made: list[str] = []
    try:
        for vpc in vpcs:
            connection.request("POST", "/", body=_query(vpc), headers=_headers(vpc))
            answer = connection.getresponse()
            body = answer.read()
            found = _VPC_ID.search(body)
            if answer.status != 200 or found is None:
                raise RuntimeError(f"CreateVpc {vpc} answered {answer.status}: {body[:300]!r}")
            made.append(found.group(1).decode())
    finally:
        connection.close()
    return made
