"""The fake's load balancers through the real NetworkManagementClient: the seeded internal load
balancer before the NVAs as ARM shows it, the rule health operation (202, then its answer at
the Location), NRP's errors, and the probe results set through the control plane."""

from __future__ import annotations

import json
import ssl
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network import NetworkManagementClient

from moto_fixtures.azure import AzureServer, SeedReport, seed_azure, start_azure_server
from moto_fixtures.azure.lb import CONTROL_PATH, SKU_NAMES, SKU_TIERS
from moto_fixtures.azure.seed import LB_NAME, LB_POOL, LB_PROBE, LB_RULE
from tests.moto_fixtures.azure.conftest import RG, client_for
from tests.moto_fixtures.azure.test_schema import enum_values

NVA_1, NVA_2 = "10.0.1.4", "10.0.1.5"


@pytest.fixture(scope="module")
def seeded() -> Iterator[tuple[AzureServer, SeedReport]]:
    with start_azure_server(retry_after=0) as running:
        yield running, seed_azure(running)


@pytest.fixture
def lb_client(seeded: tuple[AzureServer, SeedReport]) -> Iterator[NetworkManagementClient]:
    server, _ = seeded
    server.store.probe_results.clear()
    yield client_for(server)
    server.store.probe_results.clear()


def _control(server: AzureServer, method: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + CONTROL_PATH, data=data, method=method)
    context = ssl.create_default_context(cafile=server.ca_bundle)
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_seeded_load_balancer_as_arm_shows_it(lb_client: NetworkManagementClient) -> None:
    (balancer,) = lb_client.load_balancers.list(RG)
    assert balancer.sku is not None
    assert (balancer.name, balancer.sku.name, balancer.sku.tier) == (
        LB_NAME,
        "Standard",
        "Regional",
    )
    (frontend,) = balancer.frontend_ip_configurations
    (rule,) = balancer.load_balancing_rules
    (pool,) = balancer.backend_address_pools
    (probe,) = balancer.probes
    assert frontend.private_ip_address == "10.0.1.10"
    assert [r.id for r in frontend.load_balancing_rules] == [rule.id]
    assert [r.id for r in probe.load_balancing_rules] == [rule.id]
    assert sorted(c.id.split("/")[-3] for c in pool.backend_ip_configurations) == [
        "nic-nva-1",
        "nic-nva-2",
    ]
    assert (rule.protocol, rule.frontend_port, rule.backend_port, rule.probe.id) == (
        "All", 0, 0, probe.id,
    )  # fmt: skip
    assert lb_client.load_balancer_probes.get(RG, LB_NAME, LB_PROBE).port == 443
    nic = lb_client.network_interfaces.get(RG, "nic-nva-1")
    assert [p.id for p in nic.ip_configurations[0].load_balancer_backend_address_pools] == [pool.id]


def test_rule_health_is_an_operation_answered_at_its_location(
    seeded: tuple[AzureServer, SeedReport], lb_client: NetworkManagementClient
) -> None:
    server, _ = seeded
    server.control.clear()
    assert _control(server, "POST", {NVA_2: "Down_Probe_Failure"}) == (
        200, {NVA_2: "Down_Probe_Failure"},
    )  # fmt: skip
    health = lb_client.load_balancer_load_balancing_rules.begin_health(RG, LB_NAME, LB_RULE)
    found = health.result()
    assert (found.up, found.down) == (1, 1)
    rows = {r.ip_address: (r.state, r.reason) for r in found.load_balancer_backend_addresses or []}
    assert rows == {NVA_1: ("Up", "Up_Probe_Success"), NVA_2: ("Down", "Down_Probe_Failure")}
    calls = [(c["method"], c["path"].split("/")[-2], c["status"]) for c in server.control.calls()]
    assert calls == [("POST", LB_RULE, 202), ("GET", "operations", 200),
                     ("GET", "operationResults", 200)]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({NVA_1: "Down_Admin"}, 200),
        ({NVA_1: None}, 200),
        ({NVA_1: "Sick"}, 400),
        (["not", "a", "mapping"], 400),
    ],
    ids=["set", "forget", "bad-code", "not-an-object"],
)
def test_the_probe_results_control(
    seeded: tuple[AzureServer, SeedReport], lb_client: NetworkManagementClient, body: Any,
    status: int,
) -> None:  # fmt: skip
    server, _ = seeded
    code, answer = _control(server, "POST", body)
    assert code == status
    if status == 200:
        assert answer == {k: v for k, v in body.items() if v is not None}
    assert _control(server, "DELETE") == (200, {})


