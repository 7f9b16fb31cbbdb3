"""Data migrations that rewrite stored text into its canonical form (shared.text).

New writes pass through shared.text; rows stored before it existed (or before a form
changed) are rewritten by a migration that calls ``canonicalise`` for each table. A migration
applies the forms of its own time: it imports the functions of shared.text as they are when
it runs, so a later change to a form needs a migration of its own.

Rewriting never merges records. Where two rows would end up with the same value of a unique
key (two venues of one region named 代表之家・一 and 代表之家•一), neither gets the new key:
both keep their stored value for the key's columns (their other columns are still
rewritten) and a warning names them, for the office to merge or rename by hand. Where two
rows would share a key that is not enforced but identifies a record (a deputy's region, name
and phone, which a re-import matches on), both are rewritten, kept, and named in a warning.
"""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

log = logging.getLogger("lianxin.migrations")

Form = Callable[[str], str]


def canonicalise(bind: sa.engine.Connection, table: str, key: Sequence[str], forms: Mapping[str, Form], *,
                 unique: Sequence[Sequence[str]] = (), same_record: Sequence[str] = ()) -> int:
    """Rewrites ``forms`` (column -> function of shared.text) of every row of ``table``,
    identified by its ``key`` columns (which may be rewritten too). ``unique``: column groups
    the database holds unique (a rewrite colliding there is not made, see the module doc);
    ``same_record``: columns that identify a record without a constraint (collisions are
    reported, rows kept). NULLs stay NULL. Returns the number of rows changed."""
    columns = list(dict.fromkeys([*key, *forms, *(c for group in unique for c in group), *same_record]))
    t = sa.table(table, *(sa.column(c) for c in columns))
    old = [dict(r._mapping) for r in bind.execute(sa.select(*(t.c[c] for c in columns)))]
    new = []
    for row in old:
        changed = dict(row)
        for column, form in forms.items():
            if row[column] is not None:
                changed[column] = form(row[column])
        new.append(changed)

    for group in unique:
        if not set(group) & set(forms):
            continue
        while True:   # to a fixed point: putting a row's key back can collide again
            counts = Counter(tuple(n[c] for c in group) for n in new)
            clashes: dict[tuple, list[int]] = defaultdict(list)
            for i, n in enumerate(new):
                k = tuple(n[c] for c in group)
                if counts[k] > 1:
                    clashes[k].append(i)
            reverted = False
            for k, rows in clashes.items():
                moved = [i for i in rows if tuple(old[i][c] for c in group) != k]
                if not moved:
                    continue
                log.warning("%s: rows %s would all have %s = %s in canonical form; left as stored, "
                            "merge or rename them by hand", table,
                            "; ".join(_describe(old[i], key, group) for i in rows), "/".join(group), "/".join(k))
                for i in moved:
                    for c in group:
                        new[i][c] = old[i][c]
                reverted = True
            if not reverted:
                break

    if same_record:
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i, n in enumerate(new):
            groups[tuple(n[c] for c in same_record)].append(i)
        for k, rows in groups.items():
            if len(rows) > 1 and any(new[i] != old[i] for i in rows):
                log.warning("%s: rows %s now share %s = %s; both kept, not merged: merge them by hand "
                            "if they are one record", table, "; ".join(_describe(old[i], key, same_record) for i in rows),
                            "/".join(same_record), "/".join(str(x) for x in k))

    count = 0
    for o, n in zip(old, new):
        values = {c: n[c] for c in columns if n[c] != o[c]}
        if values:
            bind.execute(t.update().where(*(t.c[c] == o[c] for c in key)).values(**values))
            count += 1
    if count:
        log.info("%s: %d rows rewritten in canonical form", table, count)
    return count


def _describe(row: Mapping[str, Any], key: Sequence[str], shown: Sequence[str]) -> str:
    ident = ",".join(f"{c}={row[c]}" for c in key)
    values = ",".join(f"{c}={row[c]!r}" for c in shown if c not in key)
    return f"{ident} ({values})" if values else ident
