"""The CLI as a user runs it: tables, JSON, help, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CRATES

from wavecraft_build import errors
from wavecraft_build.cli import COMMANDS, build_parser, main


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wavecraft_build.cli", *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120,
        check=False,
    )


def test_help_documents_exit_codes() -> None:
    out = run_cli("--help")
    assert out.returncode == 0
    for cls in (errors.BuildFailed, errors.ExtractionTimeout, errors.SchemaViolation):
        assert f"{cls.exit_code:>3}  {cls.kind}" in out.stdout
    for command in ("extract", "build", "codegen"):
        assert command in out.stdout


def test_extract_table_and_json(fixture_lib: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(fixture_lib)]) == 0
    table = capsys.readouterr().out
    assert "filter_shape" in table and "Lowpass | Highpass" in table and "20 .. 20000" in table
    assert table.splitlines()[-1] == "4 parameters; processors: gain, filter"
    assert main(["extract", str(fixture_lib), "--json", "--no-cache"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data][:2] == ["gain_level", "gain_mute"]


def test_extract_a_crate_folder_builds_it_first(
    capsys: pytest.CaptureFixture[str], cargo_target_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARGO_TARGET_DIR", str(cargo_target_dir / "fixtures"))
    assert main(["extract", str(CRATES / "fixture-plugin"), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 4


@pytest.mark.parametrize(
    ("args", "env", "code", "text"),
    [
        (["extract", "/no/such/lib.so"], {}, 11, "error[library not found]: no such library"),
        (["extract", "LIB", "--timeout", "0.5"], {"WAVECRAFT_FIXTURE_MODE": "loop"}, 14,
         "within 0.5 s"),
        (["extract", "LIB"], {"WAVECRAFT_FIXTURE_MODE": "segv"}, 15, "SIGSEGV"),
        (["extract", "LIB"], {"WAVECRAFT_FIXTURE_MODE": "schema"}, 19, "schema violation"),
        (["extract", "LIB", "--timeout", "-1"], {}, 64, "error[usage]: argument --timeout: must"),
        (["extract", "LIB", "--josn"], {}, 64, "unrecognized arguments: --josn"),
        (["biuld"], {}, 64, "did you mean `build`?"),
        (["extract", "no-such-folder"], {}, 11, "no such file or folder"),
        (["extract", ""], {}, 2, "error[config]"),  # "" is the current folder, a crate
        (["build", "--project", "/no/such/dir"], {}, 2, "project folder does not exist"),
    ],
)
def test_user_errors_are_short_and_coded(
    fixture_lib: Path, args: list[str], env: dict[str, str], code: int, text: str
) -> None:
    out = run_cli(*[str(fixture_lib) if a == "LIB" else a for a in args], "--no-cache", env=env)
    assert out.returncode == code, out.stderr
    assert text in out.stderr
    assert "Traceback" not in out.stderr


def test_build_a_project_and_codegen_from_state(
    tmp_path: Path, cargo_target_dir: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import shutil

    project = tmp_path / "proj"
    shutil.copytree(CRATES / "fixture-plugin", project / "engine")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "proj"\nversion = "0"\n\n[tool.wavecraft]\nextract-timeout = 5\n'
    )
    (project / "ui").mkdir()
    monkeypatch.setenv("CARGO_TARGET_DIR", str(cargo_target_dir / "fixtures"))
    assert main(["codegen", "--project", str(project)]) == 4  # nothing extracted yet
    assert "run `wavecraft-build build` first" in capsys.readouterr().err
    assert main(["build", "--project", str(project)]) == 0
    assert (project / ".wavecraft" / "params.json").is_file()
    assert (project / "ui" / "src" / "generated" / "parameters.ts").is_file()
    assert (project / "python" / "fixture_params_params.py").is_file()
    generated = project / "ui" / "src" / "generated" / "parameters.ts"
    mtime = generated.stat().st_mtime_ns
    assert main(["codegen", "--project", str(project)]) == 0
    assert generated.stat().st_mtime_ns == mtime


def test_bad_config_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "x"\n')
    (tmp_path / "pyproject.toml").write_text('[tool.wavecraft]\nextract-timout = 3\n')
    assert main(["build", "--project", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown key(s) in [tool.wavecraft]: extract-timout" in err
    (tmp_path / "pyproject.toml").write_text('[tool.wavecraft\n')
    assert main(["build", "--project", str(tmp_path)]) == 2
    assert "invalid TOML" in capsys.readouterr().err
    (tmp_path / "pyproject.toml").write_text('[tool.wavecraft]\nextract-timeout = "soon"\n')
    assert main(["build", "--project", str(tmp_path)]) == 2
    assert "extract-timeout has the wrong type" in capsys.readouterr().err


def test_usage_errors_have_their_own_documented_code() -> None:
    out = run_cli("--help")
    assert f"{errors.UsageError.exit_code:>3}  usage" in out.stdout
    assert errors.UsageError.exit_code != errors.ConfigError.exit_code
    wrong = run_cli("frobnicate")
    assert wrong.returncode == errors.UsageError.exit_code
    assert wrong.stderr.splitlines() == ["error[usage]: unknown command 'frobnicate'",
                                         "  hint: see `wavecraft-build --help` for the commands"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("flag", ["--quiet", "-q", "--verbose", "-v"])
def test_quiet_and_verbose_are_accepted_by_every_command(command: str, flag: str) -> None:
    required = {"new": ["my-synth"]}.get(command, [])
    args = build_parser().parse_args([command, flag, *required])
    assert args.quiet is flag.startswith(("--q", "-q")) and args.verbose is not args.quiet


def test_extract_says_when_a_file_is_not_a_shared_library(tmp_path: Path) -> None:
    text = tmp_path / "notes.so"
    text.write_text("not a library\n")
    elf_object = tmp_path / "object.so"  # a valid ELF header whose type is 1 (relocatable)
    elf_object.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(9) + (1).to_bytes(2, "little")
                           + bytes(46))
    for path, reason in ((text, "no ELF header"), (elf_object, "an ELF object file (.o)")):
        out = run_cli("extract", "--json", str(path))
        assert out.returncode == errors.LoadFailed.exit_code, out.stderr
        first = out.stderr.splitlines()[0]
        assert first == f"error[load failed]: not a shared library: {reason} ({path})"
        assert "ldd" not in out.stderr
