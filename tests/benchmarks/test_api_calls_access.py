"""Budget of the effective-access check's reads on Alibaba Cloud and Azure
(``api_calls_access``; docs/benchmarks.md): the checked no-op plan reads at most 1.2 times the
minimum the APIs allow as the estate grows, the check reads only what the plan did not, and
on Alibaba only the groups on ENIs of member networks. (AWS: tests/providers/aws/
test_shared_reads.py.)"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.benchmarks.api_calls_access import ATTRIBUTE, measure_alibaba, measure_azure
from tests.benchmarks.interfaces import Counted


def _groups(sent: Counted) -> Counter[str]:
    return Counter(p["SecurityGroupId"] for p in sent.params(ATTRIBUTE))


@pytest.mark.parametrize(
    ("interfaces", "handmade", "outside"),
    [pytest.param(20, 2, 1, id="20-enis"), pytest.param(40, 8, 2, id="40-enis-more-groups")],
)
def test_alibaba_reads_each_member_group_once_and_nothing_else(
    interfaces: int, handmade: int, outside: int
) -> None:
    sent, unchecked = Counted(), Counted()
    row = measure_alibaba(interfaces, sent, unchecked, handmade=handmade, outside=outside)
    # ECS has no batched rule read: each group on a member ENI that the plan did not read
    # (not eastwest's) costs one DescribeSecurityGroupAttribute; the check makes no other call.
    foreign = set(_groups(sent)) - set(_groups(unchecked))
    assert len(foreign) >= handmade, "the hand-made groups were not judged"
    on_members = row["on_members"]
    assert isinstance(on_members, set)
    assert foreign <= on_members, "a group on no member ENI was read"
    assert len(sent.sent) == len(unchecked.sent) + len(foreign), (sent.calls, unchecked.calls)
    groups = _groups(sent)
    assert max(groups.values()) == 1, groups  # owned groups' rules: the observation's
    assert sent.calls["DescribeNetworkInterfaces"] == 1  # the inventory's, shared
    assert sent.calls["GetVpcPrefixListEntries"] == 0  # owned lists: the observation's
    # The observation's owned groups only: the seeded finding's group is named from its rules'
    # read (SecurityGroupName), the owned groups from the observation's list.
    assert sent.calls["DescribeSecurityGroups"] == 1
    assert row["findings"] == 1
    assert float(str(row["vs_minimum"])) <= 1.2, row


def test_alibaba_does_not_read_groups_of_networks_no_segment_holds() -> None:
    """The VM-Series group and hand-made groups on security-VPC ENIs are never judged, so
    never read; every group on a member ENI is (by the plan or the check)."""
    sent = Counted()
    row = measure_alibaba(20, sent, outside=3)
    read = set(_groups(sent))
    elsewhere, on_members = row["elsewhere"], row["on_members"]
    assert isinstance(elsewhere, set)
    assert isinstance(on_members, set)
    assert len(elsewhere) == 4  # the VM-Series group and the three added
    assert read & elsewhere == set()
    assert on_members - read == set(), "a group on a member ENI was not judged"


@pytest.mark.parametrize(
    ("nics", "handmade"),
    [pytest.param(10, 2, id="10-nics"), pytest.param(40, 8, id="40-nics-more-nsgs")],
)
def test_azure_reads_only_the_nics(nics: int, handmade: int) -> None:
    row = measure_azure(nics, handmade)
    pages = int(str(row["nic_list_pages"]))
    assert row["checked_plan_calls"] == int(str(row["noop_plan_calls"])) + pages, row
    assert float(str(row["vs_minimum"])) <= 1.2, row
