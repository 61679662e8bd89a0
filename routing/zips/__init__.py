"""The Zip Relation Manager: parse -> validate (Great Expectations) -> preview -> apply, edits, unmapped zips.

Entry points for the CLI and the Prefect flow live in ``routing.zips.service``.
"""
