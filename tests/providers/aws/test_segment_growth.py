"""A segment that gains or loses a member converges in one apply, through the CLI.

The sandbox policy (``policies/examples/sandbox.yaml``) with its web segment narrowed to one VPC
is applied; then the second web VPC joins (or leaves). The segment's prefix list has to grow (or
shrink) its ``MaxEntries`` and change its entries, which EC2 refuses in one
``ModifyManagedPrefixList`` call (the sandbox's moto patch refuses it too), so one apply must
resize and change entries in separate calls and still leave nothing for the next plan.
"""

from __future__ import annotations

from collections.abc import Collection
from ipaddress import IPv4Network, collapse_addresses
from pathlib import Path

import pytest

from moto_fixtures.aws import landing_zone as lz
from tests.providers.aws.cloud import calls, ec2_for
from tests.providers.aws.test_transit_sandbox import POLICY, apply, changes, plan_json

BY_TAG = "{{account: aws-sandbox, region: us-east-1, tags: {{segment: {segment}}}}}"
CIDRS = {s.name: s.cidr for s in lz.SPOKES}
Members = dict[str, list[str]]


def _vpc_ids(sandbox_dir: Path) -> dict[str, str]:
    vpcs = ec2_for(sandbox_dir).describe_vpcs()["Vpcs"]
    return {t["Value"]: v["VpcId"] for v in vpcs for t in v.get("Tags", []) if t["Key"] == "Name"}


def _policy(tmp_path: Path, ids: dict[str, str], members: Members, name: str) -> Path:
    """The sandbox policy with the given segments' members named by VPC instead of by tag."""
    text = POLICY.read_text()
    for segment, names in members.items():
        line = ", ".join(
            f"{{account: aws-sandbox, region: us-east-1, vpc: {ids[n]}}}" for n in names
        )
        text = text.replace(BY_TAG.format(segment=segment), line.replace("}, {", "}\n      - {"))
    path = tmp_path / name
    path.write_text(text)
    return path


def _lists(sandbox_dir: Path, segments: Collection[str]) -> dict[str, tuple[int, list[str]]]:
    """Segment → (MaxEntries, entries) of eastwest's prefix lists, as a console user sees them."""
    ec2 = ec2_for(sandbox_dir)
    found: dict[str, tuple[int, list[str]]] = {}
    for pl in ec2.describe_managed_prefix_lists()["PrefixLists"]:
        segment = {t["Key"]: t["Value"] for t in pl.get("Tags", [])}.get("eastwest:segment", "")
        if segment in segments:
            entries = ec2.get_managed_prefix_list_entries(PrefixListId=pl["PrefixListId"])
            found[segment] = (pl["MaxEntries"], sorted(e["Cidr"] for e in entries["Entries"]))
    return found


def _expected(members: Members) -> dict[str, tuple[int, list[str]]]:
    """What each list should hold: the members' CIDRs aggregated, sized to fit exactly."""
    found = {}
    for segment, names in members.items():
        nets = collapse_addresses(IPv4Network(CIDRS[n]) for n in names)
        cidrs = sorted(str(n) for n in nets)
        found[segment] = (len(cidrs), cidrs)
    return found


WEB = ["spoke-web-1", "spoke-web-2"]
APP = ["spoke-app-1", "spoke-app-2"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # 10.10.0.0/16 becomes 10.10.0.0/15: entries replaced in one call, size unchanged.
        pytest.param({"web": WEB[:1]}, {"web": WEB}, id="gains-an-adjacent-member"),
        pytest.param({"web": WEB}, {"web": WEB[:1]}, id="loses-an-adjacent-member"),
        # web grows from one entry to two (resize, wait, then add); app's /15 becomes a /16.
        pytest.param(
            {"web": WEB, "app": APP},
            {"web": [*WEB, APP[1]], "app": APP[:1]},
            id="a-vpc-moves-into-a-segment",
        ),
        pytest.param(
            {"web": [*WEB, APP[1]], "app": APP[:1]},
            {"web": WEB, "app": APP},
            id="a-vpc-moves-back",
        ),
    ],
)
def test_a_segment_changing_members_converges_in_one_apply(
    sandbox_dir: Path, tmp_path: Path, before: Members, after: Members
) -> None:
    ids = _vpc_ids(sandbox_dir)
    first = _policy(tmp_path, ids, before, "before.yaml")
    second = _policy(tmp_path, ids, after, "after.yaml")
    apply(sandbox_dir, first)
    assert not changes(plan_json(sandbox_dir, first))
    assert _lists(sandbox_dir, before) == _expected(before)

    apply(sandbox_dir, second)

    assert not changes(plan_json(sandbox_dir, second))
    assert _lists(sandbox_dir, after) == _expected(after)
    assert any(c["action"] == "ModifyManagedPrefixList" for c in calls(sandbox_dir))
