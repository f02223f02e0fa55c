"""``eastwest permissions``: the documents, the features they grant, and the proof that they
cover every call eastwest makes in the sandbox (plan, apply, plan again, paths) per policy."""

from __future__ import annotations

import json
import re
import ssl
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main
from orchestrator.model import load_policy
from orchestrator.permissions import TABLES, actions, documents, features
from orchestrator.reconcile.failover import firewalls_of
from orchestrator.reconcile.probes import cloud_prober

EXAMPLES = Path(__file__).parents[2] / "policies" / "examples"
ROOT = Path(__file__).parents[2]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        pytest.param(
            "sandbox-multicloud.yaml",
            {
                "aws": ("base", "groups", "transit", "inspection", "probes"),
                "alibaba": ("base", "groups", "transit", "inspection", "probes"),
                "azure": ("base", "groups", "transit", "inspection", "probes"),
            },
            id="multicloud",
        ),
        pytest.param(
            "aws-single.yaml",
            {"aws": ("base", "groups", "transit"), "alibaba": (), "azure": ()},
            id="aws-only",
        ),
    ],
)
def test_features_follow_the_policy(policy: str, expected: dict[str, tuple[str, ...]]) -> None:
    loaded = load_policy([EXAMPLES / policy])
    assert {c: features(loaded.policy, c) for c in TABLES} == expected


def test_a_policy_without_hubs_gets_no_routing_permission() -> None:
    loaded = load_policy([EXAMPLES / "aws-single.yaml"])
    bare = loaded.policy.model_copy(update={"hubs": []})
    granted = actions(bare, "aws")
    assert "ec2:AuthorizeSecurityGroupIngress" in granted
    assert not [a for a in granted if "TransitGateway" in a or a.endswith("Route")]
    assert not [a for a in granted if a.startswith("elasticloadbalancing:")]


def test_the_cli_prints_one_document_per_cloud() -> None:
    code, out = run("permissions", str(EXAMPLES / "sandbox-multicloud.yaml"))
    assert code == 0
    found = json.loads(out)
    assert sorted(found) == ["alibaba", "aws", "azure"]
    assert found["aws"]["Version"] == "2012-10-17"
    assert [s["Sid"] for s in found["aws"]["Statement"]] == ["EastwestRead", "EastwestWrite"]
    assert found["alibaba"]["Statement"][0]["Action"][0].split(":")[0] in {"cen", "ecs", "vpc"}
    assert found["azure"]["AssignableScopes"] == [
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net"
    ]
    code, out = run("permissions", str(EXAMPLES / "aws-single.yaml"), "--cloud", "azure")
    assert code == 1


@pytest.mark.parametrize("cloud", ["aws", "alibaba"])
def test_every_listed_action_is_called_by_the_provider(cloud: str) -> None:
    """No permission beyond what the code calls: each action appears in providers/<cloud>
    (a boto3 method name for AWS, an action string for Alibaba, whose writer adds "Egress"
    to the ingress action's name)."""
    source = "\n".join(p.read_text() for p in (ROOT / "providers" / cloud).rglob("*.py"))
    listed = {a for table in TABLES[cloud].values() for a in table}
    missing = []
    for action in sorted(listed):
        name = action.split(":", 1)[1]
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        needle = snake if cloud == "aws" else name.removesuffix("Egress")
        if needle not in source:
            missing.append(action)
    assert missing == []


# -- every call the sandbox sees, against the document of the policy that made it ---------------


def _open(url: str, method: str, state: dict[str, Any]) -> Any:
    context = ssl.create_default_context(cafile=state["azure"]["ca_bundle"])
    request = urllib.request.Request(url, method=method)
    secure = context if url.startswith("https") else None
    with urllib.request.urlopen(request, timeout=30, context=secure) as response:
        body = response.read()
    return json.loads(body) if body else None


def _called(state: dict[str, Any], cloud: str) -> set[str]:
    """The permission each call of ``cloud``'s log needs (by action name for AWS and Alibaba:
    their logs name the action, not the service)."""
    calls = _open(state[cloud]["endpoint_url"] + "/_eastwest/calls", "GET", state)
    if cloud != "azure":
        return {c["action"] for c in calls}
    return {_azure_permission(c["method"], c["path"]) for c in calls}


def _azure_permission(method: str, path: str) -> str:
    bare = path.partition("?")[0]
    rest = bare.split("/providers/Microsoft.Network/", 1)[1].split("/")
    # A POST is an action on a resource (``…/loadBalancingRules/r/health``): ARM names its
    # permission "<type>/<action>/action".
    verb = {"GET": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete", "POST": "action"}
    return "Microsoft.Network/" + "/".join([*rest[0::2], verb[method]])


def _clear(state: dict[str, Any]) -> None:
    for cloud in ("aws", "alibaba", "azure"):
        _open(state[cloud]["endpoint_url"] + "/_eastwest/calls", "DELETE", state)


@pytest.mark.sandbox
@pytest.mark.parametrize("policy", ["sandbox-multicloud.yaml", "sandbox.yaml"])
def test_the_documents_cover_every_call_of_plan_apply_and_paths(
    sandbox_dir: Path, policy: str, tmp_path: Path
) -> None:
    state = load_sandbox(sandbox_dir)
    path = str(EXAMPLES / policy)
    _clear(state)
    steps = [["plan", path], ["apply", path, "--auto-approve"], ["plan", path], ["paths", path]]
    # And the flow-log reads of each cloud of the policy (S3 and the Blob service keep no call
    # log: their reads are checked by name in tests/orchestrator/flows/test_cloud_permissions.py).
    store = str(tmp_path / "flows.duckdb")
    clouds = sorted({a.cloud for a in load_policy([EXAMPLES / policy]).policy.accounts})
    steps += [["flows", "ingest", "--from", c, path, "--store", store] for c in clouds]
    for args in steps:
        code, out = run("--sandbox", str(sandbox_dir), *args)
        # paths finds the hand-made permissive groups the sandbox seeds (exit 1): its reads
        # are what this test is about.
        assert code == (1 if args[0] == "paths" else 0), out
    loaded = load_policy([EXAMPLES / policy])
    # The reconciler's cloud probes (``run --firewall-probes cloud``), on every hub firewall:
    # on the fresh sandbox each cloud says each firewall is healthy.
    probe = cloud_prober(state)
    answers = [probe(f) for hub in loaded.policy.hubs for f in firewalls_of(loaded.policy, hub)]
    assert answers
    assert all(a.up for a in answers), answers
    for cloud in ("aws", "alibaba", "azure"):
        granted = actions(loaded.policy, cloud)
        names = {a.split(":", 1)[-1] for a in granted} if cloud != "azure" else set(granted)
        called = _called(state, cloud)
        assert called - names == set(), cloud
        assert bool(called) is bool(documents(loaded.policy).get(cloud)), cloud
