"""Terraform generation: the same ``DesiredState`` the reconciler applies, as Terraform JSON.

In: a ``DesiredState`` and, for adoption, the import id of each desired key that already exists
(``sg-…``, ``pl-…``, ``sgr-…``, ``tgw-rtb-…``, and the composite ids ``import_ids`` derives from
an observation). Out: ``{relative path: document}`` (``synthesize``), written as ``*.tf.json``
by ``write_files``; ``check_references`` proves every reference in it resolves; ``caveats``
names what the configuration cannot declare.
Always: pure except ``files.py`` and ``cdktf.py``; deterministic (sorted keys, names derived
from stable keys); one child module per cloud (``aws.py`` with ``aws_routes.py``, ``azure.py`` with
``azure_names.py``, ``alibaba.py``; ``world.py`` is what Azure's subnet associations read); never
imports ``providers/``: the resources mirror what the adapters create, and tests hold the two
together. ``flatten.py`` makes one root module of the files and ``cdktf.py`` declares it in a
user's CDKTF stack (not imported here: it needs the ``cdktf`` extra and Node.js).
"""

from terraform.files import render, write_files
from terraform.references import check_references
from terraform.synthesis import GENERATORS, caveats, import_ids, synthesize

__all__ = [
    "GENERATORS",
    "caveats",
    "check_references",
    "import_ids",
    "render",
    "synthesize",
    "write_files",
]
