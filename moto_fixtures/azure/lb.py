"""Load balancers: NRP's checks on a load balancer's body, and the health of its backends.

In: a load balancer's validated body (``schema.py``) on PUT; on ``POST …/loadBalancingRules/
{rule}/health`` (``LoadBalancerLoadBalancingRules_Health``, an operation whose answer is served
by its ``operationResults``) the rule and the store; through the control plane, the probe
results the fake cannot observe. Out: the SKU to store, ``InvalidResourceReference`` for a rule
naming a part of another load balancer (or none), and ``LoadBalancerHealthPerRule`` bodies.
Always: a backend is every address of the rule's pools: IP-based (``loadBalancerBackendAddresses
[].ipAddress``) and NIC-based (IP configurations whose ``loadBalancerBackendAddressPools`` name
the pool); its state is, first, its ``adminState`` (``Down_Admin`` / ``Up_Admin``), then what
the control plane set for its address (``POST /_eastwest/probe-results {"10.0.1.4":
"Down_…"}``), else ``Up`` / ``Up_Probe_Success`` (the documented codes: Azure's "Manage health
status" page); ``up`` and ``down`` count them. Not modelled: probes actually sent (no VM
answers them), inbound NAT and outbound rules, gateway load balancers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from moto_fixtures.azure.errors import InvalidRequestFormatError, InvalidResourceReferenceError
from moto_fixtures.azure.schema import Prop, check_value
from moto_fixtures.azure.state import Resource, Store

SKU_NAMES = ("Basic", "Standard", "Gateway")  # LoadBalancerSkuName
SKU_TIERS = ("Regional", "Global")  # LoadBalancerSkuTier
# A rule's references and the sibling collection each must name (in the same body).
_RULE_REFS = {
    "frontendIPConfiguration": "frontendIPConfigurations",
    "backendAddressPool": "backendAddressPools",
    "backendAddressPools": "backendAddressPools",
    "probe": "probes",
}
UP, DOWN = "Up", "Down"
CONTROL_PATH = "/_eastwest/probe-results"


def sku(body: Any) -> dict[str, str]:
    """The ``sku`` of a load balancer's body (Basic when absent, as ARM defaults it)."""
    raw = body.get("sku") or {"name": "Basic"}
    if not isinstance(raw, dict):
        raise InvalidRequestFormatError("Expected a JSON object.", "sku")
    found = {"name": check_value(Prop("enum", SKU_NAMES, "LoadBalancerSkuName"), raw.get("name"),
                            "sku.name")}  # fmt: skip
    if raw.get("tier") is not None:
        found["tier"] = check_value(Prop("enum", SKU_TIERS, "LoadBalancerSkuTier"), raw["tier"],
                               "sku.tier")  # fmt: skip
    return found


def check_rules(children: list[tuple[str, str, dict[str, Any]]]) -> None:
    """Every reference of every rule names a part of this body, of the right kind."""
    parts = {(segment, cid.lower()) for segment, cid, _ in children}
    for segment, cid, props in children:
        if segment != "loadBalancingRules":
            continue
        for prop, collection in _RULE_REFS.items():
            value = props.get(prop)
            for ref in value if isinstance(value, list) else [value] if value else []:
                if (collection, str(ref["id"]).lower()) not in parts:
                    raise InvalidResourceReferenceError(ref["id"], cid)


def rule_health(store: Store, rule: Resource) -> dict[str, Any]:
    """``LoadBalancerHealthPerRule`` of ``rule`` as its pools stand now."""
    props = rule.properties
    pools = [r["id"] for r in props.get("backendAddressPools") or []]
    if not pools and props.get("backendAddressPool"):
        pools = [props["backendAddressPool"]["id"]]
    rows = []
    for pool_id in pools:
        pool = store.get(pool_id)
        for address, config, admin in _members(store, pool) if pool else ():
            state, reason = _state(store, address, admin)
            row = {"ipAddress": address, "state": state, "reason": reason}
            if config is not None:
                row["networkInterfaceIPConfigurationId"] = config
            rows.append(row)
    up = sum(1 for r in rows if r["state"] == UP)
    return {"up": up, "down": len(rows) - up, "loadBalancerBackendAddresses": rows}


def _members(store: Store, pool: Resource) -> Iterator[tuple[str, str | None, str]]:
    """(address, IP configuration id or None, admin state) of every backend of ``pool``."""
    configs = {
        str(c["properties"].get("privateIPAddress")): (f"{nic.id}/ipConfigurations/{c['name']}", c)
        for nic in store.all()
        if nic.kind.segment == "networkInterfaces"
        for c in nic.properties.get("ipConfigurations", [])
    }
    for item in pool.properties.get("loadBalancerBackendAddresses", []):
        address = item["properties"].get("ipAddress")
        if address:
            found = configs.get(str(address))
            yield (
                str(address),
                found[0] if found else None,
                item["properties"].get("adminState", "None"),
            )
    for address, (config_id, config) in configs.items():
        refs = config["properties"].get("loadBalancerBackendAddressPools", [])
        if any(str(r["id"]).lower() == pool.key for r in refs):
            yield address, config_id, "None"


def _state(store: Store, address: str, admin: str) -> tuple[str, str]:
    if admin in (UP, DOWN):
        return admin, f"{admin}_Admin"
    reason = store.probe_results.get(address, "Up_Probe_Success")
    return (UP if reason.startswith("Up_") else DOWN), reason


def probe_results_control(store: Store, method: str, body: bytes) -> tuple[int, Any]:
    """``GET|POST|DELETE /_eastwest/probe-results``: the probe result per backend address
    (``{"10.0.1.4": "Down_…"}``; null forgets one), what the fake's probes would have seen."""
    with store.lock:
        if method == "DELETE":
            store.probe_results.clear()
        elif method == "POST":
            error = _set_results(store, body)
            if error:
                return 400, {"error": {"code": "BadRequest", "message": error}}
        elif method != "GET":
            return 405, {"error": {"code": "MethodNotAllowed", "message": method}}
        return 200, dict(store.probe_results)


def _set_results(store: Store, body: bytes) -> str:
    try:
        changes = json.loads(body or b"{}")
    except ValueError as exc:
        return f"not JSON: {exc}"
    if not isinstance(changes, dict):
        return "expected an object: backend address → reason code"
    for address, reason in changes.items():
        if reason is not None and not (
            isinstance(reason, str) and reason.startswith(("Up_", "Down_"))
        ):
            return f"{address}: a reason code starts with Up_ or Down_, not {reason!r}"
    for address, reason in changes.items():
        if reason is None:
            store.probe_results.pop(address, None)
        else:
            store.probe_results[address] = reason
    return ""
