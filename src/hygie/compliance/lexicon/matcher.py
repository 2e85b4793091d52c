"""Find medicine names (brands and INNs) in free French text, with their prescription status.

``ProductLexicon.load_default().find(text)`` returns :class:`ProductMention` objects whose
``start``/``end`` are code-point offsets into the *original* text (``text[start:end] ==
surface``). The lexicon is built from the BDPM by :mod:`hygie.compliance.lexicon.build`.

Matching, per word (a word is a maximal run of letters; digits, ``#``, ``@``, ``_``, ``-``,
apostrophes and punctuation separate words; camelCase hashtags are split, ``#StopDoliprane``
gives "Stop" + "Doliprane", and their pieces are matched exactly):

1. normalisation: case-folded, accents removed (``ibuprofène`` = ``IBUPROFENE``), ligatures
   expanded (``œ`` = ``oe``);
2. exact word, then the word without a final plural ``s``/``x`` (``dolipranes``);
3. otherwise a bounded spelling correction (Damerau–Levenshtein, optimal string alignment):
   at most 1 edit for words of 5–7 letters, at most 2 for 8 letters or more, none under 5
   letters. Candidates come from a symmetric-delete index (a few set operations per word, no
   scan of the lexicon) and results are cached per distinct word. Within that bound a
   candidate must also look like a *misspelling* rather than another word, because French is
   dense in words one or two edits away from some brand (salon/SALOL, menace/MEGACE,
   national/NITRONAL, différence/DIFFERINE, reaction/REACTINE):

   * same first letter (or same sound: ``cardegic``/KARDEGIC), unique best candidate;
   * for 5–7 letters: only orthographic variants (same :func:`skeleton`: doubled letters,
     y/i, ph/f, silent h, c/k/qu, s/z, final e) or two swapped letters;
   * for 8+ letters: at most one edit besides orthographic variants, the name's ending kept,
     and no French ending (``-tion``, ``-ment``, ``-ique``, ``-ien``…) the name lacks;
   * a word written with accents is a deliberately spelt French word: variants only;
   * words of :data:`COMMON_WORDS`, :data:`FUZZY_BLOCKLIST` and the BDPM's own lower-case
     vocabulary (shipped in the lexicon) are never corrected;
   * runs of three or more identical letters are squeezed (``dolipraaane``).

Then names of one or more words are matched on consecutive words (only spaces, hyphens or an
apostrophe between them: ``spasfon lyoc``, ``Spasfon-Lyoc``, ``acide acétylsalicylique``);
where matches overlap, the leftmost and then the longest wins.

Precision guards (see :data:`STOP_WORDS`, :data:`UPPERCASE_ONLY`):

* names made only of one- or two-letter words are never matched; one-word names of three or
  four letters only when written with a capital (``Emla``, ``EMLA``, not ``emla``) and never
  with a spelling correction;
* brand names that are ordinary French or English words or first names are dropped
  (:data:`BRAND_STOP_WORDS`) or matched only in capitals (:data:`UPPERCASE_ONLY`: ``MAG 2``);
  everyday substances that are also INNs (magnesium, glucose, salicylic acid, baking soda,
  carbon monoxide…) are dropped (:data:`SUBSTANCE_STOP_WORDS`, :data:`STOP_PHRASES`);
* inside a URL or an e-mail address only exact matches count: a link to
  ``example.com/doliprane`` is an indirect reference to the product (FR-MED-01 lists links
  among the triggers), so it is reported; a "misspelling" in a random short-link slug is not.

Spans exclude the ``#`` or ``@`` of a hashtag or handle.

Pure Python (standard library only), no Django.
"""

from __future__ import annotations

import gzip
import importlib.resources
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress, count, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

from hygie.compliance.lexicon.bdpm import Status

Kind = Literal["brand", "inn"]

DATA_PACKAGE = "hygie.compliance.lexicon"
DEFAULT_LEXICON = "data/bdpm-lexicon.json.gz"
FORMAT = "hygie-bdpm-lexicon/1"

# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
_LETTERS = re.compile(r"[^\W\d_]+")


def fold(text: str) -> str:
    """Lower case, no accents, ligatures expanded: ``"Ibuprofène"`` → ``"ibuprofene"``."""
    text = text.casefold().translate(_LIGATURES)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LIGATURES)


def key_tokens(name: str) -> tuple[str, ...]:
    """The normalised words of a name, as the matcher compares them."""
    return tuple(_LETTERS.findall(fold(name)))


