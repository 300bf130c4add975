"""gankit.sequences: known answers (sine parameters read back, the Gumbel-max trick, the grammar
and its tokens, the scores on hand-made samples), both GANs learning under XLA, and bad inputs.
Notebook 16 runs the same code longer."""

import itertools
import re

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from gankit import sequences as sq


# --------------------------------------------------------------------------- signals
def test_sine_waves_draw_their_parameters_from_the_stated_ranges():
    x, params = sq.sine_waves(500, length=32, seed=3, frequencies=(2, 5), amplitudes=(0.1, 0.4))
    assert x.shape == (500, 32, 1) and x.dtype == np.float32
    assert list(params.columns) == ["frequency", "amplitude", "phase"]
    assert params.frequency.between(2, 5).all() and params.amplitude.between(0.1, 0.4).all()
    clean, same = sq.sine_waves(3, seed=1, noise=0)[0], sq.sine_waves(3, seed=1, noise=0)[0]
    np.testing.assert_array_equal(clean, same)
    f, a, p = sq.sine_waves(3, seed=1, noise=0)[1].to_numpy().T
    t = np.arange(64) / 64
    expected = a[:, None] * np.sin(2 * np.pi * f[:, None] * t + p[:, None])
    np.testing.assert_allclose(clean[..., 0], expected, atol=1e-6)


def test_signal_parameters_read_back_the_known_parameters_of_clean_waves():
    x, truth = sq.sine_waves(300, seed=0, noise=0)
    found = sq.signal_parameters(x)
    np.testing.assert_allclose(found.frequency, truth.frequency, atol=1e-3)
    np.testing.assert_allclose(found.amplitude, truth.amplitude, atol=1e-3)
    phase_error = np.angle(np.exp(1j * (found.phase - truth.phase)))
    assert np.abs(phase_error).max() < 1e-2
    assert found.r2.min() > 0.9999
    # an offset does not move the reading; noise moves it a little; white noise explains little
    shifted = sq.signal_parameters(x[:20] + 0.3)
    np.testing.assert_allclose(shifted.frequency, truth.frequency[:20], atol=1e-3)
    noisy = sq.signal_parameters(sq.sine_waves(300, seed=0, noise=0.05)[0])
    assert np.abs(noisy.frequency - truth.frequency).median() < 0.02
    white = sq.signal_parameters(np.random.default_rng(0).standard_normal((50, 64)))
    assert white.r2.max() < 0.5


def test_parameter_distance_is_zero_for_equal_sets_and_the_shift_for_shifted_ones():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"frequency": rng.uniform(1, 4, 400), "amplitude": rng.uniform(0, 1, 400)})
    assert sq.parameter_distance(real, real).to_numpy().max() == 0
    moved = real.assign(amplitude=real.amplitude + 0.1, frequency=real.frequency + 5)
    d = sq.parameter_distance(real, moved)
    assert list(d.index) == ["frequency", "amplitude"] and list(d.columns) == ["wasserstein", "ks"]
    np.testing.assert_allclose(d.wasserstein, [5.0, 0.1], atol=1e-9)
    assert d.loc["frequency", "ks"] == 1.0  # disjoint ranges


# --------------------------------------------------------------------------- Gumbel-softmax
LOGITS = np.log(np.array([0.5, 0.3, 0.15, 0.05], "float32"))


def test_gumbel_max_samples_come_up_with_the_softmax_probabilities():
    draws, rows = 20_000, np.tile(LOGITS, (20_000, 1))
    y = {t: sq.gumbel_softmax(rows, temperature=t, seed=7).numpy() for t in (1.0, 0.1, 1e-3)}
    np.testing.assert_allclose(y[1e-3].sum(axis=1), 1.0, atol=1e-5)
    # as the temperature falls the rows become one-hot (measured: 73 %, 99.7 % at 0.1, 0.001)
    one_hot = [(y[t].max(axis=1) > 0.99).mean() for t in (1.0, 0.1, 1e-3)]
    assert one_hot[0] < one_hot[1] < one_hot[2] and one_hot[2] > 0.99
    # the same noise: the argmax does not depend on the temperature, and its frequencies are
    # softmax(logits) (the Gumbel-max trick), within 4 standard errors of 20,000 draws
    np.testing.assert_array_equal(y[1.0].argmax(axis=1), y[1e-3].argmax(axis=1))
    frequencies = np.bincount(y[1e-3].argmax(axis=1), minlength=4) / draws
    np.testing.assert_allclose(frequencies, np.exp(LOGITS), atol=0.015)
    np.testing.assert_allclose(y[1e-3].mean(axis=0), np.exp(LOGITS), atol=0.015)
    warm = sq.gumbel_softmax(rows, temperature=5.0, seed=7).numpy()
    assert warm.max(axis=1).mean() < 0.5  # a high temperature smooths the rows


