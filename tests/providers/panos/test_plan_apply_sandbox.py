"""The hub firewalls in ``eastwest plan`` / ``apply`` against a real ``eastwest sandbox up``: the
firewalls' changes are in the text, the JSON and the saved plan; ``apply FILE`` from another
directory writes them (read back through pan-os-python) with one commit per firewall; a
forged firewall change is refused before any write; a firewall that does not answer is that
firewall's skip (partial, exit 1), the other still planned."""

from __future__ import annotations

import json
import ssl
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from moto_fixtures.sandbox import load_sandbox

from .test_cli_sandbox import _policy, _rules, run

LABELS = ("aws/us-east-1a", "aws/us-east-1b")


def _ours(directory: Path, label: str) -> list[str]:
    return [r.name for r in _rules(directory, label) if r.name.startswith("eastwest-")]


def _faults(directory: Path, label: str, **faults: object) -> None:
    url = load_sandbox(directory)["panos"]["firewalls"][label]["url"]
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the fake's certificate is made at start-up
    body = json.dumps(faults).encode()
    request = urllib.request.Request(f"{url}/_eastwest/faults", body, method="POST")
    with urllib.request.urlopen(request, context=context, timeout=10):
        pass


@contextmanager
def _down(directory: Path, label: str) -> Iterator[None]:
    _faults(directory, label, down=True)
    try:
        yield
    finally:
        _faults(directory, label, down=False)


def _firewalls(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["firewall"]: f for f in body["firewalls"]}


def test_plan_shows_the_firewalls_and_a_saved_plan_applies_them_from_anywhere(
    sandbox_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = _policy(tmp_path)
    code, out, err = run(sandbox_dir, "plan", policy, "--detailed-exitcode")
    assert code == 2, err
    for label in LABELS:
        assert f"Firewall {label}\n" in out
    assert "+ ngfw_rule eastwest-sandbox-app-to-db" in out
    saved = tmp_path / "plan.json"
    code, _, err = run(sandbox_dir, "plan", policy, "--out", str(saved))
    assert code == 0, err
    body = json.loads(saved.read_text())
    assert body["format_version"] == "1.2"
    assert set(_firewalls(body)) == set(LABELS)
    assert Path(body["policy_files"][0]).is_absolute()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, err = run(sandbox_dir, "apply", str(saved))
    assert code == 0, err
    assert out.count("edit(s) committed") == 2
    for label in LABELS:
        assert _ours(sandbox_dir, label) == ["eastwest-sandbox-app-to-db", "eastwest-sandbox--deny"]
    code, out, _ = run(sandbox_dir, "plan", policy, "--json")
    assert all(f["changes"] == [] for f in json.loads(out)["firewalls"])


def test_a_forged_firewall_change_is_refused_and_nothing_is_written(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    policy = _policy(tmp_path)
    saved = tmp_path / "plan.json"
    code, _, err = run(sandbox_dir, "plan", policy, "--out", str(saved))
    assert code == 0, err
    body = json.loads(saved.read_text())
    firewall = _firewalls(body)[LABELS[0]]
    rule = next(c for c in firewall["changes"] if c["after"] and c["kind"] == "ngfw_rule")
    rule["after"]["source"] = ["any"]  # widen the firewall's allow behind the policy's back
    saved.write_text(json.dumps(body))
    code, _, err = run(sandbox_dir, "apply", str(saved))
    assert code == 1
    assert f"firewall {LABELS[0]}: its changes are not what the policy produces now" in err
    assert all(_ours(sandbox_dir, label) == [] for label in LABELS)


def test_a_firewall_that_does_not_answer_makes_the_plan_partial(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    policy = _policy(tmp_path)
    with _down(sandbox_dir, LABELS[0]):
        code, out, err = run(sandbox_dir, "plan", policy, "--json")
    assert code == 1, err
    body = json.loads(out)
    firewalls = _firewalls(body)
    assert body["complete"] is False
    assert firewalls[LABELS[0]]["skipped"]
    assert firewalls[LABELS[0]]["changes"] == []
    assert firewalls[LABELS[1]]["skipped"] is None
    assert firewalls[LABELS[1]]["changes"]
    assert f"firewall {LABELS[0]} could not be read" in err


def test_synth_declares_the_rulebase_apply_writes(sandbox_dir: Path, tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    out = tmp_path / "tf"
    code, stdout, err = run(sandbox_dir, "synth", policy, "--out", str(out))
    assert code == 0, err
    assert f"terraform -chdir={out / 'panos'} init" in stdout
    root = json.loads((out / "panos" / "main.tf.json").read_text())
    sections = root["resource"]["panos_security_policy_rules"].values()
    declared = {s["provider"]: [r["name"] for r in s["rules"]] for s in sections}
    override = json.loads((out / "panos" / "sandbox_override.tf.json").read_text())
    fleet = load_sandbox(sandbox_dir)["panos"]["firewalls"]
    ports = {b["port"] for b in override["provider"]["panos"]}
    assert ports == {fleet[label]["port"] for label in LABELS}
    assert run(sandbox_dir, "apply", policy, "--auto-approve")[0] == 0
    applied = {f"panos.fw_{label.replace('/', '_').replace('-', '_')}": _ours(sandbox_dir, label)
               for label in LABELS}  # fmt: skip
    assert declared == applied


def test_a_failed_commit_is_that_firewalls_failure_and_the_rest_is_applied(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    policy = _policy(tmp_path)
    _faults(sandbox_dir, LABELS[0], fail_commits=1)
    code, out, err = run(sandbox_dir, "apply", policy, "--auto-approve")
    assert code == 1
    assert f"firewall {LABELS[0]}: failed: " in err
    assert f"firewall {LABELS[1]}: " in out
    assert "Apply failed (" in err
    assert _ours(sandbox_dir, LABELS[0]) == []
    assert _ours(sandbox_dir, LABELS[1]) == ["eastwest-sandbox-app-to-db", "eastwest-sandbox--deny"]
    # The clouds were applied: a second apply has only the failed firewall's changes left.
    code, out, err = run(sandbox_dir, "plan", policy, "--json")
    body = json.loads(out)
    assert [s["changes"] for s in body["scopes"]] == [[] for _ in body["scopes"]]
    assert [f["firewall"] for f in body["firewalls"] if f["changes"]] == [LABELS[0]]
