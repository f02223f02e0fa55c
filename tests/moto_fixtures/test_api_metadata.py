"""``moto_fixtures.api_metadata``: the trimmed copy is rebuilt from a full one exactly as the
lists say, byte for byte the same each time; the shipped copy is that trimmed form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from moto_fixtures import api_metadata as am
from moto_fixtures.alibaba.responses import handlers

NSG = "networkSecurityGroup.json"
SERVED = "/subscriptions/{s}/providers/Microsoft.Network/networkSecurityGroups/{n}/securityRules"
UNSERVED = "/subscriptions/{s}/providers/Microsoft.Network/networkSecurityGroups/{n}/usages"


def _alibaba(product: str) -> dict[str, Any]:
    apis = {action: {"parameters": [{"name": action}]} for action in am.ALIBABA_ACTIONS[product]}
    apis["NotUsedByTheFake"] = {"parameters": []}
    return {"version": "1.0", "info": {"product": product}, "apis": apis}


def _azure(name: str) -> dict[str, Any]:
    roots = am.AZURE_DEFINITIONS[name]
    definitions: dict[str, Any] = {d: {"type": "object"} for d in roots}
    document: dict[str, Any] = {"swagger": "2.0", "definitions": definitions, "paths": {}}
    if name == NSG:
        definitions[roots[0]] = {
            "properties": {
                "access": {"$ref": "#/definitions/Access"},
                "owner": {"$ref": "./network.json#/definitions/CloudError"},
                "elsewhere": {"$ref": "./loadBalancer.json#/definitions/LoadBalancer"},
            }
        }
        definitions["Access"] = {"enum": ["Allow", "Deny"]}
        definitions["Unreferenced"] = {"type": "string"}
        operation = {
            "responses": {"200": {"schema": {"$ref": "#/definitions/RuleList"}}},
            "x-ms-examples": {"one": {"$ref": "./examples/Rule.json"}},
        }
        definitions["RuleList"] = {"type": "array"}
        document["paths"] = {SERVED: {"get": operation}, UNSERVED: {"get": {}}}
    return document


@pytest.fixture
def full_copy(tmp_path: Path) -> Path:
    source = tmp_path / "full"
    (source / "alibaba").mkdir(parents=True)
    (source / "azure").mkdir()
    for product in am.ALIBABA_ACTIONS:
        (source / "alibaba" / f"{product}.json").write_text(json.dumps(_alibaba(product)))
    (source / "alibaba" / am.ALIBABA_LICENSE).write_text("MIT License\n")
    for name in am.AZURE_DEFINITIONS:
        (source / "azure" / name).write_text(json.dumps(_azure(name)))
    return source


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.*"))}


def test_alibaba_keeps_exactly_the_listed_actions(full_copy: Path, tmp_path: Path) -> None:
    am.regenerate(full_copy, tmp_path / "out")

    for product, actions in am.ALIBABA_ACTIONS.items():
        written = json.loads((tmp_path / "out/alibaba/api" / f"{product}.json").read_text())
        assert list(written["apis"]) == sorted(actions)
        assert written["info"] == {"product": product}
    licence = tmp_path / "out/alibaba/api" / am.ALIBABA_LICENSE
    assert licence.read_text() == "MIT License\n"


def test_azure_keeps_served_paths_named_definitions_and_what_they_reference(
    full_copy: Path, tmp_path: Path
) -> None:
    am.regenerate(full_copy, tmp_path / "out")

    nsg = json.loads((tmp_path / "out/azure/api" / NSG).read_text())
    assert sorted(nsg["definitions"]) == ["Access", "RuleList", "SecurityRulePropertiesFormat"]
    assert list(nsg["paths"]) == [SERVED]
    assert "x-ms-examples" not in nsg["paths"][SERVED]["get"]
    # A reference outside the copied files stays as it was: the copy is a part, not a whole.
    refs = nsg["definitions"]["SecurityRulePropertiesFormat"]["properties"]
    assert refs["elsewhere"] == {"$ref": "./loadBalancer.json#/definitions/LoadBalancer"}
    network = json.loads((tmp_path / "out/azure/api/network.json").read_text())
    assert sorted(network["definitions"]) == sorted(am.AZURE_DEFINITIONS["network.json"])


def test_regeneration_is_byte_stable_and_removes_stale_files(
    full_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    am.regenerate(full_copy, out)
    first = _tree(out)
    (out / "azure/api/virtualWan.json").write_text("{}")  # no longer listed

    am.regenerate(full_copy, out)

    assert _tree(out) == first


@pytest.mark.parametrize(
    ("product", "drop", "message"),
    [
        ("ecs", "JoinSecurityGroup", r"alibaba/ecs\.json lacks JoinSecurityGroup"),
        ("cbn", "TagResources", r"alibaba/cbn\.json lacks TagResources"),
    ],
    ids=["ecs-action", "cbn-action"],
)
def test_a_listed_action_missing_from_the_source_is_an_error(
    full_copy: Path, tmp_path: Path, product: str, drop: str, message: str
) -> None:
    out = tmp_path / "out"
    am.regenerate(full_copy, out)
    before = _tree(out)
    path = full_copy / "alibaba" / f"{product}.json"
    document = json.loads(path.read_text())
    del document["apis"][drop]
    path.write_text(json.dumps(document))

    with pytest.raises(am.MetadataError, match=message):
        am.regenerate(full_copy, out)
    assert _tree(out) == before  # nothing half-written
    assert am.main(["regenerate", "--from", str(full_copy), "--to", str(out)]) == 1


def test_a_listed_definition_missing_from_the_source_is_an_error(
    full_copy: Path, tmp_path: Path
) -> None:
    (full_copy / "azure" / "routeTable.json").write_text(json.dumps({"definitions": {}}))

    with pytest.raises(am.MetadataError, match=r"routeTable\.json lacks the definitions Route"):
        am.regenerate(full_copy, tmp_path / "out")


def test_the_command_writes_and_names_every_file(
    full_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert am.main(["regenerate", "--from", str(full_copy), "--to", str(tmp_path)]) == 0

    printed = capsys.readouterr().out.split()
    assert len(printed) == 3 + 1 + len(am.AZURE_DEFINITIONS)  # three products, the licence
    assert all(Path(p).is_file() for p in printed)


# -- the shipped copy ----------------------------------------------------------------------------


@pytest.mark.parametrize("product", sorted(am.ALIBABA_ACTIONS))
def test_the_shipped_alibaba_copy_holds_the_listed_actions(product: str) -> None:
    text = am.shipped("alibaba").joinpath(f"{product}.json").read_text(encoding="utf-8")
    assert text == am.dumps(json.loads(text)), "not in regenerate's form: regenerate it"
    assert list(json.loads(text)["apis"]) == sorted(am.ALIBABA_ACTIONS[product])


def test_every_action_the_alibaba_fake_answers_is_in_the_list() -> None:
    answered = {(product, action) for product, action in handlers()}
    listed = {(p, a) for p, actions in am.ALIBABA_ACTIONS.items() for a in actions}
    assert answered - listed == set(), "add these to ALIBABA_ACTIONS and regenerate"


def test_the_shipped_azure_copy_is_the_listed_files_in_regenerate_form() -> None:
    files = {f.name: f for f in am.shipped("azure").iterdir() if f.name.endswith(".json")}
    assert sorted(files) == sorted(am.AZURE_DEFINITIONS)
    for name, file in files.items():
        text = file.read_text(encoding="utf-8")
        assert text == am.dumps(json.loads(text)), f"{name}: not in regenerate's form"
        assert set(am.AZURE_DEFINITIONS[name]) <= set(json.loads(text)["definitions"])
