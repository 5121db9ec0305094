"""House rules that keep the layers apart."""

from __future__ import annotations

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
