"""Skills, tasks and corpus rows: formats, loaders, validation and the bundled suite."""

from engine.paths import DATA_DIR as BUNDLED_DIR
from engine.paths import SUITE_DIR

__all__ = ["BUNDLED_DIR", "SUITE_DIR"]
