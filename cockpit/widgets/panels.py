"""Text panels: run progress, machine telemetry, warnings. Each renders a literal `Text`."""

from __future__ import annotations

import time

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from cockpit import safe
from cockpit.services.machine import MachineState
from cockpit.viewmodels.run_progress import RunProgress, Training, counts, tokens
from cockpit.widgets.table import VERDICT_STYLE
from engine.tally import CorpusProgress, JudgeProgress, TrainProgress


def bar(fraction: float, width: int = 40, style: str = "green") -> Text:
    fraction = max(0.0, min(1.0, fraction))
    full = int(round(fraction * width))
    t = Text("█" * full, style=style)
    t.append("░" * (width - full), style="dim")
    return t


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def stamp(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) if t else "–"


def _num(v: float | None, fmt: str) -> str:
    return "–" if v is None else format(v, fmt)


class ProgressPanel(Widget):
    DEFAULT_CSS = "ProgressPanel { height: auto; }"
    progress: reactive[RunProgress | None] = reactive(None, always_update=True, layout=True)

    def render(self) -> Text:
        p = self.progress
        if p is None:
            return Text("No run selected. Pick one on the Runs screen (1) or launch one (n there).", style="dim")
        t = Text()
        t.append_text(safe.join(("run ", "bold"), (p.run_id, "bold"), "  "))
        t.append(p.status, style=VERDICT_STYLE.get(p.status, ""))
        t.append_text(safe.join("  ", (p.kind, "dim"), "  ", (p.experiment, "dim")))
        if p.phase:
            t.append_text(
                safe.join("  phase: ", (p.phase, "cyan"), (f" {p.phase_detail}" if p.phase_detail else "", ""))
            )
        t.append("\n")
        t.append_text(bar(p.fraction, 50))
        t.append(f" {p.fraction * 100:5.1f}%\n")
        done_e, total_e, done_j, total_j = counts(p.job)
        t.append(f"episodes {done_e:,}/{total_e:,}   judgments {done_j:,}/{total_j:,}")
        if isinstance(p.job, TrainProgress) and p.job.max_steps:
            t.append(f"   train step {p.job.step:,}/{p.job.max_steps:,}")
        t.append("\n")
        pace, (tok_in, tok_out) = p.pace, tokens(p.job)
        t.append(f"episodes/s {_num(pace.episodes_per_s, '.2f')}   tokens/s {_num(pace.tokens_per_s, '.1f')}   ")
        t.append(f"ETA {duration(pace.eta_s) if p.status == 'running' else '–'}   ")
        t.append(f"errors {p.errors}", style="red" if p.errors else "")
        t.append(f"   tokens in/out {tok_in:,}/{tok_out:,}   cost ${p.cost_usd:.4f}\n")
        kind_line = job_line(p)
        if kind_line:
            t.append(kind_line + "\n")
        t.append(f"started {stamp(p.started_at)} UTC   finished {stamp(p.finished_at)}")
        if p.configs:
            t.append_text(safe.join("   configs: ", ", ".join(p.configs)))
        if p.error:
            t.append("\n")
            t.append_text(safe.text(p.error, "red", one_line=True, limit=300))
        for line in p.log[-3:]:
            t.append("\n")
            t.append_text(safe.text(line, "dim", one_line=True, limit=200))
        return t


