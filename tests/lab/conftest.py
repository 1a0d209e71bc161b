from pathlib import Path

import pytest

from lab_support import write_tiny_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, tokenizer_nlp) -> Path:
    return write_tiny_corpus(tokenizer_nlp, tmp_path_factory.mktemp("corpus"))
