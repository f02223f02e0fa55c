"""``missing_tool``: skip on a developer's machine, fail under CI."""

from __future__ import annotations

import pytest

from tests.missing_tool import missing_tool


@pytest.mark.parametrize(
    ("environ", "outcome"),
    [
        pytest.param({}, pytest.skip.Exception, id="no-CI"),
        pytest.param({"CI": ""}, pytest.skip.Exception, id="empty"),
        pytest.param({"CI": "false"}, pytest.skip.Exception, id="false"),
        pytest.param({"CI": "0"}, pytest.skip.Exception, id="zero"),
        pytest.param({"CI": "true"}, pytest.fail.Exception, id="true"),
        pytest.param({"CI": "1"}, pytest.fail.Exception, id="one"),
        pytest.param({"CI": "True "}, pytest.fail.Exception, id="spaced"),
    ],
)
def test_a_missing_tool_skips_but_fails_under_ci(
    environ: dict[str, str], outcome: type[BaseException]
) -> None:
    with pytest.raises(outcome, match="initdb is not on PATH"):
        missing_tool("initdb is not on PATH", environ)
