"""One column of the side-by-side view: an episode's completion, prompt (skill block collapsible),
tokens, latency and every judge's verdict and rationale. All text from the store is literal."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Collapsible, Static

from cockpit import safe
from cockpit.viewmodels.queries import EpisodeView
from cockpit.widgets.table import VERDICT_STYLE


def header(ep: EpisodeView) -> Text:
    t = safe.join(
        (ep.config_id, "bold"),
        " · ",
        (ep.condition, "bold cyan"),
        "  ",
        (f"{ep.task_id} #{ep.sample}", "dim"),
    )
    t.append("\n")
    lat = "–" if ep.latency_s is None else f"{ep.latency_s:.2f}s"
    if ep.latency_s is not None and ep.latency_kind == "batch":
        lat += " (the whole batch's, not this request's)"
    t.append(
        f"tokens in/out {ep.tokens_in if ep.tokens_in is not None else '–'}/"
        f"{ep.tokens_out if ep.tokens_out is not None else '–'}   latency {lat}"
    )
    if ep.finish_reason == "length":
        t.append("   cut at max_tokens", style="yellow")
    if ep.flags:
        t.append_text(safe.join("   ", (f"aimed at the judge: {ep.flags}", "bold red")))
    if ep.answer is not None:
        t.append_text(safe.join("   gold: ", (ep.answer, "green")))
    if ep.error:
        t.append("\n")
        t.append_text(safe.text(f"generation error: {ep.error}", "red"))
    return t


def verdicts(ep: EpisodeView) -> Text:
    t = Text()
    if not ep.judgments:
        t.append("no judgments yet", style="dim")
    for i, j in enumerate(ep.judgments):
        if i:
            t.append("\n")
        t.append_text(safe.join((j.judge_id, "bold"), (f" ({j.kind})" if j.kind else "", "dim"), ": "))
        t.append_text(safe.text(j.verdict, VERDICT_STYLE.get(j.verdict, "")))
        if j.extracted:
            t.append_text(safe.join("  extracted: ", (j.extracted, "italic")))
        if j.rationale:
            t.append("\n  ")
            t.append_text(safe.text(j.rationale, "dim"))
    return t


def prompt_without_block(ep: EpisodeView) -> str:
    """The prompt with the skill block folded away (it is shown in its own collapsible)."""
    if ep.skill_block and ep.skill_block in ep.prompt:
        return ep.prompt.replace(ep.skill_block, "⟨skill block: see above⟩")
    return ep.prompt


class EpisodePane(VerticalScroll):
    DEFAULT_CSS = """
    EpisodePane { width: 1fr; height: 1fr; border: round $primary; padding: 0 1; }
    EpisodePane .completion { border: tall $accent; padding: 0 1; margin: 1 0; }
    EpisodePane .verdicts { margin-bottom: 1; }
    """

    def __init__(self, ep: EpisodeView | None, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ep = ep
        self.border_title = safe.text(title, one_line=True, limit=80)

    def compose(self) -> ComposeResult:
        ep = self.ep
        if ep is None:
            yield Static(Text("no counterpart episode in the store", style="dim"))
            return
        yield Static(header(ep), classes="header")
        yield Static(verdicts(ep), classes="verdicts")
        yield Static(safe.text(ep.completion or "(empty completion)"), classes="completion")
        in_prompt = bool(ep.skill_block and ep.skill_block in ep.prompt)
        if ep.skill_block:
            label = f"skill block{' (in this prompt)' if in_prompt else ' (not in this prompt)'}"
            with Collapsible(title=label, collapsed=True, classes="skill"):
                yield Static(safe.join((ep.skill_title or "", "bold"), "\n", safe.text(ep.skill_block)))
        with Collapsible(title="prompt", collapsed=False, classes="prompt"):
            yield Static(safe.text(prompt_without_block(ep)))
