"""Entity P/R/F per label and sentence accuracy (overall and by category) of a pipeline.

Entity F says how well spans are found; sentence accuracy says what a user
sees: the (departure, arrival) pair is exactly right, and a sentence that is
not a trip is right when the model gives no pair.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example

from ..files import write_atomic
from .predict import extract_trip


def score(nlp: Language, gold_docs: Sequence[Doc], batch_size: int = 256) -> dict[str, Any]:
    """Run ``nlp`` on the texts of ``gold_docs`` and compare with their entities."""
    return score_predictions(list(nlp.pipe((doc.text for doc in gold_docs), batch_size=batch_size)), gold_docs)


def score_predictions(predicted: Sequence[Doc], gold_docs: Sequence[Doc]) -> dict[str, Any]:
    examples = [Example(pred, gold) for pred, gold in zip(predicted, gold_docs)]
    ents = Scorer.score_spans(examples, "ents")
    right: dict[str, list[bool]] = defaultdict(list)
    by_tag: dict[str, list[bool]] = defaultdict(list)
    by_author: dict[str, list[bool]] = defaultdict(list)
    for pred, gold in zip(predicted, gold_docs):
        ok = extract_trip(pred) == extract_trip(gold)
        right[gold.user_data.get("category", "all")].append(ok)
        for tag in gold.user_data.get("tags", ()):
            by_tag[tag].append(ok)
        if "author" in gold.user_data:
            by_author[gold.user_data["author"]].append(ok)
    all_right = [ok for oks in right.values() for ok in oks]
    scores = {
        "n_sentences": len(gold_docs),
        "ents_p": ents["ents_p"],
        "ents_r": ents["ents_r"],
        "ents_f": ents["ents_f"],
        "ents_per_type": ents["ents_per_type"],
        "sentence_accuracy": sum(all_right) / len(all_right) if all_right else 0.0,
        "by_category": accuracies(right),
    }
    if by_author:
        scores["by_tag"] = accuracies(by_tag)
        scores["by_author"] = accuracies(by_author)
        scores["author_macro_accuracy"] = sum(r["accuracy"] for r in scores["by_author"].values()) / len(by_author)
    return scores


def accuracies(right: dict[str, list[bool]]) -> dict[str, dict[str, float]]:
    """Sentence count and accuracy of each group of sentences."""
    return {group: {"n": len(oks), "accuracy": sum(oks) / len(oks)} for group, oks in sorted(right.items())}


def format_table(name: str, scores: dict[str, Any]) -> str:
    """A plain-text table of one set's scores, as ``evaluate`` prints it."""
    rows = [f"{name} ({scores['n_sentences']} sentences)", f"  {'label':<12}{'P':>8}{'R':>8}{'F':>8}"]
    per_type = {"ALL": {"p": scores["ents_p"], "r": scores["ents_r"], "f": scores["ents_f"]}}
    per_type.update(scores["ents_per_type"])
    for label, prf in per_type.items():
        rows.append(f"  {label:<12}{prf['p'] or 0:>8.3f}{prf['r'] or 0:>8.3f}{prf['f'] or 0:>8.3f}")
    rows.append(f"  sentence accuracy: {scores['sentence_accuracy']:.3f}")
    if "by_author" in scores:
        rows.append(f"  macro accuracy over authors: {scores['author_macro_accuracy']:.3f}")
    groups = [("category", scores["by_category"]), ("tag", scores.get("by_tag", {})), ("author", scores.get("by_author", {}))]
    for kind, results in groups:
        if len(results) > 1:
            rows.append(f"  by {kind}:")
            rows += [f"    {group:<16}{r['accuracy']:>7.3f}  (n={r['n']})" for group, r in results.items()]
    return "\n".join(rows)


def evaluate(
    model: Path, sets: dict[str, Path], output_dir: Path, nlp: Language | None = None
) -> dict[str, Any]:
    """Score ``model`` (or ``nlp``, already loaded from it) on each named DocBin; write ``metrics.json``
    and a displaCy page per set."""
    import spacy
    from spacy import displacy
    from spacy.tokens import DocBin

    nlp = nlp or spacy.load(model)
    metrics: dict[str, Any] = {}
    pages: dict[str, str] = {}
    for name, path in sets.items():
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: run the 'corpus' step first")
        gold = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        if not gold:
            raise ValueError(f"{path} holds no sentence: nothing to score (check the files it is built from)")
        predicted = list(nlp.pipe(doc.text for doc in gold))
        metrics[name] = score_predictions(predicted, gold)
        pages[name] = displacy.render(predicted, style="ent", page=True, jupyter=False)
    output_dir.mkdir(parents=True, exist_ok=True)
    for name, page in pages.items():
        write_atomic(output_dir / f"{name}_predictions.html", page)
    write_atomic(output_dir / "metrics.json", json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    return metrics
