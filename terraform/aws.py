"""The AWS module: security groups, standalone rules, managed prefix lists and transit routing
(``aws_routes.py``) as Terraform JSON.

In: the AWS scopes of a ``DesiredState`` (and, for import blocks, the native id of each key that
already exists). Out: plain dicts, ready for ``json.dumps``: the ``aws/`` module, the root's
provider configurations and module call, its import blocks, and a provider override for the
local sandbox.
Always: every resource is exactly what ``providers/aws/writer.py`` creates (names, descriptions,
ownership tags, rule descriptions, ``max_entries``, IPv4), so the reconciler and Terraform agree
in both directions; rules are standalone ``aws_vpc_security_group_{ingress,egress}_rule``
resources, never inline blocks (the provider's documentation: mixing the two fights itself);
VPCs, transit gateways, attachments and VPC route tables are referenced by id, never declared.
The provider removes a new group's default egress rule itself, as eastwest does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from orchestrator.diagnostics import Diagnostic
from orchestrator.state import (
    AddressSet,
    DesiredScope,
    FirewallGroup,
    FlowRule,
    HubTable,
    ObservedScope,
    Resource,
)
from orchestrator.state.resources import address_set_key
from terraform import aws_lists, aws_routes
from terraform.aws_lists import ListTag
from terraform.aws_routes import RecordTag
from terraform.names import provider_alias, unique_names
from terraform.world import World

SOURCE = "hashicorp/aws"
# Validated (terraform validate, apply, plan) against 5.100.0; the 5.x line keeps these
# resources and arguments, 6.0 may not.
VERSION = "~> 5.100"

# The same tag names as providers/aws/translate.py (terraform/ never imports providers/; a test
# keeps the two equal).
TAG_MANAGED = "eastwest:managed"
TAG_POLICY = "eastwest:policy"
TAG_KEY = "eastwest:key"
TAG_SEGMENT = "eastwest:segment"
# Bookkeeping tags eastwest writes after it applies: Terraform must neither add nor remove them,
# or a plan after `eastwest apply` would propose removing them.
BOOKKEEPING_TAGS = {
    "aws_security_group": ("eastwest:rules-digest",),
    # Declared as aws_ec2_tag resources instead (aws_lists.py): the proof of the entries.
    "aws_ec2_managed_prefix_list": (aws_lists.TAG_CIDRS_DIGEST, aws_lists.TAG_VERSION),
    "aws_ec2_transit_gateway_route_table": (aws_routes.TAG_ROUTES_DIGEST,),
}

Json = dict[str, Any]
Generated = Resource | RecordTag | ListTag


def resource_type(resource: Generated) -> str:
    if isinstance(resource, AddressSet):
        return "aws_ec2_managed_prefix_list"
    if isinstance(resource, FirewallGroup):
        return "aws_security_group"
    if isinstance(resource, FlowRule):
        return f"aws_vpc_security_group_{resource.direction}_rule"
    if isinstance(resource, RecordTag | ListTag):
        return aws_routes.RECORD_TYPE
    if resource.kind in aws_routes.TYPES:
        return aws_routes.TYPES[resource.kind]
    raise ValueError(f"{resource.key}: a {resource.kind} is not generated")


def generated(policy: str, scopes: Iterable[DesiredScope]) -> dict[str, Generated]:
    """Key → what the module declares: every desired resource but the kinds Terraform cannot
    set (``aws_routes.caveats`` names them), and the route tables' ownership records."""
    found: dict[str, Generated] = {}
    for desired in scopes:
        found |= {
            k: r for k, r in desired.resources.items() if r.kind not in aws_routes.NOT_GENERATED
        }
        found |= {r.key: r for r in aws_routes.record_tags(policy, desired)}
        found |= {t.key: t for t in aws_lists.list_tags(desired)}
    return found


def addresses(policy: str, scopes: Iterable[DesiredScope]) -> dict[str, str]:
    """Key → ``type.name`` inside the module, for everything it declares."""
    resources = generated(policy, scopes)
    names = unique_names((key, res.scope) for key, res in resources.items())
    return {key: f"{resource_type(resources[key])}.{name}" for key, name in names.items()}


def module(policy: str, scopes: list[DesiredScope], world: World | None = None) -> Json:
    """The ``aws/`` module's one file."""
    where = addresses(policy, scopes)
    resources: dict[str, dict[str, Json]] = {}
    for key, res in sorted(generated(policy, scopes).items()):
        rtype, name = where[key].split(".", 1)
        resources.setdefault(rtype, {})[name] = _body(policy, res, where)
    return {
        "terraform": {"required_providers": {"aws": _requirement(scopes)}},
        "resource": resources,
        "output": _outputs(scopes, where),
    }


def _requirement(scopes: list[DesiredScope]) -> Json:
    aliases = sorted({f"aws.{provider_alias(d.scope)}" for d in scopes})
    return {"source": SOURCE, "version": VERSION, "configuration_aliases": aliases}


def _body(policy: str, res: Generated, where: Mapping[str, str]) -> Json:
    body: Json = {"provider": f"aws.{provider_alias(res.scope)}"}
    if isinstance(res, AddressSet):
        body |= _prefix_list(policy, res)
    elif isinstance(res, FirewallGroup):
        body |= _security_group(policy, res)
    elif isinstance(res, FlowRule):
        body |= _rule(res, where)
    elif isinstance(res, HubTable):
        body |= _hub_table(policy, res)
    elif isinstance(res, ListTag):
        body |= aws_lists.body(res, where)
    else:
        body |= aws_routes.body(res, where)
    return body


