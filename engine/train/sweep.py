"""`engine sweep`: train N recipe variants, evaluate base + every SFT config on the holdout, compare.

Each variant is the base recipe with its overrides; its run id is derived from the resolved
recipe (`sweep-<name>-<variant>-<fingerprint>`), so re-running a sweep resumes an interrupted
training and skips finished ones. The evaluation is one eval run of an experiment built in code
(the sweep's experiment file with its configs replaced by the base config and one SFT config per
variant, `base` set); episodes already in the journals are not regenerated. The summary reads
`engine.analysis.build_report` on the experiment's headline judge path: per variant the
post-SFT curated pass rate (Wilson 95% interval over tasks), Δ with its paired bootstrap CI,
and the SFT lift over the base with its CI. The reference study's recipe-ceiling finding is
this table with all curated pass rates in a narrow band.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.events import LogMessage, Reporter
from engine.train.specs import SweepSpec, load_recipe
from engine.train.tracking import require_integrations


def variant_config_id(base_id: str, variant: str) -> str:
    return f"{base_id}-sft-{variant}"[:128]


def load_sweep(spec: SweepSpec) -> tuple[Any, Any, list[tuple[Any, Any]]]:
    """(experiment, base config, [(variant, recipe)]): each variant's recipe checked against the base."""
    from engine.config import load_experiment
    from engine.train.student import check_base, default_base

    exp = load_experiment(spec.experiment)
    base = default_base(exp, spec.base_config)
    recipes = [(v, load_recipe(spec.recipe, v.set)) for v in spec.variants]
    for _, r in recipes:
        check_base(r, base)
        require_integrations(r.report_to, r.source)  # before the first variant trains
    return exp, base, recipes


def run_sweep(
    spec: SweepSpec,
    runs_dir: Path,
    reporter: Reporter | None = None,
    *,
    limit: int | None = None,
    n_boot: int = 2000,
) -> dict[str, Any]:
    from engine.train.run import deterministic_run_id, train
    from engine.train.student import sft_config, with_students

    exp, base, recipes = load_sweep(spec)
    students = []
    trained: dict[str, dict[str, Any]] = {}
    for v, recipe in recipes:
        res = train(recipe, runs_dir, reporter, run_id=deterministic_run_id(f"sweep-{spec.name}-{v.id}", recipe))
        trained[v.id] = {
            "run_id": res.run_id,
            "status": res.status,
            "steps": res.step,
            "loss_start": res.loss_start,
            "loss_end": res.loss_end,
            "set": v.set,
        }
        if res.status not in ("finished", "skipped") or res.adapter is None:
            return {"name": spec.name, "status": res.status, "variants": trained}
        students.append(sft_config(base, res.adapter, variant_config_id(base.id, v.id)))
    sweep_exp = with_students(exp, base, students, name=f"sweep-{spec.name}")
    return evaluate_and_summarise(spec, sweep_exp, base, students, runs_dir, trained, reporter, limit, n_boot)


def evaluate_and_summarise(
    spec: SweepSpec,
    sweep_exp: Any,
    base: Any,
    students: list[Any],
    runs_dir: Path,
    trained: dict[str, dict[str, Any]],
    reporter: Reporter | None,
    limit: int | None,
    n_boot: int,
) -> dict[str, Any]:
    """The sweep's eval run (episodes already journaled by any run are reused, not regenerated),
    then the summary, written to the eval run's sweep.json."""
    from engine.runner import Runner
    from engine.store.request import RunRequest

    result = Runner(sweep_exp, RunRequest(runs_dir=runs_dir, limit=limit or spec.limit), reporter).run()
    if result.status != "finished":
        return {"name": spec.name, "status": result.status, "eval_run": result.run_id, "variants": trained}
    summary = summarise(sweep_exp, base, students, runs_dir, trained, n_boot=n_boot)
    summary["eval_run"] = result.run_id
    out = result.run_dir / "sweep.json"
    out.write_text(json.dumps(summary, indent=1, default=str) + "\n", encoding="utf-8")
    if reporter is not None:
        reporter.emit(LogMessage(result.run_id, level="info", message=f"sweep summary: {out}"))
    return summary


def _labels(rep: Any, configs: list[Any]) -> dict[str, tuple[str | None, str | None]]:
    """config id -> (report label, alias id): found by fingerprint, since a config whose model state
    is already stored under another id (an identical retraining) is reported under that id."""
    by_fp: dict[str, list[Any]] = {}
    for info in rep.configs:
        by_fp.setdefault(info.config_fp, []).append(info)
    out: dict[str, tuple[str | None, str | None]] = {}
    for cfg in configs:
        infos = by_fp.get(cfg.fingerprint(), [])
        same = [i for i in infos if i.config_id == cfg.id]
        pick = (same or infos or [None])[0]
        out[cfg.id] = (pick.label, None if pick.config_id == cfg.id else pick.config_id) if pick else (None, None)
    return out


