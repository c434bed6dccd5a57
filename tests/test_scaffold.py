"""Fast tests of ``wavecraft-build new``: names, derived ids, refusal rules, path safety.

No cargo here; the real template is rendered into tmp folders (it is small) and throwaway
template trees exercise the failure paths.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import pytest
from required_tools import require_tool

import wavecraft_build
from wavecraft_build.errors import ScaffoldError
from wavecraft_build.scaffold import (
    ScaffoldOptions,
    derive_names,
    render_text,
    safe_relative_path,
    scaffold,
    templates_root,
    validate_name,
)

BAD_NAMES = [
    pytest.param("", "empty", id="empty"),
    pytest.param("1abc", "start with a letter", id="leading-digit"),
    pytest.param("fn", "Rust keyword", id="keyword"),
    pytest.param("Self", "Rust keyword", id="keyword-Self"),
    pytest.param("TYPE", "Rust keyword", id="keyword-after-lowercasing"),
    pytest.param("a" * 65, "at most 64", id="65-chars"),
    pytest.param("a/b", "'/'", id="slash"),
    pytest.param("../x", "'.'", id="dotdot"),
    pytest.param("plüg", "'ü'", id="unicode"),
    pytest.param("\uff50\uff4c\uff55\uff47", "'\uff50'", id="fullwidth"),
    pytest.param("a b", "' '", id="space"),
    pytest.param("name\n", "'\\n'", id="trailing-newline"),
    pytest.param("-x", "start with a letter", id="leading-dash"),
    pytest.param("wavecraft", "clash", id="sdk-name"),
    pytest.param("std", "clash", id="std"),
    pytest.param("con", "Windows", id="windows-device"),
]


def options(tmp_path: Path, name: str = "my-synth", **kwargs: object) -> ScaffoldOptions:
    kwargs.setdefault("git", False)
    return ScaffoldOptions(name=name, directory=tmp_path / "project", **kwargs)  # type: ignore[arg-type]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def make_templates(root: Path, files: dict[str, str]) -> Path:
    """A throwaway templates root with the given plugin files and one-file SDK crates."""
    for rel, text in files.items():
        path = root / "plugin" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for crate in ("wavecraft-sdk", "wavecraft-webview"):
        sdk = root / "sdk" / crate
        sdk.mkdir(parents=True, exist_ok=True)
        (sdk / "Cargo.toml").write_text(f'[package]\nname = "{crate}"\n')
    return root


@pytest.mark.parametrize(("name", "reason"), BAD_NAMES)
def test_bad_names_are_rejected_and_nothing_is_written(
    tmp_path: Path, name: str, reason: str
) -> None:
    with pytest.raises(ScaffoldError) as info:
        scaffold(options(tmp_path, name))
    message = info.value.render()
    assert reason in message
    assert "hint:" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["a", "A", "my-synth", "My_Synth", "x" * 64, "fn2", "r2d2"])
def test_good_names_are_accepted(name: str) -> None:
    validate_name(name)


def test_derived_names() -> None:
    names = derive_names("My_Synth", vendor="Acme Audio!")
    assert names.plugin_name == "My_Synth"
    assert names.crate_name == "my-synth"
    assert names.lib_name == "my_synth"
    assert names.struct_name == "MySynthPlugin"
    assert names.clap_id == "com.acme-audio.my-synth"
    assert len(names.vst3_id) == 16
    assert derive_names("synthPlugin").struct_name == "SynthPlugin"
    # A name that would shadow a type in the template's lib.rs still compiles.
    assert derive_names("filter").struct_name == "FilterPlugin"
    assert derive_names("x", vendor="???").clap_id == "com.wavecraft.x"


def test_derived_ids_are_deterministic_and_distinct() -> None:
    assert derive_names("my-synth") == derive_names("my-synth")
    assert derive_names("my-synth").vst3_id != derive_names("my-synth2").vst3_id
    tokens = derive_names("my-synth").tokens(vendor="V", email="", url="")
    # Stable across releases: hosts store it. sha256("wavecraft:my-synth")[:16].
    assert tokens["vst3_id"].startswith("0x")
    assert tokens["vst3_id"].count("0x") == 16
    assert tokens["python_module"] == "my_synth"


def test_scaffold_renders_every_token(tmp_path: Path) -> None:
    result = scaffold(options(tmp_path, vendor="Acme", email="a@b.c", url="https://a.b"))
    files = tree(result.project_dir)
    assert result.project_dir == tmp_path / "project"
    assert sorted(p.as_posix() for p in result.written) == sorted(files)
    assert result.left_alone == ()
    for rel, data in files.items():
        if rel.endswith(".wav"):
            continue  # binary (golden audio), copied as is: its bytes may hold anything
        assert b"%%" not in data, rel
    assert ".gitignore" in files and "gitignore" not in files
    assert "sdk/wavecraft-sdk/src/lib.rs" in files
    assert "sdk/wavecraft-sdk/Cargo.lock" not in files
    for generated in ("ui/src/generated/parameters.ts", "ui/src/components/index.tsx"):
        assert generated not in files
    cargo = tomllib.loads(files["engine/Cargo.toml"].decode())
    assert cargo["package"]["name"] == "my-synth"
    assert cargo["lib"]["name"] == "my_synth"
    assert cargo["lib"]["crate-type"] == ["cdylib", "rlib"]
    assert cargo["features"]["_param-discovery"] == []
    assert cargo["workspace"] == {}
    dep = cargo["dependencies"]["wavecraft"]
    assert dep == {"package": "wavecraft-sdk", "path": "../sdk/wavecraft-sdk"}
    pyproject = tomllib.loads(files["pyproject.toml"].decode())
    assert pyproject["project"]["name"] == "my-synth"
    pin = f"wavecraft-build=={wavecraft_build.__version__}"
    assert pyproject["project"]["dependencies"] == [pin]
    assert pyproject["tool"]["wavecraft"] == {
        "engine": "engine",
        "ui": "ui",
        "extract-timeout": 30.0,
    }
    lib_rs = files["engine/src/lib.rs"].decode()
    assert "pub struct MySynthPlugin {" in lib_rs
    assert 'clap_id: "com.acme.my-synth"' in lib_rs
    noxfile = files["noxfile.py"].decode()
    assert "from wavecraft_build.nox import register_sessions" in noxfile
    script_block = noxfile.split("# ///", 2)[1]  # PEP 723: what nox's script mode installs
    # The [testing] extra: pytest and matplotlib for `nox -s test`.
    testing_pin = pin.replace("==", "[testing]==")
    assert f'"{testing_pin}"' in script_block and '"nox>=' in script_block
    assert "import { ParameterPanel } from './components';" in files["ui/src/App.tsx"].decode()
    assert any("nox -s dev" in command for command in result.next_commands)


def test_sdk_is_copied_verbatim(tmp_path: Path) -> None:
    result = scaffold(options(tmp_path))
    for crate, rels in (("wavecraft-sdk", ("Cargo.toml", "src/lib.rs", "tests/no_leak.rs")),
                        ("wavecraft-webview", ("Cargo.toml", "src/lib.rs", "src/script.rs"))):
        sdk = templates_root() / "sdk" / crate
        for rel in rels:
            assert (result.project_dir / "sdk" / crate / rel).read_bytes() == (
                sdk / rel
            ).read_bytes()
    # The Linux editor helper is built from the installed templates, never vendored.
    assert not (result.project_dir / "sdk" / "wavecraft-editor-helper").exists()


def test_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("mine")
    with pytest.raises(ScaffoldError, match="not empty") as info:
        scaffold(options(tmp_path))
    assert "--force" in info.value.render()
    assert tree(project) == {"notes.txt": b"mine"}


def test_an_empty_existing_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    assert scaffold(options(tmp_path)).written


def test_refuses_a_file_as_the_folder(tmp_path: Path) -> None:
    (tmp_path / "project").write_text("x")
    with pytest.raises(ScaffoldError, match="not a folder"):
        scaffold(options(tmp_path))


def test_force_never_overwrites(tmp_path: Path) -> None:
    first = scaffold(options(tmp_path))
    project = first.project_dir
    (project / "engine/src/lib.rs").write_text("// my edits\n")
    (project / "README.md").unlink()
    (project / "extra.txt").write_text("mine")
    before = tree(project)
    second = scaffold(options(tmp_path, force=True))
    after = tree(project)
    assert second.written == (Path("README.md"),)
    assert Path("engine/src/lib.rs") in second.left_alone
    assert len(second.left_alone) == len(first.written) - 1
    assert after["engine/src/lib.rs"] == b"// my edits\n"
    assert after["extra.txt"] == b"mine"
    assert {k: v for k, v in after.items() if k != "README.md"} == before


def test_unknown_token_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    templates = make_templates(
        tmp_path / "templates",
        {"a.txt": "%%crate_name%%", "b.txt": "hello %%crate-name%%"},
    )
    with pytest.raises(ScaffoldError, match=r"unknown template token %%crate-name%%") as info:
        scaffold(options(tmp_path), templates=templates)
    assert info.value.path == templates / "plugin" / "b.txt"
    assert not (tmp_path / "project").exists()


def test_tokens_in_paths_are_rendered(tmp_path: Path) -> None:
    templates = make_templates(
        tmp_path / "templates", {"%%lib_name%%/mod.rs": "// %%struct_name%%"}
    )
    result = scaffold(options(tmp_path), templates=templates)
    assert (result.project_dir / "my_synth/mod.rs").read_text() == "// MySynthPlugin"


@pytest.mark.parametrize(
    ("template_path", "url", "vendor"),
    [
        pytest.param("%%url%%.txt", "https://a.b/../../escaped", "V", id="dotdot-via-token"),
        pytest.param("%%vendor%%.txt", "", "/escaped", id="absolute-via-token"),
    ],
)
def test_paths_leaving_the_project_are_rejected(
    tmp_path: Path, template_path: str, url: str, vendor: str
) -> None:
    templates = make_templates(tmp_path / "templates", {"ok.txt": "fine", template_path: "evil"})
    with pytest.raises(ScaffoldError, match="project folder"):
        scaffold(options(tmp_path, url=url, vendor=vendor), templates=templates)
    assert not (tmp_path / "project").exists()
    assert not (tmp_path / "escaped").exists()
    assert not Path("/escaped.txt").exists()


@pytest.mark.parametrize("path", ["../x", "a/../../x", "/etc/passwd", "a//b", "./a", "C:/x", "\\x"])
def test_safe_relative_path_rejects(path: str) -> None:
    with pytest.raises(ScaffoldError, match="project folder"):
        safe_relative_path(path, source="t")


def test_safe_relative_path_accepts() -> None:
    assert safe_relative_path("engine/src/lib.rs", source="t") == Path("engine/src/lib.rs")


def test_symlink_out_of_the_project_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / "engine").symlink_to(outside)
    with pytest.raises(ScaffoldError, match="outside the project folder"):
        scaffold(options(tmp_path, force=True))
    assert list(outside.iterdir()) == []
    assert [p.name for p in project.iterdir()] == ["engine"]


def test_symlink_in_templates_is_an_error(tmp_path: Path) -> None:
    templates = make_templates(tmp_path / "templates", {"a.txt": "x"})
    (templates / "plugin" / "link").symlink_to("/etc/hostname")
    with pytest.raises(ScaffoldError, match="symlinks"):
        scaffold(options(tmp_path), templates=templates)
    assert not (tmp_path / "project").exists()


def test_missing_templates_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ScaffoldError, match="templates are missing"):
        scaffold(options(tmp_path), templates=tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("vendor", 'Acme "Audio"', "contains"),
        ("vendor", "back\\slash", "contains"),
        ("vendor", "new\nline", "contains"),
        ("vendor", "   ", "must not be empty"),
        ("vendor", "%%plugin_name%%", "tokens"),
        ("email", "not-an-email", "e-mail"),
        ("url", "ftp://x", "https://"),
        ("url", "https://x/" + "a" * 200, "200"),
    ],
)
def test_bad_metadata_is_rejected(tmp_path: Path, field: str, value: str, match: str) -> None:
    with pytest.raises(ScaffoldError, match=match):
        scaffold(options(tmp_path, **{field: value}))
    assert list(tmp_path.iterdir()) == []


def test_metadata_with_apostrophes_and_unicode_is_fine(tmp_path: Path) -> None:
    result = scaffold(options(tmp_path, vendor="Ōtoko's Äudio"))
    lib_rs = (result.project_dir / "engine/src/lib.rs").read_text()
    assert 'vendor: "Ōtoko\'s Äudio",' in lib_rs
    assert result.names.clap_id == "com.toko-s-udio.my-synth"


def test_render_text() -> None:
    assert render_text("%%a%% and %%b%%, 100%% sure", {"a": "1", "b": "2"}, source="t") == (
        "1 and 2, 100%% sure"
    )


def test_default_directory_is_the_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = scaffold(ScaffoldOptions(name="my-synth", git=False))
    assert result.project_dir == tmp_path / "my-synth"
    assert result.next_commands[0] == "cd my-synth"


def test_git_init_with_initial_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("git", "apt-get install git")
    for var in ("GIT_AUTHOR", "GIT_COMMITTER"):
        monkeypatch.setenv(f"{var}_NAME", "Test")
        monkeypatch.setenv(f"{var}_EMAIL", "test@example.com")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = scaffold(options(tmp_path, git=True))
    assert result.git_initialized, result.warnings
    log = subprocess.run(
        ["git", "log", "--oneline"],
        cwd=result.project_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(log.stdout.splitlines()) == 1
    status = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=result.project_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""


def test_no_git_means_no_repository(tmp_path: Path) -> None:
    result = scaffold(options(tmp_path, git=False))
    assert not result.git_initialized
    assert not (result.project_dir / ".git").exists()


def test_git_missing_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = scaffold(options(tmp_path, git=True))
    assert not result.git_initialized
    assert any("git was not found" in warning for warning in result.warnings)
