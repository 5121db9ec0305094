"""House rules that keep the layers apart."""

from __future__ import annotations

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import segmentation

ROOT = Path(__file__).resolve().parent.parent
CORE_MODULES = sorted(f"segmentation.{m.name}" for m in pkgutil.iter_modules(segmentation.__path__) if m.name != "__main__")


@pytest.mark.parametrize("module", CORE_MODULES)
def test_the_core_never_imports_streamlit_or_altair(module):
    code = f"import sys, {module}; print(' '.join(m for m in ('streamlit', 'altair') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{module} imports {result.stdout.strip()}"


@pytest.mark.parametrize("page", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_run_no_sql(page):
    source = page.read_text(encoding="utf-8")
    assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.*\bFROM\b", source)
    assert not re.search(r"\.(sql|execute)\(", source)
    assert "import duckdb" not in source


APP_SOURCES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "dashboard").glob("*.py")])


def test_the_app_renders_no_html_but_constant_css():
    """No value can reach the browser as HTML: nothing is drawn with `unsafe_allow_html`, and the
    one `st.html` writes a style sheet built from constants (`tables.smaller_figures`)."""
    unsafe = [p.name for p in APP_SOURCES if "unsafe_allow_html" in p.read_text(encoding="utf-8")]
    html = [p.name for p in APP_SOURCES if "st.html(" in p.read_text(encoding="utf-8")]
    assert unsafe == []
    assert html == ["tables.py"]


# ---------------------------------------------------------------------------------------------
# The package's modules: short, documented, and talking to each other only through public names

PACKAGE = ROOT / "segmentation"
MAX_MODULE_LINES = 500
PACKAGE_FILES = sorted(PACKAGE.glob("*.py"))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_names_used_from_other_modules(source: str) -> list[str]:
    """`from .x import _y`, `from segmentation.x import _y` and `x._y` where `x` is a module of
    the package, as "line: what" strings."""
    tree = ast.parse(source)
    package_modules: set[str] = set()  # local names bound to modules of the package
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            inside = node.level > 0 or (node.module or "").split(".")[0] == "segmentation"
            if not inside:
                continue
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(f"{node.lineno}: from {'.' * node.level}{node.module or ''} import {alias.name}")
                elif node.module is None or (node.level == 0 and node.module == "segmentation"):
                    package_modules.add(alias.asname or alias.name)  # from . import schema
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "segmentation":
                    package_modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):  # segmentation.schema._x
                base = base.value
            if isinstance(base, ast.Name) and base.id in package_modules:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", PACKAGE_FILES, ids=lambda p: p.name)
def test_no_module_of_the_package_is_longer_than_500_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines; split it by job"


@pytest.mark.parametrize("path", PACKAGE_FILES, ids=lambda p: p.name)
def test_every_module_of_the_package_has_a_docstring(path):
    if path.name == "__init__.py" and not path.read_text(encoding="utf-8").strip():
        return  # an empty package marker says nothing to document
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring and docstring.strip(), f"{path.name} has no module docstring saying what it owns"


@pytest.mark.parametrize("path", PACKAGE_FILES, ids=lambda p: p.name)
def test_no_module_of_the_package_uses_a_private_name_of_another(path):
    assert private_names_used_from_other_modules(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(("source", "found"), [
    ("from .schema import _check_version\n", ["1: from .schema import _check_version"]),
    ("from segmentation.rules import pick, _helper\n", ["1: from segmentation.rules import _helper"]),
    ("from . import schema\nschema._while_locked(1)\n", ["2: schema._while_locked"]),
    ("import segmentation.schema\nsegmentation.schema._x\n", ["2: segmentation.schema._x"]),
    ("from . import schema as s\ns._x\n", ["2: s._x"]),
    # not private names of the package: its own helpers, dunders, other libraries, objects
    ("def _own():\n    pass\n_own()\n", []),
    ("from .tiers import TIERS\nTIERS.__class__\n", []),
    ("import pandas as pd\npd._libs\n", []),
    ("from .analysis import Analysis\nanalysis = Analysis\nanalysis._lock\n", []),
])
def test_the_private_name_check_finds_exactly_the_private_imports(source, found):
    assert private_names_used_from_other_modules(source) == found
