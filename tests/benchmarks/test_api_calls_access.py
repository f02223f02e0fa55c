"""Budget of the effective-access check's reads on Alibaba Cloud and Azure
(``api_calls_access``; docs/benchmarks.md): the check reads only what the plan did not."""

from __future__ import annotations

from collections import Counter

from tests.benchmarks.api_calls_access import measure_alibaba, measure_azure
from tests.benchmarks.interfaces import Counted


def _groups(sent: Counted) -> Counter[str]:
    return Counter(p["SecurityGroupId"] for p in sent.params("DescribeSecurityGroupAttribute"))


def test_alibaba_reads_each_group_once_and_the_interfaces_not_again() -> None:
    sent, unchecked = Counted(), Counted()
    row = measure_alibaba(20, sent, unchecked)
    # The API's minimum: ECS has no batched rule read, so each group on a workload ENI that
    # the plan did not read (not eastwest's) costs one DescribeSecurityGroupAttribute; the
    # check makes no other call.
    foreign = set(_groups(sent)) - set(_groups(unchecked))
    assert foreign, "no hand-made group judged: the estate lost its point"
    assert len(sent.sent) == len(unchecked.sent) + len(foreign), (sent.calls, unchecked.calls)
    assert sent.calls["DescribeNetworkInterfaces"] == 1  # the inventory's, shared
    groups = _groups(sent)
    assert groups, "the check judged no group"
    assert max(groups.values()) == 1, groups  # owned groups' rules: the observation's
    assert sent.calls["GetVpcPrefixListEntries"] == 0  # owned lists: the observation's
    # The observation's owned groups only: the seeded finding's group is named from its rules'
    # read (SecurityGroupName), the owned groups from the observation's list.
    assert sent.calls["DescribeSecurityGroups"] == 1
    assert row["findings"] == 1


def test_azure_reads_only_the_nics() -> None:
    row = measure_azure()
    assert row["checked_plan_calls"] == int(str(row["noop_plan_calls"])) + 1, row
