"""PAN-OS firewalls (VM-Series) through pan-os-python: eastwest's section of each hub
firewall's rulebase. ``session.py`` makes the SDK's ``Firewall``, ``translate.py`` maps values
both ways, ``adapter.py`` reads and writes. Imported only when a policy inspects (the ``panos``
extra); nothing here runs at import.
"""
