"""The ``site-gis`` command line: generate, init, layers, import-results, run, serve.

Errors the user can fix (bad layers, a missing or corrupt store, a bad process
input) are printed as one clear message and exit with status 1; no traceback.
Long work shows a progress bar on standard error when that is a terminal, and
nothing in a pipe (no bar, no control characters); result lines go to standard
output either way.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.settings import Settings
from site_gis.errors import InvalidRequestError, SiteGISError

if TYPE_CHECKING:
    from site_gis.progress import Progress

app = typer.Typer(
    help="site-gis: layers and analyses of a contaminated industrial site.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="GeoPackage path or postgresql://user@host:port/dbname "
        "[env SITE_GIS_STORE; default site-gis.gpkg]",
    ),
]
LayersOption = Annotated[
    Path | None,
    typer.Option(
        "--layers",
        help="Layers directory [env SITE_GIS_LAYERS_DIR; default ./layers or the "
        "shipped PSM layers]",
    ),
]


def _settings(**overrides: object) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]


BarMaker = Callable[[str], "Progress | None"]


@contextlib.contextmanager
def _bars() -> Iterator[BarMaker]:
    """Progress bars on standard error, one per call of the yielded maker.

    On a terminal each bar is a rich progress bar (done of total steps, the
    current step, time elapsed); when standard error is not a terminal the maker
    gives ``None`` and nothing is drawn.  Standard output is never touched.
    """
    if not sys.stderr.isatty():
        yield lambda title: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as Bars

    bars = Bars(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        redirect_stdout=False,
        redirect_stderr=False,
    )

    def make(title: str) -> Progress:
        task = bars.add_task(title, total=None)

        def report(done: int, total: int, step: str) -> None:
            label = f"{title}: {step}" if step and step != "done" else title
            bars.update(task, completed=done, total=total, description=label)

        return report

    with bars:
        yield make


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Directory to write the layers to")] = Path("layers"),
    seed: Annotated[int | None, typer.Option(help="Random seed")] = None,
    samples: Annotated[int | None, typer.Option(min=1, help="Physical samples")] = None,
    structures: Annotated[int | None, typer.Option(min=1, help="Structures")] = None,
) -> None:
    """Write the SYNTHETIC PSM demo layers (GeoJSON and CSV) to OUT."""
    from site_gis.io import write_layers_dir
    from site_gis.synthetic import DEFAULT_SEED, DEMO_SAMPLES, DEMO_STRUCTURES, generate_site
    from site_gis.synthetic.readme import layers_readme

    with _bars() as bar:
        site, frames = generate_site(
            DEFAULT_SEED if seed is None else seed,
            n_samples=samples or DEMO_SAMPLES,
            n_structures=structures or DEMO_STRUCTURES,
            progress=bar("generating"),
        )
        write_layers_dir(out, site, frames, progress=bar("writing"))
    (out / "README.md").write_text(layers_readme(site, frames), encoding="utf-8")
    typer.echo(f"wrote {len(frames)} layers to {out} (SYNTHETIC data)")


@app.command()
def init(
    store: StoreOption = None,
    layers: LayersOption = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Rebuild an existing store even if it holds data the layers do not "
            "(imported results, standards, uploaded layers), after backing it up",
        ),
    ] = False,
) -> None:
    """Build the store from the layers directory; an existing one only if nothing would be lost.

    An existing store holding rows the layers directory lacks is left alone
    (the rows are listed) unless --replace: then it is first backed up beside
    itself (GeoPackage: a dated copy; PostGIS: a dated schema). API keys and
    the audit log are kept either way.
    """
    from site_gis.io import rebuild_store

    settings = _settings(store=store, layers_dir=layers)
    with _bars() as bar:
        done = rebuild_store(
            settings.store,
            settings.layers_dir,
            actor=settings.actor,
            note=f"site-gis init from {settings.layers_dir}",
            replace=replace,
            progress=bar("init"),
        )
    previous = done.previous
    if previous is not None and previous.problem is None and not previous.loses_data:
        typer.echo(f"the existing store held nothing beyond {settings.layers_dir}: rebuilt it")
    elif previous is not None:
        typer.echo("replaced the existing store, which held:", err=True)
        for line in previous.describe():
            typer.echo(f"  {line}", err=True)
    if done.backup is not None and done.backup_url != done.backup:
        typer.echo(
            f"backed up the old store to schema {done.backup} of the same database "
            f"(open it with --store '{done.backup_url}'; README: Rebuilding the store)",
            err=True,
        )
    elif done.backup is not None:
        typer.echo(
            f"backed up the old store to {done.backup} (README: Rebuilding the store)", err=True
        )
    if previous is not None and previous.problem is None:
        typer.echo(f"kept {previous.kept()}")
    typer.echo(f"built {done.store.url} from {settings.layers_dir}")
    _print_layers(done.store)


@app.command()
def layers(store: StoreOption = None) -> None:
    """List the layers of the store with feature counts, geometry types and bounds."""
    from site_gis.store import open_store

    _print_layers(open_store(_settings(store=store).store))


@app.command("import-results")
def import_results_command(
    file: Annotated[
        Path, typer.Argument(help="EDD-style CSV from the lab", exists=True, dir_okay=False)
    ],
    store: StoreOption = None,
    actor: Annotated[str | None, typer.Option(help="Who imports (audit log)")] = None,
    standard: Annotated[str, typer.Option(help="Standard for the exceedance alert")] = "dutch_iv",
    land_use: Annotated[str, typer.Option(help="residential or industrial")] = "industrial",
) -> None:
    """Import a lab's results: every row validated, all or nothing, new exceedances listed."""
    from site_gis.contamination import import_results
    from site_gis.store import open_store

    settings = _settings(store=store, actor=actor)
    opened = open_store(settings.store)
    with _bars() as bar:
        report = import_results(
            opened,
            file.read_bytes(),
            actor=settings.actor,
            source=file.name,
            standard=standard,
            land_use=land_use,
            progress=bar("import"),
        )
    typer.echo(
        f"{file.name}: {report.new_results} new result(s), {report.already_stored} "
        f"already stored, {len(report.new_locations)} new location(s)"
    )
    for note in report.notes:
        typer.echo(f"note: {note}")
    if len(report.exceedances):
        typer.echo(f"{len(report.exceedances)} new exceedance(s) of {standard} ({land_use}):")
        for row in report.exceedances.itertuples():
            status = " (level to verify)" if row.level_status == "to verify" else ""
            if row.flag == "outside range":
                limits = f"outside {row.lower_level:g}-{row.level:g}"
            else:
                limits = f"> {row.level:g} ({row.ratio:.3g}×)"
            typer.echo(
                f"  {row.sample_id} {row.analyte}: {row.value:g} {row.unit} {limits}{status}"
            )


