"""Build the medicine lexicon shipped with Hygie from the official BDPM files.

    .venv/bin/python scripts/build_lexicon.py /work/shared/data/bdpm \\
        src/hygie/compliance/lexicon/data/bdpm-lexicon.json.gz

Prints the entry counts and the file size. The work is done by hygie.compliance.lexicon.build.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from hygie.compliance.lexicon.build import main

if __name__ == "__main__":
    raise SystemExit(main())
