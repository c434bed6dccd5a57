"""Run the plugin formats' own validators on the released bundles and tabulate the results.

Two validators are known: free-audio's ``clap-validator`` (``validate --json``, parsed
as JSON) and Steinberg's VST3 SDK ``validator`` (``-e``, extensive; its text output is
parsed: ``[name: description]`` per test, ``[Succeeded]`` / ``[XXXXXXX Failed]``, ``ERROR:``
messages, and ``Result: N tests passed, M tests failed``). Each is found through an
environment variable (``CLAP_VALIDATOR``, ``VST3_VALIDATOR``) or on PATH; a missing one is
named with how to get it. They are test tools, never shipped or vendored in the package.
Each runs through ``_proc.run`` in its own process group, killed as a group at the
timeout (a hang is reported like an extraction timeout). The bundles come from the
manifest a release wrote in its output folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wavecraft_build import _proc
from wavecraft_build.cargo import cargo_executable
from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import ReleaseError, ToolMissing
from wavecraft_build.release.context import MANIFEST_NAME
from wavecraft_build.release.manifest import read_manifest

__all__ = [
    "DEFAULT_TIMEOUT",
    "VALIDATORS",
    "Failure",
    "ValidationRun",
    "Validator",
    "bundles_of",
    "default_out_dir",
    "find",
    "format_table",
    "require_passed",
    "run_validators",
]

DEFAULT_TIMEOUT = 600.0
_OUTPUT_TAIL = 300


@dataclass(frozen=True)
class Failure:
    """A test that failed (or warned): its name and the validator's message."""

    test: str
    message: str


@dataclass
class ValidationRun:
    """One validator's verdict on one bundle; ``error`` is set when it did not report."""

    format: str
    validator: str
    program: str | None
    bundle: str
    passed: int = 0
    failed: int = 0
    warnings: int = 0
    skipped: int = 0
    failures: list[Failure] = field(default_factory=list)
    warned: list[Failure] = field(default_factory=list)
    #: Why there are no results: not installed, timed out, crashed, unreadable output.
    error: str | None = None
    seconds: float = 0.0

    @property
    def installed(self) -> bool:
        return self.program is not None

    @property
    def ok(self) -> bool:
        """Ran, reported, and nothing failed (a missing validator is not a failure)."""
        return (self.error is None and self.failed == 0) or not self.installed

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "installed": self.installed, "ok": self.ok}


@dataclass(frozen=True)
class Validator:
    format: str
    name: str
    env: str
    commands: tuple[str, ...]
    how_to_get: str
    argv: Callable[[str, Path], list[str]]
    parse: Callable[[ValidationRun, _proc.Completed], None]


def find(validator: Validator) -> str | None:
    """The validator's program: ``$<env>`` when set, else the first of its names on PATH."""
    configured = os.environ.get(validator.env)
    if configured:
        return configured
    for name in validator.commands:
        found = shutil.which(name)
        if found:
            return found
    return None


# -- clap-validator ----------------------------------------------------------------------


def _clap_name(test: dict[str, Any]) -> str:
    for kind in ("plugin-instance", "plugin-library"):
        inner = test.get(kind)
        if isinstance(inner, dict) and isinstance(inner.get("test"), str):
            return str(inner["test"])
    return "?"


def _parse_clap(run: ValidationRun, done: _proc.Completed) -> None:
    """``validate --json``: ``{"results": [{"test": ..., "status": {"code", "details"}}]}``."""
    start = done.stdout.find("{")
    try:
        data = json.loads(done.stdout[start:]) if start >= 0 else None
    except ValueError:
        data = None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        run.error = f"no JSON results (exit {done.returncode}): {_tail(done)}"
        return
    for item in results:
        status = item.get("status", {}) if isinstance(item, dict) else {}
        code = status.get("code")
        entry = Failure(_clap_name(item.get("test", {})), str(status.get("details") or ""))
        if code == "success":
            run.passed += 1
        elif code == "skipped":
            run.skipped += 1
        elif code == "warning":
            run.warnings += 1
            run.warned.append(entry)
        else:  # failed, crashed, or a status this parser does not know
            run.failed += 1
            prefix = "" if code == "failed" else f"{code}: "
            run.failures.append(Failure(entry.test, (prefix + entry.message).strip() or "?"))


