"""`workforce docs`: dbt's static docs site, and every mart model and column described."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_workforce


@pytest.fixture(scope="module")
def docs(demo_home: Path) -> tuple[Path, dict, dict]:
    done = run_workforce(demo_home, "docs")
    assert done.returncode == 0, done.stdout + done.stderr
    page = demo_home / "docs" / "index.html"
    assert str(page) in done.stdout
    target = demo_home / "dbt" / "docs"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    return page, manifest, catalog


def test_the_static_page_is_written_under_home(docs):
    page, _, _ = docs
    assert page.exists()
    html = page.read_text()
    # static_index.html carries the manifest and catalog inside: it opens from disk
    assert "kpi_values" in html and "fct_workforce_census" in html


def mart_models(manifest: dict) -> dict[str, dict]:
    return {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }


def test_every_mart_model_and_column_is_described(docs):
    _, manifest, catalog = docs
    marts = mart_models(manifest)
    assert {"kpi_values", "fct_workforce_census"} <= {n["name"] for n in marts.values()}
    undescribed = [n["name"] for n in marts.values() if not n["description"].strip()]
    assert not undescribed, f"mart models without a description: {undescribed}"
    missing = []
    for uid, node in marts.items():
        assert uid in catalog["nodes"], f"{node['name']} is not in the warehouse catalog"
        described = {
            name.lower(): column["description"].strip() for name, column in node["columns"].items()
        }
        missing += [
            f"{node['name']}.{column}"
            for column in catalog["nodes"][uid]["columns"]
            if not described.get(column.lower())
        ]
    assert not missing, f"mart columns without a description: {missing}"


def test_docs_without_a_warehouse_is_a_clear_error(tmp_path):
    done = run_workforce(tmp_path / "workforce-data", "docs")
    assert done.returncode == 1
    assert "No warehouse yet" in done.stderr


def test_the_overview_page_is_the_projects_own(docs):
    page, manifest, _ = docs
    overview = manifest["docs"]["doc.csc_workforce.__overview__"]["block_contents"]
    assert overview.startswith("# csc-workforce: children's social work workforce KPIs")
    assert "Where to start" in page.read_text()  # the page carries it, in place of dbt's


def test_the_docs_tree_has_no_parent_folder(docs):
    _, manifest, _ = docs
    paths = [
        node["original_file_path"]
        for section in ("nodes", "sources", "exposures", "unit_tests")
        for node in manifest[section].values()
        if node["package_name"] == "csc_workforce"
    ]
    seeds = [p for p in paths if p.endswith(".csv")]
    assert "seeds/kpi_targets.csv" in seeds and len(seeds) == 11
    outside = sorted({p for p in paths if ".." in p.split("/")})
    assert not outside, f"files shown under a '..' folder of the docs tree: {outside}"


def test_every_data_test_is_described_on_the_site(docs):
    _, manifest, _ = docs
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert tests and all(t["description"].strip() for t in tests)
