"""The dev loop's builder: one worker thread that builds the newest requested generation.

``dev.run_dev`` feeds it file-change batches (``request``); it runs the build pipeline
(discovery build -> extraction -> codegen -> state) on its own thread, cancels a build that
newer changes overtook, and says what happened as dev events (``Events``: human lines or one
JSON object per line). A failure keeps the last good state; an unexpected exception (a bug of
ours) is one internal-error event and the thread keeps going. The first build counts as done
when one *ends*, so the UI server and "Watching" always follow it.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from wavecraft_build._proc import Cancelled
from wavecraft_build.cache import ParamCache
from wavecraft_build.config import ProjectConfig
from wavecraft_build.errors import InternalError, WavecraftError
from wavecraft_build.extract import Child
from wavecraft_build.metadata import ExtractionResult
from wavecraft_build.pipeline import BUILD_STEPS, Context, extract_cached, run
from wavecraft_build.release import lock
from wavecraft_build.steps import Step

__all__ = ["Builder", "Events", "ParamDiff", "diff_params"]

_SHUTDOWN_GRACE = 0.8


@dataclass(frozen=True)
class ParamDiff:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self) -> str:
        parts = [f"+{i}" for i in self.added] + [f"-{i}" for i in self.removed]
        parts += [f"~{i}" for i in self.changed]
        return ", ".join(parts) if parts else "no parameter changes"


def diff_params(old: ExtractionResult | None, new: ExtractionResult) -> ParamDiff:
    before = {p.id: p for p in old.parameters} if old else {}
    after = {p.id: p for p in new.parameters}
    return ParamDiff(
        added=tuple(i for i in after if i not in before),
        removed=tuple(i for i in before if i not in after),
        changed=tuple(i for i in after if i in before and before[i] != after[i]),
    )


class Events:
    """Writes dev-loop events as human lines or as JSON lines (``json_mode``)."""

    def __init__(self, json_mode: bool, stream: IO[str] | None = None):
        self.json_mode = json_mode
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def emit(self, event: str, message: str, **fields: Any) -> None:
        if self.json_mode:
            line = json.dumps({"event": event, "time": round(time.time(), 3), **fields})
        else:
            line = message
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()


class _Reporter:
    def __init__(self, events: Events, verbose: bool):
        self.events = events
        self.verbose = verbose

    def step(self, step: Step[Any]) -> None:
        if step is extract_cached:
            self.events.emit("extract_started", step.label)

    def cargo_message(self, msg: dict[str, Any]) -> None:
        pass

    def tool_output(self, data: bytes) -> None:
        if self.verbose and data:
            sys.stderr.write(data.decode("utf-8", "replace"))


@dataclass
class Builder:
    """One worker thread that always builds the newest requested generation."""

    project: ProjectConfig
    events: Events
    verbose: bool
    cache: ParamCache
    on_first_result: Callable[[], None]
    last: ExtractionResult | None = None
    _gen: int = 0
    _done: int = 0
    _stopping: bool = False
    _cancel: threading.Event | None = None
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _thread: threading.Thread | None = None
    _first: bool = True
    #: An extraction child started while cargo compiles (see ``extract.Child``).
    _spare: Child | None = None
    #: Called with the built library and its parameters after every successful reload.
    on_reload: Callable[[Path, ExtractionResult], object] | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="wavecraft-dev-build", daemon=True)
        self._thread.start()

    def request(self) -> None:
        with self._cond:
            self._gen += 1
            if self._cancel is not None:
                self._cancel.set()  # kills cargo's process group within ~50 ms
            self._cond.notify()

    def shutdown(self) -> None:
        with self._cond:
            self._stopping = True
            if self._cancel is not None:
                self._cancel.set()
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(_SHUTDOWN_GRACE)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._gen == self._done and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    if self._spare is not None:
                        self._spare.discard()
                    return
                gen = self._gen
                cancel = self._cancel = threading.Event()
            try:
                self._build(cancel)
            except Exception as exc:
                self._internal_error(exc)
            with self._cond:
                self._done = max(self._done, gen)
                self._cancel = None

    def _internal_error(self, exc: Exception) -> None:
        error = InternalError(f"the dev loop's builder failed: {type(exc).__name__}: {exc}"[:500])
        self.events.emit("internal_error", f"{error.render()}\nWatching for changes...",
                         kind=error.kind, error=error.message, hint=error.hint,
                         exit_code=error.exit_code)
        self._after_first(self._first)

    def _build(self, cancel: threading.Event) -> None:
        first = self._first
        self.events.emit("build_started", "Building..." if first else "Rebuilding...")
        start = time.perf_counter()
        if self._spare is None or self._spare.spent:
            # Started from this thread on purpose: PR_SET_PDEATHSIG follows the thread.
            self._spare = Child()
        ctx = Context(
            project=self.project,
            cache=self.cache,
            reporter=_Reporter(self.events, self.verbose),
            cancel=cancel,
            child=self._spare,
            stale_stubs="note",  # a stale UI stub must not hold back the DSP's hot reload
            bad_presets="note",  # nor a bad preset file
        )
        outcome = self._run_steps(ctx, first)
        if outcome is None:
            return  # cancelled: the newer build reports
        if outcome:
            self._succeeded(ctx, first, time.perf_counter() - start)
        self._after_first(first)

    def _run_steps(self, ctx: Context, first: bool) -> bool | None:
        """Run the build steps: True when they succeeded; a failure (False) or a cancel
        (None) is reported here."""
        try:
            run(ctx, BUILD_STEPS)
            return True
        except Cancelled:
            if self._stopping:
                return None  # Ctrl-C, not newer changes: "stopped" is the last word
            self.events.emit(
                "build_cancelled", "Build cancelled: newer changes arrived", first=first
            )
            return None
        except WavecraftError as exc:
            kept = f"; keeping the last good {len(self.last.parameters)} parameters" if (
                self.last is not None
            ) else ""
            self.events.emit(
                "build_failed",
                f"{exc.render()}\nHot-reload failed{kept}. Watching for changes...",
                kind=exc.kind,
                error=exc.message,
                path=str(exc.path) if exc.path else None,
                hint=exc.hint,
            )
            return False

    def _succeeded(self, ctx: Context, first: bool, elapsed: float) -> None:
        assert ctx.result is not None
        change = diff_params(self.last, ctx.result)
        self.last = ctx.result
        timings = {k: round(v, 4) for k, v in ctx.timings.items()}
        if change and not first:
            self.events.emit(
                "params_changed",
                f"Parameters changed: {change.summary()}",
                added=list(change.added),
                removed=list(change.removed),
                changed=list(change.changed),
            )
        # Codegen's notes (a stale UI stub's "warning:" line above all) are said, not dropped.
        for note in ctx.codegen_report.notes if ctx.codegen_report is not None else []:
            self.events.emit("codegen_note", note, note=note, warning=note.startswith("warning:"))
        if ctx.preset_note is not None:
            self.events.emit("preset_warning", ctx.preset_note, note=ctx.preset_note)
        # Released ids are a promise to hosts: say it on every reload that breaks the lock.
        broken = lock.check(self.project, ctx.result)
        if broken:
            self.events.emit("lock_warning", lock.warning_text(broken), changes=broken)
        n = len(ctx.result.parameters)
        self.events.emit(
            "reload_complete",
            f"Hot-reload complete — {n} parameters ({change.summary()}) in {elapsed:.2f} s"
            f" (cargo {timings.get('cargo_build', 0):.2f} s, extract "
            f"{timings.get('extract_cached', 0):.3f} s{' cached' if ctx.cache_hit else ''})",
            parameters=n,
            ids=list(ctx.result.ids),
            cache_hit=ctx.cache_hit,
            seconds=round(elapsed, 4),
            timings=timings,
            first=first,
        )
        if self.on_reload is not None and ctx.build is not None:
            self.on_reload(ctx.build.artifact, ctx.result)

    def _after_first(self, first: bool) -> None:
        """A build ended (not cancelled): the first one lets the UI server and "Watching"
        go ahead, whatever its outcome."""
        self._first = False
        if first:
            self.on_first_result()
