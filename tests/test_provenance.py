"""Disclosure (lesson 17): gankit writes a provenance record into the PNGs it saves and reads it
back; the pixel hash catches edited pixels, the signature catches an edited record or another
key; a plain re-save loses the record; the write is atomic; bad inputs get one-line errors."""

import datetime
import hashlib
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

import gankit
from gankit import plotting, provenance
from gankit.provenance import RECORD_KEY, XMP_KEY

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


def image(shape=(8, 6, 1), seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype("float32")


class NamedModel:
    """Stands in for a keras.Model: only its ``.name`` is read."""

    name = "dcgan_generator"


def rewrite(src, dst, *, edit_pixels=None, record=None):
    """Re-save ``src`` as ``dst`` keeping its text chunks, as someone editing it would; with
    ``edit_pixels`` (a function of the pixel array) or another ``record``."""
    with Image.open(src) as im:
        im.load()
        text = dict(im.text)
        pixels = np.asarray(im).copy()
    if edit_pixels is not None:
        pixels = edit_pixels(pixels)
    if record is not None:
        text[RECORD_KEY] = record if isinstance(record, str) else json.dumps(record)
    info = PngInfo()
    for name, value in text.items():
        info.add_itxt(name, value)
    Image.fromarray(pixels).save(dst, pnginfo=info)
    return dst


@pytest.fixture
def signed(tmp_path):
    return provenance.save_png(
        tmp_path / "signed.png", image(), generator="dcgan", seed=7, extra={"epoch": 3}, key=KEY
    )


# --------------------------------------------------------------------------- round trip
@pytest.mark.parametrize(
    ("shape", "mode"), [((8, 6), "L"), ((8, 6, 1), "L"), ((8, 6, 3), "RGB")], ids=str
)
def test_every_field_round_trips(tmp_path, shape, mode):
    x = image(shape)
    extra = {"epoch": 20, "label": 7, "note": "échantillon", "fid": 8.3, "tags": ["a", None]}
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    path = provenance.save_png(
        tmp_path / "sub" / "x.png", x, generator="dcgan", seed=42, extra=extra, key=KEY
    )
    after = datetime.datetime.now(datetime.timezone.utc)
    assert path == tmp_path / "sub" / "x.png"
    record = provenance.read_provenance(path)
    with Image.open(path) as im:
        pixels = np.asarray(im)
        assert im.mode == mode and im.size == (6, 8)
    created = datetime.datetime.fromisoformat(record.pop("created"))
    assert before <= created <= after and created.utcoffset() == datetime.timedelta(0)
    signature = record.pop("signature")
    assert signature["algorithm"] == "HMAC-SHA256" and len(signature["value"]) == 64
    assert record == {
        "schema": "gankit.provenance/1",
        "digital_source_type": (
            "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
        ),
        "generator": "dcgan",
        "gankit_version": gankit.__version__,
        "seed": 42,
        "width": 6,
        "height": 8,
        "mode": mode,
        "pixel_sha256": hashlib.sha256(pixels.tobytes()).hexdigest(),
        "extra": extra,
    }
    # the pixels: [-1, 1] to 8 bits, within half a level
    assert np.abs(pixels / 127.5 - 1.0 - x.reshape(pixels.shape)).max() <= 0.5 / 127.5 + 1e-6


def test_the_xmp_copy_carries_the_iptc_label(signed):
    with Image.open(signed) as im:
        root = ET.fromstring(im.text[XMP_KEY].split("?>", 1)[1].rsplit("<?", 1)[0])
    ns = {"Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"}
    label = root.find(".//Iptc4xmpExt:DigitalSourceType", ns).text
    assert label == provenance.DIGITAL_SOURCE_TYPE
    assert f"gankit {gankit.__version__} (dcgan)" in im.text[XMP_KEY]


def test_optional_fields_a_model_as_generator_and_a_grid(tmp_path):
    path = provenance.save_png(tmp_path / "a.png", image(), generator=NamedModel())
    record = provenance.read_provenance(path)
    assert record["generator"] == "dcgan_generator"
    assert record["seed"] is None and record["extra"] == {} and "signature" not in record
    batch = image((5, 4, 4, 1))
    grid = provenance.save_grid(tmp_path / "grid.png", batch, ncols=3, generator="g", key=KEY)
    expected = plotting.grid_array(batch, 3)
    with Image.open(grid) as im:
        assert (im.height, im.width) == expected.shape[:2]
        assert np.abs(np.asarray(im) / 255.0 - expected[..., 0]).max() <= 0.5 / 255 + 1e-6
    assert provenance.verify(grid, KEY)["signature_valid"] is True


# --------------------------------------------------------------------------- verify
def test_an_untouched_signed_file_verifies(signed):
    result = provenance.verify(signed, KEY)
    assert result["tagged"] and result["signed"]
    assert result["pixels_match"] is True and result["signature_valid"] is True
    assert result["record"] == provenance.read_provenance(signed)
    assert result["verdict"] == (
        f"tagged as AI-generated by 'dcgan' (gankit {gankit.__version__});"
        " pixels unchanged since tagging; signature valid for this key"
    )
    assert provenance.verify(signed)["signature_valid"] is None  # no key: nothing claimed


def test_an_edited_pixel_is_detected(signed, tmp_path):
    def one_level_brighter(pixels):
        pixels[0, 0] = pixels[0, 0] + 1 if pixels[0, 0] < 255 else 254
        return pixels

    edited = rewrite(signed, tmp_path / "edited.png", edit_pixels=one_level_brighter)
    assert provenance.read_provenance(edited) == provenance.read_provenance(signed)
    result = provenance.verify(edited, KEY)
    assert result["pixels_match"] is False
    assert result["signature_valid"] is True  # the record itself is the one that was signed
    assert "pixels CHANGED since tagging" in result["verdict"]
    # a same-pixel copy in another mode is not the tagged image either
    rgb = rewrite(signed, tmp_path / "rgb.png", edit_pixels=lambda p: np.stack([p] * 3, -1))
    assert provenance.verify(rgb)["pixels_match"] is False


@pytest.mark.parametrize(
    "edit",
    [
        {"seed": 8},
        {"generator": "a camera"},
        {"digital_source_type": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"},
        {"extra": {"epoch": 4}},
        {"created": "2001-01-01T00:00:00+00:00"},
        {"added": "a field"},
    ],
    ids=lambda edit: next(iter(edit)),
)
def test_an_edited_record_fails_the_signature(signed, tmp_path, edit):
    record = {**provenance.read_provenance(signed), **edit}
    forged = rewrite(signed, tmp_path / "forged.png", record=record)
    result = provenance.verify(forged, KEY)
    assert result["pixels_match"] is True and result["signed"] is True
    assert result["signature_valid"] is False
    assert "signature INVALID for this key" in result["verdict"]


def test_a_forger_can_fix_the_hash_but_not_the_signature(signed, tmp_path):
    def paint(pixels):
        pixels[:] = 0
        return pixels

    edited = rewrite(signed, tmp_path / "edited.png", edit_pixels=paint)
    with Image.open(edited) as im:
        new_hash = hashlib.sha256(np.asarray(im).tobytes()).hexdigest()
    record = {**provenance.read_provenance(signed), "pixel_sha256": new_hash}
    forged = rewrite(edited, tmp_path / "forged.png", record=record)
    assert provenance.verify(forged)["pixels_match"] is True  # the hash alone proves nothing
    assert provenance.verify(forged, KEY)["signature_valid"] is False
    # re-signing needs the key: with another key the signature is just as invalid
    record["signature"]["value"] = provenance._sign(record, OTHER_KEY)
    reforged = rewrite(edited, tmp_path / "reforged.png", record=record)
    assert provenance.verify(reforged, KEY)["signature_valid"] is False
    assert provenance.verify(reforged, OTHER_KEY)["signature_valid"] is True


def test_a_wrong_key_is_detected(signed):
    result = provenance.verify(signed, OTHER_KEY)
    assert result["pixels_match"] is True and result["signature_valid"] is False


def test_without_a_key_no_signature_is_claimed(tmp_path):
    path = provenance.save_png(tmp_path / "u.png", image(), generator="dcgan")
    assert "signature" not in provenance.read_provenance(path)
    result = provenance.verify(path)
    assert result["signed"] is False and result["signature_valid"] is None
    assert result["pixels_match"] is True
    assert result["verdict"].endswith("pixels unchanged since tagging; unsigned")
    with_key = provenance.verify(path, KEY)
    assert with_key["signature_valid"] is False
    assert with_key["verdict"].endswith("unsigned: nothing shows who wrote the record")


# --------------------------------------------------------------------------- absent, stripped
def test_a_png_from_elsewhere_has_no_record(tmp_path):
    path = tmp_path / "camera.png"
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(path)
    assert provenance.read_provenance(path) is None
    result = provenance.verify(path, KEY)
    assert result["tagged"] is False and result["record"] is None
    assert result["pixels_match"] is None and result["signature_valid"] is False
    assert "says nothing about whether the image is generated" in result["verdict"]
    assert provenance.verify(path)["signature_valid"] is None


def test_a_plain_resave_or_strip_loses_the_record_and_keeps_the_pixels(signed, tmp_path):
    with Image.open(signed) as im:
        im.save(tmp_path / "resaved.png")  # what most tools do: no pnginfo given
        pixels = np.asarray(im)
    stripped = provenance.strip_metadata(signed, tmp_path / "stripped.png")
    for copy in (tmp_path / "resaved.png", stripped):
        assert provenance.read_provenance(copy) is None
        with Image.open(copy) as im:
            assert im.text == {} and np.array_equal(np.asarray(im), pixels)
        assert provenance.verify(copy, KEY)["tagged"] is False


# --------------------------------------------------------------------------- atomic write
def test_a_failed_write_leaves_the_previous_file(signed, monkeypatch):
    before = signed.read_bytes()

    written = []

    def dies_half_way(self, fp, *args, **kwargs):
        written.append(fp)
        with open(fp, "wb") as f:
            f.write(b"\x89PNG half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        provenance.save_png(signed, image(seed=1), generator="other", key=KEY)
    with pytest.raises(KeyboardInterrupt):
        provenance.strip_metadata(signed, signed)
    monkeypatch.undo()
    assert len(written) == 2
    assert all(p.parent == signed.parent and p.name.startswith(".signed.tmp") for p in written)
    assert signed.read_bytes() == before
    assert sorted(p.name for p in signed.parent.iterdir()) == ["signed.png"]
    assert provenance.verify(signed, KEY)["signature_valid"] is True


# --------------------------------------------------------------------------- bad inputs
GOOD = {"generator": "dcgan", "seed": None, "extra": None, "key": None}
BAD_SAVES = [
    # (argument, bad value, message)
    (
        "image",
        image((2, 8, 8, 1)),
        r"image: expected one image of shape .*\(2, 8, 8, 1\).*images\[i\]",
    ),
    ("image", image((8, 8, 2)), r"image: expected one image of shape .* got \(8, 8, 2\)"),
    ("image", image((8,)), r"image: expected one image of shape .* got \(8,\)"),
    ("image", np.zeros((0, 8), "float32"), r"image: got an empty image of shape \(0, 8\)"),
    ("image", np.full((4, 4), np.nan, "float32"), r"image: contains 16 NaN or infinite values"),
    (
        "image",
        np.full((4, 4), 255.0),
        r"image: expected values in \[-1, 1\], got range \[255, 255\] \(looks like 0-255",
    ),
    (
        "image",
        np.full((4, 4), -1.2),
        r"image: expected values in \[-1, 1\], got range \[-1.2, -1.2\]$",
    ),
    (
        "image",
        np.zeros((4, 4), np.uint8),
        r"image: expected float pixels .* got dtype uint8 \(0-255",
    ),
    ("image", np.zeros((4, 4), bool), r"image: expected float pixels .* got dtype bool$"),
    ("image", [["a", "b"]], r"image: expected float pixels .* got dtype <U1"),
    ("image", [[0.0], [0.0, 1.0]], r"image: expected an array of pixels, got ragged"),
    ("path", "x.jpg", r"path: expected a file name ending in \.png, got '.*/x\.jpg'"),
    ("path", ".png", r"path: expected a file name ending in \.png"),
    ("path", 3, r"path: expected a file path \(str or Path\), got int"),
    ("path", "FOLDER.png", r"path: '.*FOLDER\.png' is a folder"),
    ("path", "FILE.txt/x.png", r"path: cannot create the folder .*FILE\.txt"),
    ("generator", "", r"generator: expected a name \(str\) or a model with a \.name, got ''"),
    ("generator", 3, r"generator: expected a name .* got 3"),
    ("seed", -1, r"seed: expected an integer >= 0, got -1"),
    ("seed", 1.5, r"seed: expected an integer >= 0, got 1\.5"),
    ("seed", True, r"seed: expected an integer >= 0, got True"),
    ("extra", [1], r"extra: expected a dict of JSON values .* got list"),
    ("extra", {"a": float("nan")}, r"extra: expected a dict of JSON values .*; Out of range float"),
    ("extra", {"a": object()}, r"extra: expected a dict of JSON values .*; Object of type object"),
    ("extra", {"a": (1, 2)}, r"extra: .* tuples or non-str keys would come back changed"),
    ("extra", {1: "a"}, r"extra: .* tuples or non-str keys would come back changed"),
    (
        "extra",
        {"a": "x" * 70_000},
        r"extra: the record would take 70,[0-9]{3} bytes; keep it under 65,536",
    ),
    ("key", "a password string", r"key: expected at least 16 secret bytes .* got str$"),
    (
        "key",
        b"short",
        r"key: expected at least 16 secret bytes \(e\.g\. secrets\.token_bytes\(32\)\), got 5 bytes",
    ),
]


@pytest.mark.parametrize(("argument", "value", "message"), BAD_SAVES, ids=lambda v: str(v)[:20])
def test_bad_inputs_get_one_line_errors(tmp_path, argument, value, message):
    (tmp_path / "FOLDER.png").mkdir()
    (tmp_path / "FILE.txt").write_text("")
    args = {**GOOD, "path": tmp_path / "out.png", "image": image((4, 4))}
    if argument == "path" and isinstance(value, str):
        value = tmp_path / value
    args[argument] = value
    path, x = args.pop("path"), args.pop("image")
    with pytest.raises(ValueError, match=message) as raised:
        provenance.save_png(path, x, **args)
    assert "\n" not in str(raised.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FILE.txt", "FOLDER.png"]


def test_unreadable_files_get_one_line_errors(signed, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"path: no such file '.*missing\.png'"):
        provenance.read_provenance(tmp_path / "missing.png")
    with pytest.raises(ValueError, match=r"path: expected a PNG file, got the folder"):
        provenance.verify(tmp_path)
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "photo.jpg")
    with pytest.raises(ValueError, match=r"path: '.*photo\.jpg' is not a PNG file"):
        provenance.read_provenance(tmp_path / "photo.jpg")
    (tmp_path / "cut.png").write_bytes(signed.read_bytes()[:60])  # the header and no pixels
    with pytest.raises(ValueError, match=r"path: cannot decode the PNG '.*cut\.png' \(") as raised:
        provenance.verify(tmp_path / "cut.png")
    assert "\n" not in str(raised.value)
    with pytest.raises(ValueError, match=r"path: expected a file path \(str or Path\), got None"):
        provenance.read_provenance(None)
    with pytest.raises(ValueError, match=r"key: expected at least 16 secret bytes"):
        provenance.verify(signed, "password")


@pytest.mark.parametrize(
    ("chunk", "message"),
    [
        ('{"schema": "gankit.provenance/1", ', r"not valid JSON \(damaged or edited\)"),
        ("[1, 2]", r"expected a JSON object, got list"),
        ('{"schema": "other/2"}', r"expected schema 'gankit\.provenance/1', got 'other/2'"),
        ('{"schema": "gankit.provenance/1"}', r"the field 'digital_source_type' is missing"),
    ],
    ids=["json", "object", "schema", "missing"],
)
def test_a_damaged_record_is_an_error_to_read_and_reported_by_verify(
    signed, tmp_path, chunk, message
):
    damaged = rewrite(signed, tmp_path / "damaged.png", record=chunk)
    with pytest.raises(ValueError, match=rf"^gankit:provenance chunk: {message}"):
        provenance.read_provenance(damaged)
    result = provenance.verify(damaged, KEY)
    assert result["tagged"] is True and result["record"] is None
    assert result["pixels_match"] is None and result["signature_valid"] is False
    assert result["verdict"].startswith("a gankit provenance record is present but damaged: ")


@pytest.mark.parametrize(
    ("field", "value"), [("seed", "7"), ("width", True), ("extra", []), ("signature", "x")]
)
def test_a_record_field_of_the_wrong_type_is_damage(signed, tmp_path, field, value):
    record = {**provenance.read_provenance(signed), field: value}
    damaged = rewrite(signed, tmp_path / "damaged.png", record=record)
    with pytest.raises(ValueError, match=rf"the field '{field}' has a wrong type"):
        provenance.read_provenance(damaged)


def test_tamper_keeps_the_record_while_changing_pixels_or_record(signed, tmp_path):
    """provenance.tamper does what an editor or a forger does: the edited copy keeps the old record
    (so verify sees the pixel mismatch), a swapped record keeps the pixels; bad edits are errors."""
    edited = provenance.tamper(signed, tmp_path / "e.png", edit_pixels=lambda p: 255 - p)
    assert provenance.read_provenance(edited) == provenance.read_provenance(signed)
    assert provenance.verify(edited, key=KEY)["pixels_match"] is False
    record = {**provenance.read_provenance(signed), "generator": "a camera"}
    forged = provenance.tamper(signed, tmp_path / "f.png", record=record)
    result = provenance.verify(forged, key=KEY)
    assert result["pixels_match"] is True and result["signature_valid"] is False
    with pytest.raises(ValueError, match=r"edit_pixels: returned shape"):
        provenance.tamper(signed, tmp_path / "g.png", edit_pixels=lambda p: p[:2])
    assert not (tmp_path / "g.png").exists()