def _ownership(policy: str, key: str, segment: str) -> Json:
    return {TAG_MANAGED: "true", TAG_POLICY: policy, TAG_KEY: key, TAG_SEGMENT: segment}


def _ignore_bookkeeping(rtype: str) -> Json:
    return {"ignore_changes": [f'tags["{tag}"]' for tag in BOOKKEEPING_TAGS[rtype]]}


def _prefix_list(policy: str, aset: AddressSet) -> Json:
    return {
        "name": aset.name,
        "address_family": "IPv4",
        "max_entries": aset.max_entries,
        "entry": [{"cidr": cidr} for cidr in sorted(aset.cidrs)],
        "tags": _ownership(policy, aset.key, aset.segment),
        "lifecycle": _ignore_bookkeeping("aws_ec2_managed_prefix_list"),
    }


def _security_group(policy: str, group: FirewallGroup) -> Json:
    return {
        "name": group.name,
        "description": group.description,
        "vpc_id": group.network,
        "tags": _ownership(policy, group.key, group.segment),
        "lifecycle": _ignore_bookkeeping("aws_security_group"),
    }


def _hub_table(policy: str, table: HubTable) -> Json:
    return {
        "transit_gateway_id": table.hub,
        "tags": _ownership(policy, table.key, table.segment) | {"Name": table.name},
        "lifecycle": _ignore_bookkeeping("aws_ec2_transit_gateway_route_table"),
    }


def _rule(rule: FlowRule, where: Mapping[str, str]) -> Json:
    body: Json = {
        "security_group_id": f"${{{where[rule.group]}.id}}",
        "ip_protocol": "-1" if rule.protocol == "all" else rule.protocol,
    }
    if rule.protocol != "all":
        body |= {"from_port": rule.from_port, "to_port": rule.to_port}
    if rule.description:
        body["description"] = rule.description
    return body | _peer(rule, where)


def _peer(rule: FlowRule, where: Mapping[str, str]) -> Json:
    kind, _, value = rule.peer.partition(":")
    if kind == "set":
        aset = address_set_key(rule.scope, value)
        if aset not in where:
            raise ValueError(f"{rule.key}: no address set {aset} in the desired state")
        return {"prefix_list_id": f"${{{where[aset]}.id}}"}
    if kind == "cidr":
        return {"cidr_ipv6" if ":" in value else "cidr_ipv4": value}
    # ref: peers are observed drift only; the compiler never wants one.
    raise ValueError(f"{rule.key}: peer {rule.peer!r} cannot be generated")


def _outputs(scopes: list[DesiredScope], where: Mapping[str, str]) -> Json:
    """Ids by key, so a team can attach the groups to its instances from other Terraform."""
    groups = {g.key: f"${{{where[g.key]}.id}}" for d in scopes for g in d.of_kind(FirewallGroup)}
    lists = {a.key: f"${{{where[a.key]}.id}}" for d in scopes for a in d.of_kind(AddressSet)}
    return {
        "security_group_ids": {"value": dict(sorted(groups.items()))},
        "prefix_list_ids": {"value": dict(sorted(lists.items()))},
    }


def providers(scopes: list[DesiredScope]) -> list[Json]:
    """One configuration per account and region; ``allowed_account_ids`` makes the provider
    refuse other credentials, as eastwest's identity check does."""
    return [
        {
            "alias": provider_alias(d.scope),
            "region": d.scope.region,
            "allowed_account_ids": [d.scope.account],
        }
        for d in sorted(scopes, key=lambda d: d.scope)
    ]


def module_call(scopes: list[DesiredScope]) -> Json:
    aliases = sorted({f"aws.{provider_alias(d.scope)}" for d in scopes})
    return {"source": "./aws", "providers": {alias: alias for alias in aliases}}


def import_blocks(
    policy: str, scopes: list[DesiredScope], native: Mapping[str, str], world: World | None = None
) -> list[Json]:
    """Adopt what already exists: one block per declared key with an id (sg-, pl-, sgr-,
    tgw-rtb-, and the routing resources' composite ids from ``import_ids``)."""
    where = addresses(policy, scopes)
    return [
        {"to": f"module.aws.{where[key]}", "id": native[key]}
        for key in sorted(where)
        if key in native
    ]


def import_ids(
    policy: str, desired: DesiredScope, seen: ObservedScope, world: World | None = None
) -> dict[str, str]:
    """Import ids that are not one native id: those of the routing resources."""
    return aws_routes.import_ids(policy, desired, seen) | aws_lists.import_ids(desired, seen)


def caveats(scopes: list[DesiredScope]) -> list[Diagnostic]:
    return aws_routes.caveats(scopes)


def sandbox_override(scopes: list[DesiredScope], aws: Mapping[str, Any]) -> Json:
    """Provider settings that point every configuration at the local sandbox.

    The provider cannot send moto's ``x-moto-account-id`` header; instead it assumes a role in
    the scope's account, as it would across real accounts, and moto files the temporary keys it
    answers under that account. The keys are the sandbox's fixed fake ones.
    """
    url = aws["endpoint_url"]
    blocks = [
        {
            "alias": provider_alias(d.scope),
            "access_key": aws["access_key_id"],
            "secret_key": aws["secret_access_key"],
            "skip_credentials_validation": True,
            "skip_metadata_api_check": True,
            "skip_region_validation": True,
            "endpoints": [{"ec2": url, "sts": url}],
            "assume_role": [{"role_arn": f"arn:aws:iam::{d.scope.account}:role/eastwest-sandbox"}],
        }
        for d in sorted(scopes, key=lambda d: d.scope)
    ]
    return {"provider": {"aws": blocks}}
