"""Offline image sets from scikit-image for Part 4: faces, texture patches and colour photo patches.

Everything here is read from the images that ship inside the scikit-image package (no download),
cut into small patches and scaled to [-1, 1] as every gankit image is. Each set has a **dataset
card** in :data:`CARDS` (source, licence, what the arrays hold, how they were made and what they
are not good for); :func:`card` prints one. Patches are cut at random positions from a seeded
generator, so the same seed gives the same set.

* :func:`load_faces`: the 100 faces (and 100 non-faces) of scikit-image's LFW subset, 25 x 25
  grey, resized to 32 x 32 so that a U-Net can halve them twice.
* :func:`texture_patches`: grey patches of brick, grass and gravel (512 x 512 photographs), for
  unpaired translation between textures (CycleGAN).
* :func:`photo_patches`: colour patches from six photographs, for grey -> colour translation
  (pix2pix); :func:`to_grey` gives their grey version (ITU-R BT.709 luminance, ``skimage.color``).
"""

from __future__ import annotations

import numpy as np

from gankit.data import check_count, to_unit_range

TEXTURES = ("brick", "grass", "gravel")
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field")

CARDS = {
    "faces": {
        "source": "scikit-image data.lfw_subset(): 200 crops from Labeled Faces in the Wild"
        " (Huang et al. 2007), bundled with scikit-image",
        "licence": "LFW is distributed for research use; scikit-image ships this subset in its"
        " package data",
        "contents": "100 faces and 100 non-faces (background crops of the same photographs),"
        " stored 25 x 25 grey; load_faces(size) returns them at size x size (32 by default,"
        " bilinear, skimage.transform.resize; 25 keeps the stored pixels) in [-1, 1], with"
        " labels 1 (face) and 0 (non-face)",
        "limits": "100 faces of mostly adult public figures, aligned and cropped by the LFW"
        " pipeline: far too few and too narrow a population to say anything about faces in"
        " general; nobody in it consented to a generative model",
    },
    "textures": {
        "source": "scikit-image data.brick(), data.grass(), data.gravel(): 512 x 512 grey"
        " photographs, from CC0Textures and DeviantArt",
        "licence": "CC0 (public domain dedication), as stated in scikit-image's docstrings",
        "contents": "square grey patches cut at random positions (seeded), in [-1, 1], with the"
        " texture's index in TEXTURES as the label",
        "limits": "one photograph per texture: patches share lighting, and without split= they"
        " overlap each other, so a model learns this brick wall, not bricks; split='train' and"
        " 'test' cut from disjoint parts (top three quarters, bottom quarter)",
    },
    "photos": {
        "source": "scikit-image data.astronaut(), chelsea(), coffee(), rocket(),"
        " immunohistochemistry(), hubble_deep_field(): colour photographs bundled with"
        " scikit-image",
        "licence": "public domain (NASA, SpaceX) or CC0 / no known copyright restrictions, as"
        " stated in scikit-image's docstrings",
        "contents": "square colour patches cut at random positions (seeded), in [-1, 1], with"
        " the photograph's index in PHOTOS as the label; to_grey() gives the grey source for"
        " colourisation",
        "limits": "six photographs: a colourisation model learns their palettes (skin, fur,"
        " wood, stained tissue, sky), not colour in general; split='train' and 'test' cut from"
        " disjoint parts of each (top three quarters, bottom quarter)",
    },
}


def card(name):
    """The dataset card of ``name`` (``"faces"``, ``"textures"`` or ``"photos"``) as text."""
    if name not in CARDS:
        raise ValueError(f"name: expected one of {sorted(CARDS)}, got {name!r}")
    return "\n".join(f"{key}: {value}" for key, value in CARDS[name].items())


