"""A second region of the seeded account, on the seeded CEN: for tests of scopes side by side.

In: a server already seeded by ``seed.seed_alibaba`` and the id of its CEN (a test's
``SeedReport.cen``; ``POST /_eastwest/regions`` finds the CEN by its name, for a sandbox
daemon in another process). Out: a ``RegionReport`` of what was made in
``landing_zone.SECOND_REGION``. Always: CEN is global, so the region joins the first region's
CEN with a transit router of its own (a second call for one region is refused: a CEN has one
router per region); each spoke of
``SECOND_SPOKES`` gets a VPC tagged with its segment, a vSwitch per zone, a custom route table,
a TR attachment associated with and propagating into the router's system table, the hand-made
``<spoke>-ops`` group and ``corp-onprem`` route eastwest must never touch, and one instance in
its first zone (in the ``-ops`` group). Everything settles at once, as the first region's seed
does, so the region costs a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.models.workloads import Launch
from moto_fixtures.alibaba.seed import Builder
from moto_fixtures.alibaba.server import AlibabaServer


@dataclass(frozen=True)
class RegionReport:
    region: str
    transit_router: str
    tr_system_route_table: str
    vpcs: Mapping[str, str]
    route_tables: Mapping[str, str]
    attachments: Mapping[str, str]
    security_groups: Mapping[str, str]  # the hand-made groups eastwest must not touch
    route_entries: Mapping[str, str]
    instances: Mapping[str, str]


def seed_region(server: AlibabaServer, cen: str, region: str = lz.SECOND_REGION) -> RegionReport:
    backend = server.region(region)
    with backend.settled():
        builder = Builder(server, backend, cen, lz.SECOND_ZONES)
        for spoke in lz.SECOND_SPOKES:
            builder.spoke(spoke)
        for spoke in lz.SECOND_SPOKES:
            builder.unowned(spoke)
        instances = {
            lz.instance_name(spoke, zone): backend.workloads.launch(
                Launch(
                    builder.vswitches[spoke.vswitch_name(zone)],
                    (builder.groups[spoke.security_group],),
                    lz.instance_name(spoke, zone),
                    {"app": spoke.segment},
                )
            ).instance_id
            for spoke in lz.SECOND_SPOKES
            for zone in lz.SECOND_ZONES[:1]
        }
    return RegionReport(
        region,
        builder.tr,
        builder.tr_table,
        dict(builder.vpcs),
        dict(builder.route_tables),
        dict(builder.attachments),
        dict(builder.groups),
        dict(builder.entries),
        instances,
    )
