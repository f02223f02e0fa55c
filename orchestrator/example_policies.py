"""The example policies (top-level ``policies/examples/*.yaml``), wherever eastwest runs from.

In: a file name. Out: its path. Always: an installed wheel carries the examples as package data,
``orchestrator/examples/`` (pyproject.toml's hatch ``force-include``), read through
``importlib.resources``; a checkout (the editable install ``make`` makes) has no such folder, so
there the top-level one is read. ``eastwest demo`` and the hints of ``sandbox up`` use them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent / "policies" / "examples"


def example(name: str) -> Path:
    """The example policy ``name`` (``sandbox.yaml``…); a real file, since diagnostics and the
    reconciler's subprocess need a path."""
    packaged = resources.files("orchestrator").joinpath("examples", name)
    # Wheels are installed unpacked, so the packaged file is a Path; a zip import would not be.
    if isinstance(packaged, Path) and packaged.is_file():
        return packaged
    return _CHECKOUT / name


def shown(path: Path) -> str:
    """``path`` as a user would type it here: relative to the working directory when inside it."""
    cwd = Path.cwd()
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)
