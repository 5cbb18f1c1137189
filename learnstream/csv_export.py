"""CSV downloads that are safe to open in a spreadsheet and streamed row by row."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator


def csv_cell_safe(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: neutralise them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """Each row as one encoded CSV line, for a StreamingHttpResponse."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)
