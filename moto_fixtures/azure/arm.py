"""ARM's request handling for Microsoft.Network: the fake's "responses" layer.

In: method, path, query, headers and body of one request. Out: a ``Reply`` (status, JSON,
headers). Always: a ``Bearer`` token and an ``api-version`` not older than 2024-05-01 are
required; PUT answers 201/200 with ``Azure-AsyncOperation`` and DELETE 202 with
``Azure-AsyncOperation`` and ``Location``, both with ``Retry-After``; lists are paged by
``$skiptoken`` offsets behind an absolute ``nextLink``; errors are ``ArmError`` bodies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from moto_fixtures.azure import lb, wire
from moto_fixtures.azure.errors import (
    ArmError,
    AuthenticationFailedError,
    InvalidApiVersionParameterError,
    InvalidRequestFormatError,
    MethodNotAllowedError,
    MissingApiVersionParameterError,
    NotFoundError,
    ResourceNotFoundError,
)
from moto_fixtures.azure.paths import Target, parse
from moto_fixtures.azure.state import KINDS, Operation, Store
from moto_fixtures.azure.writes import Writer

OLDEST_API_VERSION = "2024-05-01"


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str


class Arm:
    def __init__(self, store: Store, async_delay: float, retry_after: int, page_size: int) -> None:
        self.store = store
        self.retry_after = retry_after
        self.page_size = page_size
        self.writer = Writer(store, async_delay, retry_after)

    def handle(self, request: Request) -> Reply:
        try:
            _check_auth(request)
            version = _check_version(request)
            target = parse(request.path)
            with self.store.lock:
                return self._dispatch(request, target, version)
        except ArmError as error:
            return Reply(error.status, error.body(), dict(error.headers))

    def _dispatch(self, request: Request, target: Target, version: str) -> Reply:
        method = request.method
        if target.operation is not None or target.action is not None:
            return self._beside(request, target, version)
        if target.is_list and method == "GET":
            return self._list(request, target)
        if not target.is_list:
            if method == "GET":
                return self._get(target)
            if method == "PUT":
                return self._put(request, target, version)
            if method == "DELETE":
                return self._delete(request, target, version)
            if method == "PATCH" and len(target.chain) == 1:
                resource = self.writer.patch_tags(target, _json(request.body))
                return Reply(200, wire.render(resource, self.store))
        raise MethodNotAllowedError(method, request.path)

    def _beside(self, request: Request, target: Target, version: str) -> Reply:
        """An operation's status or result, or a POST action on a resource."""
        if target.operation is not None and request.method == "GET":
            return self._operation(request, target, version)
        if target.action is not None and request.method == "POST":
            return self._health(request, target, version)
        raise MethodNotAllowedError(request.method, request.path)

    def _get(self, target: Target) -> Reply:
        self.store.settle()
        if target.chain[-1][0] == "defaultSecurityRules":
            return Reply(200, self._default_rule(target))
        resource = self.store.get(target.resource_id())
        if resource is None:
            self.writer.parent_of(target)
            if len(target.chain) == 1:
                segment, name = target.chain[0]
                raise ResourceNotFoundError(KINDS[segment].type, str(name), str(target.group))
            raise NotFoundError(target.resource_id())
        return Reply(200, wire.render(resource, self.store))

    def _default_rule(self, target: Target) -> dict[str, Any]:
        nsg = self.writer.parent_of(target)
        assert nsg is not None
        for rule in wire.default_rules(nsg):
            if rule["name"].lower() == str(target.chain[-1][1]).lower():
                return rule
        raise NotFoundError(target.resource_id())

    def _put(self, request: Request, target: Target, version: str) -> Reply:
        resource, op, created = self.writer.put(target, _json(request.body))
        headers = self._async_headers(request, target, op, version)
        return Reply(201 if created else 200, wire.render(resource, self.store), headers)

    def _delete(self, request: Request, target: Target, version: str) -> Reply:
        op = self.writer.delete(target)
        if op is None:
            return Reply(204)
        headers = self._async_headers(request, target, op, version)
        headers["Location"] = self._op_url(request, target, op, version, "operationResults")
        return Reply(202, None, headers)

    def _async_headers(
        self, request: Request, target: Target, op: Operation, version: str
    ) -> dict[str, str]:
        return {
            "Azure-AsyncOperation": self._op_url(request, target, op, version, "operations"),
            "Retry-After": str(self.retry_after),
        }

    def _op_url(
        self, request: Request, target: Target, op: Operation, version: str, kind: str
    ) -> str:
        return (
            f"{request.base_url}/subscriptions/{target.subscription}/providers/Microsoft.Network"
            f"/locations/{op.location or 'global'}/{kind}/{op.id}?api-version={version}"
        )

    def _health(self, request: Request, target: Target, version: str) -> Reply:
        """``LoadBalancerLoadBalancingRules_Health``: 202, its answer at the Location (the
        swagger's ``final-state-via: location``) once the operation is done."""
        self.store.settle()
        balancer = self.writer.parent_of(target)
        assert balancer is not None  # the path names a load balancer's rule
        rule = self.store.get(target.resource_id())
        if rule is None:
            raise NotFoundError(target.resource_id())
        op = self.store.begin(
            "post", "LoadBalancingRuleHealth", f"{rule.key}/health", (),
            location=balancer.location or "", delay=self.writer.delay,
        )  # fmt: skip
        op.result = lb.rule_health(self.store, rule)
        headers = self._async_headers(request, target, op, version)
        headers["Location"] = self._op_url(request, target, op, version, "operationResults")
        return Reply(202, None, headers)

    def _operation(self, request: Request, target: Target, version: str) -> Reply:
        assert target.operation is not None
        kind, op_id = target.operation
        op = self.store.operation(op_id)
        if op is None:
            raise NotFoundError(request.path)
        busy = op.status == "InProgress"
        headers = {"Retry-After": str(self.retry_after)} if busy else {}
        if kind == "operations":
            return Reply(200, {"status": op.status}, headers)
        if busy:
            headers["Location"] = f"{request.base_url}{request.path}?api-version={version}"
            return Reply(202, None, headers)
        return Reply(204) if op.result is None else Reply(200, op.result)

    def _list(self, request: Request, target: Target) -> Reply:
        self.store.settle()
        segment = target.chain[-1][0]
        if segment == "defaultSecurityRules":
            nsg = self.writer.parent_of(target)
            assert nsg is not None
            items = wire.default_rules(nsg)
        elif len(target.chain) == 2:
            parent = self.writer.parent_of(target)
            assert parent is not None
            items = [wire.render(r, self.store) for r in self.store.children(parent.key, segment)]
        else:
            scope = f"/subscriptions/{target.subscription}/".lower()
            if target.group is not None:
                scope += f"resourcegroups/{target.group}/".lower()
            items = [
                wire.render(r, self.store)
                for r in self.store.all()
                if r.kind.segment == segment and r.key.startswith(scope)
            ]
        return Reply(200, self._page(request, items))

    def _page(self, request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
        token = request.query.get("$skiptoken", "0")
        if not token.isdigit():
            raise InvalidRequestFormatError(f"Invalid $skiptoken '{token}'.", "$skiptoken")
        start = int(token)
        page: dict[str, Any] = {"value": items[start : start + self.page_size]}
        if start + self.page_size < len(items):
            query = dict(request.query)
            query["$skiptoken"] = str(start + self.page_size)
            page["nextLink"] = f"{request.base_url}{request.path}?{urlencode(query)}"
        return page


def _check_auth(request: Request) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailedError()


def _check_version(request: Request) -> str:
    version = request.query.get("api-version")
    if not version:
        raise MissingApiVersionParameterError()
    # Dates compare as strings; "-preview" suffixes sort after their date, which is fine here.
    if version[:10] < OLDEST_API_VERSION:
        raise InvalidApiVersionParameterError(version, OLDEST_API_VERSION)
    return version


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidRequestFormatError(f"Invalid JSON: {error}.", "$") from error
