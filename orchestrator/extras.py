"""The optional parts of eastwest and the packages each needs (pyproject.toml's extras).

In: an extra's name and what asked for it. Out: nothing when its packages are importable, else
a ``MissingExtraError`` whose one line names the extra and the command that installs it.
Always: checking imports nothing (``importlib.util.find_spec``), so a command pays for an SDK
only when it uses it; a core install (boto3, click, pydantic, PyYAML, APScheduler,
prometheus-client) needs no extra for ``validate``, ``schema``, ``plan``/``apply``/``run``/
``paths``/``synth`` on AWS, or ``history`` with SQLite.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping

from orchestrator.errors import EastwestError

# Keep in step with [project.optional-dependencies] in pyproject.toml: the import name of
# each distribution an extra installs and eastwest imports.
EXTRAS: Mapping[str, tuple[str, ...]] = {
    "alibaba": (
        "aliyunsdkcore",
        "aliyunsdkecs",
        "aliyunsdkvpc",
        "aliyunsdkcbn",
        "alibabacloud_credentials",
        "aliyun.log",
    ),
    "azure": ("azure.core", "azure.mgmt.network", "azure.identity", "azure.storage.blob"),
    "postgres": ("psycopg",),
    # Queue mode (`run --queue`, `worker`): procrastinate's job queue in the PostgreSQL store.
    "worker": ("psycopg", "procrastinate"),
    "panos": ("panos", "pan.xapi"),
    "flows": ("duckdb",),
    # terraform/cdktf.py imports the user's own CDK library (cdktf or cdktn) and says so itself.
    "cdktf": ("cdktf", "constructs"),
    # The fakes (moto, the Azure fake's certificate) and the SDKs that seed them and that the
    # demo drives.
    "sandbox": (
        "moto",
        "werkzeug",
        "cryptography",
        "aliyunsdkcore",
        "aliyunsdkecs",
        "aliyunsdkvpc",
        "aliyunsdkcbn",
        "azure.core",
        "azure.mgmt.network",
        # The Log Service fake compresses PullLogs with it (the alibaba extra brings it).
        "lz4",
    ),
}
# The extra a policy's cloud needs; AWS is in the core install.
CLOUD_EXTRAS: Mapping[str, str] = {"alibaba": "alibaba", "azure": "azure"}


class MissingExtraError(EastwestError):
    """An optional part of eastwest is used without the packages of its extra."""


def missing(extra: str, table: Mapping[str, tuple[str, ...]] = EXTRAS) -> list[str]:
    """The import names of ``extra`` that cannot be found."""
    return [name for name in table[extra] if not _installed(name)]


def require(extra: str, user: str, table: Mapping[str, tuple[str, ...]] = EXTRAS) -> None:
    """Raise ``MissingExtraError`` unless ``extra`` is installed; ``user`` says who needs it
    (``"eastwest sandbox up"``, ``"the alibaba account 'ali-prod'"``)."""
    absent = missing(extra, table)
    if absent:
        raise MissingExtraError(
            f"{user} needs the '{extra}' extra ({', '.join(absent)} not installed): "
            f"pip install 'eastwest[{extra}]'"
        )


def require_cloud(cloud: str, user: str) -> None:
    extra = CLOUD_EXTRAS.get(cloud)
    if extra is not None:
        require(extra, user)


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package (``azure`` of ``azure.core``) is missing
        return False
