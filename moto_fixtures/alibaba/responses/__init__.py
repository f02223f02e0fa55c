"""Wire format: flat RPC parameters → model calls → response dictionaries.

In: a ``Backend`` and the request's flat parameters. Out: the JSON-ready body (without
``RequestId``, which the server adds). Always: parameter and field names, nesting
(``SecurityGroups.SecurityGroup``) and types (``Priority`` a string, ``TotalCount`` an integer)
are those of the metadata's response schemas; ``HANDLERS[(product, action)]`` is the whole
routing table, written out by hand (no registry filled by import side effects).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto_fixtures.alibaba.models.backend import Backend

Handler = Callable[[Backend, dict[str, str]], dict[str, Any]]


def handlers() -> dict[tuple[str, str], Handler]:
    from moto_fixtures.alibaba.responses import (  # noqa: PLC0415 (cycle: they import Handler)
        cbn,
        ecs,
        ecs_status,
        ecs_workloads,
        vpc,
        vpc_flowlogs,
    )

    table: dict[tuple[str, str], Handler] = {}
    modules = (
        ("ecs", ecs),
        ("ecs", ecs_workloads),
        ("ecs", ecs_status),
        ("vpc", vpc),
        ("vpc", vpc_flowlogs),
        ("cbn", cbn),
    )
    for product, module in modules:
        table.update({(product, action): h for action, h in module.HANDLERS.items()})
    return table
