"""Writing Azure VNet peerings: one plan step's ``NetworkPeering`` changes, idempotent.

In: the step's peering changes. Out: one ``ChangeResult`` per change. Always:

- Only peerings named ``eastwest-<policy>-<remote VNet>`` are written or deleted; a create
  or change that finds somebody else's peering between the same two VNets (either direction)
  fails instead of adding a second one (the plan reports it as a conflict first).
- Each write is a PUT of the final state (a crashed run re-run converges), waited for through
  its poller; "not found" on delete is success; 429/busy answers are retried as for NSGs.
- A peering carries traffic only when both directions exist and read ``Connected``: after the
  step's writes, each written peering is read until it is, for at most ``Tuning.peering_wait``
  seconds, so the routes written next in the step have a way across.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from azure.core.exceptions import HttpResponseError

from orchestrator.errors import PermanentError
from orchestrator.state import Action, Change
from orchestrator.state.names import peering_name
from orchestrator.state.routes import NetworkPeering, routes_digest
from providers.azure import peerings as pr
from providers.azure import translate as tr
from providers.azure.errors import is_not_found
from providers.azure.writer import AzureWriter
from providers.base import ChangeResult

Payload = dict[str, Any]


class PeeringWriter(AzureWriter):
    def apply_peerings(self, changes: Sequence[Change]) -> dict[str, ChangeResult]:
        out: dict[str, ChangeResult] = {}
        written: list[NetworkPeering] = []
        for change in changes:
            if change.action is Action.DELETE:
                before = change.before
                assert isinstance(before, NetworkPeering)
                out[change.key] = self._guard(change.key, partial(self._delete, before))
                continue
            after = change.after
            assert isinstance(after, NetworkPeering)
            out[change.key] = self._guard(change.key, partial(self._put, after))
            if out[change.key].ok:
                written.append(after)
        for peering in written:
            out[peering.key] = self._guard(peering.key, partial(self._wait_connected, peering))
        return out

    # -- one peering ----------------------------------------------------------------------------

    def _put(self, peering: NetworkPeering) -> None:
        self._owned_name(peering)
        local = self._get_vnet(peering.network)
        remote = self._get_vnet(peering.remote)
        if local is None or remote is None:
            missing = peering.network if local is None else peering.remote
            raise PermanentError(f"VNet {missing} no longer exists; plan again")
        for vnet, other in ((local, peering.remote), (remote, peering.network)):
            for found in pr.peerings_of(vnet):
                if pr.remote_of(found).lower() == other.lower() and not pr.is_owned(
                    found, self.policy
                ):
                    raise PermanentError(
                        f"the peering {found['name']} of {vnet['name']} with {other} is not "
                        "eastwest's; eastwest leaves it alone and adds none beside it"
                    )
        body = pr.peering_body(str(remote["id"]), peering)
        self._retry(lambda: self.client.virtual_network_peerings.begin_create_or_update(
            self.rg, peering.network, peering.name, body).result())  # fmt: skip

    def _delete(self, peering: NetworkPeering) -> None:
        self._owned_name(peering)
        try:
            self._retry(lambda: self.client.virtual_network_peerings.begin_delete(
                self.rg, peering.network, peering.name).result())  # fmt: skip
        except HttpResponseError as exc:
            if not is_not_found(exc):
                raise

    def _wait_connected(self, peering: NetworkPeering) -> None:
        deadline = time.monotonic() + self.tuning.peering_wait
        while True:
            found = self._retry(lambda: self.client.virtual_network_peerings.get(
                self.rg, peering.network, peering.name)).as_dict()  # fmt: skip
            state = pr.state_of(found)
            if state == pr.CONNECTED:
                return
            if time.monotonic() >= deadline:
                raise PermanentError(
                    f"peering {peering.name} of {peering.network} with {peering.remote} is "
                    f"{state or 'in no state'} after {self.tuning.peering_wait:g}s; it needs "
                    f"the peering of {peering.remote} back to {peering.network} (a "
                    "Disconnected one must be deleted and created again)"
                )
            self.sleep(self.tuning.peering_poll)

    def _owned_name(self, peering: NetworkPeering) -> None:
        if peering.name != peering_name(self.policy, peering.remote):
            raise PermanentError(
                f"peering {peering.name} of {peering.network} is not eastwest's; eastwest never "
                "writes it"
            )

    def _get_vnet(self, name: str) -> Payload | None:
        return self._get_or_none(lambda: self.client.virtual_networks.get(self.rg, name))

    # -- bookkeeping ----------------------------------------------------------------------------

    def record_peerings(self, applied: Mapping[str, str]) -> None:
        """The digest of eastwest's peerings in each VNet it wrote, as that VNet's tag (removed
        when none is left)."""
        empty = routes_digest(())
        tag = pr.digest_tag(self.policy)
        for key, digest in sorted(applied.items()):
            head, _, name = key.rpartition("/peerings/")
            if head != str(self.scope) or not name:
                continue
            vnet = self._get_vnet(name)
            if vnet is None:
                continue
            tags = tr.tags_of(vnet)
            if digest == empty:
                if tags.pop(tag, None) is None:
                    continue
            elif tags.get(tag) == digest:
                continue
            else:
                tags[tag] = digest
            self._retry(partial(self._tag_vnet, name, tags))

    def _tag_vnet(self, name: str, tags: dict[str, str]) -> None:
        self.client.virtual_networks.update_tags(self.rg, name, {"tags": tags})
