"""Recipe, corpus-build and sweep files (TOML) as pydantic models, with CLI overrides.

One schema serves the file and the command line: `--set lr=1e-4 --set lora.r=8` (TOML values,
dotted keys) and the explicit options of `engine train` both edit the parsed TOML before it is
validated, so a typo in either is the same one-line error naming the file and the field.
Relative paths are looked up next to the file first, then in the working directory. Reading,
overriding and validating are `engine.specs`, shared with experiment files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from engine.config import JudgeSpec, ModelSpec, PathSpec
from engine.data.schemas import ID_PATTERN, canonical_hash
from engine.specs import Spec, load, resolve_path, validate
from engine.train.tracking import Integration

EMBEDDED_PREFIX = "embedded:"
DEFAULT_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


# ------------------------------------------------------------------------------------ recipe


class LoraSpec(Spec):
    r: int = Field(default=16, ge=1, le=1024)
    alpha: int = Field(default=32, ge=1, le=4096)
    dropout: float = Field(default=0.05, ge=0.0, lt=1.0)
    targets: list[str] | Literal["all-linear"] = Field(default_factory=lambda: list(DEFAULT_TARGETS))
    last_layers: int | None = Field(
        default=None,
        ge=1,
        description="adapt only the last N transformer layers (backward stops below them: faster on CPU)",
    )

    @field_validator("targets")
    @classmethod
    def _some_targets(cls, v: list[str] | str) -> list[str] | str:
        if isinstance(v, list) and not v:
            raise ValueError("an empty list adapts no module: name some (q_proj, v_proj, ...) or 'all-linear'")
        if isinstance(v, list) and any(not t.strip() for t in v):
            raise ValueError("a target is blank")
        return v

    @model_validator(mode="after")
    def _layers_need_a_list(self) -> LoraSpec:
        if self.last_layers is not None and isinstance(self.targets, str):
            raise ValueError("last_layers needs explicit targets (a list): PEFT cannot limit 'all-linear' to layers")
        return self


class Recipe(Spec):
    """One LoRA SFT run: base model, corpus, LoRA shape, optimisation, precision."""

    name: str = Field(pattern=ID_PATTERN)
    description: str = ""
    base_model: str = Field(
        min_length=1,
        description="'embedded:smollm2-135m-instruct', a local model directory, or a hub id (GPU machines)",
    )
    corpus: str = Field(min_length=1, description="corpus JSONL (engine corpus build)")
    corpus_limit: int | None = Field(default=None, ge=1, description="train on N rows, taken round-robin over skills")
    lora: LoraSpec = Field(default_factory=LoraSpec)
    lr: float = Field(default=2e-4, gt=0.0, le=1.0)
    lr_scheduler: Literal["linear", "cosine", "constant", "constant_with_warmup"] = "cosine"
    warmup: float = Field(default=0.03, ge=0.0, description="a fraction of the steps (<1) or a step count (>=1)")
    weight_decay: float = Field(default=0.0, ge=0.0)
    max_grad_norm: float = Field(default=1.0, gt=0.0)
    epochs: float = Field(default=1.0, gt=0.0, le=1000)
    max_steps: int | None = Field(default=None, ge=1, description="overrides epochs when set")
    batch_size: int = Field(default=4, ge=1, le=4096)
    grad_accum: int = Field(default=1, ge=1, le=4096)
    max_length: int = Field(default=1024, ge=16, le=131072)
    drop_long: bool = Field(
        default=False,
        description="drop rows longer than max_length instead of truncating them (losing the ANSWER line)",
    )
    packing: bool = False
    assistant_only_loss: bool = Field(default=True, description="loss on the teacher answer tokens only")
    seed: int = 0
    precision: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        default="auto", description="auto: bf16 on a CUDA GPU that supports it, fp32 on CPU"
    )
    gradient_checkpointing: bool | None = Field(default=None, description="None: on for GPU, off for CPU")
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = Field(default=None, ge=1, le=512, description="torch CPU threads (None: torch's default)")
    logging_steps: int = Field(default=1, ge=1)
    save_steps: int = Field(default=10, ge=1, description="checkpoint cadence in optimizer steps")
    save_total_limit: int = Field(default=2, ge=1)
    merge: bool = Field(default=False, description="also save the LoRA-merged model under merged/")
    chat_template_kwargs: dict[str, Any] = Field(default_factory=dict)
    report_to: list[Integration] = Field(
        default_factory=list,
        description="training logs through TRL's integrations (mlflow, wandb, tensorboard); "
        "by default under the run directory, W&B offline (engine.train.tracking)",
    )
    source: str | None = Field(default=None, exclude=True)

    @field_validator("report_to", mode="before")
    @classmethod
    def _one_name(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v  # `--set report_to=mlflow`

    @model_validator(mode="after")
    def _checks(self) -> Recipe:
        if self.precision == "fp16" and self.device == "cpu":
            raise ValueError("precision: fp16 mixed precision needs a CUDA GPU")
        if len(set(self.report_to)) != len(self.report_to):
            raise ValueError("report_to: an integration is named twice")
        return self

    @property
    def embedded_name(self) -> str | None:
        return self.base_model[len(EMBEDDED_PREFIX) :] if self.base_model.startswith(EMBEDDED_PREFIX) else None

    def fingerprint(self) -> str:
        """What makes two trainings the same training (a resumed run must match it): every setting
        that changes the weights, and the corpus by content (not by path); where the logs go does not."""
        exclude = {"description", "threads", "logging_steps", "corpus", "report_to"}
        data = self.model_dump(mode="json", exclude=exclude)
        data["corpus_sha256"] = file_sha256(self.corpus)
        return canonical_hash(data)


# ------------------------------------------------------------------------------------ corpus


class LeakageSpec(Spec):
    """Near-duplicate rule against every holdout prompt (see engine.train.leakage)."""

    number_similarity: float = Field(
        default=0.5, gt=0.0, le=1.0, description="token similarity above which equal specific numbers leak"
    )


class CorpusSpec(Spec):
    """How to build an SFT corpus: train split, teacher, judges, output."""

    name: str = Field(pattern=ID_PATTERN)
    description: str = ""
    skills: str
    tasks: str
    solutions: str | None = Field(default=None, description="worked solutions (offline teacher)")
    out: str
    teacher: Literal["offline"] | ModelSpec = "offline"
    judges: list[JudgeSpec] = Field(
        default_factory=lambda: [JudgeSpec(id="extractor", kind="answer_line")],
        description="a row is kept only when every judge that applies passes it (and at least one applies)",
    )
    path: PathSpec | None = Field(
        default=None,
        description="route each task to the judge of its scoring family (as experiment paths do); "
        "default: every judge that applies",
    )
    samples: int = Field(default=1, ge=1, le=16, description="teacher answers per task")
    limit: int | None = Field(default=None, ge=1)
    skill_ids: list[str] | None = None
    reuse_answers: bool = Field(
        default=True,
        description="reuse a model teacher's answers stored beside the output (<out stem>.answers.jsonl) "
        "by an earlier build, interrupted or not; false asks again for every answer",
    )
    leakage: LeakageSpec = Field(default_factory=LeakageSpec)
    source: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _offline_needs_solutions(self) -> CorpusSpec:
        if self.teacher == "offline" and not self.solutions:
            raise ValueError("solutions: the offline teacher writes answers from the suite's worked solutions")
        ids = [j.id for j in self.judges]
        if len(set(ids)) != len(ids):
            raise ValueError("judges: duplicate judge id")
        if not ids:
            raise ValueError("judges: a corpus row is kept only when a judge passes it; name at least one")
        if self.path is not None:
            for fam, jid in (("answer_line", self.path.answer_line), ("llm", self.path.llm)):
                if jid is not None and jid not in ids:
                    raise ValueError(f"path: '{jid}' (for {fam} tasks) is not one of the judges")
        return self

    def routes(self, judge_id: str, scoring: str) -> bool:
        """Whether this judge scores tasks of this scoring family."""
        if self.path is None:
            return True
        return judge_id == (self.path.answer_line if scoring == "answer_line" else self.path.llm)

    @property
    def teacher_name(self) -> str:
        if isinstance(self.teacher, str):
            return self.teacher
        return f"{self.teacher.backend}:{self.teacher.model}"


# ------------------------------------------------------------------------------------- sweep


class Variant(Spec):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")
    set: dict[str, Any] = Field(default_factory=dict, description="recipe overrides, dotted keys allowed")


class SweepSpec(Spec):
    """N recipe variants, each trained and evaluated on the holdout in both conditions."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")
    description: str = ""
    recipe: str = Field(description="the base recipe file")
    experiment: str = Field(description="experiment file: holdout, judges, paths and the base config")
    base_config: str | None = Field(default=None, description="config id of the base (default: the first)")
    limit: int | None = Field(default=None, ge=1, description="holdout tasks (default: the experiment's)")
    variants: list[Variant] = Field(min_length=1)
    source: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique(self) -> SweepSpec:
        ids = [v.id for v in self.variants]
        if len(set(ids)) != len(ids):
            raise ValueError("variants: duplicate variant id")
        return self


