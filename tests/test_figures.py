"""`forgetcheck figures` writes every figure as a non-blank PNG and a PDF, where `forgetcheck latex`
finds them."""
import matplotlib.image
import numpy as np
import pytest

from forgetcheck.printing import figures
from forgetcheck.cli import main
from forgetcheck.printing import find_figures


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    # R3's drift costs seconds per point: two points are enough to exercise the drawing here
    # (docs/figures holds the full grid's figure)
    saved, figures.DRIFT_GRID = figures.DRIFT_GRID, (11, 14)
    try:
        assert main(["figures", "--out", str(out)]) == 0
    finally:
        figures.DRIFT_GRID = saved
    return out


def test_every_figure_is_written_as_png_and_pdf(written):
    for stem, _, _ in figures.FIGURES.values():
        png, pdf = written / f"{stem}.png", written / f"{stem}.pdf"
        assert png.stat().st_size > 10_000 and pdf.stat().st_size > 5_000
        assert pdf.read_bytes().startswith(b"%PDF")


def test_the_pngs_are_not_blank(written):
    for stem, _, _ in figures.FIGURES.values():
        image = matplotlib.image.imread(written / f"{stem}.png")[..., :3]
        ink = np.mean(image < 0.9)                       # share of pixels that are not (near) white
        assert 0.01 < ink < 0.6, (stem, ink)
        codes = (np.round(image * 255).astype(np.uint32) * np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)).sum(-1)
        assert len(np.unique(codes)) > 50   # curves, text and fills, not one colour


def test_latex_finds_the_figures(written):
    found = find_figures(written)
    assert [p.suffix for p in found] == [".pdf"] * len(figures.FIGURES)
    assert [p.stem for p in found] == sorted(stem for stem, _, _ in figures.FIGURES.values())


def test_only_selects_and_unknown_names_are_errors(tmp_path, capsys):
    assert main(["figures", "--out", str(tmp_path), "--only", "x1"]) == 0
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".pdf", ".png"]
    assert main(["figures", "--out", str(tmp_path / "none"), "--only", "x1,nope"]) == 2
    assert "unknown figure(s) ['nope']" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()
