"""The public-module contract itself: kept on the project, broken by a reach into internals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

from devtools.import_contracts import PublicModuleContract

ROOT = Path(__file__).resolve().parents[2]


def make_contract() -> PublicModuleContract:
    return PublicModuleContract(
        name="test", session_options={}, contract_options={"contexts": ["app.billing", "app.orders"]}
    )


def graph_with(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for module in [
        "app",
        "app.billing",
        "app.billing.public",
        "app.billing.models",
        "app.orders",
        "app.orders.public",
        "app.orders.views",
    ]:
        graph.add_module(module)
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="import")
    return graph


def test_public_module_import_is_kept():
    check = make_contract().check(graph_with(("app.orders.views", "app.billing.public")), verbose=False)
    assert check.kept


def test_internal_import_inside_a_context_is_kept():
    check = make_contract().check(graph_with(("app.billing.public", "app.billing.models")), verbose=False)
    assert check.kept


def test_reaching_into_another_context_breaks_the_contract():
    check = make_contract().check(graph_with(("app.orders.views", "app.billing.models")), verbose=False)
    assert not check.kept
    assert check.metadata["violations"][0]["imported"] == "app.billing.models"


def test_the_project_keeps_its_contracts():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
