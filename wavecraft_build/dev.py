"""The hot-reload loop behind ``nox -s dev`` / ``wavecraft-build dev``.

Watch the engine's sources (watchfiles), and for every batch of changes run the build
pipeline: discovery build -> extraction (cached) -> codegen -> state. Builds run on one
worker thread; a change that arrives while cargo is still compiling cancels that build
(cargo's whole process group is killed) and the next build starts from the newest files.
A failed build or extraction says why in a line or two, leaves the last good parameters
and generated files in place, and the loop keeps watching; an unexpected exception in the
builder (a bug of ours) is reported as an internal error and the loop keeps watching too.
The first build counts as done when one *ends* (succeeds or fails), not when one starts:
a first build cancelled by an edit leaves the next one first, so the UI dev server and
"Watching" always follow. Ctrl-C, at any stage, stops everything (cargo, the extraction
child, npm or the UI dev server, the engine), says "Stopped." last and returns 130; a
second Ctrl-C meanwhile is ignored.

Output is either human lines (the message strings are stable: scripts look for
"Rebuilding...", "Loading parameters via subprocess" and "Hot-reload complete") or, with
``--json`` / ``WAVECRAFT_DEV_JSON=1``, one JSON object per line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wavecraft_build import presets
from wavecraft_build._dev_builder import Builder, Events, ParamDiff, diff_params
from wavecraft_build.cache import ParamCache, default_cache_dir
from wavecraft_build.config import ProjectConfig
from wavecraft_build.engine.supervisor import EngineOptions
from wavecraft_build.errors import Interrupted, PresetError, WavecraftError
from wavecraft_build.metadata import ExtractionResult
from wavecraft_build.pipeline import load_state
from wavecraft_build.presets import PRESETS_DIR

TYPE_CHECKING = False  # typing.TYPE_CHECKING, written one way everywhere (see errors.py)
if TYPE_CHECKING:
    from wavecraft_build._dev_ui import UiServer
    from wavecraft_build.dev_tests import ReloadTests
    from wavecraft_build.engine.supervisor import EngineSupervisor

__all__ = ["DevOptions", "Events", "ParamDiff", "diff_params", "preset_filter", "run_dev",
           "source_filter"]

WATCHED_NAMES = frozenset({"Cargo.toml", "Cargo.lock", "build.rs"})
WATCHED_SUFFIXES = (".rs",)


@dataclass(frozen=True)
class DevOptions:
    ui: bool = True
    json: bool = False
    verbose: bool = False
    #: watchfiles groups changes until ``step_ms`` pass without one (at most ``debounce_ms``).
    step_ms: int = 30
    debounce_ms: int = 1600
    #: The dev engine (DSP + WebSocket server); None: --no-engine.
    engine: EngineOptions | None = field(default_factory=EngineOptions)
    #: Run the project's tests/ after every successful reload (``dev_tests``), as events.
    test: bool = False


def source_filter(engine: Path) -> Callable[[object, str], bool]:
    """Accept Rust sources and cargo manifests below ``engine``; never target/ or dotfiles
    (editor swap and temp files such as ``.lib.rs.swp`` or ``.#lib.rs``)."""

    def accept(_change: object, path: str) -> bool:
        try:
            rel = Path(path).relative_to(engine)
        except ValueError:
            return False
        if rel.parts[:1] == ("target",) or any(part.startswith(".") for part in rel.parts):
            return False
        return rel.name in WATCHED_NAMES or rel.suffix in WATCHED_SUFFIXES

    return accept


def preset_filter(root: Path) -> Callable[[object, str], bool]:
    """Accept ``presets/*.json`` of the project at ``root`` (not dotfiles: editor temps)."""
    folder = root / PRESETS_DIR

    def accept(_change: object, path: str) -> bool:
        p = Path(path)
        return p.parent == folder and p.suffix == ".json" and not p.name.startswith(".")

    return accept


def _engine(project: ProjectConfig, options: DevOptions,
            events: Events) -> EngineSupervisor | None:
    """The supervisor, not started yet: ``run_dev`` holds it before ``start`` so that a
    Ctrl-C while the engine starts still stops it."""
    if options.engine is None:
        return None
    from wavecraft_build.engine.supervisor import EngineSupervisor

    engine_options = dataclasses.replace(options.engine, project=project.root)
    return EngineSupervisor(engine_options, events.emit)


def _presets_edited(project: ProjectConfig, builder: Builder, events: Events,
                    engine: EngineSupervisor | None) -> None:
    """A preset file changed by hand: check it against the last good parameters (a note,
    never a rebuild) and let the page list the presets again."""
    if builder.last is not None:
        try:
            presets.load_checked(project.root, builder.last)
        except PresetError as exc:
            note = f"warning: {exc.render()}"
            events.emit("preset_warning", note, note=note,
                        path=str(exc.path) if exc.path else None)
    if engine is not None:
        engine.presets_changed()


def _start_ui(
    project: ProjectConfig, options: DevOptions, events: Events, first_build: threading.Event,
    engine: EngineSupervisor | None,
) -> UiServer | None:
    if not options.ui or project.ui is None or not (project.ui / "package.json").is_file():
        return None
    from wavecraft_build._dev_ui import UiServer

    def emit(event: str, message: str, **fields: Any) -> None:
        if event == "ui_url" and engine is not None:
            engine.allow_origin(str(fields["url"]))  # the engine lets this page in
        events.emit(event, message, **fields)

    url = options.engine.url if options.engine is not None else None
    ui = UiServer(project.ui, emit, url, bindings_ready=first_build)
    ui.start()
    return ui


def run_dev(project: ProjectConfig, options: DevOptions, *, events: Events | None = None) -> int:
    """Run the hot-reload loop until Ctrl-C (returns 130)."""
    import watchfiles

    events = events or Events(options.json or os.environ.get("WAVECRAFT_DEV_JSON") == "1")
    ready = threading.Event()
    builder = Builder(
        project=project,
        events=events,
        verbose=options.verbose,
        cache=ParamCache(default_cache_dir()),
        on_first_result=ready.set,
        last=_last_good(project),
    )
    engine: EngineSupervisor | None = None
    ui: UiServer | None = None
    tests: ReloadTests | None = None
    stop = threading.Event()
    interrupted = False
    try:
        engine = _engine(project, options, events)
        if engine is not None:
            engine.start()
        if options.test:
            from wavecraft_build.dev_tests import ReloadTests

            tests = ReloadTests(project, events.emit,
                                on_results=engine.test_results if engine else None)
            tests.start()
        hooks = [h for h in (engine and engine.swap, tests and tests.reload) if h]
        if hooks:  # the swap first; the tests only queue a run (never block the swap)
            builder.on_reload = lambda lib, result: [hook(lib, result) for hook in hooks]
        builder.start()
        builder.request()
        ui = _start_ui(project, options, events, ready, engine)

        def announce() -> None:
            ready.wait()
            if not stop.is_set():
                events.emit("watching", f"Watching {project.engine} for changes (Ctrl-C to stop)")

        threading.Thread(target=announce, daemon=True).start()
        sources, edited = source_filter(project.engine), preset_filter(project.root)
        (project.root / PRESETS_DIR).mkdir(exist_ok=True)  # watched from the start
        for changes in watchfiles.watch(
            project.engine,
            project.root / PRESETS_DIR,
            watch_filter=lambda change, path: sources(change, path) or edited(change, path),
            step=options.step_ms,
            debounce=options.debounce_ms,
            stop_event=stop,
            raise_interrupt=True,
        ):
            # A preset edit refreshes the page's menu; only a source edit rebuilds the DSP.
            if any(edited(change, path) for change, path in changes):
                _presets_edited(project, builder, events, engine)
            if any(sources(change, path) for change, path in changes):
                builder.request()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        # One stop path for every stage: whatever is running (cargo, the extraction child,
        # npm, Vite, the engine, a restart under way) is stopped before "stopped" is said,
        # and a second Ctrl-C cannot cut that short (each stop is bounded), nor, once dev was
        # interrupted, turn the exit status 130 into a death by SIGINT on the way out.
        with _ctrl_c_ignored(restore=lambda: not interrupted):
            stop.set()
            if ui is not None:
                ui.stop()
            if engine is not None:
                engine.stop()
            builder.shutdown()
            if tests is not None:
                tests.stop()
    if interrupted:
        events.emit("stopped", "Stopped.", exit_code=Interrupted.exit_code)
        return Interrupted.exit_code
    return 0


@contextlib.contextmanager
def _ctrl_c_ignored(restore: Callable[[], bool]) -> Iterator[None]:
    """SIGINT ignored inside the block, and after it unless ``restore()`` says so (only the
    main thread can change that; elsewhere, as when tests drive ``run_dev`` on a thread,
    nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        if restore():
            signal.signal(signal.SIGINT, previous)


def _last_good(project: ProjectConfig) -> ExtractionResult | None:
    try:
        return load_state(project)
    except WavecraftError:
        return None
