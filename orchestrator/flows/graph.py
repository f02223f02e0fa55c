"""The segment graph of observed traffic: the document ``eastwest flows map`` prints.

In: ``Observed`` and the policy's segment names. Out: a JSON-ready dict (``format_version``
1): every segment (the policy's, and the external groups seen), and one edge per segment pair
with traffic: its services (protocol/port, counts, verdict, the rules that allow it), its
counts per verdict, and its top talkers.
Always: an edge's ``verdict`` is the worst of its services (``denied`` over ``uninspected``
over ``inspected``; ``external`` when every service is), so a pair with one blocked port shows
as blocked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orchestrator.flows.analysis import Observed, Service, Talker
from orchestrator.flows.attribution import EXTERNAL_PREFIX

FORMAT_VERSION = "1"
_WORST = ("denied", "uninspected", "inspected", "external")


def build_graph(observed: Observed, segments: Iterable[str]) -> dict[str, Any]:
    names = sorted(set(segments) | set(observed.segments()))
    pairs = observed.pairs()
    talkers: dict[tuple[str, str], list[Talker]] = {}
    for talker in observed.talkers:
        talkers.setdefault((talker.source, talker.target), []).append(talker)
    edges = [_edge(pair, services, talkers.get(pair, [])) for pair, services in pairs.items()]
    return {
        "format_version": FORMAT_VERSION,
        "segments": [_segment(name, observed) for name in names],
        "edges": sorted(edges, key=lambda e: (e["source"], e["target"])),
    }


def _segment(name: str, observed: Observed) -> dict[str, Any]:
    touching = [s for s in observed.services if name in (s.source, s.target)]
    return {
        "name": name,
        "external": name.startswith(EXTERNAL_PREFIX),
        "records": sum(s.records for s in touching),
        "bytes": sum(s.bytes for s in touching),
    }


def _edge(pair: tuple[str, str], services: list[Service], talkers: list[Talker]) -> dict[str, Any]:
    by_verdict = {v: sum(s.records for s in services if s.verdict == v) for v in _WORST}
    present = [v for v in _WORST if any(s.verdict == v for s in services)]
    return {
        "source": pair[0],
        "target": pair[1],
        "verdict": present[0],
        "records": sum(s.records for s in services),
        "packets": sum(s.packets for s in services),
        "bytes": sum(s.bytes for s in services),
        "records_by_verdict": by_verdict,
        "services": [_service(s) for s in sorted(services, key=lambda s: -s.bytes)],
        "top_talkers": [
            {"client": t.client, "server": t.server, "records": t.records, "bytes": t.bytes}
            for t in talkers
        ],
    }


def _service(service: Service) -> dict[str, Any]:
    return {
        "port": service.label,
        "records": service.records,
        "packets": service.packets,
        "bytes": service.bytes,
        "rejected_by_cloud": service.rejected,
        "verdict": service.verdict,
        "rules": list(service.rules),
        "first_seen": service.first_seen,
        "last_seen": service.last_seen,
    }


def to_dot(graph: dict[str, Any]) -> str:
    colours = {"denied": "red", "uninspected": "orange", "inspected": "darkgreen"}
    lines = ["digraph flows {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    for segment in graph["segments"]:
        style = ", style=dashed" if segment["external"] else ""
        lines.append(f'  "{segment["name"]}" [label="{segment["name"]}"{style}];')
    for edge in graph["edges"]:
        ports = ", ".join(s["port"] for s in edge["services"][:4])
        more = " …" if len(edge["services"]) > 4 else ""
        colour = colours.get(edge["verdict"], "gray")
        label = f"{ports}{more}\\n{edge['records']} rec, {human_size(edge['bytes'])}"
        lines.append(
            f'  "{edge["source"]}" -> "{edge["target"]}" '
            f'[label="{label}", color={colour}, tooltip="{edge["verdict"]}"];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def human_size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
