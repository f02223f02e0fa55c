"""The CLI starts without the heavy libraries: a cloud's SDK is imported only when a command
talks to that cloud, the scheduler, database driver and metrics only under `eastwest run`, and
the sandbox only with --sandbox. This is what keeps a no-op plan near one second."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "boto3",
    "botocore",
    "moto",
    "aliyunsdkcore",
    "azure",
    "apscheduler",
    "psycopg",
    "prometheus_client",
    "moto_fixtures",
    "terraform",
)


def test_the_cli_imports_no_cloud_sdk_scheduler_database_or_sandbox() -> None:
    code = f"import sys, orchestrator.cli\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
