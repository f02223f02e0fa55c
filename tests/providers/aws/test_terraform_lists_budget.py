"""Issue 13: a no-op plan over prefix lists Terraform made reads no list's entries.

The lists are made as the synthesized module makes them (``terraform/aws_lists.py``): the
entries and ownership tags, then one ``aws_ec2_tag`` per proof tag, the version being the
list's own ``version`` attribute. Without those tags (what synth declared before) the reader
cannot trust the list and reads its entries, one ``GetManagedPrefixListEntries`` each: the
second case shows the cost the tags remove, so the first can fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from moto_fixtures.aws import console
from orchestrator.apply import apply_plan
from orchestrator.pipeline import plan_policy
from orchestrator.state import AddressSet, DesiredScope, Scope, Target
from providers.aws import translate as tr
from providers.aws.adapter import make_aws_adapter
from terraform.aws_lists import list_tags
from tests.providers.aws.estate import ACCOUNT, CallCounter, build_vpcs, estate_policy

TARGET = Target("aws", ACCOUNT, "prod")
SCOPE = Scope("aws", ACCOUNT, "us-east-1")


def _terraform_tags(ec2: Any, desired: DesiredScope, proof: bool) -> int:
    """Leave each owned list tagged as Terraform leaves it; returns how many lists."""
    found = ec2.describe_managed_prefix_lists(Filters=[{"Name": "owner-id", "Values": [ACCOUNT]}])[
        "PrefixLists"
    ]
    lists = [pl for pl in found if tr.TAG_KEY in tr.tags_of(pl)]
    for pl in lists:
        bookkeeping = [{"Key": tr.TAG_CIDRS_DIGEST}, {"Key": tr.TAG_VERSION}]
        ec2.delete_tags(Resources=[pl["PrefixListId"]], Tags=bookkeeping)
    if proof:
        by_key = {tr.tags_of(pl)[tr.TAG_KEY]: pl for pl in lists}
        for tag in list_tags(desired):
            pl = by_key[tag.address_set]
            value = tag.value if tag.value is not None else str(pl["Version"])
            ec2.create_tags(Resources=[pl["PrefixListId"]], Tags=[{"Key": tag.tag, "Value": value}])
    return len(lists)


@pytest.mark.parametrize(
    ("proof", "entry_reads"), [(True, 0), (False, None)], ids=["synth", "bare"]
)
def test_noop_plan_reads_no_entries_of_terraform_made_lists(
    sandbox: dict[str, Any], proof: bool, entry_reads: int | None
) -> None:
    build_vpcs(sandbox, 20)
    policy = estate_policy()
    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox)
    result = plan_policy(policy, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    assert apply_plan(result.plan, lambda _: adapter).ok
    sets = {c.key: c.after for c in result.plan.changes if isinstance(c.after, AddressSet)}
    lists = _terraform_tags(console.sandbox_ec2(sandbox, ACCOUNT), DesiredScope(SCOPE, sets), proof)
    assert lists == len(sets) > 1

    counting = CallCounter()
    again = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox, on_client=counting)
    after = plan_policy(policy, lambda _: again, lambda _: None).plan
    assert after is not None
    assert not after.has_changes
    expected = lists if entry_reads is None else entry_reads
    assert counting.calls["GetManagedPrefixListEntries"] == expected, counting.calls
    assert sum(counting.calls.values()) == 8 + expected, counting.calls
