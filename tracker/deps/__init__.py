"""Dependency risk: read requirements, lock files and SBOMs, map each package to its source
repository, and report the health and maintenance risk of every dependency (`tracker deps`).

Nothing read from a dependency file is ever executed: text formats are parsed line by line,
PEP 508 requirement strings by the `packaging` library, TOML by `tomllib`, JSON by `json`.
"""
