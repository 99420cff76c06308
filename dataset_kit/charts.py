"""The card's pictures: articles per month and a histogram of text length, as PNG.

Why matplotlib and PNG rather than hand-written SVG: the Hub shows a card's images
through its file-serving URLs, and raster PNG is the format every Markdown renderer
(the Hub, GitHub, editors, offline viewers) displays; a hand-written SVG would also
need its own text layout and axis ticks. matplotlib is used without pyplot (no global
state, no GUI backend) through the Agg canvas, under the library's default style so
that a user's ``matplotlibrc`` cannot change the result.

Why the output is deterministic: Agg rasterises with the fonts bundled inside
matplotlib (DejaVu Sans), the figure size and DPI are fixed, every number drawn is
derived from the statistics in a fixed order, and the PNG is saved with
``metadata={"Software": None}`` so that no version string lands in the file (matplotlib
writes no timestamp into PNGs). Same data and same matplotlib version give the same
bytes; tests check it.
"""

from __future__ import annotations

import io
import threading
from collections import Counter

from .statistics import nearest_rank

WIDTH_INCHES = 8.0
HEIGHT_INCHES = 3.2
DPI = 100
BAR_COLOR = "#3b6ea8"
OVERFLOW_COLOR = "#a8a8a8"
HISTOGRAM_BINS = 40


def month_range(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last`` inclusive."""
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return months


def import_in_background() -> threading.Thread:
    """Start importing the parts of matplotlib the charts use, in a daemon thread.

    The import takes about a third of a second of pure Python; ``write_card`` starts it
    before streaming the shards, whose decoding and counting run in pyarrow and numpy
    without the GIL, so the two overlap. Importing again later just waits for it.
    """
    thread = threading.Thread(target=_import_matplotlib, name="import-matplotlib", daemon=True)
    thread.start()
    return thread


def _import_matplotlib() -> None:
    import matplotlib.style  # noqa: F401
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401


def _render(draw) -> bytes:  # type: ignore[no-untyped-def]
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.style.context("default"):
        figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot(1, 1, 1)
        draw(axes)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def articles_per_month_png(months: Counter[str]) -> bytes:
    """A bar per calendar month from the first to the last dated article (gaps as 0)."""
    if not months:
        raise ValueError("no dated articles to chart")
    labels = month_range(min(months), max(months))
    values = [months.get(label, 0) for label in labels]
    step = max(1, -(-len(labels) // 24))  # at most ~24 tick labels

    def draw(axes) -> None:  # type: ignore[no-untyped-def]
        positions = list(range(len(labels)))
        axes.bar(positions, values, color=BAR_COLOR, width=0.8)
        axes.set_xticks(positions[::step])
        axes.set_xticklabels(labels[::step], rotation=60, ha="right", fontsize=8)
        axes.set_xlim(-0.6, len(labels) - 0.4)
        axes.set_ylabel("articles")
        axes.set_title("Articles per month of publication", fontsize=11)
        axes.yaxis.get_major_locator().set_params(integer=True)

    return _render(draw)


def histogram_bins(lengths: Counter[int], bins: int = HISTOGRAM_BINS) -> tuple[list[int], int]:
    """Bin edges (integers) up to the 99th percentile, and the count above the last edge.

    Long tails would squash the histogram into one bar, so lengths beyond the 99th
    percentile are drawn as one separate "longer" bar instead.
    """
    upper = nearest_rank(lengths, 0.99)
    if upper <= 0:
        upper = max(max(lengths), 1)
    width = max(1, -(-upper // bins))
    edges = list(range(0, width * bins + 1, width))
    while len(edges) > 2 and edges[-2] >= upper + 1:
        edges.pop()
    overflow = sum(count for value, count in lengths.items() if value >= edges[-1])
    return edges, overflow


def text_length_png(lengths: Counter[int], unit: str = "words") -> bytes:
    """Histogram of text length (in ``unit``) per article."""
    if not lengths:
        raise ValueError("no texts to chart")
    edges, overflow = histogram_bins(lengths)
    counts = [0] * (len(edges) - 1)
    width = edges[1] - edges[0]
    for value, count in sorted(lengths.items()):
        if value < edges[-1]:
            counts[value // width] += count

    def draw(axes) -> None:  # type: ignore[no-untyped-def]
        axes.bar(edges[:-1], counts, width=width * 0.9, align="edge", color=BAR_COLOR)
        if overflow:
            axes.bar(
                [edges[-1] + width * 0.5],
                [overflow],
                width=width * 0.9,
                align="edge",
                color=OVERFLOW_COLOR,
                label=f"{edges[-1]:,} {unit} or more",
            )
            axes.legend(frameon=False, fontsize=8)
        axes.set_xlabel(f"{unit} per article")
        axes.set_ylabel("articles")
        axes.set_title(f"Text length ({unit})", fontsize=11)
        axes.yaxis.get_major_locator().set_params(integer=True)

    return _render(draw)
