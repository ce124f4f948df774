"""`engine power EXP`: the minimum detectable Δ and lift of an experiment's design, and the tasks ×
samples a target effect needs; from stated rates or from a pilot's per-task outcomes.
Registered by engine.cli; numpy and the store load inside the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from engine.cli import common
from engine.cli.common import RunsDir

Effect = Annotated[
    float | None,
    typer.Option(
        "--effect",
        help="Target |Δ| or |lift|: power and tasks needed for it (default: the experiment's minimum_effect).",
    ),
]
Tasks = Annotated[int | None, typer.Option("--tasks", help="Tasks (default: the experiment's).")]
Samples = Annotated[int | None, typer.Option("--samples", help="Samples per task (default: the experiment's).")]
Pilot = Annotated[list[str] | None, typer.Option("--pilot", help="Estimate from this run's outcomes (repeatable).")]
Discordance = Annotated[
    float, typer.Option("--discordance", help="No pilot: share of tasks whose two conditions disagree.")
]
Within = Annotated[
    float | None,
    typer.Option("--within", help="Share of one sample's variance that is within-task (default: 0 greedy, else 0.5)."),
]
Corr = Annotated[float, typer.Option("--corr", help="No pilot: correlation of a task's base and SFT Δ.")]


@common.guard
def power(
    experiment: Annotated[Path, typer.Argument(help="Experiment file (TOML).", callback=common.bundled)],
    effect: Effect = None,
    power: Annotated[float, typer.Option("--power", help="Power the MDE is detected with.")] = 0.8,
    alpha: Annotated[
        float | None, typer.Option("--alpha", help="Two-sided significance level (default: the experiment's `alpha`).")
    ] = None,
    tasks: Tasks = None,
    samples: Samples = None,
    pilot: Pilot = None,
    store: Annotated[bool, typer.Option("--store", help="Estimate from every run in the store.")] = False,
    path: Annotated[str | None, typer.Option("--path", help="Pilot judge path (default: the headline).")] = None,
    p_no_skill: Annotated[float, typer.Option("--p-no-skill", help="No pilot: no_skill pass rate.")] = 0.4,
    discordance: Discordance = 0.2,
    within: Within = None,
    corr: Corr = 0.0,
    sims: Annotated[int, typer.Option("--sims", help="Simulated studies per power estimate.")] = 2000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    runs_dir: RunsDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Minimum detectable |Δ| and |lift| of the planned design (two-sided α, power), and the tasks ×
    samples needed for --effect. Without a pilot the stated rates are the assumption (printed)."""
    from engine.analysis import power as pw
    from engine.analysis import power_design as pd
    from engine.config import load_experiment

    _check(effect, tasks, samples, sims)
    exp = load_experiment(experiment)
    alpha = exp.alpha if alpha is None else alpha  # the pre-registered level unless stated
    effect = exp.minimum_effect if effect is None else effect
    pw.check_levels(alpha, power)
    design = pd.design_of(exp, tasks=tasks, samples=samples, alpha=alpha, power=power)
    w = within if within is not None else (0.0 if design.greedy else 0.5)
    assumed = pw.Assumed(p_no_skill, discordance, w, corr)
    if pilot or store:
        from engine.store.db import Store

        with Store.open(common.runs_dir(runs_dir)) as st:
            st.ingest()
            pil = pd.load_pilot(
                st.con, run_ids=pilot or None, paths=exp.paths or None,
                headline=path or exp.headline_path, configs=[c.id for c in exp.configs],
            )  # fmt: skip
        rows, warns, source = pd.pilot_rows(design, pil, effect, w, sims=sims, seed=seed), pil.warnings, pil.path
    else:
        assumed.check()
        rows, warns, source = pd.assumed_rows(design, assumed, effect, sims=sims, seed=seed), [], None
    out = _payload(exp, design, assumed, rows, warns, source, within is None)
    typer.echo(json.dumps(out, indent=1) if as_json else "\n".join(_lines(out, rows)))


def register(app: typer.Typer) -> None:
    app.command("power")(power)


def _check(effect: float | None, tasks: int | None, samples: int | None, sims: int) -> None:
    if effect is not None and not 0.0 < abs(effect) < 1.0:
        common.fail(f"--effect must be a difference of pass rates, 0 < |effect| < 1, got {effect}")
    if tasks is not None and tasks < 2:
        common.fail(f"--tasks must be at least 2, got {tasks}")
    if samples is not None and not 1 <= samples <= 100:
        common.fail(f"--samples must be in 1..100, got {samples}")
    if sims < 100:
        common.fail(f"--sims must be at least 100, got {sims}")


