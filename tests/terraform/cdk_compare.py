"""Comparing a CDKTF stack's cdk.tf.json with the files ``eastwest synth`` writes.

The expected side is read straight from the synthesized files (each cloud module's resources,
the root's providers and requirements, each re-exported module output, each import block with
its ``module.<cloud>.`` prefix dropped), not through ``terraform.flatten``. cdktf's own
additions are removed before comparing: ``//`` metadata (top level and in each resource) and
``terraform.backend``. Names are not mapped: every resource keeps its synthesized name.
"""

from __future__ import annotations

import importlib
import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

Json = dict[str, Any]
Files = Mapping[str, Json]


def load_library(name: str) -> Any:
    """The library, or a skip naming what is missing (node: jsii runs the library in it).
    jsii starts node on the first import: its banner for Node 20 (past its end of life for
    jsii) is silenced for that process."""
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH: cdktf runs its JavaScript core in Node.js via jsii")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
        try:
            return importlib.import_module(name)
        except ImportError:
            pytest.skip(f"{name} is not installed (pip install 'eastwest[cdktf]'; dev has both)")


def synth_stacks(name: str, out: Path, stacks: Mapping[str, Callable[[Any], object]]) -> Files:
    """Stack name → its cdk.tf.json, with library ``name``: one app, one stack per entry, each
    filled by its function."""
    lib = load_library(name)
    app = lib.App(outdir=str(out))
    for stack, fill in stacks.items():
        fill(lib.TerraformStack(app, stack))
    app.synth()
    return {
        stack: json.loads((out / "stacks" / stack / "cdk.tf.json").read_text(encoding="utf-8"))
        for stack in stacks
    }


# -- the expected side, read from the synthesized files --------------------------------------


def _modules(files: Files) -> dict[str, Json]:
    return {name: files[f"{name}/main.tf.json"] for name in files["main.tf.json"]["module"]}


def _expected_resources(files: Files) -> Json:
    merged: Json = {}
    for module in _modules(files).values():
        for rtype, named in module.get("resource", {}).items():
            merged.setdefault(rtype, {}).update(named)
    return merged


def _expected_outputs(files: Files) -> Json:
    """``<cloud>_<output>`` = ``${module.<cloud>.<output>}`` in the root: the module's value."""
    modules = _modules(files)
    expected = {}
    for name, body in files["main.tf.json"]["output"].items():
        module, output = body["value"].removeprefix("${module.").removesuffix("}").split(".")
        expected[name] = {"value": modules[module]["output"][output]["value"]}
    return expected


def _to(block: Json) -> str:
    return str(block["to"])


def _expected_imports(files: Files) -> list[Json]:
    blocks = files.get("imports.tf.json", {}).get("import", [])
    return sorted(({"id": b["id"], "to": b["to"].split(".", 2)[2]} for b in blocks), key=_to)


def _expected_blocks(files: Files) -> list[str]:
    blocks = {"output", "provider", "resource", "terraform"}
    return sorted(blocks | ({"import"} if "imports.tf.json" in files else set()))


# -- the stack's side, without cdktf's own metadata -------------------------------------------


def _stack_resources(cdk: Json) -> Json:
    return {
        rtype: {name: {k: v for k, v in body.items() if k != "//"} for name, body in named.items()}
        for rtype, named in cdk.get("resource", {}).items()
    }


def _stack_terraform(cdk: Json) -> Json:
    return {k: v for k, v in cdk["terraform"].items() if k != "backend"}


PARTS: Mapping[str, tuple[Callable[[Json], Any], Callable[[Files], Any]]] = {
    "resources": (_stack_resources, _expected_resources),
    "providers": (lambda cdk: cdk["provider"], lambda files: files["main.tf.json"]["provider"]),
    "requirements": (_stack_terraform, lambda files: files["main.tf.json"]["terraform"]),
    "outputs": (lambda cdk: cdk["output"], _expected_outputs),
    "imports": (
        lambda cdk: sorted(cdk.get("import", []), key=lambda b: b["to"]),
        _expected_imports,
    ),
    "nothing else": (lambda cdk: sorted(set(cdk) - {"//"}), _expected_blocks),
}
