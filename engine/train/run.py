"""`engine train`: one LoRA SFT run as a journal run under `runs/<run-id>/`.

Layout of a train run:
    run.json, events.jsonl      kind "train"; RunStarted / TrainStepLogged / RunFinished|Failed|Cancelled
    train_steps.jsonl           one row per logging step (the store's `train_steps` table)
    telemetry.jsonl             machine samples, as eval runs write them
    recipe.json                 the resolved recipe (what `engine train --resume RUN_ID` re-reads)
    checkpoints/checkpoint-N/   TRL checkpoints (adapter, optimizer, scheduler, RNG, trainer state)
    adapter/                    the trained PEFT adapter (written at the end, atomically)
    merged/                     the LoRA-merged model, when the recipe asks for it
    trainer_state.json, result.json, student.toml (a ready [[configs]] block for experiments)

Resume: running the same recipe into the same run id (`--run-id X`, or `--resume X`) continues
from the newest *complete* checkpoint (kill -9 mid-save leaves an incomplete one, discarded);
the trainer restores optimizer, scheduler, RNG and data order, so the run ends on the same
step as an uninterrupted one. A finished run is not retrained. The journal never holds a step
twice: a resumed process journals only steps after the last one already journaled (the store
also keys `train_steps` by (run_id, step)).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from engine.events import (
    Event,
    Level,
    LogMessage,
    PhaseChanged,
    Reporter,
    RunCancelled,
    RunFailed,
    RunFinished,
    RunStarted,
    TelemetrySampled,
    TrainStepLogged,
    mark_journaled,
)
from engine.host import pid_alive
from engine.runs import run_status
from engine.signals import install_stop_handlers, restore_handlers
from engine.store import journal as jr
from engine.store import manifest
from engine.store.manifest import RunInfo
from engine.store.records import TelemetryRecord, TrainStepRecord
from engine.store.request import Placement
from engine.train.specs import Recipe, recipe_from_dict
from engine.train.student import canonical_adapter_config, servable_adapter, student_toml
from engine.train.targets import check_targets
from engine.train.tracking import require_integrations, tracking

RECIPE_FILE = "recipe.json"
RESULT_FILE = "result.json"


@dataclass
class TrainResult:
    run_id: str
    status: Literal["running", "finished", "cancelled", "failed", "skipped"]  # skipped: already finished
    run_dir: Path
    adapter: Path | None = None
    step: int = 0
    max_steps: int = 0
    resumed_from: int | None = None  # the checkpoint step this process started from
    loss_start: float | None = None  # mean loss of the first quarter of logged steps
    loss_end: float | None = None  # ... and of the last quarter
    wall_s: float = 0.0
    train_runtime_s: float | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["run_dir"] = str(self.run_dir)
        d["adapter"] = str(self.adapter) if self.adapter else None
        return d


class TrainSink:
    """Thread-safe fan-out: the journal (deduplicated steps) and the caller's reporter."""

    def __init__(self, journal: jr.RunJournal, reporter: Reporter | None, journaled_step: int) -> None:
        self.journal = journal
        self.reporter = reporter
        self.journaled_step = journaled_step
        self.lock = threading.Lock()
        self.last_step = 0
        self.max_steps = 0

    def emit(self, event: Event) -> None:
        with self.lock:
            self.journal.emit(event)
        if self.reporter is not None:
            self.reporter.emit(event)

    def step(self, ev: TrainStepLogged) -> None:
        with self.lock:
            self.last_step, self.max_steps = ev.step, ev.max_steps
            if ev.step > self.journaled_step:
                self.journal.record(
                    TrainStepRecord(
                        run_id=ev.run_id,
                        t=ev.t,
                        step=ev.step,
                        max_steps=ev.max_steps,
                        epoch=ev.epoch,
                        loss=ev.loss,
                        lr=ev.lr,
                        grad_norm=ev.grad_norm,
                        tokens_per_s=ev.tokens_per_s,
                        gpu_mem_gb=ev.gpu_mem_gb,
                    )
                )
                self.journal.emit(ev)
                self.journaled_step = ev.step
        if self.reporter is not None:
            self.reporter.emit(ev)

    def telemetry(self, sample: TelemetrySampled) -> None:
        with self.lock:
            self.journal.record(TelemetryRecord.of(sample))
            self.journal.emit(sample)
        if self.reporter is not None:
            self.reporter.emit(sample)


def journaled_steps(run_dir: Path) -> list[dict[str, Any]]:
    return list(jr.iter_records(run_dir / "train_steps.jsonl"))