def _payload(
    exp: Any, design: Any, assumed: Any, rows: list[Any], warns: list[str], path: str | None, auto: bool
) -> dict:
    from dataclasses import asdict

    from engine.analysis.power import z_sum

    within_why = (
        "every config decodes greedily, temperature 0: repeated samples are identical"
        if design.greedy
        else "sampling at temperature > 0: half of one sample's variance taken as within-task"
    ) if auto else "stated (--within)"  # fmt: skip
    return {
        "experiment": exp.name,
        "source": exp.source,
        "design": asdict(design) | {"episodes": design.episodes},
        "z": z_sum(design.alpha, design.power),
        "basis": "pilot" if path else "assumed",
        "pilot_path": path,
        "assumption": asdict(assumed) | {"within_reason": within_why, "cells_at_zero": _cells(assumed)},
        "rows": [r.to_dict() for r in rows],
        "warnings": warns,
    }


def _cells(assumed: Any) -> dict[str, float] | None:
    """The stated rates as the four kinds of task at Δ = 0 (None when they make no valid table)."""
    try:
        p00, p10, p01, p11 = assumed.cells(0.0)
    except ValueError:
        return None
    return {"both_fail": p00, "no_skill_only": p10, "curated_only": p01, "both_pass": p11}


def _basis_lines(out: dict) -> list[str]:
    """What the numbers rest on: the stated assumption (and its model), or the pilot."""
    a = out["assumption"]
    if out["basis"] == "pilot":
        return [
            f"pilot: per-task outcomes on path '{out['pilot_path']}', resampled by task, shifted to each effect",
            "  samples: ω²_k = τ² + σ²_w/k, σ²_w estimated where the pilot has ≥ 2 samples per task, else a share "
            f"{a['within']:g} of ω² ({a['within_reason']})",
        ]
    lines = [
        f"assumed (no pilot): no_skill pass rate {a['p_no_skill']:g}, discordance D = {a['discordance']:g} "
        "(share of tasks whose two conditions disagree)",
    ]
    c = a["cells_at_zero"]
    if c:
        lines.append(
            f"  at Δ = 0 that is: both pass {c['both_pass']:.2f}, no_skill only {c['no_skill_only']:.2f}, "
            f"curated only {c['curated_only']:.2f}, both fail {c['both_fail']:.2f} of the tasks"
        )
    return lines + [
        f"  within-task share of one sample's variance w = {a['within']:g} ({a['within_reason']}); "
        f"base/SFT per-task Δ correlation ρ = {a['corr']:g}",
        "  model: ω²(Δ) = (D − Δ²)(1 − w + w/k); ω²(lift) = (1 − ρ)(2D − lift²)(1 − w + w/k), base at Δ = 0 "
        "(Miller 2024, arXiv 2411.00640; k samples: τ² + σ²_w/k)",
    ]


def _sim(s: Any) -> str:
    if s is None:
        return "-"
    m = "" if s.mcnemar is None else f", exact McNemar {s.mcnemar:.2f}"
    return f"z-test {s.z_test:.2f}{m}"


def _lines(out: dict, rows: list[Any]) -> list[str]:
    d = out["design"]
    lines = [
        f"power of {out['experiment']} ({out['source']})",
        f"design: {d['n_tasks']} tasks x {d['samples']} sample(s) x {d['n_conditions']} conditions x "
        f"{d['n_configs']} configs = {d['episodes']} episodes; {d['n_configs']} Δ, {d['n_lifts']} SFT lift(s)",
        f"test: paired, two-sided α = {d['alpha']:g}, power {d['power']:g} (z_(1-α/2) + z_(power) = {out['z']:.3f})",
    ]
    lines += _basis_lines(out)
    lines.append("")
    for r in rows:
        what = "Δ" if r.kind == "delta" else "lift"
        head = f"{what} {r.label}"
        if r.source == "pilot":
            head += f" (pilot: {r.n_pilot} tasks x {r.k_pilot}, {what} {r.estimate:+.3f})"
        lines.append(head)
        bonf = f"Bonferroni over the {r.family} {what}s: {r.mde_bonferroni:.3f}"
        lines.append(f"  MDE |{what}| = {r.mde:.3f}  (ω² = {r.omega2:.4f}; {bonf})")
        lines.append(f"  simulated power at the MDE: {_sim(r.sim_at_mde)}")
        if r.effect is not None:
            mc = "" if r.mcnemar_at_effect is None else f", McNemar (Connor 1987) {r.mcnemar_at_effect:.2f}"
            sim = _sim(r.sim_at_effect)
            lines.append(f"  at |{what}| = {abs(r.effect):g}: power {r.power_at_effect:.2f}{mc}; simulated {sim}")
            per = d["n_conditions"]
            need = ", ".join(f"{n} tasks x {k} ({n * k * per} episodes a config)" for k, n in sorted(r.needed.items()))
            lines.append(f"  needed for power {out['design']['power']:g}: {need}")
        if r.note:
            lines.append(f"  note: {r.note}")
    if out["assumption"]["within"] == 0:
        lines.append(
            "samples > 1 add nothing when w = 0 (greedy decoding): more tasks are the only way to a smaller MDE"
        )
    lines += [f"warning: {w}" for w in out["warnings"]]
    return lines