@app.command("import-standard")
def import_standard_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV in the columns of the shipped standards", exists=True, dir_okay=False
        ),
    ],
    store: StoreOption = None,
    actor: Annotated[str | None, typer.Option(help="Who imports (audit log)")] = None,
) -> None:
    """Add a standard (screening levels) to the store's library."""
    import hashlib

    from site_gis.contamination import prepare_levels
    from site_gis.io import read_csv_bytes
    from site_gis.store import open_store

    settings = _settings(store=store, actor=actor)
    frame = read_csv_bytes(file.read_bytes(), file.name, max_rows=100_000)
    levels = prepare_levels(frame, source=file.name)
    opened = open_store(settings.store)
    opened.write(
        {"screening_levels": levels},
        mode="append",
        actor=settings.actor,
        action="import-standard",
        note=file.name,
        source_hash=hashlib.sha256(file.read_bytes()).hexdigest(),
    )
    names = ", ".join(sorted(levels["standard"].unique()))
    typer.echo(f"added {len(levels)} level(s) of {names} to {opened.url}")


@app.command()
def resettle(
    store: StoreOption = None,
    matrix: Annotated[
        Path | None,
        typer.Option(help="Entitlement matrix (TOML); default: the shipped one", exists=True),
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind of encroachment")] = None,
    household_size: Annotated[
        float, typer.Option(min=0.1, max=30, help="Persons per household")
    ] = 6.3,
    phases: Annotated[int, typer.Option(min=1, max=20, help="Number of phases")] = 3,
    usd_rate: Annotated[float | None, typer.Option(min=0.0001, help="PKR per USD")] = None,
) -> None:
    """Estimate resettlement costs by component, zone and phase (aggregates only)."""
    from site_gis.errors import InvalidRequestError
    from site_gis.resettlement import (
        COMPONENTS,
        estimate_resettlement,
        load_matrix,
        report_basis,
        survey_inputs,
    )
    from site_gis.schemas import ENCROACHMENT_KINDS
    from site_gis.store import open_store

    opened = open_store(_settings(store=store).store)
    structures = opened.read("structures")
    encroachments = opened.read("encroachments")
    if kind is not None:
        if kind not in ENCROACHMENT_KINDS:
            raise InvalidRequestError(f"kind must be one of {', '.join(ENCROACHMENT_KINDS)}")
        ids = encroachments.loc[encroachments["kind"] == kind, "encroachment_id"]
        structures = structures[structures["encroachment_id"].isin(ids)]
    rates = load_matrix(matrix)
    inputs = survey_inputs(opened)
    report = estimate_resettlement(
        structures,
        encroachments,
        opened.read("parcels"),
        opened.read("eia_zones"),
        rates,
        crs=opened.site().crs,
        household_size=household_size,
        phases=phases,
        **inputs,
    )
    totals = report["totals"].iloc[0]
    typer.echo(
        f"{int(totals['structures'])} structures ({int(totals['eligible_structures'])} "
        f"before the {report_basis(rates, inputs['rounds'], None)['cut_off']}), "
        f"{int(totals['households'])} "
        f"households, {totals['people']:.0f} people"
    )
    for component in (*COMPONENTS, "total"):
        usd = f"  (USD {totals[component] / usd_rate:,.0f})" if usd_rate else ""
        typer.echo(f"  {component:<22} {rates.currency} {totals[component]:>16,.0f}{usd}")
    relocation = float(report["scenarios"]["total"].iloc[1])  # the relocation-site scenario
    typer.echo(f"  {'relocation site instead':<22} {rates.currency} {relocation:>16,.0f}")
    for row in report["by_phase"].to_dict("records"):
        typer.echo(
            f"  phase {row['phase']}: {row['households']:.0f} households, "
            f"{rates.currency} {row['total']:,.0f}"
        )
    if opened.site().synthetic:
        typer.echo("(SYNTHETIC demo data; rates marked verified = false are assumptions)")


_PROCESS_HELP = (
    "Process to run (see --list): surface, hotspots, remediation-estimate, "
    "remediation-curve, receptors-at-risk, zonal-statistics"
)
_EXTENSIONS = {"image/tiff": "tif", "application/geo+json": "geojson", "text/csv": "csv"}


@app.command(
    "run",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def run_command(
    ctx: typer.Context,
    process: Annotated[str | None, typer.Argument(help=_PROCESS_HELP, show_default=False)] = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            help="File to write the result to; '-' for standard output "
            "[default: a file named for the result in the working directory]",
        ),
    ] = None,
    list_: Annotated[
        bool,
        typer.Option("--list", help="List the processes (with PROCESS: its inputs) and stop"),
    ] = False,
    store: StoreOption = None,
) -> None:
    """Run an analysis process on the engine and write its result, showing its progress.

    Inputs are options named like the process's inputs, with '-' for '_':
    `site-gis run surface --analyte Lead --method kriging --cell-size-m 50
    --zone blast_furnace_yard --out lead.tif`.  A list input is repeated or
    comma-separated (`--levels 400,800`).  `site-gis run PROCESS --list` lists
    its inputs.  The engine, memory per worker and time limit come from the
    settings (SITE_GIS_DASK_SCHEDULER, SITE_GIS_WORKER_MEMORY_GB,
    SITE_GIS_JOB_TIME_LIMIT_S).
    """
    from site_gis.processes import PROCESSES

    if process is None or (list_ and process not in PROCESSES):
        if process is not None:
            raise InvalidRequestError(_unknown_process(process))
        for known in PROCESSES.values():
            typer.echo(f"{known.id:<22} {known.description}")
        return
    if process not in PROCESSES:
        raise InvalidRequestError(_unknown_process(process))
    chosen = PROCESSES[process]
    if list_:
        for line in _describe_inputs(chosen.inputs):
            typer.echo(line)
        return
    inputs = _process_inputs(chosen.inputs, ctx.args, process)
    settings = _settings(store=store)
    output = _run_process(settings, process, inputs)
    if out == "-":
        if output.media_type.startswith("image/") and sys.stdout.isatty():
            raise InvalidRequestError(
                "the result is a GeoTIFF: give --out FILE (or redirect standard output)"
            )
        sys.stdout.buffer.write(output.body)
        sys.stdout.buffer.flush()
        typer.echo(f"wrote {len(output.body):,} bytes of {output.media_type}", err=True)
        return
    target = Path(out) if out else Path.cwd() / _default_name(process, inputs, output)
    target.write_bytes(output.body)
    typer.echo(f"wrote {target} ({output.media_type}, {len(output.body):,} bytes)")


