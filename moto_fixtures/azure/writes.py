"""PUT, PATCH and DELETE of Microsoft.Network resources, with NRP's semantic checks.

In: a parsed ``Target`` and the request body. Out: the stored change and the ``Operation`` that
tracks it. Always: a write is checked completely before anything is stored (ARM writes are
atomic); a PUT replaces the whole resource, so a parent PUT (NSG, route table, VNet) replaces its
child collections too, as real ARM does; every write on a busy top-level resource answers
``RetryableError`` (429) instead of queueing.
"""

from __future__ import annotations

import re
from typing import Any

from moto_fixtures.azure import lb, nics, schema
from moto_fixtures.azure.errors import (
    AsgsInRuleLimitError,
    InUseCannotBeDeletedError,
    InvalidRequestFormatError,
    InvalidResourceNameError,
    InvalidResourceReferenceError,
    LocationRequiredError,
    MethodNotAllowedError,
    ResourceNotFoundError,
    RetryableError,
    SecurityRuleConflictError,
)
from moto_fixtures.azure.paths import Target
from moto_fixtures.azure.state import KINDS, Operation, Resource, Store, new_etag

_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$")
# Which referenced kinds a property must resolve to (checked on every write).
_REFERENCES = {
    "networkSecurityGroup": "networkSecurityGroups",
    "routeTable": "routeTables",
    "remoteVirtualNetwork": "virtualNetworks",
    "subnet": "subnets",
    "sourceApplicationSecurityGroups": "applicationSecurityGroups",
    "destinationApplicationSecurityGroups": "applicationSecurityGroups",
    "applicationSecurityGroups": "applicationSecurityGroups",
    "loadBalancerBackendAddressPools": "backendAddressPools",
}
# A load balancer's parts that ARM serves read-only: written only in the load balancer's body.
_READ_ONLY = ("frontendIPConfigurations", "loadBalancingRules", "probes")
_STANDALONE = frozenset({"flowLogs"})


