"""Project configuration: ``[tool.wavecraft]`` in pyproject.toml plus the engine's Cargo.toml.

A plugin project is a folder with a pyproject.toml whose ``[tool.wavecraft]`` table says
where the Rust engine and the UI live. A bare crate folder (a Cargo.toml, no pyproject)
is a project too, with defaults. Unknown keys and wrong types are errors that name the
key and the file, so a typo never silently falls back to a default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wavecraft_build.engine.protocol import DEFAULT_PORT
from wavecraft_build.errors import ConfigError

__all__ = ["CONFIG_KEYS", "ConfigKey", "ProjectConfig", "load_project", "read_toml"]

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 3600.0


@dataclass(frozen=True)
class ConfigKey:
    """One ``[tool.wavecraft]`` key: what TOML value it takes, and what it means."""

    kind: type | tuple[type, ...]
    #: How the type is named to the user (in errors and the configuration reference).
    type_name: str
    range: str
    default: str
    meaning: str


_STR, _PATH = "string", "string (a path relative to the project)"
#: Every accepted key. The README's and the docs' configuration tables come from it, and a
#: key missing here is an error in the user's file (a typo never falls back to a default).
CONFIG_KEYS: dict[str, ConfigKey] = {
    "engine": ConfigKey(str, _PATH, "a folder with a Cargo.toml", '"engine"',
                        "the plugin's Rust crate"),
    "ui": ConfigKey(str, _PATH, "a folder (none there: no UI bindings)", '"ui"',
                    "the Vite + React UI; codegen writes src/generated/ there"),
    "extract-timeout": ConfigKey((int, float), "number (seconds)",
                                 f"> 0 and <= {MAX_TIMEOUT:g}", f"{DEFAULT_TIMEOUT}",
                                 "a parameter extraction is killed after this long"),
    "package": ConfigKey(str, _STR, "a package of the workspace", "(none)",
                         "the cargo package to build when the engine is a workspace"),
    "features": ConfigKey(list, "list of strings", "features of the engine crate", "[]",
                          "extra cargo features for every build, besides _param-discovery"),
    "python-bindings": ConfigKey(str, _PATH, "a .py file", '"python/<lib>_params.py"',
                                 "where the generated Python parameter module is written"),
    "dev-port": ConfigKey(int, "integer", "1-65535", str(DEFAULT_PORT),
                          "port of the dev engine's WebSocket server on 127.0.0.1"),
    "compiler-cache": ConfigKey(str, _STR, '"none" or "sccache"', '"none"',
                                "run every cargo build through sccache "
                                "(`WAVECRAFT_COMPILER_CACHE` wins)"),
}


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    engine: Path
    ui: Path | None
    timeout: float
    package: str | None
    features: tuple[str, ...]
    python_bindings: Path
    lib_name: str
    #: From the engine's Cargo.toml ``[package]``: name ("" when it has none), version
    #: (cargo's "0.0.0" when not a literal) and ``[package.metadata.wavecraft]``.
    crate: str = ""
    version: str = "0.0.0"
    plugin_metadata: Mapping[str, Any] = field(default_factory=dict)
    dev_port: int = DEFAULT_PORT
    #: "sccache" | "none"; ``compiler_cache.resolve_mode`` lets WAVECRAFT_COMPILER_CACHE win
    compiler_cache: str = "none"

    @property
    def manifest(self) -> Path:
        return self.engine / "Cargo.toml"

    @property
    def state_dir(self) -> Path:
        """Per-project state: the last good parameters (read by ``codegen`` and ``dev``)."""
        return self.root / ".wavecraft"


def read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # here, not at the top: `extract LIB` never reads TOML (start-up time)

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError("file not found", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=path, hint="fix the syntax") from None


def _table(root: Path) -> tuple[dict[str, Any], Path | None]:
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return {}, None
    tool = read_toml(pyproject).get("tool", {})
    table = tool.get("wavecraft", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError("[tool.wavecraft] must be a table", path=pyproject)
    unknown = sorted(set(table) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(
            f"unknown key(s) in [tool.wavecraft]: {', '.join(unknown)}",
            path=pyproject,
            hint=f"known keys: {', '.join(CONFIG_KEYS)}",
        )
    return table, pyproject


def _toml_type(value: object) -> str:
    """What a TOML value is, in TOML's words."""
    for kind, name in ((bool, "a boolean"), (int, "an integer"), (float, "a float"),
                       (str, "a string"), (list, "an array"), (dict, "a table")):
        if isinstance(value, kind):
            return name
    return "a date or time"


