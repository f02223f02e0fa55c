"""The sandbox daemon's fakes in one process: start, seed, describe, reset, stop.

In: the sandbox directory and ports (0: any free one). Out: ``Clouds`` holding the patched moto
server (AWS), the Alibaba RPC fake and the Azure ARM fake, the last two seeded with their landing
zones (``seed_alibaba``, ``seed_azure``, called as they are; the AWS landing zone is seeded over
HTTP by ``sandbox up``), and ``describe()``: what ``daemon.json`` records of them; beside
them, one fake PAN-OS per hub firewall zone (``moto_fixtures.panos.fleet``). Always: the
Azure fake's CA bundle is copied to ``DIR/azure-ca.pem``, because the fake removes its own copy
when it stops; a reset restarts a fake on the same port with a fresh state and seeds it again,
so ids, ports and the CA bundle's path stay what ``sandbox.json`` says (the bundle's content
changes). The Alibaba seed builds part of its landing zone on the server's in-memory backend,
which is why it runs here, in the serving process, and not in ``sandbox up``. Beside the
Alibaba and Azure APIs run their flow-log destinations, filled with the landing zones' flow
logs: a Log Service (``moto_fixtures.sls``; ``sandbox.json``'s ``alibaba.log_service``) and a
Blob service (``moto_fixtures.azure.blob``; ``azure.blob``), restarted with their cloud.
"""

from __future__ import annotations

import dataclasses
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto_fixtures.alibaba.server import AlibabaServer
    from moto_fixtures.aws.server import AwsServer
    from moto_fixtures.azure.server import AzureServer
    from moto_fixtures.panos.server import PanosServer
    from moto_fixtures.serving import BackgroundServer

AZURE_CA_FILE = "azure-ca.pem"
NAMES = ("aws", "alibaba", "azure", "panos")
TITLES = {"aws": "AWS", "alibaba": "Alibaba Cloud", "azure": "Azure", "panos": "PAN-OS"}


class CloudStartError(RuntimeError):
    """One fake could not start or be seeded; the message names it."""


