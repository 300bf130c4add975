"""The benchmark's Markdown table (``bench.md`` and the README block)."""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------


def _fmt(value, unit="", digits=1):
    if value is None:
        return "never" if unit == " s" else "–"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:,.{digits}f}{unit}"
    return f"{value}{unit}"


def markdown_table(result):
    """The benchmark's results (``bench.json``'s dict) as Markdown: a caption line and a table
    with one row per measure and columns reference, gankit, gankit / reference."""
    m, s = result["machine"], result["settings"]
    same, q = result["same_architecture"], result["time_to_quality"]
    ref, kit, ratios = q["reference"], q["gankit"], q["ratios"]
    rows = [
        (
            "same architecture (the reference's networks): images/s",
            _fmt(same["reference"]["images_per_second"]),
            _fmt(same["gankit"]["images_per_second"]),
            _fmt(same["ratio_images_per_second"], "×", 2),
        ),
        (
            "same architecture: warm-up (tracing, compilation)",
            _fmt(same["reference"]["warmup_seconds"], " s"),
            _fmt(same["gankit"]["warmup_seconds"], " s"),
            "",
        ),
        (
            "default recipe vs reference: images/s",
            _fmt(ref["images_per_second"]),
            _fmt(kit["images_per_second"]),
            _fmt(ratios["images_per_second"], "×", 2),
        ),
    ]
    for t in s["thresholds"]:
        rows.append(
            (
                f"seconds of training to FID ≤ {t}",
                _fmt(ref["seconds_to_fid"][str(t)], " s"),
                _fmt(kit["seconds_to_fid"][str(t)], " s"),
                _fmt(ratios[f"times_sooner_to_fid_{t}"], "× sooner"),
            )
        )
    rows += [
        (
            f"FID after {s['minutes']:g} min of training (best)",
            f"{_fmt(ref['final_fid'], '', 2)} ({_fmt(ref['best_fid'], '', 2)})",
            f"{_fmt(kit['final_fid'], '', 2)} ({_fmt(kit['best_fid'], '', 2)})",
            "",
        ),
        (
            "seconds to the reference's final FID",
            _fmt(ref["train_seconds"], " s"),
            _fmt(q["gankit_seconds_to_reference_final_fid"], " s"),
            _fmt(q["times_sooner"], "× sooner"),
        ),
        (
            "the same, warm-up (tracing, compilation) not counted",
            _fmt(_minus(ref["train_seconds"], ref["warmup_seconds"]), " s"),
            _fmt(q["gankit_seconds_to_reference_final_fid_after_warmup"], " s"),
            _fmt(q["times_sooner_after_warmup"], "× sooner"),
        ),
        (
            "peak resident memory (process, MiB)",
            _fmt(ref["peak_rss_mib"], "", 0),
            _fmt(kit["peak_rss_mib"], "", 0),
            _fmt(ratios["peak_rss_mib"], "×", 2),
        ),
        (
            "train-step MFLOP per image (by hand)",
            _fmt(ref["flops_per_image"] / 1e6),
            _fmt(kit["flops_per_image"] / 1e6),
            "",
        ),
        (
            f"achieved GFLOP/s (share of the {_fmt(m['peak_gflops'], '', 0)} peak)",
            f"{_fmt(ref['gflops'])} ({_fmt(_pct(ref['peak_fraction']))} %)",
            f"{_fmt(kit['gflops'])} ({_fmt(_pct(kit['peak_fraction']))} %)",
            _fmt(ratios["gflops"], "×", 2),
        ),
    ]
    caption = (
        f"Measured {result['date'][:10]} on {m['cpu']}, {m['cores']} cores"
        f" (peak {_fmt(m['peak_gflops'], '', 0)} GFLOP/s: {m['peak_assumption']}),"
        f" TensorFlow {m['tensorflow']}, Keras {m['keras']}, {_onednn(m.get('onednn', 'absent'))};"
        " load average at the start"
        f" {m['load_average_at_start'][0]}. {s['minutes']:g} minutes of training per trainer,"
        f" FID of {s['fid_samples']:,} samples against the {s['train_images']:,} training images"
        f" every ~{s['eval_images']:,} images (evaluation time not counted; training seconds"
        " include the first chunk's tracing and compilation unless a row says otherwise)."
    )
    lines = [caption, "", "| | reference (keras.io DCGAN) | gankit | gankit / reference |"]
    lines.append("|---|---|---|---|")
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def _onednn(state):
    if state == "absent":  # runs before the benchmark recorded it (under the command line's 0)
        return "oneDNN not recorded (the command line sets TF_ENABLE_ONEDNN_OPTS=0 unless told)"
    words = {True: "on", False: "off (TF_ENABLE_ONEDNN_OPTS=0)", None: "unknown"}[state]
    return f"TensorFlow's oneDNN kernels {words}"


def _minus(a, b):
    return None if a is None or b is None else a - b


def _pct(fraction):
    return None if fraction is None else 100 * fraction