def _unknown_process(process: str) -> str:
    from site_gis.processes import PROCESSES

    return f"no process {process!r}; the processes are {', '.join(PROCESSES)}"


def _describe_inputs(model: Any) -> list[str]:
    """One line per input: its option, type or choices, default and description."""
    lines = []
    for name, field in model.model_fields.items():
        default = "required" if field.is_required() else f"default {field.default!r}"
        lines.append(f"--{name.replace('_', '-'):<24} {default:<22} {field.description or ''}")
    return lines


def _process_inputs(model: Any, args: list[str], process: str) -> Any:
    """The process's inputs from the extra options; a message naming each bad one otherwise."""
    import pydantic

    fields = model.model_fields
    values: dict[str, Any] = {}
    i = 0
    while i < len(args):
        token = args[i]
        if not token.startswith("--") or len(token) < 3:
            raise InvalidRequestError(
                f"unexpected {token!r}: give inputs as --name value (site-gis run {process} --list)"
            )
        name, has_value, value = token[2:].partition("=")
        if not has_value:
            following = args[i + 1] if i + 1 < len(args) else None
            if following is None or following.startswith("--"):
                value = "true"  # a bare flag: --log-transform
            else:
                value = following
                i += 1
        i += 1
        key = name.replace("-", "_")
        if key not in fields:
            raise InvalidRequestError(
                f"--{name} is not an input of {process}; its inputs: "
                + ", ".join(f"--{f.replace('_', '-')}" for f in fields)
            )
        if _is_list(fields[key].annotation):
            values.setdefault(key, []).extend(v.strip() for v in value.split(",") if v.strip())
        elif key in values:
            raise InvalidRequestError(f"--{name} is given twice")
        else:
            values[key] = value
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"--{'.'.join(str(p) for p in e['loc']).replace('_', '-') or 'inputs'}: {e['msg']}"
            for e in exc.errors()
        )
        raise InvalidRequestError(f"bad inputs for {process}: {problems}") from exc


