"""Budget of the effective-access check's reads on Alibaba Cloud and Azure
(``api_calls_access``; docs/benchmarks.md): the check reads only what the plan did not."""

from __future__ import annotations

from collections import Counter

from tests.benchmarks.api_calls_access import measure_alibaba, measure_azure
from tests.benchmarks.interfaces import Counted


def test_alibaba_reads_each_group_once_and_the_interfaces_not_again() -> None:
    sent = Counted()
    row = measure_alibaba(20, sent)
    assert sent.calls["DescribeNetworkInterfaces"] == 1  # the inventory's, shared
    groups = Counter(p["SecurityGroupId"] for p in sent.params("DescribeSecurityGroupAttribute"))
    assert groups, "the check judged no group"
    assert max(groups.values()) == 1, groups  # owned groups' rules: the observation's
    assert sent.calls["GetVpcPrefixListEntries"] == 0  # owned lists: the observation's
    # The observation's owned groups, and the names once for the seeded finding.
    assert sent.calls["DescribeSecurityGroups"] == 2
    assert row["findings"] == 1


def test_azure_reads_only_the_nics() -> None:
    row = measure_azure()
    assert row["checked_plan_calls"] == int(str(row["noop_plan_calls"])) + 1, row
