"""A checker for a synthesized configuration: every reference resolves to something it defines.

In: ``{relative path: JSON document}`` as ``synthesize`` returns. Out: a list of problems, empty
when every ``${…}`` reference (resource, data source, variable, local, module output), every
resource's ``provider`` and ``depends_on``, every module call's ``source`` and ``providers``
(both sides) and every import block's ``to`` names something defined in the output.
Always: pure; modules are the directories of the files; a module call's ``./x`` source is the
directory ``x`` beside the caller.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

Files = Mapping[str, Mapping[str, Any]]

_TEMPLATE = re.compile(r"\$\{([^}]*)\}")
_TRAVERSAL = re.compile(r"(?<![\w.\"])([a-z_][a-z0-9_-]*(?:\.[a-z_][a-z0-9_-]*)+)")
# Roots that are not references to something the configuration defines.
_BUILTIN = frozenset({"count", "each", "self", "path", "terraform"})


@dataclass
class _Module:
    resources: set[str] = field(default_factory=set)
    data: set[str] = field(default_factory=set)
    variables: set[str] = field(default_factory=set)
    locals: set[str] = field(default_factory=set)
    outputs: set[str] = field(default_factory=set)
    calls: dict[str, str] = field(default_factory=dict)  # module name → directory
    providers: set[str] = field(default_factory=set)  # "aws" or "aws.alias"


def check_references(files: Files) -> list[str]:
    modules = _modules(files)
    problems: list[str] = []
    for path, doc in sorted(files.items()):
        directory = _directory(path)
        module = modules[directory]
        for where, text in _strings(doc, path):
            problems.extend(f"{where}: {p}" for p in _check_template(text, module, modules))
        problems.extend(_check_structure(path, doc, directory, modules))
    return problems


def _directory(path: str) -> str:
    return str(PurePosixPath(path).parent)


def _modules(files: Files) -> dict[str, _Module]:
    modules: dict[str, _Module] = defaultdict(_Module)
    for path, doc in files.items():
        directory = _directory(path)
        module = modules[directory]
        for rtype, named in doc.get("resource", {}).items():
            module.resources.update(f"{rtype}.{name}" for name in named)
        for dtype, named in doc.get("data", {}).items():
            module.data.update(f"data.{dtype}.{name}" for name in named)
        module.variables.update(doc.get("variable", {}))
        module.locals.update(doc.get("locals", {}))
        module.outputs.update(doc.get("output", {}))
        for name, call in doc.get("module", {}).items():
            module.calls[name] = str(PurePosixPath(directory) / call.get("source", ""))
        module.providers.update(_declared_providers(doc))
    return modules


def _declared_providers(doc: Mapping[str, Any]) -> Iterator[str]:
    for name, blocks in doc.get("provider", {}).items():
        for block in blocks if isinstance(blocks, list) else [blocks]:
            alias = block.get("alias")
            yield f"{name}.{alias}" if alias else name
    required = doc.get("terraform", {}).get("required_providers", {})
    for name, spec in required.items():
        yield name
        yield from spec.get("configuration_aliases", [])


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{where}:{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")


def _check_template(text: str, module: _Module, modules: Mapping[str, _Module]) -> Iterator[str]:
    for expression in _TEMPLATE.findall(text):
        for ref in _TRAVERSAL.findall(expression):
            if not _resolves(ref.split("."), module, modules):
                yield f"reference {ref!r} resolves to nothing defined"


def _resolves(parts: list[str], module: _Module, modules: Mapping[str, _Module]) -> bool:
    root = parts[0]
    if root in _BUILTIN:
        return True
    if root == "module":
        directory = module.calls.get(parts[1])
        if directory is None or directory not in modules:
            return False
        return len(parts) < 3 or parts[2] in modules[directory].outputs
    named = {"var": module.variables, "local": module.locals}
    if root in named:
        return parts[1] in named[root]
    if root == "data":
        return ".".join(parts[:3]) in module.data
    return ".".join(parts[:2]) in module.resources


def _check_structure(
    path: str, doc: Mapping[str, Any], directory: str, modules: Mapping[str, _Module]
) -> Iterator[str]:
    module = modules[directory]
    for rtype, named in doc.get("resource", {}).items():
        for name, body in named.items():
            provider = body.get("provider")
            if provider is not None and provider not in module.providers:
                yield f"{path}: {rtype}.{name}: provider {provider!r} is not configured"
            for needed in body.get("depends_on", []):
                if not _resolves(str(needed).split("."), module, modules):
                    yield f"{path}: {rtype}.{name}: depends_on {needed!r} resolves to nothing"
    for name, call in doc.get("module", {}).items():
        target = module.calls[name]
        if target not in modules:
            yield f"{path}: module {name!r}: source directory {target!r} has no files"
            continue
        for inner, outer in call.get("providers", {}).items():
            if outer not in module.providers:
                yield f"{path}: module {name!r}: provider {outer!r} is not configured"
            if inner not in modules[target].providers:
                yield f"{path}: module {name!r}: the module declares no provider {inner!r}"
    for block in doc.get("import", []):
        if not _import_resolves(str(block.get("to", "")), module, modules):
            yield f"{path}: import to {block.get('to')!r} resolves to no resource"


def _import_resolves(address: str, module: _Module, modules: Mapping[str, _Module]) -> bool:
    parts = address.split(".")
    while parts[:1] == ["module"] and len(parts) > 2:
        directory = module.calls.get(parts[1])
        if directory is None or directory not in modules:
            return False
        module, parts = modules[directory], parts[2:]
    return ".".join(parts) in module.resources