def load_run_recipe(run_dir: Path) -> Recipe:
    try:
        data = json.loads((run_dir / RECIPE_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"{run_dir} is not a train run (no {RECIPE_FILE})") from None
    source = data.pop("source", None)
    recipe = recipe_from_dict(data, str(run_dir / RECIPE_FILE))
    recipe.source = source
    return recipe


def deterministic_run_id(prefix: str, recipe: Recipe) -> str:
    return f"{prefix}-{recipe.fingerprint()[:10]}"


class TrainRun:
    def __init__(
        self,
        recipe: Recipe,
        runs_dir: Path,
        reporter: Reporter | None = None,
        run_id: str | None = None,
        executor: Placement = "local",  # run.json's executor: "ray task" when a Ray sweep's task trains
    ):
        self.recipe = recipe
        self.runs_dir = Path(runs_dir)
        self.run_id = run_id or jr.new_run_id(f"train-{recipe.name}")
        self.run_dir = self.runs_dir / self.run_id
        self.reporter = reporter
        self.executor = executor
        self.stop = threading.Event()

    # -- public ---------------------------------------------------------------------------
    def cancel(self) -> None:
        self.stop.set()

    def run(self) -> TrainResult:
        t0 = time.time()
        require_corpus(self.recipe)
        require_integrations(self.recipe.report_to, self.recipe.source)  # before a run dir or a model
        check_targets(self.recipe)  # before any weights load or anything is written
        existing = self._check_existing()
        if existing is not None:
            return existing
        journal = jr.RunJournal(self.runs_dir, self.run_id)
        steps = journaled_steps(self.run_dir)
        sink = TrainSink(journal, self.reporter, max((int(s.get("step", 0)) for s in steps), default=0))
        result = TrainResult(self.run_id, "running", self.run_dir)
        previous = install_stop_handlers(self.cancel)
        sampler = None
        try:
            self._write_recipe()
            self._write_run_info(journal, t0)
            sink.emit(
                RunStarted(
                    self.run_id,
                    kind="train",
                    experiment=self.recipe.name,
                    configs=(self.recipe.base_model,),
                    pid=os.getpid(),
                )
            )
            from engine.telemetry import TelemetrySampler

            sampler = TelemetrySampler(self.run_id, sink.telemetry, 1.0)
            sampler.start()
            self._train(sink, result)
            if self.stop.is_set() and result.step < result.max_steps:
                result.status = "cancelled"
                sink.emit(
                    RunCancelled(self.run_id, reason=f"stopped at step {result.step}; resume with the same command")
                )
            else:
                result.status = "finished"
                self._finish(result, sink)
                sink.emit(RunFinished(self.run_id, wall_s=time.time() - t0))
        except BaseException as exc:
            result.status = "failed"
            result.error = f"{type(exc).__name__}: {exc}"
            sink.emit(RunFailed(self.run_id, error=result.error, detail=traceback.format_exc()[-4000:]))
            mark_journaled(exc, self.run_id, str(self.run_dir / "events.jsonl"))
            raise
        finally:
            if sampler is not None:
                sampler.stop()
            restore_handlers(previous)
            result.wall_s = time.time() - t0
            journal.close()
        return result

    # -- steps ----------------------------------------------------------------------------------
    def _check_existing(self) -> TrainResult | None:
        if not (self.run_dir / RECIPE_FILE).exists():
            return None
        old = load_run_recipe(self.run_dir)
        if old.fingerprint() != self.recipe.fingerprint():
            raise ValueError(
                f"run {self.run_id} was started with a different recipe (fingerprint {old.fingerprint()} != "
                f"{self.recipe.fingerprint()}); pick a new run id, or `engine train --resume {self.run_id}`"
            )
        st = run_status(self.run_dir)
        if st.status == "running" and st.remote:
            raise ValueError(f"run {self.run_id} is still running on host {st.host!r}")
        if st.status == "running" and st.pid != os.getpid() and pid_alive(st.pid):
            raise ValueError(f"run {self.run_id} is still running (pid {st.pid})")
        result_file = self.run_dir / RESULT_FILE
        if st.status == "finished" and result_file.exists() and (self.run_dir / "adapter").exists():
            data = json.loads(result_file.read_text(encoding="utf-8"))
            res = TrainResult(
                self.run_id,
                "skipped",
                self.run_dir,
                adapter=self.run_dir / "adapter",
                step=int(data.get("step", 0)),
                max_steps=int(data.get("max_steps", 0)),
                loss_start=data.get("loss_start"),
                loss_end=data.get("loss_end"),
            )
            if self.reporter is not None:
                self.reporter.emit(
                    LogMessage(
                        self.run_id,
                        level="info",
                        message=f"run {self.run_id} already finished: not retrained",
                    )
                )
            return res
        return None

    def _write_recipe(self) -> None:
        data = self.recipe.model_dump(mode="json")
        data["source"] = self.recipe.source
        _atomic_text(self.run_dir / RECIPE_FILE, json.dumps(data, indent=1) + "\n")

    def _write_run_info(self, journal: jr.RunJournal, t0: float) -> None:
        info = RunInfo(
            run_id=self.run_id,
            kind="train",
            recipe=self.recipe.name,
            recipe_path=self.recipe.source,
            pid=os.getpid(),
            base_model=self.recipe.base_model,
            recipe_fp=self.recipe.fingerprint(),
            executor=self.executor,
        )
        manifest.start_info(journal.dir, info, t0)

    def _train(self, sink: TrainSink, result: TrainResult) -> None:
        from engine.train.callback import TelemetryCallback
        from engine.train.sft import build_trainer, complete_checkpoints, discard_incomplete_checkpoints

        ckpt_dir = self.run_dir / "checkpoints"
        for p in discard_incomplete_checkpoints(ckpt_dir):
            sink.emit(LogMessage(self.run_id, level="warning", message=f"discarded incomplete checkpoint {p.name}"))
        done = complete_checkpoints(ckpt_dir)
        resume = done[-1] if done else None
        sink.emit(
            PhaseChanged(self.run_id, phase="loading", detail=f"{self.recipe.base_model}; corpus {self.recipe.corpus}")
        )
        cb = TelemetryCallback(self.run_id, sink.step, stop=self.stop, log=sink.emit)
        with tracking(self.recipe.report_to, self.run_dir, self.recipe.name) as where:
            for name, text in where.items():
                sink.emit(LogMessage(self.run_id, level="info", message=f"report_to {name}: {text}"))
            result.extra["report_to"] = where
            trainer = build_trainer(self.recipe, ckpt_dir, [cb], run_name=self.run_id)
            self.trainer = trainer
            if resume is not None:
                result.resumed_from = resume[0]
                sink.emit(LogMessage(self.run_id, level="info", message=f"resuming from checkpoint {resume[1].name}"))
            sink.emit(PhaseChanged(self.run_id, phase="training", detail=self.recipe.name))
            out = trainer.train(resume_from_checkpoint=str(resume[1]) if resume else None)
        result.step = int(trainer.state.global_step)
        result.max_steps = int(trainer.state.max_steps)
        result.train_runtime_s = float(out.metrics.get("train_runtime", 0.0)) if out is not None else None

    def _finish(self, result: TrainResult, sink: TrainSink) -> None:
        trainer = self.trainer
        sink.emit(PhaseChanged(self.run_id, phase="saving", detail="adapter"))
        adapter = self.run_dir / "adapter"

        notes: list[tuple[Level, str]] = []

        def save_adapter(tmp: Path) -> None:
            trainer.model.save_pretrained(str(tmp))
            canonical_adapter_config(tmp)
            notes.extend(servable_adapter(tmp, self.recipe))

        _atomic_dir(adapter, save_adapter)
        for level, message in notes:
            sink.emit(LogMessage(self.run_id, level=level, message=message))
        result.adapter = adapter
        trainer.state.save_to_json(str(self.run_dir / "trainer_state.json"))
        if self.recipe.merge:
            sink.emit(PhaseChanged(self.run_id, phase="saving", detail="merged model"))
            tok = trainer.processing_class

            def save_merged(tmp: Path) -> None:
                merged = trainer.model.merge_and_unload()
                merged.save_pretrained(str(tmp))
                tok.save_pretrained(str(tmp))

            _atomic_dir(self.run_dir / "merged", save_merged)
        result.loss_start, result.loss_end = loss_trend(journaled_steps(self.run_dir))
        _atomic_text(self.run_dir / RESULT_FILE, json.dumps(result.to_json(), indent=1) + "\n")
        _atomic_text(self.run_dir / "student.toml", student_toml(self.recipe, adapter))


def loss_trend(steps: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    """Mean loss of the first and of the last quarter of the logged steps (per-step loss is noisy:
    each batch holds other skills)."""
    losses = [float(s["loss"]) for s in sorted(steps, key=lambda s: s["step"]) if s.get("loss") is not None]
    if not losses:
        return None, None
    k = max(1, len(losses) // 4)
    return sum(losses[:k]) / k, sum(losses[-k:]) / k


def _atomic_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _atomic_dir(target: Path, write: Any) -> None:
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        write(tmp)
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def require_corpus(recipe: Recipe) -> None:
    """FileNotFoundError when the recipe's corpus file is missing (before a training starts)."""
    if not Path(recipe.corpus).is_file():
        raise FileNotFoundError(f"corpus {recipe.corpus} not found (engine corpus build makes one)")


def train(
    recipe: Recipe,
    runs_dir: Path,
    reporter: Reporter | None = None,
    *,
    run_id: str | None = None,
    executor: Placement = "local",
) -> TrainResult:
    return TrainRun(recipe, runs_dir, reporter, run_id, executor).run()


def resume(runs_dir: Path, run_id: str, reporter: Reporter | None = None) -> TrainResult:
    recipe = load_run_recipe(Path(runs_dir) / run_id)
    return TrainRun(recipe, runs_dir, reporter, run_id).run()
