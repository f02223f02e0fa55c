"""The local Azure: a fake Azure Resource Manager for Microsoft.Network, over HTTPS.

In: a port, an operation delay, a page size, faults. Out: ``start_azure_server`` → an
``AzureServer`` that the real ``azure.mgmt.network.NetworkManagementClient`` talks to
(``base_url=server.url``, ``connection_verify=server.ca_bundle``, ``fake_credential()``);
``seed_azure`` builds a hub-and-spoke network in it. Always: state in memory only, 127.0.0.1
only, bodies checked against the Microsoft.Network 2024-05-01 swagger.

Layout (moto's split, state apart from wire format): ``state`` (resources, operations),
``schema`` (swagger checks), ``writes`` (PUT/DELETE semantics), ``wire`` (JSON shapes), ``arm``
(request → reply), ``paths``, ``errors`` (one class per ARM code), ``control`` (call log,
faults), ``certs``, ``server`` (HTTPS plumbing), ``credential``, ``seed``.
"""

from moto_fixtures.azure.control import Faults
from moto_fixtures.azure.credential import fake_credential
from moto_fixtures.azure.seed import SeedReport, seed_azure
from moto_fixtures.azure.server import AzureServer, start_azure_server

__all__ = [
    "AzureServer",
    "Faults",
    "SeedReport",
    "fake_credential",
    "seed_azure",
    "start_azure_server",
]
