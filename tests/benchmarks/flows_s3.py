"""S3 flow-log pull benchmark: ``flows ingest --from aws`` on N gzip text objects of R records.

    .venv/bin/python -m tests.benchmarks.flows_s3 [N] [R]     (N = 200 objects, R = 1,000)

A moto server runs in a child process (so its CPU is not counted), holds one flow log
delivering to S3 and N objects under its key layout; this process then pulls twice with
``ingest_aws`` and prints, per pull, the CPU and wall seconds of this process, the objects
stored and the records. The second pull must read nothing (each object's cursor is stored):
its cost is the listing alone. Wall time counts the other work on a shared machine; CPU is
the figure to compare.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from moto_fixtures.aws import landing_zone as lz
from moto_fixtures.aws.clients import ACCESS_KEY_ID, SECRET_ACCESS_KEY, ec2_client
from moto_fixtures.aws.flowlog_objects import HEADER
from moto_fixtures.aws.flowlogs import service_client
from orchestrator.flows.cloud import ingest_aws
from orchestrator.flows.store import FlowStore
from tests.orchestrator.flows.cloud_truth import multicloud_policy

_SERVE = (
    "import time\nfrom moto_fixtures.aws.server import start_aws_server\n"
    "print(start_aws_server(0).url, flush=True)\ntime.sleep(3600)"
)


def _objects(url: str, count: int, records: int) -> None:
    s3 = service_client(url, "s3")
    s3.create_bucket(Bucket="flows")
    ec2 = ec2_client(url, lz.ACCOUNT_ID, lz.REGION)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
                         LogDestinationType="s3", LogDestination="arn:aws:s3:::flows")  # fmt: skip
    folder = f"AWSLogs/{lz.ACCOUNT_ID}/vpcflowlogs/{lz.REGION}/2025/12/01"
    for index in range(count):
        at = 1_764_547_200 + index * 300
        lines = [HEADER] + [
            f"2 {lz.ACCOUNT_ID} eni-1 10.1.0.{j % 200 + 1} 10.2.0.{j % 7 + 1} {40000 + j % 2000} "
            f"443 6 3 300 {at + j % 300} {at + j % 300 + 60} ACCEPT OK"
            for j in range(records)
        ]
        body = gzip.compress(("\n".join(lines) + "\n").encode())
        s3.put_object(Bucket="flows", Key=f"{folder}/o{index:05}.log.gz", Body=body)


def _pulls(url: str) -> dict[str, Any]:
    sandbox = {"aws": {"endpoint_url": url, "access_key_id": ACCESS_KEY_ID,
                       "secret_access_key": SECRET_ACCESS_KEY}}  # fmt: skip
    found: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, FlowStore(Path(tmp) / "flows.duckdb") as store:
        for label in ("first", "second"):
            cpu, wall = time.process_time(), time.perf_counter()
            report = ingest_aws(multicloud_policy(), sandbox, store)
            found[label] = {
                "cpu_s": round(time.process_time() - cpu, 2),
                "wall_s": round(time.perf_counter() - wall, 2),
                "objects": len(report.stored),
                "records": report.records,
            }
    return found


def main(count: int = 200, records: int = 1000) -> dict[str, Any]:
    server = subprocess.Popen([sys.executable, "-c", _SERVE], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        _objects(url, count, records)
        load = os.getloadavg()[0]
        return {"objects": count, "records_per_object": records, **_pulls(url), "load": load}
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(json.dumps(main(*args)))