def _bad_rule(body: dict[str, Any]) -> None:
    body["properties"]["loadBalancingRules"][0]["properties"]["probe"]["id"] += "-gone"


def _bad_sku(body: dict[str, Any]) -> None:
    body["sku"] = {"name": "Premium"}


def _no_port(body: dict[str, Any]) -> None:
    del body["properties"]["probes"][0]["properties"]["port"]


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (_bad_rule, "InvalidResourceReference"),
        (_bad_sku, "InvalidRequestFormat"),
        (_no_port, "InvalidRequestFormat"),
    ],
    ids=["rule-names-a-missing-probe", "unknown-sku", "probe-without-port"],
)
def test_a_bad_load_balancer_is_refused_and_changes_nothing(
    lb_client: NetworkManagementClient, edit: Any, code: str
) -> None:
    before = lb_client.load_balancers.get(RG, LB_NAME).as_dict()
    body = _lb_body(lb_client)
    edit(body)
    payload: Any = body  # raw JSON as a console sends it; the SDK's types list models only
    with pytest.raises(HttpResponseError) as caught:
        lb_client.load_balancers.begin_create_or_update(RG, LB_NAME, payload).result()
    assert caught.value.error is not None
    assert caught.value.error.code == code
    assert lb_client.load_balancers.get(RG, LB_NAME).as_dict() == before


def _lb_body(client: NetworkManagementClient) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(json.dumps(client.load_balancers.get(RG, LB_NAME).as_dict()))
    return body  # a plain copy the edits can change


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.load_balancer_load_balancing_rules.begin_health(RG, LB_NAME, "nope")
         .result(), "NotFound"),
        (lambda c: c.load_balancer_load_balancing_rules.begin_health(RG, "lb-nope", LB_RULE)
         .result(), "ResourceNotFound"),
        (lambda c: c.load_balancers.get(RG, "lb-nope"), "ResourceNotFound"),
    ],
    ids=["unknown-rule", "unknown-load-balancer", "get-unknown"],
)  # fmt: skip
def test_what_does_not_exist_is_404(
    lb_client: NetworkManagementClient, call: Any, error: str
) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        call(lb_client)
    assert caught.value.error is not None
    assert caught.value.error.code == error


def test_parts_other_than_pools_are_read_only(seeded: tuple[AzureServer, SeedReport]) -> None:
    server, report = seeded
    url = f"{server.url}{report.load_balancer}/probes/{LB_PROBE}?api-version=2024-05-01"
    request = urllib.request.Request(url, data=b"{}", method="PUT")
    request.add_header("Authorization", "Bearer x")
    context = ssl.create_default_context(cafile=server.ca_bundle)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, context=context, timeout=10)
    assert caught.value.code == 405
    assert json.loads(caught.value.read())["error"]["code"] == "MethodNotAllowed"


def test_the_pool_is_writable_on_its_own(lb_client: NetworkManagementClient) -> None:
    pools = lb_client.load_balancer_backend_address_pools
    pool = pools.get(RG, LB_NAME, LB_POOL)
    pool.drain_period_in_seconds = 30
    assert (
        pools.begin_create_or_update(RG, LB_NAME, LB_POOL, pool).result().drain_period_in_seconds
        == 30
    )


def test_skus_match_the_swagger() -> None:
    assert sorted(SKU_NAMES) == sorted(enum_values("LoadBalancerSku", "name"))
    assert sorted(SKU_TIERS) == sorted(enum_values("LoadBalancerSku", "tier"))
