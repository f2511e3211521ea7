"""Atomic output files: write to a temporary file beside the target, then rename; nothing half-written.

``tempfile.mkstemp`` creates its file with mode 0600 whatever the umask; the finished file is given the mode an
ordinary ``open(path, "w")`` would have (0666 less the user's umask) before it is renamed into place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def current_umask() -> int:
    """The process's umask (read by setting and restoring it; there is no read-only call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: str | Path):
    """Yield a temporary path in the target's directory; on success rename it over the target."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _csv_quoting(table: pa.Table) -> str:
    """'none' (plain, like the csv module's minimal quoting for our data) unless a string needs quotes."""
    for column in table.columns:
        if pa.types.is_string(column.type) and column.null_count < len(column):
            if pc.any(pc.match_substring_regex(column, '[,"\\r\\n]')).as_py():
                return "needed"
    return "none"


def write_tables(target: str | Path, tables: Iterable[pa.Table]) -> int:
    """Stream tables into CSV (one plain header line) or Parquet (by the ``.parquet`` suffix), atomically.
    Returns the number of rows written."""
    target = Path(target)
    rows = 0
    parquet = target.suffix.lower() == ".parquet"
    with atomic_path(target) as tmp, open(tmp, "wb") as sink:
        writer = None
        try:
            for table in tables:
                if parquet:
                    writer = writer or pq.ParquetWriter(sink, table.schema)
                    writer.write_table(table)
                else:
                    if rows == 0 and writer is None:
                        sink.write((",".join(table.column_names) + "\n").encode())
                        writer = True
                    options = pacsv.WriteOptions(include_header=False, quoting_style=_csv_quoting(table))
                    pacsv.write_csv(table, sink, write_options=options)
                rows += table.num_rows
        finally:
            if parquet and writer is not None:
                writer.close()
    return rows
