"""The reference config, and what its optimizer block really does in thinc 8.3.

Each test backs one statement of the README section "What the reference optimizer does".
"""

from itertools import islice

import numpy
import pytest
from spacy.util import load_config, load_model_from_config, registry
from thinc.api import Adam, NumpyOps, warmup_linear

REFERENCE_OPTIMIZER = {
    "@optimizers": "Adam.v1",
    "beta1": 0.9,
    "beta2": 0.999,
    "L2": 0.01,
    "grad_clip": 1.0,
    "eps": 1e-8,
    "learn_rate": {"@schedules": "warmup_linear.v1", "warmup_steps": 250, "total_steps": 20000, "initial_rate": 5e-5},
}


@pytest.fixture(scope="module")
def config(root):
    return load_config(root / "configs" / "config.cfg", interpolate=True)


def test_optimizer_block_is_the_reference_value_for_value(config):
    assert config["training"]["optimizer"] == REFERENCE_OPTIMIZER


def test_config_resolves_to_a_french_tok2vec_ner_textcat_pipeline(config):
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    assert nlp.lang == "fr" and nlp.pipe_names == ["tok2vec", "ner", "textcat", "trip_filter"]
    assert nlp.get_pipe("tok2vec").listening_components == ["ner", "textcat"]  # one shared encoder
    assert nlp.get_pipe("trip_filter").threshold == 0.5
    assert config["training"]["score_weights"]["cats_score"] == 0.0  # model-best is chosen on the NER's F
    training = registry.resolve(config["training"], validate=True)
    assert type(training["optimizer"]).__name__ == "Optimizer"
    assert training["optimizer"].L2 == 0.01 and training["optimizer"].grad_clip == 1.0


@pytest.mark.parametrize(
    "step, rate", [(0, 0.0), (100, 2e-5), (250, 5e-5), (10125, 2.5e-5), (19999, 5e-5 / 19750), (20000, 0.0), (30000, 0.0)]
)
def test_warmup_linear_schedule_values(step, rate):
    """In thinc 8.3 a schedule is a generator: its n-th value is the rate after n updates."""
    schedule = warmup_linear(initial_rate=5e-5, warmup_steps=250, total_steps=20000)
    assert next(islice(schedule, step, None)) == pytest.approx(rate, abs=1e-15)


def make_adam(**overrides):
    settings = dict(learn_rate=0.1, beta1=0.9, beta2=0.999, eps=1e-8, L2=0.0, grad_clip=0.0, use_averages=False)
    return Adam(**{**settings, **overrides})


def test_grad_clip_rescales_each_tensor_by_its_own_norm():
    """Two tensors with norms 5 and 0.5: the first is scaled to norm 1, the second untouched."""
    ops = NumpyOps()
    big, small = numpy.array([3.0, 4.0], dtype="f"), numpy.array([0.3, 0.4], dtype="f")
    assert numpy.allclose(ops.clip_gradient(big.copy(), 1.0), big / 5)
    assert numpy.allclose(ops.clip_gradient(small.copy(), 1.0), small)


def test_L2_is_decoupled_weight_decay_scaled_by_the_learning_rate():
    """With a zero gradient Adam moves nothing, so what is left is w -= lr * L2 * w (not w * (1 - L2))."""
    optimizer = make_adam(L2=0.01)
    weights = numpy.array([1.0, -2.0], dtype="f")
    optimizer((0, "W"), weights, numpy.zeros_like(weights))
    assert numpy.allclose(weights, [1.0 - 0.1 * 0.01, -2.0 * (1 - 0.1 * 0.01)])
    assert not numpy.allclose(weights, [1.0 * (1 - 0.01), -2.0 * (1 - 0.01)])


def test_adam_step_uses_bias_correction_in_the_rate_and_eps_outside_it():
    """thinc: w -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps), m and v without bias correction."""
    optimizer = make_adam(eps=0.5)
    weights, grad = numpy.array([1.0], dtype="f"), numpy.array([2.0], dtype="f")
    optimizer((0, "W"), weights, grad.copy())
    m, v = 0.1 * 2.0, 0.001 * 4.0
    expected = 1.0 - 0.1 * (0.001**0.5 / 0.1) * m / (v**0.5 + 0.5)
    assert weights[0] == pytest.approx(expected, rel=1e-6)


def test_first_update_of_the_schedule_moves_nothing_and_gradient_is_zeroed():
    """warmup_linear gives 0 at step 0, so spaCy's first batch only fills Adam's moments."""
    schedule = warmup_linear(initial_rate=5e-5, warmup_steps=250, total_steps=20000)
    optimizer = make_adam(learn_rate=schedule, L2=0.01, grad_clip=1.0)
    weights, grad = numpy.array([1.0, 2.0], dtype="f"), numpy.array([0.5, -0.5], dtype="f")
    optimizer((0, "W"), weights, grad)
    assert weights.tolist() == [1.0, 2.0] and grad.tolist() == [0.0, 0.0]
    optimizer.step_schedules()
    assert optimizer.learn_rate == pytest.approx(2e-7)


def test_adam_v1_keeps_parameter_averages_by_default():
    """Adam.v1 defaults to use_averages=True: spaCy saves model-best with the averaged weights."""
    optimizer = registry.resolve({"o": {"@optimizers": "Adam.v1"}})["o"]
    weights = numpy.ones(3, dtype="f")
    optimizer((0, "W"), weights, numpy.ones(3, dtype="f"))
    assert (0, "W") in optimizer.averages


def test_tuned_config_differs_from_the_reference_only_by_its_peak_rate(root, config):
    tuned = load_config(root / "configs" / "config_tuned.cfg", interpolate=True)
    assert tuned["training"]["optimizer"]["learn_rate"]["initial_rate"] == 0.001
    tuned["training"]["optimizer"]["learn_rate"]["initial_rate"] = 5e-5
    assert tuned == config
