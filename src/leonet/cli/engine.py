"""Engine commands: ``leonet routes``, ``leonet plot rtt``, ``leonet constellation export|list``."""

from __future__ import annotations

from pathlib import Path

import typer

from leonet.cli.common import user_errors

constellation_app = typer.Typer(help="Constellation presets and TLE export.", no_args_is_help=True)
plot_app = typer.Typer(help="Plots of results.", no_args_is_help=True)


LARGE_ROWS = 100_000
# Bytes per row measured on the README's 100-city shell-1 run (990,000 rows: 100.1 MB CSV, 10.8 MB Parquet).
CSV_BYTES_PER_ROW, PARQUET_BYTES_PER_ROW = 101, 11
# --forwarding-out, measured on shell 1 × 100 cities × 20 steps (3,168,000 rows: 68.9 MB CSV, 3.9 MB Parquet).
FWD_CSV_BYTES_PER_ROW, FWD_PARQUET_BYTES_PER_ROW = 22, 1.2
# --hypatia-out: fstate_0.txt of the same run, 168,300 lines in 2.97 MB.
FSTATE_BYTES_PER_LINE = 18


# Parquet layout of a routes file: dictionary pages for the repetitive columns, not for rtt_ms (nearly every value
# distinct: a dictionary is built, then abandoned); min/max statistics for the numeric columns only. Measured on the
# 100-city, 200-step benchmark: 80 ms instead of 130 ms to write, 10.8 MB instead of 11.9 MB.
ROUTES_PARQUET = {"use_dictionary": ["t_s", "src", "dst", "hops", "path"],
                  "write_statistics": ["t_s", "rtt_ms", "hops"]}


def size_note(rows: int, pairs: int, steps: int, out: Path) -> str:
    """One line saying how big the output will be, before it is computed."""
    return _size_line("routes", rows, f"{pairs:,} pairs × {steps:,} steps", out, CSV_BYTES_PER_ROW,
                      PARQUET_BYTES_PER_ROW)


def _size_line(what: str, rows: int, shape: str, out: Path, csv_bytes: float, parquet_bytes: float) -> str:
    csv_mb, pq_mb = rows * csv_bytes / 1e6, rows * parquet_bytes / 1e6
    if Path(out).suffix.lower() == ".parquet":
        return f"{what}: {rows:,} rows ({shape}), about {pq_mb:,.0f} MB as Parquet"
    return f"{what}: {rows:,} rows ({shape}), about {csv_mb:,.0f} MB as CSV (as .parquet: about {pq_mb:,.0f} MB)"


def extra_size_notes(job, forwarding_out: Path | None, hypatia_out: Path | None) -> list[str]:
    """The size of the forwarding state and of Hypatia's state, said before they are computed (large ones only)."""
    n, g, steps = job.num_sats, len(job.sites), job.grid.count
    notes = []
    if forwarding_out is not None and n * g * steps >= LARGE_ROWS:
        notes.append(_size_line("forwarding state", n * g * steps, f"{n:,} satellites × {g:,} ground stations × "
                                f"{steps:,} steps", forwarding_out, FWD_CSV_BYTES_PER_ROW, FWD_PARQUET_BYTES_PER_ROW))
    lines = (n + g) * g - g
    if hypatia_out is not None and lines >= LARGE_ROWS:
        notes.append(f"Hypatia state: fstate_0.txt {lines:,} lines (about {lines * FSTATE_BYTES_PER_LINE / 1e6:,.0f} "
                     f"MB), then only the changed lines in each of {steps - 1:,} more steps")
    return notes