# ---------------------------------------------------------------------------------------------
# Word lists
# ---------------------------------------------------------------------------------------------


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``."""
    return frozenset(text.split())


#: Frequent French (and a few English) words, written without accents. A word here is never
#: spelling-corrected, and a one-word lexicon entry equal to it is dropped. The list is the
#: usual function words, frequent verbs, nouns and adjectives of social-media French, and the
#: health vocabulary most likely to sit next to medicine names.
COMMON_WORDS: frozenset[str] = words(
    """
    a ai aie aient aies ait alors as au aucun aucune aupres aussi autre autres aux avaient avais
    avait avant avec avez aviez avions avoir avons ayant bon bonne bons ca car ce ceci cela celle
    celles celui ces cet cette ceux chacun chaque chez ci comme comment dans de des deja depuis
    dois doit donc dont du elle elles en encore entre es est et etaient etais etait etant ete
    etes etre eu eux faire fait faites fois font hors ici il ils j je jamais jusqu jusque l la le
    les leur leurs lui m ma mais me meme memes mes moi moins mon n ne ni non nos notre nous on ont
    ou par parce pas peu peut peuvent peux plus pour pourquoi quand que quel quelle quelles quels
    qui quoi s sa sans se sera serait ses si sien son sont sous suis sur t ta te tes toi ton tous
    tout toute toutes tres tu un une vers via voici voila vos votre vous y
    abord accord acheter actif active actifs action activite actualite adulte adultes agir aide
    aider aime aimer ainsi air aller alerte allergie ami amie amis amour an ancien animal annee
    annees ans apres apprendre arbre argent arret arriver article aspect attendre attention
    aujourd avance avenir avis avril bain baisse bas base beau beaucoup beaute bebe bebes besoin
    bien bientot blanc bleu boire bois boite bonjour bonsoir bouche bout bras bravo bref bureau
    cabinet cadeau calme campagne cas cause centre certain certains cette chance changer chaque
    chaud cher chercher cheveux choix chose choses ciel classe client clients coeur collegue
    combien commande commencer comprendre compte conseil conseils contact contre corps cote cou
    couleur coup courage cours court creme cuisine dame danger date debut decembre dehors demain
    demande demander dernier derniere dernieres derniers deux devant devenir devoir dimanche dire
    docteur doigt dommage dos doux droit droite eau ecole ecrire effet effets egalement encore
    enfant enfants enfin ensemble ensuite entendre envie epaule equipe espace esprit essayer ete
    etoile eviter exemple face facile faim famille femme femmes fete fevrier fier fille filles
    fils fin fleur fois fond force forme fort forte fou frais france francais frere froid fruit
    garde gauche gens gentil gorge gout grand grande grandes grands gros groupe guerre habitude
    haut heure heures heureux hier histoire hiver homme hommes hopital humain humeur idee image
    infirmier infirmiere info infos jambe janvier jardin jaune jeu jeudi jeune jeunes joie jolie
    jour journee jours juillet juin juste la lait langue lavage lecture leger lettre libre lieu
    ligne lire lit livre loin long longtemps lundi lumiere lune madame magasin mai main mains
    maintenant mal malade maladie maman mange manger manges mangez mangent mardi marche mars matin
    mauvais medecin medecins
    medicament medicaments meilleur meilleure membre merci mercredi mere mettre midi mieux
    milieu mille minute minutes mois moment monde monsieur mort mot mots moyen mur musique nature
    naturel neuf nez noel noir nom nombre nouveau nouvelle nouvelles nuit octobre oeil offre
    ordonnance oreille ouvert ouverture page pain papa papier parfois parole part partage partager
    partie partir passer patient patients pays peau pendant pense penser pere petit petite petits
    peur pharmacie pharmacien pharmacienne pharmaciens photo pied place plaisir plan plein pluie
    poids point porte poser possible pouvoir premier premiere prendre prenez prix probleme
    produit produits professionnel projet promo propos pres prochain quartier question questions
    raison rapide recette regarder rendez rentree repos reponse rester retour rhume rien rire
    risque rouge route rue sac saison salle salut samedi sang sante savoir sec semaine semaines
    sens sentir septembre service services seul seule seulement simple soin soins soir soiree
    soleil sommeil sortie souvent sport stock sucre suite super surtout symptome symptomes table
    tard temps tete texte toujours travail travers traitement tres triste trop trouver vacances
    vendredi venir vent ventre verre vert vie ville vite voir voiture voix vrai vraiment yeux zone
    tousse toux fievre douleur douleurs migraine allergique grippe virus vaccin vaccins vaccination
    mal malade ordonnance sirop gelule gelules comprime comprimes pastille pastilles pommade gel
    spray creme huile baume vitamine vitamines solution sachet sachets collyre patch complement
    complements naturelle naturels bio acide sel fer zinc calcium magnesium potassium sodium
    glucose oxygene alcool cafeine lactose vaseline menthol camphre soufre charbon argile miel
    the cafe tisane plante plantes essence essences ether bleu fluor iode cuivre argent
    the and you for with this that not are all any art true daily best news love life
    stop top now new one day live team free more time good make care like just your our
    """
)

#: Everyday substances that are also INNs in the BDPM: nutrients and minerals sold as food
#: supplements, sugars, cosmetic ingredients, household chemicals, gases, allergens of patch
#: tests. A post about magnesium, salicylic acid in a serum, baking soda or carbon monoxide
#: poisoning is not a medicine mention; these INN entries are not matched.
SUBSTANCE_STOP_WORDS: frozenset[str] = words(
    """
    acetylene alanine arginine argent biotine bismuth calcium camphre carnitine charbon cobalt
    colophane cuivre cysteine cystine dopamine eugenol fer fluor fructose fucus gelatine geraniol
    glucose glycerol glycine graphite helium histamine histidine iode kaolin lactose leucine
    levulose levure lysine magnesium mannitol menthol methane nickel ornithine oxygene phenol
    phosphate phosphore citrate potassium proline retinol selenium serine sodium sorbitol soufre
    talc taurine thiamine thymol threonine tryptophane tyrosine uree valine vaseline xylene zinc
    """
)

#: Multi-word names treated the same way (normalised, space-separated).
STOP_PHRASES: frozenset[str] = frozenset(
    {
        "acide citrique",
        "acide lactique",
        "acide salicylique",
        "acide acetique",
        "bicarbonate de sodium",
        "charbon active",
        "chlore actif",
        "chlorure de sodium",
        "dioxyde de titane",
        "monoxyde de carbone",
        "oxyde de zinc",
        "resine epoxy",
        "mousse de chene",
        "baume du perou",
        "huile de paraffine",
    }
)

#: Brand names (or first words of brand names) of the BDPM that are ordinary French or
#: English words, slang or first names. They are never matched as brands. Checked by hand
#: against the BDPM brand list; extend when a false positive shows up.
BRAND_STOP_WORDS: frozenset[str] = words(
    """
    ambre antibio antigone arnica aroma bal bebegel carlin carmin cristal daily dermo diane
    dialyse diluant divina drill dragees estima etain feuille fraction grains hec jasmine
    jouvence larmes lierre melodia minerva palmier refresh rhino ringer sedatif sojourn solute
    thais toco tot
    """
)

#: Words seen in ordinary French text (social-media corpora) that lie within the spelling
#: tolerance of a BDPM name: never spelling-corrected ("prevenir" is not PREVENAR).
FUZZY_BLOCKLIST: frozenset[str] = words(
    """
    prevenir celebrer celebre celebres bronchez serement surement seraient servent tienne
    tiennes immigrant immigrants bronche bronches prolactine colicine colicines lysosome
    lysosomes fenugrec thyroglobuline hypericum importan renie renies renient prochaine
    prochain prochaines prochains cerise cerises ensuring pollinique polliniques
    """
)

STOP_WORDS: frozenset[str] = COMMON_WORDS | SUBSTANCE_STOP_WORDS | STOP_PHRASES | BRAND_STOP_WORDS

#: Brand names that are also common words or first names but worth catching when written in
#: capitals, as brand names often are ("MAG 2", "SERC"): matched only when the word in the
#: text is entirely upper case.
UPPERCASE_ONLY: frozenset[str] = words(
    """
    climene cyclo drill edex evra femi fero fonx haima icaz jext keal lenia leeloo lyso mag
    marga meliane omix orap serc tobi
    """
)

# ---------------------------------------------------------------------------------------------
# Data model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """One name the matcher looks for: a brand (or brand family) or an INN."""

    name: str
    kind: Kind
    inns: tuple[str, ...] = ()
    status: Status = "none"
    #: INN entries: the distinct statuses of the products that contain the substance.
    statuses: tuple[Status, ...] = ()
    otc: bool = False
    commercialised: bool = True
    reimbursed: bool = False
    #: Normalised words; computed from ``name`` when left empty.
    key: tuple[str, ...] = ()

    def tokens(self) -> tuple[str, ...]:
        return self.key or key_tokens(self.name)


@dataclass(frozen=True, slots=True)
class ProductMention:
    """A medicine name found in a text. ``text[start:end] == surface``."""

    start: int
    end: int
    surface: str
    name: str
    kind: Kind
    inns: tuple[str, ...]
    status: Status
    otc: bool
    statuses: tuple[Status, ...] = ()
    commercialised: bool = True
    reimbursed: bool = False
    #: Spelling edits between the text and the name (0 for exact, accent or plural variants).
    distance: int = 0


# ---------------------------------------------------------------------------------------------
# Spelling correction
# ---------------------------------------------------------------------------------------------

MIN_FUZZY_LENGTH = 5
_SQUEEZE = re.compile(r"(\w)\1{2,}")


def max_edits(length: int) -> int:
    """Edits allowed for a word of ``length`` letters: 0 under 5, 1 for 5–7, 2 from 8."""
    if length < MIN_FUZZY_LENGTH:
        return 0
    return 1 if length < 8 else 2


def osa_distance(a: str, b: str, limit: int) -> int:
    """Damerau–Levenshtein distance (optimal string alignment); ``limit + 1`` once above limit."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(lb + 1))
    for i in range(1, la + 1):
        current = [i] + [0] * lb
        row_min = i
        ca = a[i - 1]
        for j in range(1, lb + 1):
            cb = b[j - 1]
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[lb] if previous[lb] <= limit else limit + 1


