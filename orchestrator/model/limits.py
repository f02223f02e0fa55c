"""Names and tag values against each target cloud's limits, at validate time.

A 63-character segment name is a valid name, but eastwest writes it into longer values: the
``eastwest:key`` tag (``alibaba/<account>/<region>/fwgroup/<segment>@<vpc>``), the group and
address-set names (``eastwest-<policy>-<segment>``), a hub's table keys. A value over a cloud's
limit fails at every apply, so it is found here instead, from the same key and name functions
the compiler and the providers use, and reported at the segment (or hub) whose name makes it
too long, once per cloud.

Network ids of members selected by tags are not known before the inventory is read: the
longest id the cloud gives (``LONGEST_NETWORK``) stands in for them.
"""

from __future__ import annotations

from collections.abc import Iterator

from orchestrator.diagnostics import Diagnostic, error
from orchestrator.model.policy import AlibabaAccount, AwsAccount, AzureAccount, Policy, Segment
from orchestrator.state import Scope
from orchestrator.state.names import LONGEST_NETWORK, NAME_LIMIT_OF, TAG_VALUE_LIMIT, owned_name
from orchestrator.state.resources import address_set_key, group_key
from orchestrator.state.routes import hub_table_key

Account = AwsAccount | AlibabaAccount | AzureAccount
_CLOUD_WORD = {"aws": "AWS", "alibaba": "Alibaba Cloud", "azure": "Azure"}


def check_names(policy: Policy) -> Iterator[Diagnostic]:
    accounts = {a.name: a for a in reversed(policy.accounts)}
    hub_scopes = _hub_scopes(policy, accounts)
    for s, segment in enumerate(policy.segments):
        reported: set[str] = set()
        for cloud, what, value, limit in _values(policy, segment, accounts, hub_scopes):
            if len(value) > limit and cloud not in reported:
                reported.add(cloud)
                yield _too_long(cloud, what, value, limit, f"segments[{s}].name")


def _values(
    policy: Policy,
    segment: Segment,
    accounts: dict[str, Account],
    hub_scopes: dict[Scope, str],
) -> Iterator[tuple[str, str, str, int]]:
    """(cloud, what, value, limit) for every name and tag value the segment gives rise to."""
    name = owned_name(policy.name, segment.name)
    for scope, network in _placements(segment, accounts):
        cloud = scope.cloud
        key = group_key(scope, segment.name, network)
        yield cloud, "tag value eastwest:key", key, TAG_VALUE_LIMIT[cloud]
        if cloud in NAME_LIMIT_OF:
            yield cloud, "group name", name, NAME_LIMIT_OF[cloud]
        hub = hub_scopes.get(scope)
        if hub is not None:
            key = hub_table_key(scope, hub, segment.name)
            yield cloud, "tag value eastwest:key", key, TAG_VALUE_LIMIT[cloud]
    for account in accounts.values():
        for region in account.regions:
            scope = _scope(account, region)
            key = address_set_key(scope, segment.name)
            yield scope.cloud, "tag value eastwest:key", key, TAG_VALUE_LIMIT[scope.cloud]


def _placements(segment: Segment, accounts: dict[str, Account]) -> Iterator[tuple[Scope, str]]:
    for member in segment.members:
        account = accounts.get(member.account)
        if account is None:
            continue  # reported by the reference check
        unknown = "<network-id>".ljust(LONGEST_NETWORK[account.cloud], ".")
        network = member.vpc or member.vnet or unknown
        yield _scope(account, member.region), network


def _hub_scopes(policy: Policy, accounts: dict[str, Account]) -> dict[Scope, str]:
    return {
        _scope(accounts[h.account], h.region): h.name for h in policy.hubs if h.account in accounts
    }


def _scope(account: Account, region: str) -> Scope:
    ident = account.subscription_id if isinstance(account, AzureAccount) else account.account_id
    return Scope(account.cloud, ident, region)


def _too_long(cloud: str, what: str, value: str, limit: int, path: str) -> Diagnostic:
    over = len(value) - limit
    summary = (
        f"this name makes the {_CLOUD_WORD[cloud]} {what} {len(value)} characters long "
        f"('{value}'); {_CLOUD_WORD[cloud]} allows {limit}: shorten the segment or policy "
        f"name by {over}"
    )
    return error(summary, path=path)
