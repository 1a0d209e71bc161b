from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Span

from travel_ner.ner.annotations import NO_TRIP, TOKENIZER_CONFIG, TRIP, make_tokenizer_nlp

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tokenizer_nlp():
    return make_tokenizer_nlp()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


MARKERS = {"de": "DEP", "depuis": "DEP", "à": "ARR", "vers": "ARR"}


@Language.component("toy_trip_tagger")
def toy_trip_tagger(doc):
    """A rule stand-in for the trained NER: the capitalised word after de/depuis is DEP, after à/vers ARR."""
    doc.ents = [
        Span(doc, i + 1, i + 2, MARKERS[tok.lower_])
        for i, tok in enumerate(doc[:-1])
        if tok.lower_ in MARKERS and doc[i + 1].is_title
    ]
    return doc


@Language.factory("toy_trip_classifier")
class ToyTripClassifier:
    """A rule stand-in for the trained textcat: a sentence that tells a "souvenir" is no trip."""

    labels = (TRIP, NO_TRIP)

    def __init__(self, nlp, name):
        pass

    def __call__(self, doc):
        trip = float("souvenir" not in doc.text)
        doc.cats = {TRIP: trip, NO_TRIP: 1.0 - trip}
        return doc


def save_toy_pipeline(tmp_path_factory, name: str, *pipes: tuple[str, dict]) -> Path:
    """A saved pipeline of the project tokenizer and ``pipes`` (factory, config), in a new folder ``name``."""
    nlp = spacy.blank("fr", config=TOKENIZER_CONFIG)
    for factory, config in pipes:
        nlp.add_pipe(factory, config=config)
    path = tmp_path_factory.mktemp(name)
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="session")
def gated_model_dir(tmp_path_factory):
    """The toy classifier and tagger, then ``trip_filter`` with a threshold."""
    return save_toy_pipeline(
        tmp_path_factory, "gated", ("toy_trip_classifier", {}), ("toy_trip_tagger", {}), ("trip_filter", {"threshold": 0.5})
    )


@pytest.fixture(scope="session")
def filtered_model_dir(tmp_path_factory):
    """The toy tagger and ``trip_filter``."""
    return save_toy_pipeline(tmp_path_factory, "filtered", ("toy_trip_tagger", {}), ("trip_filter", {}))
