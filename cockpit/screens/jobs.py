"""The launch form's tabs beyond Eval: Run the study, Train, Corpus build, Re-judge, Sweep.

Each tab is a `JobForm`: inputs, an error line under each (the field the engine's loader named),
a preview (the plan, the effective recipe, missing judgments and projected cost, the rows-kept
estimate), Check and Start. Checking runs the engine's own loaders (cockpit.viewmodels.forms) in a worker; a
form that does not check starts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from cockpit import safe
from cockpit.services import launcher
from cockpit.viewmodels import forms


@dataclass
class FormChecked(Message):
    kind: str
    checked: forms.Checked | None
    error: forms.FieldError | None
    start: bool


def field_id(kind: str, name: str) -> str:
    return f"{kind}-{name.replace('.', '-').replace('_', '-')}"


class JobForm(VerticalScroll, can_focus=False):  # tab goes from field to field, not to the scroller
    kind = ""
    title = ""
    FIELDS: tuple[tuple[str, str, str], ...] = ()  # (field, label, placeholder)
    CHOICES: dict[str, tuple[str, ...]] = {}  # fields picked from a list (a Select, the first the default)

    def __init__(self, runs_dir: Path) -> None:
        super().__init__(id=f"form-{self.kind}", classes="job-form")
        self.runs_dir = runs_dir
        self.checked: forms.Checked | None = None
        self.error: forms.FieldError | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.title, classes="form-title")
        for name, label, placeholder in self.FIELDS:
            with Horizontal(classes="form-row"):
                yield Label(label, classes="form-label")
                if name in self.CHOICES:
                    options = self.CHOICES[name]
                    yield Select[str](
                        [(o, o) for o in options],
                        value=options[0],
                        allow_blank=False,
                        compact=True,
                        id=field_id(self.kind, name),
                    )
                else:
                    yield Input(placeholder=placeholder, id=field_id(self.kind, name), compact=True)
            yield Static(id=field_id(self.kind, name) + "-error", classes="form-error")
        yield from self.compose_extra()
        yield Static(id=f"{self.kind}-preview", classes="form-preview")
        with Horizontal(classes="form-buttons"):
            yield Button("Check", id=f"{self.kind}-check")
            yield Button("Start", variant="primary", id=f"{self.kind}-start")

    def compose_extra(self) -> ComposeResult:
        yield from ()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, _, _ in self.FIELDS:
            widget = self.query_one("#" + field_id(self.kind, name))
            assert isinstance(widget, Input | Select)
            out[name] = widget.value if isinstance(widget.value, str) else ""
        return out

    def set_values(self, **values: str) -> None:
        for name, value in values.items():
            widget = self.query_one("#" + field_id(self.kind, name))
            assert isinstance(widget, Input | Select)
            widget.value = value

    def check(self, values: dict[str, Any]) -> forms.Checked:  # runs in a worker thread
        raise NotImplementedError

    def submit(self, start: bool = False) -> None:
        self.checked, self.error = None, None
        self._check(self.values(), start)

    @work(thread=True, exclusive=True, exit_on_error=False, group="form-check")
    def _check(self, values: dict[str, Any], start: bool) -> None:
        try:
            self.post_message(FormChecked(self.kind, self.check(values), None, start))
        except forms.FieldError as exc:
            self.post_message(FormChecked(self.kind, None, exc, start))
        except Exception as exc:  # noqa: BLE001 - anything else is shown on the form, never a crash
            self.post_message(FormChecked(self.kind, None, forms.FieldError(self.FIELDS[0][0], str(exc)), start))

    def on_form_checked(self, msg: FormChecked) -> None:
        if msg.kind != self.kind:
            return
        self.checked, self.error = msg.checked, msg.error
        for name, _, _ in self.FIELDS:
            line = self.query_one("#" + field_id(self.kind, name) + "-error", Static)
            line.update("")
            line.display = False
        preview = self.query_one(f"#{self.kind}-preview", Static)
        if msg.error is not None:
            target = msg.error.field if msg.error.field in [f for f, _, _ in self.FIELDS] else self.FIELDS[0][0]
            line = self.query_one("#" + field_id(self.kind, target) + "-error", Static)
            line.update(safe.text(f"{msg.error.field}: {msg.error.message}", "red", limit=600))
            line.display = True
            preview.update("")
            return
        assert msg.checked is not None
        lines = [f"$ engine {' '.join(msg.checked.request.args)}", *msg.checked.preview]
        preview.update(safe.text("\n".join(lines), "dim", limit=4000))
        if msg.start:
            self.screen.dismiss(msg.checked.request)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == f"{self.kind}-check":
            self.submit(start=False)
        elif event.button.id == f"{self.kind}-start":
            self.submit(start=True)

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        self.submit(start=False)


class StudyForm(JobForm):
    kind = "study"
    title = "Run the study: base eval → corpus (if missing) → one training per size → SFT eval → report"
    FIELDS = (
        ("experiment", "experiment", "experiment .toml (its base student configs are the sizes)"),
        ("recipe", "recipe", "recipe .toml"),
        ("corpus", "corpus spec", "corpus spec .toml that builds the recipe's corpus if it is missing"),
        ("limit", "task limit", "the experiment's"),
    )

    def check(self, values: dict[str, Any]) -> forms.Checked:
        return forms.check_study(
            values["experiment"], values["recipe"], values["corpus"], values["limit"], self.runs_dir
        )


class TrainForm(JobForm):
    kind = "train"
    title = "Train: LoRA SFT of a recipe, with the common overrides (empty = the recipe's value)"
    FIELDS = (("recipe", "recipe", "recipe .toml"),) + tuple(
        (name, name, forms.field_hint(name)) for name in forms.TRAIN_FIELDS
    )

    def check(self, values: dict[str, Any]) -> forms.Checked:
        return forms.check_train(values["recipe"], values, self.runs_dir)


class CorpusForm(JobForm):
    kind = "corpus"
    title = "Corpus build: teacher answers to train-split tasks, kept when the spec's judges pass them"
    FIELDS = (("spec", "corpus spec", "corpus spec .toml (teacher, judges, out)"), ("limit", "task limit", "all"))

    def compose_extra(self) -> ComposeResult:
        yield Checkbox("ask a model teacher again for every answer (--fresh)", id="corpus-fresh")

    def values(self) -> dict[str, Any]:
        return {**super().values(), "fresh": self.query_one("#corpus-fresh", Checkbox).value}

    def check(self, values: dict[str, Any]) -> forms.Checked:
        return forms.check_corpus(values["spec"], values["limit"], values["fresh"], self.runs_dir)


class JudgeForm(JobForm):
    kind = "judge"
    title = "Re-judge: score stored episodes with the experiment's judges, generating nothing"
    FIELDS = (
        ("experiment", "experiment", "experiment .toml naming the configs and judges"),
        ("judges", "judges", "judge ids, comma-separated (empty: all of the experiment's)"),
        ("configs", "configs", "config ids, comma-separated (empty: all of the experiment's)"),
        ("limit", "task limit", "all"),
        ("executor", "executor", ""),
        ("address", "address", forms.ADDRESS_PLACEHOLDER),
    )
    CHOICES = {"executor": forms.EXECUTORS}

    def check(self, values: dict[str, Any]) -> forms.Checked:
        from engine.config import load_experiment

        judges = [j.strip() for j in values["judges"].split(",") if j.strip()]
        configs = [c.strip() for c in values["configs"].split(",") if c.strip()]
        if not judges or not configs:
            try:
                exp = load_experiment(forms._path(values["experiment"], "experiment"))
            except forms.FieldError:
                raise
            except Exception as exc:  # noqa: BLE001 - check_judge names the file and field below
                raise forms.FieldError("experiment", str(exc)) from None
            judges = judges or [j.id for j in exp.judges]
            configs = configs or [c.id for c in exp.configs]
        checked, _ = forms.check_judge(
            values["experiment"],
            judges,
            configs,
            values["limit"],
            self.runs_dir,
            executor=values["executor"],
            address=values["address"],
        )
        return checked


class SweepForm(JobForm):
    kind = "sweep"
    title = "Sweep: train each recipe variant, evaluate all on the holdout, compare"
    FIELDS = (("sweep", "sweep file", "sweep .toml"), ("limit", "task limit", "the sweep's"))

    def check(self, values: dict[str, Any]) -> forms.Checked:
        return forms.check_sweep(values["sweep"], values["limit"], self.runs_dir)


FORMS: tuple[type[JobForm], ...] = (StudyForm, TrainForm, CorpusForm, JudgeForm, SweepForm)
TAB_LABELS = {
    "study": "Run the study",
    "train": "Train",
    "corpus": "Corpus build",
    "judge": "Re-judge",
    "sweep": "Sweep",
}


def start_job(req: forms.JobRequest, runs_dir: Path) -> int:
    """Spawn the job detached (as eval runs are), its log in <runs>/<log_dir>/launch.log."""
    cmd = launcher.engine_command(*req.args, *launcher.common_args(runs_dir))
    return launcher.spawn(cmd, Path(runs_dir) / req.log_dir)
