"""Self-conditioned GANs (gankit.self_conditioned, recipes.self_conditioned): k-means finds the
digits without their labels, the fakes' clusters and ``generate``'s follow the clusters' shares,
the trainer trains under XLA and reloads with its shares, bad input gets one line, and the README's
FID-5 table is the committed benchmark's. Under 2 replicas it matches one device
(tests/test_distribute.py)."""

import json

import keras
import numpy as np
import pytest
from project_tools import ROOT, load_tool

from gankit import conditional, data, recipes
from gankit import self_conditioned as sc

SHAPE = (8, 8, 1)


@pytest.fixture(scope="module")
def digits():
    x, y = data.load_digits("train")
    return x, y


def purity(clusters, labels):
    """The share of images whose cluster's most common digit is their own."""
    return sum(np.bincount(labels[clusters == c]).max() for c in np.unique(clusters)) / len(labels)


def test_k_means_finds_the_digits_without_their_labels(digits):
    x, y = digits
    y = y.astype(int)
    clusters, shares = sc.cluster_images(x, k=20, seed=0)
    assert clusters.dtype == np.int32 and clusters.shape == (len(x),)
    assert set(np.unique(clusters)) == set(range(20))
    np.testing.assert_allclose(shares, np.bincount(clusters, minlength=20) / len(x))
    again, _ = sc.cluster_images(x, k=20, seed=0)
    np.testing.assert_array_equal(clusters, again)
    # the clusters mostly hold one digit each; clusters unrelated to the images would not
    shuffled = np.random.default_rng(0).permutation(clusters)
    assert purity(clusters, y) > 0.7
    assert purity(shuffled, y) < 0.3


def make(shares, seed=0):
    keras.utils.set_random_seed(seed)
    k = len(shares)
    gan = sc.SelfConditionedGAN(
        conditional.conditional_generator(8, SHAPE, k, base_filters=8),
        conditional.projection_discriminator(SHAPE, k, base_filters=8),
        shares,
        seed=seed,
        ema=0.9,
    )
    gan.compile(
        keras.optimizers.Adam(1e-3, 0.5),
        keras.optimizers.Adam(1e-3, 0.5),
        jit_compile=True,
        steps_per_execution=2,
    )
    return gan


def test_the_fakes_clusters_follow_the_shares_not_a_uniform_draw():
    shares = [0.75, 0.2, 0.05]
    gan = make(shares)
    drawn = np.concatenate([np.asarray(gan.sample_labels(1000)) for _ in range(4)])
    assert drawn.dtype == np.int32
    np.testing.assert_allclose(np.bincount(drawn, minlength=3) / len(drawn), shares, atol=0.02)


def test_generate_draws_clusters_by_their_shares_unless_asked(monkeypatch):
    gan = make([0.9, 0.1])
    asked = []

    def record(self, n, labels=None, seed=0, batch_size=256):
        asked.append(np.asarray(labels))
        return np.zeros((n, *SHAPE), "float32")

    monkeypatch.setattr(conditional.ConditionalGAN, "generate", record)
    gan.generate(2000, seed=3)
    gan.generate(2000, seed=3)
    gan.generate(5, labels=1)
    first, second, given = asked
    assert np.mean(first == 0) == pytest.approx(0.9, abs=0.02)
    np.testing.assert_array_equal(first, second)  # the same seed, the same clusters
    assert np.all(given == 1)
    # the draw `python -m gankit sample` makes from a run's recorded shares (normalised)
    np.testing.assert_array_equal(first, sc.draw_groups([9, 1], 2000, seed=3))
    assert not np.array_equal(first, sc.draw_groups([0.9, 0.1], 2000, seed=4))


def test_it_trains_under_xla_and_reloads_with_its_shares(digits, tmp_path):
    x, _ = digits
    clusters, shares = sc.cluster_images(x[:256], k=4, seed=0)
    gan = make(shares)
    g0 = [w.copy() for w in gan.generator.get_weights()]
    history = gan.fit(
        data.make_dataset(x[:256], clusters, batch_size=32, seed=0), epochs=1, verbose=0
    ).history
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(v).all() for v in history.values())
    assert any(not np.allclose(a, b) for a, b in zip(g0, gan.generator.get_weights(), strict=True))
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras", safe_mode=True)
    assert isinstance(loaded, sc.SelfConditionedGAN)
    np.testing.assert_allclose(loaded.shares, shares)
    loaded.sampler.set_weights(gan.sampler.get_weights())
    np.testing.assert_allclose(loaded.generate(6, seed=1), gan.generate(6, seed=1), atol=1e-6)


def test_the_recipe_clusters_its_images_and_builds_one_class_per_cluster(digits):
    x, _ = digits
    gan, cfg, labels = recipes.self_conditioned(x[:200], clusters=5, jit_compile=False)
    assert cfg["clusters"] == 5 and gan.n_classes == 5 and len(gan.shares) == 5
    assert labels.shape == (200,) and set(np.unique(labels)) == set(range(5))
    assert recipes.SELF_CONDITIONED_DEFAULTS["clusters"] == 20
    with pytest.raises(TypeError, match="unknown setting"):
        recipes.self_conditioned(x[:200], n_classes=5)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda x: sc.cluster_images(x[:3], k=5), "at most as many clusters as images"),
        (lambda x: sc.cluster_images(x, k=1), "k: expected an integer >= 2"),
        (lambda x: sc.cluster_images(x * 255, k=5), "images"),
        (lambda x: make([0.5, 0.0, 0.5]), "every cluster needs a share > 0"),
        (lambda x: make([1.0]), "at least 2 finite numbers"),
        (lambda x: make([0.5, float("nan")]), "at least 2 finite numbers"),
    ],
)
def test_bad_input_gets_one_clear_line(digits, call, error):
    x, _ = digits
    with pytest.raises(ValueError, match=error) as caught:
        call(x)
    assert "\n" not in str(caught.value)


def test_the_readme_table_is_the_committed_benchmarks():
    bench = load_tool("self_conditioned_time_to_quality", folder="benchmarks")
    committed = json.loads(bench.COMMITTED.read_text())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert bench.render(committed) in readme
    # every run of both recipes, and the goal's column, are in it
    assert {(r["recipe"], r["seed"]) for r in committed["runs"]} == {
        (name, seed) for name in bench.RECIPES for seed in (0, 1)
    }
    assert bench.render(None) not in readme
