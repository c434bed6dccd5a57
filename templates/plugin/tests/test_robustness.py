"""Checks every plugin should pass, whatever it sounds like.

- Block sizes: hosts call the DSP with 1, 32, 128, 1024 or changing block sizes; the output
  must not depend on it. If a processor depends on the block size on purpose, add its id
  to BLOCK_SIZE_DEPENDENT.
- Parameter sweep: every parameter at min, default, max and seeded random values, alone
  and all at once: no NaN or inf, no subnormal samples, no peak above +6 dBFS, and
  silence out within a quarter of a second of silence in.
"""

from wavecraft_build.testing import Plugin, check_block_sizes, check_parameter_sweep, signals

#: Processor ids whose output depends on the block size by design (e.g. a block FFT).
BLOCK_SIZE_DEPENDENT: set[str] = set()


def test_output_does_not_depend_on_the_block_size(plugin: Plugin) -> None:
    check_block_sizes(plugin, dependent=BLOCK_SIZE_DEPENDENT)


def test_parameter_sweep_keeps_the_output_sane(plugin: Plugin) -> None:
    # A quiet probe (pink noise at -60 dBFS RMS): the input and output gains add up to
    # +48 dB at their maximum, and the ceiling is there to catch blow-ups, not gain.
    probe = signals.pink_noise(0.25, level_db=-60.0)
    check_parameter_sweep(plugin, probe, ceiling_db=6.0, tail=12_000)
