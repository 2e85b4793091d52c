"""French or English? A stop-word vote, good enough for inbound messages of a few words.

Pure Python. Ties and texts with no stop word at all fall back to ``default`` (French: Hygie's
users are French pharmacies and labs), unless the text has French accents.
"""

from __future__ import annotations

import re

from hygie.nlp.types import Lang

_WORD = re.compile(r"[a-zà-ÿœæ']+")

_FRENCH = frozenset(
    """le la les un une des du de et est sont pas ne je tu il elle nous vous ils elles mon ma
    mes ton ta tes son sa ses notre votre leur leurs ce cette ces qui que quoi dans sur avec
    pour par mais ou donc car au aux c'est j'ai je suis depuis tres plus bien merci bonjour
    avez avoir fait faire comme tout tous aussi encore quand moi toi lui y en ça ca chez
    apres après très être été pharmacie médicament medicament""".split()  # noqa: SIM905
)
_ENGLISH = frozenset(
    """the a an and is are was were not i you he she we they my your his her our their this
    that these those in on with for by but or so because at of to from it it's i'm i've me
    have has had do does did been be very more well thanks thank hello since after when what
    which who how can could should would will just also still pharmacy medication
    """.split()  # noqa: SIM905
)
_ACCENTS = frozenset("éèêàùâîôûçëïüœ")


def detect(text: str, *, default: Lang = "fr") -> Lang:
    """``"fr"`` or ``"en"`` for ``text``."""
    french = english = 0
    for word in _WORD.findall(text.lower()):
        if word in _FRENCH:
            french += 1
        if word in _ENGLISH:
            english += 1
        if "'" in word:
            head = word.split("'", 1)[0]
            if head in ("j", "l", "d", "c", "n", "m", "qu", "s", "t"):
                french += 1
    if french == english:
        if not _ACCENTS.isdisjoint(text.lower()):
            return "fr"
        return default
    return "fr" if french > english else "en"
