# /// script
# requires-python = ">=3.11"
# dependencies = ["nox>=2025.2.9", "wavecraft-build[testing]==%%wavecraft_version%%"]
# ///
"""Sessions for %%plugin_name%%: `nox -l` lists them (dev, build, codegen, release, validate,
test, report).

`nox` alone runs `dev`; `nox -s release` builds the bundles into engine/target/bundled/.

`pip install nox` is all this project needs: the block above is PEP 723 metadata, and nox
(2025.2.9 or newer) installs what it lists into `.nox/_nox_script_mode` before it loads
this file (its "script mode"); the `[testing]` extra brings pytest and matplotlib for
`nox -s test` (tests/). The sessions come from wavecraft-build; settings are under
[tool.wavecraft] in pyproject.toml.
"""

import nox

nox.needs_version = ">=2025.2.9"  # checked before the import below: script mode needs it

try:
    from wavecraft_build.nox import register_sessions
except ModuleNotFoundError:
    raise SystemExit(
        "error: wavecraft-build is not installed where nox runs this noxfile\n"
        "  hint: run nox without NOX_SCRIPT_MODE=none (it installs the block at the top of "
        "noxfile.py), or `pip install wavecraft-build==%%wavecraft_version%%`"
    ) from None

register_sessions()
# `nox` with no -s runs the daily loop, not every session in turn.
nox.options.sessions = ["dev"]
