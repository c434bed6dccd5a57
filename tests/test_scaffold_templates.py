"""``new --template``: the effect (default) and the instrument from one template tree.

The instrument is an overlay of only the files that differ (``templates/instrument/``);
everything else is the shared tree, byte for byte after rendering. No cargo here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run_cli
from test_scaffold import make_templates, options, tree

from wavecraft_build._kinds import TEMPLATES
from wavecraft_build.errors import ScaffoldError
from wavecraft_build.scaffold import ScaffoldOptions, scaffold, templates_root

OVERLAY = templates_root() / "instrument"


def test_the_effect_is_the_default_and_has_no_synth(tmp_path: Path) -> None:
    default = tree(scaffold(options(tmp_path / "a")).project_dir)
    effect = tree(scaffold(options(tmp_path / "b", template="effect")).project_dir)
    assert default == effect
    assert "engine/src/processors/synth.rs" not in effect
    assert b"kind: Instrument" not in effect["engine/src/lib.rs"]
    assert "tests/golden/log-sweep-default.wav" in effect


def test_the_instrument_shares_everything_but_its_overlay(tmp_path: Path) -> None:
    effect = tree(scaffold(options(tmp_path / "a")).project_dir)
    instrument = tree(scaffold(options(tmp_path / "b", template="instrument")).project_dir)
    overlay = {p.relative_to(OVERLAY).as_posix() for p in OVERLAY.rglob("*") if p.is_file()}
    omitted = {ln for ln in (OVERLAY / "_omit.txt").read_text().splitlines()
               if ln and not ln.startswith("#")}
    assert omitted and not omitted & set(instrument)
    for rel in set(effect) - omitted - overlay:
        assert instrument[rel] == effect[rel], f"{rel} differs but is not in the overlay"
    assert "engine/src/processors/synth.rs" in instrument
    assert b"kind: Instrument" in instrument["engine/src/lib.rs"]
    assert b"%%" not in b"".join(instrument.values())
    # Each overlay file really differs from the shared one it replaces (no copies).
    shared = templates_root() / "plugin"
    for rel in overlay - {"_omit.txt"}:
        if (shared / rel).is_file():
            assert (shared / rel).read_bytes() != (OVERLAY / rel).read_bytes(), rel


def test_an_unknown_template_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="unknown template 'sampler'") as info:
        scaffold(options(tmp_path, template="sampler"))
    assert "effect, instrument" in (info.value.hint or "")
    assert not (tmp_path / "project").exists()


def test_an_omit_list_naming_a_missing_file_is_an_error(tmp_path: Path) -> None:
    root = make_templates(tmp_path / "t", {"README.md": "x"})
    (root / "instrument").mkdir()
    (root / "instrument" / "_omit.txt").write_text("# comment\nnot/there.txt\n")
    with pytest.raises(ScaffoldError, match=r"names 'not/there\.txt'"):
        scaffold(ScaffoldOptions("p", tmp_path / "p", git=False, template="instrument"),
                 templates=root)


def test_help_lists_the_templates() -> None:
    done = run_cli("new", "--help")
    assert done.returncode == 0, done.stderr
    assert "--template {effect,instrument}" in done.stdout
    for name in TEMPLATES:
        assert f"{name}:" in done.stdout