def _a(name: str) -> str:
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _get(table: dict[str, Any], key: str, src: Path | None) -> Any:
    value = table.get(key)
    spec = CONFIG_KEYS[key]
    if value is not None and (not isinstance(value, spec.kind) or isinstance(value, bool)):
        raise ConfigError(
            f"[tool.wavecraft] {key} has the wrong type: expected {_a(spec.type_name)}, got "
            f"{_toml_type(value)} ({value!r})",
            path=src,
            hint=f"for example {key} = {spec.default}" if spec.default != "(none)" else None,
        )
    return value


@dataclass(frozen=True)
class _Package:
    crate: str
    version: str
    lib_name: str
    metadata: Mapping[str, Any]


def _package(manifest: Path) -> _Package:
    """What the tool needs from the engine's Cargo.toml, read once."""
    data = read_toml(manifest)
    package = data.get("package", {})
    package = package if isinstance(package, dict) else {}
    crate = package.get("name") if isinstance(package.get("name"), str) else ""
    version = package.get("version")
    if not isinstance(version, str):
        version = "0.0.0"  # `version.workspace = true` or none: cargo's default
    meta = package.get("metadata", {})
    meta = meta.get("wavecraft", {}) if isinstance(meta, dict) else {}
    lib = data.get("lib", {})
    if isinstance(lib, dict) and isinstance(lib.get("name"), str):
        lib_name = str(lib["name"])
    else:
        lib_name = str(crate).replace("-", "_") or "plugin"
    return _Package(str(crate), version, lib_name, meta if isinstance(meta, dict) else {})


def _check_compiler_cache(mode: str, src: Path | None) -> None:
    # Imported only when the key is set: the compiler cache's module is for builds.
    from wavecraft_build.compiler_cache import MODES

    if mode not in MODES:
        raise ConfigError(
            f"[tool.wavecraft] compiler-cache must be one of {', '.join(MODES)}, got {mode!r}",
            path=src,
        )


def load_project(root: Path, *, timeout: float | None = None) -> ProjectConfig:
    """Read the project at ``root``; ``timeout`` (from the CLI) overrides the config."""
    root = root.resolve()
    if not root.is_dir():
        raise ConfigError("project folder does not exist", path=root, hint="check --project")
    table, src = _table(root)
    engine_rel = _get(table, "engine", src)
    configured = engine_rel is not None
    if engine_rel is None:
        engine_rel = "." if (root / "Cargo.toml").is_file() else "engine"
    engine = (root / engine_rel).resolve()
    if configured and not (engine / "Cargo.toml").is_file():
        what = "has no Cargo.toml" if engine.is_dir() else "does not exist"
        raise ConfigError(
            f"the engine folder set in [tool.wavecraft] engine = {engine_rel!r} {what}: {engine}",
            path=src,
            hint="set engine to the folder of the plugin's Cargo.toml, relative to "
            f"{root}",
        )
    if not (engine / "Cargo.toml").is_file():
        raise ConfigError(
            "no Cargo.toml for the plugin engine",
            path=engine / "Cargo.toml",
            hint="run inside a wavecraft project, pass --project DIR, or set "
            "[tool.wavecraft] engine",
        )
    ui_rel = _get(table, "ui", src) or "ui"
    ui = (root / ui_rel).resolve()
    cfg_timeout = _get(table, "extract-timeout", src)
    chosen = timeout if timeout is not None else cfg_timeout
    final_timeout = float(chosen) if chosen is not None else DEFAULT_TIMEOUT
    if not 0 < final_timeout <= MAX_TIMEOUT:
        raise ConfigError(
            f"extract timeout must be > 0 and <= {MAX_TIMEOUT:g} seconds, got {final_timeout:g}",
            path=src,
        )
    features = _get(table, "features", src) or []
    if not all(isinstance(f, str) and f for f in features):
        raise ConfigError("[tool.wavecraft] features must be a list of strings", path=src)
    package = _package(engine / "Cargo.toml")
    lib_name = package.lib_name
    compiler_cache = _get(table, "compiler-cache", src) or "none"
    if compiler_cache != "none":
        _check_compiler_cache(compiler_cache, src)
    bindings_rel = _get(table, "python-bindings", src) or f"python/{lib_name}_params.py"
    dev_port = _get(table, "dev-port", src)
    if dev_port is not None and not 1 <= dev_port <= 65535:
        raise ConfigError(f"[tool.wavecraft] dev-port must be 1-65535, got {dev_port}", path=src)
    return ProjectConfig(
        root=root,
        engine=engine,
        ui=ui if ui.is_dir() else None,
        timeout=final_timeout,
        package=_get(table, "package", src),
        features=tuple(features),
        python_bindings=(root / bindings_rel).resolve(),
        lib_name=lib_name,
        crate=package.crate,
        version=package.version,
        plugin_metadata=package.metadata,
        dev_port=dev_port if dev_port is not None else DEFAULT_PORT,
        compiler_cache=compiler_cache,
    )
