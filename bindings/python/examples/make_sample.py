"""Generates the sample household book ``sample_household_book.csv`` (synthetic, no real person).

The Sanarip aimak household book export (``docs/src/household-book.md``): one row per household
member, ``;``-delimited UTF-8. The core's deterministic generator writes the households; this script
then plants the defects real exports have, so the migration shows its row-level errors:

* a PIN written with spaces (accepted: spaces are ignored),
* an impossible birth date (its household is rejected whole),
* a member whose PIN disagrees with the birth date (a warning, still imported),
* a duplicate row (rejected),
* a file cut off in the middle of the last row (that row is rejected).

Run: python make_sample.py [HOUSEHOLDS] [OUT]   (defaults: 200, sample_household_book.csv here)
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import List

import kamkor

SEED = 2026


def plant_defects(lines: List[str]) -> List[str]:
    header = lines[0].split(";")
    col = {name: i for i, name in enumerate(header)}
    rows = [line.split(";") for line in lines[1:]]
    # A PIN with spaces, as typed by hand.
    for r in rows:
        if len(r[col["pin"]]) == 14:
            p = r[col["pin"]]
            r[col["pin"]] = f"{p[0]} {p[1:5]} {p[5:9]} {p[9:]}"
            break
    # An impossible birth date (31 February) in the 10th row's household.
    rows[10][col["birth_date"]] = "31.02.2015"
    out = [";".join(header)] + [";".join(r) for r in rows]
    # A duplicate of row 20 (same household and member number).
    out.insert(21, out[20])
    # The export was cut off in the middle of the last row.
    out[-1] = ";".join(out[-1].split(";")[:6])
    return out


def main() -> None:
    households = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).with_name("sample_household_book.csv")
    book = kamkor.synth_household_book(households, seed=SEED, today=dt.date(2026, 11, 23))
    lines = plant_defects(book.rstrip("\n").split("\n"))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{out}: {households} households, {len(lines) - 1} rows")


if __name__ == "__main__":
    main()
