"""A store of the reference study's design whose headline numbers equal the published ones.

`make_paper_store(con)` writes 7 configs (Qwen3.5 0.8B/2B/4B, base and after SFT, and Haiku 4.5
as the frontier reference) x 200 holdout tasks (40 skills; 167 answer_line-scored, 33 llm-scored)
x 2 conditions x 1 sample = 2,800 episodes, judged by four judges: an `ANSWER:`-line extractor and
a lenient final-answer judge (answer_line tasks only), and two LLM judges, `claude` and
`gpt-5.4`, on every episode. Plus 60 human adjudications, three LoRA training runs with a loss
curve each, and the frontier model's token costs.

The verdicts are constructed, not sampled, so that on the matched path `llm-only-claude`
(every task scored by `claude`):
- Δ and SFT lift equal `PUBLISHED["delta_base"]`, `["delta_sft"]`, `["lift"]` exactly (200 tasks,
  one sample: every Δ is a multiple of 1/200);
- `gpt-5.4` against `claude` gives κ ≥ 0.754 (min over configs, at Haiku), agreement ≥ 93.25%
  (373 of 400 episodes, at Haiku), and a largest headline Δ shift of 0.035 (at 2B base), with
  every config's Δ keeping its sign (`PUBLISHED["kappa_min"]`, ...).
Which tasks pass is drawn from a seeded generator; the counts above are fixed by `CONFIGS`.
The extractor misses passes written without an `ANSWER:` line, which curated completions write
less often: the format artifact the study found.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pyarrow as pa

from bench.synth import _table, insert_tables

PUBLISHED: dict[str, Any] = {
    # matched-path (LLM-only) scoring; arXiv 2605.11907 v2, see shared/REFERENCE_STUDY.md
    "delta_base": {"0.8B": -0.075, "2B": 0.060, "4B": -0.010, "Haiku 4.5": 0.030},
    "delta_sft": {"0.8B": -0.005, "2B": 0.100, "4B": 0.065},
    "lift": {"0.8B": 0.070, "2B": 0.040, "4B": 0.075},
    "kappa_min": 0.754,
    "agreement_min": 0.9325,
    "max_delta_shift": 0.035,
}
HEADLINE = "llm-only-claude"
PATHS = [
    SimpleNamespace(name="llm-only-claude", answer_line="claude", llm="claude"),
    SimpleNamespace(name="llm-only-gpt", answer_line="gpt-5.4", llm="gpt-5.4"),
    SimpleNamespace(name="bench-claude", answer_line="extractor", llm="claude"),
]
N_TASKS, N_SKILLS, N_LLM_TASKS = 200, 40, 33

# Per config: claude's passes under no_skill and curated (of 200), and how gpt-5.4 departs from
# claude: (a) no_skill pass->fail, (b) no_skill fail->pass, (c) curated pass->fail, (d) curated
# fail->pass. Δ shift (gpt − claude) = ((d − c) − (b − a)) / 200; disagreements = a + b + c + d.
CONFIGS: list[dict[str, Any]] = [
    {"id": "qwen3.5-0.8b", "size": "0.8B", "size_b": 0.8, "base": None, "pass": (45, 30), "flips": (5, 5, 4, 5)},
    {"id": "qwen3.5-0.8b-sft", "size": "0.8B", "size_b": 0.8, "base": "qwen3.5-0.8b", "pass": (52, 51)}
    | {"flips": (4, 5, 5, 4)},
    {"id": "qwen3.5-2b", "size": "2B", "size_b": 2.0, "base": None, "pass": (90, 102), "flips": (6, 3, 3, 7)},
    {"id": "qwen3.5-2b-sft", "size": "2B", "size_b": 2.0, "base": "qwen3.5-2b", "pass": (96, 116)}
    | {"flips": (5, 6, 5, 3)},
    {"id": "qwen3.5-4b", "size": "4B", "size_b": 4.0, "base": None, "pass": (120, 118), "flips": (5, 5, 6, 5)},
    {"id": "qwen3.5-4b-sft", "size": "4B", "size_b": 4.0, "base": "qwen3.5-4b", "pass": (122, 135)}
    | {"flips": (4, 6, 4, 8)},
    {"id": "haiku-4.5", "size": None, "size_b": None, "base": None, "role": "frontier", "pass": (160, 166)}
    | {"flips": (3, 12, 2, 10), "price": (1.0, 5.0)},
]
JUDGES = [
    {"id": "extractor", "kind": "answer_line"},
    {"id": "lenient", "kind": "final_answer"},
    {"id": "claude", "kind": "llm", "model": "claude-opus", "cost": 0.0021},
    {"id": "gpt-5.4", "kind": "llm", "model": "openai/gpt-5.4", "cost": 0.0016},
]
ANSWER_LINE_RATE = (0.93, 0.78)  # no_skill, curated: curated answers end in prose more often
N_HUMAN = 60
T0 = 1.75e9


def _claude(rng: np.random.Generator, ease: np.ndarray, n_ns: int, n_cu: int) -> tuple[np.ndarray, np.ndarray]:
    """Exactly n_ns / n_cu passing tasks, easier tasks more likely, curated a perturbation of no_skill."""
    w = np.exp(2.0 * ease)
    ns_set = rng.choice(N_TASKS, n_ns, replace=False, p=w / w.sum())
    ns = np.zeros(N_TASKS, bool)
    ns[ns_set] = True
    cu = ns.copy()
    swap = min(n_ns, N_TASKS - n_ns, 12)  # tasks the procedure breaks and fixes, beyond the net Δ
    lose = rng.choice(np.flatnonzero(cu), swap + max(0, n_ns - n_cu), replace=False)
    cu[lose] = False
    gain_from = np.flatnonzero(~ns)
    cu[rng.choice(gain_from, len(lose) + (n_cu - n_ns), replace=False)] = True
    assert cu.sum() == n_cu and ns.sum() == n_ns
    return ns, cu


def _flip(rng: np.random.Generator, v: np.ndarray, to_fail: int, to_pass: int) -> np.ndarray:
    out = v.copy()
    out[rng.choice(np.flatnonzero(v), to_fail, replace=False)] = False
    out[rng.choice(np.flatnonzero(~v), to_pass, replace=False)] = True
    return out


def paper_tables(seed: int = 0) -> dict[str, pa.Table]:
    """Arrow tables (exact store schemas) for the paper store."""
    rng = np.random.default_rng(seed)
    task_ids = [f"{s:02d}-skill-h{i}" for s in range(N_SKILLS) for i in range(N_TASKS // N_SKILLS)]
    skill_ids = [t.split("-h")[0] for t in task_ids]
    llm_task = np.zeros(N_TASKS, bool)
    llm_task[rng.choice(N_TASKS, N_LLM_TASKS, replace=False)] = True
    ease = rng.normal(0.0, 1.0, N_TASKS)

    eps: dict[str, list[Any]] = {k: [] for k in ("cfg", "task", "cond", "pass", "gpt", "line")}
    for ci, c in enumerate(CONFIGS):
        ns, cu = _claude(rng, ease, *c["pass"])
        a, b, cc, d = c["flips"]
        g_ns, g_cu = _flip(rng, ns, a, b), _flip(rng, cu, cc, d)
        for cond, (v, g) in enumerate(((ns, g_ns), (cu, g_cu))):
            eps["cfg"] += [ci] * N_TASKS
            eps["task"] += list(range(N_TASKS))
            eps["cond"] += [cond] * N_TASKS
            eps["pass"] += v.tolist()
            eps["gpt"] += g.tolist()
            eps["line"] += (rng.random(N_TASKS) < ANSWER_LINE_RATE[cond]).tolist()
    cfg, task, cond = (np.array(eps[k]) for k in ("cfg", "task", "cond"))
    passed, gpt, line = (np.array(eps[k], bool) for k in ("pass", "gpt", "line"))
    n = len(cfg)
    idx = np.arange(n)
    ep_ids = [f"ep{i:05d}" for i in idx]
    conds = np.array(["no_skill", "curated"], object)[cond]
    cfg_ids = np.array([c["id"] for c in CONFIGS], object)[cfg]
    cfg_fps = np.array([f"fp-{c['id']}" for c in CONFIGS], object)[cfg]
    tids = np.array(task_ids, object)[task]
    sids = np.array(skill_ids, object)[task]
    tin = 240 + 160 * cond + rng.integers(0, 60, n)
    tout = 150 + rng.integers(0, 120, n)
    price = np.array([c.get("price", (0.0, 0.0)) for c in CONFIGS])[cfg]
    cost = tin * price[:, 0] / 1e6 + tout * price[:, 1] / 1e6
    answer = np.where(passed, "42", "41")
    completion = [
        f"Working it out step by step.\n{'ANSWER: ' if ln else 'So the result is '}{a}"
        for ln, a in zip(line, answer, strict=True)
    ]
    episodes = _table(
        "episodes",
        {
            "episode_id": ep_ids,
            "run_id": ["paper-eval"] * n,
            "config_id": cfg_ids.tolist(),
            "config_fp": cfg_fps.tolist(),
            "task_id": tids.tolist(),
            "task_hash": [f"h-{t}" for t in tids],
            "skill_id": sids.tolist(),
            "condition": conds.tolist(),
            "sample": np.zeros(n, np.int64),
            "prompt": [f"Task {t}" for t in tids],
            "completion": completion,
            "tokens_in": tin,
            "tokens_out": tout,
            "latency_s": np.full(n, 1.5),
            "cost_usd": cost,
            "finish_reason": ["stop"] * n,
            "has_answer_line": line,
            "created_at": T0 + idx.astype(float),
            "tokens_estimated": np.zeros(n, bool),
        },
        n,
    )

    al = ~llm_task[task]  # deterministic judges score answer_line tasks only
    lenient = passed ^ (rng.random(n) < 0.03)
    verdicts = {
        "extractor": (np.flatnonzero(al), (passed & line)[al]),
        "lenient": (np.flatnonzero(al), lenient[al]),
        "claude": (idx, passed),
        "gpt-5.4": (idx, gpt),
    }
    human_sel = np.sort(rng.choice(n, N_HUMAN, replace=False))
    human = passed[human_sel] ^ (rng.random(N_HUMAN) < 0.05)  # people overrule claude now and then
    verdicts["human"] = (human_sel, human)
    parts = []
    for j, (sel, ok) in verdicts.items():
        m = len(sel)
        spec = next((x for x in JUDGES if x["id"] == j), {"id": "human", "kind": "human"})
        run = "paper-eval" if spec["kind"] in ("answer_line", "final_answer") else f"paper-judge-{j}"
        parts.append(
            _table(
                "judgments",
                {
                    "judgment_id": [f"{j}:{ep_ids[i]}" for i in sel],
                    "episode_id": [ep_ids[i] for i in sel],
                    "judge_id": [j] * m,
                    "judge_fp": [f"jfp-{j}"] * m,
                    "config_id": cfg_ids[sel].tolist(),
                    "config_fp": cfg_fps[sel].tolist(),
                    "task_id": tids[sel].tolist(),
                    "skill_id": sids[sel].tolist(),
                    "condition": conds[sel].tolist(),
                    "sample": np.zeros(m, np.int64),
                    "scoring": np.where(llm_task[task[sel]], "llm", "answer_line").tolist(),
                    "verdict": np.where(ok, "pass", "fail").tolist(),
                    "rationale": [f"{j}: {'matches' if x else 'does not match'} the gold" for x in ok],
                    "tokens_in": np.full(m, 600 if spec["kind"] == "llm" else 0),
                    "tokens_out": np.full(m, 80 if spec["kind"] == "llm" else 0),
                    "latency_s": np.zeros(m),
                    "cost_usd": np.full(m, float(spec.get("cost", 0.0))),
                    "run_id": [run] * m,
                    "created_at": T0 + 1e6 + sel.astype(float),
                },
                m,
            )
        )

    train_runs = [f"paper-train-{c['id']}" for c in CONFIGS if c["base"]]
    steps = np.arange(1, 61)
    ts: dict[str, list[Any]] = {k: [] for k in ("run_id", "step", "loss", "t")}
    for k, r in enumerate(train_runs):
        loss = 0.55 + 0.1 * k + 1.6 * np.exp(-steps / (12 + 4 * k)) + 0.03 * np.sin(steps * (1.3 + k))
        ts["run_id"] += [r] * len(steps)
        ts["step"] += steps.tolist()
        ts["loss"] += np.round(loss, 4).tolist()
        ts["t"] += (T0 + 2e6 + k * 1e4 + steps * 20.0).tolist()
    nts = len(ts["step"])
    llm_runs = [f"paper-judge-{j['id']}" for j in JUDGES if j["kind"] == "llm"] + ["paper-judge-human"]
    run_ids = ["paper-eval", *llm_runs, *train_runs]
    kinds = ["eval"] + ["judge"] * len(llm_runs) + ["train"] * len(train_runs)
    return {
        "runs": _table(
            "runs",
            {
                "run_id": run_ids,
                "kind": kinds,
                "experiment": ["paper"] * len(run_ids),
                "started_at": [T0] * len(run_ids),
                "finished_at": [T0 + 3e6] * len(run_ids),
                "status": ["finished"] * len(run_ids),
                "total_episodes": [n] + [0] * (len(run_ids) - 1),
                "total_judgments": [0] * len(run_ids),
            },
            len(run_ids),
        ),
        "configs": _table(
            "configs",
            {
                "config_id": [c["id"] for c in CONFIGS],
                "config_fp": [f"fp-{c['id']}" for c in CONFIGS],
                "backend": ["anthropic" if c.get("role") else "hf" for c in CONFIGS],
                "model": [c["id"] for c in CONFIGS],
                "adapter": [f"runs/paper-train-{c['id']}/adapter" if c["base"] else None for c in CONFIGS],
                "size": [c["size"] for c in CONFIGS],
                "size_b": [c["size_b"] for c in CONFIGS],
                "role": [c.get("role", "student") for c in CONFIGS],
                "base_config": [c["base"] for c in CONFIGS],
                "price_in_per_mtok": [c.get("price", (None, None))[0] for c in CONFIGS],
                "price_out_per_mtok": [c.get("price", (None, None))[1] for c in CONFIGS],
            },
            len(CONFIGS),
        ),
        "skills": _table(
            "skills",
            {"skill_id": sorted(set(skill_ids)), "title": sorted(set(skill_ids)), "domain": ["paper"] * N_SKILLS},
            N_SKILLS,
        ),
        "tasks": _table(
            "tasks",
            {
                "task_id": task_ids,
                "task_hash": [f"h-{t}" for t in task_ids],
                "skill_id": skill_ids,
                "split": ["holdout"] * N_TASKS,
                "answer": ["42"] * N_TASKS,
                "scoring": np.where(llm_task, "llm", "answer_line").tolist(),
            },
            N_TASKS,
        ),
        "judges": _table(
            "judges",
            {
                "judge_id": [j["id"] for j in JUDGES] + ["human"],
                "judge_fp": [f"jfp-{j['id']}" for j in JUDGES] + ["jfp-human"],
                "kind": [j["kind"] for j in JUDGES] + ["human"],
                "model": [j.get("model") for j in JUDGES] + [None],
            },
            len(JUDGES) + 1,
        ),
        "episodes": episodes,
        "judgments": pa.concat_tables(parts),
        "train_steps": _table(
            "train_steps",
            {**ts, "max_steps": np.full(nts, 60), "epoch": np.array(ts["step"]) / 20.0, "lr": np.full(nts, 2e-4)},
            nts,
        ),
    }


def make_paper_store(con: Any, seed: int = 0) -> None:
    """Write the paper store into `con` (store schema applied)."""
    insert_tables(con, paper_tables(seed))
