"""The fake cloud's state, apart from any wire format (moto's ``models/`` split).

In: plain Python values from ``responses/``. Out: dataclasses and ``AlibabaError``s. Always: one
``Regions`` per server holds one account: a ``Backend`` per region (ECS and VPC state) over one
global ``Cbn`` (CEN is global, each transit router has a region), behind one lock; ids are
deterministic (a counter per prefix for the whole account), so a re-seeded fake has the same ids.
"""
