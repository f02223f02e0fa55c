"""Local stand-ins for the clouds eastwest manages: the tests' clouds and ``eastwest sandbox``.

In: nothing but a directory or a port. Out: fake clouds speaking each cloud's real wire
protocol, so that the real SDKs run end to end: AWS (``aws/``: moto in server mode, patched),
Alibaba Cloud (``alibaba/``: a signed RPC fake of ECS, VPC and CBN) and Azure (``azure/``: an
HTTPS ARM fake of Microsoft.Network). ``sandbox`` runs them as one background process described
by ``DIR/sandbox.json``; ``daemon`` is that process, ``clouds`` starts and seeds the three in
it.

Always: the fakes bind 127.0.0.1 only, hold state in memory only, accept fixed fake keys that
open nothing real, and never import the product's planning or provider code (an import-linter
contract in pyproject.toml).
"""
