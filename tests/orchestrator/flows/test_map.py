"""The segment map: its edges match a generated ground truth; the HTML page draws every
segment and edge in headless Chromium, offline (a screenshot is written in the run)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from orchestrator.flows.analysis import observe
from orchestrator.flows.context import view_of
from orchestrator.flows.graph import build_graph, to_dot
from orchestrator.flows.html_map import render_html
from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.store import FlowStore
from tests.missing_tool import missing_tool
from tests.orchestrator.flows import truth

WORST = ("denied", "uninspected", "inspected", "external")


def _graph(tmp_path: Path, seed: int) -> tuple[dict[str, Any], truth.Truth]:
    made = truth.make(tmp_path / "flows.log", seed=seed)
    view = view_of(truth.policy(), truth.inventory())
    with FlowStore(tmp_path / "flows.duckdb") as store:
        ingest_paths(store, [tmp_path / "flows.log"])
        observed = observe(store, view.attribution, view.judge, top=3)
    return build_graph(observed, [s.name for s in view.policy.segments]), made


@pytest.mark.parametrize("seed", [3, 11])
def test_edges_and_their_verdicts_match_the_truth(tmp_path: Path, seed: int) -> None:
    graph, made = _graph(tmp_path, seed)
    edges = {(e["source"], e["target"]): e for e in graph["edges"]}
    assert set(edges) == made.pairs
    for (source, target), edge in edges.items():
        truths = {k: v for k, v in made.services.items() if k[:2] == (source, target)}
        assert edge["records"] == sum(r for r, _, _ in truths.values())
        assert edge["bytes"] == sum(b for _, b, _ in truths.values())
        assert edge["verdict"] == min((v for _, _, v in truths.values()), key=WORST.index)
        assert {s["port"] for s in edge["services"]} == {k[2] for k in truths}
        assert 1 <= len(edge["top_talkers"]) <= 3
    names = {s["name"] for s in graph["segments"]}
    assert {"web", "app", "db", "onprem"} <= names
    dot = to_dot(graph)
    for source, target in made.pairs:
        assert f'"{source}" -> "{target}"' in dot


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.segments: set[str] = set()
        self.edges: set[tuple[str, str]] = set()
        self.body: dict[str, str | None] = {}
        self.fetches: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        if tag == "g" and "segment" in classes:
            self.segments.add(found["data-segment"] or "")
        if tag == "g" and "edge" in classes:
            self.edges.add((found["data-source"] or "", found["data-target"] or ""))
        if tag == "body":
            self.body = found
        for key in ("src", "href"):
            if tag != "a" and found.get(key):
                self.fetches.append(found[key] or "")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        missing_tool("chromium is not installed (apt-get install chromium); .ci/run installs it")
    return found


def _headless(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [browser, *flags, *args], capture_output=True, text=True, timeout=120, check=True
    )


def test_the_html_map_draws_every_segment_and_edge_in_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    graph, made = _graph(tmp_path, seed=5)
    page = tmp_path / "map.html"
    page.write_text(render_html(graph, "eastwest flows: truth"), encoding="utf-8")

    dom = _headless(browser, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    shot = tmp_path / "map.png"
    _headless(browser, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1000,1400",
              page.as_uri())  # fmt: skip

    parsed = _Dom()
    parsed.feed(dom)
    assert parsed.segments == {s["name"] for s in graph["segments"]}
    assert parsed.edges == made.pairs
    assert parsed.body.get("data-edges") == str(len(made.pairs))  # the script ran
    assert parsed.fetches == []  # nothing is loaded from anywhere: works offline
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000


def test_the_page_embeds_its_data_safely() -> None:
    graph = {"format_version": "1", "segments": [{"name": "a</script>", "external": False,
             "records": 0, "bytes": 0}], "edges": []}  # fmt: skip
    page = render_html(graph, "<b>x</b>")
    assert "<b>x</b>" not in page
    data = re.search(r'id="graph-data">(.*?)</script>', page, re.S)
    assert data is not None
    assert json.loads(data.group(1).replace("<\\/", "</")) == graph
