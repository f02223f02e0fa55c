"""The segment graph as one self-contained HTML page: inline SVG, inline CSS and a few lines
of inline JavaScript for the drill-down, no file or network fetched when it is viewed.

In: the graph document (``orchestrator.flows.graph``). Out: HTML text.
Always: every segment is an SVG ``g.segment[data-segment]`` and every edge a
``g.edge[data-source][data-target][data-verdict]``, drawn by Python (the picture needs no
script); a table lists each edge's services and top talkers for readers without script.
"""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any

from orchestrator.flows.graph import human_size

WIDTH, HEIGHT, RADIUS = 960, 700, 240
COLOURS = {
    "denied": "#d62728",
    "uninspected": "#ff7f0e",
    "inspected": "#2ca02c",
    "external": "#7f7f7f",
}
_STYLE = """
body{font:14px system-ui,sans-serif;margin:16px;color:#222}
.segment circle{fill:#e8f0fe;stroke:#1a73e8;stroke-width:2}
.segment.external circle{fill:#f3f3f3;stroke:#999;stroke-dasharray:4 3}
.segment text{text-anchor:middle;font-weight:600}
.edge path{fill:none;stroke-width:2.5;cursor:pointer}.edge:hover path{stroke-width:5}
.edge text{font-size:11px}
table{border-collapse:collapse;margin-top:12px}td,th{border:1px solid #ccc;padding:3px 8px}
.legend span{display:inline-block;margin-right:14px}
#detail{white-space:pre;font-family:monospace;background:#fafafa;padding:8px;min-height:2em}
"""
_SCRIPT = """
const data = JSON.parse(document.getElementById('graph-data').textContent);
document.body.dataset.edges = String(data.edges.length);
for (const g of document.querySelectorAll('g.edge')) {
  g.addEventListener('click', () => {
    const e = data.edges.find(x => x.source === g.dataset.source && x.target === g.dataset.target);
    const lines = [e.source + ' -> ' + e.target + ': ' + e.verdict + ', ' + e.records + ' records'];
    for (const s of e.services) lines.push('  ' + s.port + '  ' + s.verdict + '  ' + s.records
      + ' rec  ' + s.bytes + ' B  ' + (s.rules.join(', ') || '-'));
    lines.push('top talkers:');
    for (const t of e.top_talkers) lines.push('  ' + t.client + ' -> ' + t.server + '  '
      + t.bytes + ' B');
    document.getElementById('detail').textContent = lines.join('\\n');
  });
}
"""


def render_html(graph: dict[str, Any], title: str) -> str:
    places = _layout([s["name"] for s in graph["segments"]])
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}">']
    svg.append(_markers())
    svg += [_edge(e, places) for e in graph["edges"]]
    svg += [_node(s, places[s["name"]]) for s in graph["segments"]]
    svg.append("</svg>")
    data = json.dumps(graph).replace("</", "<\\/")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{escape(title)}</h1>",
            _legend(),
            *svg,
            '<div id="detail">Click an edge for its ports and top talkers.</div>',
            _table(graph),
            f'<script type="application/json" id="graph-data">{data}</script>',
            f"<script>{_SCRIPT}</script>",
            "</body></html>",
        ]
    )


def _layout(names: list[str]) -> dict[str, tuple[float, float]]:
    count = max(len(names), 1)
    return {
        name: (
            WIDTH / 2 + RADIUS * math.cos(2 * math.pi * i / count - math.pi / 2),
            # Lower than the middle: a loop (traffic inside a segment) rises above its node.
            HEIGHT / 2 + 40 + RADIUS * math.sin(2 * math.pi * i / count - math.pi / 2),
        )
        for i, name in enumerate(names)
    }


def _markers() -> str:
    return (
        "<defs>"
        + "".join(
            f'<marker id="arrow-{v}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>'
            for v, c in COLOURS.items()
        )
        + "</defs>"
    )


def _node(segment: dict[str, Any], at: tuple[float, float]) -> str:
    name = escape(segment["name"])
    kind = "segment external" if segment["external"] else "segment"
    return (
        f'<g class="{kind}" data-segment="{name}"><circle cx="{at[0]:.1f}" cy="{at[1]:.1f}" '
        f'r="34"/><text x="{at[0]:.1f}" y="{at[1] + 5:.1f}">{name}</text></g>'
    )


def _edge(edge: dict[str, Any], places: dict[str, tuple[float, float]]) -> str:
    (x1, y1), (x2, y2) = places[edge["source"]], places[edge["target"]]
    colour = COLOURS[edge["verdict"]]
    if edge["source"] == edge["target"]:  # traffic inside a segment: a loop above its node
        top, rise = y1 - 30, y1 - 110
        d = f"M{x1 - 20:.1f},{top:.1f} C{x1 - 60:.1f},{rise:.1f} {x1 + 60:.1f},{rise:.1f} "
        d += f"{x1 + 20:.1f},{top:.1f}"
        lx, ly = x1, y1 - 95
    else:
        d, lx, ly = _curve(x1, y1, x2, y2)
    ports = ", ".join(s["port"] for s in edge["services"][:3])
    label = escape(f"{ports} · {human_size(edge['bytes'])}")
    return (
        f'<g class="edge" data-source="{escape(edge["source"])}" '
        f'data-target="{escape(edge["target"])}" data-verdict="{edge["verdict"]}">'
        f"<title>{escape(edge['source'])} → {escape(edge['target'])}: {edge['verdict']}</title>"
        f'<path d="{d}" stroke="{colour}" marker-end="url(#arrow-{edge["verdict"]})"/>'
        f'<text x="{lx:.1f}" y="{ly:.1f}" fill="{colour}">{label}</text></g>'
    )


def _curve(x1: float, y1: float, x2: float, y2: float) -> tuple[str, float, float]:
    """A bend to the right of the direction of travel, so a → b and b → a do not overlap;
    ends pulled back to the circles' rims."""
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    sx, sy, ex, ey = x1 + ux * 36, y1 + uy * 36, x2 - ux * 38, y2 - uy * 38
    cx, cy = (x1 + x2) / 2 - uy * 40, (y1 + y2) / 2 + ux * 40
    return f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}", cx, cy


def _legend() -> str:
    items = "".join(f'<span style="color:{c}">━ {v}</span>' for v, c in COLOURS.items())
    return f'<p class="legend">{items}</p>'


def _table(graph: dict[str, Any]) -> str:
    rows = ["<table><tr><th>from</th><th>to</th><th>verdict</th><th>ports</th>"
            "<th>records</th><th>bytes</th><th>top talkers</th></tr>"]  # fmt: skip
    for e in graph["edges"]:
        ports = ", ".join(f"{s['port']} ({s['verdict']})" for s in e["services"])
        talkers = "; ".join(f"{t['client']} → {t['server']}" for t in e["top_talkers"])
        rows.append(
            f'<tr class="edge-row"><td>{escape(e["source"])}</td><td>{escape(e["target"])}</td>'
            f"<td>{e['verdict']}</td><td>{escape(ports)}</td><td>{e['records']}</td>"
            f"<td>{e['bytes']}</td><td>{escape(talkers)}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)