def _deletes(word: str, depth: int) -> set[str]:
    """``word`` and every string obtained from it by deleting 1 to ``depth`` (≤ 2) letters."""
    n = len(word)
    variants = {word[:i] + word[i + 1 :] for i in range(n)} if depth else set()
    if depth >= 2:
        variants.update(
            [word[:i] + word[i + 1 : j] + word[j + 1 :] for j in range(1, n) for i in range(j)]
        )
    variants.add(word)
    return variants


class _SymmetricDeleteIndex:
    """Vocabulary words reachable within :func:`max_edits` edits, without scanning them all.

    Every vocabulary word is stored under each of its deletion variants (1 or 2 letters
    deleted, by its length); a query word's own variants are looked up, and the candidates are
    checked with the real distance. Two words within k edits always share a variant with at
    most k deletions on each side.
    """

    def __init__(self, words: Iterable[str]) -> None:
        single: dict[str, str] = {}
        shared: dict[str, list[str]] = {}
        keys = single.keys()
        for word in words:
            variants = _deletes(word, max_edits(len(word)))
            clash = variants & keys
            if clash:
                variants -= clash
                for variant in clash:
                    shared.setdefault(variant, [single[variant]]).append(word)
            single.update(dict.fromkeys(variants, word))
        self._single = single
        self._shared = shared
        self._variants = set(single)

    def __len__(self) -> int:
        return len(self._single)

    def best(self, word: str, *, variants_only: bool = False) -> tuple[str, int] | None:
        """The unique closest acceptable vocabulary word, with its edit distance.

        A candidate within the allowed edits is accepted when its first letter is the word's
        (or sounds the same: ``cardegic`` / KARDEGIC), and the difference is a plausible
        misspelling rather than another word:

        * an orthographic variant (same :func:`skeleton`: doubled letters, y/i, ph/f, silent
          h, c/k/qu, s/z, a final e), at any length;
        * two adjacent letters swapped, in words of 6 letters or more;
        * for words and names of 8 letters or more, one more edit of any kind, provided the
          word keeps the name's last two letters and has no French ending the name lacks
          (``-tion``, ``-ment``, ``-ique``…), unless it is the name cut short or lengthened.

        With ``variants_only`` only the first kind counts (used for words written with
        accents, which are deliberately spelt French words). A word that merely extends a
        vocabulary word by two letters or more ("dolipraneux") is a different word.
        """
        depth = max_edits(len(word))
        if depth == 0:
            return None
        candidates: set[str] = set()
        single, shared = self._single, self._shared
        for variant in _deletes(word, depth) & self._variants:
            found = shared.get(variant)
            if found is None:
                candidates.add(single[variant])
            else:
                candidates.update(found)
        best_distance = depth + 1
        best_words: list[str] = []
        word_skeleton = skeleton(word)
        for candidate in candidates:
            candidate_skeleton = skeleton(candidate)
            if candidate[0] != word[0] and candidate_skeleton[:1] != word_skeleton[:1]:
                continue
            if len(word) - len(candidate) >= 2 and word.startswith(candidate):
                continue
            limit = min(depth, max_edits(len(candidate)))
            distance = osa_distance(word, candidate, limit)
            if distance > limit or distance > best_distance:
                continue
            if candidate_skeleton != word_skeleton:
                if variants_only:
                    continue
                if not (len(word) >= 6 and _is_swap(word, candidate)):
                    if min(len(word), len(candidate)) < 8:
                        continue
                    if osa_distance(word_skeleton, candidate_skeleton, 1) > 1:
                        continue
                    extension = word.startswith(candidate) or candidate.startswith(word)
                    if not extension and (
                        _foreign_suffix(word, candidate)
                        or _ending(word_skeleton, candidate_skeleton) != candidate_skeleton[-2:]
                    ):
                        continue
            if distance < best_distance:
                best_distance, best_words = distance, [candidate]
            else:
                best_words.append(candidate)
        if len(best_words) != 1 or best_distance == 0:
            return None
        return best_words[0], best_distance


