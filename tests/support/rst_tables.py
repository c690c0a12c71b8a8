"""Read the ``list-table`` directives of a reStructuredText page as rows of cell texts, so that a
test can check content against the table the docs show (one source for both)."""

from __future__ import annotations

import re


def list_tables(text: str) -> list[list[list[str]]]:
    tables = []
    for block in re.split(r"^\.\. list-table::.*$", text, flags=re.M)[1:]:
        rows: list[list[str]] = []
        for line in block.splitlines():
            if line.startswith("   * - "):
                rows.append([line[7:].strip()])
            elif line.startswith("     - ") and rows:
                rows[-1].append(line[7:].strip())
            elif line.strip() and not line.startswith("   "):
                break
        tables.append(rows)
    return tables
