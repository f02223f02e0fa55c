"""The published API metadata the fake clouds conform to: where the shipped copy is, and how to
rebuild it from a full copy.

In: a folder holding a full copy of the metadata: ``alibaba/{ecs,vpc,cbn}.json`` (Alibaba Cloud's
OpenAPI metadata as published, MIT-licensed, by dew-serverless/acs-sdk-php) and ``azure/*.json``
(the Microsoft.Network swagger of Azure/azure-rest-api-specs, MIT-licensed). Out: the trimmed
copies this package ships, ``moto_fixtures/alibaba/api/`` and ``moto_fixtures/azure/api/``.
Always: what is kept is named here and nowhere else: the Alibaba actions in
``ALIBABA_ACTIONS``, the ARM paths whose resource collection is in ``AZURE_KINDS`` or whose
POST action is in ``AZURE_ACTIONS``, and the swagger definitions in ``AZURE_DEFINITIONS`` with
every definition and parameter they reference inside the copied files; a named action or
definition missing from the source is an error, never a silent gap; the output is deterministic
(sorted keys, one indentation, a final newline), so a regenerated tree differs from the
committed one only where the source or these lists changed.

To let a fake implement one more action: add it to ``ALIBABA_ACTIONS`` (or its collection to
``AZURE_KINDS``), then run, from the repository root::

    python -m moto_fixtures.api_metadata regenerate --from /path/to/full-copy

and commit the changed JSON files. ``--to DIR`` writes elsewhere (``DIR/alibaba/api``,
``DIR/azure/api``). See NOTICE for the sources and their licences.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterator, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

# The actions the Alibaba fake answers (moto_fixtures/alibaba/responses/*.HANDLERS), plus the
# ECS instance and ENI actions of workload enforcement (ModifyInstanceAttribute is not in the
# source metadata, so it is not here).
ALIBABA_ACTIONS: Mapping[str, tuple[str, ...]] = {
    "ecs": (
        "AuthorizeSecurityGroup",
        "AuthorizeSecurityGroupEgress",
        "CreateSecurityGroup",
        "DeleteSecurityGroup",
        "DescribeInstanceStatus",
        "DescribeInstances",
        "DescribeNetworkInterfaceAttribute",
        "DescribeNetworkInterfaces",
        "DescribeSecurityGroupAttribute",
        "DescribeSecurityGroups",
        "JoinSecurityGroup",
        "LeaveSecurityGroup",
        "ListTagResources",
        "ModifyNetworkInterfaceAttribute",
        "RevokeSecurityGroup",
        "RevokeSecurityGroupEgress",
        "TagResources",
        "UntagResources",
    ),
    "vpc": (
        "AssociateRouteTable",
        "CreateFlowLog",
        "CreateRouteEntry",
        "CreateRouteTable",
        "CreateVpcPrefixList",
        "DeleteRouteEntry",
        "DeleteVpcPrefixList",
        "DescribeFlowLogs",
        "DescribeRouteEntryList",
        "DescribeRouteTableList",
        "DescribeVSwitches",
        "DescribeVpcs",
        "GetVpcPrefixListEntries",
        "ListPrefixLists",
        "ModifyRouteEntry",
        "ModifyVpcPrefixList",
        "TagResources",
    ),
    "cbn": (
        "AssociateTransitRouterAttachmentWithRouteTable",
        "CreateTransitRouterRouteEntry",
        "CreateTransitRouterRouteTable",
        "CreateTransitRouterVpcAttachment",
        "DeleteTransitRouterRouteEntry",
        "DeleteTransitRouterRouteTable",
        "DisableTransitRouterRouteTablePropagation",
        "DissociateTransitRouterAttachmentFromRouteTable",
        "EnableTransitRouterRouteTablePropagation",
        "ListTransitRouterRouteEntries",
        "ListTransitRouterRouteTableAssociations",
        "ListTransitRouterRouteTablePropagations",
        "ListTransitRouterRouteTables",
        "ListTransitRouterVpcAttachments",
        "ListTransitRouters",
        "TagResources",
    ),
}
ALIBABA_LICENSE = "LICENSE.md"

# The ARM resource collections the Azure fake serves (moto_fixtures/azure/state.KINDS): a path
# is kept when the last collection it names is one of these.
AZURE_KINDS = frozenset(
    {
        "applicationSecurityGroups",
        "defaultSecurityRules",
        "networkInterfaces",
        "networkSecurityGroups",
        "routeTables",
        "routes",
        "securityRules",
        "subnets",
        "virtualNetworkPeerings",
        "virtualNetworks",
    }
)
# POST actions the Azure fake answers (``moto_fixtures/azure/lb.py``): their paths are kept too.
# The load balancers' own collection is not in AZURE_KINDS although the fake serves it: its
# paths would bring the whole load balancer model (NAT, outbound, gateway…), ~100 KB of
# definitions the fake does not check; its parts' property definitions are listed below.
AZURE_ACTIONS = frozenset({"health"})
# Per swagger file, the definitions the fake's checks mirror (moto_fixtures/azure/schema.py);
# what they reference inside these files comes along.
AZURE_DEFINITIONS: Mapping[str, tuple[str, ...]] = {
    "applicationSecurityGroup.json": ("ApplicationSecurityGroupPropertiesFormat",),
    "loadBalancer.json": (
        "BackendAddressPoolPropertiesFormat",
        "FrontendIPConfigurationPropertiesFormat",
        "LoadBalancerBackendAddressPropertiesFormat",
        "LoadBalancerHealthPerRule",
        "LoadBalancerSku",
        "LoadBalancingRulePropertiesFormat",
        "ProbePropertiesFormat",
    ),
    "network.json": ("AzureAsyncOperationResult", "CloudError", "IPAllocationMethod"),
    "networkInterface.json": (
        "NetworkInterfaceIPConfigurationPropertiesFormat",
        "NetworkInterfacePropertiesFormat",
    ),
    "networkSecurityGroup.json": ("SecurityRulePropertiesFormat",),
    "routeTable.json": ("RoutePropertiesFormat",),
    "virtualNetwork.json": ("SubnetPropertiesFormat", "VirtualNetworkPeeringPropertiesFormat"),
}
# Swagger keys copied as they are; paths, definitions and parameters are trimmed.
_AZURE_HEADER = ("swagger", "info", "host", "schemes", "consumes", "produces", "security")
_AZURE_SECTIONS = ("paths", "definitions", "parameters")
_AZURE_DROPPED = "x-ms-examples"  # they name example files the copy does not hold

Ref = tuple[str, str, str]  # (file, section, name)


class MetadataError(Exception):
    """The source folder lacks something the lists above name."""


def shipped(cloud: str) -> Traversable:
    """The folder of the shipped copy for ``cloud`` ("alibaba" or "azure"), installed or not."""
    return resources.files(f"moto_fixtures.{cloud}").joinpath("api")


# -- Alibaba -------------------------------------------------------------------------------------


def trim_alibaba(product: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """One product's metadata with only the actions of ``ALIBABA_ACTIONS``."""
    apis = document.get("apis", {})
    missing = [a for a in ALIBABA_ACTIONS[product] if a not in apis]
    if missing:
        raise MetadataError(f"alibaba/{product}.json lacks {', '.join(missing)}")
    trimmed = {k: v for k, v in document.items() if k != "apis"}
    trimmed["apis"] = {action: apis[action] for action in ALIBABA_ACTIONS[product]}
    return trimmed


