"""Azure virtual network flow logs where Network Watcher writes them: the storage accounts
its flow logs name (``networkWatchers`` ``list_all``, then each watcher's ``flowLogs``:
their ``storageId``), block blobs in each account's ``insights-logs-flowlogflowevent``
container, one per flow log, hour and interface
(``flowLogResourceID=/…/y=/m=/d=/h=/m=00/macAddress=…/PT1H.json``), each a JSON document
``{"records":[…]}`` that grows by a record a minute, inserted before its ``]}``.

In: a ``BlobReader`` (the storage account's URL and credential, or the sandbox's fake), a
``ContainerRef`` and, per blob, the bytes already read. Out: ``BlobPiece``s: for a blob not
read before, the whole document; for one read before, the records appended since, as a
document of their own; and the position after the last record. Raises ``ProviderError``
(mapped here from azure-core's errors) when a listing fails; a blob that cannot be read is
its own ``BlobPiece`` with ``error`` set, and the others go on.
Always: reads only (the watchers and their flow logs; List Blobs at the largest page, 5,000,
and Get Blob with a range from the stored position).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError
from azure.storage.blob import ContainerClient

from orchestrator.errors import PermanentError, ProviderError, TemporaryError
from providers.azure.session import azure_cloud, default_credential

CONTAINER = "insights-logs-flowlogflowevent"
PREFIX = "flowLogResourceID=/"
# NSG flow logs (version 2) go to a container of their own, their blobs under the NSG's id.
NSG_CONTAINER = "insights-logs-networksecuritygroupflowevent"
_PREFIXES = {CONTAINER: PREFIX, NSG_CONTAINER: "resourceId=/"}  # another container: every blob
PAGE = 5000  # List Blobs' largest page
_SUFFIXES = {
    "AZURE_PUBLIC_CLOUD": "blob.core.windows.net",
    "AZURE_CHINA_CLOUD": "blob.core.chinacloudapi.cn",
    "AZURE_US_GOVERNMENT": "blob.core.usgovcloudapi.net",
}
_HEAD = b'{"records":['


@dataclass(frozen=True, slots=True)
class ContainerRef:
    account: str
    container: str = CONTAINER

    def __str__(self) -> str:
        return f"blob:{self.account}/{self.container}"

    @classmethod
    def parse(cls, text: str) -> ContainerRef:
        """``ACCOUNT`` or ``ACCOUNT/CONTAINER`` (``blob:`` before it is allowed)."""
        account, _, container = text.removeprefix("blob:").partition("/")
        if not account or "/" in container:
            raise ValueError(f"{text!r} is not ACCOUNT or ACCOUNT/CONTAINER")
        return cls(account, container or CONTAINER)


@dataclass(frozen=True, slots=True)
class BlobPiece:
    source: str  # azure/blob:<account>/<container>/<blob name>
    text: str  # a flow-log document ({"records": […]})
    position: int  # the bytes of the blob read, up to its closing ``]}``
    error: str = ""


@dataclass(frozen=True, slots=True)
class BlobReader:
    """``account_url(account)`` and the credential the SDK takes for it."""

    url_template: str  # "https://{account}.blob.core.windows.net" or the sandbox's
    credential: Any
    options: Mapping[str, Any]

    def container(self, ref: ContainerRef) -> ContainerClient:
        url = self.url_template.format(account=ref.account)
        return ContainerClient(url, ref.container, credential=self.credential, **self.options)


def read_container(
    reader: BlobReader, ref: ContainerRef, positions: Mapping[str, int]
) -> Iterator[BlobPiece]:
    where = f"azure {ref}"
    client = reader.container(ref)
    try:
        listed = [
            (blob.name, int(blob.size))
            for page in client.list_blobs(
                name_starts_with=_PREFIXES.get(ref.container, ""), results_per_page=PAGE
            ).by_page()
            for blob in page
        ]
    except AzureError as exc:
        raise _translate(exc, where) from None
    for name, size in listed:
        source = f"azure/{ref}/{name}"
        position = positions.get(source, 0)
        if size - position > 2 or (position == 0 and size):  # more than the closing "]}"
            piece = _read_blob(client, source, name, position)
            if piece is not None:
                yield piece


def _read_blob(client: ContainerClient, source: str, name: str, position: int) -> BlobPiece | None:
    """What was added to the blob since ``position``; None when nothing was."""
    try:
        data = client.download_blob(name, offset=position or None).readall()
    except AzureError as exc:
        return BlobPiece(source, "", position, str(_translate(exc, f"azure {source}")))
    end = data.rfind(b"]")
    if position == 0:
        return BlobPiece(source, data.decode("utf-8", "replace"), max(end, 0))
    fragment = data.lstrip()
    if fragment.startswith(b"]"):
        return None
    if not fragment.startswith(b","):
        why = f"azure {source}: the blob changed before byte {position} (rewritten?)"
        return BlobPiece(source, "", position, why)
    return BlobPiece(source, (_HEAD + fragment[1:]).decode("utf-8", "replace"), position + end)


def _translate(exc: AzureError, where: str) -> ProviderError:
    code = getattr(exc, "error_code", None) or type(exc).__name__
    code = getattr(code, "value", code)  # azure-storage-blob's StorageErrorCode is an enum
    status = getattr(exc, "status_code", None) or 0
    text = f"{where}: {code}: {str(exc.message).splitlines()[0] if exc.message else exc}"
    if isinstance(exc, ResourceNotFoundError) or (
        isinstance(exc, HttpResponseError) and status < 500 and status != 429
    ):
        return PermanentError(text)
    return TemporaryError(text)


def blob_reader(cloud_name: str, sandbox: Mapping[str, Any] | None) -> BlobReader:
    """The real storage accounts (``DefaultAzureCredential``, the account's sovereign cloud)
    or the sandbox's fake (its account key)."""
    if sandbox is None:
        cloud = azure_cloud(cloud_name)
        template = "https://{account}." + _SUFFIXES[cloud.name]
        return BlobReader(template, default_credential(cloud.authority), {})
    section = (sandbox.get("azure") or {}).get("blob")
    if not isinstance(section, Mapping):
        raise PermanentError(
            "the sandbox has no Blob service (`azure.blob` in sandbox.json); restart it with "
            "this version (`eastwest sandbox down && eastwest sandbox up`)"
        )
    credential = {"account_name": section["account"], "account_key": section["account_key"]}
    template = section["endpoint_url"].rstrip("/") + "/{account}"
    return BlobReader(template, credential, {"retry_total": 2, "retry_backoff_factor": 0.1})


def flow_log_containers(
    subscription: str, regions: Collection[str], cloud: str, sandbox: Mapping[str, Any] | None
) -> list[ContainerRef]:
    """The storage accounts the flow logs of the subscription's Network Watchers in
    ``regions`` write to (each flow log's ``storageId``), each once; raises ``ProviderError``.
    Network Watcher is one per region, so its ``list_all`` is one short page per subscription."""
    from providers.azure.session import sandbox_clients, standard_clients  # noqa: PLC0415

    clients = (
        standard_clients(subscription, cloud=cloud)
        if sandbox is None
        else sandbox_clients(sandbox, subscription)
    )
    wanted = {r.replace(" ", "").lower() for r in regions}
    try:
        network = clients.network()
        found = [
            _container(flow_log.properties.storage_id, flow_log.properties.target_resource_id)
            for watcher in network.network_watchers.list_all()
            if str(watcher.location).lower() in wanted
            for flow_log in network.flow_logs.list(_group(str(watcher.id)), str(watcher.name))
            if flow_log.properties is not None and flow_log.properties.storage_id
        ]
    except AzureError as exc:
        raise _translate(exc, f"azure {subscription} network watchers") from None
    return list(dict.fromkeys(found))


def _container(storage_id: str, target: str | None) -> ContainerRef:
    """Where a flow log writes: its storage account, and the container of its kind (a VNet's,
    or an NSG's for the NSG flow logs of version 2)."""
    account = storage_id.rstrip("/").rsplit("/", 1)[-1]
    nsg = "/networksecuritygroups/" in str(target or "").lower()
    return ContainerRef(account, NSG_CONTAINER if nsg else CONTAINER)


def _group(resource_id: str) -> str:
    """The resource group an ARM id names (``/subscriptions/…/resourceGroups/NAME/…``)."""
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    return parts[lowered.index("resourcegroups") + 1]
