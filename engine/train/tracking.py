"""Training logs to MLflow, W&B or TensorBoard: the recipe's `report_to`, through TRL's own integration.

`report_to = ["mlflow", "wandb", "tensorboard"]` (any subset, empty by default) is handed to
`SFTConfig.report_to`: transformers' MLflowCallback, WandbCallback and TensorBoardCallback log
every logging step (loss, learning rate, grad norm) and the run's arguments. They are configured
by environment variables, so a training sets them for its own duration (and restores them):

    integration   variable                 default (a variable already set wins)
    mlflow        MLFLOW_TRACKING_URI      file://<run dir>/mlruns   (MLflow's local file store)
                  MLFLOW_EXPERIMENT_NAME   the recipe's name
                  MLFLOW_ALLOW_FILE_STORE  true   (MLflow 3 refuses a file store without it)
                  MLFLOW_DISABLE_TELEMETRY true   (no usage report to MLflow's servers)
    wandb         WANDB_MODE               offline   (set online yourself to upload)
                  WANDB_PROJECT            the recipe's name
                  WANDB_DIR                <run dir>   (the offline run lands in <run dir>/wandb/)
                  WANDB_CACHE_DIR, WANDB_DATA_DIR   <run dir>/wandb/{cache,data} when offline
                  WANDB_ERROR_REPORTING    false when offline
                  WANDB_SILENT, WANDB_CONSOLE  true, off   (our progress display owns the terminal)
    tensorboard   TENSORBOARD_LOGGING_DIR  <run dir>/tb

So nothing reaches the network or the home directory unless the researcher points it there
(their MLFLOW_TRACKING_URI, their WANDB_MODE=online). The run name is the run id in both MLflow
and W&B. A resumed training opens a new MLflow / W&B run under the same run name. Whether the
chosen packages are installed is checked before the model loads (`require_integrations`).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Any, Literal

from engine.data.loader import DataError

Integration = Literal["mlflow", "wandb", "tensorboard"]
INTEGRATIONS: tuple[Integration, ...] = ("mlflow", "wandb", "tensorboard")
EXTRA = "skill-cockpit[tracking]"
# the import name(s) transformers looks for, and the package that provides it
_MODULES: dict[str, tuple[str, ...]] = {
    "mlflow": ("mlflow",),
    "wandb": ("wandb",),
    "tensorboard": ("tensorboard", "tensorboardX"),
}
_PIP: dict[str, str] = {"mlflow": "mlflow-skinny", "wandb": "wandb", "tensorboard": "tensorboard"}


def installed(integration: str) -> bool:
    return any(importlib.util.find_spec(m) is not None for m in _MODULES[integration])


def require_integrations(report_to: Sequence[str], source: str | None) -> None:
    """A DataError naming the recipe file and `report_to` when a chosen integration is not installed."""
    for name in report_to:
        if not installed(name):
            where = source or "<recipe>"
            raise DataError(
                where,
                _field_line(where),
                "report_to",
                f"'{name}' needs the {_PIP[name]} package, which is not installed: "
                f"pip install '{_PIP[name]}' (or all three: pip install '{EXTRA}')",
            )


def _field_line(source: str) -> int | None:
    from engine.specs import toml_line

    try:
        return toml_line(Path(source).read_text(encoding="utf-8"), ("report_to",))
    except (OSError, UnicodeDecodeError):
        return None


def tracking_env(report_to: Sequence[str], run_dir: Path, name: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The variables a training sets for its integrations: the defaults above, minus those in `environ`."""
    run_dir = Path(run_dir).resolve()
    defaults: dict[str, str] = {}
    if "mlflow" in report_to:
        defaults |= {
            "MLFLOW_TRACKING_URI": (run_dir / "mlruns").as_uri(),
            "MLFLOW_EXPERIMENT_NAME": name,
            "MLFLOW_ALLOW_FILE_STORE": "true",
            "MLFLOW_DISABLE_TELEMETRY": "true",
        }
    if "wandb" in report_to:
        defaults |= {
            "WANDB_MODE": "offline",
            "WANDB_PROJECT": name,
            "WANDB_DIR": str(run_dir),
            "WANDB_SILENT": "true",
            "WANDB_CONSOLE": "off",
        }
        if environ.get("WANDB_MODE", "offline") in ("offline", "disabled", "dryrun"):
            defaults |= {
                "WANDB_CACHE_DIR": str(run_dir / "wandb" / "cache"),
                "WANDB_DATA_DIR": str(run_dir / "wandb" / "data"),
                "WANDB_ERROR_REPORTING": "false",
            }
    if "tensorboard" in report_to:
        defaults["TENSORBOARD_LOGGING_DIR"] = str(run_dir / "tb")
    return {k: v for k, v in defaults.items() if k not in environ}


def destinations(report_to: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    """Where each integration logs, in words (after `tracking_env` was applied to `environ`)."""
    out: dict[str, str] = {}
    if "mlflow" in report_to:
        uri = environ.get("MLFLOW_TRACKING_URI", "")
        out["mlflow"] = f"{uri} (experiment {environ.get('MLFLOW_EXPERIMENT_NAME', '')!r})"
    if "wandb" in report_to:
        mode = environ.get("WANDB_MODE", "")
        where = Path(environ.get("WANDB_DIR", ".")) / "wandb"
        text = f"{mode}, {where} (project {environ.get('WANDB_PROJECT', '')!r})"
        if mode == "offline":
            text += f"; upload later with `wandb sync {where}/offline-run-*`"
        out["wandb"] = text
    if "tensorboard" in report_to:
        tb = environ.get("TENSORBOARD_LOGGING_DIR", "")
        out["tensorboard"] = f"{tb} (tensorboard --logdir {tb})"
    return out


@contextmanager
def tracking(report_to: Sequence[str], run_dir: Path, name: str) -> Iterator[dict[str, str]]:
    """Set the integrations' variables for one training and yield where they log; on exit, end the
    MLflow / W&B run still open (a failed training: status FAILED / exit code 1) and restore the
    environment."""
    if not report_to:
        yield {}
        return
    env = tracking_env(report_to, run_dir, name, os.environ)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    if "wandb" in report_to:
        Path(os.environ["WANDB_DIR"]).mkdir(parents=True, exist_ok=True)  # W&B warns and falls back otherwise
        # transformers prints "[INFO] Running in WANDB offline mode" to stdout when this module is first
        # imported: stdout carries `--events jsonl`, so the line goes to stderr
        with redirect_stdout(sys.stderr):
            import transformers.integrations.integration_utils  # noqa: F401
    ok = False
    try:
        yield destinations(report_to, os.environ)
        ok = True
    finally:
        try:
            _end_open_runs(report_to, ok)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def _end_open_runs(report_to: Sequence[str], ok: bool) -> None:
    """transformers ends the MLflow run at the end of a training but leaves the W&B run open (and
    neither after a failure): end them here, so the logs are complete and the next training in this
    process opens its own run."""
    mlflow: Any = sys.modules.get("mlflow") if "mlflow" in report_to else None
    if mlflow is not None and mlflow.active_run() is not None:
        mlflow.end_run(status="FINISHED" if ok else "FAILED")
    wandb: Any = sys.modules.get("wandb") if "wandb" in report_to else None
    if wandb is not None and getattr(wandb, "run", None) is not None:
        wandb.finish(exit_code=0 if ok else 1)
