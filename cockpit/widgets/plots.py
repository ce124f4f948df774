"""plotext plots: each subclasses `PlotextPlot`, keeps its data and redraws it in `replot()`.

Labels that come from the store (config ids) are cleaned first: plotext output is parsed as
ANSI by textual-plotext, so a raw escape sequence in a label would reach the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual_plotext import PlotextPlot

from cockpit import safe


def _label(s: object) -> str:
    return safe.clean(s, one_line=True, limit=14)


class _Plot(PlotextPlot):
    """Redraws from its own data on mount and on every resize: plotext keeps layout state between
    builds, so a plot first built at another size would otherwise depend on when it was drawn.
    The built text is cached until the data, the size or the theme changes (a plotext build costs
    milliseconds, and a screen switch re-renders every widget)."""

    _cache: tuple[tuple[object, ...], Text] | None = None
    _version = 0

    def on_mount(self) -> None:
        self.replot()

    def on_resize(self) -> None:
        self.replot()

    def _redraw(self) -> None:
        """Call at the end of `replot`: the data changed, the cached build is stale."""
        self._version += 1
        self.refresh()

    def render(self) -> Text:
        key = (self._version, self.size, self.app.theme, self.theme)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        text = super().render()
        assert isinstance(text, Text)
        self._cache = (key, text)
        return text

    def replot(self) -> None:
        raise NotImplementedError


class SeriesPlot(_Plot):
    """One or more y series against a shared x (seconds, steps)."""

    def __init__(self, title: str, xlabel: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        self._xlabel = xlabel
        self._x: list[float] = []
        self._series: dict[str, list[float]] = {}
        self._right: tuple[str, ...] = ()
        self._empty = "waiting for data"

    def set_data(
        self,
        x: Sequence[float],
        series: dict[str, Sequence[float]],
        empty: str = "waiting for data",
        right: Sequence[str] = (),
    ) -> None:
        """`right`: names of series drawn against the right-hand y axis (a different scale)."""
        x, new = list(x), {k: list(v) for k, v in series.items()}
        if x == self._x and new == self._series and empty == self._empty and tuple(right) == self._right:
            return
        self._x, self._series, self._empty, self._right = x, new, empty, tuple(right)
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self._title if self._x else f"{self._title}: {self._empty}")
        if self._xlabel:
            plt.xlabel(self._xlabel)
        for name, ys in self._series.items():
            if self._x and ys:
                side = "right" if name in self._right else "left"
                plt.plot(self._x[: len(ys)], ys, label=_label(name), marker="braille", yside=side)
        self._redraw()


class DeltaBars(_Plot):
    """Procedural Δ per config as bars, with the bootstrap CI as a whisker on each bar."""

    def __init__(self, title: str = "procedural Δ (curated − no skill)", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        self._rows: list[tuple[str, float, float | None, float | None]] = []

    def set_data(
        self, rows: Sequence[tuple[str, float | None, float | None, float | None]], title: str | None = None
    ) -> None:
        clean = [(_label(c), float(d), lo, hi) for c, d, lo, hi in rows if d is not None]
        if clean == self._rows and (title is None or title == self._title):
            return
        self._rows = clean
        self._title = title or self._title
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self._title if self._rows else f"{self._title}: no data")
        if self._rows:
            xs = [float(i) for i in range(1, len(self._rows) + 1)]
            ys = [r[1] for r in self._rows]
            # one colour per call: plotext resolves a colour list through a set (hash order varies by process)
            for sign, color in ((True, "green"), (False, "red")):
                sel = [(x, y) for x, y in zip(xs, ys, strict=True) if (y >= 0) == sign]
                if sel:
                    plt.bar([x for x, _ in sel], [y for _, y in sel], width=0.4, color=color)
            for x, (_, _, lo, hi) in zip(xs, self._rows, strict=True):
                if lo is not None and hi is not None:
                    plt.plot([x, x], [lo, hi], marker="│", color="white")
                    plt.scatter([x, x], [lo, hi], marker="─", color="white")
            plt.horizontal_line(0.0, color="gray")
            plt.xticks(xs, [r[0] for r in self._rows])
            lo_all = min([0.0, *(r[2] if r[2] is not None else r[1] for r in self._rows)])
            hi_all = max([0.0, *(r[3] if r[3] is not None else r[1] for r in self._rows)])
            pad = max(0.01, (hi_all - lo_all) * 0.1)
            plt.ylim(lo_all - pad, hi_all + pad)
            plt.xlim(0.4, len(xs) + 0.6)
        self._redraw()


class TrajectoryPlot(_Plot):
    """Δ across model sizes: a base line, an SFT line, the frontier as a marker on the right."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: dict[str, list[tuple[float, float]]] = {}
        self._frontier: list[tuple[str, float]] = []
        self._title = "Δ by model size"

    def set_data(
        self,
        lines: dict[str, list[tuple[float, float]]],
        frontier: list[tuple[str, float]],
        title: str | None = None,
    ) -> None:
        frontier = [(_label(n), d) for n, d in frontier]
        if lines == self._lines and frontier == self._frontier and (title or self._title) == self._title:
            return
        self._lines, self._frontier = lines, frontier
        self._title = title or self._title
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        sizes = sorted({x for pts in self._lines.values() for x, _ in pts})
        if not sizes and not self._frontier:
            plt.title(f"{self._title}: no sized configs")
            self._redraw()
            return
        plt.title(self._title)
        plt.xlabel("parameters (B)")
        colors = {"base": "cyan", "sft": "orange"}
        for name, pts in self._lines.items():
            pts = sorted(pts)
            if pts:
                plt.plot([p[0] for p in pts], [p[1] for p in pts], label=name, marker="dot", color=colors.get(name))
        hi = max(sizes) if sizes else 1.0
        lo = min(sizes) if sizes else 0.0
        span = max(hi - lo, 0.5)
        right = hi + span * 0.25
        for i, (name, d) in enumerate(self._frontier):
            plt.scatter([right + i * span * 0.08], [d], marker="◆", color="magenta", label=f"frontier {name}")
        plt.xlim(lo - span * 0.1, right + (len(self._frontier) + 1) * span * 0.08)
        plt.horizontal_line(0.0, color="gray")
        self._redraw()
