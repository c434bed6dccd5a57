"""What each command accepts: the argument types, the flags several commands share
(argparse parent parsers, declared once), each command's own arguments, and the command
table ``cli.build_parser`` turns into sub-parsers.

Imported by ``cli`` at start-up, so it imports nothing heavy: argparse and pathlib are
imported inside the functions that use them (only when the parser is built).
"""

from __future__ import annotations

from wavecraft_build._kinds import DEFAULT_TEMPLATE, TEMPLATES

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from pathlib import Path

__all__ = ["COMMANDS", "COMMAND_TABLE", "DEV_EDITOR_URL", "MAX_TIMEOUT", "shared_flags"]

MAX_TIMEOUT = 3600.0


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


def _positive_float(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"must be > 0 and <= {MAX_TIMEOUT:g} seconds")
    return value


# -- parser ---------------------------------------------------------------------------
# Flags several commands share are declared once, in parent parsers (argparse ``parents``).


def shared_flags() -> dict[str, argparse.ArgumentParser]:
    import argparse

    def parent() -> argparse.ArgumentParser:
        return argparse.ArgumentParser(add_help=False)

    project, output, timeout, no_cache, as_json = (parent() for _ in range(5))
    project.add_argument(
        "--project",
        type=_path,
        default=".",
        metavar="DIR",
        help="plugin project folder (default: the current folder)",
    )
    group = output.add_mutually_exclusive_group()
    group.add_argument("--quiet", "-q", action="store_true",
                       help="print only results and errors, no progress")
    group.add_argument("--verbose", "-v", action="store_true", help="show cargo's full output")
    timeout.add_argument(
        "--timeout",
        type=_positive_float,
        default=None,
        metavar="SECONDS",
        help="kill a parameter extraction after this long (default: [tool.wavecraft] "
        "extract-timeout, else 30)",
    )
    no_cache.add_argument("--no-cache", action="store_true", help="always run the extraction child")
    as_json.add_argument("--json", action="store_true", help="print JSON instead of text")
    return {"project": project, "output": output, "timeout": timeout, "cache": no_cache,
            "json": as_json}


def _args_new(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "name",
        metavar="NAME",
        help="plugin name: letters, digits, '-' and '_', starting with a letter, at most 64 "
        "characters, not a Rust keyword (e.g. my-synth)",
    )
    p.add_argument(
        "--dir",
        dest="directory",
        type=_path,
        default=None,
        metavar="DIR",
        help="project folder to create (default: ./NAME); must be empty unless --force",
    )
    p.add_argument(
        "--vendor",
        default=None,  # scaffold's DEFAULT_VENDOR; importing scaffold would slow --help down
        metavar="V",
        help="vendor shown by hosts, also used in the CLAP id (default: Wavecraft)",
    )
    p.add_argument("--email", default="", metavar="E", help="support e-mail shown by hosts")
    p.add_argument("--url", default="", metavar="U", help="plugin website, http(s)://...")
    p.add_argument(
        "--no-git", dest="git", action="store_false", help="skip git init and the first commit"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="fill a non-empty folder: add missing files, never overwrite existing ones",
    )
    p.add_argument(
        "--no-ci", dest="ci", action="store_false",
        help="skip the GitHub Actions workflows (.github/workflows/ci.yml, release.yml)",
    )
    p.add_argument(
        "--template", choices=tuple(TEMPLATES), default=DEFAULT_TEMPLATE,
        help="effect: audio in, audio out (input gain, filter, output gain; the default). "
        "instrument: notes in, audio out (a 16-voice synth, filter, output gain; an "
        "on-screen keyboard in the dev page)",
    )


def _args_extract(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        nargs="?",
        default=".",
        metavar="PATH",
        help="a built library, or a crate/project folder (default: the current folder)",
    )


def _args_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--release", action="store_true", help="build the release profile")


#: Where `npm run dev` (Vite) serves the UI unless told otherwise.
DEV_EDITOR_URL = "http://localhost:5173/"