def test_straight_through_is_one_hot_forward_with_the_soft_gradient():
    logits = tf.constant(np.tile(LOGITS, (6, 1)))
    weights = tf.constant(np.arange(24, dtype="float32").reshape(6, 4))
    grads, outputs = [], []
    for hard in (False, True):
        with tf.GradientTape() as tape:
            tape.watch(logits)
            y = sq.gumbel_softmax(logits, temperature=0.5, seed=3, hard=hard)
            loss = tf.reduce_sum(weights * y)
        grads.append(tape.gradient(loss, logits).numpy())
        outputs.append(y.numpy())
    soft, hard = outputs
    assert set(np.unique(hard)) == {0.0, 1.0} and np.all(hard.sum(1) == 1)
    np.testing.assert_array_equal(hard.argmax(1), soft.argmax(1))  # the same noise
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- the grammar
@pytest.mark.parametrize("text", ["1", "1+2*3", "(1+2)*3", "((2))", "3*(1+(2))", "1+(2)"])
def test_valid_strings(text):
    assert sq.is_valid(text)


@pytest.mark.parametrize("text", ["", "1+", "(1+2", "12", ")1(", "()", "1+*2", "(1)2", "4", "1 "])
def test_invalid_strings(text):
    assert not sq.is_valid(text)


def test_grammar_strings_are_exactly_the_valid_strings_by_brute_force():
    # every token sequence up to 5 tokens (19,607 candidates), kept when the parser accepts it
    symbols = sq.VOCABULARY[1:]
    brute = ["".join(p) for n in range(1, 6) for p in itertools.product(symbols, repeat=n)]
    brute = sorted((s for s in brute if sq.is_valid(s)), key=lambda s: (len(s), s))
    assert sq.grammar_strings(5) == brute
    every = sq.grammar_strings()
    assert len(every) == 1596 and len(set(every)) == 1596
    assert np.bincount([len(s) for s in every]).tolist() == [0, 3, 0, 21, 0, 165, 0, 1407]


def test_encode_decode_round_trip_and_the_split_is_disjoint():
    train, held = sq.split_strings(sq.grammar_strings(), held_out=0.5, seed=0)
    assert len(train) == len(held) == 798 and not set(train) & set(held)
    ids = sq.encode(train)
    assert ids.shape == (798, sq.MAX_LEN) and ids.dtype == np.int32
    assert sq.decode(ids) == train
    np.testing.assert_array_equal(sq.encode(["1+2"])[0], [1, 4, 2, 0, 0, 0, 0])
    one_hot = np.eye(sq.VOCAB_SIZE)[ids[:5]]
    assert sq.decode(one_hot) == train[:5]  # scores: their argmax
    assert sq.decode(np.array([[1, 0, 4, 2, 0, 0, 0]])) == ["1"]  # read up to the first end


def test_random_tokens_are_rarely_valid():
    # exact share: a digit then an end (3/64), or a valid string of 3, 5 or 7 tokens
    exact = 3 / 8**2 + 21 / 8**4 + 165 / 8**6 + 1407 / 8**7
    assert abs(sq.random_baseline(20_000, seed=0) - exact) < 0.005
    assert 0.05 < exact < 0.055


def test_token_metrics_on_hand_made_samples():
    train = ["1+2", "(1)", "3"]
    samples = ["1+2", "1+2", "2*3", "(2)", "1+", "", "((", "2*3"]
    m = sq.token_metrics(samples, train)
    assert m["share_valid"] == 5 / 8
    assert m["novelty"] == 3 / 5  # 2*3, (2), 2*3 are valid and new
    assert m["diversity"] == 3 / 8  # 1+2, 2*3, (2)
    assert m["parentheses"] == 1 / 5 and m["parentheses_train"] == 1 / 3
    lengths = np.bincount([len(s) for s in samples], minlength=4)[:4] / 8
    assert m["length_tvd"] == pytest.approx(0.5 * np.abs(lengths - [0, 1 / 3, 0, 2 / 3]).sum())
    none = sq.token_metrics(["1+"], train)
    assert none["share_valid"] == 0 and np.isnan(none["novelty"]) and np.isnan(none["parentheses"])
    assert set(sq.token_metrics(["1"], ["1"], valid_fn=str.isdigit)) == {
        "share_valid",
        "novelty",
        "diversity",
        "length_tvd",
    }


