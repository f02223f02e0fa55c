from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from orchestrator.diagnostics import Diagnostic, Severity, error
from orchestrator.errors import PolicyError
from orchestrator.model import LoadedPolicy, load_policy

ACCOUNTS = """\
version: 1
name: acme
accounts:
  - {name: aws-prod, cloud: aws, account_id: "111111111111", regions: [us-east-1]}
"""
SEGMENTS = """\
segments:
  - name: web
    members:
      - {account: aws-prod, region: us-east-1, vpc: vpc-1}
  - name: db
    members:
      - {account: aws-prod, region: us-east-1, vpc: vpc-2}
rules:
  - {name: web-to-db, from: web, to: db, ports: [tcp/5432]}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(*paths: Path) -> tuple[Diagnostic, ...]:
    with pytest.raises(PolicyError) as caught:
        load_policy(paths)
    return caught.value.diagnostics


def lines(*paths: Path) -> list[str]:
    return [str(d) for d in problems(*paths)]


def test_a_valid_policy_loads(tmp_path: Path) -> None:
    loaded = load_policy([write(tmp_path, "p.yaml", ACCOUNTS + SEGMENTS)])
    assert isinstance(loaded, LoadedPolicy)
    assert loaded.policy.name == "acme"
    assert [r.from_ for r in loaded.policy.rules] == ["web"]
    assert loaded.warnings == ()


def test_every_structural_problem_is_reported_together(tmp_path: Path) -> None:
    text = ACCOUNTS.replace("version: 1", "version: 2") + SEGMENTS.replace(
        "tcp/5432", "tcp/5432, tcp/99999"
    ).replace("vpc: vpc-2", "vcp: vpc-2")
    path = write(tmp_path, "p.yaml", text)
    assert lines(path) == [
        f"{path}:1:10: version: unsupported policy version 2; this eastwest reads version 1",
        f"{path}:11:48: segments[1].members[0].vcp: unknown field 'vcp'; did you mean 'vpc'?"
        " (allowed: account, region, vpc, vnet, subnets, tags)",
        f"{path}:13:60: rules[0].ports[1]: 'tcp/99999': ports run from 1 to 65535",
    ]


def test_semantic_checks_wait_for_a_structurally_valid_policy(tmp_path: Path) -> None:
    # `to: web` would also be a rule to itself, but the policy is not valid yet.
    text = (ACCOUNTS + SEGMENTS).replace("to: db", "to: web").replace("version: 1", "version: 3")
    assert [d.path for d in problems(write(tmp_path, "p.yaml", text))] == ["version"]


def test_from_underscore_is_python_only(tmp_path: Path) -> None:
    text = ACCOUNTS + SEGMENTS.replace("from: web", "from_: web")
    (problem,) = problems(write(tmp_path, "p.yaml", text))
    assert problem.path == "rules[0].from_"
    assert "did you mean 'from'?" in problem.summary


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        pytest.param(
            '"111111111111"',
            "111111111111",
            "accounts[0].account_id",
            "got the number 111111111111: put it in quotes",
            id="unquoted-account-id",
        ),
        pytest.param(
            "cloud: aws",
            "cloud: amazon",
            "accounts[0].cloud",
            "unknown cloud 'amazon'",
            id="unknown-cloud",
        ),
        pytest.param(
            "cloud: aws, ",
            "",
            "accounts[0].cloud",
            "required field 'cloud' is missing",
            id="no-cloud",
        ),
        pytest.param(
            "regions: [us-east-1]",
            "regions: us-east-1",
            "accounts[0].regions",
            "expected a list, got the text 'us-east-1'; write [us-east-1]",
            id="regions-not-a-list",
        ),
        pytest.param(
            "vpc: vpc-1}",
            "tags: {public: yes}}",
            "segments[0].members[0].tags.public",
            "YAML reads unquoted yes/no/on/off",
            id="yes-is-a-boolean",
        ),
        pytest.param(
            "members:\n      - {account: aws-prod, region: us-east-1, vpc: vpc-2}",
            "members: vpc-2",
            "segments[1].members",
            "expected a list",
            id="members-not-a-list",
        ),
        pytest.param(
            "ports: [tcp/5432]",
            "ports: [5432]",
            "rules[0].ports[0]",
            "a port needs its protocol: write 'tcp/5432' or 'udp/5432'",
            id="port-number",
        ),
        pytest.param(
            "{name: web-to-db,",
            "{name: web-to-db, inspect: maybe,",
            "rules[0].inspect",
            "expected true or false, got the text 'maybe'",
            id="inspect-not-bool",
        ),
        pytest.param(
            "- {name: web-to-db",
            "- [web-to-db]\n  - {name: x",
            "rules[0]",
            "expected a mapping of fields (field: value), got a list",
            id="rule-not-a-mapping",
        ),
        pytest.param(
            "regions: [us-east-1]}",
            "regions: [us-east-1], quotas: {rules_per_group: 0}}",
            "accounts[0].quotas.rules_per_group",
            "must be at least 1",
            id="quota-too-small",
        ),
        pytest.param(
            "regions: [us-east-1]}",
            "regions: [us-east-1], quotas: {rules_per_group: lots}}",
            "accounts[0].quotas.rules_per_group",
            "expected a whole number",
            id="quota-not-a-number",
        ),
        pytest.param(
            "regions: [us-east-1]}",
            "regions: [us-east-1], profiel: prod}",
            "accounts[0].profiel",
            "did you mean 'profile'?",
            id="unknown-field-in-union-member",
        ),
    ],
)
def test_structural_messages_speak_network(
    tmp_path: Path, old: str, new: str, path: str, message: str
) -> None:
    text = ACCOUNTS + SEGMENTS
    assert text.count(old) == 1
    found = problems(write(tmp_path, "p.yaml", text.replace(old, new, 1)))
    assert [d.path for d in found] == [path], found
    assert message in found[0].summary
    assert "Input should" not in found[0].summary


def test_an_unknown_field_that_suggests_a_missing_one_is_one_mistake(tmp_path: Path) -> None:
    text = ACCOUNTS + SEGMENTS.replace("ports: [tcp/5432]", "port: [tcp/5432]")
    (problem,) = problems(write(tmp_path, "p.yaml", text))
    assert problem.path == "rules[0].port"
    assert (problem.line, problem.column) == (13, 42)  # the key, not its value


def test_a_missing_field_points_at_the_enclosing_mapping(tmp_path: Path) -> None:
    text = ACCOUNTS.replace(', account_id: "111111111111"', "") + SEGMENTS
    (problem,) = problems(write(tmp_path, "p.yaml", text))
    assert (problem.path, problem.line, problem.column) == ("accounts[0].account_id", 4, 5)
    assert problem.summary == "required field 'account_id' is missing"


def test_warnings_ride_along_located(tmp_path: Path) -> None:
    text = ACCOUNTS + SEGMENTS + "  - {name: again, from: web, to: db, ports: [tcp/5432]}\n"
    path = write(tmp_path, "p.yaml", text)
    loaded = load_policy([path])
    (warning,) = loaded.warnings
    assert warning.severity is Severity.WARNING
    assert str(warning).startswith(f"{path}:14:5: rules[1]: warning: rule 'again'")


def test_errors_and_warnings_are_raised_together_in_file_order(tmp_path: Path) -> None:
    text = ACCOUNTS + SEGMENTS.replace("to: db", "to: web") + "  - name: x\n    from: web\n"
    text += "    to: db\n    ports: [tcp/1, tcp/1-5]\n"
    found = problems(write(tmp_path, "p.yaml", text))
    assert [(d.severity, d.line) for d in found] == [
        (Severity.ERROR, 13),
        (Severity.WARNING, 17),
    ]


def test_locate_finds_a_path_or_its_nearest_written_parent(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", ACCOUNTS + SEGMENTS)
    loaded = load_policy([path])
    exact = loaded.locate(error("x", path="segments[1].members[0].vpc"))
    assert (exact.file, exact.line, exact.column) == (str(path), 11, 53)
    nearest = loaded.locate(error("x", path="segments[1].members[0].subnets[3]"))
    assert (nearest.line, nearest.column) == (11, 9)
    assert loaded.locate(error("x", path="")).line == 1


def test_no_files_is_an_error() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy([])
    assert caught.value.diagnostics[0].summary == "no policy file given"


# --- several files ----------------------------------------------------------------------


def test_files_merge_lists_in_order_and_paths_index_the_merged_lists(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", ACCOUNTS + SEGMENTS)
    second = write(
        tmp_path,
        "b.yaml",
        """\
        version: 1
        segments:
          - {name: onprem, cidrs: [172.16.0.0/12]}
        rules:
          - {name: onprem-to-db, from: onprem, to: db, ports: [tcp/5432]}
        """,
    )
    loaded = load_policy([first, second])
    assert [s.name for s in loaded.policy.segments] == ["web", "db", "onprem"]
    assert [r.name for r in loaded.policy.rules] == ["web-to-db", "onprem-to-db"]
    at = loaded.locate(error("x", path="segments[2].cidrs[0]"))
    assert (at.file, at.line, at.column) == (str(second), 3, 28)
    at = loaded.locate(error("x", path="rules[0].to"))
    assert (at.file, at.line) == (str(first), 13)


def test_an_error_in_the_second_file_points_at_the_second_file(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", ACCOUNTS)
    second = write(tmp_path, "b.yaml", SEGMENTS.replace("to: db", "to: dbs"))
    (problem,) = problems(first, second)
    assert str(problem).startswith(f"{second}:9:38: rules[0].to: no segment named 'dbs'")


def test_version_and_name_must_agree_where_given(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", ACCOUNTS)
    second = write(tmp_path, "b.yaml", "version: 1\nname: other\n" + SEGMENTS)
    (problem,) = problems(first, second)
    assert problem.path == "name"
    assert (problem.file, problem.line) == (str(second), 2)
    assert f"'other' disagrees with 'acme' in {first} line 2" in problem.summary


def test_version_and_name_may_be_given_by_one_file_only(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", SEGMENTS)
    second = write(tmp_path, "b.yaml", ACCOUNTS)
    assert load_policy([first, second]).policy.name == "acme"


def test_a_section_that_is_not_a_list_cannot_be_merged(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", ACCOUNTS + SEGMENTS)
    second = write(tmp_path, "b.yaml", "rules: {name: x}\n")
    (problem,) = problems(first, second)
    assert (problem.file, problem.path) == (str(second), "rules")
    assert "must be a list" in problem.summary


def test_an_unreadable_file_stops_before_validation(tmp_path: Path) -> None:
    # Validating without b.yaml would report 'db' as unknown: noise hiding the real problem.
    first = write(tmp_path, "a.yaml", ACCOUNTS + SEGMENTS)
    missing = tmp_path / "b.yaml"
    (problem,) = problems(first, missing)
    assert str(problem) == f"{missing}: file not found"


def test_duplicates_across_files_point_at_the_later_file(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", ACCOUNTS + SEGMENTS)
    second = write(tmp_path, "b.yaml", "segments:\n  - {name: web, cidrs: [10.0.0.0/8]}\n")
    (problem,) = problems(first, second)
    assert (problem.file, problem.path, problem.line) == (str(second), "segments[2].name", 2)


def test_loading_a_policy_imports_no_cloud_sdk(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", ACCOUNTS + SEGMENTS)
    code = (
        "import sys; from pathlib import Path; from orchestrator.model import load_policy; "
        f"load_policy([Path({str(path)!r})]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'boto3', 'botocore', 'moto', 'azure', 'aliyunsdkcore'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
