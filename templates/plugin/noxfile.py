"""Sessions for %%plugin_name%%: `nox -l` lists them (dev, release, ...).

They come from wavecraft-build; settings are under [tool.wavecraft] in pyproject.toml.
"""

import nox  # noqa: F401  (nox loads this file; the sessions register with it)

from wavecraft_build.nox import register_sessions

register_sessions()
