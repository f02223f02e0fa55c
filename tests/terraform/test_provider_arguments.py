"""Every azurerm and alicloud resource the modules generate uses only documented argument
names, and every required one (``provider_arguments.py`` says where each is documented).

``terraform validate`` would check this against the providers' schemas, but neither provider
can be installed on these machines; the table is the documented schema's stand-in."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from terraform import check_references, synthesize, write_files
from tests.terraform import multicloud_states as ms
from tests.terraform.provider_arguments import META, PROVIDER_ARGUMENTS
from tests.terraform.runner import MIRROR, mirrored, terraform

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "examples" / "sandbox-multicloud.yaml"


def _resources(files: Mapping[str, Mapping[str, Any]]) -> Iterator[tuple[str, str, Any]]:
    for path, doc in sorted(files.items()):
        for rtype, named in doc.get("resource", {}).items():
            for name, body in named.items():
                yield rtype, f"{path}:{rtype}.{name}", body


def _problems(files: Mapping[str, Mapping[str, Any]]) -> list[str]:
    problems = []
    for rtype, where, body in _resources(files):
        if rtype.startswith("aws_"):
            continue  # validated against the real provider (test_validate.py)
        spec = PROVIDER_ARGUMENTS.get(rtype)
        if spec is None:
            problems.append(f"{where}: {rtype} is not in the documented table")
            continue
        keys = set(body) - META
        problems += [
            f"{where}: unknown argument {k}" for k in sorted(keys - spec.required - spec.optional)
        ]
        problems += [f"{where}: missing {k}" for k in sorted(spec.required - keys)]
        for block, names in spec.blocks:
            for item in body.get(block, []):
                problems += [f"{where}: {block}.{k} unknown" for k in sorted(set(item) - names)]
    return problems


def _small_files() -> dict[str, Any]:
    state, world = ms.azure_state()
    return synthesize(state, world=world) | synthesize(ms.alibaba_state())


def test_the_small_states_use_only_documented_arguments() -> None:
    files = _small_files()
    # The panos resources come from firewalls, not these states: tests/terraform/test_panos.py.
    clouds = {t for t in PROVIDER_ARGUMENTS if not t.startswith("panos_")}
    assert {t for t, _, _ in _resources(files)} == clouds
    assert _problems(files) == []


def test_an_undocumented_argument_is_caught() -> None:
    files = _small_files()
    rules = files["azure/main.tf.json"]["resource"]["azurerm_network_security_rule"]
    next(iter(rules.values()))["source_port"] = "*"
    del next(iter(rules.values()))["priority"]
    assert len(_problems(files)) == 2


def test_every_entry_names_its_documentation() -> None:
    for rtype, spec in PROVIDER_ARGUMENTS.items():
        assert spec.url.endswith(rtype.split("_", 1)[1]), rtype
        assert spec.source.endswith(".html.markdown") or "@" in spec.source, rtype


def test_synth_of_the_multicloud_sandbox_policy_is_consistent(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    """Through the CLI, against a running sandbox, with imports: the reference check passes
    (synth refuses otherwise) and every Azure and Alibaba resource is documented."""
    out = tmp_path / "tf"
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator", "--sandbox", str(sandbox_dir), "synth", str(POLICY),
         "--out", str(out)],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    files = {
        p.relative_to(out).as_posix(): json.loads(p.read_text(encoding="utf-8"))
        for p in out.rglob("*.tf.json")
    }
    assert {"azure/main.tf.json", "alibaba/main.tf.json", "aws/main.tf.json"} <= set(files)
    assert check_references(files) == []
    assert _problems(files) == []
    types = {t for t, _, _ in _resources(files)}
    # The sandbox's spokes are peered by hand, so its policy observes peerings (none declared);
    # its inspected rule has no schedule, and no segment has a dynamic group (no registered
    # addresses). The firewalls' resources are checked here too.
    absent = {"azurerm_virtual_network_peering", "panos_schedule", "panos_ip_tag"}
    assert set(PROVIDER_ARGUMENTS) - absent <= types


_PROVIDERS = ("hashicorp/azurerm", "aliyun/alicloud")


@pytest.mark.skipif(
    shutil.which("terraform") is None or not all(mirrored(p) for p in _PROVIDERS),
    reason=f"terraform validate needs terraform and the azurerm and alicloud providers in {MIRROR} "
    "(this machine has no internet, and its mirror holds hashicorp/aws only)",
)
def test_the_azure_and_alibaba_output_validates_against_the_real_providers(
    tmp_path: Path,
) -> None:
    """Where the providers are mirrored: init + validate of both small states, as for AWS."""
    out = tmp_path / "tf"
    write_files(out, _small_files())
    tf = terraform(out, tmp_path / "home", _PROVIDERS)
    tf.init()
    assert "Success! The configuration is valid." in tf.run("validate").stdout