def _is_list(annotation: Any) -> bool:
    import typing

    return annotation is list or typing.get_origin(annotation) is list


def _run_process(settings: Settings, process: str, inputs: Any) -> Any:
    """Run ``process`` on a fresh engine, drawing its progress; its output (``api.jobs``)."""
    from api.jobs import FORMATS, find_process, worker_store_url
    from site_gis.processes import Engine, EngineConfig, submit_process
    from site_gis.store import open_store

    opened = open_store(settings.store)  # a missing or corrupt store is told before any worker
    if hasattr(opened, "close"):
        opened.close()
    engine = Engine(
        EngineConfig(
            scheduler=settings.dask_scheduler,
            workers=settings.dask_workers,
            memory_limit_bytes=int(settings.worker_memory_gb * 1024**3),
        )
    )
    try:
        run = submit_process(
            engine,
            worker_store_url(settings),
            find_process(process),
            inputs,
            budget=settings.surface_budget(),
        )
        limit = settings.job_time_limit_s
        try:
            with _bars() as bar:
                report = bar(process)
                deadline = time.monotonic() + limit
                while not run.wait(0.2):
                    if time.monotonic() > deadline:
                        run.time_out(limit)
                        break
                    if report is not None:
                        step = "computing" if engine.started else "starting the workers"
                        report(run.progress(), 100, step)
                if report is not None and run.error() is None:
                    report(100, 100, "done")
        except KeyboardInterrupt:
            run.dismiss()
            raise
        return FORMATS[process](run.result(), inputs)
    finally:
        engine.close()


