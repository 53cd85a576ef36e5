"""Where the statistics page draws each bar, tick and label: server-side SVG, no script.

Series over time become columns (months, weeks, left to right); categories become horizontal bars
with their names beside them. Coordinates are in the SVG's own units; the stylesheet scales the
drawing to the page and gives it its colours.
"""

import math
from dataclasses import dataclass

from front.statistics import Chart

COLUMNS_WIDTH = 900  # a series over time, its table scrolling beside it
BARS_WIDTH = 720  # categories share the page with their table
CHAR_WIDTH = 7  # an average character at the charts' 12-unit font
LABEL_CHARS = 30


@dataclass
class Mark:
    """One bar or column, with the value written next to it and the label its tooltip carries."""

    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    value_x: float
    value_y: float


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class Figure:
    """A drawn chart: its size, plot area, marks, ticks on both axes and axis titles."""

    kind: str
    width: int
    height: float
    left: float  # the plot area, inside the axes
    top: float
    right: float
    bottom: float
    marks: list[Mark]
    value_ticks: list[Tick]
    category_ticks: list[Tick]
    category_title: str
    measure_title: str
    rotate_values: bool = False

    @classmethod
    def drawn(cls, chart: Chart, kind: str, width: int, box: tuple, marks: list[Mark], ticks: tuple, **options):
        """The figure of `chart` whose plot area is `box` (left, top, right, bottom), with room below it
        for the axis title; `ticks` are (value ticks, category ticks)."""
        left, top, right, bottom = box
        value_ticks, category_ticks = ticks
        return cls(
            kind, width, bottom + 48, left, top, right, bottom, marks, value_ticks, category_ticks,
            chart.category, chart.measure, **options,
        )  # fmt: skip

    @property
    def middle_x(self) -> float:
        return (self.left + self.right) / 2

    @property
    def middle_y(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def value_label_x(self) -> float:
        return self.left - 8

    @property
    def under_axis(self) -> float:
        return self.bottom + 18

    @property
    def axis_title_y(self) -> float:
        return self.bottom + 42

    @property
    def above_plot(self) -> float:
        """Where bars name their category axis: over the column of category names."""
        return self.top - 10


def nice_ticks(top: int, most: int = 5) -> list[int]:
    """Round values from 0 to at least `top`, in steps of 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0, 1]
    rough = top / most
    power = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    step = next(power * factor for factor in (1, 2, 5, 10) if power * factor >= rough)
    return list(range(0, step * math.ceil(top / step) + 1, step))


def shortened(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def draw(chart: Chart) -> Figure:
    return columns(chart) if chart.over_time else bars(chart)


def columns(chart: Chart) -> Figure:
    """Columns left to right in time order; when they are narrow, their values stand upright."""
    ticks = nice_ticks(max((value for _, value in chart.points), default=0))
    widest = max((len(label) for label, _ in chart.points), default=1)
    left, right = 72.0, COLUMNS_WIDTH - widest * CHAR_WIDTH / 2  # room for the last label's right half
    slot = (right - left) / max(len(chart.points), 1)
    rotate = slot < CHAR_WIDTH * (len(str(ticks[-1])) + 1)
    top = 16 + (CHAR_WIDTH * len(str(ticks[-1])) if rotate else 8)
    bottom = top + 220.0
    scale = (bottom - top) / ticks[-1]
    marks = []
    for index, (label, value) in enumerate(chart.points):
        x = left + index * slot + slot * 0.1
        y = bottom - value * scale
        marks.append(Mark(x, y, slot * 0.8, value * scale, label, value, x + slot * 0.4, y - 4))
    every = math.ceil((widest * CHAR_WIDTH + 12) / slot)
    last = len(chart.points) - 1
    category_ticks = [
        Tick(left + index * slot + slot / 2, label)
        for index, (label, _) in enumerate(chart.points)
        if (last - index) % every == 0
    ]
    axes = ([Tick(bottom - tick * scale, f"{tick:,}") for tick in ticks], category_ticks)
    return Figure.drawn(chart, "columns", COLUMNS_WIDTH, (left, top, right, bottom), marks, axes, rotate_values=rotate)


def bars(chart: Chart) -> Figure:
    """One horizontal bar a category, its name on the left and its value at the bar's end; the category
    axis is titled over the names."""
    ticks = nice_ticks(max((value for _, value in chart.points), default=0))
    left, right, top, row = 16.0 + LABEL_CHARS * CHAR_WIDTH, BARS_WIDTH - 48.0, 28.0, 28.0
    bottom = top + row * max(len(chart.points), 1)
    scale = (right - left) / ticks[-1]
    marks = [
        Mark(
            left,
            top + index * row + 5,
            value * scale,
            row - 10,
            label,
            value,
            left + value * scale + 6,
            top + index * row + row / 2,
        )
        for index, (label, value) in enumerate(chart.points)
    ]
    value_ticks = [Tick(left + tick * scale, f"{tick:,}") for tick in ticks]
    category_ticks = [Tick(mark.value_y, shortened(mark.label)) for mark in marks]
    return Figure.drawn(chart, "bars", BARS_WIDTH, (left, top, right, bottom), marks, (value_ticks, category_ticks))
