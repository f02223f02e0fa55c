"""PAN-OS firewalls (VM-Series) and Panorama through pan-os-python: eastwest's section of each
hub firewall's rulebase, or of a Panorama device group's pre-rulebase. ``session.py`` makes the
SDK's ``Firewall`` or ``Panorama``, ``translate.py`` maps values both ways, ``adapter.py`` reads
and writes a firewall, ``panorama.py`` a device group (then pushes it), ``registered.py`` the
User-ID registrations of dynamic groups, ``factory.py`` picks by label. Imported only when a
policy inspects (the ``panos`` extra); nothing here runs at import.
"""

from __future__ import annotations

import re


def env_name(label: str) -> str:
    """A firewall label as it appears in environment names: ``aws/us-east-1a`` →
    ``AWS_US_EAST_1A``."""
    return re.sub(r"[^A-Z0-9]", "_", label.upper())
