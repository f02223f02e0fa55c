"""Smoke test of the compile/plan benchmark at small sizes: counts only, no timings asserted
(the machine is shared; docs/benchmarks.md holds the figures)."""

from __future__ import annotations

import pytest

from tests.benchmarks.compile_plan import measure, measure_apart, slope, table


@pytest.mark.parametrize(
    ("rules", "groups"),
    [pytest.param(200, 10, id="10-groups"), pytest.param(1_000, 50, id="50-groups")],
)
def test_the_estate_plans_the_rules_it_is_sized_for(rules: int, groups: int) -> None:
    row = measure(rules)
    assert (row["rules"], row["groups"], row["errors"]) == (rules, groups, 0)
    # Groups, rules and one address set per segment referenced: 5 segments and the external.
    assert row["changes"] == rules + groups + 6
    assert row["peak_mb"] > 0


def test_each_size_runs_in_its_own_process_with_the_same_counts() -> None:
    apart, here = measure_apart(200), measure(200)
    assert {k: apart[k] for k in ("rules", "changes")} == {k: here[k] for k in ("rules", "changes")}


@pytest.mark.parametrize(
    ("power", "expected"),
    [pytest.param(1.0, 1.0, id="linear"), pytest.param(2.0, 2.0, id="quadratic")],
)
def test_the_growth_exponent_is_the_log_log_slope(power: float, expected: float) -> None:
    rows = [{"rules": n, "cpu_s": 0.001 * n**power} for n in (1_000, 10_000, 100_000)]
    assert slope(rows, "cpu_s") == pytest.approx(expected)


def test_the_table_has_a_row_per_size() -> None:
    row = measure(200)
    lines = table([row, row])
    assert len(lines) == 4
    assert lines[2].startswith("| 200 | ")