# -- Azure ---------------------------------------------------------------------------------------


def trim_azure(documents: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The swagger files of ``AZURE_DEFINITIONS`` with the served paths, the named definitions
    and everything they reference inside these files."""
    missing = [f for f in AZURE_DEFINITIONS if f not in documents]
    if missing:
        raise MetadataError(f"azure/ lacks {', '.join(missing)}")
    kept = _closure(documents, _azure_roots(documents))
    out: dict[str, dict[str, Any]] = {}
    for name in AZURE_DEFINITIONS:
        source = documents[name]
        doc = {key: source[key] for key in _AZURE_HEADER if key in source}
        for section in _AZURE_SECTIONS:
            items = {n: source[section][n] for f, s, n in kept if f == name and s == section}
            if items:
                doc[section] = _without_examples(items)
        out[name] = doc
    return out


def _azure_roots(documents: Mapping[str, Mapping[str, Any]]) -> set[Ref]:
    roots: set[Ref] = set()
    for name, wanted in AZURE_DEFINITIONS.items():
        definitions = documents[name].get("definitions", {})
        absent = [d for d in wanted if d not in definitions]
        if absent:
            raise MetadataError(f"azure/{name} lacks the definitions {', '.join(absent)}")
        roots.update((name, "definitions", d) for d in wanted)
        paths = documents[name].get("paths", {})
        kept = AZURE_KINDS | AZURE_ACTIONS
        roots.update((name, "paths", p) for p in paths if _collection(p) in kept)
    return roots


def _collection(path: str) -> str:
    """The last resource collection a path names: ``…/securityRules/{name}`` → securityRules."""
    segments = [s for s in path.strip("/").split("/") if not s.startswith("{")]
    return segments[-1] if segments else ""


def _closure(documents: Mapping[str, Mapping[str, Any]], roots: set[Ref]) -> set[Ref]:
    """The roots and all they reference, transitively, that the copied files hold; references
    elsewhere stay as they are (the upstream folder has more files than the copy)."""
    kept: set[Ref] = set()
    todo = sorted(roots)
    while todo:
        ref = todo.pop()
        if ref in kept:
            continue
        kept.add(ref)
        file, section, name = ref
        body = _without_examples(documents[file][section][name])
        for target in _refs(body, file):
            tfile, tsection, tname = target
            holds = tfile in AZURE_DEFINITIONS and tname in documents[tfile].get(tsection, {})
            if holds and target not in kept:
                todo.append(target)
    return kept


def _refs(value: Any, file: str) -> Iterator[Ref]:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and "#/" in ref:
            where, _, pointer = ref.partition("#/")
            section, _, name = pointer.partition("/")
            yield (where.removeprefix("./") or file, section, name)
        for item in value.values():
            yield from _refs(item, file)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item, file)


def _without_examples(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_examples(v) for k, v in value.items() if k != _AZURE_DROPPED}
    if isinstance(value, list):
        return [_without_examples(v) for v in value]
    return value


# -- files ---------------------------------------------------------------------------------------


def dumps(document: Mapping[str, Any]) -> str:
    """The one serialisation of the shipped copy, so that regeneration is byte-stable."""
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def regenerate(source: Path, target: Path) -> list[Path]:
    """Rebuild ``target/{alibaba,azure}/api`` from the full copy in ``source``; return the files
    written. JSON files the lists no longer produce are removed."""
    alibaba, azure = target / "alibaba" / "api", target / "azure" / "api"
    # Everything is trimmed before anything is written: a source that lacks a listed part
    # leaves the shipped copy as it was.
    written = {
        alibaba / f"{product}.json": dumps(
            trim_alibaba(product, _read(source / "alibaba" / f"{product}.json"))
        )
        for product in ALIBABA_ACTIONS
    }
    documents = {name: _read(source / "azure" / name) for name in AZURE_DEFINITIONS}
    written |= {azure / name: dumps(doc) for name, doc in trim_azure(documents).items()}
    for folder in (alibaba, azure):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.json"):
            if stale not in written:
                stale.unlink()
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    files = list(written)
    licence = source / "alibaba" / ALIBABA_LICENSE
    if licence.is_file():  # MIT: the notice travels with every copy
        shutil.copyfile(licence, alibaba / ALIBABA_LICENSE)
        files.append(alibaba / ALIBABA_LICENSE)
    return sorted(files)


def _read(path: Path) -> dict[str, Any]:
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MetadataError(f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise MetadataError(f"{path} is not a JSON object")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m moto_fixtures.api_metadata",
        description="Rebuild the trimmed API metadata the fake clouds ship with.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    regen = commands.add_parser("regenerate", help="trim a full copy into the package")
    regen.add_argument("--from", dest="source", type=Path, required=True, help="the full copy")
    regen.add_argument(
        "--to",
        dest="target",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="the moto_fixtures folder to write into (default: this one)",
    )
    args = parser.parse_args(argv)
    try:
        files = regenerate(args.source, args.target)
    except MetadataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in files:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
