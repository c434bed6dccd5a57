"""The data of a release: what was asked (``ReleaseOptions``), what the steps fill in
(``ReleaseContext``, the build pipeline's ``Context`` extended) and what the caller gets
back (``ReleaseReport``)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wavecraft_build import cargo
from wavecraft_build.metadata import ExtractionResult
from wavecraft_build.pipeline import BUNDLE, Context
from wavecraft_build.release.editor import EditorBuild
from wavecraft_build.release.identity import PluginIdentity

__all__ = ["MANIFEST_NAME", "ReleaseContext", "ReleaseOptions", "ReleaseReport"]

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class ReleaseOptions:
    """What a release does. ``out_dir`` defaults to ``<target>/bundled``; ``home`` is the
    folder the install folders are under (default ``$HOME``); ``platform_name`` picks the
    bundle layout (default: this machine's ``sys.platform``; others are for checking
    layouts, not for shipping). Every release builds and extracts the discovery library of its
    source first."""

    install: bool = False
    ui: bool = True
    wheel: bool = True
    use_cache: bool = True
    out_dir: Path | None = None
    home: Path | None = None
    platform_name: str | None = None
    #: Rewrite the parameter lock when ids were removed or changed (see ``release.lock``).
    accept_param_changes: bool = False
    #: Publish without running the project's tests/ (``manifest.json`` says so).
    skip_tests: bool = False
    #: Cross build for this target triple (``cargo --target``); None: the host.
    target: str | None = None
    #: macOS: build x86_64 and arm64 and ship one universal (lipo) binary.
    universal: bool = False
    #: The git tag being released (``v1.2.0``): refused unless Cargo.toml and pyproject.toml
    #: say that version. None or "": no check.
    tag: str | None = None
    #: Build the plugin's editor (the React app in the DAW) when the crate has the feature.
    editor: bool = True
    #: ``--dev-editor``: a debug build whose editor loads this URL (the Vite dev server).
    dev_editor: str | None = None


@dataclass(kw_only=True)
class ReleaseContext(Context):
    """A release run: the build pipeline's context (discovery build, its parameters and
    bindings) plus the release's own results."""

    options: ReleaseOptions
    identity: PluginIdentity
    # Filled in by the steps:
    released: ExtractionResult | None = None
    staging: Path | None = None
    entries: dict[str, Path] = field(default_factory=dict)
    wheel: Path | None = None
    files: dict[str, str] = field(default_factory=dict)
    installed: list[Path] = field(default_factory=list)
    #: What the project's tests did before publishing (``manifest.json``'s "tests").
    tests: dict[str, Any] = field(default_factory=dict)
    #: The editor the release library embeds (None: built without one; ``editor_note`` why).
    editor: EditorBuild | None = None
    editor_note: str | None = None
    #: git_info, started in the background while cargo runs (it spawns git twice).
    git: Future[dict[str, Any] | None] | None = None

    @property
    def bundle_build(self) -> cargo.BuildResult:
        build = self.builds.get(BUNDLE)
        assert build is not None, "release_build runs first"
        return build

    @property
    def target_dir(self) -> Path:
        """The release build's folder: ``<target>/release/<lib>`` -> ``<target>`` (with
        ``--target T``: ``<target>/T``, so each target's bundles have a folder of their own)."""
        return self.bundle_build.artifact.parent.parent

    @property
    def cargo_target_dir(self) -> Path:
        """The cargo target dir itself (``--target-dir``), with or without ``--target``."""
        cross = self.options.target is not None or self.options.universal
        return self.target_dir.parent if cross else self.target_dir

    @property
    def out_dir(self) -> Path:
        return self.options.out_dir or self.target_dir / "bundled"


@dataclass
class ReleaseReport:
    identity: PluginIdentity
    out_dir: Path
    bundles: dict[str, Path]
    manifest: Path
    wheel: Path | None
    installed: list[Path]
    parameters: tuple[str, ...]
    files: dict[str, str]
    discovery_rebuilt: bool
    timings: dict[str, float]
    #: ``warning:`` lines for the user (a UI stub placing a removed id under ``--no-ui``).
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.identity.name,
            "version": self.identity.version,
            "out_dir": str(self.out_dir),
            "bundles": {k: str(v) for k, v in self.bundles.items()},
            "manifest": str(self.manifest),
            "wheel": str(self.wheel) if self.wheel else None,
            "installed": [str(p) for p in self.installed],
            "parameters": list(self.parameters),
            "discovery_rebuilt": self.discovery_rebuilt,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "warnings": list(self.warnings),
        }

    def lines(self) -> list[str]:
        out = [f"{fmt.upper():<8} {path}" for fmt, path in self.bundles.items()]
        if self.wheel is not None:
            out.append(f"{'wheel':<8} {self.wheel}")
        out.append(f"{'manifest':<8} {self.manifest}")
        out += [f"{'install':<8} {path}" for path in self.installed]
        out.append(f"{len(self.parameters)} parameters, checked against discovery")
        vst3 = self.bundles.get("vst3")
        if vst3 is not None and not self.installed:
            out.append(
                "load it: copy the bundles to ~/.vst3 and ~/.clap (or run `nox -s release -- "
                "--install` in the project) and rescan in your host, or from Python: "
                f"pedalboard.load_plugin({str(vst3)!r})"
            )
        return out