# --------------------------------------------------------------------------- training (XLA)
def test_the_networks_map_noise_to_signals_and_strings_to_one_logit():
    z = np.zeros((3, 8), "float32")
    for kind in ("conv", "dense"):
        g = sq.sequence_generator(8, 32, kind=kind, base_filters=4, hidden=16)
        assert g(z).shape == (3, 32, 1)
    assert sq.sequence_discriminator(32, base_filters=4)(np.zeros((3, 32, 1))).shape == (3, 1)
    logits = sq.token_generator(8, hidden=(16,))(z)
    assert logits.shape == (3, sq.MAX_LEN, sq.VOCAB_SIZE)
    d = sq.token_discriminator(filters=4, hidden=8, minibatch_std=True)
    assert d(np.eye(sq.VOCAB_SIZE)[sq.encode(["1+2", "3", "(1)"])]).shape == (3, 1)


def test_token_gan_learns_valid_and_new_strings_over_three_seeds():
    train, _ = sq.split_strings(sq.grammar_strings(), held_out=0.5, seed=0)
    ids, baseline = sq.encode(train), sq.random_baseline(5000)
    keras.utils.set_random_seed(0)
    gan, cfg = sq.token_gan(seed=0)
    assert gan.jit_compile and cfg["temperature"] == 0.1
    for seed in range(3):  # one XLA compilation, three runs
        keras.utils.set_random_seed(seed)
        gan.restart(sq.token_generator(32), sq.token_discriminator(), seed=seed)
        before = sq.token_metrics(gan.sample(500, seed=1), train)
        history, _ = sq.fit_steps(gan, ids, 150, seed=seed, chunks=1)
        after = sq.token_metrics(gan.sample(500, seed=1), train)
        assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake"}
        # measured: 0.00-0.04 before, 0.98-1.00 after 150 steps; random tokens 0.053
        assert before["share_valid"] < 2 * baseline < 0.5 < after["share_valid"]
        assert after["novelty"] > 0.1 and after["diversity"] > 0.01
    assert len(gan.sample(4, seed=2)) == 4
    np.testing.assert_array_equal(gan.generate(6, seed=3), gan.generate(6, seed=3))


def test_signal_gan_moves_the_parameter_distributions_towards_the_real_ones():
    x, _ = sq.sine_waves(1000, seed=0)
    other, _ = sq.sine_waves(500, seed=1)
    keras.utils.set_random_seed(0)
    gan, cfg = sq.signal_gan(seed=0, generator="conv")  # the slower kind; "dense" is the default
    assert gan.jit_compile and cfg["steps"] == 1500
    untrained = gan.generate(500, seed=1)
    assert untrained.shape == (500, 64, 1)
    sq.fit_steps(gan, x, 300, seed=0, chunks=1)
    table = sq.distance_table(x, trained=gan.generate(500, seed=1), untrained=untrained, real=other)
    # measured: frequency W1 0.2-0.3 after 200-600 steps, untrained 8, real-vs-real 0.08
    assert table.loc["real", "frequency_w1"] < table.loc["trained", "frequency_w1"] < 1.0
    assert table.loc["trained", "frequency_w1"] < table.loc["untrained", "frequency_w1"] / 5
    assert table.loc["trained", "amplitude_w1"] < table.loc["untrained", "amplitude_w1"] / 2
    assert table.loc["trained", "r2"] > table.loc["untrained", "r2"] + 0.2


def test_token_gan_config_round_trip_and_the_annealed_temperature():
    gan = sq.TokenGAN(
        sq.token_generator(8, hidden=(16,)),
        sq.token_discriminator(filters=4, hidden=8),
        temperature=1.0,
        final_temperature=0.1,
        anneal_steps=100,
        hard=True,
    )
    np.testing.assert_allclose(
        [float(gan.temperature_at(s)) for s in (0, 50, 100, 400)],
        [1.0, 0.1**0.5, 0.1, 0.1],
        rtol=1e-6,
    )
    again = sq.TokenGAN.from_config(gan.get_config())
    assert (again.final_temperature, again.anneal_steps, again.hard) == (0.1, 100, True)
    assert again.max_len == sq.MAX_LEN


# --------------------------------------------------------------------------- bad inputs
def _tiny_generator(vocab=sq.VOCAB_SIZE):
    return sq.token_generator(4, vocab_size=vocab, hidden=(8,))


