"""Conformance with the published API metadata (``moto_fixtures/alibaba/api/*.json``).

In: a request's ``Version``, ``Action`` and flat parameters. Out: a list of problems (empty when
the request conforms): the action is documented for that product version, every parameter is
documented for it once lists are un-flattened (``Permissions.1.Policy`` → ``Permissions`` item
field ``Policy``), and every required parameter is present. Always: the common protocol
parameters (``protocol.PROTOCOL_PARAMS``) are accepted everywhere; the metadata is read once,
from the trimmed copy this package ships (``moto_fixtures.api_metadata`` rebuilds it), or from
the folder ``EASTWEST_ALIBABA_METADATA`` names.

The fake uses ``problems()`` to answer ``MissingParameter`` / ``InvalidParameter`` as the real
gateway does; tests use ``assert_conforms()`` on every call of the call log.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from moto_fixtures.alibaba.protocol import PROTOCOL_PARAMS
from moto_fixtures.api_metadata import shipped

PRODUCTS = {"2014-05-26": "ecs", "2016-04-28": "vpc", "2017-09-12": "cbn"}
# aliyunsdkcore adds RegionId to every RPC request it signs (request.py), and the service
# accepts it on actions whose metadata does not list it (CBN's, for one).
SDK_COMMON_PARAMS = frozenset({"RegionId"})
# A folder of {ecs,vpc,cbn}.json to use instead of the shipped copy (a newer or a broken one).
OVERRIDE_ENV = "EASTWEST_ALIBABA_METADATA"


def metadata_dir() -> Traversable:
    override = os.environ.get(OVERRIDE_ENV)
    return Path(override) if override else shipped("alibaba")


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    required: bool


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    message: str


@cache
def _document(product: str) -> dict[str, Any]:
    path = metadata_dir().joinpath(f"{product}.json")
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:  # the decoder's message alone does not say which file
        raise ValueError(f"{path} is not valid JSON ({exc})") from exc
    return document


@cache
def _apis(product: str) -> dict[str, dict[str, Param]]:
    apis: dict[str, dict[str, Param]] = {}
    for action, api in _document(product)["apis"].items():
        # The metadata repeats some parameters (RegionId three times): the first one counts.
        params: dict[str, Param] = {}
        for raw in api.get("parameters", []):
            schema = raw.get("schema", {})
            required = schema.get("required") is True or raw.get("required") is True
            params.setdefault(raw["name"], Param(raw["name"], schema, required))
        apis[action] = params
    return apis


def load() -> None:
    """Read every product's metadata now, so that a missing or broken file fails the fake's
    start with its own error rather than a later request."""
    for product in PRODUCTS.values():
        _apis(product)


def product_of(version: str) -> str | None:
    return PRODUCTS.get(version)


def documented(version: str, action: str) -> bool:
    product = product_of(version)
    return product is not None and action in _apis(product)


def error_code(version: str, action: str, fragment: str) -> ErrorCode | None:
    """The first error code the action documents whose name contains ``fragment``."""
    product = product_of(version)
    api = _document(product)["apis"].get(action, {}) if product else {}
    for status, codes in sorted(api.get("errorCodes", {}).items()):
        for entry in codes:
            if fragment in entry.get("errorCode", ""):
                return ErrorCode(entry["errorCode"], int(status), entry.get("errorMessage", ""))
    return None


def too_many(version: str, action: str, params: dict[str, str]) -> list[str]:
    """The list parameters sent with more items than the metadata's ``maxItems``."""
    product = product_of(version)
    documented_params = _apis(product).get(action, {}) if product else {}
    found = []
    for name, param in documented_params.items():
        limit = param.schema.get("maxItems")
        if param.schema.get("type") == "array" and limit is not None:
            indices = {k[len(name) + 1 :].split(".")[0] for k in params if k.startswith(f"{name}.")}
            if any(i.isdigit() and int(i) > int(limit) for i in indices):
                found.append(name)
    return found


def problems(version: str, action: str, params: dict[str, str]) -> list[str]:
    """Everything that makes this request disagree with the metadata."""
    product = product_of(version)
    if product is None:
        return [f"Version {version!r} is not ECS, VPC or CBN"]
    documented_params = _apis(product).get(action)
    if documented_params is None:
        return [f"{action} is not documented for {product} {version}"]
    found = [
        f"{key} is not documented for {action}"
        for key in params
        if key not in PROTOCOL_PARAMS
        and key not in SDK_COMMON_PARAMS
        and not _is_documented(key, documented_params)
    ]
    for param in documented_params.values():
        if param.required and not _present(param.name, params):
            found.append(f"MissingParameter {param.name}")
    return found


def missing(version: str, action: str, params: dict[str, str]) -> list[str]:
    return [
        p.split(" ", 1)[1] for p in problems(version, action, params) if p.startswith("Missing")
    ]


def assert_conforms(version: str, action: str, params: dict[str, str]) -> None:
    found = problems(version, action, params)
    if found:
        raise AssertionError(f"{action} ({version}) does not conform: {'; '.join(found)}")


def _present(name: str, params: dict[str, str]) -> bool:
    return name in params or any(k.startswith(f"{name}.") for k in params)


def _is_documented(key: str, documented_params: dict[str, Param]) -> bool:
    if key in documented_params:  # also literal names such as DescribeInstances' Filter.1.Key
        return documented_params[key].schema.get("type") not in ("array", "object")
    head, _, rest = key.partition(".")
    param = documented_params.get(head)
    return param is not None and bool(rest) and _matches(rest.split("."), param.schema)


def _matches(path: list[str], schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if not path:
        return kind not in ("array", "object")
    if kind == "array":
        index, *rest = path
        if not index.isdigit() or int(index) < 1:
            return False
        if "maxItems" in schema and int(index) > int(schema["maxItems"]):
            return False
        return _matches(rest, schema.get("items", {}))
    if kind == "object":
        field, *rest = path
        props: dict[str, Any] = schema.get("properties", {})
        return field in props and _matches(rest, props[field])
    return False
