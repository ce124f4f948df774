"""Training: SFT corpora and LoRA SFT, with live telemetry, resume and recipe sweeps.

- `specs.py`     Recipe, CorpusSpec, SweepSpec: pydantic models of the TOML files, CLI overrides
- `leakage.py`   the corpus leakage check (holdout tasks, near-duplicate prompts)
- `teachers.py`  who answers: the offline teacher (worked suite solutions) or any generation backend
- `corpus.py`    `engine corpus build`: teacher answers kept when the judges pass them
- `corpus_output.py` what a build produces: its counts, the JSONL written atomically, the manifest
- `answers.py`   a model teacher's answers, stored as they arrive and reused by the next build
- `sft.py`       TRL SFTTrainer + PEFT LoRA from a recipe (CPU fp32 / GPU bf16 defaults)
- `callback.py`  the TrainerCallback that turns logs into TrainStepLogged events
- `tracking.py`  recipe `report_to`: MLflow / W&B / TensorBoard logs, defaulted under the run dir
- `run.py`       `engine train`: a journal run under runs/<run-id>/, checkpoints, resume, adapter
- `student.py`   the trained adapter: saved servable by vLLM, and as an experiment config (`base` set)
- `sweep.py`     `engine sweep`: N recipe variants trained, evaluated and compared
"""
