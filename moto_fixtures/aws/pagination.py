"""Pagination for the describe calls eastwest reads (moto answers one page, always).

Real EC2 honours ``MaxResults`` within the bounds its service model documents (``min``/``max`` of
the shape, e.g. 5-1000 for DescribeSecurityGroups, 1-100 for DescribeManagedPrefixLists), answers
``InvalidParameterValue`` outside them, and hands back an opaque ``NextToken`` while more items
remain; without ``MaxResults`` these calls return every item. A token is only good for the same
action with the same filters and ids; anything else answers ``InvalidNextToken``.

The patch sits on the wire side (``EC2Response``): it lets moto compute the full result, then
slices it. A token names the last item returned (and its position as a fallback), so an item
created or deleted between two pages shifts the remaining pages the way it does on EC2 instead of
repeating or skipping a whole page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import get_service_model

from moto_fixtures.aws.exceptions import InvalidNextTokenError, InvalidParameterValueError

Handler = Callable[[Any], Any]

# Request parameters that do not select items: they must not change the token's fingerprint.
_PAGING_PARAMS = frozenset({"MaxResults", "NextToken", "DryRun"})
# What EC2 answers at most when a call's model documents no MaxResults bounds.
_UNBOUNDED_CAP = 1000


@dataclass(frozen=True)
class _Cursor:
    after: str
    offset: int


def paginate(action: str, result_key: str) -> Callable[[Handler], Handler]:
    """Wrap moto's handler for ``action`` so that ``result_key`` is paged like EC2 pages it."""
    low, high = _max_results_bounds(action)

    def wrap(original: Handler) -> Handler:
        def paginated(self: Any) -> Any:
            """Honour MaxResults (validated against the service model) and NextToken."""
            limit = _max_results(self._get_param("MaxResults"), low, high)
            fingerprint = _fingerprint(action, self.params)
            token = self._get_param("NextToken") or None
            cursor = _decode(token, fingerprint) if token is not None else None
            result = original(self)
            body = dict(result.result)
            items = list(body.get(result_key) or [])
            start = _start(items, cursor)
            end = len(items) if limit is None else min(len(items), start + limit)
            body[result_key] = items[start:end]
            body["NextToken"] = (
                _encode(fingerprint, _item_key(items[end - 1]), end) if end < len(items) else None
            )
            return ActionResult(body)

        paginated.__doc__ = f"{action}: {paginated.__doc__}"
        return paginated

    return wrap


def _max_results_bounds(action: str) -> tuple[int, int | None]:
    shape = get_service_model("ec2").operation_model(action).input_shape.members["MaxResults"]
    if "max" not in shape.metadata:
        # Calls whose model gives no bounds (DescribeVpcEndpoints) document that EC2 answers at
        # most 1,000 items for a larger MaxResults instead of refusing it.
        return 1, None
    return int(shape.metadata["min"]), int(shape.metadata["max"])


def _max_results(raw: Any, low: int, high: int | None) -> int | None:
    if raw is None:
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = None
    if high is None and value is not None and value >= low:
        return min(value, _UNBOUNDED_CAP)
    if value is None or high is None or not low <= value <= high:
        raise InvalidParameterValueError(
            f"Value ( {raw} ) for parameter maxResults is invalid. "
            f"Expecting a value between {low} and {high or _UNBOUNDED_CAP}."
        )
    return value


def _fingerprint(action: str, params: Any) -> str:
    selecting = {k: v for k, v in dict(params).items() if k not in _PAGING_PARAMS}
    text = json.dumps([action, selecting], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _item_key(item: Any) -> str:
    # Prefix-list entries are plain dicts keyed by CIDR; a TGW route table's associations and
    # propagations are keyed by their attachment; everything else is a moto model with an id.
    if isinstance(item, dict):
        return str(item.get("Cidr", ""))
    if not hasattr(item, "id") and hasattr(item, "transitGatewayAttachmentId"):
        return str(item.transitGatewayAttachmentId)
    return str(item.id)


def _encode(fingerprint: str, after: str, offset: int) -> str:
    raw = json.dumps({"f": fingerprint, "a": after, "o": offset}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(token: str, fingerprint: str) -> _Cursor:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        cursor = _Cursor(after=str(data["a"]), offset=int(data["o"]))
        valid = data["f"] == fingerprint and cursor.offset >= 0
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, KeyError):
        valid = False
    if not valid:
        raise InvalidNextTokenError(token)
    return cursor


def _start(items: list[Any], cursor: _Cursor | None) -> int:
    if cursor is None:
        return 0
    for index, item in enumerate(items):
        if _item_key(item) == cursor.after:
            return index + 1
    # The last item returned is gone; its successor has moved up into its place.
    return max(0, min(cursor.offset - 1, len(items)))
