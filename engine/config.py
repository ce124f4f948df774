"""Experiment files (TOML) as pydantic models, with CLI overrides on the same schema.

Relative paths in an experiment file are looked up next to the file first, then in the
working directory. API keys are never part of a file: a spec names the environment variable
(`api_key_env`) that holds the key.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from engine import backends, specs
from engine.data.prompts import PROMPT_VERSION
from engine.data.schemas import CONDITIONS, ID_PATTERN, Condition, canonical_hash
from engine.specs import Spec, resolve_path


class Sampling(Spec):
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=256, ge=1, le=32768)
    seed: int | None = None
    stop: list[str] = Field(default_factory=list)


class RetryPolicy(Spec):
    """Explicit retry policy for API calls, on top of the SDK's own retries (which honour Retry-After)."""

    max_attempts: int = Field(default=3, ge=1, le=20)
    backoff_s: float = Field(default=1.0, ge=0.0, le=600)
    backoff_max_s: float = Field(default=30.0, ge=0.0, le=3600)
    sdk_max_retries: int = Field(default=2, ge=0, le=10)
    timeout_s: float = Field(default=120.0, gt=0.0, le=3600)


class ModelSpec(Spec):
    """How to reach one model: a generation backend plus its settings."""

    backend: str = Field(description="a registered backend (engine.backends): embedded, hf, vllm, openai, anthropic")
    model: str = Field(min_length=1, max_length=300)
    adapter: str | None = None
    base_url: str | None = None
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    sampling: Sampling = Field(default_factory=Sampling)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    concurrency: int = Field(default=8, ge=1, le=1024)
    batch_size: int = Field(default=16, ge=1, le=4096)
    device: str = "auto"
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    price_in_per_mtok: float = Field(default=0.0, ge=0.0)
    price_out_per_mtok: float = Field(default=0.0, ge=0.0)
    chat_template_kwargs: dict[str, Any] = Field(default_factory=dict)
    extra_body: dict[str, Any] = Field(default_factory=dict)
    max_model_len: int | None = Field(default=None, ge=128)
    gpu_memory_utilization: float = Field(default=0.85, gt=0.0, le=1.0)
    # vLLM engine settings (configs that agree on them share one engine: a base and its adapters)
    enforce_eager: bool | None = Field(default=None, description="vllm: no CUDA graphs / compile (None: on for CPU)")
    tensor_parallel_size: int = Field(default=1, ge=1, le=64, description="vllm: GPUs one engine spans")
    max_lora_rank: int | None = Field(
        default=None, ge=1, le=512, description="refuse adapters of a higher rank (None: sized from the adapters)"
    )
    replicas: int = Field(
        default=1, ge=1, le=1024, description="--executor ray: model replicas (actors), each with its own engine"
    )

    @model_validator(mode="before")
    @classmethod
    def _no_keys_in_files(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for k in data:
                if k.lower() in ("api_key", "apikey", "key", "token", "secret"):
                    raise ValueError(
                        f"{k}: API keys are read from the environment only; name the variable with api_key_env"
                    )
        return data

    @field_validator("backend")
    @classmethod
    def _registered(cls, v: str) -> str:
        if not backends.known(v):
            raise ValueError(f"unknown backend '{v}' (known: {', '.join(backends.names())})")
        return v

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^/\s]+", v):
            raise ValueError(f"base_url {v!r} is not an http:// or https:// URL")
        return v

    @model_validator(mode="after")
    def _backend_fields(self) -> ModelSpec:
        if self.adapter and backends.is_api(self.backend):
            raise ValueError("adapter: LoRA adapters need a local backend (hf, embedded or vllm)")
        return self

    @property
    def capabilities(self) -> backends.Capabilities:
        return backends.capabilities(self.backend)

    def fingerprint(self) -> str:
        """Identity of the model state and sampling: what makes two generations comparable."""
        return canonical_hash(
            {
                "backend": self.capabilities.fingerprint_as or self.backend,
                "model": self.model,
                "adapter": adapter_digest(self.adapter),
                "base_url": self.base_url if self.capabilities.api else None,
                "sampling": self.sampling.model_dump(),
                "chat_template_kwargs": self.chat_template_kwargs,
                "extra_body": self.extra_body,
                "prompt_version": PROMPT_VERSION,
            }
        )

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.price_in_per_mtok + tokens_out * self.price_out_per_mtok) / 1e6


def adapter_digest(adapter: str | None) -> str | None:
    """Content hash of a LoRA adapter directory (weights + config), so retraining in place is a new config."""
    if not adapter:
        return None
    p = Path(adapter)
    if not p.exists():
        return f"missing:{adapter}"
    h = hashlib.sha256()
    files = sorted(p.glob("adapter_*")) if p.is_dir() else [p]
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMbBtT])?\s*$")


def size_in_billions(size: str | None) -> float | None:
    """'0.8B' -> 0.8, '135M' -> 0.135; None when not a parameter count."""
    if not size:
        return None
    m = _SIZE.match(size)
    if not m:
        return None
    scale = {"k": 1e-6, "m": 1e-3, "b": 1.0, "t": 1e3, None: 1.0}[m.group(2).lower() if m.group(2) else None]
    return float(m.group(1)) * scale


class ConfigSpec(ModelSpec):
    """One config of an experiment: a student model state or a frontier reference."""

    id: str = Field(pattern=ID_PATTERN)
    size: str | None = None
    role: Literal["student", "frontier"] = "student"
    base: str | None = Field(default=None, description="id of the base config this SFT config is compared to")