def _args_release(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--install",
        action="store_true",
        help="also copy the bundles to the user's VST3/CLAP folders (~/.vst3, ~/.clap on "
        "Linux), replacing only same-named bundles",
    )
    p.add_argument("--no-ui", action="store_true", help="skip the npm UI build")
    p.add_argument("--no-wheel", action="store_true", help="skip the Python wheel")
    p.add_argument("--no-editor", action="store_true",
                   help="build the bundles without the editor (the React app in the DAW)")
    p.add_argument("--dev-editor", nargs="?", const=DEV_EDITOR_URL, default=None, metavar="URL",
                   help="a debug build, installed, whose editor loads the running Vite dev "
                   f"server (default {DEV_EDITOR_URL}): UI edits hot-reload in the DAW; "
                   "never for shipping (no wheel)")
    p.add_argument("--target", default=None, metavar="TRIPLE",
                   help="cross build for this target triple (its std: `rustup target add`)")
    p.add_argument("--universal", action="store_true",
                   help="macOS: one universal binary (x86_64 + arm64, lipo) in both bundles")
    p.add_argument("--tag", default=None, metavar="vX.Y.Z",
                   help="refuse unless Cargo.toml and pyproject.toml have this version (CI)")
    _add_out(p, "output folder (default: <cargo target dir>/bundled)")
    _add_release_checks(p)


def _args_validate(p: argparse.ArgumentParser) -> None:
    _add_out(p, "the release's output folder (default: <cargo target dir>/bundled)")
    _add_validator_timeout(p)


