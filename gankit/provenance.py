"""Disclosure of synthetic images (Part 4, lesson 17): provenance metadata in the PNGs gankit saves.

:func:`save_png` writes one generated image (or :func:`save_grid` a grid of them) as a PNG that
says what it is, in two text chunks:

* ``gankit:provenance`` (iTXt): a JSON record: the IPTC digital source type
  ``trainedAlgorithmicMedia`` ("created by a model trained on sampled content"), the generator's
  name, the gankit version, the seed, the creation time (UTC, ISO 8601), the image's size and
  mode, the SHA-256 of its 8-bit pixels, your own ``extra`` fields and, when a ``key`` is given,
  an HMAC-SHA256 signature over all of these.
* ``XML:com.adobe.xmp`` (iTXt): an XMP packet carrying ``Iptc4xmpExt:DigitalSourceType``, the
  place the IPTC standard puts that label, so that other software (exiftool, photo managers,
  platforms that label AI images) can read it. It is a copy for them: neither the hash nor the
  signature covers it.

:func:`read_provenance` returns the record, or ``None`` for a PNG without one. :func:`verify`
recomputes the pixel hash and, with the key, the signature. :func:`strip_metadata` copies the
pixels without any metadata, as many tools do without being asked; :func:`tamper` re-saves a PNG
keeping its metadata while changing its pixels or its record, as an editor or a forger would.

What such metadata can and cannot do:

* It is **lost easily**. It lives beside the pixels, not in them: a plain re-save
  (``Image.open(a).save(b)`` in Pillow drops every text chunk), a conversion to JPEG, a
  screenshot, most upload pipelines and image editors, or :func:`strip_metadata` give an image with
  the same pixels and no record. Its absence therefore proves nothing: **an image without a record
  is not shown to be real.**
* It is **forged easily**. Anyone can write a record with any content into any PNG (Pillow's
  ``PngInfo`` is enough): an unsigned record is a claim, not evidence.
* The **pixel hash** shows that the pixels are bit for bit the ones that were tagged; it cannot
  show that the record is honest (a forger writes the hash of the pixels they have).
* The **signature** (HMAC-SHA256 with a secret key) shows that someone holding that key wrote this
  exact record, pixel hash included; a changed field, changed pixels or another key make it
  invalid. It says nothing about images that carry no signature, and with HMAC the key that
  checks is the key that signs: whoever can verify can also forge, so the key must stay with
  whoever tags. Public provenance standards (C2PA "Content Credentials") use public-key signatures
  and certificates instead, so that anyone can check and only the holder of the private key can
  sign; this module is a small teaching version of the idea, not an implementation of them.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
from PIL import Image, PngImagePlugin

from gankit import __version__
from gankit.files import atomic_path
from gankit.validation import check_count

DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
RECORD_KEY = "gankit:provenance"  # the PNG text chunk holding the JSON record
XMP_KEY = "XML:com.adobe.xmp"  # the PNG text chunk XMP readers look for
SCHEMA = "gankit.provenance/1"
SIGNATURE_ALGORITHM = "HMAC-SHA256"
MIN_KEY_BYTES = 16
MAX_RECORD_BYTES = 65_536  # well under Pillow's limit on text chunks
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# every field of a record and its JSON type; "signature" is optional
_FIELDS = {
    "schema": str,
    "digital_source_type": str,
    "generator": str,
    "gankit_version": str,
    "seed": (int, type(None)),
    "created": str,
    "width": int,
    "height": int,
    "mode": str,
    "pixel_sha256": str,
    "extra": dict,
}


# --------------------------------------------------------------------------- writing
def save_png(path, image, *, generator, seed=None, extra=None, key=None):
    """Write one generated image to the PNG ``path`` with a provenance record; return ``path``.

    ``image`` is what a gankit generator makes, one image of it: float pixels in [-1, 1] of shape
    (H, W), (H, W, 1) (saved as 8-bit grey) or (H, W, 3) (8-bit RGB); a NumPy array or a tensor.
    ``generator`` is the generator's name or the model itself (its ``.name`` is used); ``seed``
    (an integer >= 0) is recorded if given; ``extra`` is a dict of JSON values (str keys) recorded
    as is, e.g. ``{"epoch": 20, "label": 7}``; ``key`` (at least 16 bytes, e.g.
    ``secrets.token_bytes(32)``, kept secret) adds an HMAC-SHA256 signature over the record.

    Parent folders are created. The write is atomic (:func:`gankit.files.atomic_path`): an error
    part-way leaves the previous file at ``path``, never half a file. Raises ``ValueError`` naming
    the argument for a path not ending in ``.png``, an image of another shape, dtype or range, NaN
    or infinite pixels, a generator without a name, a negative or non-integer seed, ``extra`` that
    is not JSON, or a key that is not bytes or too short.
    """
    path = _png_target(path)
    pixels = _to_pixels(image)
    record = _record(pixels, _generator_name(generator), seed, extra)
    if key is not None:
        record["signature"] = {"algorithm": SIGNATURE_ALGORITHM, "value": _sign(record, key)}
    _write(path, pixels, record)
    return path


def save_grid(path, images, *, ncols=None, generator, seed=None, extra=None, key=None):
    """Write ``images`` (N, H, W, C) in [-1, 1] as one grid PNG with a provenance record (the
    tiling of :func:`gankit.plotting.grid_array`, white between tiles); return ``path``. The other
    arguments and the errors are those of :func:`save_png` and ``grid_array``."""
    from gankit.plotting import grid_array

    grid = grid_array(images, ncols) * 2.0 - 1.0  # grid_array gives [0, 1]
    return save_png(path, grid, generator=generator, seed=seed, extra=extra, key=key)


def strip_metadata(path_in, path_out):
    """Copy the pixels of the PNG ``path_in`` to ``path_out`` without any metadata; return
    ``path_out``.

    This is what re-encoding does to a tag, on purpose or not (a plain Pillow re-save, a format
    conversion, a screenshot, an upload pipeline): :func:`read_provenance` of the copy is ``None``
    although its pixels are identical. Written atomically; raises as :func:`read_provenance` does
    for ``path_in`` and as :func:`save_png` does for ``path_out``.
    """
    path_out = _png_target(path_out)
    _load(path_in)  # a readable PNG, or one clear error
    with Image.open(path_in) as im:
        clean = im.copy()  # pixels and palette; text chunks live in .info and .text
    clean.info = {}
    with atomic_path(path_out) as tmp:
        clean.save(tmp, format="PNG")
    return path_out


def tamper(path_in, path_out, *, edit_pixels=None, record=None):
    """Re-save the PNG ``path_in`` as ``path_out`` *keeping its text chunks*, as someone editing a
    tagged image would, with its pixels changed by ``edit_pixels`` (a function of the 8-bit pixel
    array returning one of the same shape) and/or its record replaced by ``record`` (a dict, or
    the raw text); return ``path_out``.

    For lessons and tests of :func:`verify`: an edited picture that still carries its old record,
    or a record copied onto other pixels. Written atomically; raises as :func:`strip_metadata`.
    """
    path_out = _png_target(path_out)
    _load(path_in)
    with Image.open(path_in) as im:
        im.load()
        text = dict(im.text)
        pixels = np.asarray(im).copy()
    if edit_pixels is not None:
        edited = np.asarray(edit_pixels(pixels.copy()))
        if edited.shape != pixels.shape:
            raise ValueError(f"edit_pixels: returned shape {edited.shape}, expected {pixels.shape}")
        pixels = np.clip(edited, 0, 255).astype("uint8")
    if record is not None:
        text[RECORD_KEY] = record if isinstance(record, str) else json.dumps(record)
    info = PngImagePlugin.PngInfo()
    for name, value in text.items():
        info.add_itxt(name, value)
    with atomic_path(path_out) as tmp:
        Image.fromarray(pixels).save(tmp, format="PNG", pnginfo=info)
    return path_out


def _write(path, pixels, record):
    info = PngImagePlugin.PngInfo()
    info.add_itxt(RECORD_KEY, _canonical(record).decode("utf-8"))
    info.add_itxt(XMP_KEY, _xmp(record))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(
            f"path: cannot create the folder {str(path.parent)!r} ({exc.strerror or exc})"
        ) from None
    with atomic_path(path) as tmp:
        Image.fromarray(pixels).save(tmp, format="PNG", pnginfo=info)


def _xmp(record):
    """A minimal XMP packet with the IPTC digital source type and the creating tool."""
    tool = escape(f"gankit {record['gankit_version']} ({record['generator']})")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/">\n'
        f"   <Iptc4xmpExt:DigitalSourceType>{escape(record['digital_source_type'])}"
        "</Iptc4xmpExt:DigitalSourceType>\n"
        f"   <xmp:CreatorTool>{tool}</xmp:CreatorTool>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="r"?>'
    )


# --------------------------------------------------------------------------- reading and checking
def read_provenance(path):
    """The provenance record gankit wrote into the PNG ``path`` (a dict with the fields listed in
    the module's docstring), or ``None`` if the PNG has none: a PNG from elsewhere, or one whose
    metadata was stripped. The record is what the file *claims*; :func:`verify` checks it.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` for a path that is not a
    PNG file, a PNG that cannot be decoded, or a record that is not valid JSON or lacks a field
    (damaged or edited by hand).
    """
    _, text = _load(path)
    return None if RECORD_KEY not in text else _parse_record(text[RECORD_KEY])


def verify(path, key=None):
    """Check the PNG ``path`` against its provenance record; return a dict:

    * ``tagged``: the file has a gankit record (readable or not).
    * ``record``: the record (``None`` if absent or damaged).
    * ``pixels_match``: the decoded 8-bit pixels (and their size and mode) are exactly those whose
      SHA-256 the record holds; ``False`` after any edit of a pixel; ``None`` without a readable
      record.
    * ``signed``: the record carries a signature.
    * ``signature_valid``: ``None`` when no ``key`` is given (nothing is claimed about the
      signature). With a key: ``True`` only if the record is signed and its HMAC-SHA256 under
      ``key`` matches, i.e. someone holding this key wrote exactly this record, pixel hash
      included; ``False`` if any field was edited, the key differs, or the record is unsigned,
      damaged or absent.
    * ``verdict``: one line saying the above in words.

    What it guarantees: ``pixels_match`` and ``signature_valid`` both ``True`` mean these pixels
    are the ones a holder of ``key`` tagged, with this record. What it does not: that an untagged
    or unsigned image is real (metadata is stripped by any re-encoding, and a missing record proves
    nothing); that an unsigned record is honest (anyone can write one, with a matching pixel hash);
    that the XMP copy of the label is intact (not covered); or anything once the key has leaked
    (with HMAC, whoever can verify can also sign). Raises as :func:`read_provenance` does for a
    missing file or one that is not a PNG; a damaged record is reported, not raised.
    """
    if key is not None:
        key = _check_key(key)
    pixels, text = _load(path)
    result = {
        "tagged": RECORD_KEY in text,
        "record": None,
        "pixels_match": None,
        "signed": False,
        "signature_valid": None if key is None else False,
    }
    if not result["tagged"]:
        result["verdict"] = (
            "no gankit provenance record: this says nothing about whether the image is generated"
        )
        return result
    try:
        record = _parse_record(text[RECORD_KEY])
    except ValueError as exc:
        result["verdict"] = f"a gankit provenance record is present but damaged: {exc}"
        return result
    result["record"] = record
    result["pixels_match"] = (
        pixels["mode"] == record["mode"]
        and pixels["size"] == (record["width"], record["height"])
        and hmac.compare_digest(
            pixels["sha256"].encode("utf-8"), record["pixel_sha256"].encode("utf-8")
        )
    )
    result["signed"] = "signature" in record
    if key is not None and result["signed"]:
        signature = record["signature"]
        expected = _sign(record, key).encode("utf-8")
        claimed = str(signature.get("value")).encode("utf-8")
        same_algorithm = signature.get("algorithm") == SIGNATURE_ALGORITHM
        result["signature_valid"] = same_algorithm and hmac.compare_digest(claimed, expected)
    result["verdict"] = _verdict(result)
    return result


def _verdict(result):
    record = result["record"]
    words = [
        f"tagged as AI-generated by {record['generator']!r} (gankit {record['gankit_version']})",
        "pixels unchanged since tagging"
        if result["pixels_match"]
        else "pixels CHANGED since tagging",
    ]
    if result["signature_valid"] is None:
        words.append("signed, signature not checked (no key)" if result["signed"] else "unsigned")
    elif result["signature_valid"]:
        words.append("signature valid for this key")
    elif result["signed"]:
        words.append("signature INVALID for this key (record edited, or another key)")
    else:
        words.append("unsigned: nothing shows who wrote the record")
    return "; ".join(words)


def _load(path):
    """Decode the PNG ``path``: ({"mode", "size", "sha256"} of its pixels, its text chunks)."""
    source = _existing_png(path)
    try:
        with Image.open(source) as im:
            im.load()
            text = dict(im.text)
            pixels = {"mode": im.mode, "size": im.size, "sha256": _pixel_sha256(np.asarray(im))}
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"path: cannot decode the PNG {str(source)!r} ({message})") from None
    return pixels, text


def _existing_png(path):
    source = _as_path(path)
    if not source.exists():
        raise FileNotFoundError(f"path: no such file {str(source)!r}")
    if not source.is_file():
        raise ValueError(f"path: expected a PNG file, got the folder {str(source)!r}")
    with open(source, "rb") as f:
        magic = f.read(len(PNG_MAGIC))
    if magic != PNG_MAGIC:
        raise ValueError(
            f"path: {str(source)!r} is not a PNG file (gankit writes its provenance into PNGs only)"
        )
    return source


def _parse_record(text):
    """The record in the chunk ``text``, checked field by field; ``ValueError`` if damaged."""
    where = f"{RECORD_KEY} chunk"
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"{where}: not valid JSON (damaged or edited)") from None
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(record).__name__}")
    if record.get("schema") != SCHEMA:
        raise ValueError(f"{where}: expected schema {SCHEMA!r}, got {record.get('schema')!r}")
    for name, kind in _FIELDS.items():
        if name not in record:
            raise ValueError(f"{where}: the field {name!r} is missing")
        value = record[name]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ValueError(f"{where}: the field {name!r} has a wrong type ({value!r})")
    if "signature" in record and not isinstance(record["signature"], dict):
        raise ValueError(f"{where}: the field 'signature' has a wrong type")
    return record


# --------------------------------------------------------------------------- the record
def _record(pixels, generator, seed, extra):
    record = {
        "schema": SCHEMA,
        "digital_source_type": DIGITAL_SOURCE_TYPE,
        "generator": generator,
        "gankit_version": __version__,
        "seed": None if seed is None else check_count(seed, "seed", minimum=0),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "width": int(pixels.shape[1]),
        "height": int(pixels.shape[0]),
        "mode": "L" if pixels.ndim == 2 else "RGB",
        "pixel_sha256": _pixel_sha256(pixels),
        "extra": _check_extra(extra),
    }
    size = len(_canonical(record))
    if size > MAX_RECORD_BYTES:
        raise ValueError(
            f"extra: the record would take {size:,} bytes; keep it under {MAX_RECORD_BYTES:,}"
        )
    return record


def _pixel_sha256(pixels):
    """SHA-256 (hex) of the 8-bit pixels, row by row (``np.asarray(Image.open(path))``)."""
    return hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()


def _canonical(value):
    """One byte string per record: sorted keys, no spaces, UTF-8 (what the signature covers)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _sign(record, key):
    """HMAC-SHA256 (hex) under ``key`` of the canonical record without its signature."""
    unsigned = {name: value for name, value in record.items() if name != "signature"}
    return hmac.new(_check_key(key), _canonical(unsigned), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- input checks
def _as_path(path):
    if not isinstance(path, str | os.PathLike):
        raise ValueError(f"path: expected a file path (str or Path), got {type(path).__name__}")
    return Path(path)


def _png_target(path):
    target = _as_path(path)
    if target.suffix.lower() != ".png" or not target.stem:
        raise ValueError(f"path: expected a file name ending in .png, got {str(target)!r}")
    if target.is_dir():
        raise ValueError(f"path: {str(target)!r} is a folder, not a file name")
    return target


def _to_pixels(image):
    """One image in [-1, 1] as 8-bit pixels: (H, W) for grey, (H, W, 3) for RGB."""
    try:
        arr = np.asarray(image)
    except (TypeError, ValueError):
        raise ValueError(
            "image: expected an array of pixels, got ragged or non-numeric input"
        ) from None
    if not np.issubdtype(arr.dtype, np.floating):
        hint = (
            " (0-255 pixels: convert with gankit.data.to_unit_range)"
            if np.issubdtype(arr.dtype, np.integer)
            else ""
        )
        raise ValueError(
            f"image: expected float pixels in [-1, 1] (a generator's tanh output), got dtype"
            f" {arr.dtype}{hint}"
        )
    shape = arr.shape
    if arr.ndim == 3 and shape[-1] == 1:
        arr = arr[..., 0]
    if not (arr.ndim == 2 or (arr.ndim == 3 and shape[-1] == 3)):
        hint = " (one image of a batch: images[i])" if arr.ndim == 4 else ""
        raise ValueError(
            f"image: expected one image of shape (H, W), (H, W, 1) or (H, W, 3), got {shape}{hint}"
        )
    if arr.size == 0:
        raise ValueError(f"image: got an empty image of shape {shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"image: contains {int(np.sum(~np.isfinite(arr)))} NaN or infinite values")
    lo, hi = float(arr.min()), float(arr.max())
    if lo < -1.0 - 1e-3 or hi > 1.0 + 1e-3:
        hint = " (looks like 0-255 pixels: use gankit.data.to_unit_range)" if hi > 1.5 else ""
        raise ValueError(f"image: expected values in [-1, 1], got range [{lo:.3g}, {hi:.3g}]{hint}")
    unit = (np.clip(arr.astype(np.float64), -1.0, 1.0) + 1.0) / 2.0
    return np.round(unit * 255.0).astype(np.uint8)


def _generator_name(generator):
    name = generator if isinstance(generator, str) else getattr(generator, "name", None)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            f"generator: expected a name (str) or a model with a .name, got {generator!r:.60}"
        )
    return name


def _check_key(key):
    if not isinstance(key, bytes | bytearray) or len(key) < MIN_KEY_BYTES:
        got = f"{len(key)} bytes" if isinstance(key, bytes | bytearray) else type(key).__name__
        raise ValueError(
            f"key: expected at least {MIN_KEY_BYTES} secret bytes (e.g. secrets.token_bytes(32)),"
            f" got {got}"
        )
    return bytes(key)


def _check_extra(extra):
    """``extra`` as a dict that survives JSON unchanged (str keys; str, numbers, bool, None,
    lists and dicts), or a ``ValueError``."""
    if extra is None:
        return {}
    expected = "a dict of JSON values (str keys; str, int, float, bool, None, lists, dicts)"
    if not isinstance(extra, dict):
        raise ValueError(f"extra: expected {expected}, got {type(extra).__name__}")
    try:
        text = json.dumps(extra, allow_nan=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"extra: expected {expected}; {exc}") from None
    if json.loads(text) != extra:
        raise ValueError(
            f"extra: expected {expected}; tuples or non-str keys would come back changed"
        )
    return json.loads(text)
