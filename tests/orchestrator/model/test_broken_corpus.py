"""The broken-policy corpus: one realistic mistake per file, and the error a user must see.

Each file starts with ``# expect: <line>:<column>: <field.path>: <message substring>``; the
column may be ``*``. A new mistake found in the wild becomes a new file here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestrator.diagnostics import Diagnostic, Severity
from orchestrator.errors import PolicyError
from orchestrator.model import load_policy

CORPUS = Path(__file__).parents[2] / "fixtures" / "policies" / "broken"
FILES = sorted(CORPUS.glob("*.yaml"))
_EXPECT = re.compile(r"# expect: (?P<line>\d+):(?P<column>\d+|\*): (?P<path>\S*): (?P<text>.+)")


@dataclass(frozen=True)
class Expected:
    line: int
    column: int | None
    path: str
    text: str

    @classmethod
    def of(cls, path: Path) -> Expected:
        # Read bytes: one file of the corpus is deliberately not UTF-8.
        first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
        match = _EXPECT.fullmatch(first)
        assert match is not None, f"{path.name}: first line must be '# expect: …'"
        column = None if match["column"] == "*" else int(match["column"])
        return cls(int(match["line"]), column, match["path"], match["text"])

    def matches(self, d: Diagnostic) -> bool:
        at = d.line == self.line and self.column in (None, d.column)
        return at and d.path == self.path and self.text in d.summary


def test_the_corpus_is_large_enough() -> None:
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_broken_policy_gets_a_located_error(path: Path) -> None:
    expected = Expected.of(path)
    with pytest.raises(PolicyError) as caught:
        load_policy([path])
    found = caught.value.diagnostics
    assert any(expected.matches(d) for d in found), "\n".join(map(str, found))
    assert all(str(d).startswith(f"{path}:") for d in found)
    assert any(d.severity is Severity.ERROR for d in found)


def test_a_mistake_in_the_second_file_points_at_the_second_file(tmp_path: Path) -> None:
    first = tmp_path / "accounts.yaml"
    first.write_text(
        "version: 1\nname: shop-prod\naccounts:\n"
        '  - {name: aws-prod, cloud: aws, account_id: "111111111111", regions: [us-east-1]}\n',
        encoding="utf-8",
    )
    second = tmp_path / "segments.yaml"
    # The same mistake as member-region-not-in-account.yaml, split over two files.
    second.write_text(
        "segments:\n"
        "  - name: web\n"
        "    members:\n"
        "      - {account: aws-prod, region: us-west-2, vpc: vpc-0a1b2c3d4e5f60001}\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as caught:
        load_policy([first, second])
    (problem,) = caught.value.diagnostics
    assert str(problem).startswith(
        f"{second}:4:37: segments[0].members[0].region: no account covers this member"
    )
