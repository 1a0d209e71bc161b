from pathlib import Path

import pytest

from travel_ner.annotations import make_tokenizer_nlp

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tokenizer_nlp():
    return make_tokenizer_nlp()


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
