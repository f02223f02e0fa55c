"""pan-os-python, unpatched, pointed at the test's fake firewall (``panos_server``,
tests/conftest.py: fresh per test, a few milliseconds to start), and a raw client of its wire."""

from __future__ import annotations

import ssl
import urllib.parse
import urllib.request
from collections.abc import Callable
from xml.etree import ElementTree as ET

import pytest

from moto_fixtures.panos import PanosServer

pytest.importorskip("panos")
from panos.firewall import Firewall


@pytest.fixture
def firewall(panos_server: PanosServer) -> Firewall:
    fw = Firewall("127.0.0.1", panos_server.username, panos_server.password, port=panos_server.port)
    fw.interval = 0.02  # job polling: the fake's commits take 50 ms
    return fw


Raw = Callable[..., tuple[int, ET.Element]]


@pytest.fixture
def raw(panos_server: PanosServer) -> Raw:
    """``raw(type="config", action="get", xpath=…)`` → (HTTP status, response element), as the
    firewall sent it; the admin's key is added unless ``key`` is given."""
    context = ssl.create_default_context(cafile=panos_server.ca_bundle)

    def call(**params: str) -> tuple[int, ET.Element]:
        if "key" not in params and params.get("type") != "keygen":
            params["key"] = panos_server.api.key_for(panos_server.username)
        data = urllib.parse.urlencode(params).encode()
        request = urllib.request.Request(f"{panos_server.url}/api/", data)
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as response:
                return response.status, ET.fromstring(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, ET.fromstring(exc.read())

    return call
