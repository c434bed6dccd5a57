"""Test a plugin's DSP from its own pytest suite: golden audio, block sizes, parameter sweeps.

    from wavecraft_build.testing import assert_matches_golden, signals

    def test_sweep_at_default(plugin):
        out = plugin.render(signals.log_sweep(), {"input_gain_level": -6.0}, block_size=64)
        assert_matches_golden("log-sweep-minus-6db", out)

The modules, one job each:

* ``signals``       - impulse, sine, log sweep, pink noise, silence, a WAV file (``Signal``),
                      from ``wavecraft_build.sound`` (the dev engine's input uses them too);
* ``render``        - ``Plugin``: render a signal through a fresh DSP instance in blocks;
* ``compare``       - how two renders differ (dB, max error, time range, band);
* ``golden``        - ``assert_matches_golden`` and the golden/result folders;
* ``checks``        - block-size independence and the parameter sweep;
* ``plots``         - the PNGs (matplotlib, Agg), imported only when drawing;
* ``read_wav`` / ``write_wav`` - float32 WAV files (``wavecraft_build.sound.wav``);
* ``pytest_plugin`` - ``--update-golden`` and the ``plugin`` / ``golden`` fixtures;
* ``state``         - state round trips on the released VST3 bundle (pedalboard).

This runs plugin code in the calling process (``wavecraft_build.runtime``), on purpose:
it is the plugin author's test suite, never the build tool.
"""

from __future__ import annotations

from wavecraft_build.runtime import NoteEvent, note_off, note_on
from wavecraft_build.sound import signals
from wavecraft_build.sound.signals import Signal
from wavecraft_build.sound.wav import read_wav, write_wav
from wavecraft_build.testing.checks import check_block_sizes, check_parameter_sweep
from wavecraft_build.testing.compare import Comparison, Tolerance, compare
from wavecraft_build.testing.golden import GoldenStore, assert_matches_golden
from wavecraft_build.testing.render import IRREGULAR, Plugin

__all__ = [
    "IRREGULAR",
    "Comparison",
    "GoldenStore",
    "NoteEvent",
    "Plugin",
    "Signal",
    "Tolerance",
    "assert_matches_golden",
    "check_block_sizes",
    "check_parameter_sweep",
    "compare",
    "note_off",
    "note_on",
    "read_wav",
    "signals",
    "write_wav",
]
