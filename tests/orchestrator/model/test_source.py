from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.diagnostics import Diagnostic, Severity, error
from orchestrator.model.source import (
    Location,
    Source,
    SourceMap,
    index_path,
    key_path,
    parent_path,
    parse_source,
    read_source,
)

DOC = """\
version: 1
segments:
  - name: web
    members:
      - {account: aws-prod, vpc: vpc-1}
    cidrs:
      - 10.0.0.0/16
  - name: db
"""


def parsed(text: str, file: str = "p.yaml") -> Source:
    source, problems = parse_source(text, file)
    assert problems == []
    assert source is not None
    return source


def problems_of(text: str) -> list[Diagnostic]:
    return parse_source(text, "p.yaml")[1]


@pytest.mark.parametrize(
    ("parent", "key", "expected"),
    [
        pytest.param("", "segments", "segments", id="top"),
        pytest.param("segments[0]", "name", "segments[0].name", id="nested"),
        pytest.param("m.tags", "kubernetes.io/role", 'm.tags["kubernetes.io/role"]', id="odd-key"),
        pytest.param("m.tags", 1, 'm.tags["1"]', id="number-key"),
        pytest.param("", "a b", '["a b"]', id="odd-key-at-top"),
    ],
)
def test_key_path(parent: str, key: object, expected: str) -> None:
    assert key_path(parent, key) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("segments[2].members[0].tags", "segments[2].members[0]", id="field"),
        pytest.param("segments[2].members[0]", "segments[2].members", id="index"),
        pytest.param("segments", "", id="top-field"),
        pytest.param("", None, id="root"),
        pytest.param('m.tags["a.b[0]"]', "m.tags", id="quoted-key"),
        pytest.param(index_path("rules", 3), "rules", id="built-index"),
    ],
)
def test_parent_path(path: str, expected: str | None) -> None:
    assert parent_path(path) == expected


def test_data_is_plain_python() -> None:
    source = parsed(DOC)
    assert source.data == {
        "version": 1,
        "segments": [
            {
                "name": "web",
                "members": [{"account": "aws-prod", "vpc": "vpc-1"}],
                "cidrs": ["10.0.0.0/16"],
            },
            {"name": "db"},
        ],
    }


@pytest.mark.parametrize(
    ("path", "line", "column"),
    [
        pytest.param("", 1, 1, id="root"),
        pytest.param("version", 1, 10, id="scalar"),
        pytest.param("segments", 3, 3, id="block-list"),
        pytest.param("segments[0]", 3, 5, id="list-item"),
        pytest.param("segments[0].name", 3, 11, id="item-field"),
        pytest.param("segments[0].members[0]", 5, 9, id="flow-mapping"),
        pytest.param("segments[0].members[0].vpc", 5, 34, id="flow-value"),
        pytest.param("segments[0].cidrs[0]", 7, 9, id="nested-list-item"),
        pytest.param("segments[1].name", 8, 11, id="second-item"),
    ],
)
def test_values_are_located_one_based(path: str, line: int, column: int) -> None:
    assert parsed(DOC).map.values[path] == Location("p.yaml", line, column)


def test_keys_are_located_separately_from_values() -> None:
    source = parsed(DOC)
    assert source.map.keys["segments[0].name"] == Location("p.yaml", 3, 5)
    assert source.map.keys["segments[0].members[0].vpc"] == Location("p.yaml", 5, 29)


def test_find_falls_back_to_the_nearest_enclosing_path() -> None:
    smap = parsed(DOC).map
    assert smap.find("segments[0].members[0].region") == smap.values["segments[0].members[0]"]
    assert smap.find("segments[9].name") == smap.values["segments"]
    assert smap.find("nowhere") == smap.values[""]
    assert smap.find("segments[0].name", at_key=True) == smap.keys["segments[0].name"]


def test_locate_keeps_a_diagnostic_that_already_names_a_file() -> None:
    smap = parsed(DOC).map
    located = Diagnostic(Severity.ERROR, "x", file="other.yaml", line=3, path="version")
    assert smap.locate(located) is located
    assert SourceMap().locate(error("x", path="a")) == error("x", path="a")
    assert str(smap.locate(error("bad", path="version"))) == "p.yaml:1:10: version: bad"


