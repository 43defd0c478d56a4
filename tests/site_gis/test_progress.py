"""Progress of long library work: real steps, counted, ending at done == total."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from site_gis.contamination import import_results
from site_gis.io import build_store, write_layers_dir
from site_gis.progress import Steps
from site_gis.schemas import CATALOGUE
from site_gis.store import Store
from site_gis.synthetic import generate_site
from tests.conftest import LAYERS, close_store
from tests.site_gis.contamination.test_lab_import import GOOD, TODAY


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int, str]] = []

    def __call__(self, done: int, total: int, step: str) -> None:
        self.calls.append((done, total, step))

    def check(self) -> None:
        """Done never goes back, never passes total, and ends at total."""
        done = [d for d, _, _ in self.calls]
        assert done == sorted(done)
        assert all(0 <= d <= t for d, t, _ in self.calls)
        assert self.calls[-1][0] == self.calls[-1][1]
        assert self.calls[-1][2] == "done"


def test_steps_scale_a_part_onto_its_share() -> None:
    seen = Recorder()
    steps = Steps(seen, 10)
    steps.start("a")
    steps.finish()
    part = steps.part(4)
    part(0, 2, "b")
    part(1, 2, "c")
    part(2, 2, "c")
    steps.complete()
    assert seen.calls == [
        (0, 10, "a"),
        (1, 10, "a"),
        (1, 10, "b"),
        (3, 10, "c"),
        (5, 10, "c"),
        (10, 10, "done"),
    ]


def test_building_a_store_reports_each_layer_read_and_written(
    new_store_url: Callable[[Path], str], tmp_path: Path
) -> None:
    seen = Recorder()
    close_store(build_store(new_store_url(tmp_path), LAYERS, actor="t", progress=seen))
    seen.check()
    steps = [s for _, _, s in seen.calls]
    for schema in CATALOGUE.values():
        assert f"reading {schema.file_name}" in steps
        assert any(s.startswith(f"writing {schema.name} (") for s in steps)
    assert {t for _, t, _ in seen.calls} == {2 * len(CATALOGUE) + 2}


def test_generating_a_site_reports_its_steps(tmp_path: Path) -> None:
    seen = Recorder()
    site, frames = generate_site(n_samples=30, n_structures=20, progress=seen)
    seen.check()
    assert "placing 20 structures" in [s for _, _, s in seen.calls]
    written = Recorder()
    write_layers_dir(tmp_path, site, frames, progress=written)
    written.check()
    assert written.calls[-1][1] == len(frames)


def test_a_lab_import_reports_parsing_validation_and_the_write(store: Store) -> None:
    seen = Recorder()
    import_results(store, GOOD.encode(), actor="a", source="lab.csv", today=TODAY, progress=seen)
    seen.check()
    steps = [s for _, _, s in seen.calls]
    assert "parsing lab.csv" in steps
    assert "validating 4 rows" in steps
    assert "writing 4 results" in steps
    assert {t for _, t, _ in seen.calls} == {7}


def test_an_import_of_rows_already_stored_still_ends_at_total(store: Store) -> None:
    import_results(store, GOOD.encode(), actor="a", today=TODAY)
    seen = Recorder()
    import_results(store, GOOD.encode(), actor="a", today=TODAY, progress=seen)
    seen.check()
    assert not any(s.startswith("writing") for _, _, s in seen.calls)
