"""The wheel a user installs: built here (``pip wheel --no-deps``, a few seconds), then read.
It must carry the example policies, the fakes' API metadata and the licences, and declare a lean
core with the extras of docs (``make wheel-check`` installs it into fresh virtualenvs)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = {"apscheduler", "boto3", "click", "prometheus-client", "pydantic", "pyyaml"}
EXTRAS = {
    "alibaba": {
        "aliyun-python-sdk-cbn",
        "aliyun-python-sdk-core",
        "aliyun-python-sdk-ecs",
        "aliyun-python-sdk-vpc",
        "alibabacloud-credentials",
    },
    "azure": {"azure-core", "azure-identity", "azure-mgmt-network"},
    "postgres": {"psycopg"},
    "worker": {"psycopg", "procrastinate"},
    "panos": {"pan-os-python"},
    "flows": {"duckdb"},
    "cdktf": {"cdktf", "constructs"},
}
EXTRAS["sandbox"] = EXTRAS["alibaba"] | EXTRAS["azure"] | {"moto", "cryptography"}
EXTRAS["all"] = (
    EXTRAS["sandbox"] | EXTRAS["postgres"] | EXTRAS["worker"] | EXTRAS["panos"] | EXTRAS["flows"]
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("eastwest-*.whl")
    return zipfile.ZipFile(built)


def _metadata(wheel: zipfile.ZipFile) -> Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return Parser().parsestr(wheel.read(name).decode())


def _requires(wheel: zipfile.ZipFile, extra: str | None) -> set[str]:
    found = set()
    for line in _metadata(wheel).get_all("Requires-Dist") or []:
        requirement, _, marker = line.partition(";")
        if (extra is None and not marker) or (extra and f"extra == '{extra}'" in marker):
            found.add(requirement.split("[")[0].split("<")[0].split(">")[0].strip().lower())
    return found


def test_the_example_policies_are_package_data(wheel: zipfile.ZipFile) -> None:
    shipped = {
        Path(n).name: wheel.read(n)
        for n in wheel.namelist()
        if n.startswith("orchestrator/examples/")
    }
    examples = {p.name: p.read_bytes() for p in (ROOT / "policies" / "examples").glob("*.yaml")}
    assert shipped == examples


def test_the_fakes_api_metadata_and_the_licences_are_in(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for product in ("ecs", "vpc", "cbn"):
        assert f"moto_fixtures/alibaba/api/{product}.json" in names
    assert "moto_fixtures/alibaba/api/LICENSE.md" in names
    assert "moto_fixtures/azure/api/networkSecurityGroup.json" in names
    assert "moto_fixtures/azure/api/LICENSE" in names
    licences = {Path(n).name for n in names if ".dist-info/licenses/" in n}
    assert licences == {"LICENSE", "NOTICE"}
    assert not [n for n in names if n.startswith(("tests/", "policies/"))]


def test_the_core_is_lean(wheel: zipfile.ZipFile) -> None:
    assert _requires(wheel, None) == CORE
    assert _metadata(wheel)["License-Expression"] == "Apache-2.0"


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_each_extra_installs_what_its_commands_need(wheel: zipfile.ZipFile, extra: str) -> None:
    assert _requires(wheel, extra) == EXTRAS[extra]