def _default_name(process: str, inputs: Any, output: Any) -> str:
    """The result's own download name, else the process and analyte with the format's suffix."""
    if output.filename:
        return str(output.filename)
    kind = output.media_type.split(";")[0].strip()
    suffix = _EXTENSIONS.get(kind, "json")
    medium = getattr(inputs, "medium", "groundwater")
    return f"{process}_{inputs.analyte}_{medium}.{suffix}".replace(" ", "_")


keys_app = typer.Typer(help="API keys: create, list and revoke (stored hashed, audited).")
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Whose key it is, e.g. 'SEPA lab desk'")],
    roles: Annotated[
        str, typer.Option(help="Comma-separated: officer, planner, consultant, public")
    ],
    store: StoreOption = None,
    actor: Annotated[str | None, typer.Option(help="Who makes the key (audit log)")] = None,
) -> None:
    """Make a key; it is printed once and only its hash is stored."""
    from site_gis.access import parse_roles
    from site_gis.store import create_key, open_store

    settings = _settings(store=store, actor=actor)
    secret, record = create_key(
        open_store(settings.store), name, parse_roles(roles), actor=settings.actor
    )
    typer.echo(f"key {record.key_id} for {record.name} ({', '.join(record.roles)}):")
    typer.echo(secret)
    typer.echo("store it now: it is not shown again (send it as the X-API-Key header)", err=True)


@keys_app.command("list")
def keys_list(store: StoreOption = None) -> None:
    """Every key: id, name, roles, when made and by whom, and whether revoked."""
    from site_gis.store import open_store

    for key in open_store(_settings(store=store).store).api_keys():
        state = (
            f"revoked {key.revoked_at:%Y-%m-%d %H:%M} by {key.revoked_by}"
            if key.revoked_at
            else "active"
        )
        typer.echo(
            f"{key.key_id}  {key.name:<24} {','.join(key.roles):<20} "
            f"made {key.created_at:%Y-%m-%d %H:%M} by {key.created_by}  {state}"
        )


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `site-gis keys list`)")],
    store: StoreOption = None,
    actor: Annotated[str | None, typer.Option(help="Who revokes it (audit log)")] = None,
) -> None:
    """Revoke a key: requests with it get 401 from then on."""
    from site_gis.store import open_store, revoke_key

    settings = _settings(store=store, actor=actor)
    revoked = revoke_key(open_store(settings.store), key_id, actor=settings.actor)
    typer.echo(f"revoked key {revoked.key_id} ({revoked.name})")


@app.command()
def serve(
    store: StoreOption = None,
    layers: LayersOption = None,
    host: Annotated[str | None, typer.Option(help="Interface [default 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default 8000]")] = None,
) -> None:
    """Serve the API, building the store from the layers on first run."""
    import uvicorn

    from api.app import create_app
    from site_gis.io import layers_digest, open_or_build_store

    settings = _settings(store=store, layers_dir=layers, host=host, port=port)
    with _bars() as bar:
        opened, built = open_or_build_store(
            settings.store, settings.layers_dir, actor=settings.actor, progress=bar("building")
        )
    if built:
        typer.echo(f"built {opened.url} from {settings.layers_dir}")
    elif opened.metadata().get("layers_digest") not in ("", layers_digest(settings.layers_dir)):
        typer.echo(
            f"note: {settings.layers_dir} changed since {opened.url} was built; "
            "run `site-gis init` to rebuild it",
            err=True,
        )
    if opened.site().synthetic:
        typer.echo("serving SYNTHETIC demo data")
    typer.echo(f"open http://{settings.host}:{settings.port}/ (API docs at /docs)")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)


