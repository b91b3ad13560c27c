"""The DfE Children's Social Work Workforce census return, generated from the validated data.

source.py       the figures and items, from the build behind the publication in place
identifiers.py  real SWE numbers, recovered from the archived deliveries (restricted)
records.py      the return's records in DfE's item order, and its XML
rules.py        DfE's business rules, as data; schema.py: DfE's XML schema
report.py       the validation report (HTML and CSV)
run.py          build, validate, write: `workforce census` and the Dagster asset
"""
