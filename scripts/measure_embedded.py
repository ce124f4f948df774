"""Measure the embedded model (SmolLM2-135M-Instruct) on a tier of the bundled suite, per skill.

    python scripts/measure_embedded.py --tier micro                        # no-skill, both splits
    python scripts/measure_embedded.py --tier study --per-skill 1 --conditions no_skill,curated

Every selected task is answered greedily in each condition and scored by the deterministic
judges (the ANSWER-line extractor and the lenient final-answer judge); the ANSWER-line rate is
the share of completions with an `ANSWER:` line. Prose-scored (llm) tasks count toward the
ANSWER-line rate only: no deterministic judge applies to them. Per-skill rates are written as
CSV (`docs/embedded-model-<tier>.csv`), drawn as a figure beside it, and written as a table into
`docs/embedded-model.md` between the tier's markers. Completions go to `--raw` (JSONL) for reading.

Calibration of the micro tier uses the no-skill pass rate of the base model only (target 15-85 %
per skill on the lenient judge): it is chosen before any Δ is looked at.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from engine.config import ConfigSpec, JudgeSpec, Sampling
from engine.data.answers import has_answer_line
from engine.data.loader import load_skills, load_tasks
from engine.data.prompts import render_messages
from engine.data.schemas import CONDITIONS, Condition
from engine.judges.base import JudgeItem, make_judge
from engine.models.base import GenRequest, make_backend
from engine.paths import SUITE_DIR
from engine.plan import stratified

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
JUDGES = ("extractor", "lenient")
FIELDS = ["tier", "skill_id", "condition", "n", "n_answer_line_tasks", "answer_line_rate", "extractor", "lenient"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tier", choices=("micro", "study"), default="micro")
    ap.add_argument("--splits", default="holdout,train")
    ap.add_argument("--conditions", default="no_skill")
    ap.add_argument("--per-skill", type=int, default=None, help="tasks per skill and split (default: all)")
    ap.add_argument("--max-tokens", type=int, default=96)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--format-example", action="store_true", help="the one-shot format example before each prompt")
    ap.add_argument("--docs", type=Path, default=DOCS)
    ap.add_argument("--raw", type=Path, default=None, help="write every completion here (JSONL)")
    ap.add_argument("--from-raw", type=Path, default=None, help="re-judge the completions of an earlier --raw file")
    return ap.parse_args(argv)


def select_tasks(tier: str, splits: list[str], per_skill: int | None) -> tuple[dict, list]:
    folder = SUITE_DIR / "micro" if tier == "micro" else SUITE_DIR
    skills = load_skills(folder / "skills.jsonl")
    tasks = load_tasks(folder / "tasks.jsonl", skills)
    picked = []
    for split in splits:
        pool = [t for t in tasks if t.split == split]
        n_skills = len({t.skill_id for t in pool})
        picked += stratified(pool, None if per_skill is None else per_skill * n_skills)
    return {s.id: s for s in skills}, picked


def generate(
    tasks: list, skills: dict, conditions: list[Condition], max_tokens: int, batch: int, shot: bool = False
) -> list[dict]:
    spec = ConfigSpec(
        id="smollm2-135m",
        backend="embedded",
        model="smollm2-135m-instruct",
        batch_size=batch,
        sampling=Sampling(temperature=0.0, max_tokens=max_tokens),
    )
    backend = make_backend(spec)
    reqs, meta = [], {}
    for t in tasks:
        for c in conditions:
            key = f"{t.id}|{c}"
            msgs = render_messages(t, skills[t.skill_id], c, shot)
            reqs.append(GenRequest(key=key, messages=msgs, max_tokens=max_tokens))
            meta[key] = (t, c)
    rows = []
    t0 = time.time()
    for res in backend.generate(reqs):
        task, cond = meta[res.key]
        rows.append({"task": task, "condition": cond, "text": res.text, "finish_reason": res.finish_reason})
        if len(rows) % batch == 0:
            print(f"  {len(rows)}/{len(reqs)} completions, {time.time() - t0:.0f} s", file=sys.stderr)
    backend.close()
    return rows


def from_raw(raw: Path, tasks: list) -> list[dict]:
    """The completions of an earlier run (`--raw`) for the selected tasks, to judge again."""
    by_id = {t.id: t for t in tasks}
    rows = []
    for line in raw.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["task_id"] in by_id:
            rows.append({"task": by_id[r["task_id"]], **{k: r[k] for k in ("condition", "text", "finish_reason")}})
    return rows


def judge_rows(rows: list[dict]) -> None:
    for jid, kind in (("extractor", "answer_line"), ("lenient", "final_answer")):
        judge = make_judge(JudgeSpec(id=jid, kind=kind))  # type: ignore[arg-type]
        items = [
            JudgeItem(str(i), str(i), r["task"], r["text"], r["finish_reason"])
            for i, r in enumerate(rows)
            if judge.applies(r["task"])
        ]
        for v in judge.judge(items):
            rows[int(v.key)][jid] = v.verdict


def rates(rows: list[dict], tier: str) -> list[dict]:
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["task"].skill_id, r["condition"])].append(r)
    out = []
    for (skill, cond), rs in groups.items():
        al = [r for r in rs if r["task"].scoring == "answer_line"]
        row = {"tier": tier, "skill_id": skill, "condition": cond, "n": len(rs), "n_answer_line_tasks": len(al)}
        row["answer_line_rate"] = round(sum(has_answer_line(r["text"]) for r in rs) / len(rs), 3)
        for j in JUDGES:
            row[j] = round(sum(r.get(j) == "pass" for r in al) / len(al), 3) if al else None
        out.append(row)
    return out


def markdown_table(table: list[dict]) -> str:
    head = "| skill | condition | tasks | ANSWER-line rate | extractor | lenient |\n|---|---|---:|---:|---:|---:|\n"

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{100 * x:.0f} %"

    body = "".join(
        f"| `{r['skill_id']}` | {r['condition']} | {r['n']} ({r['n_answer_line_tasks']} ANSWER-line) | "
        f"{pct(r['answer_line_rate'])} | {pct(r['extractor'])} | {pct(r['lenient'])} |\n"
        for r in table
    )
    return head + body


def write_outputs(table: list[dict], tier: str, docs: Path, note: str) -> None:
    from engine.paper.draw_tier import draw_tier_rates

    docs.mkdir(parents=True, exist_ok=True)
    with open(docs / f"embedded-model-{tier}.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, FIELDS)
        w.writeheader()
        w.writerows(table)
    draw_tier_rates(table, docs / f"embedded-model-{tier}.png", title=f"SmolLM2-135M on the {tier} tier")
    md = docs / "embedded-model.md"
    text = md.read_text(encoding="utf-8") if md.exists() else "# The embedded model on the bundled suite\n"
    start, end = f"<!-- table:{tier} -->", f"<!-- /table:{tier} -->"
    block = f"{start}\n{note}\n\n{markdown_table(table)}{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + f"\n\n{block}\n"
    md.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    splits = args.splits.split(",")
    unknown = set(args.conditions.split(",")) - set(CONDITIONS)
    if unknown:
        print(f"--conditions: unknown {sorted(unknown)} (known: {', '.join(CONDITIONS)})", file=sys.stderr)
        return 2
    conditions: list[Condition] = [c for c in CONDITIONS if c in args.conditions.split(",")]
    skills, tasks = select_tasks(args.tier, splits, args.per_skill)
    print(f"{len(tasks)} tasks × {len(conditions)} condition(s), max_tokens {args.max_tokens}", file=sys.stderr)
    t0 = time.time()
    if args.from_raw:
        rows = from_raw(args.from_raw, tasks)
    else:
        rows = generate(tasks, skills, conditions, args.max_tokens, args.batch_size, args.format_example)
    wall = time.time() - t0
    judge_rows(rows)
    if args.raw:
        with open(args.raw, "w", encoding="utf-8") as fh:
            for r in rows:
                keep = {k: v for k, v in r.items() if k != "task"}
                keep.update({j: r.get(j) for j in JUDGES})
                fh.write(json.dumps({"task_id": r["task"].id, "answer": r["task"].answer, **keep}) + "\n")
    table = sorted(rates(rows, args.tier), key=lambda r: (r["condition"], r["skill_id"]))
    note = (
        f"Splits {', '.join(splits)}; {'all' if args.per_skill is None else args.per_skill} task(s) per skill and "
        f"split; conditions {', '.join(conditions)}; greedy, max_tokens {args.max_tokens}; {len(rows)} completions "
        f"in {wall:.0f} s. Made by `python scripts/measure_embedded.py --tier {args.tier}"
        + (f" --per-skill {args.per_skill}" if args.per_skill else "")
        + (f" --conditions {args.conditions}" if args.conditions != "no_skill" else "")
        + (f" --splits {args.splits}" if args.splits != "holdout,train" else "")
        + f" --max-tokens {args.max_tokens}"
        + (" --format-example" if args.format_example else "")
        + "`."
    )
    write_outputs(table, args.tier, args.docs, note)
    print(markdown_table(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