@app.command("background")
def background_command(
    store: StoreOption = None,
    analyte: Annotated[str | None, typer.Option(help="Analyte name, synonym or CAS")] = None,
    medium: Annotated[str | None, typer.Option(help="soil, sediment, groundwater, ...")] = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="Test each zone against background (Form 1)")
    ] = False,
    csv: Annotated[
        bool, typer.Option("--csv", help="Every BTV variant (or test) as CSV on stdout")
    ] = False,
) -> None:
    """Background threshold values of the background locations (recommended BTV per
    analyte and medium), or with --compare each zone against background."""
    from site_gis.contamination import (
        compare_to_background,
        compute_background,
        load_results,
        recommended_btvs,
        zone_verdicts,
    )
    from site_gis.contamination.comparisons import FORMS
    from site_gis.store import open_store

    opened = open_store(_settings(store=store).store)
    results = load_results(opened, analyte=analyte, medium=medium)
    if not results["background"].any():
        raise InvalidRequestError("no background locations (background = true) in this selection")
    if compare:
        table = compare_to_background(results)
        if csv:
            typer.echo(table.to_csv(index=False, lineterminator="\n"), nl=False)
            return
        typer.echo(FORMS[1] + " (alpha 0.05)")
        for row in zone_verdicts(table).itertuples():
            typer.echo(f"  {row.zone_id} {row.analyte} {row.medium}: {row.background_verdict}")
        return
    table = compute_background(results[results["background"]])
    if csv:
        typer.echo(table.to_csv(index=False, lineterminator="\n"), nl=False)
        return
    for row in recommended_btvs(table).itertuples():
        typer.echo(f"  {row.analyte} {row.medium}: {row.btv:.4g} {row.unit}  {row.btv_statistic}")
    typer.echo("recommended BTV (UTL95-95 unless stated); --csv for every variant and reason")
    if opened.site().synthetic:
        typer.echo("computed from SYNTHETIC demo data")


def _print_layers(store: object) -> None:
    from site_gis.store import Store

    assert isinstance(store, Store)
    rows = [("layer", "geometry", "features", "bounds (lon/lat)")]
    for info in store.layers():
        bounds = ", ".join(f"{b:.5f}" for b in info.bounds) if info.bounds else "-"
        rows.append((info.name, info.geometry_type or "table", str(info.feature_count), bounds))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@app.command()
def stats(
    store: StoreOption = None,
    zone: Annotated[str | None, typer.Option(help="EIA zone id, or 'outside'")] = None,
    analyte: Annotated[str | None, typer.Option(help="Analyte name, synonym or CAS")] = None,
    medium: Annotated[str | None, typer.Option(help="soil, sediment, groundwater, ...")] = None,
    detail: Annotated[
        str, typer.Option(help="summary, or full (every UCL family per group)")
    ] = "summary",
    convention: Annotated[
        str, typer.Option(help="Kaplan-Meier convention: unrestricted (ProUCL 5.2) or restricted")
    ] = "unrestricted",
    resamples: Annotated[int, typer.Option(min=100, max=20_000, help="Bootstrap resamples")] = 2000,
    csv: Annotated[bool, typer.Option("--csv", help="Write CSV to standard output")] = False,
) -> None:
    """Per zone x analyte x medium: KM, goodness of fit and the recommended UCL95 (ProUCL 5.2)."""
    from site_gis.contamination import load_results, statistics_tables
    from site_gis.contamination.kaplan_meier import CONVENTIONS
    from site_gis.store import open_store

    if detail not in {"summary", "full"}:
        raise InvalidRequestError("detail must be summary or full")
    if convention not in CONVENTIONS:
        raise InvalidRequestError(f"convention must be one of {', '.join(CONVENTIONS)}")
    opened = open_store(_settings(store=store).store)
    results = load_results(opened, zone=zone, analyte=analyte, medium=medium)
    table, families = statistics_tables(
        results,
        convention=convention,  # checked above
        resamples=resamples,
        full=detail == "full",
    )
    if csv:
        typer.echo((families if detail == "full" else table).to_csv(index=False), nl=False)
        return
    for row in table.to_dict("records"):
        where = f"{row['zone_id']} / {row['analyte']} / {row['medium']}"
        counts = f"n={row['n']} detects={row['detects']} ({row['percent_non_detect']}% ND)"
        if row["ucl95"] is None:
            typer.echo(f"{where}: {counts}; no UCL ({row['note'].split('; ')[-1]})")
        else:
            typer.echo(
                f"{where}: {counts}; {row['distribution']}; {row['method']} = "
                f"{row['ucl95']:.4g} {row['unit']} [{row['recommendation_rule']}]"
            )
        if row["warnings"]:
            typer.echo(f"  warning: {row['warnings']}")
        if detail == "full":
            mine = families[
                (families["zone_id"] == row["zone_id"])
                & (families["analyte"] == row["analyte"])
                & (families["medium"] == row["medium"])
                & (families["unit"] == row["unit"])
            ]
            for fam in mine.to_dict("records"):
                value = (
                    "-"
                    if fam["ucl95"] is None or fam["ucl95"] != fam["ucl95"]
                    else (f"{fam['ucl95']:.4g}")
                )
                mark = "  <- recommended" if fam["recommended"] else ""
                typer.echo(f"    {fam['method']:<58} {value}{mark}")
    if opened.site().synthetic:
        typer.echo("(SYNTHETIC demo data)")


