"""A fake PAN-OS (VM-Series) management plane speaking the XML API, for the sandbox and tests.

In: nothing at import. Out: ``start_panos_server`` → ``PanosServer``. Always: state
(``device.py``: candidate/running, journal, jobs, locks) is kept apart from the wire format
(``api.py``, ``server.py``), as moto keeps models apart from responses; pan-os-python, unpatched,
is the client the tests drive it with.
"""

from moto_fixtures.panos.server import PanosServer, start_panos_server

__all__ = ["PanosServer", "start_panos_server"]
