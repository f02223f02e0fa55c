"""Every cloud's kept inventory answers can travel through the queue workers' store: read from
the multi-cloud sandbox through the real SDKs, stored as JSON text and decoded to equal values,
and a second adapter (another worker's) seeded with them observes its scope and judges access
without reading them again. A payload that would not encode would silently cost every worker
that did not read the snapshot its own reads of it: this is the test that says it does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from moto_fixtures.sandbox import load_sandbox
from orchestrator.commands import AdapterCache
from orchestrator.model import load_policy
from orchestrator.pipeline import policy_scopes
from orchestrator.reconcile.snapshot_codec import decode_payload, encode_payload
from providers.base import Load
from providers.core.adapter import AdapterShell
from tests.orchestrator.test_pipeline_isolation import POLICY

pytestmark = pytest.mark.sandbox


@pytest.mark.parametrize("cloud", ["aws", "alibaba", "azure"])
def test_kept_answers_round_trip_and_spare_the_seeded_worker_s_reads(
    cloud: str, sandbox_dir: Path
) -> None:
    policy = load_policy([POLICY]).policy
    sandbox = load_sandbox(sandbox_dir)
    scope, target = next((s, t) for s, t in policy_scopes(policy)[0].items() if s.cloud == cloud)
    reader, worker = (
        AdapterCache(policy.name, sandbox)(target),
        AdapterCache(policy.name, sandbox)(target),
    )
    assert isinstance(reader, AdapterShell)
    assert isinstance(worker, AdapterShell)
    inventory = reader.inventory(scope.region)
    kept = reader.kept_reads(scope.region)
    assert kept, f"{cloud}: the inventory kept nothing to share"
    texts = {kind: encode_payload(value) for kind, value in kept.items()}
    assert {kind: decode_payload(text) for kind, text in texts.items()} == kept
    worker.seed_reads(inventory, {kind: _decoder(text) for kind, text in texts.items()}, 1.0)
    asked: list[str] = []
    for kind in kept:  # the seeded kinds are the reader's answers, not new reads
        answer = worker.reads(scope.region).share(kind, "observe", _reader(asked, kind))
        assert answer == kept[kind]
    assert asked == []


def _decoder(text: str) -> Load:
    return lambda: decode_payload(text)


def _reader(asked: list[str], kind: str) -> Callable[[], None]:
    return lambda: asked.append(kind)
