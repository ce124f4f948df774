"""Where the bundled files are, in one place: the checkout's root and the bundled data directory.

The suite, the experiments, corpora, recipes and sweeps live in `data/` at the checkout's root (the
paths the README and the tests use). They ship inside the `engine` package as `engine/bundled`: in
a checkout that is a symlink to `../data`; in a wheel (`pip install .`) setuptools copies the files
there. Either way `importlib.resources` finds them, so an installed engine works outside the
checkout. Every module that needs one of them asks here instead of counting
`Path(__file__).parents[N]` itself.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout (or site-packages when installed)
# resolve(): in a checkout the symlink's target, so paths print as data/... as they always have
DATA_DIR = Path(str(resources.files("engine").joinpath("bundled"))).resolve()
SUITE_DIR = DATA_DIR / "suite"
EXPERIMENTS_DIR = DATA_DIR / "experiments"


def locate(p: Path) -> Path:
    """A relative path that is not there from the working directory, looked up as the README writes
    it (`data/experiments/demo.toml`): under the checkout's root, then in the bundled data (the
    installed package's copy). Anything else comes back unchanged."""
    if p.is_absolute() or p.exists():
        return p
    candidates = [ROOT / p]
    if p.parts[:1] == ("data",):
        candidates.append(DATA_DIR.joinpath(*p.parts[1:]))
    return next((c for c in candidates if c.exists()), p)
