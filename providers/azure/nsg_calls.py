"""The ARM calls every Azure writer shares: NSG reads and writes, retries, one scope's context.

In: a ``NetworkManagementClient`` (ARM JSON in, models out), the resource group, the scope and
policy, the ``Tuning``. Out: the base class of ``AzureWriter`` (and, through it, the route and
peering writers). Always: every call is retried on 429/5xx/"another operation" with bounded,
jittered backoff honouring ``Retry-After``; an edit of an NSG is computed from a fresh read
(``nsg_rules.RuleSet``) and written with the fewest ARM writes (one rule → a rule PUT or DELETE;
more → one NSG PUT with ``If-Match`` on the etag read); 404 on a read is None, on a delete
success.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from azure.core.exceptions import AzureError, HttpResponseError

from orchestrator.errors import PermanentError, ProviderError
from orchestrator.state import NativeRef, Scope
from providers.azure import translate as tr
from providers.azure import translate_nsg as trn
from providers.azure.errors import is_not_found, is_retryable, retry_after, translate
from providers.azure.nsg_rules import RuleSet, known_prefixes
from providers.azure.session import Tuning
from providers.base import ChangeResult

T = TypeVar("T")
Payload = dict[str, Any]
_NSG_READ_ONLY = frozenset(
    {"provisioningState", "resourceGuid", "defaultSecurityRules", "subnets",
     "networkInterfaces", "flowLogs", "securityRules"}
)  # fmt: skip


class NsgCalls:
    def __init__(
        self,
        client: Any,  # a NetworkManagementClient: its stubs list models only, it takes ARM JSON
        resource_group: str,
        scope: Scope,
        policy: str,
        tuning: Tuning,
        *,
        share: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.share = share  # write eastwest's rules into the user's NSGs on member subnets
        self.client = client
        self.rg = resource_group
        self.scope = scope
        self.policy = policy
        self.tuning = tuning
        self.sleep = sleep

    def where(self, key: str) -> str:
        rest = key.removeprefix(f"{self.scope}/")
        return f"azure subscription {self.scope.account} {self.scope.region} {self.rg}: {rest}"

    def _guard(self, key: str, work: Callable[[], object]) -> ChangeResult:
        try:
            work()
        except AzureError as exc:
            return ChangeResult(key, False, str(translate(exc, self.where(key))))
        except (ProviderError, ValueError) as exc:
            return ChangeResult(key, False, f"{self.where(key)}: {exc}")
        return ChangeResult(key, True)

    # -- NSG rules ------------------------------------------------------------------------------

    def _edit(self, name: str, edit: Callable[[RuleSet], None]) -> None:
        nsg = self._get_nsg(name)
        if nsg is None:
            raise PermanentError(f"NSG {name} no longer exists; plan again")
        rules = RuleSet(nsg)
        edit(rules)
        puts, deletes = rules.puts(), rules.deletes()
        if len(puts) + len(deletes) == 0:
            return
        if len(puts) + len(deletes) == 1:
            if puts:
                body = rules.after[puts[0]]
                self._retry(lambda: self.client.security_rules.begin_create_or_update(
                    self.rg, name, puts[0], body).result())  # fmt: skip
            else:
                self._delete_rule(name, deletes[0])
            return
        self._put_nsg(nsg, list(rules.after.values()))

    def _put_nsg(self, nsg: Payload, rules: list[Payload]) -> None:
        kept = {k: v for k, v in tr.props(nsg).items() if k not in _NSG_READ_ONLY}
        body = {
            "location": nsg["location"],
            "tags": tr.tags_of(nsg),
            "properties": {**kept, "securityRules": sorted(rules, key=lambda r: str(r["name"]))},
        }
        # If-Match: a hand-made change since our read fails the PUT instead of being overwritten.
        headers = {"If-Match": str(nsg["etag"])} if nsg.get("etag") else {}
        self._retry(lambda: self.client.network_security_groups.begin_create_or_update(
            self.rg, nsg["name"], body, headers=headers).result())  # fmt: skip

    def _delete_rule(self, nsg: str, rule: str) -> None:
        try:
            self._retry(lambda: self.client.security_rules.begin_delete(
                self.rg, nsg, rule).result())  # fmt: skip
        except HttpResponseError as exc:
            if not is_not_found(exc):
                raise

    def _members(
        self, nsg: Payload | None, ids: Mapping[str, NativeRef]
    ) -> tuple[str, Sequence[Mapping[str, Any]]] | None:
        """The group's segment and its member subnets, read afresh (None: not known yet)."""
        if nsg is None:
            return None
        group = trn.group_from_nsg(self.scope, nsg)
        prefixes = known_prefixes(ids).get(group.segment)
        if prefixes is None:
            return None
        vnet = self._retry(lambda: self.client.virtual_networks.get(self.rg, group.network))
        return group.segment, tr.member_subnets(vnet.as_dict(), prefixes)

    # -- reads and retries ----------------------------------------------------------------------

    def _get_nsg(self, name: str) -> Payload | None:
        return self._get_or_none(lambda: self.client.network_security_groups.get(self.rg, name))

    def _get_or_none(self, get: Callable[[], Any]) -> Payload | None:
        """One ARM resource as a dict (retried like any call), or None when it does not exist."""
        try:
            found = self._retry(get)
        except HttpResponseError as exc:
            if is_not_found(exc):
                return None
            raise
        payload: Payload = found.as_dict()
        return payload

    def _owned_nsg_names(self) -> list[str]:
        nsgs = self._retry(lambda: list(self.client.network_security_groups.list(self.rg)))
        return sorted(n.name for n in nsgs if tr.is_owned(n.as_dict(), self.policy, self.scope))

    def _retry(self, call: Callable[[], T]) -> T:
        """Bounded, jittered backoff on 429/5xx/"another operation" the SDK did not absorb."""
        attempt = 0
        while True:
            try:
                return call()
            except AzureError as exc:
                attempt += 1
                if not is_retryable(exc) or attempt >= self.tuning.busy_attempts:
                    raise
                base = min(self.tuning.busy_backoff * 2**attempt, self.tuning.busy_backoff_max)
                delay = retry_after(exc)
                self.sleep(delay if delay is not None else base * random.uniform(0.5, 1.0))  # noqa: S311

    def _tag(self, name: str, tags: dict[str, str]) -> None:
        self.client.network_security_groups.update_tags(self.rg, name, {"tags": tags})
