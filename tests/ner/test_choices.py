"""Model-choice variants are valid configs and their table shows accuracy, worst category and speed."""

from __future__ import annotations

import pytest
from spacy.util import load_config

from travel_ner.ner.choices import MAIN_RUN, VARIANTS, choices_table


@pytest.mark.parametrize("name", VARIANTS)
def test_every_variant_overrides_existing_settings(root, name):
    """An override of a misspelt setting would silently train the main config; every key must exist."""
    config_path, overrides = VARIANTS[name]
    config = load_config(root / config_path, interpolate=False)
    for key, value in overrides.items():
        section = config
        *parents, leaf = key.split(".")
        for part in parents:
            section = section[part]
        assert leaf in section, f"{name}: {key} is not a setting of {config_path}"
        assert section[leaf] != value, f"{name}: {key} is already {value!r} in {config_path}"


def _result(test_f: float, accuracy: float, worst: str, speed: float, **extra) -> dict:
    categories = {"standard": {"accuracy": 1.0}, worst: {"accuracy": accuracy - 0.1}}
    return {
        "test": {"ents_f": test_f},
        "handwritten_test": {"sentence_accuracy": accuracy, "by_category": categories},
        "speed_ratio": speed,
        **extra,
    }


def test_table_has_one_row_per_run_with_worst_category_speed_and_time():
    results = {
        MAIN_RUN[0]: _result(0.975, 0.95, "inverted", 3.2),
        "tuned_depth_3": _result(0.98, 0.96, "via", 1.9, train_seconds=600),
    }
    table = choices_table(results, max_steps=3000)
    assert "trained 3000 steps" in table
    assert f"| {MAIN_RUN[0]} | `{MAIN_RUN[1]}`  | 0.975 | 0.950 | inverted 0.850 | 3.20 | the `all` run |" in table
    assert (
        "| tuned_depth_3 | `configs/config_tuned.cfg` components.tok2vec.model.encode.depth=3 "
        "| 0.980 | 0.960 | via 0.860 | 1.90 | 10.0 min |"
    ) in table
