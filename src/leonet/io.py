"""Atomic output files: write to a temporary file beside the target, then rename; nothing half-written.

``tempfile.mkstemp`` creates its file with mode 0600 whatever the umask; the finished file is given the mode an
ordinary ``open(path, "w")`` would have (0666 less the user's umask) before it is renamed into place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa


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


_CSV_SPECIAL = tuple(map(ord, ',"\r\n'))


def _needs_quotes(chunk: pa.Array) -> bool:
    """Whether any value of a string array holds a comma, quote or line break (looks at its value buffer)."""
    if len(chunk) == chunk.null_count:
        return False
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
    data = chunk.buffers()[2]
    if data is None:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)[int(offsets[0]):int(offsets[-1])]
    return any((raw == ch).any() for ch in _CSV_SPECIAL)


def _csv_quoting(table: pa.Table) -> tuple[str, pa.Table]:
    """'none' (plain, like the csv module's minimal quoting for our data) unless a string needs quotes; and the
    table to write. Dictionary-encoded string columns are written as their values; their dictionary is looked at
    (if it has a value that needs quotes, the column is decoded and its used values decide, as for strings)."""
    for i, column in enumerate(table.columns):
        if pa.types.is_dictionary(column.type) and pa.types.is_string(column.type.value_type):
            if any(_needs_quotes(chunk.dictionary) for chunk in column.chunks):
                column = column.cast(pa.string())
                table = table.set_column(i, table.field(i).name, column)
            else:
                continue
        if pa.types.is_string(column.type) and any(_needs_quotes(chunk) for chunk in column.chunks):
            return "needed", table
    return "none", table


class _Prefetch:
    """Run an iterator of tables in a background thread, at most ``depth`` ahead, so computing the next table
    overlaps writing this one (Arrow's writers and NumPy release the GIL). Exceptions reach the consumer."""

    _DONE = object()

    def __init__(self, tables: Iterable[pa.Table], depth: int = 2):
        import queue
        import threading

        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(iter(tables),), daemon=True)
        self._thread.start()

    def _run(self, it) -> None:
        try:
            for item in it:
                if self._stop.is_set():
                    return
                self._queue.put((item, None))
            self._queue.put((self._DONE, None))
        except BaseException as exc:  # handed to the consumer, raised there
            self._queue.put((self._DONE, exc))

    def __iter__(self):
        try:
            while True:
                item, exc = self._queue.get()
                if exc is not None:
                    raise exc
                if item is self._DONE:
                    return
                yield item
        finally:
            self._stop.set()
            while self._thread.is_alive():  # unblock a producer waiting on a full queue
                try:
                    self._queue.get(timeout=0.05)
                except Exception:  # noqa: BLE001 - queue.Empty: producer finishing
                    pass


def write_tables(target: str | Path, tables: Iterable[pa.Table], *, background: bool = True,
                 parquet_options: dict | None = None) -> int:
    """Stream tables into CSV (one plain header line) or Parquet (by the ``.parquet`` suffix), atomically.
    With ``background`` the tables are produced in a second thread while this one writes. ``parquet_options``
    go to ``pyarrow.parquet.ParquetWriter``. Returns the rows written."""
    target = Path(target)
    rows = 0
    parquet = target.suffix.lower() == ".parquet"
    if parquet:  # only the writer needed is imported (each costs tens of ms at start-up)
        import pyarrow.parquet as pq
    else:
        import pyarrow.csv as pacsv
    source = _Prefetch(tables) if background else tables
    with atomic_path(target) as tmp, open(tmp, "wb") as sink:
        writer = None
        try:
            for table in source:
                if parquet:
                    if writer is None:
                        # Dictionary-encoded columns are written as such; without the Arrow schema in the file
                        # they read back as plain strings, as if strings had been written.
                        encoded = any(pa.types.is_dictionary(f.type) for f in table.schema)
                        writer = pq.ParquetWriter(sink, table.schema, **(parquet_options or {}),
                                                  **({"store_schema": False} if encoded else {}))
                    writer.write_table(table)
                else:
                    if rows == 0 and writer is None:
                        sink.write((",".join(table.column_names) + "\n").encode())
                        writer = True
                    quoting, table = _csv_quoting(table)
                    options = pacsv.WriteOptions(include_header=False, quoting_style=quoting)
                    pacsv.write_csv(table, sink, write_options=options)
                rows += table.num_rows
        finally:
            if parquet and writer is not None:
                writer.close()
    return rows
