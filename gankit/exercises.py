"""Exercise notebooks: build student copies from the solution notebooks, and grade submissions.

The solution notebooks under ``notebooks/`` are the source. An answer sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers) inside a code cell; the next
code cell calls its check, ``checks.check_<name>(...)``, from :mod:`gankit.checks`. A markdown or
code cell tagged ``solution`` is dropped whole from the student copy.

* :func:`build` writes student copies: each answer replaced by a stub that raises
  ``NotImplementedError`` naming the exercise, all outputs cleared.
* :func:`grade` runs a filled-in notebook (in memory: the file is never modified) and reports, per
  exercise, ``passed``, ``failed`` (with the check's message) or ``not attempted``.

Both are behind ``python -m gankit exercises build`` and ``python -m gankit exercises check``.
"""

from __future__ import annotations

import copy
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SOLUTION_TAG = "solution"
CHECK_CALL = re.compile(r"\bchecks\.check_(\w+)\(")
SOLUTION_NOTEBOOKS = "[0-9][0-9]_*.ipynb"


class ExerciseError(ValueError):
    """A solution notebook that breaks the exercise convention (named cell and reason)."""


@dataclass
class Exercise:
    """One exercise of a notebook: its id ("2.1"), name (its check's), and cell positions."""

    id: str
    name: str
    cell: int
    check_cell: int


@dataclass
class Result:
    """The verdict on one exercise of a submission."""

    exercise: Exercise
    status: str  # "passed", "failed" or "not attempted"
    detail: str = ""


def notebook_number(path):
    """The lesson number from a file name such as ``02_first_image_gan.ipynb`` (2)."""
    match = re.match(r"(\d+)_", Path(path).name)
    if not match:
        raise ExerciseError(f"{path}: expected a name starting with the lesson number, e.g. 01_")
    return int(match.group(1))


def _code_cells_after(nb, index):
    return (i for i in range(index + 1, len(nb.cells)) if nb.cells[i].cell_type == "code")


def find_exercises(nb, number, where="notebook"):
    """The exercises of a notebook, in order. In a solution notebook an exercise is a code cell
    with solution markers; in a student copy or submission it is the code cell right before a
    cell that calls ``checks.check_<name>``. Raises :class:`ExerciseError` for an answer with no
    check in the code cell after it, or a marker without its partner."""
    exercises = []
    has_markers = any(BEGIN in cell.source for cell in nb.cells)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if has_markers:
            if BEGIN not in cell.source:
                continue
            if cell.source.count(BEGIN) != cell.source.count(END):
                raise ExerciseError(f"{where}, cell {index}: {BEGIN!r} without a matching {END!r}")
            check_index = next(_code_cells_after(nb, index), None)
            names = CHECK_CALL.findall(nb.cells[check_index].source) if check_index else []
            if not names:
                raise ExerciseError(
                    f"{where}, cell {index}: this exercise has no check: the next code cell must"
                    " call checks.check_<name>(...)"
                )
            exercises.append(Exercise("", names[0], index, check_index))
        elif names := CHECK_CALL.findall(cell.source):
            # The answer cell: the one the builder marked (a learner may add scratch cells
            # in between), else the code cell just before the check.
            code = [i for i in range(index) if nb.cells[i].cell_type == "code"]
            marked = [i for i in code if "exercise" in nb.cells[i].metadata.get("gankit", {})]
            if marked and marked[-1] > (exercises[-1].cell if exercises else -1):
                exercises.append(Exercise("", names[0], marked[-1], index))
            elif code:
                exercises.append(Exercise("", names[0], code[-1], index))
    for k, exercise in enumerate(exercises, start=1):
        exercise.id = f"{number}.{k}"
    return exercises