def routes(
    preset: str = typer.Option(None, "--preset", help="Constellation preset, e.g. starlink-shell1."),
    tles: Path = typer.Option(None, "--tles", help="TLE file (2/3-line, .gz ok) or OMM .json/.csv, or starlink-latest "
                              "(the shipped CelesTrak snapshot)."),
    ground_stations: Path = typer.Option(..., "--ground-stations", help="CSV: name,lat_deg,lon_deg,alt_m."),
    isls: str = typer.Option("plus-grid", "--isls", help="'plus-grid', 'none' (bent pipe), or a file of pairs."),
    inter_plane_offset: int = typer.Option(0, "--inter-plane-offset", help="+Grid slot offset to the next plane."),
    min_elevation: float = typer.Option(None, "--min-elevation", help="GSL minimum elevation, deg (default 25)."),
    max_gsl_range_km: float = typer.Option(None, "--max-gsl-range-km", help="GSL max slant range, km."),
    max_isl_km: float = typer.Option(None, "--max-isl-km", help="Drop ISLs longer than this."),
    drop_grazing_isls: bool = typer.Option(False, "--drop-grazing-isls", help="Drop ISLs that dip below 80 km."),
    pairs: str = typer.Option("all", "--pairs", help="'all' or a CSV with header src,dst."),
    start: str = typer.Option(None, "--start", help="ISO-8601 UTC start (default: the preset's epoch, or the TLEs' "
                         "epoch when they share one; TLEs of several epochs need it)."),
    duration: float = typer.Option(..., "--duration", help="Seconds."),
    step: float = typer.Option(..., "--step", help="Seconds."),
    out: Path = typer.Option(..., "--out", help="Output .csv or .parquet."),
    chunk_steps: int = typer.Option(50, "--chunk-steps", help="Time steps per chunk."),
    dask: bool = typer.Option(False, "--dask", help="Run chunks on a local Dask cluster."),
    scheduler: str = typer.Option(None, "--scheduler", help="Run chunks on the Dask scheduler at this address."),
    workers: int = typer.Option(None, "--workers", help="Local Dask workers (default 2)."),
    forwarding_out: Path = typer.Option(None, "--forwarding-out",
                                        help="Also write the forwarding state (t_s,node,dst,next_hop)."),
    hypatia_out: Path = typer.Option(None, "--hypatia-out",
                                     help="Also write Hypatia's satellite-network state into this folder (fstate_"
                                          "<t_ns>.txt, gsl_if_bandwidth_<t_ns>.txt, tles/isls/ground_stations/"
                                          "description.txt) for its ns-3 module."),
) -> None:
    """Shortest-path RTT, hops and path between ground stations over time → CSV/Parquet
    (t_s,src,dst,rtt_ms,hops,path)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from leonet.io import write_tables
    from leonet.network.latency import iter_route_chunks
    from leonet.network.setup import build_route_job

    with user_errors():
        job = build_route_job(preset=preset, tles=tles, ground_stations=ground_stations, isls=isls,
                              inter_plane_offset=inter_plane_offset, min_elevation=min_elevation,
                              max_gsl_range_km=max_gsl_range_km, max_isl_km=max_isl_km,
                              drop_grazing_isls=drop_grazing_isls, pairs=pairs, start=start,
                              duration=duration, step=step)
        if hypatia_out is not None:
            from leonet.network.hypatia import check_names

            check_names(job.sites)
        rows = len(job.src) * job.grid.count
        if rows >= LARGE_ROWS:
            typer.echo(size_note(rows, len(job.src), job.grid.count, out))
        for note in extra_size_notes(job, forwarding_out, hypatia_out):
            typer.echo(note)
        columns = (TextColumn("[bold]{task.description}"), BarColumn(),
                   TextColumn("{task.completed}/{task.total} steps"), TimeElapsedColumn(), TextColumn("ETA"),
                   TimeRemainingColumn())
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task("routes", total=job.grid.count)
            rows = write_tables(out, iter_route_chunks(job, chunk_steps, use_dask=dask, scheduler=scheduler,
                                                       workers=workers,
                                                       progress=lambda n: bar.advance(task, n), dictionary=True),
                                parquet_options=ROUTES_PARQUET)
            if forwarding_out is not None:
                from leonet.network.latency import forwarding_chunk

                fwd = bar.add_task("forwarding", total=job.grid.count)

                def forwarding_chunks():
                    for a, b in job.grid.chunks(chunk_steps):
                        yield forwarding_chunk(job, a, b)
                        bar.advance(fwd, b - a)

                n = write_tables(forwarding_out, forwarding_chunks())
                bar.console.print(f"wrote {n} forwarding rows to {forwarding_out}")
            if hypatia_out is not None:
                from leonet.network.hypatia import write_hypatia_state

                hyp = bar.add_task("hypatia", total=job.grid.count)
                steps, note = write_hypatia_state(job, hypatia_out, chunk_steps,
                                                  progress=lambda n: bar.advance(hyp, n))
                bar.console.print(f"wrote Hypatia's network state for {steps} steps to {hypatia_out}")
                if note:
                    bar.console.print(note)
    typer.echo(f"wrote {rows} rows ({len(job.src)} pairs × {job.grid.count} steps) to {out}")


@plot_app.command("rtt")
def plot_rtt(
    routes_file: Path = typer.Argument(..., help="Output of `leonet routes` (.csv or .parquet)."),
    out: Path = typer.Option(..., "--out", help="Figure file, .png or .svg."),
    pair: list[str] = typer.Option(None, "--pair", help="SRC,DST to draw (repeatable); default: first 5 pairs."),
) -> None:
    """Draw RTT over time for chosen pairs."""
    from leonet.plots import plot_rtt_file

    with user_errors():
        plot_rtt_file(routes_file, out, pair or None)
    typer.echo(f"wrote {out}")


@constellation_app.command("list")
def constellation_list() -> None:
    """List presets with their shells."""
    from leonet.orbits.presets import preset, preset_names

    for name in preset_names():
        c = preset(name)
        shells = "; ".join(f"{s.altitude_km:g} km/{s.inclination_deg:g}° {s.planes}×{s.sats_per_plane}"
                           for s in c.shells)
        typer.echo(f"{name:18s} {c.num_sats:6d} sats  {shells}")


@constellation_app.command("export")
def constellation_export(
    preset_name: str = typer.Option(..., "--preset", help="Preset name."),
    out: Path = typer.Option(..., "--out", help="TLE file to write (3-line)."),
    epoch: str = typer.Option(None, "--epoch", help="ISO-8601 UTC epoch (default: the preset's)."),
) -> None:
    """Write a preset's satellites as 3-line TLEs (SGP4 mean elements of the circular Walker orbits)."""
    from leonet.io import atomic_path
    from leonet.orbits.export import constellation_tles
    from leonet.orbits.presets import preset
    from leonet.orbits.timegrid import parse_utc

    with user_errors():
        c = preset(preset_name)
        if epoch:
            c = c.with_epoch(parse_utc(epoch, field="epoch"))
        text = constellation_tles(c)
        with atomic_path(out) as tmp:
            tmp.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {c.num_sats} TLEs to {out}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the top-level app."""
    app.command("routes")(routes)
    app.add_typer(plot_app, name="plot")
    app.add_typer(constellation_app, name="constellation")
