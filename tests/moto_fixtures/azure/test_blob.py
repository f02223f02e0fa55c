"""The Blob service fake through the real SDK (azure-storage-blob): listing by prefix in pages
with NextMarker, ranged reads, and the service's refusals with its codes."""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Iterator
from urllib.error import HTTPError

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.storage.blob import ContainerClient

from moto_fixtures.azure.blob import BlobServer, start_blob_server

NAMES = [f"flowLogResourceID=/X/y=2025/m=12/d=01/h={h:02d}/m=00/PT1H.json" for h in range(7)]


@pytest.fixture(scope="module")
def blobs() -> Iterator[BlobServer]:
    with start_blob_server() as server:
        for index, name in enumerate(NAMES):
            server.write("logs", name, b'{"records":[' + str(index).encode() + b"]}")
        server.write("logs", "other/blob.json", b"{}")
        yield server


def container(server: BlobServer, name: str = "logs", key: str | None = None) -> ContainerClient:
    credential = {"account_name": server.account, "account_key": key or server.account_key}
    return ContainerClient(server.account_url(), name, credential=credential, retry_total=0)


@pytest.mark.parametrize("page", [1, 3, 5000], ids=["one", "three", "largest"])
def test_list_by_prefix_in_pages(blobs: BlobServer, page: int) -> None:
    pages = container(blobs).list_blobs(
        name_starts_with="flowLogResourceID=/", results_per_page=page
    )
    seen = [[b.name for b in p] for p in pages.by_page()]
    assert [n for p in seen for n in p] == NAMES
    assert len(seen) == -(-len(NAMES) // page)


@pytest.mark.parametrize(
    ("offset", "length", "expected"),
    [(None, None, b'{"records":[3]}'), (12, None, b"3]}"), (12, 1, b"3"), (0, 2, b'{"')],
    ids=["whole", "from-offset", "one-byte", "head"],
)
def test_ranged_reads(
    blobs: BlobServer, offset: int | None, length: int | None, expected: bytes
) -> None:
    read = container(blobs).download_blob(NAMES[3], offset=offset, length=length)
    assert read.readall() == expected
    assert read.properties.etag


@pytest.mark.parametrize(
    ("container_name", "blob", "offset", "code"),
    [
        ("nope", None, None, "ContainerNotFound"),
        ("logs", "missing.json", None, "BlobNotFound"),
        ("logs", NAMES[0], 500, "InvalidRange"),
    ],
    ids=["container", "blob", "range"],
)
def test_refusals_carry_the_service_codes(
    blobs: BlobServer, container_name: str, blob: str | None, offset: int | None, code: str
) -> None:
    client = container(blobs, container_name)

    def call() -> object:
        if blob is None:
            return list(client.list_blobs())
        return client.download_blob(blob, offset=offset).readall()

    with pytest.raises(HttpResponseError) as caught:
        call()
    error_code = getattr(caught.value, "error_code", None)  # set by the storage SDK only
    assert str(getattr(error_code, "value", error_code)) == code
    if code != "InvalidRange":
        assert isinstance(caught.value, ResourceNotFoundError)


def test_a_wrong_key_is_refused(blobs: BlobServer) -> None:
    wrong = base64.b64encode(b"not the key").decode()
    with pytest.raises(HttpResponseError) as caught:
        list(container(blobs, key=wrong).list_blobs())
    assert caught.value.status_code == 403


def test_an_unsigned_request_is_refused(blobs: BlobServer) -> None:
    url = f"{blobs.account_url()}/logs?restype=container&comp=list"
    with pytest.raises(HTTPError) as caught:
        urllib.request.urlopen(url, timeout=5)
    caught.value.close()
    assert caught.value.code == 401
    assert caught.value.headers["x-ms-error-code"] == "NoAuthenticationInformation"
