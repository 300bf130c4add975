"""Prose numbers come from the run: every number a notebook's markdown quotes is printed by it.

See tests/notebook_prose.py for what counts as supported; run it on a notebook to list the rest.
"""

from pathlib import Path

import notebook_prose
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9]*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_number_in_the_prose_is_printed_by_the_run(path):
    problems = notebook_prose.unsupported(path)
    assert not problems, "prose numbers the run does not print:\n" + "\n".join(
        f"  cell {i}: {n!r} in …{context}…" for i, n, context in problems
    )


def test_the_scanner_catches_a_quoted_number_that_the_run_does_not_print(tmp_path):
    def notebook(markdown, printed):
        cells = [
            {"cell_type": "markdown", "metadata": {}, "source": markdown},
            {
                "cell_type": "code",
                "metadata": {},
                "source": "print(fid)",
                "outputs": [{"output_type": "stream", "name": "stdout", "text": printed}],
                "execution_count": 1,
            },
        ]
        path = tmp_path / "nb.ipynb"
        path.write_text(__import__("json").dumps({"cells": cells}))
        return path

    assert notebook_prose.unsupported(notebook("It reached an FID of about 78.", "FID 64.2\n"))
    assert notebook_prose.unsupported(notebook("The distance is about 0.001.", "0.0019\n"))
    assert notebook_prose.unsupported(notebook("A share of 7.7 %.", "share 0.076\n"))
    assert not notebook_prose.unsupported(notebook("It reached an FID of 64.", "FID 64.2\n"))
    assert not notebook_prose.unsupported(notebook("A share of 7.6 %.", "share 0.076\n"))
    assert not notebook_prose.unsupported(notebook("See exercise 3.2 and 8 modes.", "x\n"))
