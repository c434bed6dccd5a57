"""wavecraft-build: build, extract, generate and ship Rust audio plugins.

The pipeline flows one way: config -> cargo build -> artifact -> isolated extraction ->
validation -> cache -> codegen. ``cli`` and ``nox`` sit on top and stay thin.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
