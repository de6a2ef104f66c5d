"""Charts drawn server-side as inline SVG: the same page works offline, in Fava and printed.

Three kinds, as :class:`~ecomledger.reports.model.Chart` names them: ``bar`` (grouped bars,
drawn horizontally when the labels are long words such as PCG lines, vertically for short
ones such as months), ``line`` (one polyline per series) and ``stacked`` (one stacked
column per label). Negative values go below (or left of) the zero axis. Every label comes
from the books, so every text is escaped. Sizes are in SVG units; the page scales them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from markupsafe import Markup, escape

from ecomledger.render.cells import display
from ecomledger.reports.model import Chart

#: Series colours (colour-blind friendly, print well in grey).
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)

WIDTH = 760

#: Maps a value to a coordinate on the chart.
Scale = Callable[[Decimal], float]
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def colour(index: int) -> str:
    """The colour of series ``index``."""
    return PALETTE[index % len(PALETTE)]


def render_chart(chart: Chart) -> Markup:
    """Return ``chart`` as an ``<svg>`` element."""
    if chart.kind == "stacked":
        body, height = _stacked(chart)
    elif chart.kind == "line":
        body, height = _line(chart)
    elif max((len(label) for label in chart.labels), default=0) > 10:
        body, height = _hbar(chart)
    else:
        body, height = _vbar(chart)
    legend, legend_height = _legend(chart, height)
    total = height + legend_height
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{escape(chart.kind)}" '
        f'data-chart="{escape(chart.name)}" role="img" viewBox="0 0 {WIDTH} {total}" '
        f'width="{WIDTH}" height="{total}" {FONT}>'
        f"<title>{escape(chart.title)}</title>{body}{legend}</svg>"
    )


def _bounds(chart: Chart, stacked: bool = False) -> tuple[Decimal, Decimal]:
    """The lowest and highest value the axis must show (zero always included)."""
    low = high = Decimal(0)
    if chart.kind == "line":
        return _line_bounds(chart)
    if stacked:
        for index in range(len(chart.labels)):
            column = [s.values[index] for s in chart.series if index < len(s.values)]
            high = max(high, sum((v for v in column if v > 0), Decimal(0)))
            low = min(low, sum((v for v in column if v < 0), Decimal(0)))
    else:
        for series in chart.series:
            for value in series.values:
                high, low = max(high, value), min(low, value)
    if high == low:
        high = low + 1
    return low, high


def _line_bounds(chart: Chart) -> tuple[Decimal, Decimal]:
    """A line's axis spans its values, with a margin: a bank balance moving between 11,000
    and 11,400 is a flat line on an axis from zero. Zero is kept when the values reach it."""
    values = [value for series in chart.series for value in series.values]
    if not values:
        return Decimal(0), Decimal(1)
    low, high = min(values), max(values)
    margin = (high - low) / 10 or abs(high) / 20 or Decimal(1)
    low, high = low - margin, high + margin
    if low < 0 < high or min(values) >= 0 > low:
        low = max(low, Decimal(0)) if min(values) >= 0 else low
    return low, high


def _scale(low: Decimal, high: Decimal, start: float, length: float) -> Scale:
    span = float(high - low)

    def at(value: Decimal) -> float:
        return start + float(value - low) / span * length

    return at


def _hbar(chart: Chart) -> tuple[str, int]:
    """Horizontal grouped bars, a label per row on the left."""
    count = max(len(chart.series), 1)
    bar, gap, left, right = 14, 10, 300, 90
    row = bar * count + gap
    height = 20 + row * len(chart.labels)
    low, high = _bounds(chart)
    pad = 45 if low < 0 else 0  # room for the figures of negative bars
    at = _scale(low, high, left + pad, WIDTH - left - right - pad)
    zero = at(Decimal(0))
    parts = [f'<line x1="{zero:.1f}" y1="10" x2="{zero:.1f}" y2="{height - 5}" stroke="#999"/>']
    for i, label in enumerate(chart.labels):
        top = 15 + i * row
        text = label if len(label) <= 46 else label[:45] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{top + row / 2 - 2:.1f}" text-anchor="end">'
            f"{escape(text)}</text>"
        )
        for s, series in enumerate(chart.series):
            if i >= len(series.values):
                continue
            value = series.values[i]
            x1, x2 = sorted((zero, at(value)))
            y = top + s * bar
            parts.append(
                f'<rect class="bar" x="{x1:.1f}" y="{y}" width="{max(x2 - x1, 0.5):.1f}" '
                f'height="{bar - 2}" fill="{colour(s)}"><title>{escape(series.name)}: '
                f"{escape(display(value, 'money'))}</title></rect>"
            )
            anchor_x = x2 + 4 if value >= 0 else x1 - 4
            anchor = "start" if value >= 0 else "end"
            parts.append(
                f'<text x="{anchor_x:.1f}" y="{y + bar - 4}" text-anchor="{anchor}" '
                f'font-size="10" fill="#333">{escape(_short(value))}</text>'
            )
    return "".join(parts), height


def _vbar(chart: Chart) -> tuple[str, int]:
    """Vertical grouped bars, a label per column underneath."""
    height, top, bottom, left = 300, 15, 40, 70
    low, high = _bounds(chart)
    at = _scale(low, high, height - bottom, -(height - bottom - top))
    zero = at(Decimal(0))
    columns = max(len(chart.labels), 1)
    slot = (WIDTH - left - 10) / columns
    count = max(len(chart.series), 1)
    bar = max(slot * 0.8 / count, 1)
    parts = _y_axis(low, high, at, left)
    parts.append(
        f'<line x1="{left}" y1="{zero:.1f}" x2="{WIDTH - 10}" y2="{zero:.1f}" stroke="#999"/>'
    )
    step = max(1, columns // 16)
    for i, label in enumerate(chart.labels):
        x0 = left + i * slot + slot * 0.1
        if i % step == 0:
            parts.append(
                f'<text x="{x0 + slot * 0.4:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle" font-size="10">{escape(label)}</text>'
            )
        for s, series in enumerate(chart.series):
            if i >= len(series.values):
                continue
            value = series.values[i]
            y1, y2 = sorted((zero, at(value)))
            parts.append(
                f'<rect class="bar" x="{x0 + s * bar:.1f}" y="{y1:.1f}" width="{bar:.1f}" '
                f'height="{max(y2 - y1, 0.5):.1f}" fill="{colour(s)}"><title>'
                f"{escape(label)}, {escape(series.name)}: {escape(display(value, 'money'))}"
                "</title></rect>"
            )
    return "".join(parts), height


def _stacked(chart: Chart) -> tuple[str, int]:
    """One stacked column per label, one segment per series."""
    height, top, bottom, left = 340, 15, 30, 70
    low, high = _bounds(chart, stacked=True)
    at = _scale(low, high, height - bottom, -(height - bottom - top))
    columns = max(len(chart.labels), 1)
    slot = (WIDTH - left - 10) / columns
    width = min(slot * 0.6, 160)
    parts = _y_axis(low, high, at, left)
    for i, label in enumerate(chart.labels):
        x = left + i * slot + (slot - width) / 2
        up = down = Decimal(0)
        for s, series in enumerate(chart.series):
            if i >= len(series.values) or not series.values[i]:
                continue
            value = series.values[i]
            if value > 0:
                y1, y2 = at(up + value), at(up)
                up += value
            else:
                y1, y2 = at(down), at(down + value)
                down += value
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y1:.1f}" width="{width:.1f}" '
                f'height="{max(y2 - y1, 0.5):.1f}" fill="{colour(s)}" stroke="#fff">'
                f"<title>{escape(label)}, {escape(series.name)}: "
                f"{escape(display(value, 'money'))}</title></rect>"
            )
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
            f"{escape(label)} ({escape(_short(up + down))})</text>"
        )
    return "".join(parts), height


def _line(chart: Chart) -> tuple[str, int]:
    """One polyline per series over the labels."""
    height, top, bottom, left = 300, 15, 40, 70
    low, high = _bounds(chart)
    at = _scale(low, high, height - bottom, -(height - bottom - top))
    count = max(len(chart.labels) - 1, 1)
    step_x = (WIDTH - left - 20) / count
    parts = _y_axis(low, high, at, left)
    longest = max((len(label) for label in chart.labels), default=1)
    room = max(1, int((WIDTH - left - 20) // (6 * longest + 12)))  # labels that fit side by side
    step = max(1, -(-len(chart.labels) // room))
    for i, label in enumerate(chart.labels):
        if i % step == 0:
            parts.append(
                f'<text x="{left + i * step_x:.1f}" y="{height - bottom + 16}" '
                f'text-anchor="middle" font-size="10">{escape(label)}</text>'
            )
    for s, series in enumerate(chart.series):
        points = " ".join(
            f"{left + i * step_x:.1f},{at(value):.1f}" for i, value in enumerate(series.values)
        )
        parts.append(
            f'<polyline class="line" points="{points}" fill="none" stroke="{colour(s)}" '
            f'stroke-width="2"><title>{escape(series.name)}</title></polyline>'
        )
    return "".join(parts), height


def _y_axis(low: Decimal, high: Decimal, at: Scale, left: int) -> list[str]:
    parts = []
    ticks = [low + (high - low) * fraction / 4 for fraction in range(5)]
    texts = [_short(value) for value in ticks]
    if len(set(texts)) < len(texts):  # a narrow band of large values: write them in full
        texts = [display(v.quantize(Decimal(1)), "money").removesuffix(".00") for v in ticks]
    for value, text in zip(ticks, texts, strict=True):
        y = at(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 10}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
            f"{escape(text)}</text>"
        )
    return parts


def _legend(chart: Chart, top: int) -> tuple[str, int]:
    """One swatch and name per series, wrapped over as many rows as needed."""
    if len(chart.series) < 2 and chart.kind != "stacked":
        return "", 10
    parts, x, y = [], 10.0, top + 18
    for s, series in enumerate(chart.series):
        width = 30 + 7.2 * len(series.name)
        if x + width > WIDTH and x > 10:
            x, y = 10.0, y + 18
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="12" fill="{colour(s)}"/>'
            f'<text x="{x + 16:.1f}" y="{y}">{escape(series.name)}</text>'
        )
        x += width
    return "".join(parts), y - top + 12


def _short(value: Decimal) -> str:
    """An axis figure: ``12.3k``, ``1.2M``, ``850``."""
    number = float(value)
    size = abs(number)
    if size < 0.5:
        return "0"
    if size >= 1_000_000:
        return f"{number / 1_000_000:.1f}M"
    if size >= 10_000:
        return f"{number / 1000:.0f}k"
    if size >= 1000:
        return f"{number / 1000:.1f}k"
    return f"{number:.0f}"
