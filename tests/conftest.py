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


@pytest.fixture(scope="session")
def gated_model_dir(tmp_path_factory):
    """A saved pipeline: the project tokenizer, the toy classifier and tagger, ``trip_filter`` with a threshold."""
    nlp = spacy.blank("fr", config=TOKENIZER_CONFIG)
    nlp.add_pipe("toy_trip_classifier")
    nlp.add_pipe("toy_trip_tagger")
    nlp.add_pipe("trip_filter", config={"threshold": 0.5})
    path = tmp_path_factory.mktemp("gated")
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="session")
def filtered_model_dir(tmp_path_factory):
    """A saved pipeline: the project tokenizer, the toy tagger and ``trip_filter``."""
    nlp = spacy.blank("fr", config=TOKENIZER_CONFIG)
    nlp.add_pipe("toy_trip_tagger")
    nlp.add_pipe("trip_filter")
    path = tmp_path_factory.mktemp("filtered")
    nlp.to_disk(path)
    return path