def _stub(source, replacement):
    """Replace every BEGIN..END block of a cell by ``replacement`` lines (a function of the
    marker's indentation)."""
    out, inside = [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN:
            out.extend(replacement(line[: len(line) - len(line.lstrip())]))
            inside = True
        elif stripped == END:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _stub_message(exercise):
    return (
        f"Exercise {exercise.id} ({exercise.name}): your answer goes here; the cell below checks it"
    )


def _code_stub(exercise):
    def lines(indent):
        return [
            f"{indent}# YOUR CODE HERE",
            f"{indent}raise NotImplementedError(",
            f'{indent}    "{_stub_message(exercise)}"',
            f"{indent})",
        ]

    return lines


def _header(source_name, number):
    return nbformat.v4.new_markdown_cell(
        f"> **Exercise copy** of `../{source_name}`, made by `python -m gankit exercises build`.\n"
        "> Each cell with `# YOUR CODE HERE` raises `NotImplementedError` until you write your\n"
        "> answer there; the cell after it checks your answer and says what is wrong if it is.\n"
        "> To check the whole notebook from a shell (your file is not modified):\n"
        f"> `python -m gankit exercises check notebooks/exercises/{source_name}`",
        metadata={"gankit": {"header": number}},
        id="exercise-copy-header",  # a fixed id: rebuilding gives byte-identical files
    )


def student_copy(nb, source_name):
    """The student copy of a solution notebook (a new notebook; ``nb`` is not modified)."""
    number = notebook_number(source_name)
    exercises = find_exercises(nb, number, where=source_name)
    if not exercises:
        raise ExerciseError(f"{source_name}: no exercise ({BEGIN!r} ... {END!r}) found")
    student = copy.deepcopy(nb)
    by_cell = {exercise.cell: exercise for exercise in exercises}
    checks = {exercise.check_cell: exercise for exercise in exercises}
    cells = [_header(source_name, number)]
    for index, cell in enumerate(student.cells):
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            continue
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if index in by_cell:
            exercise = by_cell[index]
            cell.source = _stub(cell.source, _code_stub(exercise))
            cell.metadata["gankit"] = {"exercise": exercise.id, "name": exercise.name}
        elif index in checks:
            cell.metadata["gankit"] = {"check": checks[index].id}
        elif BEGIN in cell.source:  # a markdown answer
            cell.source = _stub(cell.source, lambda indent: [f"{indent}*YOUR ANSWER HERE*"])
        cells.append(cell)
    student.cells = cells
    return student


def solution_blocks(nb):
    """The text of every answer block in a solution notebook, markers excluded, in order."""
    blocks = []
    for cell in nb.cells:
        lines, block = cell.source.split("\n"), None
        for line in lines:
            if line.strip() == BEGIN:
                block = []
            elif line.strip() == END:
                blocks.append("\n".join(block))
                block = None
            elif block is not None:
                block.append(line)
    return blocks


def build(source_dir="notebooks", out_dir=None):
    """Write the student copy of every solution notebook in ``source_dir`` (files named
    ``NN_*.ipynb``) into ``out_dir`` (default ``source_dir/exercises``); return the paths."""
    source_dir = Path(source_dir)
    out_dir = Path(out_dir) if out_dir else source_dir / "exercises"
    sources = sorted(source_dir.glob(SOLUTION_NOTEBOOKS))
    if not sources:
        raise ExerciseError(f"{source_dir}: no solution notebooks (NN_*.ipynb) found")
    from gankit.files import atomic_path

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sources:
        student = student_copy(nbformat.read(path, as_version=4), path.name)
        target = out_dir / path.name
        with atomic_path(target) as tmp:  # a half-written copy never replaces a good one
            nbformat.write(student, tmp)
        written.append(target)
    return written


def _error_text(outputs):
    for output in outputs:
        if output.get("output_type") == "error":
            return output["ename"], output["evalue"]
    return None


def _stdout(outputs):
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def grade(path, run_all=False, timeout=600):
    """Run a filled-in exercise notebook and return one :class:`Result` per exercise.

    Cells run in order in a fresh kernel started in the notebook's folder, continuing past
    errors so that every exercise gets a verdict; cells after the last check are skipped unless
    ``run_all``. The notebook file itself is never written.
    """
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    exercises = find_exercises(nb, notebook_number(path), where=str(path))
    if not exercises:
        raise ExerciseError(f"{path}: no exercise found (no cell calls checks.check_<name>)")
    if not run_all:
        nb.cells = nb.cells[: exercises[-1].check_cell + 1]
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log lines, not cell output
    results = []
    for exercise in exercises:
        answer, check = nb.cells[exercise.cell], nb.cells[exercise.check_cell]
        answer_error, check_error = _error_text(answer.outputs), _error_text(check.outputs)
        if _stub_message(exercise) in answer.source:
            results.append(Result(exercise, "not attempted"))
        elif check_error and check_error[0] == "NotImplementedError":
            detail = f"{check_error[1]} (this exercise uses one that is not done yet)"
            results.append(Result(exercise, "failed", detail))
        elif answer_error:
            results.append(Result(exercise, "failed", "{}: {}".format(*answer_error)))
        elif check_error:
            ename, evalue = check_error
            detail = evalue if ename == "AssertionError" else f"{ename}: {evalue}"
            results.append(Result(exercise, "failed", detail))
        elif "✓" in _stdout(check.outputs):
            results.append(Result(exercise, "passed"))
        else:
            results.append(Result(exercise, "failed", "the check cell printed no verdict"))
    return results
