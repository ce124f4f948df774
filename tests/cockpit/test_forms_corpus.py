"""The launch form's corpus preview states the last build's yield, read from the manifest beside the output."""

from __future__ import annotations

import json
from pathlib import Path

from cockpit.viewmodels.forms import check_corpus
from engine.paths import ROOT
from engine.train.corpus_output import last_build, manifest_path

SPEC = ROOT / "data" / "corpus" / "demo-micro.toml"


def test_preview_states_the_committed_manifests_yield(tmp_path: Path) -> None:
    m = json.loads((ROOT / "data" / "corpus" / "micro-corpus.manifest.json").read_text(encoding="utf-8"))
    checked = check_corpus(str(SPEC), "", False, tmp_path)
    want = f"the last build kept {m['rows']} of {m['candidates']} ({m['rows'] / m['candidates']:.0%})"
    assert any(want in line for line in checked.preview), checked.preview


def test_no_or_unreadable_manifest_is_no_last_build(tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    assert last_build(out) is None
    manifest_path(out).write_text("{not json", encoding="utf-8")
    assert last_build(out) is None
    manifest_path(out).write_text(json.dumps({"rows": 3}), encoding="utf-8")
    assert last_build(out) is None
    manifest_path(out).write_text(json.dumps({"rows": 3, "candidates": 4}), encoding="utf-8")
    b = last_build(out)
    assert b is not None and (b.rows, b.candidates) == (3, 4)