class JudgeSpec(Spec):
    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["answer_line", "final_answer", "llm"]
    model: ModelSpec | None = None
    mode: Literal["generate", "logprob"] = "generate"

    @model_validator(mode="after")
    def _model_for_llm(self) -> JudgeSpec:
        if self.kind == "llm" and self.model is None:
            raise ValueError("model: an llm judge needs a [judges.model] table")
        if self.kind != "llm" and self.model is not None:
            raise ValueError(f"model: a {self.kind} judge takes no model")
        if self.mode == "logprob" and self.model is not None and not self.model.capabilities.logprob:
            able = ", ".join(b for b in backends.names() if backends.capabilities(b).logprob)
            raise ValueError(f"mode: logprob judging needs a backend that scores choices ({able})")
        return self


class PathSpec(Spec):
    """A judge path: which judge scores the tasks of each scoring family."""

    name: str = Field(pattern=ID_PATTERN)
    answer_line: str
    llm: str | None = None


class HoldoutSpec(Spec):
    skills: str
    tasks: str
    split: Literal["holdout", "train"] = "holdout"
    limit: int | None = Field(default=None, ge=1)
    skill_ids: list[str] | None = None
    tier: Literal["study", "micro"] | None = Field(
        default=None, description="only the skills of this tier of the bundled suite (micro: ids micro-*)"
    )


class Experiment(Spec):
    name: str = Field(pattern=ID_PATTERN)
    description: str = ""
    seed: int = 0
    samples: int = Field(default=1, ge=1, le=100)
    conditions: list[Condition] = Field(default_factory=lambda: list(CONDITIONS), min_length=1)
    holdout: HoldoutSpec
    configs: list[ConfigSpec] = Field(min_length=1)
    judges: list[JudgeSpec] = Field(default_factory=list)
    paths: list[PathSpec] = Field(default_factory=list)
    headline_path: str | None = None
    format_example: bool = Field(
        default=False, description="prepend the one-shot format example (engine/data/prompts.py) to every prompt"
    )
    # the pre-registered analysis beside headline_path (recorded in the run journal at start,
    # `Experiment.preregistration`): the effect the study is about, the smallest size of it worth
    # detecting, the level of its tests, and the resampling unit of its intervals
    effect_of_interest: Literal["delta", "lift"] = "delta"
    minimum_effect: float | None = Field(default=None, gt=0.0, lt=1.0)
    alpha: float = Field(default=0.05, gt=0.0, le=0.2)
    cluster: Literal["task", "skill"] = "task"
    cost_limit_usd: float | None = Field(
        default=None, gt=0.0, description="stop a run once a start (or resume) has spent this (--cost-limit wins)"
    )
    source: str | None = Field(default=None, exclude=True)

    @field_validator("conditions")
    @classmethod
    def _unique_conditions(cls, v: list[Condition]) -> list[Condition]:
        if len(set(v)) != len(v):
            raise ValueError("conditions must be unique")
        return v

    @field_validator("effect_of_interest")
    @classmethod
    def _lift_needs_a_base(cls, v: str, info: ValidationInfo) -> str:
        configs = info.data.get("configs") or []
        if v == "lift" and not any(c.base for c in configs):
            raise ValueError("'lift' needs an SFT config (one with a `base`); none of the configs has one")
        return v

    def preregistration(self) -> dict[str, Any]:
        """What the run journal records when a run starts (`engine.analysis.preregistration`)."""
        return {
            "experiment": self.name,
            "headline_path": self.headline_path,
            "effect_of_interest": self.effect_of_interest,
            "minimum_effect": self.minimum_effect,
            "alpha": self.alpha,
            "cluster": self.cluster,
        }

    @model_validator(mode="after")
    def _references(self) -> Experiment:
        _unique([c.id for c in self.configs], "configs")
        _unique([j.id for j in self.judges], "judges")
        ids = {c.id for c in self.configs}
        for c in self.configs:
            if c.base is not None and c.base not in ids:
                raise ValueError(f"configs: '{c.id}' names base '{c.base}', which is not a config here")
            if c.base == c.id:
                raise ValueError(f"configs: '{c.id}' cannot be its own base")
        judges = {j.id: j for j in self.judges}
        for p in self.paths:
            for fam, jid in (("answer_line", p.answer_line), ("llm", p.llm)):
                if jid is not None and jid not in judges and jid != "human":
                    raise ValueError(f"paths: path '{p.name}' names judge '{jid}' for {fam}, which is not a judge")
            if p.llm is not None and p.llm in judges and judges[p.llm].kind != "llm":
                raise ValueError(f"paths: path '{p.name}' needs an llm judge for llm-scored tasks")
        names = [p.name for p in self.paths]
        _unique(names, "paths")
        if self.headline_path is not None and self.paths and self.headline_path not in names:
            raise ValueError(f"headline_path: '{self.headline_path}' is not one of the paths")
        return self

    def config(self, config_id: str) -> ConfigSpec:
        for c in self.configs:
            if c.id == config_id:
                return c
        raise KeyError(config_id)


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"{what}: duplicate id '{i}'")
        seen.add(i)


def load_experiment(path: str | Path, overrides: dict[str, Any] | None = None) -> Experiment:
    """Parse, validate and resolve an experiment file. Errors name file, line and field."""
    exp, base = specs.load(Experiment, path, overrides)
    exp.holdout.skills = resolve_path(exp.holdout.skills, base)
    exp.holdout.tasks = resolve_path(exp.holdout.tasks, base)
    for c in exp.configs:
        if c.adapter:
            c.adapter = resolve_path(c.adapter, base, missing="cwd")
    exp.source = str(Path(path).resolve())
    return exp