def job_line(p: RunProgress) -> str:
    """What a job of this kind is measured by: a training's pace and checkpoints, a corpus build's
    teacher calls and verdicts, a re-judge's rate and its cost against the projection."""
    job = p.job
    if isinstance(job, TrainProgress):
        tr = p.training or Training()
        lr = f"{tr.lr[-1][1]:.2e}" if tr.lr else "–"
        mem = f"{tr.gpu_mem_gb:.1f} GB" if tr.gpu_mem_gb is not None else "NA"
        ckpt = f"{tr.checkpoints} (latest step {tr.last_checkpoint})" if tr.last_checkpoint is not None else "none yet"
        eta = duration(tr.eta_s) if p.status == "running" and tr.eta_s is not None else "–"
        return (
            f"training: lr {lr}   tokens/s {_num(tr.tokens_per_s, '.0f')}   step ETA {eta}   "
            f"checkpoints {ckpt}   GPU mem {mem}"
        )
    verdicts = "  ".join(f"{v} {n:,}" for v, n in job.verdicts) or "–"
    if isinstance(job, CorpusProgress):
        kept = f"{job.rows_kept:,}" if job.rows_kept is not None else ("judging…" if p.status == "running" else "–")
        return (
            f"corpus: teacher calls {job.answers_done:,}/{job.answers_total:,}   verdicts {verdicts}   "
            f"rows kept {kept}   cost ${job.cost_usd:.4f}"
        )
    if isinstance(job, JudgeProgress) and p.kind == "judge":
        proj = f" of projected ${job.projected_cost_usd:.4f}" if job.projected_cost_usd is not None else ""
        return (
            f"re-judge: judgments/s {_num(p.pace.judgments_per_s, '.2f')}   verdicts {verdicts}   "
            f"errors {job.errors}   cost ${job.cost_usd:.4f}{proj}"
        )
    return ""


class MachinePanel(Widget):
    DEFAULT_CSS = "MachinePanel { height: auto; }"
    state: reactive[MachineState | None] = reactive(None, always_update=True, layout=True)

    def render(self) -> Text:
        st = self.state
        if st is None:
            return Text("machine: sampling…", style="dim")
        s = st.sample
        t = Text()
        if st.source:
            t.append("machine ", style="bold")
            t.append_text(safe.text(st.source, "magenta", one_line=True, limit=120))
            t.append("\n")
        t.append("CPU ", style="bold")
        t.append_text(bar(s.cpu_pct / 100.0, 20, "cyan"))
        t.append(f" {s.cpu_pct:5.1f}%   ")
        t.append("RAM ", style="bold")
        frac = s.ram_used_gb / s.ram_total_gb if s.ram_total_gb else 0.0
        t.append_text(bar(frac, 20, "cyan"))
        t.append(f" {s.ram_used_gb:.1f}/{s.ram_total_gb:.1f} GB\n")
        if not s.gpus:
            t.append("GPU ", style="bold")
            t.append_text(safe.text(s.gpu_status or "no GPU", "yellow", one_line=True))
            t.append(" (NVML unavailable: GPU telemetry off)" if s.gpu_status == "no GPU" else "", style="dim")
            return t
        for i, g in enumerate(s.gpus):
            if i:
                t.append("\n")
            t.append(f"GPU{g.index} ", style="bold")
            t.append_text(safe.text(g.name, "dim", one_line=True, limit=24))
            t.append(" ")
            t.append_text(bar((g.util_pct or 0.0) / 100.0, 16, "green"))
            t.append(
                f" util {_num(g.util_pct, '5.1f')}%  mem {_num(g.mem_used_gb, '.1f')}/{_num(g.mem_total_gb, '.1f')} GB"
            )
            t.append(f"  {_num(g.temp_c, '.0f')}°C  {_num(g.power_w, '.0f')} W")
        return t


class Notes(Widget):
    """A list of literal lines (warnings, errors); empty hides the widget."""

    DEFAULT_CSS = "Notes { height: auto; }"
    lines: reactive[tuple[str, ...]] = reactive((), layout=True)

    def __init__(self, title: str = "", style: str = "yellow", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        self._style = style

    def render(self) -> Text:
        t = Text()
        if self._title and self.lines:
            t.append(self._title + "\n", style="bold")
        for i, line in enumerate(self.lines):
            if i:
                t.append("\n")
            t.append("• ", style=self._style)
            t.append_text(safe.text(line, self._style))
        return t

    def watch_lines(self, lines: tuple[str, ...]) -> None:
        self.display = bool(lines)
