"""Seed the fake Alibaba Cloud with a landing zone, through the real SDK wherever the API allows.

In: a running ``AlibabaServer`` (fresh: ids are counters, so a used one hands out other ids).
Out: a ``SeedReport`` of the ids created, keyed by name. Always: account 5123456789012345 /
cn-hangzhou; every action the metadata documents goes through ``aliyunsdk*`` request classes
(signed, checked against the metadata like any client's call); only objects without a create
action in it (CEN, transit router, VPCs, vSwitches, ENIs) are made on ``server.backend``;
nothing carries an eastwest ownership marker. Two fresh servers seeded alike hold the same ids.

What gets built (``landing_zone.py`` holds the names and CIDRs):

- a CEN ``cen-hub`` with one transit router (its system route table in the report);
- six spoke VPCs tagged ``segment=web|app|db`` (two per segment, distinct /16s), each with a
  vSwitch in cn-hangzhou-h and -i, both associated with the spoke's custom route table;
- ``security`` (tag ``role=security``): TR and firewall vSwitches per zone, one firewall ENI per
  zone (``fw-eni-h``, ``fw-eni-i``), a custom route table per zone for the TR vSwitches
  (``security-tr-h-rt``, ``security-tr-i-rt``) and one for both firewall vSwitches
  (``security-fw-rt``);
- a TR VPC attachment for every VPC above, associated with the router's system route table and
  propagating into it, as the console sets new attachments up (each step waited for: a write on
  a router with something still ``Attaching``/``Associating``/``Enabling`` answers
  ``OperationConflict``);
- unowned things eastwest must never touch: a hand-made group per spoke (``<spoke>-ops``, tag
  ``owner=netops``) with CIDR rules, a self-reference and an egress rule, and a hand-made route
  ``corp-onprem`` (172.16.0.0/12 → the spoke's TR attachment) in every spoke table and in the
  security VPC's firewall table;
- workloads (``workloads.py``): an instance per spoke and zone in its spoke's ``-ops`` group,
  one also in the permissive ``spoke-db-1-pg-open``, a secondary ENI on one app instance, and
  interfaces no workload group may touch: the two VM-Series instances of the security VPC
  (management ENI plus the data ENI ``fw-eni-<zone>``) and a service-managed endpoint ENI.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from aliyunsdkcbn.request.v20170912 import (
    CreateTransitRouterVpcAttachmentRequest,
    ListTransitRouterVpcAttachmentsRequest,
)
from aliyunsdkcbn.request.v20170912.AssociateTransitRouterAttachmentWithRouteTableRequest import (
    AssociateTransitRouterAttachmentWithRouteTableRequest as Associate,
)
from aliyunsdkcbn.request.v20170912.EnableTransitRouterRouteTablePropagationRequest import (
    EnableTransitRouterRouteTablePropagationRequest as EnablePropagation,
)
from aliyunsdkcbn.request.v20170912.ListTransitRouterRouteTableAssociationsRequest import (
    ListTransitRouterRouteTableAssociationsRequest as ListAssociations,
)
from aliyunsdkcbn.request.v20170912.ListTransitRouterRouteTablePropagationsRequest import (
    ListTransitRouterRouteTablePropagationsRequest as ListPropagations,
)
from aliyunsdkecs.request.v20140526 import AuthorizeSecurityGroupEgressRequest
from aliyunsdkvpc.request.v20160428 import (
    AssociateRouteTableRequest,
    CreateRouteEntryRequest,
    CreateRouteTableRequest,
)

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.clients import acs_client, call
from moto_fixtures.alibaba.models.backend import Backend
from moto_fixtures.alibaba.seed_workloads import (
    SeededWorkloads,
    hand_made_group,
    rule,
    seed_workloads,
)
from moto_fixtures.alibaba.server import AlibabaServer

# An attachment settles after the server's async_delay; a seed waiting longer has hung.
ATTACH_TIMEOUT_S = 30.0
_POLL_S = 0.02


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class SeedReport:
    """Ids of the seeded landing zone, keyed by name (``landing_zone`` spells them).

    Names are unique across kinds (tables end in ``-rt``, attachments in ``-attachment``,
    hand-made groups in ``-ops``), so ``ids`` loses nothing.
    """

    account_id: str
    region: str
    cen: str
    transit_router: str
    tr_system_route_table: str
    vpcs: Mapping[str, str]
    vswitches: Mapping[str, str]
    route_tables: Mapping[str, str]  # every custom VPC route table (spokes' and security's)
    firewall_enis: Mapping[str, str]
    attachments: Mapping[str, str]
    security_groups: Mapping[str, str]  # the hand-made groups eastwest must not touch
    route_entries: Mapping[str, str]  # "<table name>/<route name>" → hand-made entry id
    instances: Mapping[str, str]  # ECS instances: "<spoke>-vm-<zone>", "fw-vm-<zone>"
    # Every seeded ENI: "<instance>-eth<N>" (eth0 the primary), the endpoint ENI; the firewall
    # data ENIs are "fw-vm-<zone>-eth1" here and "fw-eni-<zone>" in firewall_enis.
    network_interfaces: Mapping[str, str]
    excluded_interfaces: Mapping[str, str]  # ENIs no workload group may ever touch

    @property
    def ids(self) -> Mapping[str, str]:
        """Every name → id created, across kinds."""
        merged = {lz.CEN_NAME: self.cen}
        for kind in (
            self.vpcs,
            self.vswitches,
            self.route_tables,
            self.firewall_enis,
            self.attachments,
            self.security_groups,
            self.route_entries,
            self.instances,
            self.network_interfaces,
        ):
            merged.update(kind)
        return _frozen(merged)

    @property
    def unowned(self) -> Mapping[str, str]:
        """What eastwest must never change: hand-made groups and route entries."""
        return _frozen({**self.security_groups, **self.route_entries})


def seed_alibaba(server: AlibabaServer) -> SeedReport:
    """Build the landing zone on ``server``; return what was made."""
    with server.backend.settled():
        builder = Builder(server, server.backend)
        for spoke in lz.SPOKES:
            builder.spoke(spoke)
        builder.security()
        for spoke in lz.SPOKES:
            builder.unowned(spoke)
        builder.corp_route(lz.SECURITY_FW_TABLE, lz.SECURITY.attachment)
        return builder.report(builder.workloads())


class Builder:
    """Creates a region's landing zone and remembers every id by name: the first region's
    builder makes the CEN, another region's (``seed_region``) joins it with a router of its
    own."""

    def __init__(
        self,
        server: AlibabaServer,
        backend: Backend,
        cen: str | None = None,
        zones: tuple[str, ...] = lz.ZONES,
    ) -> None:
        self.server, self.backend, self.zones = server, backend, zones
        self.client = acs_client(server, backend.region)
        self.cen = cen or backend.cbn.add_cen(lz.CEN_NAME)
        self.tr, self.tr_table = backend.cbn.add_transit_router(self.cen, backend.region)
        self.vpcs: dict[str, str] = {}
        self.vswitches: dict[str, str] = {}
        self.route_tables: dict[str, str] = {}
        self.attachments: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.entries: dict[str, str] = {}

    def _call(self, request: Any) -> dict[str, Any]:
        return call(self.client, self.server, request)

    def _vpc(self, spoke: lz.Spoke, tags: dict[str, str]) -> str:
        vpc = self.backend.vpc.add_vpc(spoke.name, spoke.cidr, tags)
        self.vpcs[spoke.name] = vpc.vpc_id
        return vpc.vpc_id

    def _vswitch(self, vpc_id: str, zone: str, cidr: str, name: str) -> str:
        vsw = self.backend.vpc.add_vswitch(vpc_id, zone, cidr, name)
        self.vswitches[name] = vsw.vswitch_id
        return vsw.vswitch_id

    def spoke(self, spoke: lz.Spoke) -> None:
        vpc_id = self._vpc(spoke, {"segment": spoke.segment})
        by_zone = {
            zone: self._vswitch(vpc_id, zone, spoke.vswitch_cidr(i), spoke.vswitch_name(zone))
            for i, zone in enumerate(self.zones)
        }
        self._route_table(vpc_id, spoke.route_table, list(by_zone.values()))
        self._attach(spoke, vpc_id, by_zone)

    def _route_table(self, vpc_id: str, name: str, vswitch_ids: list[str]) -> None:
        create = CreateRouteTableRequest.CreateRouteTableRequest()
        create.set_VpcId(vpc_id)
        create.set_RouteTableName(name)
        table_id = str(self._call(create)["RouteTableId"])
        self.route_tables[name] = table_id
        for vswitch_id in vswitch_ids:
            associate = AssociateRouteTableRequest.AssociateRouteTableRequest()
            associate.set_RouteTableId(table_id)
            associate.set_VSwitchId(vswitch_id)
            self._call(associate)

    def security(self) -> None:
        vpc_id = self._vpc(lz.SECURITY, {"role": "security"})
        by_tier: dict[str, dict[str, str]] = {}
        for (tier, zone), cidr in lz.SECURITY_VSWITCHES.items():
            name = lz.security_vswitch_name(tier, zone)
            by_tier.setdefault(tier, {})[zone] = self._vswitch(vpc_id, zone, cidr, name)
        for zone, vswitch_id in by_tier["tr"].items():
            self._route_table(vpc_id, lz.security_tr_table(zone), [vswitch_id])
        self._route_table(vpc_id, lz.SECURITY_FW_TABLE, list(by_tier["fw"].values()))
        self._attach(lz.SECURITY, vpc_id, by_tier["tr"])

    def _attach(self, spoke: lz.Spoke, vpc_id: str, by_zone: dict[str, str]) -> None:
        request = CreateTransitRouterVpcAttachmentRequest.CreateTransitRouterVpcAttachmentRequest()
        request.set_CenId(self.cen)
        request.set_TransitRouterId(self.tr)
        request.set_VpcId(vpc_id)
        request.set_TransitRouterAttachmentName(spoke.attachment)
        # The SDK's setter really is spelled with a double "s".
        request.set_ZoneMappingss([{"ZoneId": z, "VSwitchId": v} for z, v in by_zone.items()])
        attachment_id = str(self._call(request)["TransitRouterAttachmentId"])
        self.attachments[spoke.attachment] = attachment_id
        listing = ListTransitRouterVpcAttachmentsRequest.ListTransitRouterVpcAttachmentsRequest()
        listing.set_TransitRouterAttachmentId(attachment_id)
        self._wait(listing, "TransitRouterAttachments", "Attached", attachment_id)
        self._system_links(attachment_id)

    def _system_links(self, attachment_id: str) -> None:
        """Associate with the system table and propagate into it (the console's defaults)."""
        associate = Associate()
        associate.set_TransitRouterAttachmentId(attachment_id)
        associate.set_TransitRouterRouteTableId(self.tr_table)
        self._call(associate)
        associations = ListAssociations()
        associations.set_TransitRouterAttachmentId(attachment_id)
        self._wait(associations, "TransitRouterAssociations", "Active", attachment_id)
        enable = EnablePropagation()
        enable.set_TransitRouterAttachmentId(attachment_id)
        enable.set_TransitRouterRouteTableId(self.tr_table)
        self._call(enable)
        propagations = ListPropagations()
        propagations.set_TransitRouterRouteTableId(self.tr_table)
        propagations.set_TransitRouterAttachmentId(attachment_id)
        self._wait(propagations, "TransitRouterPropagations", "Active", attachment_id)

    def _wait(self, request: Any, rows_key: str, status: str, what: str) -> None:
        deadline = time.monotonic() + ATTACH_TIMEOUT_S
        while True:
            rows = self._call(request)[rows_key]
            if [row["Status"] for row in rows] == [status]:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"alibaba {what}: {rows_key} never became {status}")
            time.sleep(_POLL_S)

    def corp_route(self, table: str, attachment: str) -> None:
        """The hand-made ``corp-onprem`` route of one table, to a VPC's TR attachment."""
        entry = CreateRouteEntryRequest.CreateRouteEntryRequest()
        entry.set_RouteTableId(self.route_tables[table])
        entry.set_DestinationCidrBlock(lz.CORP_CIDR)
        entry.set_NextHopType("Attachment")
        entry.set_NextHopId(self.attachments[attachment])
        entry.set_RouteEntryName(lz.CORP_ROUTE)
        entry.set_Description("corp ranges over the CEN (netops, by hand)")
        self.entries[f"{table}/{lz.CORP_ROUTE}"] = str(self._call(entry)["RouteEntryId"])

    def unowned(self, spoke: lz.Spoke) -> None:
        """The hand-made group and route of one spoke."""
        self.corp_route(spoke.route_table, spoke.attachment)

        group_id = hand_made_group(
            self._call,
            self.vpcs[spoke.name],
            spoke.security_group,
            "ops access, made by hand",
            {"owner": "netops", "segment": spoke.segment},
            lambda group_id: [
                rule("TCP", "22/22", "10", "ssh from corp", SourceCidrIp=lz.CORP_CIDR),
                rule("TCP", "443/443", "20", "from firewalls", SourceCidrIp=lz.SECURITY.cidr),
                rule("ALL", "-1/-1", "1", "within the group", SourceGroupId=group_id),
            ],
        )
        self.groups[spoke.security_group] = group_id
        egress = AuthorizeSecurityGroupEgressRequest.AuthorizeSecurityGroupEgressRequest()
        egress.set_SecurityGroupId(group_id)
        egress.set_Permissions([rule("TCP", "443/443", "1", "https out", DestCidrIp="0.0.0.0/0")])
        self._call(egress)

    def workloads(self) -> SeededWorkloads:
        return seed_workloads(self.server, self._call, self.vpcs, self.vswitches, self.groups)

    def report(self, workloads: SeededWorkloads) -> SeedReport:
        return SeedReport(
            account_id=lz.ACCOUNT_ID,
            region=lz.REGION,
            cen=self.cen,
            transit_router=self.tr,
            tr_system_route_table=self.tr_table,
            vpcs=_frozen(self.vpcs),
            vswitches=_frozen(self.vswitches),
            route_tables=_frozen(self.route_tables),
            firewall_enis=_frozen(workloads.firewall_enis),
            attachments=_frozen(self.attachments),
            security_groups=_frozen({**self.groups, **workloads.groups}),
            route_entries=_frozen(self.entries),
            instances=_frozen(workloads.instances),
            network_interfaces=_frozen(workloads.enis),
            excluded_interfaces=_frozen(workloads.excluded),
        )
