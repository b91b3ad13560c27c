"""The agency rules' quarterly return to DfE (`workforce agency-return`, the Dagster asset
`agency_rules/agency_return`): docs/agency-rules.md.

source.py  what the return says, read from the build behind the publication in place
run.py     the two owner-only CSV files, with the real SWE numbers recovered from the archive
"""
