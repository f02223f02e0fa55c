"""PAN-OS firewalls (VM-Series) through pan-os-python: eastwest's section of each hub
firewall's rulebase. ``session.py`` makes the SDK's ``Firewall``, ``translate.py`` maps values
both ways, ``adapter.py`` reads and writes. Imported only when a policy inspects (the ``panos``
extra); nothing here runs at import.
"""

from __future__ import annotations

import re


def env_name(label: str) -> str:
    """A firewall label as it appears in environment names: ``aws/us-east-1a`` →
    ``AWS_US_EAST_1A``."""
    return re.sub(r"[^A-Z0-9]", "_", label.upper())