BAD = [
    (lambda: sq.sine_waves(0), ValueError, "n: expected an integer >= 1"),
    (lambda: sq.sine_waves(5, frequencies=(1, 40)), ValueError, "frequencies: expected 0.0 <="),
    (lambda: sq.sine_waves(5, amplitudes=(1,)), ValueError, "amplitudes: expected a pair"),
    (lambda: sq.sine_waves(5, noise=-0.1), ValueError, "noise: expected a finite positive"),
    (lambda: sq.signal_parameters(np.zeros((3, 64, 2))), ValueError, r"x: expected signals"),
    (lambda: sq.signal_parameters(np.zeros((3, 4))), ValueError, "x: expected at least 1 signal"),
    (lambda: sq.signal_parameters(np.full((2, 64), np.nan)), ValueError, "x: contains 128 NaN"),
    (lambda: sq.signal_parameters(np.zeros((2, 64)), step=40.0), ValueError, "step: expected a"),
    (
        lambda: sq.parameter_distance(pd.DataFrame({"frequency": [1.0]}), pd.DataFrame()),
        ValueError,
        r"real: expected rows with columns \['frequency', 'amplitude'\]",
    ),
    (lambda: sq.parameter_distance([1, 2], None), TypeError, "real: expected a DataFrame"),
    (lambda: sq.distance_table(np.zeros((2, 64))), ValueError, "candidates: expected at least"),
    (lambda: sq.sequence_generator(8, length=30), ValueError, "length: expected a multiple of 4"),
    (lambda: sq.sequence_generator(8, kind="rnn"), ValueError, "kind: expected 'conv' or 'dense'"),
    (lambda: sq.signal_gan(epochs=3), TypeError, r"signal_gan: unknown setting\(s\) \['epochs'\]"),
    (lambda: sq.is_valid(12), TypeError, "string: expected a str"),
    (lambda: sq.encode("1+2"), TypeError, "strings: expected a list of strings"),
    (lambda: sq.encode(["1+2+3+1+2"]), ValueError, "strings: '1\\+2\\+3\\+1\\+2' has 9 tokens"),
    (lambda: sq.encode(["1-2"]), ValueError, r"strings: '1-2' has characters \['-'\] outside"),
    (lambda: sq.encode(["1.2"]), ValueError, r"strings: '1.2' has characters \['.'\] outside"),
    (lambda: sq.encode([]), ValueError, "strings: expected at least one string"),
    (lambda: sq.decode(np.array([[9, 0]])), ValueError, r"tokens: expected ids in \[0, 8\)"),
    (lambda: sq.decode(np.zeros((2, 3))), ValueError, "tokens: expected integer ids"),
    (lambda: sq.decode(np.zeros((2, 3, 5))), ValueError, "tokens: expected scores over the 8"),
    (lambda: sq.split_strings(["1", "2"], held_out=1.5), ValueError, "held_out: expected a"),
    (lambda: sq.split_strings(["1", "2"], held_out=0.1), ValueError, "held_out: 0.1 of 2"),
    (lambda: sq.token_metrics(["1"], []), ValueError, "train_strings: expected at least one"),
    (lambda: sq.token_metrics([1], ["1"]), TypeError, "samples: expected strings only"),
    (lambda: sq.token_metrics(["1"], ["1"], valid_fn=3), TypeError, "valid_fn: expected"),
    (lambda: sq.random_baseline(0), ValueError, "n: expected an integer >= 1"),
    (lambda: sq.gumbel_softmax(LOGITS[None], 0.0), ValueError, "temperature: expected a finite"),
    (lambda: sq.gumbel_softmax(LOGITS, 1.0), ValueError, "logits: expected a batch of scores"),
    (
        lambda: sq.TokenGAN(_tiny_generator(5), sq.token_discriminator()),
        ValueError,
        r"generator: expected logits \(max_len, 8\) for the 8-token vocabulary",
    ),
    (
        lambda: sq.TokenGAN(_tiny_generator(), sq.token_discriminator(), final_temperature=0.1),
        ValueError,
        "final_temperature: give it together with anneal_steps",
    ),
    (
        lambda: sq.TokenGAN(_tiny_generator(), sq.token_discriminator(), hard="yes"),
        TypeError,
        "hard: expected True or False",
    ),
    (
        lambda: sq.TokenGAN(_tiny_generator(), sq.token_discriminator(), temperature=-1),
        ValueError,
        "temperature: expected a finite positive",
    ),
    (lambda: sq.token_gan(epochs=10), TypeError, r"token_gan: unknown setting\(s\) \['epochs'\]"),
    (lambda: sq.token_gan(steps=0), ValueError, "steps: expected an integer >= 1"),
    (lambda: sq.sequence_dataset(np.zeros((3, 4)), 5), ValueError, "batch_size: 5 is larger"),
    (lambda: sq.sequence_dataset(np.zeros(3)), ValueError, "x: expected an array of samples"),
    (lambda: sq.fit_steps(None, np.zeros((3, 4)), 0), ValueError, "steps: expected an integer"),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD, ids=[b[2][:40] for b in BAD])
def test_bad_inputs_get_one_line_errors_naming_the_problem(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert "\n" not in str(info.value)
    assert re.match(r"^[a-z_]+: ", str(info.value))
