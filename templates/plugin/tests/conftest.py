"""pytest setup for %%plugin_name%%'s own tests (`nox -s test`).

The wavecraft-build plugin adds `--update-golden` and the fixtures `plugin` (the DSP of
the library `nox -s test` just built) and `golden` (the golden-file store).
"""

pytest_plugins = ["wavecraft_build.testing.pytest_plugin"]
