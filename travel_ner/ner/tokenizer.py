"""The registered tokenizer callback that puts entity edges on token boundaries.

spaCy's French tokenizer already splits ``Paris-Lille``, ``d'Amiens`` and
``Lyon.``, but keeps arrows glued (``Paris→Lyon``, ``Paris->Lyon``,
``Paris=>Lyon``), so no span could cover ``Paris`` alone. We add those
separators as infixes, prefixes and suffixes of the default French rules.
"""

from __future__ import annotations

from typing import Callable

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

# Longest first, so that "->" is one token rather than "-" and ">".
SEPARATORS = ("=>", "->", "-->", ">>", "<->", "→", "⇒", "➔", "➜", "➝", "⟶", "↔", "|", "»", "«")
_SEPARATOR_PATTERNS = tuple(
    "(?:" + "".join("\\" + ch if not ch.isalnum() else ch for ch in sep) + ")"
    for sep in sorted(SEPARATORS, key=len, reverse=True)
)


@registry.tokenizers("travel_ner.Tokenizer.v1")
def create_tokenizer() -> Callable[[Language], Tokenizer]:
    """French tokenizer whose rules also split on route separators such as arrows."""
    default_factory = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def make_tokenizer(nlp: Language) -> Tokenizer:
        tokenizer = default_factory(nlp)
        defaults = nlp.Defaults
        tokenizer.infix_finditer = compile_infix_regex(_SEPARATOR_PATTERNS + tuple(defaults.infixes)).finditer
        tokenizer.prefix_search = compile_prefix_regex(_SEPARATOR_PATTERNS + tuple(defaults.prefixes)).search
        tokenizer.suffix_search = compile_suffix_regex(_SEPARATOR_PATTERNS + tuple(defaults.suffixes)).search
        return tokenizer

    return make_tokenizer