def load_faces(size=32):
    """``(x, y)``: the LFW subset's 200 crops resized to ``size`` x ``size`` x 1 in [-1, 1], and
    labels 1 for the 100 faces (the first 100) and 0 for the 100 non-faces."""
    from skimage import data
    from skimage.transform import resize

    size = check_count(size, "size", 4)
    crops = data.lfw_subset()  # float in [0, 1]
    x = resize(crops, (len(crops), size, size), order=1, anti_aliasing=True)
    x = (2.0 * np.clip(x, 0.0, 1.0) - 1.0)[..., None].astype("float32")
    return x, np.repeat(np.array([1, 0], dtype="int64"), 100)


HELD_OUT_ROWS = 0.25  # the bottom quarter of each photograph: split="test" patches only


def _patches(images, n_per_image, size, seed, split=None):
    if split not in (None, "train", "test"):
        raise ValueError(f"split: expected 'train', 'test' or None, got {split!r}")
    rng = np.random.default_rng(seed)
    out, labels = [], []
    for k, image in enumerate(images):
        if split is not None:  # train: the top three quarters, test: the bottom quarter
            cut = int(round(image.shape[0] * (1 - HELD_OUT_ROWS)))
            image = image[:cut] if split == "train" else image[cut:]
        height, width = image.shape[:2]
        if size > min(height, width):
            raise ValueError(f"size: {size} is larger than an image of {height} x {width}")
        rows = rng.integers(0, height - size + 1, n_per_image)
        cols = rng.integers(0, width - size + 1, n_per_image)
        out += [image[r : r + size, c : c + size] for r, c in zip(rows, cols, strict=True)]
        labels += [k] * n_per_image
    x = to_unit_range(np.stack(out).astype("float32"), max_value=255.0)
    return (x if x.ndim == 4 else x[..., None]), np.asarray(labels, dtype="int64")


def texture_patches(names=TEXTURES, per_texture=200, size=32, seed=0, split=None):
    """``(x, y)``: ``per_texture`` grey ``size`` x ``size`` patches of each texture in ``names``
    (from :data:`TEXTURES`), shape ``(n, size, size, 1)`` in [-1, 1], and each patch's index in
    ``names``. ``split="train"`` cuts them from the top three quarters of each photograph and
    ``"test"`` from the bottom quarter, so training and held-out patches never overlap; ``None``
    uses the whole photograph."""
    from skimage import data

    names = tuple(names)
    unknown = [n for n in names if n not in TEXTURES]
    if unknown or not names:
        raise ValueError(f"names: expected textures from {TEXTURES}, got {names}")
    images = [getattr(data, name)() for name in names]
    per_texture, size = check_count(per_texture, "per_texture"), check_count(size, "size")
    return _patches(images, per_texture, size, seed, split)


def photo_patches(names=PHOTOS, per_photo=200, size=32, seed=0, split=None):
    """``(x, y)``: ``per_photo`` colour ``size`` x ``size`` patches of each photograph in
    ``names`` (from :data:`PHOTOS`), shape ``(n, size, size, 3)`` in [-1, 1], and each patch's
    index in ``names``. ``split`` as for :func:`texture_patches`: ``"train"`` and ``"test"``
    patches come from disjoint parts of each photograph."""
    from skimage import data

    names = tuple(names)
    unknown = [n for n in names if n not in PHOTOS]
    if unknown or not names:
        raise ValueError(f"names: expected photographs from {PHOTOS}, got {names}")
    images = [getattr(data, name)()[..., :3] for name in names]
    per_photo, size = check_count(per_photo, "per_photo"), check_count(size, "size")
    return _patches(images, per_photo, size, seed, split)


def to_grey(images):
    """Grey versions ``(n, h, w, 1)`` in [-1, 1] of colour images ``(n, h, w, 3)`` in [-1, 1]
    (luminance by ``skimage.color.rgb2gray``)."""
    from skimage.color import rgb2gray

    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images: expected colour images (n, h, w, 3), got shape {images.shape}")
    grey = rgb2gray((images + 1.0) / 2.0)
    return (2.0 * grey - 1.0)[..., None].astype("float32")
