"""The validation page (audit/runs/<run_id>/validation.html) says first what came of the run
and only what failed or warned, where and why, before the list of every check."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from orchestration.publish.outcome import CheckResult, RunOutcome
from tests.publish.validation_runs import (
    FAILED,
    LONG_CHECK_NAME,
    REASON_END,
    blocked_run,
    passed_run,
    write_page,
)


class Text(HTMLParser):
    """The page's text in reading order, and its external references."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value and "//" in value:
                self.external.append(value)

    def handle_data(self, data):
        self.parts.append(data)


def text_of(page: Path) -> Text:
    parser = Text()
    parser.feed(page.read_text())
    return parser


def test_a_blocked_run_lists_its_failures_first(tmp_path: Path):
    page = write_page(tmp_path, blocked_run())
    source = page.read_text()
    text = " ".join(text_of(page).parts)
    assert text_of(page).external == []  # self-contained
    assert "Blocked" in text and "run-published-0000" in text
    # what failed, where and why, before the list of every check (which follows, collapsed)
    failure = source.index('class="problem failed"')
    warning = source.index('class="problem warned"')
    table = source.index('id="all-checks-table"')
    assert failure < warning < table
    assert source.index(REASON_END.replace('"', "&quot;")) < table
    assert source.count('class="problem ') == 2  # passing checks are not listed there
    assert "fct_workforce_census" in source[failure:warning]
    # the name is shortened; the full name is kept
    shown = source[failure:warning].split('class="name"')[1].split(">")[1].split("<")[0]
    assert "expression is true: inpost_fte_0" in shown and len(shown) < 100
    assert f'title="{LONG_CHECK_NAME}"' in source and f"<code>{LONG_CHECK_NAME}</code>" in source
    assert "<details" in source[table - 200 : table]


def test_delivered_text_is_escaped_and_a_formula_stays_text(tmp_path: Path):
    """A check's message quotes delivered values: markup is shown, not run, and a message
    beginning like a formula is `'`-prefixed (a table copied into a spreadsheet stays text)."""
    hostile = CheckResult(
        asset="raw/hr_staff",
        check_name="quarantine_share",
        passed=False,
        severity="ERROR",
        description='=HYPERLINK("x") <script>alert(1)</script>',
    )
    outcome = RunOutcome("run-hostile-0003", "blocked", checks=[hostile])
    source = write_page(tmp_path, outcome).read_text()
    assert "<script" not in source
    assert (
        "<li>&#x27;=HYPERLINK(&quot;x&quot;) &lt;script&gt;alert(1)&lt;/script&gt;</li>" in source
    )


def test_a_run_without_failures_says_everything_passed(tmp_path: Path):
    page = write_page(tmp_path, passed_run())
    source = page.read_text()
    assert 'id="all-passed"' in source and "All 60 checks passed." in source
    assert 'class="problem ' not in source
    assert source.index("Published") < source.index('id="all-checks-table"')


def test_a_dbt_test_name_reads_as_its_test_and_arguments():
    from orchestration.publish.audit_trail import SHORT_NAME, short_name

    assert len(short_name(FAILED)) == SHORT_NAME
    assert short_name(FAILED).startswith("expression is true: inpost_fte_0_and_starters")
    assert short_name(FAILED).endswith("…")
