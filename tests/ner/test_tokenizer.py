import pytest


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("Paris-Lille demain", ["Paris", "-", "Lille", "demain"]),
        ("Paris→Lyon", ["Paris", "→", "Lyon"]),
        ("Paris->Lyon", ["Paris", "->", "Lyon"]),
        ("Paris=>Lyon", ["Paris", "=>", "Lyon"]),
        ("Paris>>Lyon", ["Paris", ">>", "Lyon"]),
        ("Paris|Lyon", ["Paris", "|", "Lyon"]),
        ("Paris/Lyon", ["Paris", "/", "Lyon"]),
        ("d'Amiens à Lyon.", ["d'", "Amiens", "à", "Lyon", "."]),
        ("→Lyon", ["→", "Lyon"]),
        ("va-t-il à Lyon ?", ["va", "-t", "-il", "à", "Lyon", "?"]),
    ],
)
def test_route_separators_split(tokenizer_nlp, text, tokens):
    assert [t.text for t in tokenizer_nlp(text)] == tokens


def test_tokenizer_is_the_one_in_the_config(root):
    from spacy.util import load_config

    config = load_config(root / "configs" / "config.cfg")
    assert config["nlp"]["tokenizer"] == {"@tokenizers": "travel_ner.Tokenizer.v1"}
