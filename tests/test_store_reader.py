"""engine.store.reader: rows come back as the row type, and a query whose columns do not match the
row type's fields fails loudly instead of shifting values into the wrong fields."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import duckdb
import pytest

from engine.store import reader as rd


class Ep(NamedTuple):
    episode_id: str
    sample: int
    latency_s: float | None = None


@dataclass(frozen=True)
class EpView:
    episode_id: str
    sample: int
    note: str = "-"


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(tmp_path / "store.duckdb"))
    c.execute("CREATE TABLE episodes (episode_id VARCHAR, sample BIGINT, latency_s DOUBLE)")
    c.execute("INSERT INTO episodes VALUES ('a', 0, 1.5), ('b', 1, NULL)")
    return c


def test_rows_come_back_typed(con: duckdb.DuckDBPyConnection) -> None:
    got = rd.rows(con, "SELECT episode_id, sample, latency_s FROM episodes ORDER BY episode_id", None, Ep)
    assert got == [Ep("a", 0, 1.5), Ep("b", 1, None)]
    assert all(isinstance(r, Ep) for r in got)
    assert got[0].latency_s == 1.5 and got[1].sample == 1
    # a cursor is a connection too; parameters pass through; trailing defaulted fields may be left out
    cur = con.cursor()
    assert rd.rows(cur, "SELECT episode_id, sample FROM episodes WHERE sample = ?", [1], EpView) == [EpView("b", 1)]
    assert rd.first(cur, "SELECT e.episode_id, e.sample FROM episodes e WHERE sample = ?", [0], Ep) == Ep("a", 0)
    assert rd.first(cur, "SELECT episode_id, sample FROM episodes WHERE sample = 9", None, Ep) is None
    assert rd.scalar(cur, "SELECT count(*) FROM episodes") == 2
    assert rd.scalar(cur, "SELECT sample FROM episodes WHERE sample = 9") is None


def test_the_rows_survive_a_reopened_file(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    con.close()
    again = duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True)
    assert rd.rows(again, "SELECT episode_id, sample FROM episodes ORDER BY 1", None, Ep) == [Ep("a", 0), Ep("b", 1)]
    again.close()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT sample, episode_id FROM episodes",  # reordered: would put the id into `sample`
        "SELECT episode_id FROM episodes",  # a required field missing
        "SELECT episode_id, sample, latency_s, 1 AS extra FROM episodes",  # one column too many
        "SELECT episode_id, sample AS n FROM episodes",  # renamed
    ],
)
def test_a_mismatched_row_type_raises_a_clear_error(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    with pytest.raises(rd.RowMismatch, match=r"query columns \(.*\) do not match Ep fields \(episode_id, sample"):
        rd.rows(con, sql, None, Ep)
    with pytest.raises(rd.RowMismatch, match="EpView"):
        rd.first(con, sql.replace("latency_s", "'x' AS note"), None, EpView)
    assert rd.scalar(con, "SELECT count(*) FROM episodes") == 2  # the connection is still usable


def test_a_row_type_must_be_a_namedtuple_or_dataclass(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(TypeError, match="dict is not a NamedTuple or dataclass"):
        rd.rows(con, "SELECT episode_id FROM episodes", None, dict)