# -- the VST3 SDK validator ----------------------------------------------------------------

_VST3_RESULT = re.compile(r"Result: (\d+) tests passed, (\d+) tests failed")
_VST3_TEST = re.compile(r"^\[([^\]:]+)(?::[^\]]*)?\]$")


def _parse_vst3(run: ValidationRun, done: _proc.Completed) -> None:
    """The text report: per test ``[name: description]``, messages, then ``[Succeeded]`` or
    ``[XXXXXXX Failed]``; at the end ``Result: N tests passed, M tests failed``."""
    text = done.stdout + done.stderr
    current, errors = "?", list[str]()
    for raw in text.splitlines():
        line = raw.strip()
        if line == "[Succeeded]":
            errors = []
        elif line.endswith("Failed]") and line.startswith("[X"):
            message = "; ".join(errors[-3:]) or "failed"
            run.failures.append(Failure(current, message))
            errors = []
        elif (match := _VST3_TEST.match(line)) is not None:
            current, errors = match.group(1).strip(), []
        elif line.startswith("ERROR:"):
            errors.append(line.removeprefix("ERROR:").strip())
        elif "Warning:" in line:  # e.g. "Info:  Warning: No bypass parameter found."
            run.warned.append(Failure(current, line.split("Warning:", 1)[1].strip()))
            run.warnings += 1
    totals = _VST3_RESULT.findall(text)
    if not totals:
        run.error = f"no result line (exit {done.returncode}): {_tail(done)}"
        return
    run.passed, run.failed = int(totals[-1][0]), int(totals[-1][1])
    if run.failed > len(run.failures):  # failures outside a test (module, bundle checks)
        run.failures.append(Failure("(module)", "; ".join(_errors(text)[-3:]) or "see output"))


def _errors(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if re.search(r"\berror\b", ln, re.I)]


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _tail(done: _proc.Completed) -> str:
    text = _ANSI.sub("", done.stderr + done.stdout)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return (lines[-1] if lines else "no output")[:_OUTPUT_TAIL]


CLAP = Validator(
    format="clap",
    name="clap-validator",
    env="CLAP_VALIDATOR",
    commands=("clap-validator",),
    how_to_get="get it from https://github.com/free-audio/clap-validator (release binaries, "
    "or build it with cargo), then put it on PATH or set CLAP_VALIDATOR",
    argv=lambda program, bundle: [program, "validate", "--json", "--hide-output", str(bundle)],
    parse=_parse_clap,
)
VST3 = Validator(
    format="vst3",
    name="vst3 validator",
    env="VST3_VALIDATOR",
    commands=("validator",),
    how_to_get="build the `validator` target of Steinberg's VST 3 SDK "
    "(https://github.com/steinbergmedia/vst3sdk, with cmake), then put it on PATH or set "
    "VST3_VALIDATOR",
    argv=lambda program, bundle: [program, "-e", str(bundle)],
    parse=_parse_vst3,
)
VALIDATORS: tuple[Validator, ...] = (CLAP, VST3)


# -- running -------------------------------------------------------------------------------


def bundles_of(out_dir: Path) -> dict[str, Path]:
    """The bundles a release published in ``out_dir``, by format, from its manifest."""
    data = read_manifest(out_dir)
    bundles = data.get("bundles") if data is not None else None
    if not isinstance(bundles, dict) or not bundles:
        raise ReleaseError(
            "no release to validate here (no readable manifest)",
            path=out_dir / MANIFEST_NAME,
            hint="run `wavecraft-build release` first (or pass --out to its output folder)",
        )
    return {str(fmt): out_dir / str(name) for fmt, name in bundles.items()}


