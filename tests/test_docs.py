"""The docs site builds in strict mode (as in CI), and strict mode catches what it should.

The site is mkdocs (mkdocs.yml, docs/); its reference pages are generated from the code at
build time (docs/hooks.py, wavecraft_build/_docs.py), so each one is checked here against
the code it comes from: every command, error class, config key and protocol method.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wavecraft_build._docs import cli_commands, error_classes
from wavecraft_build.config import CONFIG_KEYS
from wavecraft_build.engine import protocol

REPO = Path(__file__).resolve().parent.parent


def _mkdocs(root: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(root / "mkdocs.yml"),
         "-d", str(site)],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _copy_of_the_docs(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "docs", root / "docs", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "benchmarks", root / "benchmarks",
                    ignore=shutil.ignore_patterns("__pycache__", "results.json"))
    for name in ("mkdocs.yml", "README.md"):
        shutil.copy2(REPO / name, root / name)
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = _mkdocs(REPO, out)
    assert done.returncode == 0, done.stderr
    return out


def _page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def test_the_strict_build_passes_and_has_every_page(site: Path) -> None:
    for page in ("guide/dev-engine", "guide/compile-cache", "reference/cli",
                 "reference/errors", "reference/configuration", "reference/protocol",
                 "contributing/modules", "contributing/benchmarks"):
        assert (site / page / "index.html").is_file(), page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Writing your plugin" in home  # the README is the home page


def test_generated_pages_cover_the_code(site: Path) -> None:
    cli = _page(site, "reference/cli")
    for name, parser in cli_commands().items():
        assert f'id="{name}"' in cli, name
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):  # every command has -h
                continue
            for flag in action.option_strings:
                assert f"<code>{flag}</code>" in cli, (name, flag)
    errors = _page(site, "reference/errors")
    for cls in error_classes():
        assert f"<td>{cls.exit_code}</td>" in errors and f"<td>{cls.kind}</td>" in errors
    config = _page(site, "reference/configuration")
    assert all(f"<code>{key}</code>" in config for key in CONFIG_KEYS)
    proto = _page(site, "reference/protocol")
    names = [m.name for m in protocol.METHODS] + [n.name for n in protocol.NOTIFICATIONS]
    assert all(f"<code>{name}</code>" in proto for name in names)
    assert all(f"<td>{e.code}</td>" in proto for e in protocol.ERRORS)
    bench = _page(site, "contributing/benchmarks")
    assert all(f"<code>{p.stem}</code>" in bench for p in (REPO / "benchmarks").glob("bench_*.py"))


def test_strict_mode_fails_a_broken_link_and_a_page_left_out(tmp_path: Path) -> None:
    root = _copy_of_the_docs(tmp_path)
    page = root / "docs" / "guide" / "commands.md"
    good = page.read_text()
    page.write_text(good + "\nSee [the missing page](no-such-page.md).\n")
    broken = _mkdocs(root, tmp_path / "site1")
    assert broken.returncode != 0 and "no-such-page.md" in broken.stderr
    page.write_text(good + "\nSee [a missing heading](dev-engine.md#no-such-heading).\n")
    anchor = _mkdocs(root, tmp_path / "site2")
    assert anchor.returncode != 0 and "no-such-heading" in anchor.stderr
    page.write_text(good)
    (root / "docs" / "guide" / "orphan.md").write_text("# Not in the nav\n")
    orphan = _mkdocs(root, tmp_path / "site3")
    assert orphan.returncode != 0 and "orphan.md" in orphan.stderr


def test_incoming_notes_stay_out_of_the_site(tmp_path: Path) -> None:
    root = _copy_of_the_docs(tmp_path)
    (root / "docs" / "incoming" / "someone.md").write_text("# Draft [link](nowhere.md)\n")
    done = _mkdocs(root, tmp_path / "site")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "site" / "incoming").exists()


def test_every_error_class_says_what_to_do() -> None:
    """The error page's "what to do" column is each class's docstring: none may be empty."""
    classes = error_classes()
    assert {c.exit_code for c in classes} >= {2, 3, 4, 10, 24, 70, 130}
    undocumented = [c.__name__ for c in classes if not (c.__doc__ or "").strip()]
    assert not undocumented, undocumented
