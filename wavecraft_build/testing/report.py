"""``wavecraft-build report``: one self-contained HTML page about a plugin's DSP.

For each processor: its frequency response (log-sweep deconvolution) at the defaults and
with its parameters at their extremes and enum variants, as one plot; THD at 1 kHz and the
latency at the defaults; then the last ``nox -s test`` run (JUnit results and the PNGs of
failing golden comparisons). Images are inline (base64) and the figures are also embedded
as JSON (``<script id="report-data">``), so the page is one file that can be mailed or
archived, and tests can read exactly what was plotted.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wavecraft_build._fs import write_atomic
from wavecraft_build.metadata import ParameterInfo
from wavecraft_build.project_tests import read_junit
from wavecraft_build.testing.measure import frequency_response, latency, thd
from wavecraft_build.testing.render import Plugin

__all__ = ["ReportInputs", "settings_of", "write_report"]

_MAX_SETTINGS = 6


@dataclass(frozen=True)
class ReportInputs:
    """What the page is about: the plugin, its name, and the last test run's files."""

    plugin: Plugin
    title: str
    junit: Path | None = None
    results_dir: Path | None = None


def _groups(plugin: Plugin) -> dict[str, list[ParameterInfo]]:
    """Parameters by processor id (ids are ``<processor>_<param>``)."""
    groups: dict[str, list[ParameterInfo]] = {p: [] for p in plugin.processors}
    for param in plugin.parameters:
        owner = next((p for p in sorted(groups, key=len, reverse=True)
                      if param.id.startswith(p + "_")), "plugin")
        groups.setdefault(owner, []).append(param)
    return groups or {"plugin": []}


def settings_of(params: list[ParameterInfo]) -> list[tuple[str, dict[str, float]]]:
    """Default, then each parameter at its extremes (floats) or each variant (enums)."""
    settings: list[tuple[str, dict[str, float]]] = [("default", {})]
    for p in params:
        if p.type == "float":
            settings += [(f"{p.id} = {v:g}", {p.id: v}) for v in (p.min, p.max)
                         if v != p.default]
        elif p.type == "enum" and p.variants:
            settings += [(f"{p.id} = {name}", {p.id: float(i)})
                         for i, name in enumerate(p.variants) if i != p.default]
        elif p.type == "bool":
            settings.append((f"{p.id} = {not p.default}", {p.id: 1.0 - p.default}))
    return settings[:_MAX_SETTINGS]


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _processor_section(plugin: Plugin, pid: str, params: list[ParameterInfo],
                       data: dict[str, Any]) -> str:
    from wavecraft_build.testing.plots import response_png

    curves, freqs = {}, None
    for label, values in settings_of(params):
        response = frequency_response(plugin, values)
        freqs = response.freqs
        curves[label] = response.db
    assert freqs is not None
    data["processors"][pid] = {
        "freqs": [round(float(f), 3) for f in freqs],
        "responses": {k: [round(float(v), 4) for v in db] for k, db in curves.items()},
    }
    return (f"<h2>{html.escape(pid)}</h2>\n"
            + _img(response_png(f"{pid}: frequency response", freqs, curves),
                   f"{pid} frequency response"))


def _tests_section(inputs: ReportInputs, data: dict[str, Any]) -> str:
    files = read_junit(inputs.junit) if inputs.junit else ()
    if not files:
        return "<h2>Tests</h2>\n<p>No test run yet: run <code>nox -s test</code>.</p>"
    rows = "".join(f"<tr><td>{html.escape(s.name)}</td><td>{s.passed}</td><td>{s.failed}"
                   f"</td><td>{s.skipped}</td></tr>" for s in files)
    data["tests"] = {s.name: {"passed": s.passed, "failed": s.failed, "skipped": s.skipped}
                     for s in files}
    out = ("<h2>Tests</h2>\n<table><tr><th>file</th><th>passed</th><th>failed</th>"
           f"<th>skipped</th></tr>{rows}</table>")
    if inputs.results_dir and inputs.results_dir.is_dir():
        for png in sorted(inputs.results_dir.rglob("*.png")):
            out += f"\n<h3>{html.escape(png.parent.name)}</h3>\n" + _img(png.read_bytes(),
                                                                          png.stem)
    return out


def _json(data: dict[str, Any]) -> str:
    return html.escape(json.dumps(data), quote=False)


def write_report(inputs: ReportInputs, out: Path) -> dict[str, Any]:
    """Write the page to ``out`` (atomically) and return the figures it shows."""
    plugin = inputs.plugin
    distortion, delay = thd(plugin), latency(plugin)
    data: dict[str, Any] = {"title": inputs.title, "thd_percent_1khz": distortion,
                            "latency_samples": delay, "processors": {}}
    sections = [_processor_section(plugin, pid, params, data)
                for pid, params in _groups(plugin).items()]
    summary = (f"<table><tr><th>THD at 1 kHz, -6 dBFS</th><td>{distortion:.4f} %</td></tr>"
               f"<tr><th>latency</th><td>{delay if delay is not None else 'silent'} samples"
               "</td></tr></table>")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(inputs.title)}: DSP report</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}img{{max-width:100%}}
td,th{{padding:.2rem .8rem;text-align:left}}</style></head><body>
<h1>{html.escape(inputs.title)}: DSP report</h1>
{summary}
{"".join(sections)}
{_tests_section(inputs, data)}
<script type="application/json" id="report-data">{_json(data)}</script>
</body></html>
"""
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, page)
    return data
