"""Medicine names and their French prescription status, from the BDPM (pure Python, no Django).

* :mod:`.bdpm` reads the official BDPM files;
* :mod:`.build` turns them into the compact lexicon shipped in ``data/``;
* :mod:`.matcher` finds brand names and INNs in free text: ``ProductLexicon.load_default()``.
"""

from hygie.compliance.lexicon.matcher import LexiconEntry, ProductLexicon, ProductMention

__all__ = ["LexiconEntry", "ProductLexicon", "ProductMention"]
