"""Work with what researchers already use: other tools' eval logs in, the store's episodes out.

- `items`       what every importer produces (`Item`: one sample with its scores) and the shared
                mapping rules (a score value to a verdict, a condition value to a condition)
- `write`       an import as a finished run of the store (`runs/<run-id>/`), written whole or not at all
- `inspect_in`  Inspect AI eval logs (`.eval`, `.json`) through Inspect's own `read_eval_log`
- `lmeval_in`   lm-evaluation-harness per-sample JSONL (`--log_samples`)
- `inspect_out` a run's episodes as Inspect eval logs (`inspect view` opens them)
- `hf_table`    the per-episode table (`items`) that `engine export` writes beside the store's tables

Inspect AI is the optional extra `[inspect]`, imported inside the functions that read or write its logs.
"""
