"""Numbers that a notebook's prose quotes must come from the run.

A number in a markdown cell is a *claim*: it must appear (to the precision written) among the
outputs the notebook printed, or in its code (a parameter the text explains). Exempt: whole
numbers up to 100 (counts, sizes, epochs), years, section and exercise numbers ("Exercise 3.1",
"§4.2", "section 6") and the mathematical constants in ``CONSTANTS``. A percentage in prose also
matches the fraction printed (7.6 % for 0.076).

    python tests/notebook_prose.py notebooks/03_dcgan.ipynb   # list the unsupported numbers

``tests/test_notebook_prose.py`` asserts there are none, so a re-run that changes a result makes
the prose that quotes it fail until it is updated.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

NUMBER = re.compile(r"(?<![\w.^/])[-−]?\d[\d,]*(?:\.\d+)?(?:e-?\d+)?(?![\w^])")
REFERENCE = re.compile(
    r"(?:Exercise|exercise|Exercises|exercises|§|[Ss]ection|[Ss]ections|[Pp]art|[Nn]otebooks?|"
    r"Step|step)\s*$"
)
CONSTANTS = {
    "0.693": math.log(2),
    "0.69": math.log(2),
    "1.386": 2 * math.log(2),
    "1.39": 2 * math.log(2),
    "1.4": 2 * math.log(2),
    "2.718": math.e,
    "3.14": math.pi,
    "0.989": 1 - math.exp(-4.5),
}


def _numbers(text):
    for match in NUMBER.finditer(text):
        raw = match.group().replace(",", "").replace("−", "-").rstrip(",")
        try:
            yield match, raw, float(raw)
        except ValueError:
            continue


def _decimals(raw):
    mantissa = raw.split("e")[0]
    return len(mantissa.split(".")[1]) if "." in mantissa else 0


def cell_texts(nb):
    """(markdown sources, code sources, output texts) of a notebook dict."""
    markdown, code, outputs = [], [], []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            markdown.append(source)
            continue
        if cell["cell_type"] != "code":
            continue
        code.append(source)
        for output in cell.get("outputs", []):
            if "text" in output:
                outputs.append("".join(output["text"]))
            for kind in ("text/plain", "text/html", "text/markdown"):
                if kind in output.get("data", {}):
                    outputs.append("".join(output["data"][kind]))
    return markdown, code, outputs


METRIC_BEFORE = re.compile(
    r"(?:FID|KID|IS|score|loss|accuracy|about|≈|~|reach\w*|still at|at most|at least)\W{0,12}$"
)


def _rounds_to(known, raw, value, percent):
    digits = _decimals(raw)
    targets = [(value, digits)] + ([(value / 100, digits + 2)] if percent else [])
    return any(round(k, d) == round(t, d) for k in known for t, d in targets)


def unsupported(path):
    """[(cell index, number as written, context)] for prose numbers the run does not show.

    A number is supported when it is written the same way in the notebook's code (a parameter)
    or when a printed output rounds to it at the precision the prose uses."""
    nb = json.loads(Path(path).read_text())
    _, code, outputs = cell_texts(nb)
    printed = [value for text in outputs for _, _, value in _numbers(text)]
    written = {raw for text in code + outputs for _, raw, _ in _numbers(text)}
    problems = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        # LaTeX, inline code and link targets are not claims about the run
        text = re.sub(r"\$[^$]*\$|`[^`]*`|\]\([^)]*\)", " ", "".join(cell["source"]))
        for match, raw, value in _numbers(text):
            before = text[: match.start()]
            if raw in written or raw in CONSTANTS or REFERENCE.search(before):
                continue
            whole = float(value).is_integer()
            if whole and 1900 <= value <= 2100:
                continue
            if whole and abs(value) <= 100 and not METRIC_BEFORE.search(before):
                continue
            percent = text[match.end() :].lstrip().startswith("%")
            if _rounds_to(printed, raw, value, percent):
                continue
            context = text[max(0, match.start() - 60) : match.end() + 30].replace("\n", " ")
            problems.append((index, match.group(), context))
    return problems


if __name__ == "__main__":
    for name in sys.argv[1:] or sorted(str(p) for p in Path("notebooks").glob("[0-9]*.ipynb")):
        for index, number, context in unsupported(name):
            print(f"{Path(name).name} cell {index}: {number!r} in …{context}…")
