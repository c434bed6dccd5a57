"""The project templates ``new --template`` offers, by name.

A leaf without imports: the CLI's parser reads it, and ``--help`` must stay fast. The first
is the default; every other one is an overlay folder of the same name under ``templates/``
(see ``_template``).
"""

from __future__ import annotations

TEMPLATES: tuple[str, ...] = ("effect", "instrument")
DEFAULT_TEMPLATE = TEMPLATES[0]