def _run_one(validator: Validator, bundle: Path, timeout: float) -> ValidationRun:
    program = find(validator)
    run = ValidationRun(validator.format, validator.name, program, str(bundle))
    if program is None:
        run.error = f"not installed: {validator.how_to_get}"
        return run
    start = time.monotonic()
    done = _proc.run(validator.argv(program, bundle), cwd=bundle.parent, timeout=timeout)
    run.seconds = round(time.monotonic() - start, 3)
    if done.timed_out:
        run.error = f"timed out after {timeout:g} s; killed with its process group"
    elif done.returncode == 127 and not done.stdout:
        run.error = f"could not start {program}: {_tail(done)}"
    elif done.returncode is not None and done.returncode < 0:
        run.error = f"crashed with {_proc.signal_name(done.returncode)}: {_tail(done)}"
    else:
        validator.parse(run, done)
    if run.error is not None and run.installed:
        run.failures.append(Failure("(validator run)", run.error))
    return run


def run_validators(
    bundles: dict[str, Path],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    validators: Sequence[Validator] = VALIDATORS,
) -> list[ValidationRun]:
    """Every known validator on the bundle of its format, one after the other."""
    return [_run_one(v, bundles[v.format], timeout) for v in validators if v.format in bundles]


def format_table(runs: Sequence[ValidationRun]) -> str:
    """One table: format, validator, counts; then each failing (and warning) test by name."""
    head = ("format", "validator", "passed", "failed", "warnings", "skipped")
    rows = [head] + [
        (r.format.upper(), r.validator, *(("-",) * 4 if r.error and not r.failed else (
            str(r.passed), str(r.failed), str(r.warnings), str(r.skipped))))
        for r in runs
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in
                       enumerate(zip(row, widths, strict=True))).rstrip() for row in rows]
    for r in runs:
        if not r.installed:
            lines.append(f"{r.format.upper()} {r.validator}: {r.error}")
        for kind, items in (("FAILED", r.failures), ("warning", r.warned)):
            lines += [f"{kind} {r.format.upper()} {f.test}: {f.message}" for f in items]
    return "\n".join(lines)


def default_out_dir(project: ProjectConfig) -> Path:
    """``<cargo target dir>/bundled``, the folder a release publishes to by default.

    The target dir is cargo's own answer (``cargo metadata``: honours CARGO_TARGET_DIR,
    ``build.target-dir`` and workspaces), without building anything.
    """
    argv = [cargo_executable(), "metadata", "--no-deps", "--format-version", "1",
            "--manifest-path", str(project.manifest)]
    done = _proc.run(argv, cwd=project.engine, timeout=120)
    try:
        target = json.loads(done.stdout)["target_directory"] if done.ok else None
    except (ValueError, KeyError, TypeError):
        target = None
    if not isinstance(target, str):
        raise ReleaseError(f"`cargo metadata` failed: {_tail(done)}", path=project.manifest,
                           hint="pass --out DIR, the folder the release was published to")
    return Path(target) / "bundled"


def require_passed(runs: Sequence[ValidationRun], out_dir: Path) -> None:
    """Raise when a validator failed a test, hung or crashed (``ReleaseError``), or when no
    validator is installed at all (``ToolMissing``)."""
    if runs and not any(r.installed for r in runs):
        raise ToolMissing(
            "no plugin validator is installed: " + ", ".join(r.validator for r in runs),
            hint="; ".join(f"{r.validator}: {r.error}" for r in runs),
        )
    failing = [f"{r.format.upper()} {f.test}" for r in runs if not r.ok for f in r.failures]
    if failing:
        shown = ", ".join(failing[:6]) + (f" (+{len(failing) - 6} more)" if len(failing) > 6
                                          else "")
        raise ReleaseError(
            f"{len(failing)} validator test(s) failed: {shown}",
            path=out_dir,
            hint="the table above names each test with the validator's message; the bundles "
            "were published but do not pass",
        )
