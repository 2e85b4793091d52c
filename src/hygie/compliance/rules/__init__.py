"""The rules catalog of the compliance engine: rules as versioned data (pure Python, no Django).

``catalog.yaml`` holds the rules and ``lexicons/*.yaml`` the vocabularies they use; both are
documented in :mod:`hygie.compliance.rules.catalog`, which holds their frozen model;
:mod:`hygie.compliance.rules.loading` reads and validates them: ``load_catalog()`` (or the cached
``default_catalog()``) returns a frozen :class:`Catalog`.
"""

from hygie.compliance.rules.catalog import (
    Catalog,
    CatalogError,
    Example,
    Exemption,
    Lexicon,
    LexiconEntry,
    Mention,
    ProductCondition,
    Rule,
    Source,
    Trigger,
    default_catalog,
    fold,
)
from hygie.compliance.rules.loading import load_catalog

__all__ = [
    "Catalog",
    "CatalogError",
    "Example",
    "Exemption",
    "Lexicon",
    "LexiconEntry",
    "Mention",
    "ProductCondition",
    "Rule",
    "Source",
    "Trigger",
    "default_catalog",
    "fold",
    "load_catalog",
]
