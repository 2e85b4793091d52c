"""Checking and reading a folder of official BDPM files before anything is written.

The reader (:mod:`hygie.compliance.lexicon.bdpm`) is tolerant: it skips rows it cannot use. An
import must not be: a truncated download, a file saved by a spreadsheet with its tabs turned
into semicolons or a UTF-16 export would silently give a smaller dictionary. :func:`load`
therefore checks every line of the four files first and refuses the folder with the file name
and the line number of the first problem (:class:`BdpmFileError`), then reads the products and
builds the lexicon document. Nothing here touches the database.

Encodings are detected per file, never assumed (the official export ships ``CIS_CIP_bdpm.txt``
in UTF-8 and the three others in Windows-1252, and this has changed over the years): the same
order as the reader (strict UTF-8, with or without BOM, then Windows-1252, then Latin-1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from hygie.accounts.actions import ActionError
from hygie.compliance.lexicon.bdpm import (
    COMPOSITION_FILE,
    CONDITIONS_FILE,
    PRESENTATIONS_FILE,
    PRODUCTS_FILE,
    STATUS_ORDER,
    Product,
    read_products,
)
from hygie.compliance.lexicon.build import build_document, download_date, known_words

#: The four files, with the number of columns the reader needs in each (the official files have
#: 12, 13, 8 and 2; older exports had fewer columns at the end of CIS_bdpm and CIS_CIP).
FILES: dict[str, int] = {
    PRODUCTS_FILE: 7,
    PRESENTATIONS_FILE: 9,
    COMPOSITION_FILE: 8,
    CONDITIONS_FILE: 2,
}
_CIS = re.compile(r"\d{8}")
_UTF8_BOM = b"\xef\xbb\xbf"


class BdpmFileError(ActionError):
    """The folder or one of its files cannot be imported; the message says where and why."""


@dataclass(frozen=True, slots=True)
class FileInfo:
    name: str
    sha256: str
    size: int
    encoding: str
    lines: int

    def as_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "bytes": self.size,
            "encoding": self.encoding,
            "lines": self.lines,
        }


@dataclass(frozen=True, slots=True)
class BdpmData:
    """A checked folder: its files, its products and the lexicon document built from them."""

    source_name: str
    data_date: dt.date | None
    files: dict[str, FileInfo]
    products: list[Product]
    document: dict[str, Any]

    @property
    def version(self) -> str:
        """``bdpm-<date>-<digest of the four files>``: the same files give the same version."""
        digest = hashlib.sha256(
            "".join(f"{name}:{info.sha256}\n" for name, info in sorted(self.files.items())).encode()
        ).hexdigest()
        day = self.data_date.isoformat() if self.data_date else "undated"
        return f"bdpm-{day}-{digest[:12]}"

    def counts(self) -> dict[str, Any]:
        statuses = Counter(p.status for p in self.products)
        return {
            "products": len(self.products),
            "brands": len(self.document["brands"]),
            "inns": len(self.document["inns"]),
            "statuses": {status: statuses.get(status, 0) for status in STATUS_ORDER},
            "commercialised": sum(p.commercialised for p in self.products),
            "otc": sum(p.otc for p in self.products),
            "reimbursed": sum(is_reimbursed(p) for p in self.products),
            "homeopathic": sum(p.homeopathic for p in self.products),
        }


def is_reimbursed(product: Product) -> bool:
    """Marketed, with a marketed presentation that has a reimbursement rate (as the lexicon)."""
    return product.commercialised and any(rate > 0 for rate in product.commercialised_rates)


def detect_encoding(raw: bytes) -> str:
    """``utf-8-sig``, ``utf-8``, ``cp1252`` or ``latin-1``: the first that decodes ``raw``."""
    if raw.startswith(_UTF8_BOM):
        try:
            raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        else:
            return "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def check_file(path: Path, min_columns: int) -> FileInfo:
    """Every non-blank line has enough tab-separated columns and starts with a CIS code."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BdpmFileError(
            _("%(file)s cannot be read: %(reason)s") % {"file": name, "reason": exc.strerror}
        ) from exc
    nul = raw.find(b"\x00")
    if nul != -1:
        raise BdpmFileError(
            _(
                "%(file)s, line %(line)d: a NUL byte. This is not a BDPM text file "
                "(a UTF-16 or binary file?)."
            )
            % {"file": name, "line": raw.count(b"\n", 0, nul) + 1}
        )
    encoding = detect_encoding(raw)
    text = raw.decode(encoding)
    seen: dict[str, int] = {}
    lines = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < min_columns:
            raise BdpmFileError(
                _(
                    "%(file)s, line %(line)d: %(found)d tab-separated column(s), at least "
                    "%(expected)d expected. Is this the official file, unmodified?"
                )
                % {"file": name, "line": number, "found": len(fields), "expected": min_columns}
            )
        cis = fields[0].strip()
        if not _CIS.fullmatch(cis):
            raise BdpmFileError(
                _("%(file)s, line %(line)d: “%(value)s” is not a CIS code (8 digits).")
                % {"file": name, "line": number, "value": cis[:40]}
            )
        if name == PRODUCTS_FILE:
            if cis in seen:
                raise BdpmFileError(
                    _("%(file)s, line %(line)d: CIS code %(cis)s already on line %(first)d.")
                    % {"file": name, "line": number, "cis": cis, "first": seen[cis]}
                )
            seen[cis] = number
        lines += 1
    if name == PRODUCTS_FILE and not lines:
        raise BdpmFileError(_("%(file)s lists no product.") % {"file": name})
    return FileInfo(
        name=name,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        encoding=encoding,
        lines=lines,
    )


def _data_date(directory: Path) -> dt.date | None:
    """The README's download date if it gives one, else the date of the newest file."""
    found = download_date(directory)
    if found:
        try:
            return dt.date.fromisoformat(found)
        except ValueError:
            pass
    newest = max((directory / name).stat().st_mtime for name in FILES)
    return dt.datetime.fromtimestamp(newest, tz=dt.UTC).date()


def load(directory: Path | str) -> BdpmData:
    """Check the four files of ``directory`` and read them (:class:`BdpmFileError` if not)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BdpmFileError(
            _("%(path)s is not a folder: give the folder that holds the four BDPM files.")
            % {"path": directory}
        )
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        raise BdpmFileError(
            _("Missing in %(path)s: %(files)s. The import needs the four BDPM files.")
            % {"path": directory, "files": ", ".join(missing)}
        )
    files = {name: check_file(directory / name, columns) for name, columns in FILES.items()}
    data_date = _data_date(directory)
    products = list(read_products(directory))
    document = build_document(
        products,
        download_date=data_date.isoformat() if data_date else "",
        known=known_words(directory),
    )
    return BdpmData(
        source_name=directory.resolve().name,
        data_date=data_date,
        files=files,
        products=products,
        document=document,
    )
