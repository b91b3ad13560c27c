"""The board pack is made from the published file alone: the targets' wording, the caseload
threshold, the KPI labels and the code lists are the ones the publication carries, so a
pack cannot change when a seed or a dbt var of the source tree is edited later."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.report import write_board_pack
from orchestration.settings import Settings


def test_the_pack_follows_the_published_rules_not_the_source_tree(demo_home: Path, tmp_path):
    home = tmp_path / "elsewhere"
    (home / "published").mkdir(parents=True)
    published = home / "published" / "workforce.duckdb"
    shutil.copyfile(demo_home / "published" / "workforce.duckdb", published)
    # The seeds say turnover must be *below* 15 and the threshold is 20 children: publish
    # other rules, as a later edit of the source tree would not change them.
    with duckdb.connect(str(published)) as conn:
        conn.execute(
            "update kpi_targets set on_target_is_met = true where kpi_code = 'turnover_rate_fte'"
        )
        conn.execute("update kpi_settings set value = '27' where var_name = 'caseload_threshold'")
        conn.execute(
            "update kpi_definitions set label = 'Leavers as a share of staff' "
            "where kpi_code = 'turnover_rate_fte'"
        )
        conn.execute("update csww_org_roles set label = 'Case-holding practitioner' where code = 5")

    page = write_board_pack(Settings(home=home)).read_text()
    assert "Target (15 or lower)" in page and "Target (below 15)" not in page
    assert "more than 27 children" in page and "more than 20 children" not in page
    assert "Leavers as a share of staff" in page
    assert "Case-holding practitioner" in page
