"""Every notebook in notebooks/ runs headless from top to bottom (nbclient + ipykernel) and
shows what its story is about. Refresh the stored outputs with tools/execute_notebooks.py."""

from __future__ import annotations

import pathlib

import pytest

nbformat = pytest.importorskip("nbformat", reason="notebook tests need nbformat (installed by `make setup`)")
nbclient = pytest.importorskip("nbclient", reason="notebook tests need nbclient (installed by `make setup`)")

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

# Per notebook: the seconds a cell may take, and texts its outputs must contain (the story's
# point, printed by the notebook itself), plus the MIME types it must produce (plots).
EXPECTED: dict[str, dict] = {
    "01_quickstart.ipynb": {"timeout": 120, "texts": ["N0nIQ3Vna7YDxuRsaVTYeYS4glkmxD4HrUbZIwIvN_s", "'hi, ao'",
                                                      "DeviceError ValueError nope"]},
    "02_processes.ipynb": {"timeout": 180, "texts": ["after slot 25: {'alice': 136, 'bob': 41}",
                                                     "slots executed by the device since the restart: 1"]},
    "03_scheduler_and_hash_chain.ipynb": {"timeout": 180, "texts": ["hash chain verified by hand",
                                                                    "tampered body: chain broken at slot",
                                                                    "has_next_page"]},
    "04_workers_and_performance.ipynb": {"timeout": 240, "texts": ["hot is faster", "workers_evicted"],
                                         "mime": ["image/png"]},
    "05_messaging_and_cron.ipynb": {"timeout": 180, "texts": ["ping-pong done", "cron ticks:", "task stopped"]},
    "06_aos.ipynb": {"timeout": 180, "texts": ["1 + 1 = 2", "reply: hello, ao -> True", "wallet credited: 400",
                                               "token supply conserved: True"], "mime": ["image/png"]},
}


def output_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.output_type == "stream":
                parts.append(out.text)
            elif "data" in out:
                parts.append(out.data.get("text/plain", ""))
    return "\n".join(parts)


def output_mimes(nb) -> set[str]:
    return {mime for cell in nb.cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if "data" in out for mime in out.data}


def test_there_are_notebooks():
    assert NOTEBOOKS


def test_every_notebook_has_expectations():
    assert {p.name for p in NOTEBOOKS} == set(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    expected = EXPECTED.get(path.name, {})
    stored = nbformat.read(path, as_version=4)
    # The committed notebook carries real outputs (executed, not just written).
    assert any(c.get("outputs") for c in stored.cells if c.cell_type == "code"), f"{path.name} has no stored outputs"
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=expected.get("timeout", 300), kernel_name="python3", coalesce_streams=True,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    text = output_text(nb)
    for needle in expected.get("texts", []):
        assert needle in text, f"{path.name}: output lacks {needle!r}"
    assert set(expected.get("mime", [])) <= output_mimes(nb)
