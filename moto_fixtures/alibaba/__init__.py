"""The local Alibaba Cloud: a fake RPC endpoint for ECS, VPC and CBN that the real SDK talks to.

In: a port, a fake key pair, a CBN async delay. Out: ``server.start_alibaba_server()`` →
``AlibabaServer`` (``.endpoint`` for ``request.set_endpoint``, ``.backend``, ``.calls``,
``.faults``). Always: binds 127.0.0.1 only; every request's HMAC-SHA1 signature, nonce and
timestamp are checked (``protocol``), then its parameters against the published metadata
(``metadata``); state lives in ``models/`` and wire format in ``responses/`` (moto's split);
error codes are classes in ``errors``. ``seed.seed_alibaba(server)`` builds the landing zone of
``landing_zone`` through the real SDK (``clients``). Not yet wired into ``eastwest sandbox``.
"""