class Writer:
    def __init__(self, store: Store, delay: float, retry_after: int) -> None:
        self.store = store
        self.delay = delay
        self.retry_after = retry_after

    def put(self, target: Target, body: Any) -> tuple[Resource, Operation, bool]:
        """Create or replace; return the resource, its operation, and whether it is new."""
        segment, name = target.chain[-1]
        assert name is not None  # a list path never reaches a PUT
        kind = KINDS[segment]
        rid = target.resource_id()
        _writable(segment, target, "PUT")
        parent = self.parent_of(target)
        self._idle(target)
        if not _NAME.match(name):
            raise InvalidResourceNameError(name)
        props = schema.properties(segment, body, rid)
        children = self._children(segment, body, rid)
        if segment == "loadBalancers":
            lb.check_rules(children)
        location, tags = self._tracked(kind.tracked, body, parent)
        self._check_rules(target, name, props, children)
        for ref_owner, ref_props in [(rid, props), *((cid, cp) for _, cid, cp in children)]:
            self._check_references(ref_owner, ref_props)
        old = self.store.get(rid)
        if segment == "networkInterfaces":
            nics.prepare(self.store, rid, props, old)
        resource = Resource(
            id=old.id if old else rid,
            kind=kind,
            name=old.name if old else name,
            properties=props,
            location=location,
            tags=tags,
            parent=parent.key if parent else None,
        )
        if old is not None:
            resource.guid = old.guid  # resourceGuid survives updates
        if segment == "loadBalancers":
            resource.sku = lb.sku(body)
        self.store.put(resource)
        targets = [resource.key]
        if kind.children:
            for child_segment in _embedded(kind.children):
                for child in self.store.children(resource.key, child_segment):
                    self.store.remove(child.key)
            for child_segment, cid, cprops in children:
                child = Resource(cid, KINDS[child_segment], cid.rsplit("/", 1)[1], cprops,
                                 parent=resource.key)  # fmt: skip
                self.store.put(child)
                targets.append(child.key)
        location = resource.location or (parent.location if parent else None) or ""
        op = self.store.begin(
            "put", kind.noun, self._lock(target), tuple(targets),
            location=location, delay=self.delay,
        )  # fmt: skip
        return resource, op, old is None

    def patch_tags(self, target: Target, body: Any) -> Resource:
        resource = self._existing(target)
        if not isinstance(body, dict) or not isinstance(body.get("tags", {}), dict):
            raise InvalidRequestFormatError("Expected an object with 'tags'.", "tags")
        self._idle(target)
        resource.tags = {str(k): str(v) for k, v in body.get("tags", {}).items()}
        resource.etag = new_etag()
        return resource

    def delete(self, target: Target) -> Operation | None:
        """Start deleting; None when there is nothing to delete (ARM answers 204)."""
        _writable(target.chain[-1][0], target, "DELETE")
        self.parent_of(target)
        resource = self.store.get(target.resource_id())
        if resource is None:
            return None
        self._idle(target)
        users = [r.id for r in self.store.all() if _refers_to(r.properties, resource.key)]
        if users and resource.kind.segment in _GUARDED_DELETES:
            raise InUseCannotBeDeletedError(resource.kind.noun, resource.id, users)
        return self.store.begin(
            "delete", resource.kind.noun, self._lock(target), (resource.key,),
            location=resource.location or "", delay=self.delay,
        )  # fmt: skip

    def _existing(self, target: Target) -> Resource:
        resource = self.store.get(target.resource_id())
        if resource is None:
            segment, name = target.chain[-1]
            raise ResourceNotFoundError(KINDS[segment].type, str(name), str(target.group))
        return resource

    def parent_of(self, target: Target) -> Resource | None:
        if len(target.chain) == 1:
            return None
        parent = self.store.get(target.resource_id(1))
        if parent is None:
            segment, name = target.chain[0]
            raise ResourceNotFoundError(KINDS[segment].type, str(name), str(target.group))
        return parent

    def _lock(self, target: Target) -> str:
        return target.resource_id(1).lower()

    def _idle(self, target: Target) -> None:
        lock = self._lock(target)
        if (op := self.store.busy(lock)) is not None:
            raise RetryableError(op.name, op.id, target.resource_id(1), self.retry_after)

    def _children(self, segment: str, body: Any, rid: str) -> list[tuple[str, str, dict[str, Any]]]:
        """The child resources embedded in a parent's body: (segment, id, properties)."""
        out: list[tuple[str, str, dict[str, Any]]] = []
        raw_props = body.get("properties", {}) if isinstance(body, dict) else {}
        for child_segment in _embedded(KINDS[segment].children):
            items = raw_props.get(child_segment) or []
            where = f"properties.{child_segment}"
            if not isinstance(items, list):
                raise InvalidRequestFormatError("Expected a JSON array.", where)
            for index, item in enumerate(items):
                name = item.get("name") if isinstance(item, dict) else None
                if not isinstance(name, str) or not _NAME.match(name):
                    raise InvalidResourceNameError(str(name))
                cid = f"{rid}/{child_segment}/{name}"
                props = schema.properties(child_segment, item, cid, f"{where}[{index}].")
                out.append((child_segment, cid, props))
        return out

    def _tracked(
        self, tracked: bool, body: Any, parent: Resource | None
    ) -> tuple[str | None, dict[str, str]]:
        if not tracked:
            return (parent.location if parent else None), {}
        location = body.get("location")
        if not isinstance(location, str) or not location:
            raise LocationRequiredError()
        tags = body.get("tags") or {}
        if not isinstance(tags, dict):
            raise InvalidRequestFormatError("Expected a JSON object.", "tags")
        # ARM normalises "East US" and "eastus" alike to the short name.
        return location.replace(" ", "").lower(), {str(k): str(v) for k, v in tags.items()}

    def _check_rules(self, target: Target, name: str, props: dict[str, Any],
                     children: list[tuple[str, str, dict[str, Any]]]) -> None:  # fmt: skip
        """Priorities are unique per direction within an NSG (NRP's SecurityRuleConflict)."""
        segment = target.chain[-1][0]
        if segment == "securityRules":
            others = [
                (r.name, r.properties)
                for r in self.store.children(target.resource_id(1).lower(), "securityRules")
                if r.name.lower() != name.lower()
            ]
            rules = [*others, (name, props)]
        elif segment == "networkSecurityGroups":
            rules = [(cid.rsplit("/", 1)[1], cp) for _, cid, cp in children]
        else:
            return
        seen: dict[tuple[str, int], str] = {}
        for rule_name, rule in rules:
            _asgs_in_rule(rule)
            slot = (rule["direction"], rule["priority"])
            if slot in seen:
                raise SecurityRuleConflictError(rule_name, seen[slot])
            seen[slot] = rule_name

    def _check_references(self, owner: str, props: dict[str, Any]) -> None:
        values: list[tuple[str, Any]] = list(props.items())
        for config in props.get("ipConfigurations", []):
            values.extend(config["properties"].items())
        for prop, value in values:
            if prop not in _REFERENCES:
                continue
            for ref in value if isinstance(value, list) else [value]:
                found = self.store.get(ref["id"])
                if found is None or found.kind.segment != _REFERENCES[prop]:
                    raise InvalidResourceReferenceError(ref["id"], owner)


# Deleting one of these while something refers to it is NRP's InUse<Noun>CannotBeDeleted; for
# an ASG the referrers are NICs' IP configurations and NSG rules (the code is the family's).
_GUARDED_DELETES = ("networkSecurityGroups", "routeTables", "applicationSecurityGroups")
MAX_ASGS_PER_RULE_FIELD = 10


def _embedded(children: tuple[str, ...]) -> tuple[str, ...]:
    """The child kinds a parent's body carries (a watcher's flow logs are PUT on their own,
    and a PUT of the watcher leaves them be)."""
    return tuple(c for c in children if c not in _STANDALONE)


def _writable(segment: str, target: Target, method: str) -> None:
    if segment in _READ_ONLY:
        raise MethodNotAllowedError(method, target.resource_id())


def _refers_to(props: dict[str, Any], key: str) -> bool:
    """Whether ``props`` (a resource's, its IP configurations' or a rule's) names ``key``."""
    values: list[Any] = list(props.values())
    for config in props.get("ipConfigurations", []):
        values.extend(config.get("properties", {}).values())
    for value in values:
        for ref in value if isinstance(value, list) else [value]:
            if isinstance(ref, dict) and str(ref.get("id", "")).lower() == key:
                return True
    return False


def _asgs_in_rule(rule: dict[str, Any]) -> None:
    for field in ("sourceApplicationSecurityGroups", "destinationApplicationSecurityGroups"):
        count = len(rule.get(field) or [])
        if count > MAX_ASGS_PER_RULE_FIELD:
            raise AsgsInRuleLimitError(MAX_ASGS_PER_RULE_FIELD, count, field[0].upper() + field[1:])
