"""Compile the gettext catalogues (.po -> .mo) with polib, or check that they are compiled.

Django's compilemessages needs GNU gettext's msgfmt; this needs only Python, so a fresh clone
and CI work without it. ``--check`` exits 1 if a .mo file is missing or differs from its .po.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "src" / "hygie" / "locale"


def entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], str]:
    return {
        (e.msgctxt, e.msgid): e.msgstr
        for e in catalogue
        if e.msgstr and not e.obsolete and "fuzzy" not in e.flags
    }


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        po = polib.pofile(str(po_path))
        if check:
            if not mo_path.exists() or entries(polib.mofile(str(mo_path))) != entries(po):
                stale.append(mo_path)
        else:
            po.save_as_mofile(str(mo_path))
            print(f"compiled {mo_path.relative_to(LOCALE.parent)}: {po.percent_translated()}%")
    if stale:
        for path in stale:
            print(f"{path} is out of date: run `make messages`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
