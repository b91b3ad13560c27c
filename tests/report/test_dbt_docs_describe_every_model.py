"""`workforce docs`: dbt's static docs site, and every mart model and column described."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, query, run_workforce


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
    assert "seeds/kpi_targets.csv" in seeds
    assert len(seeds) == len(list((PROJECT_ROOT / "seeds").glob("*.csv")))  # every seed
    outside = sorted({p for p in paths if ".." in p.split("/")})
    assert not outside, f"files shown under a '..' folder of the docs tree: {outside}"


def test_every_data_test_is_described_on_the_site(docs):
    _, manifest, _ = docs
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert tests and all(t["description"].strip() for t in tests)


def test_a_page_beside_the_site_documents_every_published_table_and_column(docs, demo_home):
    page, manifest, _ = docs
    published = page.with_name("published-file.html").read_text()
    assert "(published-file.html)" in page.read_text()  # the overview links to it
    db = demo_home / "published" / "workforce.duckdb"
    tables = {t for (t,) in query(db, "select table_name from duckdb_tables()")}
    assert {"kpi_values", "kpi_values_by_authority", "publications"} <= tables
    sections = dict(re.findall(r'<h2 id="([^"]+)">.*?</h2>(.*?)(?=<h2 |</body>)', published, re.S))
    assert set(sections) == tables
    (kpi_values,) = [n for n in manifest["nodes"].values() if n["name"] == "kpi_values"]
    for column, data_type in query(
        db, "select column_name, data_type from duckdb_columns() where table_name = 'kpi_values'"
    ):
        description = html.escape(kpi_values["columns"][column]["description"])
        row = f"<tr><td><code>{column}</code></td><td>{data_type}</td><td>{description}</td></tr>"
        assert description and row in sections["kpi_values"], column