# ----------------------------------------------------------------------------------- loading


def file_sha256(path: str | Path) -> str | None:
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def load_recipe(path: str | Path, overrides: dict[str, Any] | None = None) -> Recipe:
    recipe, base = load(Recipe, path, overrides)
    recipe.corpus = resolve_path(recipe.corpus, base)
    if recipe.embedded_name is None and not Path(recipe.base_model).is_absolute():
        near = resolve_path(recipe.base_model, base)
        if Path(near).exists():  # a local directory; otherwise a hub id
            recipe.base_model = near
    recipe.source = str(Path(path).resolve())
    return recipe


def recipe_from_dict(data: dict[str, Any], where: str = "<recipe>") -> Recipe:
    return validate(Recipe, data, where)


def load_corpus_spec(path: str | Path, overrides: dict[str, Any] | None = None) -> CorpusSpec:
    spec, base = load(CorpusSpec, path, overrides)
    spec.skills = resolve_path(spec.skills, base)
    spec.tasks = resolve_path(spec.tasks, base)
    if spec.solutions:
        spec.solutions = resolve_path(spec.solutions, base)
    spec.out = resolve_out(spec.out, base)
    spec.source = str(Path(path).resolve())
    return spec


def resolve_out(value: str, base: Path) -> str:
    """An output path: absolute as given, relative to the spec file's directory."""
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def load_sweep(path: str | Path) -> SweepSpec:
    spec, base = load(SweepSpec, path)
    spec.recipe = resolve_path(spec.recipe, base)
    spec.experiment = resolve_path(spec.experiment, base)
    spec.source = str(Path(path).resolve())
    return spec
