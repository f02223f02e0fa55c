"""``ingest_alibaba`` with no logstore named: VPC's ``DescribeFlowLogs`` (the Alibaba fake,
through the SDK) names where each flow log of the policy's accounts and regions delivers, and
every logstore named is read from the Log Service fake, each once; the fake's
``CreateFlowLog`` answers the documented error for a resource that does not exist."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkvpc.request.v20160428.CreateFlowLogRequest import CreateFlowLogRequest
from aliyunsdkvpc.request.v20160428.DescribeFlowLogsRequest import DescribeFlowLogsRequest

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.clients import acs_client, call
from moto_fixtures.alibaba.server import AlibabaServer, start_alibaba_server
from moto_fixtures.sls import SlsServer, start_sls_server
from orchestrator.flows.cloud_alibaba import ingest_alibaba
from orchestrator.flows.store import FlowStore
from tests.orchestrator.flows.cloud_truth import multicloud_policy, stored
from tests.orchestrator.flows.test_cloud_alibaba import records, truth

METADATA = Path(__file__).parents[3] / "moto_fixtures" / "alibaba" / "api"


@pytest.fixture
def alibaba() -> Iterator[AlibabaServer]:
    with start_alibaba_server() as server:
        yield server


@pytest.fixture
def sls() -> Iterator[SlsServer]:
    with start_sls_server() as server:
        yield server


def sandbox(alibaba: AlibabaServer, sls: SlsServer) -> dict[str, object]:
    api = {"access_key_id": alibaba.access_key_id, "access_key_secret": alibaba.access_key_secret}
    keys = {"access_key_id": sls.access_key_id, "access_key_secret": sls.access_key_secret}
    return {
        "alibaba": {
            "endpoint_url": alibaba.url,
            **api,
            "log_service": {"endpoint_url": sls.url, **keys},
        }
    }


def create(alibaba: AlibabaServer, resource: str, project: str, logstore: str) -> str:
    request = CreateFlowLogRequest()
    request.set_ResourceType("VPC")
    request.set_ResourceId(resource)
    request.set_TrafficType("All")
    request.set_ProjectName(project)
    request.set_LogStoreName(logstore)
    return str(call(acs_client(alibaba, lz.REGION), alibaba, request)["FlowLogId"])


@pytest.mark.parametrize(
    ("flow_logs", "stores"),
    [(1, 1), (3, 2), (53, 2)],  # 53: past DescribeFlowLogs' largest page, 50
    ids=["one", "two-stores-three-logs", "past-one-page"],
)
def test_every_logstore_a_flow_log_names_is_read_once(
    alibaba: AlibabaServer, sls: SlsServer, tmp_path: Path, flow_logs: int, stores: int
) -> None:
    vpc = alibaba.backend.vpc.add_vpc("v", "10.1.0.0/16", {}).vpc_id
    made = records(flow_logs, 40 * stores)
    for index in range(flow_logs):
        create(alibaba, vpc, "flows", f"store-{index % stores}")
    for index in range(stores):
        chunk = made[index * 40 : (index + 1) * 40]
        for at in range(0, len(chunk), 10):
            sls.put("flows", f"store-{index}", chunk[at : at + 10], received=at)
    lines: list[str] = []
    with FlowStore(tmp_path / "flows.duckdb") as store:
        report = ingest_alibaba(multicloud_policy(), [], sandbox(alibaba, sls), store, lines.append)
        assert report.rejected == []
        assert stored(store) == truth(made)
        again = ingest_alibaba(multicloud_policy(), [], sandbox(alibaba, sls), store, lines.append)
        assert (again.stored, again.rejected) == ([], [])
    assert f"{stores} logstore(s) named by DescribeFlowLogs" in "\n".join(lines)


def test_describe_flow_logs_pages_as_documented(alibaba: AlibabaServer) -> None:
    vpc = alibaba.backend.vpc.add_vpc("v", "10.1.0.0/16", {}).vpc_id
    made = [create(alibaba, vpc, "p", "s") for _ in range(3)]
    request = DescribeFlowLogsRequest()
    request.set_PageSize(2)
    request.set_PageNumber(2)
    body = call(acs_client(alibaba, lz.REGION), alibaba, request)
    assert (body["TotalCount"], body["PageNumber"], body["PageSize"]) == ("3", "2", "2")
    assert [f["FlowLogId"] for f in body["FlowLogs"]["FlowLog"]] == sorted(made)[2:]


def test_a_flow_log_on_a_missing_vpc_is_the_documented_error(alibaba: AlibabaServer) -> None:
    with pytest.raises(ServerException) as caught:
        create(alibaba, "vpc-missing", "p", "s")
    assert caught.value.get_error_code() == "InvalidInstanceId"


def _shape_problems(value: object, schema: dict[str, Any], where: str) -> list[str]:
    """Where ``value`` has a field the schema does not document, or a JSON type not its."""
    kinds = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}
    expected = kinds.get(str(schema.get("type")))
    if expected is not None and not isinstance(value, expected):
        return [f"{where}: {type(value).__name__}, documented {schema.get('type')}"]
    if isinstance(value, dict):
        fields = schema.get("properties", {})
        return [f"{where}.{k}: undocumented" for k in value if k not in fields] + [
            p for k, v in value.items() if k in fields
            for p in _shape_problems(v, fields[k], f"{where}.{k}")
        ]  # fmt: skip
    if isinstance(value, list):
        return [p for i, v in enumerate(value)
                for p in _shape_problems(v, schema.get("items", {}), f"{where}[{i}]")]  # fmt: skip
    return []


def test_the_answers_have_the_documented_shape(alibaba: AlibabaServer) -> None:
    vpc = alibaba.backend.vpc.add_vpc("v", "10.1.0.0/16", {}).vpc_id
    request = CreateFlowLogRequest()
    for name, value in (("ResourceType", "VPC"), ("ResourceId", vpc), ("TrafficType", "Drop"),
                        ("ProjectName", "p"), ("LogStoreName", "s")):  # fmt: skip
        request.add_query_param(name, value)
    client = acs_client(alibaba, lz.REGION)
    answers = {
        "CreateFlowLog": call(client, alibaba, request),
        "DescribeFlowLogs": call(client, alibaba, DescribeFlowLogsRequest()),
    }
    apis = json.loads((METADATA / "vpc.json").read_text())["apis"]
    for action, body in answers.items():
        schema = apis[action]["responses"]["200"]["schema"]
        assert _shape_problems(body, schema, action) == []
    listed = answers["DescribeFlowLogs"]["FlowLogs"]["FlowLog"]
    assert [(f["ResourceId"], f["TrafficType"], f["Status"]) for f in listed] == [
        (vpc, "Drop", "Active")
    ]
