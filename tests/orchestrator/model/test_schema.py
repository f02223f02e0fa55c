from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from orchestrator.model import policy_json_schema
from orchestrator.model.ports import parse_port_spec
from orchestrator.model.schema_patterns import CIDR_PATTERN, PORT_PATTERN, REVERSED_RANGE_PATTERN

ROOT = Path(__file__).parents[3]
EXAMPLES = sorted((ROOT / "policies" / "examples").glob("*.yaml"))


def properties(schema: dict[str, Any]) -> dict[str, set[str]]:
    """Model title → its field names, for the policy and every nested definition."""
    models = {"Policy": schema, **schema["$defs"]}
    return {name: set(m.get("properties", {})) for name, m in models.items()}


def test_the_schema_spells_fields_as_files_do() -> None:
    schema = policy_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"from", "to", "ports"} <= properties(schema)["Rule"]
    assert "from_" not in json.dumps(schema)


def test_the_schema_is_json() -> None:
    assert json.loads(json.dumps(policy_json_schema())) == policy_json_schema()


@pytest.mark.parametrize(
    ("model", "required"),
    [
        pytest.param("Policy", {"version", "name", "accounts", "segments"}, id="policy"),
        pytest.param("Rule", {"name", "from", "to", "ports"}, id="rule"),
        pytest.param("AwsAccount", {"name", "cloud", "account_id", "regions"}, id="aws"),
        pytest.param("Member", {"account", "region"}, id="member"),
    ],
)
def test_required_fields(model: str, required: set[str]) -> None:
    schema = policy_json_schema()
    definition = schema if model == "Policy" else schema["$defs"][model]
    assert set(definition["required"]) == required


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_validate_against_the_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    instance = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(policy_json_schema()).validate(instance)


def test_the_schema_rejects_unknown_fields() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    instance = yaml.safe_load(EXAMPLES[0].read_text(encoding="utf-8"))
    instance["rules"][0]["from_"] = instance["rules"][0].pop("from")
    validator = jsonschema.Draft202012Validator(policy_json_schema())
    assert not validator.is_valid(instance)


def test_every_field_is_documented() -> None:
    documented = set(re.findall(r"`([a-z_]+)`", (ROOT / "docs" / "policy.md").read_text()))
    fields = set().union(*properties(policy_json_schema()).values())
    assert fields - documented == set()


# ---- the patterns agree with the loader's own parsers ----------------------------------


def _engines(pattern: str) -> list[Callable[[str], bool]]:
    """The pattern as Python's ``re`` and as ECMA-262 (``regress``, what check-jsonschema and
    editors use) read it: a pattern only one of them understands would be a bug."""
    compiled = re.compile(pattern)
    engines: list[Callable[[str], bool]] = [lambda text: compiled.search(text) is not None]
    regress = pytest.importorskip("regress")
    ecma = regress.Regex(pattern, "u")
    engines.append(lambda text: ecma.find(text) is not None)
    return engines


def _port_ok(spec: str) -> bool:
    try:
        parse_port_spec(spec)
    except ValueError:
        return False
    return True


NUMBERS = ["0", "00", "1", "9", "10", "00443", "443", "999", "5432", "6432", "7999", "8000"]
NUMBERS += ["8100", "9999", "10000", "59999", "65535", "065535", "65536", "70000", "123456"]
SPECS = [
    *(f"{proto}/{n}" for proto in ("tcp", "UDP", " Tcp", "sctp") for n in NUMBERS),
    *(f"tcp/{lo}-{hi}" for lo in NUMBERS for hi in NUMBERS),
    *("any", "ANY", " icmp ", "icmp/8", "tcp", "tcp/", "tcp/-1", "tcp/1-", "tcp/1--2", "443"),
    *("tcp/1-2-3", "tcp/\u0664\u0664\u0663", "tcp / 443", "all", ""),
]


def test_the_port_pattern_accepts_exactly_what_the_loader_accepts() -> None:
    for engine_ok, engine_reversed in zip(
        _engines(PORT_PATTERN), _engines(REVERSED_RANGE_PATTERN), strict=True
    ):
        wrong = [s for s in SPECS if (engine_ok(s) and not engine_reversed(s)) != _port_ok(s)]
        assert wrong == []


@given(
    lo=st.integers(1, 65535),
    hi=st.integers(1, 65535),
    zeros=st.tuples(st.integers(0, 2), st.integers(0, 2)),
)
def test_a_range_is_flagged_reversed_exactly_when_the_loader_says_so(
    lo: int, hi: int, zeros: tuple[int, int]
) -> None:
    spec = f"udp/{'0' * zeros[0]}{lo}-{'0' * zeros[1]}{hi}"
    flagged = re.search(REVERSED_RANGE_PATTERN, spec) is not None
    assert flagged is (lo > hi and _port_ok(f"udp/{lo}-{lo}")), spec


def _cidr_ok(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=True)
    except ValueError:
        return False
    return True


