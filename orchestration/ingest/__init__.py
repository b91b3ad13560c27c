"""Ingestion: landing folder -> archived, typed, pseudonymised raw tables with history.

landing.py     which files are waiting and what each one is (authority, kind, date, hash)
readers.py     a file's cells as text (CSV, XLSX, Parquet; DfE's CSVs), or a rejection
rules.py       the SQL that types cells and finds every rule a row breaks
stage.py       one file into `incoming` (good rows) and `problems` (quarantined rows)
pseudonyms.py  keyed HMAC pseudonyms, applied before anything is stored
history.py     snapshot history as record versions; corrections and late files replayed
ledger.py      audit.files, the archive, rejected/ and the quarantined rows
run.py         the pass: one transaction per file

Every file is hashed (SHA-256) and recorded in `audit.files`. A file whose bytes are already
loaded for the same authority, kind and extract date is skipped; a different file for the
same authority, kind and date is a correction and replaces its predecessor.

Import from the modules themselves: this package stays light so the landing sensor, which
needs only `landing`, does not load pandas and pyarrow.
"""
