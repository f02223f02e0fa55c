"""What the cloud-ingest tests compare: the conversations a store holds, and the policy whose
accounts are read."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from orchestrator.flows.store import FlowStore
from orchestrator.model import load_policy
from orchestrator.model.policy import Policy

MULTICLOUD = Path(__file__).parents[3] / "policies" / "examples" / "sandbox-multicloud.yaml"

Conversations = Counter[tuple[str, str, int]]


def stored(store: FlowStore) -> Conversations:
    """Records per (client, server, server port) in the store."""
    rows = store.rows("SELECT client, server, port, sum(records) FROM hourly GROUP BY ALL")
    return Counter({(c, s, int(p)): int(n) for c, s, p, n in rows})


def multicloud_policy() -> Policy:
    return load_policy((MULTICLOUD,)).policy
