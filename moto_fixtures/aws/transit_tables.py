"""DescribeTransitGatewayRouteTables with tag filters, as EC2 serves them.

moto 5.2.5's ``filter_resources`` there knows only the table's own attributes and silently
ignores ``tag:<key>``, ``tag-key`` and ``tag-value``, so a tag-filtered read returns every
table. EC2 filters on tags; this patch applies them after moto's own filters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

_TAG_FILTERS = ("tag:", "tag-key", "tag-value")


def filter_by_tags(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_all_transit_gateway_route_tables(
        self: Any, transit_gateway_route_table_ids: Any = None, filters: Any = None
    ) -> list[Any]:
        """DescribeTransitGatewayRouteTables: tag filters narrow the answer, as in EC2."""
        filters = dict(filters or {})
        tag_filters = {k: v for k, v in filters.items() if k.startswith(_TAG_FILTERS)}
        rest = {k: v for k, v in filters.items() if k not in tag_filters}
        tables = original(self, transit_gateway_route_table_ids, rest or None)
        return [t for t in tables if _matches(t.get_tags(), tag_filters)]

    return get_all_transit_gateway_route_tables


def _matches(tags: Iterable[Mapping[str, str]], filters: Mapping[str, list[str]]) -> bool:
    pairs = {t["key"]: t["value"] for t in tags}
    for name, values in filters.items():
        if name == "tag-key" and not set(values) & set(pairs):
            return False
        if name == "tag-value" and not set(values) & set(pairs.values()):
            return False
        if name.startswith("tag:") and pairs.get(name.removeprefix("tag:")) not in values:
            return False
    return True
