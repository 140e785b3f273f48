"""Every code block of README.md and docs/*.md marked `<!-- runnable -->` runs as written."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"<!-- runnable -->\s*\n```python\n(.*?)\n```", re.S)


def runnable_blocks():
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for i, match in enumerate(BLOCK.finditer(doc.read_text())):
            yield pytest.param(match.group(1), id=f"{doc.relative_to(ROOT)}#{i + 1}")


BLOCKS = list(runnable_blocks())


def test_the_readme_has_a_runnable_quickstart():
    assert any("README.md" in p.id for p in BLOCKS)


@pytest.mark.parametrize("code", BLOCKS)
def test_block_runs(code, tmp_path):
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
