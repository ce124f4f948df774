"""Skills, tasks and corpus rows: formats, loaders, validation and the bundled suite."""

from pathlib import Path

BUNDLED_DIR = Path(__file__).resolve().parents[2] / "data"
SUITE_DIR = BUNDLED_DIR / "suite"
