"""``orchestrator.extras``: an optional part used without its packages fails with one line that
names the extra and how to install it; the table agrees with pyproject.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from orchestrator.extras import EXTRAS, MissingExtraError, missing, require, require_cloud

ROOT = Path(__file__).resolve().parents[2]
TABLE = {
    "present": ("json", "importlib.util"),
    "absent": ("json", "eastwest_no_such_module", "eastwest_no_such_parent.child"),
}


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_every_extra_names_importable_modules_in_the_dev_install(extra: str) -> None:
    # The dev install has every extra: a name that is not found here is misspelt.
    assert missing(extra) == []


def test_an_installed_extra_passes() -> None:
    require("present", "this test", TABLE)


def test_a_missing_extra_names_itself_and_the_install_command() -> None:
    with pytest.raises(MissingExtraError) as caught:
        require("absent", "eastwest sandbox up", TABLE)

    assert str(caught.value) == (
        "eastwest sandbox up needs the 'absent' extra (eastwest_no_such_module, "
        "eastwest_no_such_parent.child not installed): pip install 'eastwest[absent]'"
    )
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("cloud", ["aws", "alibaba", "azure"])
def test_every_cloud_of_a_policy_is_covered_in_the_dev_install(cloud: str) -> None:
    require_cloud(cloud, "this test")


def test_the_table_names_exactly_the_extras_of_pyproject() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert set(EXTRAS) == set(extras) - {"all", "dev"}
    # cdktf is a library for the user's own CDKTF app and needs Node.js: not part of `all`.
    assert set(extras["all"][0].split("[")[1].rstrip("]").split(",")) == set(EXTRAS) - {"cdktf"}
