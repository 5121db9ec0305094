"""The README's commands run exactly as printed, as from a fresh clone after `make run`.

Every line of every ```sh block runs, in README order, in one temporary folder that holds what a
clone has after `make run`: `docs/` and `.venv/` (symlinks to this repository's and to the
virtual environment running the tests, which has the `segmentation` console script) and a demo
database at `data/demo.duckdb` (a small one, so the whole file runs in seconds).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from segmentation.demo import build_demo_database

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
VENV = Path(sys.executable).parent.parent  # the environment running the tests: .venv in a clone

#: Lines that are not run, and why: `make run` installs, builds a demo of 20,000 customers and
#: starts a server that never exits; `make test` runs the whole suite, this file included.
SKIPPED = (["make", "run"], ["make", "test"])


def sh_lines(markdown: str) -> list[str]:
    """Every command line of the ```sh blocks, in order (a trailing backslash joins lines)."""
    lines: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", markdown, flags=re.S | re.M):
        pending = ""
        for line in block.splitlines():
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            line, pending = pending + line, ""
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append(line.strip())
    return lines


def is_skipped(line: str) -> bool:
    words = [word for word in shlex.split(line, comments=True)]
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):  # VAR=value before the command
        words.pop(0)
    return words[:2] in SKIPPED


LINES = sh_lines(README.read_text(encoding="utf-8"))
RUN = [line for line in LINES if not is_skipped(line)]


def test_the_readme_has_commands_to_run_and_skips_only_make_run_and_make_test():
    assert len(RUN) >= 10
    assert all(line.startswith(".venv/bin/segmentation ") for line in RUN), RUN
    skipped = [line for line in LINES if is_skipped(line)]
    assert {" ".join(shlex.split(line, comments=True)[-2:]) for line in skipped} == {"make run", "make test"}


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("clone")
    if not (VENV / "bin" / "segmentation").exists():
        pytest.fail(f"{VENV}/bin/segmentation is missing: run `make test` (or `pip install --no-deps -e .`).")
    (folder / "docs").symlink_to(ROOT / "docs", target_is_directory=True)
    (folder / ".venv").symlink_to(VENV, target_is_directory=True)
    (folder / "data").mkdir()
    build_demo_database(folder / "data" / "demo.duckdb", customers=300, seed=42)
    return folder


@pytest.mark.parametrize("line", RUN)
def test_a_readme_command_runs_as_printed(clone, line):
    env = {key: value for key, value in os.environ.items() if key != "SEGMENTATION_DB"}
    result = subprocess.run(line, shell=True, cwd=clone, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{line}\n{result.stderr}"
    assert "Traceback" not in result.stderr
