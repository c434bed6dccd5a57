"""State round trips on the released bundles: a host saves the plugin's state and loads it
into a new instance; nothing may change.

VST3 goes through a real host, pedalboard (JUCE): ``vst3_round_trip(bundle)`` sets every
parameter to a value away from its default, saves ``raw_state``, loads it into a fresh
instance, and compares the parameter values and a render (bit for bit).
``vst3_rejects_corrupt_state`` loads truncated and garbled blobs into fresh instances:
no crash, and the defaults stay. ``transform`` edits the blob between save and load, which
is how the tool's own tests make a plugin lose one parameter in its state.

CLAP goes through clap-validator's own state tests (``clap_state_tests``): they randomise
every parameter through the CLAP API, save, reload into a new instance and compare, check
that saving twice gives the same bytes, and feed empty and random blobs to ``load()``.
pedalboard hosts no CLAP, and those tests already are the reference nih-plug users fail
(nih-plug#279), so this runs them instead of a second, weaker CLAP host.

The JUCE state envelope (``VC2!`` + XML holding the component state in JUCE's own base64)
is decoded by ``component_state`` so that a blob can be edited on purpose.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from wavecraft_build.sound.signals import Signal, pink_noise

__all__ = [
    "RoundTrip",
    "clap_state_tests",
    "component_state",
    "vst3_rejects_corrupt_state",
    "vst3_round_trip",
    "with_component_state",
]

_JUCE64 = ".ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"
_COMPONENT = re.compile(rb"<IComponent>([^<]*)</IComponent>")


def _juce_decode(text: str) -> bytes:
    size, _, chars = text.partition(".")
    number = 0
    for i, c in enumerate(chars):
        number |= _JUCE64.index(c) << (6 * i)
    return number.to_bytes(int(size) + 8, "little")[: int(size)]


def _juce_encode(data: bytes) -> str:
    number = int.from_bytes(data, "little")
    chars = (len(data) * 8 + 5) // 6
    return f"{len(data)}." + "".join(_JUCE64[(number >> (6 * i)) & 63] for i in range(chars))


def component_state(raw: bytes) -> bytes:
    """The plugin's own state bytes inside pedalboard's VST3 ``raw_state``."""
    found = _COMPONENT.search(raw)
    if found is None:
        raise ValueError("no <IComponent> state in this VST3 state blob")
    return _juce_decode(found.group(1).decode("ascii"))


def with_component_state(raw: bytes, component: bytes) -> bytes:
    """``raw`` with its component state replaced by ``component`` (header size fixed)."""
    body = _COMPONENT.sub(b"<IComponent>" + _juce_encode(component).encode() + b"</IComponent>",
                          raw[8:], count=1)
    return raw[:4] + len(body).to_bytes(4, "little") + body


@dataclass
class RoundTrip:
    """What a round trip saw: the values set, the values after loading, the mismatches."""

    saved: dict[str, float]
    loaded: dict[str, float]
    changed: list[str] = field(default_factory=list)
    audio_identical: bool = True

    def describe(self) -> str:
        parts = [f"{name}: saved {self.saved[name]:.6g}, loaded {self.loaded.get(name)}"
                 for name in self.changed]
        if not self.audio_identical:
            parts.append("the reloaded instance renders different audio")
        return "state round trip lost: " + "; ".join(parts) if parts else "state round trip ok"


def _load(bundle: Path) -> Any:
    """A new pedalboard instance of ``bundle`` (pedalboard: ``pip install pedalboard``)."""
    try:
        pedalboard: Any = importlib.import_module("pedalboard")
    except ImportError as exc:
        raise ImportError("the VST3 state round trip needs pedalboard: pip install "
                          "pedalboard") from exc
    return pedalboard.load_plugin(str(bundle))


def _raw(plugin: Any) -> dict[str, float]:
    return {k: float(p.raw_value) for k, p in plugin.parameters.items()}


def _away_from_default(param: Any) -> Any:
    """A valid value of ``param`` that is not its current (default) one."""
    values = list(param.valid_values)
    current = getattr(param, "string_value", None)
    options = [v for v in values if str(v) != current and v != param.raw_value]
    if not options:
        return values[0]
    return options[len(options) // 3]  # inside the range, not at an edge


def _render(plugin: Any, signal: Signal) -> np.ndarray[Any, Any]:
    out = plugin.process(signal.audio, float(signal.sample_rate), reset=True)
    return np.asarray(out, dtype=np.float32)


def vst3_round_trip(bundle: Path, *, signal: Signal | None = None,
                    transform: Callable[[bytes], bytes] | None = None) -> RoundTrip:
    """Save and reload the state of the VST3 ``bundle`` (see the module docstring)."""
    signal = signal or pink_noise(0.2)
    first = _load(bundle)
    for name, param in first.parameters.items():
        setattr(first, name, _away_from_default(param))
    # VST3 hands parameter changes to the processor inside process(): render first, as a
    # host plays before it saves, so the saved state holds the new values.
    _render(first, signal)
    saved, blob = _raw(first), bytes(first.raw_state)
    audio = _render(first, signal)
    second = _load(bundle)
    second.raw_state = transform(blob) if transform else blob
    loaded = _raw(second)
    changed = [n for n, v in saved.items() if loaded.get(n) != v]
    return RoundTrip(saved, loaded, changed,
                     audio_identical=_render(second, signal).tobytes() == audio.tobytes())


def vst3_rejects_corrupt_state(bundle: Path) -> dict[str, list[str]]:
    """Load broken blobs into fresh instances; per blob, the parameters that left their
    defaults (empty lists: every blob was refused and the defaults stayed)."""
    donor = _load(bundle)
    defaults = _raw(donor)
    for name, param in donor.parameters.items():
        setattr(donor, name, _away_from_default(param))
    _render(donor, pink_noise(0.05))  # the processor takes the changes in process()
    blob = bytes(donor.raw_state)
    inner = component_state(blob)
    broken = {
        "truncated blob": blob[: len(blob) // 2],
        "truncated plugin state": with_component_state(blob, inner[: len(inner) // 2]),
        "garbage plugin state": with_component_state(blob, bytes(range(256)) * 4),
        "empty plugin state": with_component_state(blob, b""),
    }
    moved: dict[str, list[str]] = {}
    for label, data in broken.items():
        fresh = _load(bundle)
        with contextlib.suppress(RuntimeError, ValueError):  # refused loudly is fine too
            fresh.raw_state = data
        moved[label] = [n for n, v in _raw(fresh).items() if v != defaults[n]]
    return moved


def clap_state_tests(bundle: Path, *, timeout: float = 300.0) -> Any:
    """clap-validator's ``state-*`` tests on the CLAP ``bundle`` (a ``ValidationRun``)."""
    from wavecraft_build.release import validate

    base = validate.CLAP
    only_state = dataclasses.replace(
        base, argv=lambda program, b: [*base.argv(program, b)[:-1], "--include", "^state-",
                                       str(b)])
    return validate.run_validators({"clap": bundle}, timeout=timeout,
                                   validators=(only_state,))[0]