def test_duplicate_keys_are_errors_and_the_first_value_is_kept() -> None:
    text = "version: 1\nname: a\nversion: 2\nsegments:\n  - {name: w, name: x}\n"
    source, problems = parse_source(text, "p.yaml")
    assert source is not None
    assert source.data["version"] == 1
    assert [str(p) for p in problems] == [
        "p.yaml:3:1: version: duplicate key 'version' (first written at line 1)",
        "p.yaml:5:15: segments[0].name: duplicate key 'name' (first written at line 5)",
    ]


def test_merge_keys_are_honoured_and_own_keys_win() -> None:
    text = """\
members:
  - &base {account: aws-prod, region: us-east-1, vpc: vpc-1}
  - <<: *base
    vpc: vpc-2
"""
    source = parsed(text)
    assert source.data["members"] == [
        {"account": "aws-prod", "region": "us-east-1", "vpc": "vpc-1"},
        {"account": "aws-prod", "region": "us-east-1", "vpc": "vpc-2"},
    ]
    assert source.map.values["members[1].vpc"].line == 4
    assert source.map.values["members[1].account"].line == 2  # where the merged value is


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a: &x {k: 1, k: 2}\nb:\n  <<: *x\n", id="merged"),
        pytest.param("a: &x {k: 1, k: 2}\nb: *x\n", id="aliased"),
    ],
)
def test_a_problem_reached_again_through_an_alias_is_reported_once(text: str) -> None:
    (problem,) = problems_of(text)
    assert problem.path == "a.k"


def test_a_recursive_alias_is_an_error_not_a_hang() -> None:
    (problem,) = problems_of("a: &x [1, *x]\n")
    assert "refers to the list or mapping that contains it" in problem.summary


def test_a_non_scalar_key_is_an_error() -> None:
    (problem,) = problems_of("? [a, b]\n: 1\nversion: 1\n")
    assert problem.line == 1
    assert "plain word" in problem.summary


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        pytest.param("a:\n\tb: 1\n", 2, 1, "tab character", id="tab"),
        pytest.param("a: [1, 2\nb: 3\n", 2, 2, "(opened at line 1)", id="unclosed-flow"),
        pytest.param("a: b: c\n", 1, 5, "mapping values are not allowed", id="colon-in-value"),
        pytest.param("a: 1\n---\nb: 2\n", 2, 1, "single document", id="two-documents"),
        pytest.param("a: *nope\n", 1, 4, "undefined alias", id="undefined-alias"),
        pytest.param("a: !Ref x\n", 1, 4, "is not used in policies", id="unknown-tag"),
        pytest.param("a: 'x\n", 2, 1, "quoted scalar", id="unclosed-quote"),
        pytest.param("a: 1\n\x07b: 2\n", 2, 1, "not allowed in YAML", id="control-character"),
    ],
)
def test_yaml_errors_are_located(text: str, line: int, column: int, message: str) -> None:
    problems = problems_of(text)
    assert len(problems) == 1
    (problem,) = problems
    assert (problem.file, problem.line, problem.column) == ("p.yaml", line, column)
    assert message in problem.summary


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param("", 1, "the file is empty", id="empty"),
        pytest.param("# only a comment\n", 1, "the file is empty", id="comment-only"),
        pytest.param("\n- version: 1\n", 2, "not a list", id="list"),
        pytest.param("acme-prod\n", 1, "not a single value", id="scalar"),
    ],
)
def test_the_top_level_must_be_a_mapping(text: str, line: int, message: str) -> None:
    source, problems = parse_source(text, "p.yaml")
    assert source is None
    (problem,) = problems
    assert problem.line == line
    assert message in problem.summary


def test_read_source_reports_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    source, (problem,) = read_source(missing)
    assert source is None
    assert problem.file == str(missing)
    assert problem.summary == "file not found"


def test_read_source_reports_a_directory(tmp_path: Path) -> None:
    source, (problem,) = read_source(tmp_path)
    assert source is None
    assert "is a directory" in problem.summary


def test_read_source_locates_the_first_byte_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("version: 1\nname: caf\u00e9\n".encode("latin-1"))
    source, (problem,) = read_source(path)
    assert source is None
    assert (problem.line, problem.column) == (2, 10)
    assert "not UTF-8 text (byte 0xe9)" in problem.summary


def test_read_source_names_the_file_as_given(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("version: 1\n", encoding="utf-8")
    source, problems = read_source(path)
    assert problems == []
    assert source is not None
    assert source.file == str(path)
    assert source.map.values["version"].file == str(path)
