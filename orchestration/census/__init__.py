"""The DfE Children's Social Work Workforce census return, generated from the validated data.

encoding.py     each collection's items, names, order and requirements, as data (collections/)
source.py       the records, from the dbt models of the build behind the publication
identifiers.py  real SWE numbers, recovered from the archived deliveries (restricted)
records.py      every item of a record ("facts"), and the XML in a collection's encoding
rules.py        DfE's business rules, as data; schema.py: the collection's XML schema
continuity.py   the comparison with last year's return, as COLLECT's continuity report
report.py       the validation report (HTML and CSV), one row per cause with its fix
run.py          build, validate, write: `workforce census` and the Dagster asset
"""
