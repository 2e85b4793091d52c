"""Speed of the medicine-name matcher (hygie.compliance.lexicon.matcher), in texts per second.

One command (from the repository root)::

    .venv/bin/python bench/lexicon_bench.py                  # 5,000 synthetic texts, 1,000 chars
    .venv/bin/python bench/lexicon_bench.py --texts 20000 --passes 5
    .venv/bin/python bench/lexicon_bench.py --corpus posts.txt   # one text per line

It loads the shipped lexicon (timed), builds the spelling-correction index (timed), then runs
``find`` over the texts several times on one core: the first pass meets every word for the
first time (cold word cache), later passes measure the steady state. Throughput is reported
against CPU time of this process (what one core does, unaffected by other load on the
machine) and against wall-clock time.

The synthetic texts are French social-media style posts, built deterministically from a seed:
ordinary sentences, about one in five with a medicine name (brand or INN taken from the
lexicon, sometimes lower-cased, hashtagged, pluralised or misspelt), URLs, handles, emoji and
about 3 % invented words (names, typos) so that the cold path, spelling correction included,
is exercised. Pure Python, no Django, no network.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from hygie.compliance.lexicon.matcher import ProductLexicon

SENTENCES = [
    "Bonjour à tous, la pharmacie sera fermée lundi de Pâques, pensez à anticiper vos achats.",
    "Merci à toute l'équipe pour ce beau moment de partage avec nos patients ce samedi !",
    "Aujourd'hui c'est la journée mondiale du sommeil : dormez-vous assez ? 😴",
    "Les horaires d'été commencent la semaine prochaine, nous ouvrons à 8 h 30.",
    "Vous êtes nombreux à nous demander des conseils pour voyager sereinement cet été.",
    "Pensez à bien vous hydrater pendant la canicule, surtout les personnes âgées.",
    "Notre parking est en travaux jusqu'à vendredi, merci de votre compréhension.",
    "Un grand bravo à Julie qui rejoint l'équipe comme préparatrice en pharmacie !",
    "La campagne de vaccination contre la grippe commence le 15 octobre en officine.",
    "Retrouvez nos conseils pour protéger la peau des enfants au soleil.",
    "Je ne comprends pas pourquoi personne ne répond au téléphone depuis ce matin.",
    "Super accueil comme toujours, merci pour votre patience et vos explications.",
    "Quelqu'un sait si la pharmacie de garde est ouverte ce dimanche soir ?",
    "Franchement le service client est nul, j'attends depuis deux semaines.",
    "On organise un atelier sur l'arrêt du tabac jeudi prochain à 18 h.",
    "Le dépistage gratuit du diabète aura lieu en partenariat avec la mairie.",
    "Attention aux arnaques par SMS qui se font passer pour l'Assurance maladie.",
    "Mon fils a de la fièvre depuis hier soir, je ne sais pas quoi faire.",
    "Nous recrutons un pharmacien adjoint en CDI, envoyez vos candidatures.",
    "Le marché de Noël revient sur la place de l'église avec nos amis commerçants.",
    "Petit rappel : le port du masque reste conseillé dans les transports.",
    "Les allergies au pollen arrivent, parlez-en à votre médecin si besoin.",
    "Ma grand-mère adore venir discuter avec vous, vous êtes formidables.",
    "Quel temps magnifique pour une balade en forêt avec toute la famille !",
]

MENTION_TEMPLATES = [
    "J'ai pris du {} hier soir et ça va mieux.",
    "Est-ce que le {} est disponible sans ordonnance ?",
    "Rupture de stock sur le {} dans tout le quartier, vous en avez ?",
    "Mon médecin m'a prescrit {} pour trois mois.",
    "#{} c'est vraiment efficace contre la douleur",
    "Quelqu'un a déjà eu des effets secondaires avec les {} ?",
]

EMOJI = ["😀", "👍", "💊", "🙏", "❤️", "😡", "🤒"]


def _misspell(word: str, rng: random.Random) -> str:
    if len(word) < 6:
        return word
    i = rng.randrange(1, len(word) - 1)
    choice = rng.random()
    if choice < 0.4:
        return word[:i] + word[i] + word[i:]  # doubled letter
    if choice < 0.7:
        return word[:i] + word[i + 1 :]  # dropped letter
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swapped letters


def _invented(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 10)))


def synthetic_texts(lexicon: ProductLexicon, count: int, length: int, seed: int) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    names = sorted(
        {
            entry.name
            for entry in lexicon.entries
            if " " not in entry.name and entry.name.isalpha() and len(entry.name) >= 5
        }
    )
    texts = []
    for _ in range(count):
        pieces: list[str] = []
        size = 0
        mention = rng.random() < 0.2
        while size < length:
            if mention and rng.random() < 0.25:
                name = rng.choice(names)
                if rng.random() < 0.5:
                    name = name.lower()
                if rng.random() < 0.2:
                    name = _misspell(name, rng)
                piece = rng.choice(MENTION_TEMPLATES).format(name)
                mention = False
            else:
                words = rng.choice(SENTENCES).split()
                for j in range(len(words)):
                    if rng.random() < 0.03:
                        words[j] = _invented(rng)
                piece = " ".join(words)
            roll = rng.random()
            if roll < 0.05:
                piece += f" https://exemple.fr/{_invented(rng)}"
            elif roll < 0.1:
                piece = f"@{_invented(rng)} " + piece
            elif roll < 0.2:
                piece += " " + rng.choice(EMOJI)
            pieces.append(piece)
            size += len(piece) + 1
        texts.append(" ".join(pieces)[:length])
    return texts


def corpus_texts(path: Path, count: int, length: int) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    texts: list[str] = []
    i = 0
    while len(texts) < count and lines:
        text = ""
        while len(text) < length:
            text += lines[i % len(lines)] + " "
            i += 1
        texts.append(text[:length])
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--length", type=int, default=1000, help="characters per text")
    parser.add_argument("--passes", type=int, default=4, help="passes over the texts")
    parser.add_argument("--seed", type=int, default=20260526)
    parser.add_argument("--corpus", type=Path, help="a UTF-8 file, one text per line")
    args = parser.parse_args(argv)

    wall, cpu = time.perf_counter(), time.process_time()
    lexicon = ProductLexicon.load_default()
    load_wall, load_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    lexicon.warm_up()
    warm_wall, warm_cpu = time.perf_counter() - wall, time.process_time() - cpu

    if args.corpus:
        texts = corpus_texts(args.corpus, args.texts, args.length)
    else:
        texts = synthetic_texts(lexicon, args.texts, args.length, args.seed)
    # Synthetic texts are built from the lexicon itself: start the timed passes from an empty
    # word cache so that the first pass really is cold.
    lexicon.clear_cache()

    print(f"lexicon: {len(lexicon)} names; load {load_wall:.3f} s wall ({load_cpu:.3f} s CPU);")
    print(f"spelling index: {warm_wall:.3f} s wall ({warm_cpu:.3f} s CPU)")
    print(f"{len(texts)} texts of {args.length} characters")
    rates = []
    for number in range(1, args.passes + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        found = sum(len(lexicon.find(text)) for text in texts)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rate = len(texts) / cpu if cpu else float("inf")
        if number > 1:
            rates.append(rate)
        label = "cold" if number == 1 else "warm"
        print(
            f"pass {number} ({label}): {rate:,.0f} texts/s CPU, "
            f"{len(texts) / wall:,.0f} texts/s wall, {found} mentions"
        )
    if rates:
        print(f"steady state: {statistics.median(rates):,.0f} texts/s per core (median, CPU time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
