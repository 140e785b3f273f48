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


def _option_table(doc: str) -> dict[str, str]:
    """The `| option | default | meaning |` table of a doc page: option name -> default cell."""
    text = (ROOT / "docs" / doc).read_text()
    table = text.split("| option | default | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[1]
    return rows


def test_every_node_option_is_documented_with_its_default():
    import aocore

    # The node names every option it accepts when it refuses an unknown one.
    with pytest.raises(aocore.InvalidMessageError) as refused:
        aocore.Node(no_such_option=1)
    accepted = sorted(re.search(r"known: ([^)]*)\)", str(refused.value)).group(1).split(", "))
    documented = _option_table("python-api.md")
    assert sorted(documented) == accepted
    # Each documented default is one the node accepts.
    wallet = aocore.Wallet.generate()
    for name, cell in documented.items():
        default = re.fullmatch(r"`(.*)`", cell)
        if default is None:
            continue  # a prose default, such as "cores (at least 2)"
        value = eval(default.group(1), {"True": True, "False": False})  # noqa: S307 (our own docs)
        with aocore.Node(wallet=wallet, **{name: value}) as node:
            assert not node.closed


def _anchors(doc: pathlib.Path) -> set[str]:
    """The anchors of a doc page: its headings (GitHub's slugs) and its explicit `<a id=...>`."""
    text = doc.read_text()
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    for heading in re.findall(r"^#+ (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def test_every_docs_anchor_the_code_cites_exists():
    cited = set()
    for source in (ROOT / "cpp").rglob("*"):
        if source.suffix in {".h", ".cc"}:
            cited |= set(re.findall(r"docs/([\w-]+\.md)#([\w-]+)", source.read_text()))
    assert cited, "the code cites no doc anchors"
    missing = sorted(f"docs/{doc}#{anchor}" for doc, anchor in cited
                     if not (ROOT / "docs" / doc).exists() or anchor not in _anchors(ROOT / "docs" / doc))
    assert not missing
