"""Pictures: image grids, training progress from fixed noise, loss curves, 2-D samples.

Every function returns a matplotlib ``Figure`` and never calls ``plt.show()`` itself, so a
notebook decides when to show and a script can save. Images are expected in [-1, 1], NHWC.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from gankit.data import check_count, check_images, to_pixel_range


def grid_array(images, ncols=None, pad=1):
    """Tile images (N, H, W, C) in [-1, 1] into one array in [0, 1] of shape
    (rows * (H + pad) + pad, ncols * (W + pad) + pad, C), white between tiles and after the last.

    ``ncols`` defaults to a square grid (``ceil(sqrt(N))``). The tiling is scikit-image's
    ``montage``. Raises ``ValueError`` for images that :func:`gankit.data.check_images` rejects
    (wrong rank or channels, NaN, 0-255 pixels), a non-positive ``ncols`` or a negative ``pad``.
    """
    from skimage.util import montage

    images = to_pixel_range(check_images(images, "images"))
    n, _, _, c = images.shape
    ncols = math.ceil(math.sqrt(n)) if ncols is None else check_count(ncols, "ncols")
    pad = check_count(pad, "pad", minimum=0)
    return montage(
        images,
        fill=(1.0,) * c,  # white, per channel
        grid_shape=(math.ceil(n / ncols), ncols),
        padding_width=pad,
        channel_axis=-1,
    )


def _imshow(ax, arr):
    if arr.shape[-1] == 1:
        ax.imshow(arr[..., 0], cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(arr)
    ax.set_axis_off()


def image_grid(images, ncols=None, title=None, size=4.0):
    """A figure showing ``images`` as one grid (``ncols`` per row, square by default)."""
    arr = grid_array(images, ncols)
    fig, ax = plt.subplots(figsize=(size, size * arr.shape[0] / arr.shape[1]))
    _imshow(ax, arr)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def save_image_grid(images, path, ncols=None):
    """Write ``images`` (N, H, W, C) in [-1, 1] as one PNG grid to ``path`` (parent folders are
    created), atomically: a kill or an error during the write leaves the previous file. Returns
    ``path``. Raises ``ValueError`` if ``path`` does not end in ``.png``."""
    from gankit.files import atomic_path

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"path: expected a file name ending in .png, got {str(path)!r}")
    arr = grid_array(images, ncols)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        plt.imsave(tmp, arr[..., 0] if arr.shape[-1] == 1 else arr, cmap="gray", vmin=0, vmax=1)
    return path


def progress_grid(snapshots, n_show=10, size=0.8):
    """Rows of samples from the same fixed noise, one row per snapshot ``(epoch, images)``.

    Reading down a column shows one noise vector's sample improving as training goes on.
    """
    if not snapshots:
        raise ValueError("snapshots: nothing recorded yet (did training run?)")
    rows = len(snapshots)
    fig, axes = plt.subplots(rows, 1, figsize=(n_show * size, rows * size * 1.05), squeeze=False)
    for ax, (epoch, images) in zip(axes[:, 0], snapshots, strict=True):
        _imshow(ax, grid_array(images[:n_show], ncols=n_show))
        ax.set_axis_on()
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_ylabel(f"epoch {epoch}", rotation=0, ha="right", va="center")
    fig.tight_layout()
    return fig


def loss_curves(history, keys=None, reference=None):
    """Plot per-epoch values from a ``keras.callbacks.History`` (or its ``.history`` dict).

    ``reference`` draws a dashed horizontal line, e.g. ``2 * np.log(2)`` for a balanced D loss.
    """
    hist = getattr(history, "history", history)
    keys = keys or [k for k in ("d_loss", "g_loss") if k in hist] or list(hist)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for key in keys:
        ax.plot(np.arange(1, len(hist[key]) + 1), hist[key], label=key)
    if reference is not None:
        ax.axhline(reference, color="grey", linestyle="--", linewidth=1, label=f"{reference:.3f}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def points_2d(real, fake=None, ax=None, title=None, lim=3.0):
    """Scatter real (black) and generated (green) 2-D points on equal axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.scatter(real[:, 0], real[:, 1], s=3, alpha=0.4, c="black", label="real")
    if fake is not None:
        ax.scatter(fake[:, 0], fake[:, 1], s=3, alpha=0.5, c="tab:green", label="generated")
        ax.legend(loc="upper right", fontsize="small", markerscale=3)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax.figure


def decision_surface(snapshots, real, lim=3.0, ncols=4, size=3.0):
    """Panels of D's probability ``sigmoid(D(x))`` over the plane, with real and generated points.

    ``snapshots`` is a list of ``(epoch, grid_xy, probs, fake)`` as recorded by
    :class:`gankit.callbacks.DecisionSurface`. One legend sits under the panels, off the data.
    """
    n = len(snapshots)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    for ax, (epoch, (xx, yy), probs, fake) in zip(axes.flat, snapshots, strict=False):
        cs = ax.contourf(xx, yy, probs, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        points_2d(real, fake, ax=ax, title=f"epoch {epoch}", lim=lim)
        ax.get_legend().remove()  # one legend for all panels, below them
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.45, 0.07), ncol=2,
               markerscale=4, frameon=False)  # fmt: skip
    fig.colorbar(cs, ax=axes.ravel().tolist(), shrink=0.8, label="D(x) = P(real)")
    return fig
