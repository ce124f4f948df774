"""Where the bundled files are, in one place: the checkout's root and its `data/` directory.

The suite, the experiments, corpora, recipes and sweeps ship in `data/` beside the packages (a
source checkout, or an editable install). Every module that needs one of them asks here instead of
counting `Path(__file__).parents[N]` itself.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
SUITE_DIR = DATA_DIR / "suite"
EXPERIMENTS_DIR = DATA_DIR / "experiments"
