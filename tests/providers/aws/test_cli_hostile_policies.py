"""The hostile corpus through the CLI against a live sandbox: a rejected policy exits 1 with
file:line on stderr and makes zero calls to any of the three clouds; an accepted one validates
(exit 0), also without a call. Expectations: tests/fixtures/policies/hostile/MANIFEST.yml."""

from __future__ import annotations

import json
import ssl
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main

CORPUS = Path(__file__).parents[2] / "fixtures" / "policies" / "hostile"
MANIFEST: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "MANIFEST.yml").read_text())
FILES = sorted(CORPUS.glob("*.yaml"))


def _calls_url(state: dict[str, Any], cloud: str) -> tuple[str, ssl.SSLContext | None]:
    endpoint = state[cloud]["endpoint_url"]
    bundle = state[cloud].get("ca_bundle")
    context = ssl.create_default_context(cafile=bundle) if bundle else None
    return f"{endpoint}/_eastwest/calls", context


def cloud_calls(directory: Path) -> dict[str, int]:
    """How many calls each fake cloud has logged since it was last cleared."""
    state = load_sandbox(directory)
    counts = {}
    for cloud in ("aws", "alibaba", "azure"):
        url, context = _calls_url(state, cloud)
        with urllib.request.urlopen(url, timeout=10, context=context) as response:
            counts[cloud] = len(json.loads(response.read()))
    return counts


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_hostile_policy_through_the_cli_touches_no_cloud(live_sandbox: Path, path: Path) -> None:
    entry = MANIFEST[path.name]
    # Counted, not cleared: an emptied Alibaba or Azure log tells the sandbox fixture that a
    # fake used by an earlier test needs no reset (tests/conftest.py, ``sandbox_dir``), and
    # under xdist that earlier test's state then leaked into the next sandbox test.
    before = cloud_calls(live_sandbox)
    command = "plan" if "rejected" in entry else "validate"
    start = time.process_time()
    result = CliRunner().invoke(
        main, ["--sandbox", str(live_sandbox), command, str(path)], catch_exceptions=False
    )
    took = time.process_time() - start
    assert took < 1.0, f"{took:.2f}s of CPU"
    if "rejected" in entry:
        assert result.exit_code == 1
        assert f"{path}:{entry['line']}:" in result.stderr
    else:
        assert result.exit_code == 0, result.stderr
    assert cloud_calls(live_sandbox) == before
