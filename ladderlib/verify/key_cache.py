"""A persistent cache of integrand identity keys (numeric fingerprint and near-copy family).

Computing a fingerprint evaluates the integrand at four points with 30 digits (about 10 ms), so splitting the
1,485 textbook pairs by meaning would cost half a minute on every 01_data run. The keys depend only on the
text, the variable and ``VERSION``; they are kept in a SQLite file under the cache folder, which is safe to share
between processes (a pipeline and a test run at once).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ladderlib.io import cache_root

VERSION = 1  # bump when FINGERPRINT_POINTS or the family rules change


def _connect() -> sqlite3.Connection:
    path = cache_root() / "integrand_keys.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30)
    con.execute("CREATE TABLE IF NOT EXISTS keys (id TEXT PRIMARY KEY, value_key TEXT, family_key TEXT)")
    return con


def identity_keys(items: Sequence[tuple[str, str]]) -> list[tuple[str | None, str | None]]:
    """``(integrand_key, family_key)`` for each ``(integrand text, variable)``, computed once per machine."""
    from ladderlib.verify.fingerprint import family_key, integrand_key

    ids = [f"{VERSION}|{var}|{text}" for text, var in items]
    try:
        con = _connect()
    except sqlite3.Error:  # an unwritable cache folder: compute without caching
        return [(integrand_key(t, v), family_key(t, v)) for t, v in items]
    with con:
        known: dict[str, tuple[str | None, str | None]] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in con.execute(f"SELECT id, value_key, family_key FROM keys WHERE id IN ({marks})", chunk):
                known[row[0]] = (row[1], row[2])
        new = []
        for key, (text, var) in zip(ids, items):
            if key not in known:
                known[key] = (integrand_key(text, var), family_key(text, var))
                new.append((key, *known[key]))
        con.executemany("INSERT OR REPLACE INTO keys VALUES (?, ?, ?)", new)
    con.close()
    return [known[k] for k in ids]
