"""The fake cloud's state, apart from any wire format (moto's ``models/`` split).

In: plain Python values from ``responses/``. Out: dataclasses and ``AlibabaError``s. Always: one
``Backend`` per server holds ECS, VPC and CBN state of one account in one region behind one lock;
ids are deterministic (a counter per prefix), so a re-seeded fake has the same ids.
"""