@given(address=st.integers(0, 2**32 - 1), prefix=st.integers(0, 33), host_bits=st.booleans())
def test_the_ipv4_cidr_pattern_agrees_with_ipaddress(
    address: int, prefix: int, host_bits: bool
) -> None:
    mask = (2**32 - 1) ^ (2 ** (32 - min(prefix, 32)) - 1)
    value = address if host_bits else address & mask
    text = f"{ipaddress.IPv4Address(value)}/{prefix}"
    assert (re.search(CIDR_PATTERN, text) is not None) is _cidr_ok(text), text


CIDRS = ["10.0.0.0/8", "10.0.0.1", "10.0.0.0/08", "0.0.0.0/0", "172.16.0.0/12", "::/0"]
CIDRS += ["2001:db8::/32", "fd00::/8", "::ffff:10.0.0.0/104", "2001:db8::1", "fe80::/10"]
NOT_CIDRS = ["10.0.0.1/24", "10.0.0.0/33", "256.0.0.0/8", "010.0.0.0/8", "10.0.0/8", "10/8"]
NOT_CIDRS += ["10.0.0.0/-1", "10.0.0.0 /8", "web", "", "2001:db8::/129", "172.16.0.0/11"]


@pytest.mark.parametrize(
    ("text", "valid"),
    [pytest.param(c, True, id=c or "empty") for c in CIDRS]
    + [pytest.param(c, False, id=c or "empty") for c in NOT_CIDRS],
)
def test_cidr_table(text: str, valid: bool) -> None:
    assert _cidr_ok(text) is valid  # the table itself is right
    for matches in _engines(CIDR_PATTERN):
        assert matches(text) is valid


# ---- what an editor user sees: check-jsonschema over the broken corpus ------------------

BROKEN = Path(__file__).parents[2] / "fixtures" / "policies" / "broken"

# What a JSON Schema cannot say: it sees one value at a time against fixed rules, so it cannot
# compare an item with another part of the document (references, uniqueness of a field across
# a list, overlaps, from == to), and the YAML parsers editors use read YAML 1.2.
NOT_IN_A_JSON_SCHEMA = {
    "duplicate-rule-names.yaml": "a name unique across a list (uniqueItems compares whole items)",
    "duplicate-segment-names.yaml": "a name unique across a list",
    "hub-region-not-listed.yaml": "a reference: the hub's region among its account's regions",
    "hub-unknown-account.yaml": "a reference: the hub's account among the accounts",
    "member-region-not-in-account.yaml": "a reference: the region among its account's regions",
    "member-unknown-account.yaml": "a reference: the member's account among the accounts",
    "overlapping-cidrs.yaml": "arithmetic between two values of different segments",
    "rule-to-itself.yaml": "a comparison of two fields (from == to)",
    "rule-unknown-segment.yaml": "a reference: the rule's segment among the segments",
    "two-hubs-same-region.yaml": "a pair of fields unique across a list",
    "vnet-on-aws.yaml": "a reference: 'vnet' is wrong only because the account it names is AWS",
    "member-tag-value-yes.yaml": "YAML 1.2 (check-jsonschema, editors) reads yes as a string; "
    "eastwest's YAML 1.1 reads a boolean, and the schema cannot tell 'yes' from quoted 'yes'",
}


def _check_jsonschema(files: list[Path], schema: Path) -> dict[str, Any]:
    pytest.importorskip("check_jsonschema")
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), "-o", "JSON"]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        check=False,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _flagged(report: dict[str, Any]) -> set[str]:
    failures = report.get("errors", []) + report.get("parse_errors", [])
    return {Path(e["filename"]).name for e in failures}


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "policy.schema.json"
    path.write_text(json.dumps(policy_json_schema()), encoding="utf-8")
    return path


def test_an_editor_flags_every_broken_policy_a_json_schema_can_express(schema_file: Path) -> None:
    files = sorted(BROKEN.glob("*.yaml"))
    flagged = _flagged(_check_jsonschema(files, schema_file))
    missed = {f.name for f in files} - flagged
    assert missed == set(NOT_IN_A_JSON_SCHEMA), "flagged now, or missed and unexplained"
    ratio = len(flagged) / len(files)
    # 37 of 49 (0.76) when written, 4 of them parse errors (duplicate key, tab, unclosed
    # bracket, not UTF-8); the rest need `eastwest validate` (NOT_IN_A_JSON_SCHEMA), so the
    # 0.9 the issue hoped for is out of a JSON Schema's reach on this corpus.
    assert ratio >= 0.75, f"{ratio:.2f}"


def test_every_example_passes_check_jsonschema(schema_file: Path) -> None:
    report = _check_jsonschema(EXAMPLES, schema_file)
    assert report["status"] == "ok"
    assert _flagged(report) == set()


def test_the_schema_has_an_id() -> None:
    assert policy_json_schema()["$id"] == "urn:eastwest:schema:policy:1"


def test_the_published_copy_in_docs_is_current() -> None:
    published = ROOT / "docs" / "schemas" / "policy.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == policy_json_schema(), (
        "regenerate it: eastwest schema > docs/schemas/policy.schema.json"
    )
