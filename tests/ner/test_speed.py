"""Speed is measured side by side on the same texts and reported as medians and ratios."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import DocBin

from travel_ner.ner.speed import compare_speed, speed_ratios, speed_table


def test_table_reports_medians_and_ratio_to_the_baseline():
    table = speed_table({"ours": [100.0, 400.0, 300.0], "base": [150.0, 50.0, 100.0]}, "base", 12)
    assert "12 sentences, median of 3 interleaved rounds" in table
    assert "| ours | 300 | 100 – 400 | 3.00 |" in table
    assert "| base | 100 | 50 – 150 | 1.00 |" in table


def test_every_pipeline_runs_every_round():
    pipelines = {"a": spacy.blank("fr"), "b": spacy.blank("en")}
    runs = compare_speed(pipelines, ["Je vais de Lyon à Nice."] * 20, rounds=3)
    assert set(runs) == {"a", "b"}
    assert all(len(values) == 3 and min(values) > 0 for values in runs.values())


@pytest.fixture()
def saved_pipelines(tmp_path):
    texts = tmp_path / "texts.spacy"
    nlp = spacy.blank("fr")
    DocBin(docs=[nlp(f"Billet {i} de Lyon à Nice") for i in range(30)]).to_disk(texts)
    paths = {}
    for name in ("small", "base"):
        paths[name] = tmp_path / name
        spacy.blank("fr").to_disk(paths[name])
    return paths, texts


def test_ratios_are_relative_to_the_named_baseline(saved_pipelines):
    paths, texts = saved_pipelines
    ratios = speed_ratios(paths, [texts], "base", rounds=2)
    assert set(ratios) == {"small", "base"}
    assert ratios["base"] == 1.0 and ratios["small"] > 0


def test_baseline_must_be_one_of_the_models(saved_pipelines):
    paths, texts = saved_pipelines
    with pytest.raises(ValueError, match="baseline 'fr_core_news_sm' is not one of the models: small, base"):
        speed_ratios(paths, [texts], "fr_core_news_sm")
