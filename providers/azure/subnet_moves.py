"""Writing subnet associations: one subnet's NSG at a time, and the records an exclusive
attachment keeps of what it took off.

In: a client, the resource group and a retrying call (the writer's). Out: subnet PUTs and tags
PATCHes of eastwest's NSG. Always: a subnet is written only if it still holds the NSG the move
expects (read-modify-write with ``If-Match``, everything but its NSG sent back as read); a
prior NSG is recorded before the subnet is taken and forgotten only once it is back, so a
crash in between never loses what is to be put back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from providers.azure import attach as at
from providers.azure import translate as tr


class SubnetMoves:
    def __init__(
        self,
        client: Any,  # a NetworkManagementClient
        resource_group: str,
        retry: Callable[[Callable[[], Any]], Any],
    ) -> None:
        self.client = client
        self.rg = resource_group
        self.retry = retry

    def run(self, nsg_name: str, moves: Sequence[at.Move]) -> None:
        record = {m.subnet: m.record for m in moves if m.record is not None}
        if record:
            self._priors(nsg_name, record, ())
        for move in moves:
            self.set_nsg(move.subnet_id, move.to, expected=move.expected)
        forget = [m.subnet for m in moves if m.forget]
        if forget:
            self._priors(nsg_name, {}, forget)

    def eastwest_nsgs(self) -> set[str]:
        """Ids (lower case) of every eastwest policy's NSGs in the resource group."""
        nsgs = self.retry(lambda: list(self.client.network_security_groups.list(self.rg)))
        return {str(n.id).lower() for n in nsgs if (n.tags or {}).get(tr.TAG_MANAGED) == "true"}

    def set_nsg(self, subnet_id: str, nsg_id: str | None, *, expected: str | None) -> None:
        """Read-modify-write of one subnet, changing only its NSG, and only if it still holds
        ``expected``."""
        vnet, name = tr.vnet_of_subnet_id(subnet_id), tr.name_of_id(subnet_id)
        subnet = self.retry(lambda: self.client.subnets.get(self.rg, vnet, name)).as_dict()
        current = tr.associated_nsg(subnet)
        if (current or "").lower() != (expected or "").lower():
            return
        body = {k: v for k, v in subnet.items() if k in ("name", "id", "properties")}
        properties = {k: v for k, v in tr.props(subnet).items() if k != "provisioningState"}
        if nsg_id is None:
            properties.pop("networkSecurityGroup", None)
        else:
            properties["networkSecurityGroup"] = {"id": nsg_id}
        body["properties"] = properties
        headers = {"If-Match": str(subnet["etag"])} if subnet.get("etag") else {}
        self.retry(lambda: self.client.subnets.begin_create_or_update(
            self.rg, vnet, name, body, headers=headers).result())  # fmt: skip

    def _priors(self, nsg_name: str, record: Mapping[str, str], forget: Iterable[str]) -> None:
        nsg = self.retry(lambda: self.client.network_security_groups.get(self.rg, nsg_name))
        tags = at.with_priors(tr.tags_of(nsg.as_dict()), record, forget)
        self.retry(
            lambda: self.client.network_security_groups.update_tags(
                self.rg, nsg_name, {"tags": tags}
            )
        )
