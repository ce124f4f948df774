"""Inspect AI eval logs written by the real Inspect library, for the interop tests.

`python -m tests.interop_logs OUT` runs one tiny task (10 additions) on Inspect's `mockllm/model`
in two variants, `plain` (no system message) and `skill` (a system message), scored by two scorers
that disagree on purpose: `match` (the target at the end) and `includes` (the target anywhere).
It writes `OUT/eval/` (both variants, `.eval`), `OUT/json/plain.json` (the plain variant as a
`.json` log) and `OUT/err/` (the skill variant with task t9 failing: a sample error).

The mock model's answers, per task i (target i+1):
- skill: right for i < 9; "The answer is 0" for t9 (wrong under both scorers);
- plain: right when i % 3 == 0; "{i+1} is close, but the answer is {i}" when i % 3 == 1 (includes
  passes it, match fails it); "The answer is {i}" when i % 3 == 2 (wrong under both).
So match passes 4/10 plain and 9/10 skill, includes 7/10 and 9/10.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

N = 10


def answer(i: int, skill: bool) -> str:
    if skill:
        return f"The answer is {i + 1}" if i < 9 else "The answer is 0"
    if i % 3 == 0:
        return f"The answer is {i + 1}"
    if i % 3 == 1:
        return f"{i + 1} is close, but the answer is {i}"
    return f"The answer is {i}"


def main(out: Path) -> None:
    from inspect_ai import Task, eval, task
    from inspect_ai.dataset import Sample
    from inspect_ai.model import ModelOutput, ModelUsage, get_model
    from inspect_ai.scorer import includes, match
    from inspect_ai.solver import generate, system_message

    def outputs(fail_t9: bool):  # type: ignore[no-untyped-def]
        def reply(messages, tools, tool_choice, config):  # type: ignore[no-untyped-def]
            skill = any(m.role == "system" for m in messages)
            i = int(messages[-1].text.split()[2].split("+")[0])
            if fail_t9 and skill and i == 9:
                raise RuntimeError("the mock backend failed on t9")
            out = ModelOutput.from_content(model="mockllm", content=answer(i, skill))
            out.usage = ModelUsage(input_tokens=7, output_tokens=5, total_tokens=12)  # no tokenizer download
            return out

        return reply

    @task
    def tiny(variant: str = "plain") -> Task:
        samples = [
            Sample(id=f"t{i}", input=f"What is {i}+1?", target=str(i + 1), metadata={"skill": "add-one"})
            for i in range(N)
        ]
        solver = [generate()] if variant == "plain" else [system_message("Add one, carefully."), generate()]
        return Task(dataset=samples, solver=solver, scorer=[match(location="end"), includes()])

    shutil.rmtree(out, ignore_errors=True)
    model = get_model("mockllm/model", custom_outputs=outputs(False))
    eval([tiny(variant="plain"), tiny(variant="skill")], model=model, log_dir=str(out / "eval"), display="none")
    eval(tiny(variant="plain"), model=model, log_dir=str(out / "json"), log_format="json", display="none")
    for p in (out / "json").glob("*.json"):
        p.rename(out / "json" / "plain.json")
    failing = get_model("mockllm/model", custom_outputs=outputs(True))
    eval(
        [tiny(variant="plain"), tiny(variant="skill")],
        model=failing,
        log_dir=str(out / "err"),
        display="none",
        fail_on_error=False,
        retry_on_error=0,
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
