"""Audit and publish, the last two steps of write-audit-publish.

scope.py         which authorities a build re-derives (the rest is kept as published)
suites.py        Great Expectations suites (expectations/*.json) validated against DuckDB
plausibility.py  bounds no English authority's figures reach
dfe_files.py     DfE's reference files as loaded: columns, one row per key, known codes
publication.py   the published file, built beside the old one and moved into place
candidate.py     the published file's own check, on the candidate before it is moved into place
outcome.py       what came of a run: one type, read by the CLI, Dagster and the audit trail
audit_trail.py   each run's audit folder: summary.json, quarantine.csv, validation.html
"""
