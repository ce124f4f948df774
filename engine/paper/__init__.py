"""The paper report: `engine report --out DIR` (and the cockpit's ctrl+e) write Markdown, booktabs
LaTeX tables, CSV and figures from one store.

Where things are:
- `model.py`     the report as data (Stat, Table, FigureData, Finding, Threat, PaperReport)
- `facts.py`     store facts beyond the analysis: tokens, cost, coverage, seeds, humans, loss curves
- `validity.py`  which numbers are findings (judges that do not discriminate): the eligibility seam
- `tables.py`, `figures.py`, `findings.py`, `threats.py`   the model's parts, from the analysis `Report`
- `build.py`     `build_paper(report, facts)` / `paper_from_store(con, report)`
- `markdown.py`, `latex.py`, `csvs.py`, `draw*.py`   renderers (matplotlib only inside draw*)
- `write.py`     `write_report(paper, out)`: all files into a temporary directory, then one rename
- `__main__.py`  `python -m engine.paper --out DIR` renders a pickled PaperReport from stdin (the
                 cockpit's child process)
"""

from engine.paper.build import build_paper, paper_from_store
from engine.paper.model import PaperReport
from engine.paper.write import ReportOutputError, Written, write_report

__all__ = ["PaperReport", "ReportOutputError", "Written", "build_paper", "paper_from_store", "write_report"]