def wilson(passes: float, n: int, alpha: float = 0.05) -> tuple[float | None, float | None]:
    if n <= 0:
        return None, None
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(round(passes), n, alpha=alpha, method="wilson")
    return float(lo), float(hi)


def summarise(
    exp: Any,
    base: Any,
    students: list[Any],
    runs_dir: Path,
    trained: dict[str, dict[str, Any]],
    *,
    n_boot: int,
) -> dict[str, Any]:
    from engine.analysis import build_report
    from engine.store.db import Store

    configs = [base, *students]
    fps = sorted({c.fingerprint() for c in configs})
    with Store.open(runs_dir) as store:
        store.ingest()
        marks = ", ".join("?" for _ in fps)
        same_state = store.query(f"SELECT DISTINCT config_id FROM configs WHERE config_fp IN ({marks})", fps)
        rep = build_report(
            store.con,
            paths=exp.paths or None,
            headline=exp.headline_path,
            preregistered=True,
            n_boot=n_boot,
            configs=sorted({c.id for c in configs} | {cid for (cid,) in same_state}),
        )
    deltas = {d.config: d for d in rep.deltas if d.path == rep.headline}
    labels = _labels(rep, configs)
    base_label = labels[base.id][0]
    rows = []
    for cfg, variant in [(base, None), *zip(students, trained, strict=True)]:
        label, alias = labels[cfg.id]
        d = deltas.get(label) if label else None
        row: dict[str, Any] = {"variant": variant or "(base)", "config": cfg.id}
        if alias:
            row["same_model_as"] = alias
        if d is not None:
            lo, hi = wilson((d.pass_curated or 0.0) * d.n_tasks, d.n_tasks)
            row.update(
                n_tasks=d.n_tasks,
                pass_curated=d.pass_curated,
                pass_curated_ci=[lo, hi],
                pass_no_skill=d.pass_no_skill,
                delta=d.delta,
                delta_ci=[d.ci_low, d.ci_high],
            )
        if variant is not None and label and d is not None and base_label and base_label in deltas:
            lift = rep.compare(label, base_label)
            row.update(lift=lift.diff, lift_ci=[lift.ci_low, lift.ci_high])
        if variant is not None:
            row.update({k: trained[variant][k] for k in ("run_id", "steps", "loss_start", "loss_end", "set")})
        rows.append(row)
    rates = [r["pass_curated"] for r in rows[1:] if r.get("pass_curated") is not None]
    return {
        "name": exp.name,
        "status": "finished",
        "path": rep.headline,
        "rows": rows,
        "curated_band": (max(rates) - min(rates)) if rates else None,
        "warnings": rep.warnings,
    }


def _f(x: Any, signed: bool = False) -> str:
    if x is None:
        return "–"
    return f"{x:+.3f}" if signed else f"{x:.3f}"


def _ci(ci: Any) -> str:
    if not ci or ci[0] is None:
        return ""
    return f" [{ci[0]:+.3f}, {ci[1]:+.3f}]"


def render_sweep(summary: dict[str, Any], console: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    if summary.get("status") != "finished":
        console.print(Text(f"sweep {summary.get('name')}: {summary.get('status')}", style="yellow"))
        if summary.get("error"):  # a Ray task's error (the local sweep raises it instead)
            console.print(Text(f"error: {summary['error']}", style="red"))
        return
    t = Table(title=f"sweep {summary['name']} — judge path {summary['path']}")
    for col in ("variant", "overrides", "loss", "curated pass [95% CI]", "Δ [95% CI]", "SFT lift [95% CI]"):
        t.add_column(col)
    for r in summary["rows"]:
        loss = f"{_f(r.get('loss_start'))} → {_f(r.get('loss_end'))}" if "loss_start" in r else ""
        pc = r.get("pass_curated_ci") or [None, None]
        curated = f"{_f(r.get('pass_curated'))}" + (f" [{pc[0]:.3f}, {pc[1]:.3f}]" if pc[0] is not None else "")
        t.add_row(
            Text(r["variant"] + (f" (= {r['same_model_as']})" if r.get("same_model_as") else "")),
            Text(json.dumps(r.get("set", {}))[:40] if "set" in r else ""),
            Text(loss),
            Text(curated),
            Text(_f(r.get("delta"), True) + _ci(r.get("delta_ci"))),
            Text(_f(r.get("lift"), True) + _ci(r.get("lift_ci")) if "lift" in r else ""),
        )
    console.print(t)
    if summary.get("curated_band") is not None:
        console.print(Text(f"post-SFT curated pass rates span {summary['curated_band'] * 100:.1f} pp across variants"))
    for w in summary.get("warnings", []):
        console.print(Text(f"warning: {w}", style="yellow"))
