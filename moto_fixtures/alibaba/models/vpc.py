"""VPCs, vSwitches, ENIs, route tables and entries, prefix lists.

Always: VPCs, vSwitches and ENIs have no create action in the metadata eastwest uses, so they
come from ``add_*`` (the seed); a custom route entry is unique per destination in its table
(``InvalidCIDRBlock.Duplicate``) and its next hop must exist; a vSwitch leaves its VPC's system
table for at most one custom table of the same VPC (``ResourceAlreadyAssociated.RouteTable``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from moto_fixtures.alibaba import errors
from moto_fixtures.alibaba.models.common import Ids, iso_now

TAGS_PER_RESOURCE = 20  # TagResources (VPC API): at most 20 tags on one resource
NEXT_HOP_TYPES = (
    "Instance",
    "HaVip",
    "RouterInterface",
    "NetworkInterface",
    "VpnGateway",
    "IPv6Gateway",
    "NatGateway",
    "Attachment",
    "VpcPeer",
    "Ipv4Gateway",
    "GatewayEndpoint",
    "CenBasic",
    "Ecr",
)


@dataclass
class Vpc:
    vpc_id: str
    name: str
    cidr: str
    router_id: str
    route_table_id: str
    creation_time: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class VSwitch:
    vswitch_id: str
    vpc_id: str
    zone_id: str
    cidr: str
    name: str
    route_table_id: str
    creation_time: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RouteEntry:
    entry_id: str
    table_id: str
    destination: str
    next_hop_type: str
    next_hop_id: str
    name: str
    description: str
    entry_type: str
    modified: str


@dataclass
class RouteTable:
    table_id: str
    vpc_id: str
    router_id: str
    table_type: str
    name: str
    creation_time: str
    entries: list[RouteEntry] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class PrefixList:
    prefix_list_id: str
    name: str
    description: str
    ip_version: str
    max_entries: int
    creation_time: str
    entries: dict[str, str] = field(default_factory=dict)  # CIDR → description
    tags: dict[str, str] = field(default_factory=dict)


class Vpcs:
    def __init__(self, ids: Ids) -> None:
        self._ids = ids
        self.vpcs: dict[str, Vpc] = {}
        self.vswitches: dict[str, VSwitch] = {}
        # ENIs and instances live in the workloads model (the backend shares its maps here):
        # route entries only check that a next hop exists.
        self.enis: Mapping[str, object] = {}
        self.instances: Mapping[str, object] = {}
        self.tables: dict[str, RouteTable] = {}
        self.prefix_lists: dict[str, PrefixList] = {}

    def add_vpc(self, name: str, cidr: str, tags: dict[str, str]) -> Vpc:
        vpc_id, router_id = self._ids.new("vpc"), self._ids.new("vrt")
        table = RouteTable(self._ids.new("vtb"), vpc_id, router_id, "System", "", iso_now())
        table.entries.append(self._local_route(table.table_id, cidr))
        self.tables[table.table_id] = table
        vpc = Vpc(vpc_id, name, cidr, router_id, table.table_id, iso_now(), dict(tags))
        self.vpcs[vpc_id] = vpc
        return vpc

    def _local_route(self, table_id: str, cidr: str) -> RouteEntry:
        return RouteEntry(
            self._ids.new("rte"), table_id, cidr, "local", "", "", "", "System", iso_now()
        )

    def add_vswitch(self, vpc_id: str, zone_id: str, cidr: str, name: str) -> VSwitch:
        vpc = self.vpcs[vpc_id]
        vsw = VSwitch(
            self._ids.new("vsw"),
            vpc_id,
            zone_id,
            cidr,
            name,
            vpc.route_table_id,
            iso_now(),
            dict(vpc.tags),
        )
        self.vswitches[vsw.vswitch_id] = vsw
        return vsw

    def create_table(self, vpc_id: str, name: str) -> RouteTable:
        vpc = self.vpcs.get(vpc_id)
        if vpc is None:
            raise errors.VpcNotFound()
        table = RouteTable(self._ids.new("vtb"), vpc_id, vpc.router_id, "Custom", name, iso_now())
        # A custom table starts with the VPC's local route, as on the real VPC.
        table.entries.append(self._local_route(table.table_id, vpc.cidr))
        self.tables[table.table_id] = table
        return table

    def associate(self, table_id: str, vswitch_id: str) -> None:
        table = self.table(table_id)
        vsw = self.vswitches.get(vswitch_id)
        if vsw is None or vsw.vpc_id != table.vpc_id:
            raise errors.VSwitchNotFound()
        if table.table_type != "Custom":
            raise errors.SwitchToSystemRouteTable()
        if self.tables[vsw.route_table_id].table_type == "Custom":
            raise errors.RouteTableAlreadyAssociated()
        vsw.route_table_id = table_id

    def table(self, table_id: str) -> RouteTable:
        table = self.tables.get(table_id)
        if table is None:
            raise errors.RouteTableNotFound()
        return table

    def create_entry(  # noqa: PLR0917 (one argument per API parameter)
        self,
        table_id: str,
        destination: str,
        hop_type: str,
        hop_id: str,
        name: str,
        description: str,
        attachment_exists: bool,
    ) -> RouteEntry:
        table = self.table(table_id)
        _check_cidr(destination)
        if any(e.destination == destination for e in table.entries):
            raise errors.CidrDuplicate()
        known = {
            "NetworkInterface": hop_id in self.enis,
            "Instance": hop_id in self.instances,
            "Attachment": attachment_exists,
        }
        if hop_type not in NEXT_HOP_TYPES or not known.get(hop_type, bool(hop_id)):
            raise errors.NextHopNotFound(f"Specified next hop {hop_type}/{hop_id} does not exist.")
        entry = RouteEntry(
            self._ids.new("rte"),
            table_id,
            destination,
            hop_type,
            hop_id,
            name,
            description,
            "Custom",
            iso_now(),
        )
        table.entries.append(entry)
        return entry

    def modify_entry(  # noqa: PLR0917 (one argument per API parameter)
        self,
        entry_id: str,
        hop_type: str | None,
        hop_id: str | None,
        name: str | None,
        description: str | None,
        attachment_exists: bool,
    ) -> RouteEntry:
        """A custom entry's next hop, name or description, changed in place."""
        for table in self.tables.values():
            for index, entry in enumerate(table.entries):
                if entry.entry_id != entry_id:
                    continue
                if entry.entry_type != "Custom":
                    raise errors.InvalidParameter("OperationDenied.ModifyManagedRouteEntry")
                new_type = hop_type or entry.next_hop_type
                new_id = hop_id or entry.next_hop_id
                known = {
                    "NetworkInterface": new_id in self.enis,
                    "Instance": new_id in self.instances,
                    "Attachment": attachment_exists,
                }
                if hop_type is not None and not known.get(new_type, bool(new_id)):
                    raise errors.NextHopNotFound(
                        f"Specified next hop {new_type}/{new_id} does not exist."
                    )
                changed = replace(
                    entry,
                    next_hop_type=new_type,
                    next_hop_id=new_id,
                    name=entry.name if name is None else name,
                    description=entry.description if description is None else description,
                    modified=iso_now(),
                )
                table.entries[index] = changed
                return changed
        raise errors.RouteEntryIdNotFound()

    def tag_tables(self, table_ids: list[str], tags: dict[str, str]) -> None:
        if any(t not in self.tables for t in table_ids):
            raise errors.InvalidInstanceIdsNotFound()
        for table_id in table_ids:
            self.tables[table_id].tags.update(tags)

    def tag_vpcs(self, vpc_ids: list[str], tags: dict[str, str]) -> None:
        """All or nothing, as the real call: an unknown id, or a VPC that would carry more than
        TAGS_PER_RESOURCE tags, refuses the whole call."""
        if any(v not in self.vpcs for v in vpc_ids):
            raise errors.InvalidInstanceIdsNotFound()
        if any(len(self.vpcs[v].tags | tags) > TAGS_PER_RESOURCE for v in vpc_ids):
            raise errors.TagQuotaExceeded()
        for vpc_id in vpc_ids:
            self.vpcs[vpc_id].tags.update(tags)

    def delete_entry(self, params: dict[str, str]) -> None:
        entry_id = params.get("RouteEntryId")
        for table in self.tables.values():
            for entry in table.entries:
                by_id = entry_id is not None and entry.entry_id == entry_id
                by_cidr = (
                    entry_id is None
                    and entry.table_id == params.get("RouteTableId")
                    and (entry.destination == params.get("DestinationCidrBlock"))
                )
                if (by_id or by_cidr) and entry.entry_type == "Custom":
                    table.entries.remove(entry)
                    return
        if entry_id is None and params.get("RouteTableId") not in self.tables:
            raise errors.RouteTableNotFound()
        raise errors.RouteEntryNotFound()

    def create_prefix_list(  # noqa: PLR0917 (one argument per API parameter)
        self,
        name: str,
        description: str,
        ip_version: str,
        max_entries: int,
        entries: dict[str, str],
        tags: dict[str, str],
    ) -> PrefixList:
        for cidr in entries:
            _check_cidr(cidr)
        if len(entries) > max_entries:
            raise errors.CidrCountExceedMaxCount()
        pl = PrefixList(
            self._ids.new("pl"),
            name,
            description,
            ip_version,
            max_entries,
            iso_now(),
            dict(entries),
            dict(tags),
        )
        self.prefix_lists[pl.prefix_list_id] = pl
        return pl

    def prefix_list(self, prefix_list_id: str) -> PrefixList:
        pl = self.prefix_lists.get(prefix_list_id)
        if pl is None:
            raise errors.PrefixListNotFound()
        return pl

    def modify_prefix_list(
        self,
        prefix_list_id: str,
        add: dict[str, str],
        remove: list[str],
        max_entries: int | None,
    ) -> PrefixList:
        """Validate the whole change, then make it: the real call is all or nothing."""
        pl = self.prefix_list(prefix_list_id)
        for cidr in [*add, *remove]:
            _check_cidr(cidr)
        if len(set(remove)) != len(remove) or set(add) & set(remove):
            raise errors.DuplicatedCidr()
        if any(cidr not in pl.entries for cidr in remove):
            raise errors.RemoveCountExceedExistCount()
        entries = {c: d for c, d in pl.entries.items() if c not in remove} | add
        limit = pl.max_entries if max_entries is None else max_entries
        if len(entries) > limit:
            raise errors.CidrCountExceedMaxCount()
        pl.entries, pl.max_entries = entries, limit
        return pl


def _check_cidr(cidr: str) -> None:
    try:
        ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        raise errors.InvalidCidr(f"Specified CIDR block {cidr} is not valid.") from None
