"""Azure adapter: network security groups (NSGs) over ``azure-mgmt-network``.

In: a ``Target`` (subscription, resource group) and a policy name. Out: the provider contract
of ``providers/base.py``. Always: ``session.py`` is the only module that builds SDK clients
(and imports ``azure.mgmt.network``); ``translate.py`` and ``priorities.py`` are pure and speak
ARM's JSON (REST shape, ``properties`` nested); ``errors.py`` maps azure-core exceptions into
eastwest's tree. See docs/azure.md.
"""
