"""The product and its tests read nothing from beside the repository (issue 11): a fresh clone
with nothing next to it must run. Every file under the shipped packages and tests is searched
for the ways code reached the old shared folder."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("orchestrator", "providers", "terraform", "moto_fixtures", "tests")
# Spelled in pieces so that this file does not find itself.
FORBIDDEN = ("../" + "shared", "cloud" + "-api", '/ "' + 'shared"', "/ '" + "shared'")
SUFFIXES = {".py", ".yaml", ".toml", ".cfg", ".txt", ".md"}


def _files() -> list[Path]:
    found = [
        path
        for folder in FOLDERS
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in SUFFIXES and "__pycache__" not in path.parts
    ]
    assert len(found) > 100, "the search found too few files to mean anything"
    return found


@pytest.mark.parametrize("pattern", FORBIDDEN)
def test_nothing_reaches_beside_the_repository(pattern: str) -> None:
    hits = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _files()
        for number, line in enumerate(
            path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
        )
        if pattern in line
    ]
    assert hits == []
