"""Text cells that spreadsheets must not run: delivered free text (a team, a job title, a
quarantined value) reaches exports and the audit trail, and Excel treats a cell beginning
with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula (CSV injection)."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def csv_safe(text: str) -> str:
    """OWASP's remedy for CSV: such a cell is prefixed with a single quote, which Excel
    shows as text and does not evaluate. Numbers are not text and are never touched."""
    return "'" + text if is_formula_like(text) else text