_SOFT_C = re.compile(r"c(?=[eiy])")
_SILENT_H = re.compile(r"(?<!s)h")
_DOUBLE = re.compile(r"(.)\1+")


def skeleton(word: str) -> str:
    """A folded word reduced to how it sounds in French spelling, to tell misspellings apart.

    ``levothyrox`` and ``levotirox`` → ``levotirox``; ``dolipranne`` → ``dolipran``;
    ``kardegic`` and ``cardegic`` → ``kardegik``.
    """
    word = word.replace("ph", "f").replace("qu", "k").replace("ck", "k").replace("ch", "§")
    word = _SOFT_C.sub("s", word).replace("c", "k")
    word = word.replace("y", "i").replace("z", "s").replace("w", "v")
    word = _SILENT_H.sub("", word)
    word = _DOUBLE.sub(r"\1", word)
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


#: French derivational and inflectional endings. A word that ends with one of them while the
#: name does not (reaction / REACTINE, circadien / CIRCADIN, serement / SEREVENT) is a French
#: word one letter away from a brand, not a misspelt brand.
_FRENCH_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        words(
            """
            tion sion ment ique isme iste ite ien ienne eux euse ant ante ent ente aire ance ence
            ie eur age able ible if ive oir oire er ez ir ait aient ais ons ees ee
            """
        ),
        key=len,
        reverse=True,
    )
)


def _foreign_suffix(word: str, candidate: str) -> bool:
    """``word`` has a French ending that ``candidate`` does not share."""
    for form in (word, word[:-1] if word[-1:] in "sx" else word):
        for suffix in _FRENCH_SUFFIXES:
            if form.endswith(suffix):
                if not candidate.endswith(suffix):
                    return True
                break
    return False


def _ending(word: str, candidate: str) -> str:
    """The last two letters of ``word``, ignoring a plural mark the candidate does not have.

    Compared on :func:`skeleton` forms, so a doubled final letter is not a different ending.

    Misspelt names keep their ending (or are cut short or lengthened, which is handled
    separately); a different ending is a different word (contract / CONTRACNE).
    """
    if word[-1] in "sx" and candidate[-1] != word[-1]:
        word = word[:-1]
    return word[-2:]


def _is_swap(a: str, b: str) -> bool:
    """``a`` is ``b`` with two adjacent letters swapped."""
    if len(a) != len(b):
        return False
    diffs = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and a[diffs[0]] == b[diffs[1]]
        and a[diffs[1]] == b[diffs[0]]
    )


# ---------------------------------------------------------------------------------------------
# The lexicon
# ---------------------------------------------------------------------------------------------

