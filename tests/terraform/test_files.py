"""Writing the files: deterministic bytes, stale generated files removed, others kept."""

from __future__ import annotations

import json
from pathlib import Path

from terraform import synthesize, write_files
from tests.terraform.states import GROUP, small_state


def test_writing_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    files = synthesize(small_state())
    write_files(tmp_path, files)
    first = {p: p.read_bytes() for p in tmp_path.rglob("*.tf.json")}
    write_files(tmp_path, synthesize(small_state()))
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.tf.json")} == first
    text = (tmp_path / "main.tf.json").read_text()
    assert text.endswith("}\n")
    assert list(json.loads(text)) == sorted(json.loads(text))  # sorted keys


def test_stale_generated_files_go_and_the_teams_own_stay(tmp_path: Path) -> None:
    write_files(tmp_path, synthesize(small_state(), {GROUP: "sg-1"}))
    assert (tmp_path / "imports.tf.json").exists()
    own = tmp_path / "backend.tf.json"
    own.write_text('{"terraform": {"backend": {"local": {}}}}\n')

    written = write_files(tmp_path, synthesize(small_state()))

    assert not (tmp_path / "imports.tf.json").exists()
    assert own.exists()
    assert written == [tmp_path / "aws" / "main.tf.json", tmp_path / "main.tf.json"]