class Clouds:
    """The running fakes. Build with ``start_clouds``; ``stop()`` ends all three."""

    def __init__(self, directory: Path, aws: AwsServer) -> None:
        self.directory = directory
        self.aws = aws
        self.alibaba: AlibabaServer | None = None
        self.azure: AzureServer | None = None
        self.panos: dict[str, PanosServer] = {}  # the hub firewalls, by label (panos/fleet.py)
        self.sections: dict[str, dict[str, Any]] = {}
        # Services beside a cloud's API: its Log Service ("sls"), its Blob service ("blob").
        self.side: dict[str, Any] = {}
        self._lock = threading.Lock()  # one reset at a time

    def servers(self) -> dict[str, BackgroundServer]:
        found: dict[str, BackgroundServer | None] = {
            "aws": self.aws,
            "alibaba": self.alibaba,
            "azure": self.azure,
        }
        return {name: server for name, server in found.items() if server is not None}

    def health(self) -> dict[str, str]:
        """``{"aws": "ok", "alibaba": "stopped", …}``: whether each fake's server thread runs."""
        with self._lock:  # a fake being reset is not a fake that stopped
            servers = self.servers()
            firewalls = list(self.panos.values())
        alive = {name: name in servers and servers[name].alive for name in NAMES}
        alive["panos"] = bool(firewalls) and all(f.alive for f in firewalls)
        return {name: "ok" if alive[name] else "stopped" for name in NAMES}

    def describe(self) -> dict[str, Any]:
        """What ``daemon.json`` records: the AWS port and the Alibaba and Azure sections."""
        return {"aws_port": self.aws.port, **self.sections}

    def start_alibaba(self, port: int = 0) -> None:
        with _blamed("alibaba", "start"):
            from moto_fixtures.alibaba.seed import seed_alibaba  # noqa: PLC0415 - daemon only
            from moto_fixtures.alibaba.server import start_alibaba_server  # noqa: PLC0415

            server = start_alibaba_server(port)
        self.alibaba = server
        with _blamed("alibaba", "seed"):
            report = seed_alibaba(server)
            from moto_fixtures.alibaba.flowlogs import create_flow_logs  # noqa: PLC0415

            create_flow_logs(server)  # where its Log Service's flow logs come from
        server.calls.clear()  # a fake with calls in its log has been used (see reset_used)
        self.sections["alibaba"] = {
            "endpoint_url": server.url,
            "access_key_id": server.access_key_id,
            "access_key_secret": server.access_key_secret,
            "accounts": [report.account_id],
            "regions": [report.region],
            "landing_zone": _jsonable(report, ids=dict(report.ids)),
        }
        with _blamed("alibaba", "start"):
            from moto_fixtures.alibaba.flowlogs import serve_log_service  # noqa: PLC0415

            self.sections["alibaba"]["log_service"] = self._side_server("sls", serve_log_service)

    def start_azure(self, port: int = 0) -> None:
        with _blamed("azure", "start"):
            from moto_fixtures.azure import seed_azure, start_azure_server  # noqa: PLC0415

            server = start_azure_server(port)
        self.azure = server
        ca_bundle = self.directory / AZURE_CA_FILE
        with _blamed("azure", "start"):
            # Copy, then rename: a client reading the bundle during a reset sees one or the other.
            temporary = ca_bundle.with_name(f".{ca_bundle.name}.tmp")
            shutil.copyfile(server.ca_bundle, temporary)
            temporary.replace(ca_bundle)
        with _blamed("azure", "seed"):
            report = seed_azure(server)
            from moto_fixtures.azure.flowlogs import create_flow_logs  # noqa: PLC0415

            create_flow_logs(server, report.vnets)  # where its Blob service's flow logs come from
        server.control.clear()
        self.sections["azure"] = {
            "endpoint_url": server.url,
            "ca_bundle": str(ca_bundle),
            "subscriptions": [report.subscription_id],
            "resource_groups": [report.resource_group],
            "regions": [report.region],
            # Its free_subnets (NSG-free spoke subnets) are what the demo and tests manage.
            "landing_zone": _jsonable(report),
        }
        with _blamed("azure", "start"):
            from moto_fixtures.azure.flowlogs import serve_blobs  # noqa: PLC0415

            self.sections["azure"]["blob"] = self._side_server("blob", serve_blobs)

    def _side_server(self, name: str, start: Callable[[int], tuple[Any, dict[str, Any]]]) -> Any:
        """Start (or restart, on the same port) the service ``name`` beside a cloud's API;
        returns its section of ``sandbox.json``."""
        old = self.side.pop(name, None)
        if old is not None:
            old.stop()
        server, section = start(0 if old is None else old.port)
        self.side[name] = server
        return section

    def start_panos(self) -> None:
        with _blamed("panos", "start"):
            from moto_fixtures.panos.fleet import describe_fleet, start_fleet  # noqa: PLC0415

            self.panos = start_fleet({label: f.port for label, f in self.panos.items()})
            self.sections["panos"] = describe_fleet(self.panos)

    def reset_used(self) -> list[str]:
        """Restart and re-seed the Alibaba and Azure fakes that received calls since their seed;
        return their names. (AWS is reset through moto's own ``/moto-api/reset``.)"""
        with self._lock:
            reset: list[str] = []
            if self.alibaba is not None and self.alibaba.calls.calls():
                port = self.alibaba.port
                self.alibaba.stop()
                self.start_alibaba(port)
                reset.append("alibaba")
            if self.azure is not None and self.azure.control.calls():
                port = self.azure.port
                self.azure.stop()
                self.start_azure(port)
                reset.append("azure")
            if any(f.api.calls for f in self.panos.values()):
                for firewall in self.panos.values():
                    firewall.stop()
                self.start_panos()
                reset.append("panos")
            return reset

    def stop(self) -> None:
        for firewall in self.panos.values():
            firewall.stop()
        for side in self.side.values():
            side.stop()
        for server in reversed(list(self.servers().values())):
            server.stop()
        (self.directory / AZURE_CA_FILE).unlink(missing_ok=True)


def start_clouds(directory: Path, aws_port: int = 0) -> Clouds:
    """Start all three fakes and seed Alibaba and Azure; on failure stop what started."""
    with _blamed("aws", "start"):
        from moto_fixtures.aws.server import start_aws_server  # noqa: PLC0415 - slow import

        clouds = Clouds(directory, start_aws_server(aws_port))
    try:
        clouds.start_alibaba()
        clouds.start_azure()
        clouds.start_panos()
    except BaseException:
        clouds.stop()
        raise
    return clouds


@contextmanager
def _blamed(cloud: str, stage: str) -> Iterator[None]:
    """Re-raise a failure inside as a ``CloudStartError`` naming the cloud and the stage."""
    try:
        yield
    except CloudStartError:
        raise
    except Exception as exc:
        verb = "starting" if stage == "start" else "seeding"
        raise CloudStartError(
            f"{verb} the {TITLES[cloud]} fake failed: {type(exc).__name__}: {exc}"
        ) from exc


def _jsonable(report: Any, **extra: Any) -> dict[str, Any]:
    """A seed report (a frozen dataclass of strings, mappings and tuples) as plain JSON values;
    fields added to a report later come along without a change here."""
    out = {field.name: _plain(getattr(report, field.name)) for field in dataclasses.fields(report)}
    return {**out, **extra}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
