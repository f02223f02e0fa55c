"""No secret set in the environment appears in what a failing plan or apply prints (DESIGN.md,
rule 7), with each cloud's production credential chain, as a user runs the CLI.

AWS: boto3's chain reads the keys and ``AWS_ENDPOINT_URL`` (the local moto server), where the
keys belong to moto's default account, not the policy's: refused before any write. Azure:
``DefaultAzureCredential`` reads a service principal from the environment and tries to sign in
at the China cloud's authority, which cannot be reached from here. Alibaba's production path
has no local endpoint to fail against quickly; its redaction is tested on the fake endpoint
(``tests/providers/alibaba/test_credentials.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

AWS_POLICY = """version: 1
name: secrets
accounts:
  - {name: aws-prod, cloud: aws, account_id: "111111111111", regions: [us-east-1]}
segments:
  - {name: web, members: [{account: aws-prod, region: us-east-1, tags: {segment: web}}]}
  - {name: db, members: [{account: aws-prod, region: us-east-1, tags: {segment: db}}]}
rules:
  - {name: web-to-db, from: web, to: db, ports: [tcp/5432]}
"""
AZURE_POLICY = """version: 1
name: secrets
accounts:
  - name: az-cn
    cloud: azure
    subscription_id: "00000000-0000-0000-0000-000000000001"
    resource_group: rg-net
    regions: [chinaeast2]
    azure_cloud: AZURE_CHINA_CLOUD
segments:
  - {name: web, members: [{account: az-cn, region: chinaeast2, vnet: spoke-web}]}
  - {name: db, members: [{account: az-cn, region: chinaeast2, vnet: spoke-db}]}
rules:
  - {name: web-to-db, from: web, to: db, ports: [tcp/5432]}
"""
SECRETS = {
    "AWS_SECRET_ACCESS_KEY": "aws-secret-0a1b2c3d4e5f",
    "AWS_SESSION_TOKEN": "aws-session-token-9z8y7x",
    "AZURE_CLIENT_SECRET": "azure-client-secret-q1w2e3",
}
_CLEARED = ("EASTWEST_", "AWS_", "AZURE_", "ALIBABA_CLOUD_", "ALICLOUD_", "NO_COLOR")


def _run(args: list[str], extra: dict[str, str]) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED)}
    env.update({**SECRETS, **extra})
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"]])
def test_aws_failure_prints_no_secret(
    aws_endpoint: str, tmp_path: Path, command: list[str]
) -> None:
    policy = tmp_path / "aws.yaml"
    policy.write_text(AWS_POLICY)
    extra = {
        "AWS_ACCESS_KEY_ID": "AKIAEASTWESTSECRETS",
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    code, out = _run([*command, str(policy)], extra)
    assert code == 1, out
    assert "111111111111" in out  # the refusal names the policy's account
    for secret in SECRETS.values():
        assert secret not in out


@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"]])
def test_azure_failure_prints_no_secret(tmp_path: Path, command: list[str]) -> None:
    policy = tmp_path / "azure.yaml"
    policy.write_text(AZURE_POLICY)
    extra = {"AZURE_CLIENT_ID": "client-id", "AZURE_TENANT_ID": "tenant-id"}
    code, out = _run([*command, str(policy)], extra)
    assert code == 1, out
    assert "login.chinacloudapi.cn" in out  # signed in where the account's cloud says
    for secret in SECRETS.values():
        assert secret not in out