@app.command("report")
def report_command(
    out: Annotated[Path, typer.Option("--out", help="File to write: .pdf or .html")] = Path(
        "report.pdf"
    ),
    standard: Annotated[str, typer.Option(help="Standard id")] = "dutch_iv",
    land_use: Annotated[str, typer.Option(help="residential or industrial")] = "industrial",
    analytes: Annotated[
        str, typer.Option(help="Analytes mapped, comma-separated (each costs 4 surfaces)")
    ] = "Lead",
    medium: Annotated[str, typer.Option(help="soil or sediment")] = "soil",
    method: Annotated[str, typer.Option(help="idw or kriging")] = "kriging",
    cell_size_m: Annotated[float, typer.Option(help="Surface cell size (m)")] = 50.0,
    report_date: Annotated[
        str | None, typer.Option(help="Date on the report, YYYY-MM-DD [default: today]")
    ] = None,
    store: StoreOption = None,
) -> None:
    """Write the EIA contamination report (PDF, or HTML for an .html --out), as a job on
    the analysis engine with a progress bar: `site-gis report --standard dutch_iv
    --analytes Lead,Arsenic --out report.pdf`."""
    import datetime as dt

    from site_gis.processes import ReportInputs
    from site_gis.report import check_report_cost, pdf_engine
    from site_gis.report.pdf import INSTALL_HINT

    f = "html" if out.suffix.lower() in (".html", ".htm") else "pdf"
    inputs = _process_inputs(
        ReportInputs,
        [
            f"--standard={standard}",
            f"--land-use={land_use}",
            *(f"--analytes={a}" for a in analytes.split(",") if a.strip()),
            f"--medium={medium}",
            f"--method={method}",
            f"--cell-size-m={cell_size_m}",
            f"--report-date={report_date or dt.date.today().isoformat()}",
            f"--f={f}",
        ],
        "report",
    )
    check_report_cost(inputs)
    if f == "pdf" and pdf_engine() is None:
        raise InvalidRequestError(f"no PDF engine: {INSTALL_HINT}; or give --out report.html")
    output = _run_process(_settings(store=store), "contamination-report", inputs)
    out.write_bytes(output.body)
    typer.echo(f"wrote {out} ({output.media_type}, {len(output.body):,} bytes)")


def main() -> None:
    """Entry point of the ``site-gis`` command."""
    try:
        app()
    except SiteGISError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # a path the user gave cannot be used
        where = f" ({exc.filename})" if exc.filename else ""
        typer.echo(f"error: {exc.strerror or exc}{where}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
