"""The one step runner behind ``build``, ``dev`` and ``release``: a run is a list of steps.

A ``Step`` is a small function over the run's context plus a label (what the user sees)
and a name (its key in the context's timings). The step object is its own identity: the
runner hands it to the reporter before it runs, so a listener picks a step out with
``step is pipeline.extract_cached``, never by comparing label strings. ``run`` executes
the steps in order, announces and times each one, and stops between steps when the
context's cancel event is set (``Cancelled``), so a superseded run never goes on to write
anything from stale sources. Nothing here knows cargo, extraction or bundles, and
nothing here prints: progress goes through the ``Reporter`` the caller put in the context.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar

from wavecraft_build._proc import Cancelled

__all__ = ["Reporter", "RunContext", "SilentReporter", "Step", "run", "step"]

Ctx = TypeVar("Ctx", contravariant=True)


class Step(Generic[Ctx]):
    """One stage of a run: ``label`` for the user, ``name`` for timings, ``fn`` does it.

    Contravariant in its context: a step over ``pipeline.Context`` also runs in a release,
    whose context extends it.
    """

    __slots__ = ("fn", "label", "name")

    def __init__(self, label: str, fn: Callable[[Ctx], None], *, name: str | None = None):
        self.label = label
        self.fn = fn
        self.name = name or fn.__name__

    def __call__(self, ctx: Ctx) -> None:
        self.fn(ctx)

    def __repr__(self) -> str:
        return f"Step({self.name!r}, label={self.label!r})"


def step(label: str) -> Callable[[Callable[[Ctx], None]], Step[Ctx]]:
    """Decorator: ``@step("codegen")`` over ``def codegen(ctx)`` makes it a ``Step``."""

    def wrap(fn: Callable[[Ctx], None]) -> Step[Ctx]:
        return Step(label, fn)

    return wrap


class Reporter(Protocol):
    def step(self, step: Step[Any]) -> None:
        """``step`` is about to run (its ``label`` is what to show)."""

    def cargo_message(self, msg: dict[str, Any]) -> None: ...

    def tool_output(self, data: bytes) -> None:
        """A finished tool's own output (cargo, npm, maturin): shown with --verbose."""


class SilentReporter:
    """Reports nothing (library use, tests)."""

    def step(self, step: Step[Any]) -> None:
        pass

    def cargo_message(self, msg: dict[str, Any]) -> None:
        pass

    def tool_output(self, data: bytes) -> None:
        pass


class RunContext(Protocol):
    """What the runner needs of a context: where to report, when to stop, where to time."""

    @property
    def reporter(self) -> Reporter: ...

    @property
    def cancel(self) -> threading.Event | None: ...

    @property
    def timings(self) -> dict[str, float]: ...


C = TypeVar("C", bound=RunContext)


def run(ctx: C, steps: Iterable[Step[C]]) -> C:
    """Run ``steps`` in order over ``ctx``: announce, time, stop at the first error.

    A set ``ctx.cancel`` stops the run between steps (``Cancelled``, named after the step
    that would have run next); the steps themselves stop their child processes.
    """
    for current in steps:
        if ctx.cancel is not None and ctx.cancel.is_set():
            raise Cancelled(current.name)
        if current.label:
            ctx.reporter.step(current)
        start = time.perf_counter()
        current(ctx)
        ctx.timings[current.name] = time.perf_counter() - start
    return ctx
