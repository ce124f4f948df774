"""Launch form, one tab per job kind. Eval: pick an experiment file, tick configs, conditions and
judges, set a task limit and samples, pick the executor (local, or ray with a cluster address),
start. The other tabs (Run the study, Train, Corpus build, Re-judge, Sweep) are
`cockpit.screens.jobs` forms. Parsing happens in workers; every job starts as a detached child
process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, SelectionList, Static, TabbedContent, TabPane

from cockpit import safe
from cockpit.screens import jobs
from cockpit.screens.base import steady
from cockpit.services import launcher
from cockpit.viewmodels import forms
from engine import paths
from engine.store.request import RunRequest


@dataclass
class ExperimentParsed(Message):
    choice: launcher.ExperimentChoice | None
    error: str | None = None


@dataclass
class PowerComputed(Message):
    text: str
    error: bool = False


@dataclass
class ExperimentsFound(Message):
    paths: list[Path]


class LaunchScreen(ModalScreen[RunRequest | forms.JobRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Close"), Binding("ctrl+s", "start", "Start run")]

    def __init__(self, runs_dir: Path) -> None:
        super().__init__()
        self.runs_dir = runs_dir
        self.choice: launcher.ExperimentChoice | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="launch-dialog"):
            yield Label("Launch a job", id="launch-title")
            with TabbedContent(id="launch-tabs"):
                with TabPane("Eval", id="tab-eval"):
                    yield Select[str]([], prompt="experiment file…", id="launch-known")
                    yield Input(placeholder="…or type a path to an experiment .toml and press enter", id="launch-path")
                    yield Static(id="launch-info")
                    yield Static(id="launch-power")
                    with Horizontal(id="launch-lists"):
                        with VerticalScroll():
                            yield Label("configs")
                            yield SelectionList[str](id="launch-configs")
                        with VerticalScroll():
                            yield Label("conditions")
                            yield SelectionList[str](id="launch-conditions")
                        with VerticalScroll():
                            yield Label("judges")
                            yield SelectionList[str](id="launch-judges")
                    with Horizontal(id="launch-numbers"):
                        yield Label("task limit")
                        yield Input(placeholder="all", id="launch-limit", type="integer")
                        yield Label("samples")
                        yield Input(placeholder="1", id="launch-samples", type="integer")
                    with Horizontal(id="launch-cluster"):
                        yield Label("executor")
                        yield Select[str](
                            [(e, e) for e in forms.EXECUTORS], value="local", allow_blank=False, id="launch-executor"
                        )
                        yield Label("address")
                        yield Input(placeholder=forms.ADDRESS_PLACEHOLDER, id="launch-address")
                    yield Static(id="launch-error")
                    with Horizontal(id="launch-buttons"):
                        yield Button("Start", variant="primary", id="launch-start", disabled=True)
                        yield Button("Cancel", id="launch-cancel")

                for form in jobs.FORMS:
                    with TabPane(jobs.TAB_LABELS[form.kind], id=f"tab-{form.kind}"):
                        yield form(self.runs_dir)

    def on_mount(self) -> None:
        steady(self)
        self._find()
        data = paths.DATA_DIR  # the study on the embedded default, ready to start
        self.query_one(jobs.StudyForm).set_values(
            experiment=launcher.display_path(data / "experiments" / "demo.toml"),
            recipe=launcher.display_path(data / "recipes" / "demo.toml"),
            corpus=launcher.display_path(data / "corpus" / "demo.toml"),
        )

    def show_tab(self, kind: str) -> None:
        self.query_one("#launch-tabs", TabbedContent).active = f"tab-{kind}"

    @work(thread=True, exclusive=True, group="launch-find", exit_on_error=False)
    def _find(self) -> None:
        self.post_message(ExperimentsFound(launcher.known_experiments(self.runs_dir)))

    def on_experiments_found(self, msg: ExperimentsFound) -> None:
        sel = self.query_one("#launch-known", Select)
        sel.set_options([(safe.text(launcher.display_path(p), one_line=True), str(p)) for p in msg.paths])
        if msg.paths:
            sel.value = str(msg.paths[0])

    @on(Select.Changed, "#launch-known")
    def _known(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#launch-path", Input).value = launcher.display_path(Path(event.value))
            self._parse(event.value)

    @on(Input.Submitted, "#launch-path")
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._parse(event.value.strip())

    @work(thread=True, exclusive=True, group="launch-parse", exit_on_error=False)
    def _parse(self, path: str) -> None:
        try:
            p = paths.locate(Path(path).expanduser())
            self.post_message(ExperimentParsed(launcher.parse_experiment(p.resolve())))
        except Exception as exc:  # noqa: BLE001 - DataError names file, line and field
            self.post_message(ExperimentParsed(None, str(exc)))

    def on_experiment_parsed(self, msg: ExperimentParsed) -> None:
        self.choice = msg.choice
        err = self.query_one("#launch-error", Static)
        start = self.query_one("#launch-start", Button)
        for sid in ("#launch-configs", "#launch-conditions", "#launch-judges"):
            self.query_one(sid, SelectionList).clear_options()
        if msg.choice is None:
            err.update(safe.text(msg.error or "cannot read the experiment", "red"))
            self.query_one("#launch-info", Static).update("")
            self.query_one("#launch-power", Static).update("")
            start.disabled = True
            return
        c = msg.choice
        err.update("")
        self._show_info()
        for sid, items in (
            ("#launch-configs", c.configs),
            ("#launch-conditions", c.conditions),
            ("#launch-judges", c.judges),
        ):
            self.query_one(sid, SelectionList).add_options([(safe.text(i, one_line=True), i, True) for i in items])
        self.query_one("#launch-limit", Input).value = str(c.limit) if c.limit else ""
        self.query_one("#launch-samples", Input).value = str(c.samples)
        start.disabled = False
        self._power_of_form()

    @on(Input.Changed, "#launch-limit")
    @on(Input.Changed, "#launch-samples")
    def _power_of_form(self) -> None:
        if self.choice is None:
            return
        limit, samples = (self.query_one(i, Input).value.strip() for i in ("#launch-limit", "#launch-samples"))
        if not (limit.isdigit() or not limit) or not (samples.isdigit() or not samples):
            return
        self._power(self.choice.path, int(limit) if limit else None, int(samples) if samples else None)

    @work(thread=True, exclusive=True, group="launch-power", exit_on_error=False)
    def _power(self, path: Path, limit: int | None, samples: int | None) -> None:
        """The design's minimum detectable Δ and lift before Start (closed form, `engine power`)."""
        from engine.analysis.power_design import design_of, summary
        from engine.config import load_experiment
        from engine.runner.cost import plan_projection

        try:
            exp = load_experiment(path)
            proj = plan_projection(exp, limit or None, samples or None)
            priced = proj.total_usd is not None or exp.cost_limit_usd is not None
            cost = f"\n{proj.describe(exp.cost_limit_usd)}" if priced else ""  # nothing priced: nothing to say
            design = design_of(exp, limit=limit or None, samples=samples or None)
            self.post_message(PowerComputed(f"{summary(design)}{cost}"))
        except Exception as exc:  # noqa: BLE001 - a design without both conditions has no Δ
            self.post_message(PowerComputed(f"power: {exc}", error=True))

    def on_power_computed(self, msg: PowerComputed) -> None:
        self.query_one("#launch-power", Static).update(safe.text(msg.text, "yellow" if msg.error else "dim"))

    @on(Select.Changed, "#launch-executor")
    @on(Input.Changed, "#launch-address")
    def _show_info(self) -> None:
        """The experiment's name, description and file, and where its local models would run."""
        c = self.choice
        if c is None:
            return
        executor = self.query_one("#launch-executor", Select).value
        address = self.query_one("#launch-address", Input).value.strip() or None
        where = "every model and judge runs here, in the engine process"
        if executor == "ray":
            where = f"local models and LLM judges on local models: {forms.placement('ray', address)}; API ones: here"
        self.query_one("#launch-info", Static).update(
            safe.join(
                (c.name, "bold"),
                "  ",
                (c.description, "dim"),
                f"\n{launcher.display_path(c.path)}",
                (f"\n{where}", "dim"),
            )
        )

    def request(self) -> RunRequest | str:
        """The request the form describes, or what is wrong with it."""
        if self.choice is None:
            return "pick an experiment first"
        configs = list(self.query_one("#launch-configs", SelectionList).selected)
        conditions = list(self.query_one("#launch-conditions", SelectionList).selected)
        judges = list(self.query_one("#launch-judges", SelectionList).selected)
        if not configs:
            return "tick at least one config"
        if not conditions:
            return "tick at least one condition"
        if self.choice.judges and not judges:
            return "tick at least one judge"
        try:
            limit_s = self.query_one("#launch-limit", Input).value.strip()
            samples_s = self.query_one("#launch-samples", Input).value.strip()
            limit = int(limit_s) if limit_s else None
            samples = int(samples_s) if samples_s else None
        except ValueError:
            return "task limit and samples are whole numbers"
        if (limit is not None and limit < 1) or (samples is not None and not 1 <= samples <= 100):
            return "task limit ≥ 1, samples between 1 and 100"
        executor = self.query_one("#launch-executor", Select).value
        try:
            ex, address = forms.check_executor(
                executor if isinstance(executor, str) else "local", self.query_one("#launch-address", Input).value
            )
        except forms.FieldError as exc:
            return exc.message
        return RunRequest(
            runs_dir=Path(self.runs_dir),
            experiment=self.choice.path,
            config_ids=configs if len(configs) < len(self.choice.configs) else None,
            conditions=conditions if len(conditions) < len(self.choice.conditions) else None,
            judge_ids=judges if len(judges) < len(self.choice.judges) else None,
            limit=limit,
            samples=samples if samples != self.choice.samples else None,
            executor=ex,
            address=address,
        )

    def action_start(self) -> None:
        active = self.query_one("#launch-tabs", TabbedContent).active
        if active != "tab-eval":
            self.query_one(f"#form-{active.removeprefix('tab-')}", jobs.JobForm).submit(start=True)
            return
        self._start_eval()

    @on(Button.Pressed, "#launch-start")
    def _start_eval(self) -> None:
        req = self.request()
        if isinstance(req, str):
            self.query_one("#launch-error", Static).update(safe.text(req, "red"))
            return
        self.dismiss(req)

    @on(Button.Pressed, "#launch-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
