"""``eastwest synth``'s files as one root module: what a CDKTF stack (one file) can hold.

In: ``{relative path: document}`` as ``synthesize`` returns it (a root ``main.tf.json`` calling
one child module per cloud, ``imports.tf.json``). Out: one root-module document with the same
providers, the child modules' resources under their own types and names, the root's outputs
with the module outputs they re-export substituted, and the import blocks aimed at the
resources themselves (``module.aws.X`` → ``X``).
Always: pure; a resource keeps its type, name and every argument byte for byte (references
inside the modules already name resources by ``type.name``, and each module uses the root's
provider configurations under the same aliases, so they resolve unchanged in one module);
anything the flattening does not know how to carry (a data source, a local, a variable, a
module call that renames providers, a file it does not expect) is refused, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

Json = dict[str, Any]
Files = Mapping[str, Mapping[str, Any]]

MARKER = "//"
_ROOT = "main.tf.json"
_IMPORTS = "imports.tf.json"
_ROOT_BLOCKS = frozenset({MARKER, "terraform", "provider", "module", "output"})
_MODULE_BLOCKS = frozenset({MARKER, "terraform", "resource", "output"})
_MODULE_OUTPUT = re.compile(r"\$\{module\.([a-z0-9_]+)\.([a-z0-9_]+)\}")


def flatten(files: Files) -> Json:
    """The root module equivalent to ``files``; raises ValueError on what it cannot carry."""
    root = files[_ROOT]
    _only(root, _ROOT_BLOCKS, _ROOT)
    modules = {name: _module(files, name, call) for name, call in root.get("module", {}).items()}
    expected = {_ROOT, _IMPORTS} | {f"{name}/{_ROOT}" for name in modules}
    unexpected = sorted(set(files) - expected)
    if unexpected:
        raise ValueError(f"cannot flatten {unexpected[0]}: not a file synthesize makes by default")
    flat: Json = {"terraform": dict(root.get("terraform", {}))}
    if "provider" in root:
        flat["provider"] = root["provider"]
    resources = _resources(modules)
    if resources:
        flat["resource"] = resources
    outputs = {name: _output(body, modules) for name, body in root.get("output", {}).items()}
    if outputs:
        flat["output"] = outputs
    imports = [_import(block, modules) for block in files.get(_IMPORTS, {}).get("import", [])]
    if imports:
        flat["import"] = imports
    return flat


def _only(document: Mapping[str, Any], known: frozenset[str], path: str) -> None:
    unknown = sorted(set(document) - known)
    if unknown:
        raise ValueError(f"cannot flatten the {unknown[0]!r} block of {path}")


def _module(files: Files, name: str, call: Mapping[str, Any]) -> Mapping[str, Any]:
    """The child module a call names, once its providers are known to map one to one."""
    renamed = {inner: outer for inner, outer in call.get("providers", {}).items() if inner != outer}
    if renamed:
        # A renamed provider would have to be rewritten in every resource: not needed today.
        raise ValueError(f"module {name} renames its providers ({renamed}); cannot flatten it")
    source = str(call.get("source", ""))
    path = f"{source.removeprefix('./')}/{_ROOT}"
    if not source.startswith("./") or path not in files:
        raise ValueError(f"module {name}: source {source!r} is not a generated directory")
    module = files[path]
    _only(module, _MODULE_BLOCKS, path)
    return module


def _resources(modules: Mapping[str, Mapping[str, Any]]) -> Json:
    merged: Json = {}
    for name, module in sorted(modules.items()):
        for rtype, named in sorted(module.get("resource", {}).items()):
            into = merged.setdefault(rtype, {})
            clash = sorted(set(into) & set(named))
            if clash:
                raise ValueError(f"{rtype}.{clash[0]} is declared twice (module {name})")
            into.update(named)
    return merged


def _output(body: Mapping[str, Any], modules: Mapping[str, Mapping[str, Any]]) -> Json:
    """A root output re-exporting ``${module.M.O}`` carries O's own value instead."""
    value = body.get("value")
    found = _MODULE_OUTPUT.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return dict(body)
    module, output = found.groups()
    outputs = modules.get(module, {}).get("output", {})
    if output not in outputs:
        raise ValueError(f"output {value} is not defined by module {module}")
    return dict(body) | {"value": outputs[output]["value"]}


def _import(block: Mapping[str, Any], modules: Mapping[str, Any]) -> Json:
    module, _, address = str(block["to"]).removeprefix("module.").partition(".")
    if not str(block["to"]).startswith("module.") or module not in modules:
        raise ValueError(f"import into {block['to']} is not into a generated module")
    return dict(block) | {"to": address}
