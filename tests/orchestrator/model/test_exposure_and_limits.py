"""Issue 12, items 5, 6 and 9 at the checks: exposure warnings (and strict mode), names against
each cloud's limits, unknown regions. Every case here was accepted silently before."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from orchestrator.cli import main
from orchestrator.compile import compile_policy
from orchestrator.diagnostics import EXTERNAL_OVERLAP, WIDE_PREFIX, Severity, strict
from orchestrator.model.checks import check_policy
from orchestrator.model.policy import Policy
from tests.orchestrator.factories import inventory, policy
from tests.orchestrator.model.test_checks import BASE

LONG = "w" + "e" * 62  # a valid 63-character name


def checked(hub: dict[str, str] | None = None, **segment: Any) -> list[tuple[str, str, str, str]]:
    """check_policy of BASE with an Alibaba account, one more segment and maybe a hub."""
    body = copy.deepcopy(BASE)
    body["hubs"] += [hub] if hub else []
    body["accounts"].append(
        {
            "name": "ali-prod",
            "cloud": "alibaba",
            "account_id": "5123456789012345",
            "regions": ["cn-hangzhou"],
        }
    )
    body["segments"].append(segment)
    found = check_policy(Policy.model_validate(body, by_alias=True, by_name=False))
    return [(str(d.severity), d.code, d.path, d.summary) for d in found]


@pytest.mark.parametrize(
    ("cidr", "warned"),
    [
        pytest.param("0.0.0.0/0", True, id="everything"),
        pytest.param("64.0.0.0/2", True, id="a-quarter"),
        pytest.param("10.0.0.0/7", True, id="just-wider-than-8"),
        pytest.param("10.0.0.0/8", False, id="a-private-8"),
        pytest.param("192.168.0.0/16", False, id="narrow"),
        pytest.param("::/0", True, id="ipv6-everything"),
        pytest.param("fd00::/8", True, id="ipv6-wider-than-16"),
        pytest.param("fd00::/48", False, id="ipv6-narrow"),
    ],
)
def test_very_wide_external_prefixes_are_warned_of(cidr: str, warned: bool) -> None:
    found = checked(name="partners", cidrs=[cidr])
    wide = [f for f in found if f[1] == WIDE_PREFIX]
    assert bool(wide) is warned
    for severity, _, path, summary in wide:
        assert (severity, path) == ("warning", "segments[3].cidrs[0]")
        assert f"{cidr} is" in summary


@pytest.mark.parametrize(
    ("member", "too_long"),
    [
        pytest.param(
            {"account": "ali-prod", "region": "cn-hangzhou", "tags": {"a": "b"}},
            True,
            id="alibaba-tag-value-over-128",
        ),
        pytest.param(
            {"account": "aws-prod", "region": "us-east-1", "vpc": "vpc-9"},
            False,
            id="aws-takes-256",
        ),
        pytest.param(
            {"account": "az-prod", "region": "eastus", "vnet": "v" * 64},
            False,
            id="azure-takes-256-and-hashes-names",
        ),
    ],
)
def test_names_are_checked_against_the_clouds_limits(
    member: dict[str, Any], too_long: bool
) -> None:
    found = [f for f in checked(name=LONG, members=[member]) if f[2] == "segments[3].name"]
    if not too_long:
        assert found == []
        return
    ((severity, _, _, summary),) = found  # once per cloud, not once per value
    assert severity == "error"
    assert "Alibaba Cloud tag value eastwest:key 134 characters long" in summary
    assert "Alibaba Cloud allows 128: shorten the segment or policy name by 6" in summary


def test_a_hub_table_key_counts_too() -> None:
    # A 40-character segment fits every group key and name on Alibaba; the table a hub with
    # a 63-character name would get for it does not.
    hub = {"name": "h" * 63, "account": "ali-prod", "region": "cn-hangzhou", "transit": "tr-1"}
    member = {"account": "ali-prod", "region": "cn-hangzhou", "vpc": "vpc-1"}
    found = checked(name="s" * 40, members=[member], hub=hub)
    ((_, _, path, summary),) = [f for f in found if f[0] == "error"]
    assert path == "segments[3].name"
    assert "/hubtable/" + "h" * 63 in summary


@pytest.mark.parametrize(
    ("region", "message"),
    [
        pytest.param("mars-central-9", "'mars-central-9' is not a region of aws", id="invented"),
        pytest.param("us-east1", "did you mean 'us-east-1'?", id="typo"),
        pytest.param("eastus", "'eastus' is not a region of aws", id="another-cloud"),
    ],
)
def test_an_unknown_region_is_a_located_error(region: str, message: str) -> None:
    body = copy.deepcopy(BASE)
    body["accounts"][0]["regions"] = [region]
    found = check_policy(Policy.model_validate(body, by_alias=True, by_name=False))
    assert any(
        d.path == "accounts[0].regions[0]" and message in d.summary and d.severity is Severity.ERROR
        for d in found
    )


def test_an_external_cidr_over_a_member_network_is_an_exposure_warning() -> None:
    exposed = policy(
        segments=[
            {
                "name": "web",
                "members": [{"account": "prod", "region": "us-east-1", "vpc": "vpc-web"}],
            },
            {"name": "onprem", "cidrs": ["10.0.0.0/8"]},
        ],
        rules=[{"name": "vpn", "from": "onprem", "to": "web", "ports": ["tcp/22"]}],
    )
    found = [d for d in compile_policy(exposed, inventory()).diagnostics if d.code]
    assert [(d.severity, d.code, d.path) for d in found] == [
        (Severity.WARNING, EXTERNAL_OVERLAP, "segments[1].cidrs[0]")
    ]
    assert "10.0.0.0/8 of segment 'onprem' overlaps vpc-web of segment 'web'" in found[0].summary
    assert [d.severity for d in strict(found)] == [Severity.ERROR]


@pytest.mark.parametrize(
    ("flags", "code"),
    [pytest.param((), 0, id="a-warning"), pytest.param(("--strict",), 1, id="strict-refuses")],
)
def test_validate_strict_refuses_a_wide_prefix(
    tmp_path: Path, flags: tuple[str, ...], code: int
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\nname: shop\naccounts:\n"
        '  - {name: aws-prod, cloud: aws, account_id: "111111111111", regions: [us-east-1]}\n'
        "segments:\n  - {name: world, cidrs: [0.0.0.0/0]}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", *flags, str(path)], catch_exceptions=False)
    assert result.exit_code == code
    assert f"{path}:6:" in result.stderr
    assert "0.0.0.0/0 is every address" in result.stderr
