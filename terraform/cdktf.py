"""eastwest's desired state inside a user's CDKTF (or CDK Terrain) app.

In: a stack of the user's app (``cdktf.TerraformStack``, or ``cdktn.TerraformStack`` of CDK
Terrain, the maintained fork) and what ``eastwest synth`` synthesizes from: a ``DesiredState``,
its ``World`` and the import ids of what exists. Out: under one construct in that stack, one
generic ``TerraformProvider`` per provider configuration, one generic ``TerraformResource`` per
resource, one ``TerraformOutput`` per output and an import per import block: the root module
``flatten`` makes of ``synthesize``'s files. ``cdk.tf.json`` then declares the same providers,
resources (same types, names and arguments) and outputs as ``eastwest synth``'s directory.
Always: a thin adapter over ``synthesize`` (it generates nothing itself, so the two cannot
disagree); only the core library's generic classes, no prebuilt provider bindings; the library
is the stack's own (cdktf or cdktn), imported on first use, and a missing one is an ImportError
naming the extra to install.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any, Protocol

from orchestrator.state import DesiredState
from terraform.flatten import Json, flatten
from terraform.synthesis import synthesize
from terraform.world import World

LIBRARIES = ("cdktf", "cdktn")
INSTALL = "pip install 'eastwest[cdktf]'"
# Meta-arguments cdktf writes from the construct's own properties: attributes of these names
# would be overwritten by them, so they are passed as properties instead.
_META = frozenset({"provider", "depends_on", "lifecycle"})
# Meta-arguments cdktf would drop or rewrite that synthesize never writes: refused, not lost.
_UNCARRIED = frozenset({"count", "for_each", "provisioner", "connection"})


class Stack(Protocol):
    """The part of a ``TerraformStack`` (of cdktf or cdktn) this module uses."""

    def add_override(self, path: str, value: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class Added:
    """What ``add_to_stack`` added: the constructs by their Terraform address (``aws.<alias>``,
    ``aws_security_group.<name>``, ``output.<name>``), so the app can reference them."""

    scope: Any
    providers: Mapping[str, Any]
    resources: Mapping[str, Any]
    outputs: Mapping[str, Any]


def add_to_stack(
    stack: Stack,
    desired: DesiredState,
    *,
    world: World | None = None,
    native: Mapping[str, str] | None = None,
    construct_id: str = "eastwest",
) -> Added:
    """Add ``desired`` to ``stack`` as ``eastwest synth`` would write it (``native``: stable key
    → existing id, for import blocks; ``world``: what the Azure module reads)."""
    lib = library(stack)
    root = flatten(synthesize(desired, native, world=world))
    scope = importlib.import_module("constructs").Construct(stack, construct_id)
    if "required_version" in root["terraform"]:
        stack.add_override("terraform.required_version", root["terraform"]["required_version"])
    providers = _providers(lib, scope, root)
    resources = _resources(lib, scope, root.get("resource", {}), providers)
    for block in root.get("import", []):
        _import(resources[block["to"]], block, providers)
    outputs = {}
    for name, body in sorted(root.get("output", {}).items()):
        outputs[f"output.{name}"] = output = lib.TerraformOutput(scope, f"output.{name}", **body)
        output.override_logical_id(name)
    return Added(scope, providers, resources, outputs)


def library(
    stack: object, load: Callable[[str], ModuleType] = importlib.import_module
) -> ModuleType:
    """The CDK library ``stack`` belongs to (cdktf when it belongs to neither), loaded."""
    names = (klass.__module__.partition(".")[0] for klass in type(stack).__mro__)
    name = next((n for n in names if n in LIBRARIES), LIBRARIES[0])
    try:
        return load(name)
    except ImportError as exc:
        raise ImportError(f"adding eastwest to a CDKTF app needs {name}: {INSTALL}") from exc
    except FileNotFoundError as exc:
        # jsii starts node when the library is first imported.
        raise ImportError(f"{name} needs Node.js on PATH (jsii runs its core in node)") from exc


def _providers(lib: ModuleType, scope: Any, root: Json) -> dict[str, Any]:
    """One construct per provider configuration, by ``<local name>.<alias>``."""
    required = root["terraform"].get("required_providers", {})
    made: dict[str, Any] = {}
    for local, configurations in sorted(root.get("provider", {}).items()):
        metadata = lib.TerraformProviderGeneratorMetadata(
            provider_name=local, provider_version_constraint=required[local].get("version")
        )
        for body in configurations:
            fqn = f"{local}.{body['alias']}" if "alias" in body else local
            made[fqn] = _classes(lib.__name__).provider(
                scope, fqn, local=local, source=required[local]["source"], meta=metadata, body=body
            )
    return made


def _resources(
    lib: ModuleType, scope: Any, declared: Mapping[str, Mapping[str, Json]], providers: Any
) -> dict[str, Any]:
    """One construct per resource, by ``type.name``, named as in the synthesized files; created
    in dependency order so that ``depends_on`` names constructs that exist."""
    bodies = {f"{t}.{n}": body for t, named in declared.items() for n, body in named.items()}
    made: dict[str, Any] = {}
    for address in _ordered(bodies):
        rtype, name = address.split(".", 1)
        body = bodies[address]
        if _UNCARRIED & set(body):
            raise ValueError(f"{address}: cannot carry {sorted(_UNCARRIED & set(body))}")
        made[address] = resource = _classes(lib.__name__).resource(
            scope,
            address,
            rtype,
            {k: v for k, v in body.items() if k not in _META},
            provider=providers[body["provider"]] if "provider" in body else None,
            depends_on=[made[d] for d in body.get("depends_on", [])] or None,
            lifecycle=lib.TerraformResourceLifecycle(**body["lifecycle"])
            if "lifecycle" in body
            else None,
        )
        resource.override_logical_id(name)
    return made


def _import(resource: Any, block: Json, providers: Mapping[str, Any]) -> None:
    if set(block) - {"to", "id", "provider"}:
        raise ValueError(f"import into {block['to']}: cannot carry {sorted(block)}")
    provider = providers[block["provider"]] if "provider" in block else None
    resource.import_from(block["id"], provider)


def _ordered(bodies: Mapping[str, Json]) -> list[str]:
    """Addresses with every ``depends_on`` target before its dependant (sorted otherwise)."""
    done: dict[str, None] = {}

    def visit(address: str, path: tuple[str, ...]) -> None:
        if address in done:
            return
        if address in path or address not in bodies:
            raise ValueError(f"depends_on of {path[-1]} names {address}: missing or a cycle")
        for needed in bodies[address].get("depends_on", []):
            visit(needed, (*path, address))
        done[address] = None

    for address in sorted(bodies):
        visit(address, ())
    return list(done)


@dataclass(frozen=True, slots=True)
class _Classes:
    provider: Any
    resource: Any


@cache
def _classes(name: str) -> _Classes:
    """Generic provider and resource classes over the library ``name``: their
    ``synthesizeAttributes`` (which jsii lets Python override) answer the synthesized body."""
    lib = importlib.import_module(name)
    provider_base: Any = lib.TerraformProvider
    resource_base: Any = lib.TerraformResource

    class Provider(provider_base):  # type: ignore[misc]  # the base is only known at run time
        def __init__(
            self, scope: Any, id_: str, *, local: str, source: str, meta: Any, body: Json
        ) -> None:
            super().__init__(
                scope,
                id_,
                terraform_resource_type=local,
                terraform_provider_source=source,
                terraform_generator_metadata=meta,
            )
            self._eastwest_body = body

        # The base's alias setter does not reach the JavaScript side from Python; overriding
        # the property does, and the fqn (``aws.<alias>``) resources name is derived from it.
        @property
        def alias(self) -> str | None:
            return self._eastwest_body.get("alias")

        def _synthesize_attributes(self) -> Json:
            return self._eastwest_body

    class Resource(resource_base):  # type: ignore[misc]  # the base is only known at run time
        def __init__(self, scope: Any, id_: str, rtype: str, body: Json, **meta: Any) -> None:
            super().__init__(scope, id_, terraform_resource_type=rtype, **meta)
            self._eastwest_body = body

        def _synthesize_attributes(self) -> Json:
            return self._eastwest_body

    return _Classes(Provider, Resource)
