"""Saved replies: a body with ``{variables}``, rendered for one conversation. No Django models.

Only the variables of ``VARIABLES`` exist; anything else between braces is refused, both when
the reply is saved and when it is rendered, so a typo never reaches a patient as ``{nmae}``.
Write ``{{`` and ``}}`` for literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext as _

VARIABLES = ("author_name", "first_name", "organization", "member_name")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


class UnknownVariableError(ValueError):
    """The body uses variables that do not exist; the message names them and the valid ones."""

    def __init__(self, unknown: list[str]) -> None:
        self.unknown = unknown
        super().__init__(
            _("Unknown variable: %(unknown)s. Use only %(known)s.")
            % {
                "unknown": ", ".join("{" + name + "}" for name in unknown),
                "known": ", ".join("{" + name + "}" for name in VARIABLES),
            }
        )


def variables_in(body: str) -> list[str]:
    """The variable names used in ``body``, in order of first use."""
    found: list[str] = []
    for match in _TOKEN.finditer(body):
        name = match.group(1)
        if name is not None and name not in found:
            found.append(name)
    return found


def check_body(body: str) -> None:
    unknown = [name for name in variables_in(body) if name not in VARIABLES]
    if unknown:
        raise UnknownVariableError(unknown)


def render(body: str, values: Mapping[str, str]) -> str:
    """``body`` with each variable replaced; raises ``UnknownVariableError`` on any other."""
    check_body(body)

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        return values.get(match.group(1), "")

    return _TOKEN.sub(replace, body)


def first_name(display_name: str) -> str:
    """The first word of a display name ("Léa Martin" → "Léa"); handles lose their "@"."""
    words = display_name.strip().lstrip("@").split()
    return words[0] if words else ""