# A word of the text, after normalisation: (start, end, canonical word, edits).
_Unit = tuple[int, int, str, int]
# What a word of the text maps to: its parts (relative start, relative end, canonical, edits).
_Parts = tuple[tuple[int, int, str, int], ...]

# The fast pre-filter works on UTF-8 bytes: runs of ASCII letters and of any non-ASCII bytes.
# Every word of the text lies inside one such chunk (a chunk may hold several words, e.g.
# "l’ibuprofène" or an emoji between two words), and matching bytes is much faster than
# matching Unicode letter classes.
_CHUNKS = re.compile(rb"[A-Za-z\x80-\xff]+")
#: The same chunks, faster: every byte that is not in a chunk becomes a space, then
#: ``bytes.split()`` cuts at ASCII whitespace only (never at a byte of 0x80 or more).
_NOT_CHUNK = bytes(code for code in range(256) if code < 0x80 and not chr(code).isalpha())
_TO_SPACE = bytes.maketrans(_NOT_CHUNK, b" " * len(_NOT_CHUNK))
_URL = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.-]+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}/\S*",
    re.IGNORECASE,
)
_GAP = re.compile(r"[ \t\u00a0\-‐‑–'’]{1,3}")
_CACHE_LIMIT = 400_000
_WINDOW = 120


_EDITS = itemgetter(3)  # of a unit
#: Runs of letters (the words of :data:`_LETTERS`), kept by ``split`` at the odd indexes.
_LETTER_RUNS = re.compile(r"([^\W\d_]+)")
# The parts of a word that anchor names: relative start, end, canonical word, edits, the
# candidates anchored there and the most words one of them has.
_Anchors = tuple[tuple[int, int, str, int, tuple["_Candidate", ...], int], ...]
_UNSEEN: _Anchors = ((0, 0, "", 0, (), 0),)  # a word not met yet


def _in_chunk(char: str) -> bool:
    """The character belongs to a byte chunk of :data:`_CHUNKS` (ASCII letter or non-ASCII)."""
    return not char.isascii() or char.isalpha()


@dataclass(slots=True)
class _Candidate:
    key: tuple[str, ...]
    entry: LexiconEntry
    #: Index in ``key`` of the word looked up first: the most distinctive one, so that a name
    #: like "L-ARGININE" or "acide folique" is not looked up at every "l" or "acide".
    anchor: int
    needs_capital: bool
    uppercase_only: bool


