"""The offline scikit-image sets (gankit.image_sets): shapes, ranges, labels, seeds, cards."""

import numpy as np
import pytest

from gankit import image_sets


def test_faces_are_the_first_hundred_and_resized_into_range():
    x, y = image_sets.load_faces()
    assert x.shape == (200, 32, 32, 1) and x.dtype == np.float32
    assert -1.0 <= x.min() and x.max() <= 1.0 and x.std() > 0.1
    assert y.tolist() == [1] * 100 + [0] * 100


def test_patches_are_seeded_labelled_and_in_range():
    x, y = image_sets.texture_patches(per_texture=5, size=16, seed=3)
    assert x.shape == (15, 16, 16, 1) and np.bincount(y).tolist() == [5, 5, 5]
    again, _ = image_sets.texture_patches(per_texture=5, size=16, seed=3)
    np.testing.assert_array_equal(x, again)
    assert not np.array_equal(x, image_sets.texture_patches(per_texture=5, size=16, seed=4)[0])
    colour, labels = image_sets.photo_patches(("chelsea", "coffee"), per_photo=4, size=32)
    assert colour.shape == (8, 32, 32, 3) and labels.tolist() == [0] * 4 + [1] * 4
    assert -1.0 <= colour.min() and colour.max() <= 1.0


def test_grey_is_the_luminance_and_keeps_the_range():
    white, black = np.ones((1, 2, 2, 3), "float32"), -np.ones((1, 2, 2, 3), "float32")
    np.testing.assert_allclose(image_sets.to_grey(white), 1.0, atol=1e-5)
    np.testing.assert_allclose(image_sets.to_grey(black), -1.0, atol=1e-5)
    green = np.array([-1.0, 1.0, -1.0], "float32") * np.ones((1, 2, 2, 3), "float32")
    # BT.709 luminance of pure green is 0.7152 in [0, 1]
    np.testing.assert_allclose(image_sets.to_grey(green), 2 * 0.7152 - 1, atol=1e-3)


def test_every_set_has_a_card_and_bad_input_gets_one_line():
    for name in ("faces", "textures", "photos"):
        text = image_sets.card(name)
        assert all(key in text for key in ("source:", "licence:", "contents:", "limits:"))
    with pytest.raises(ValueError, match=r"names: expected textures from"):
        image_sets.texture_patches(("marble",))
    with pytest.raises(ValueError, match=r"size: 600 is larger than an image"):
        image_sets.photo_patches(("chelsea",), per_photo=1, size=600)
    with pytest.raises(ValueError, match=r"images: expected colour images"):
        image_sets.to_grey(np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"name: expected one of"):
        image_sets.card("cats")


def test_train_and_test_patches_come_from_disjoint_parts_of_each_photograph():
    from skimage import data as skdata

    train, _ = image_sets.photo_patches(("chelsea",), per_photo=5, size=16, seed=0, split="train")
    test, _ = image_sets.photo_patches(("chelsea",), per_photo=5, size=16, seed=0, split="test")
    photo = image_sets.to_unit_range(skdata.chelsea()[..., :3].astype("float32"), 255.0)
    cut = int(round(photo.shape[0] * 0.75))

    def found_in(patch, region):  # is this patch a crop of the region?
        windows = np.lib.stride_tricks.sliding_window_view(region, patch.shape)
        return bool((windows == patch).all(axis=(-3, -2, -1)).any())

    for patch in train:
        assert found_in(patch, photo[:cut]) and not found_in(patch, photo[cut:])
    for patch in test:
        assert found_in(patch, photo[cut:]) and not found_in(patch, photo[:cut])
    with pytest.raises(ValueError, match=r"split: expected 'train', 'test' or None"):
        image_sets.texture_patches(split="validation")