def _add_out(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--out", type=_path, default=None, metavar="DIR", help=help_text)


def _add_validator_timeout(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--validator-timeout",
        type=_positive_float,
        default=600.0,
        metavar="SECONDS",
        help="kill a validator (and its process group) after this long (default: 600)",
    )


def _add_release_checks(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--validate",
        action="store_true",
        help="run clap-validator and the VST3 validator on the bundles (see `validate`)",
    )
    p.add_argument(
        "--accept-param-changes",
        action="store_true",
        help="release even though parameter ids in wavecraft.lock.json were removed or "
        "changed type or range, and rewrite the lock (hosts lose that automation)",
    )
    p.add_argument("--skip-tests", action="store_true",
                   help="publish without running the project's tests/ first (manifest.json "
                   "records that they were skipped)")
    _add_validator_timeout(p)


def _args_dev(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-ui", action="store_true", help="do not start `npm run dev` in ui/")
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON event per line (also: WAVECRAFT_DEV_JSON=1)",
    )
    p.add_argument("--test", action="store_true",
                   help="run the project's tests/ after every successful reload (events "
                   "tests_passed / tests_failed; never delays the hot swap)")
    _add_engine_options(p)


def _args_test(p: argparse.ArgumentParser) -> None:
    p.add_argument("--update-golden", action="store_true",
                   help="write or refresh tests/golden/*.wav and print what changed")
    p.add_argument("pytest_args", nargs="*", metavar="PYTEST_ARG",
                   help="passed to pytest after `--` (e.g. -- -k sweep -x)")


def _args_report(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=_path, default=None, metavar="FILE",
                   help="the HTML file to write (default: build/report.html in the project)")


def _int_in(lo: int, hi: int, what: str) -> Callable[[str], int]:
    import argparse

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{what} must be between {lo} and {hi}")
        return value

    return parse


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    """The dev engine's flags (see the README's "Dev engine" section)."""
    g = p.add_argument_group("dev engine (the DSP, served to the UI over a WebSocket)")
    g.add_argument("--no-engine", action="store_true", help="do not run the dev engine")
    g.add_argument("--port", type=_int_in(1, 65535, "the port"), default=None,
                   help="engine WebSocket port on 127.0.0.1 (default: [tool.wavecraft] "
                   "dev-port, else 9000)")
    g.add_argument("--sample-rate", type=_int_in(8_000, 384_000, "the sample rate"),
                   default=48_000, metavar="HZ", help="engine sample rate (default 48000)")
    g.add_argument("--block-size", type=_int_in(16, 8192, "the block size"), default=128,
                   metavar="FRAMES", help="frames per block (default 128)")
    g.add_argument("--input", default="auto", metavar="FILE|auto|sine|pink|sweep|silence",
                   help="engine input: a built-in signal (auto, the default: sine 440 Hz at "
                   "-12 dBFS for an effect, silence plus the page's keyboard for an "
                   "instrument), a WAV file, or a MIDI file (.mid: its notes, looped)")
    g.add_argument("--audio-out", action="store_true",
                   help="also play to the default audio device (needs wavecraft-build[audio])")


def _no_args(p: argparse.ArgumentParser) -> None:
    pass


#: name, help, description, shared flags, own arguments, function in ``commands``.
COMMAND_TABLE = (
    ("new", "create a plugin project from the template",
     "Create a plugin project: Rust engine (VST3 + CLAP via nice-plug), Vite + React UI, "
     "noxfile. Nothing is written if NAME or an option is invalid.",
     (), _args_new, "new"),
    ("extract", "print the parameters of a built plugin library (or of a crate, built first)",
     "Load PATH in an isolated child interpreter and print its parameters. PATH is a built "
     "cdylib (.so/.dylib/.dll) or a crate/project folder, which is built with --features "
     "_param-discovery first.",
     ("json", "cache", "timeout"), _args_extract, "extract"),
    ("build", "discovery build + extraction + cache + codegen",
     "Run `cargo build --lib --features _param-discovery`, extract and validate the "
     "parameters (cached by content), and regenerate the bindings.",
     ("project", "cache", "json", "timeout"), _args_build, "build"),
    ("codegen", "regenerate bindings from the last extracted parameters",
     "Write ui/src/generated/*.ts, UI stubs (once) and the Python parameter module from the "
     "parameters the last successful build extracted.",
     ("project",), _no_args, "codegen"),
    ("release", "VST3 + CLAP bundles, manifest and Python wheel into engine/target/bundled/",
     "Build the UI (npm ci + npm run build), `cargo build --release`, check its parameters "
     "against the discovery extraction, and publish NAME.vst3, NAME.clap, the Python wheel "
     "and manifest.json to <cargo target dir>/bundled/ (engine/target/bundled/ unless "
     "CARGO_TARGET_DIR is set) in one atomic swap (a failure keeps the previous bundles).",
     ("project", "cache", "json"), _args_release, "release"),
    ("validate", "run clap-validator and the VST3 validator on the released bundles",
     "Run every plugin validator found (CLAP_VALIDATOR / VST3_VALIDATOR, or clap-validator / "
     "validator on PATH) on the bundles of the last release and print one table. Exit code "
     "24 (release) when a test fails or a validator hangs.",
     ("project", "json"), _args_validate, "validate"),
    ("test", "build, then run the project's tests/ with pytest (golden audio, sweeps)",
     "Run the discovery build, then `pytest tests --junitxml=.wavecraft/test/junit.xml` "
     "against the library it built, and print a summary table. Exit code 25 (tests "
     "failed) when a test fails.",
     ("project", "timeout"), _args_test, "test"),
    ("report", "write an HTML page: frequency responses, THD, latency, test results",
     "Run the discovery build, measure the DSP in-process (log-sweep frequency response at "
     "the defaults and a few settings per processor, THD at 1 kHz, latency) and write one "
     "self-contained HTML page with the last `test` run's results and plots.",
     ("project", "timeout"), _args_report, "report"),
    ("doctor", "check Python, Rust, nice-plug, Node/npm and the cache; say what to install",
     "Check everything the workflow needs and print the fix for each gap.",
     (), _no_args, "doctor"),
    ("dev", "watch the engine, rebuild, extract and regenerate on every change",
     "Hot-reload loop: watch engine/ (*.rs, Cargo.toml, Cargo.lock, build.rs), run the "
     "discovery build on change (cancelling a build that is still running), extract the "
     "parameters and regenerate the bindings. Failures keep the last good state. Ctrl-C "
     "exits with 130.",
     ("project", "timeout"), _args_dev, "dev"),
)

#: The command names, in ``--help`` order.
COMMANDS = tuple(c[0] for c in COMMAND_TABLE)
