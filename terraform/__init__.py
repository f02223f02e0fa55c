"""Terraform generation: the same ``DesiredState`` the reconciler applies, as Terraform JSON.

In: a ``DesiredState`` and, for adoption, the native id of each desired key that already exists
(``sg-…``, ``pl-…``, ``sgr-…``). Out: ``{relative path: document}`` (``synthesize``), written
as ``*.tf.json`` by ``write_files``; ``check_references`` proves every reference in it resolves.
Always: pure except ``files.py``; deterministic (sorted keys, names derived from stable keys);
one child module per cloud (``aws.py`` today); never imports ``providers/``: the resources
mirror what the adapters create, and tests hold the two together.
"""

from terraform.files import render, write_files
from terraform.references import check_references
from terraform.synthesis import GENERATORS, synthesize

__all__ = ["GENERATORS", "check_references", "render", "synthesize", "write_files"]
