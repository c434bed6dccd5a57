"""A wrong ``[tool.wavecraft]`` value says what was expected and where, in one error line."""

from __future__ import annotations

from pathlib import Path

import pytest

from wavecraft_build.cli import main
from wavecraft_build.config import CONFIG_KEYS, load_project
from wavecraft_build.errors import ConfigError


def _project(root: Path, table: str) -> Path:
    (root / "engine").mkdir()
    (root / "engine" / "Cargo.toml").write_text('[package]\nname = "x"\nversion = "0.1.0"\n')
    (root / "pyproject.toml").write_text(f"[tool.wavecraft]\n{table}\n")
    return root


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('dev-port = "9000"', "expected an integer, got a string ('9000')"),
        ("extract-timeout = true", "expected a number (seconds), got a boolean (True)"),
        ('features = "simd"', "expected a list of strings, got a string ('simd')"),
        ("engine = 3", "expected a string (a path relative to the project), got an integer"),
        ("compiler-cache = []", "expected a string, got an array"),
    ],
)
def test_a_wrong_type_names_the_expected_one(tmp_path: Path, line: str, expected: str) -> None:
    root = _project(tmp_path, line)
    with pytest.raises(ConfigError) as info:
        load_project(root)
    text = info.value.render()
    assert "has the wrong type" in text and expected in text, text
    assert str(root / "pyproject.toml") in text
    key = line.split(" = ")[0]
    assert f"hint: for example {key} = {CONFIG_KEYS[key].default}" in text or (
        CONFIG_KEYS[key].default == "(none)"
    )


def test_a_missing_engine_folder_is_named_not_the_key_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path, 'engine = "engin"')
    assert main(["build", "--project", str(root)]) == ConfigError.exit_code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2, err
    assert err[0].startswith("error[config]: the engine folder set in [tool.wavecraft] ")
    assert "engine = 'engin' does not exist" in err[0] and str(root / "engin") in err[0]
    assert "or set [tool.wavecraft] engine" not in err[1]
    assert err[1].strip().startswith("hint: set engine to the folder of the plugin's Cargo.toml")


def test_an_engine_folder_without_cargo_toml_says_so(tmp_path: Path) -> None:
    root = _project(tmp_path, 'engine = "ui"')
    (root / "ui").mkdir()
    with pytest.raises(ConfigError, match=r"engine = 'ui' has no Cargo.toml"):
        load_project(root)
