"""Run independent pieces of work on Dask: a local cluster or a running scheduler given by address.

Every large leonet job that splits into independent pieces (route chunks in time, scenario sweeps, comparison
cases) runs through these two calls, so the serial and the distributed run share one code path and give identical
results (each piece is a pure function of its inputs):

    with dask_client(scheduler="tcp://10.0.0.5:8786") as client:   # or dask_client(workers=4): a LocalCluster
        for result in map_in_order(client, compute_piece, pieces, shared=job, progress=bar.advance):
            ...

``client=None`` runs the same pieces serially in this process (no Dask import). Results come back in the order of
``pieces`` with at most ``2 × workers`` pieces in flight, so memory stays bounded however many pieces there are.

Pointing at an existing cluster: start ``dask scheduler`` on one machine and ``dask worker tcp://HOST:8786`` on
each of the others (every worker needs leonet installed, same version), then pass ``--scheduler tcp://HOST:8786``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from leonet.errors import LeonetInputError


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A ``dask.distributed.Client``: connected to ``scheduler`` (an address such as ``tcp://HOST:8786``) if given,
    else to a new in-process ``LocalCluster`` of ``workers`` single-threaded worker processes (default 2).
    Closed (and the local cluster shut down) on exit."""
    from dask.distributed import Client, LocalCluster

    if workers is not None and workers < 1:
        raise LeonetInputError("must be ≥ 1", field="workers", value=workers)
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise LeonetInputError(f"cannot reach the Dask scheduler ({exc})", field="scheduler",
                                   value=scheduler) from None
    else:
        cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def map_in_order(client: Any, fn: Callable[..., Any], pieces: Iterable[tuple], *, shared: Any = None,
                 progress: Callable[[Any], None] | None = None, window: int | None = None) -> Iterator[Any]:
    """``fn(shared, *piece)`` for every piece (``fn(*piece)`` when ``shared`` is None), yielded in order.

    With a client the pieces run on its workers (``shared`` is scattered once to all of them); without one they
    run here, one after another. ``progress(piece)`` is called as each result is handed back."""
    def args(piece: tuple, head: Any) -> tuple:
        return piece if head is None else (head, *piece)

    if client is None:
        for piece in pieces:
            result = fn(*args(piece, shared))
            if progress:
                progress(piece)
            yield result
        return
    # hash=False: a fresh key per call. With content hashing, a second call scattering the same object shares the
    # first call's key, and releasing the first call's future can drop the data under the second's tasks
    # ("lost dependencies").
    head = None if shared is None else client.scatter(shared, broadcast=True, hash=False)
    limit = window or 2 * max(1, len(client.scheduler_info()["workers"]))
    pending: list[tuple[tuple, Any]] = []
    try:
        for piece in pieces:
            pending.append((piece, client.submit(fn, *args(piece, head), pure=False)))
            if len(pending) >= limit:
                done, fut = pending.pop(0)
                yield fut.result()
                if progress:
                    progress(done)
        while pending:
            done, fut = pending.pop(0)
            yield fut.result()
            if progress:
                progress(done)
    finally:
        for _, fut in pending:
            fut.cancel()


def folder_bytes(folder: str | Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path → content): what a worker sends back instead of writing on its own
    file system, which the user may never see (another machine) or see somewhere else (another working directory)."""
    root = Path(folder)
    return {str(f.relative_to(root)): f.read_bytes() for f in sorted(root.rglob("*")) if f.is_file()}


def write_folder_bytes(files: dict[str, bytes], folder: str | Path) -> None:
    """Write ``folder_bytes`` output under ``folder`` (atomically per file, with the user's umask)."""
    from leonet.io import atomic_path

    for rel, content in files.items():
        dest = Path(folder) / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(dest) as tmp:
            tmp.write_bytes(content)