class ProductLexicon:
    """Brand and INN names with their BDPM status, and a fast, tolerant finder.

    Instances can be shared between threads in CPython: the word caches only grow (under the
    GIL) and are replaced, not emptied, when they pass 400,000 distinct words.
    :meth:`load_default` returns one shared instance per process.
    """

    def __init__(
        self,
        entries: Iterable[LexiconEntry],
        *,
        known_words: Iterable[str] = (),
        stop_words: Iterable[str] = STOP_WORDS,
        uppercase_only: Iterable[str] = UPPERCASE_ONLY,
        source: Mapping[str, Any] | None = None,
    ) -> None:
        self.source: dict[str, Any] = dict(source or {})
        self.stop_words = frozenset(stop_words)
        self.uppercase_only = frozenset(uppercase_only)
        #: Words never spelling-corrected (they are words in their own right).
        self.known_words = (
            self.stop_words | FUZZY_BLOCKLIST | frozenset(fold(w) for w in known_words)
        )
        self.entries: tuple[LexiconEntry, ...] = tuple(entries)
        self._by_key: dict[tuple[str, ...], LexiconEntry] = {}
        self._by_anchor: dict[str, list[_Candidate]] = {}
        self._window = _WINDOW
        self._vocabulary: set[str] = set()
        self._build_index(self.entries)
        self._fuzzy: _SymmetricDeleteIndex | None = None
        # Word of the text -> its parts (empty when it maps to nothing).
        self._parts: dict[str, _Parts] = {}
        # Word of the text -> its parts that anchor names (see _anchors_of).
        self._anchors: dict[str, _Anchors] = {}
        # Byte chunks already classified, and those holding a word that anchors a name.
        self._seen: set[bytes] = set()
        self._positive: set[bytes] = set()

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_entries(
        cls,
        entries: Iterable[LexiconEntry | Mapping[str, Any]],
        **options: Any,
    ) -> ProductLexicon:
        """A lexicon from :class:`LexiconEntry` objects or dicts with the same fields."""
        built: list[LexiconEntry] = []
        for entry in entries:
            if isinstance(entry, LexiconEntry):
                built.append(entry)
                continue
            values = dict(entry)
            for name in ("inns", "statuses", "key"):
                if name in values:
                    values[name] = tuple(values[name])
            built.append(LexiconEntry(**values))
        return cls(built, **options)

    @classmethod
    def from_document(cls, document: Mapping[str, Any], **options: Any) -> ProductLexicon:
        """A lexicon from the JSON document written by :mod:`hygie.compliance.lexicon.build`."""
        if document.get("format") != FORMAT:
            raise ValueError(f"unsupported lexicon format: {document.get('format')!r}")
        inn_rows: Sequence[Sequence[Any]] = document["inns"]
        inn_names = [row[0] for row in inn_rows]
        entries: list[LexiconEntry] = []
        for name, key, statuses, status, flags in inn_rows:
            entries.append(
                LexiconEntry(
                    name=name,
                    kind="inn",
                    inns=(name,),
                    status=status,
                    statuses=tuple(statuses),
                    otc=bool(flags & 1),
                    commercialised=bool(flags & 2),
                    reimbursed=bool(flags & 4),
                    key=tuple(key.split()),
                )
            )
        for name, key, inn_ids, status, flags in document["brands"]:
            entries.append(
                LexiconEntry(
                    name=name,
                    kind="brand",
                    inns=tuple(inn_names[i] for i in inn_ids),
                    status=status,
                    statuses=(status,),
                    otc=bool(flags & 1),
                    commercialised=bool(flags & 2),
                    reimbursed=bool(flags & 4),
                    key=tuple(key.split()),
                )
            )
        options.setdefault("known_words", document.get("known_words", ()))
        return cls(entries, source=document.get("source"), **options)

    @classmethod
    def load(cls, path: Path | str, **options: Any) -> ProductLexicon:
        """Read a ``.json.gz`` (or plain ``.json``) lexicon file."""
        raw = Path(path).read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return cls.from_document(json.loads(raw), **options)

    @classmethod
    def load_default(cls) -> ProductLexicon:
        """The lexicon shipped with Hygie (built from the BDPM), loaded once per process."""
        return _default_lexicon()

    def _build_index(self, entries: Sequence[LexiconEntry]) -> None:
        for entry in entries:
            key = entry.tokens()
            if not key or max(len(token) for token in key) < 3:
                continue  # initials ("B O P", "A"): never a reliable mention
            if " ".join(key) in self.stop_words:
                continue
            previous = self._by_key.get(key)
            # The same words for a brand and an INN: the INN describes it better.
            if previous is not None and not (previous.kind == "brand" and entry.kind == "inn"):
                continue
            self._by_key[key] = entry
        # How many names each word appears in: a word shared by many names ("acide",
        # "solution") is a poor anchor.
        uses: dict[str, int] = {}
        for key in self._by_key:
            for token in set(key):
                uses[token] = uses.get(token, 0) + 1
        for key, entry in self._by_key.items():
            letters = sum(len(token) for token in key)
            anchor = min(
                range(len(key)),
                key=lambda i: (
                    len(key[i]) < 3,
                    key[i] in self.known_words,
                    uses[key[i]],
                    -len(key[i]),
                ),
            )
            candidate = _Candidate(
                key=key,
                entry=entry,
                anchor=anchor,
                needs_capital=len(key) == 1 and letters <= 4,
                uppercase_only=len(key) == 1 and key[0] in self.uppercase_only,
            )
            self._by_anchor.setdefault(key[anchor], []).append(candidate)
            self._vocabulary.update(key)
        # The widest a name can stretch on either side of its anchor: its words, the gaps
        # between them (at most three characters, see _GAP), and room for a plural or a typo.
        self._window = min(
            _WINDOW,
            max((sum(map(len, key)) + 3 * (len(key) - 1) + 8 for key in self._by_key), default=0),
        )

    def _fuzzy_index(self) -> _SymmetricDeleteIndex:
        if self._fuzzy is None:
            self._fuzzy = _SymmetricDeleteIndex(
                sorted(word for word in self._vocabulary if len(word) >= MIN_FUZZY_LENGTH)
            )
        return self._fuzzy

    def clear_cache(self) -> None:
        """Forget the words met so far (they are re-learnt on the next texts)."""
        self._seen, self._positive, self._parts, self._anchors = set(), set(), {}, {}

    def warm_up(self) -> ProductLexicon:
        """Build the spelling-correction index now rather than at the first unknown word."""
        self._fuzzy_index()
        return self

    # -- word classification ------------------------------------------------------------------

    def _canonical(
        self, word: str, *, fuzzy: bool = True, variants_only: bool = False
    ) -> tuple[str, int] | None:
        """The vocabulary word a normalised word of the text stands for, with the edits."""
        vocabulary = self._vocabulary
        if word in vocabulary:
            return word, 0
        if len(word) > 3 and word[-1] in "sx" and word[:-1] in vocabulary:
            return word[:-1], 0
        if not fuzzy or word in self.known_words or len(word) < MIN_FUZZY_LENGTH:
            return None
        squeezed = _SQUEEZE.sub(r"\1", word)
        if squeezed != word and squeezed in vocabulary:
            return squeezed, 1
        index = self._fuzzy_index()
        found = index.best(squeezed, variants_only=variants_only)
        singular = word[:-1]
        if (
            found is None
            and len(word) > 5
            and word[-1] in "sx"
            and singular not in self.known_words
        ):
            found = index.best(singular, variants_only=variants_only)
        if found is None:
            return None
        return found[0], found[1] + (squeezed != word)

    def _word_parts(self, word: str) -> _Parts:
        """What a word of the text maps to, worked out once per distinct word."""
        parts = self._parts.get(word)
        if parts is not None:
            return parts
        found_parts: list[tuple[int, int, str, int]] = []
        pieces = _camel_parts(word)
        if len(pieces) > 1:
            # A brand spelt in its own camel case ("NovoRapid", "EllaOne") is one name; a
            # hashtag ("#StopDoliprane") is several words.
            whole = self._canonical(fold(word), fuzzy=False, variants_only=not word.isascii())
            if whole is not None:
                pieces = []
                found_parts.append((0, len(word), whole[0], whole[1]))
        for start, end in pieces:
            piece = word[start:end]
            found = self._canonical(
                fold(piece),
                # Pieces of a camelCase word are matched exactly (accents, case, plural aside).
                fuzzy=len(pieces) == 1,
                # Accents mean a deliberately spelt French word: only spelling variants count.
                variants_only=not piece.isascii(),
            )
            if found is not None:
                found_parts.append((start, end, found[0], found[1]))
        parts = tuple(found_parts)
        self._parts[word] = parts
        return parts

    def _classify(self, chunk: bytes, seen: set[bytes], positive: set[bytes]) -> None:
        """Remember whether a byte chunk of text holds a word that anchors some name."""
        seen.add(chunk)
        anchors = self._by_anchor
        for word in _LETTERS.findall(chunk.decode("utf-8", "surrogatepass")):
            if any(part[2] in anchors for part in self._word_parts(word)):
                positive.add(chunk)
                return

    # -- matching -----------------------------------------------------------------------------

    def find(self, text: str) -> list[ProductMention]:
        """Every brand or INN mentioned in ``text``, in order, without overlaps.

        Where names overlap, the leftmost wins, then the longest ("Spasfon Lyoc" rather than
        "Spasfon").
        """
        chunks = set(text.encode("utf-8", "surrogatepass").translate(_TO_SPACE).split())
        if not chunks:
            return []
        if len(self._seen) > _CACHE_LIMIT or len(self._parts) > _CACHE_LIMIT:
            self.clear_cache()  # bounded memory in a long-running process
        # Local references: another thread may reset the caches meanwhile.
        seen, known_positive = self._seen, self._positive
        if not seen.issuperset(chunks):
            for chunk in chunks - seen:
                self._classify(chunk, seen, known_positive)
        if known_positive.isdisjoint(chunks):
            return []
        positive = chunks & known_positive
        return self._find_around(text, positive)

    def _find_around(self, text: str, positive: set[bytes]) -> list[ProductMention]:
        """Match names in windows of the text around the chunks that hold an anchor word."""
        spans: list[tuple[int, int]] = []
        for chunk in positive:
            needle = chunk.decode("utf-8", "surrogatepass")
            at = text.find(needle)
            while at != -1:
                after = at + len(needle)
                if not (at and _in_chunk(text[at - 1])) and not (
                    after < len(text) and _in_chunk(text[after])
                ):
                    spans.append((at, after))
                at = text.find(needle, after)
        windows: list[tuple[int, int]] = []
        for at, after in sorted(spans):
            # Wide enough for the longest names around the anchor, cut at spaces.
            start = text.rfind(" ", 0, max(0, at - self._window)) + 1
            end = text.find(" ", min(len(text), after + self._window))
            end = len(text) if end == -1 else end
            if windows and start <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
            else:
                windows.append((start, end))
        found: dict[tuple[int, int], ProductMention] = {}
        for start, end in windows:
            for mention in self._find_in(text, start, end):
                found.setdefault((mention.start, mention.end), mention)
        ordered = sorted(found.values(), key=lambda m: (m.start, m.start - m.end))
        mentions: list[ProductMention] = []
        for mention in ordered:
            if not mentions or mention.start >= mentions[-1].end:
                mentions.append(mention)
        return mentions

    def _anchors_of(self, word: str) -> _Anchors:
        """The parts of a word of the text that anchor names, each with those names'
        candidates and the most words one of them has, worked out once per word."""
        anchors = []
        for start, end, canonical, edits in self._word_parts(word):
            candidates = self._by_anchor.get(canonical)
            if candidates:
                longest = max(len(candidate.key) for candidate in candidates)
                anchors.append((start, end, canonical, edits, tuple(candidates), longest))
        found = tuple(anchors)
        self._anchors[word] = found
        return found

    def _find_in(self, text: str, window_start: int, window_end: int) -> list[ProductMention]:
        """Every name in ``text[window_start:window_end]``, overlapping ones included.

        The same as :meth:`_find_in_units`, with less work: the words that anchor a name are
        found in C (one look-up per word), and each candidate is tried by the same
        :meth:`_try` on the units of the words around it only (as many on each side as the
        name has words: a word gives one unit or more, so ``_try`` sees the same units, and
        the window's ends where they are near)."""
        window = text[window_start:window_end]
        pieces = _LETTER_RUNS.split(window)  # the words at the odd indexes
        words = pieces[1::2]
        anchors = list(map(self._anchors.get, words, repeat(_UNSEEN)))
        found: list[ProductMention] = []
        starts: list[int] = []
        urls: list[tuple[int, int]] | None = None
        for index in compress(count(), anchors):
            anchored = anchors[index]
            if anchored is _UNSEEN:
                anchored = self._anchors_of(words[index])
            if not anchored:
                continue
            if not starts:
                starts = list(accumulate(map(len, pieces), initial=window_start))
            for start, end, canonical, edits, candidates, longest in anchored:
                unit = (
                    starts[2 * index + 1] + start,
                    starts[2 * index + 1] + end,
                    canonical,
                    edits,
                )
                if longest == 1:
                    units: list[_Unit] = [unit]
                    at = 0
                else:
                    low = max(0, index - longest)
                    units = self._units(words, starts, low, index)
                    at = len(units)
                    units += self._units(words, starts, index, min(len(words), index + longest + 1))
                    at += units[at:].index(unit)
                unit_urls: Sequence[tuple[int, int]] = ()
                if any(map(_EDITS, units)):
                    # The window has a corrected word: its links, as in _find_in_units.
                    if urls is None:
                        urls = (
                            [
                                (window_start + m.start(), window_start + m.end())
                                for m in _URL.finditer(window)
                            ]
                            if ("." in window or "@" in window)
                            else []
                        )
                    unit_urls = urls
                for candidate in candidates:
                    mention = self._try(text, units, at - candidate.anchor, candidate, unit_urls)
                    if mention is not None:
                        found.append(mention)
        return found

    def _units(self, words: list[str], starts: list[int], low: int, high: int) -> list[_Unit]:
        """The units of ``words[low:high]`` (``starts``: the words' offsets at the odd
        indexes), as :meth:`_find_in_units` builds them."""
        units: list[_Unit] = []
        known = self._parts
        for index in range(low, high):
            word = words[index]
            parts = known.get(word)
            if parts is None:
                parts = self._word_parts(word)
            offset = starts[2 * index + 1]
            if not parts:
                units.append((offset, offset + len(word), "", 0))
                continue
            last = 0
            for start, end, canonical, edits in parts:
                if start > last:
                    units.append((offset + last, offset + start, "", 0))
                units.append((offset + start, offset + end, canonical, edits))
                last = end
            if last < len(word):
                units.append((offset + last, offset + len(word), "", 0))
        return units

    def _find_in_units(self, text: str, window_start: int, window_end: int) -> list[ProductMention]:
        """Every name in ``text[window_start:window_end]``, overlapping ones included, from
        the units of every word of the window."""
        units: list[_Unit] = []
        known = self._parts
        for match in _LETTERS.finditer(text, window_start, window_end):
            word = match.group()
            parts = known.get(word)
            if parts is None:
                parts = self._word_parts(word)
            if not parts:
                # A word that means nothing here still separates the words around it.
                units.append((match.start(), match.end(), "", 0))
                continue
            offset, last = match.start(), 0
            for start, end, canonical, edits in parts:
                if start > last:
                    units.append((offset + last, offset + start, "", 0))
                units.append((offset + start, offset + end, canonical, edits))
                last = end
            if offset + last < match.end():
                units.append((offset + last, match.end(), "", 0))
        window = text[window_start:window_end]
        # Links matter only to a name found with a spelling correction (see _try): without a
        # corrected word in the window, they are not looked for.
        corrected = any(map(_EDITS, units))
        urls = (
            [(window_start + m.start(), window_start + m.end()) for m in _URL.finditer(window)]
            if corrected and ("." in window or "@" in window)
            else []
        )
        found: list[ProductMention] = []
        by_anchor = self._by_anchor
        for i, unit in enumerate(units):
            for candidate in by_anchor.get(unit[2], ()):
                mention = self._try(text, units, i - candidate.anchor, candidate, urls)
                if mention is not None:
                    found.append(mention)
        return found

    def _try(
        self,
        text: str,
        units: Sequence[_Unit],
        first: int,
        candidate: _Candidate,
        urls: Sequence[tuple[int, int]],
    ) -> ProductMention | None:
        key = candidate.key
        if first < 0 or first + len(key) > len(units):
            return None
        edits = 0
        for k, token in enumerate(key):
            start, _end, canonical, unit_edits = units[first + k]
            if canonical != token:
                return None
            gap_start = units[first + k - 1][1] if k else start
            # Words of one name are separated by spaces or hyphens (camelCase parts touch).
            if gap_start != start and not _GAP.fullmatch(text, gap_start, start):
                return None
            edits += unit_edits
        start, end = units[first][0], units[first + len(key) - 1][1]
        surface = text[start:end]
        if candidate.needs_capital and (edits or not surface[:1].isupper()):
            return None
        if candidate.uppercase_only and not surface.isupper():
            return None
        if edits and any(u_start <= start < u_end for u_start, u_end in urls):
            return None
        entry = candidate.entry
        return ProductMention(
            start=start,
            end=end,
            surface=surface,
            name=entry.name,
            kind=entry.kind,
            inns=entry.inns,
            status=entry.status,
            otc=entry.otc,
            statuses=entry.statuses or (entry.status,),
            commercialised=entry.commercialised,
            reimbursed=entry.reimbursed,
            distance=edits,
        )

    # -- introspection ------------------------------------------------------------------------

    def lookup(self, name: str) -> LexiconEntry | None:
        """The entry whose normalised words are exactly those of ``name``, if any."""
        return self._by_key.get(key_tokens(name))

    def __len__(self) -> int:
        return len(self._by_key)


def _camel_parts(word: str) -> list[tuple[int, int]]:
    """Split ``DolipraneForte`` into ``Doliprane`` + ``Forte`` (lower-case then capital)."""
    cuts = [
        i
        for i in range(2, len(word) - 1)
        if word[i].isupper() and word[i - 1].islower() and word[i - 2].isalpha()
    ]
    if not cuts:
        return [(0, len(word))]
    return list(itertools.pairwise([0, *cuts, len(word)]))


@lru_cache(maxsize=1)
def _default_lexicon() -> ProductLexicon:
    resource = importlib.resources.files(DATA_PACKAGE)
    for part in DEFAULT_LEXICON.split("/"):
        resource = resource.joinpath(part)
    raw = gzip.decompress(resource.read_bytes())
    return ProductLexicon.from_document(json.loads(raw))
