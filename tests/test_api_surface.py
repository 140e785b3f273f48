"""The Python surface as a whole: every class of the extension is bound in one place (no binding
file adds methods to another's class afterwards), the stubs and docstrings point to documents
that are in the repository, and the names that shadow builtins have aliases."""

from __future__ import annotations

import ast
import pathlib
import re

import aocore
from aocore import _core

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINDINGS = ROOT / "cpp" / "bindings"


def test_no_binding_file_adds_methods_to_a_class_afterwards() -> None:
    # A class fetched back from the module (m.attr("_Node")) and given attributes with setattr
    # made the result depend on the order of the Init calls in module.cc.
    late = re.compile(r"py::setattr\(|=\s*m\.attr\(\"_?[A-Z]\w*\"\)|\.attr\(\"\w+\"\)\s*=\s*py::cpp_function")
    offenders = [f"{path.name}:{n}" for path in sorted(BINDINGS.glob("*.cc"))
                 for n, line in enumerate(path.read_text().splitlines(), 1) if late.search(line)]
    assert offenders == []


def test_every_node_method_is_in_the_stub() -> None:
    tree = ast.parse((ROOT / "python" / "aocore" / "_core.pyi").read_text())
    stub = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_Node")
    stubbed = {f.name for f in stub.body if isinstance(f, ast.FunctionDef)}
    bound = {name for name in vars(_core._Node) if not name.startswith("__") and "pybind11" not in name}
    assert bound - stubbed == set()
    for name in bound:
        assert getattr(_core._Node, name).__doc__, name


def test_referenced_documents_exist() -> None:
    # Stubs, docstrings and binding comments cite documents by path; each must be in the repo
    # (the stubs used to point to an API.md outside it).
    cited: set[str] = set()
    sources = [*(ROOT / "python" / "aocore").glob("*.py*"), *BINDINGS.glob("*")]
    for path in sources:
        text = path.read_text()
        assert not re.search(r"(?<![\w/-])API\.md", text), f"{path.name} cites API.md, not in the repository"
        cited.update(re.findall(r"\bdocs/[\w./-]+\.md\b", text))
    assert cited, "expected citations of docs/*.md"
    missing = sorted(doc for doc in cited if not (ROOT / doc).is_file())
    assert missing == []


def test_builtin_shadowing_names_have_aliases() -> None:
    assert aocore.message_id is aocore.id
    assert aocore.message_id({"a": "1"}) == "N0nIQ3Vna7YDxuRsaVTYeYS4glkmxD4HrUbZIwIvN_s"
    assert aocore.NodeTimeoutError is aocore.TimeoutError
    assert issubclass(aocore.NodeTimeoutError, aocore.Error)


def test_star_import_does_not_shadow_builtins() -> None:
    namespace: dict[str, object] = {}
    exec("from aocore import *", namespace)  # noqa: S102 - what a notebook user writes
    assert "id" not in namespace and "TimeoutError" not in namespace
    assert namespace["message_id"] is aocore.id
    assert namespace["NodeTimeoutError"] is aocore.TimeoutError
    for name in aocore.__all__:
        assert hasattr(aocore, name), name
