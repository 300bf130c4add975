"""Exercise notebooks: build student copies from the solution notebooks, and grade submissions.

The solution notebooks under ``notebooks/`` are the source. An answer sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers) inside a code cell; the next
code cell calls its check, ``checks.check_<name>(...)``, from :mod:`gankit.checks`. A markdown or
code cell tagged ``solution`` is dropped whole from the student copy.

* :func:`build` writes student copies: each answer replaced by a stub that raises
  ``NotImplementedError`` naming the exercise, all outputs cleared.
* :func:`grade` runs a filled-in notebook (in memory: the file is never modified) and reports, per
  exercise, ``passed``, ``failed`` (with the reason) or ``not attempted``.

Both are behind ``python -m gankit exercises build`` and ``python -m gankit exercises check``.

How grading decides, and what it defends against
------------------------------------------------
* The list of exercises comes from the **solution notebook** with the submission's lesson number
  (``--solutions``, default the kit's ``notebooks/``), never from the submission: deleting an
  exercise's check cell does not drop the exercise, it fails it ("its check cell ... is missing").
* Each check cell must be the solution's, compared as Python code (whitespace, comments and line
  breaks ignored); an edited one (``pass``, a printed "✓", the check called on something else)
  fails the exercise, with the grader's own verdict on the answer shown for the instructor.
* The verdict comes from the **grader's** cell, never from the learner's cells or their output.
  Right after each check cell the grader runs one cell of its own: it sets the learner's gankit
  modules aside in ``sys.modules``, loads gankit afresh from this package's source files
  (``importlib.util.spec_from_file_location``), calls the check on the objects named in the
  solution's check cell (``checks.check_least_squares_losses(d_loss, g_loss)`` -> ``d_loss,
  g_loss``, looked up in the learner's namespace), prints one line starting with a random token
  made at grade time (never written to a file), and puts the learner's modules back. Only those
  lines are read. So printing "✓", rebinding ``checks`` or ``checks.check_x``, or patching
  ``gankit.checks`` (its functions, its verdict class) or ``gankit.losses`` changes nothing.
* An exercise whose stub is still there and whose check does not pass is ``not attempted``; a
  file that is empty, not JSON or not a notebook fails every exercise with that reason (so one
  broken file in a folder of submissions does not stop the others, and the grades CSV keeps one
  row per exercise); a kernel that dies or a cell that times out fails the checks that did not run.

What it cannot defend against: the learner's code runs in the same Python process as the grader's
cell. Code written to tamper on purpose (patching ``numpy``, ``keras`` or ``builtins``, installing
import hooks or IPython event hooks, reading the token from the grader's frames or cell source,
replacing ``sys.stdout``) can still forge a pass; such code is deliberate, so read the source of
surprising passes. And grading runs whatever the submission contains, with your rights: grade
untrusted submissions in a throw-away container or VM with no network, no credentials and no
access to your files beyond a copy of the submissions (for example ``docker run --rm --network
none`` with only that copy mounted), under a time limit (``--timeout``, seconds per cell),
never on a machine holding anything you would not give the learner.
"""

from __future__ import annotations

import ast
import copy
import json
import re
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SOLUTION_TAG = "solution"
NBVAL = "# NBVAL_"  # nbval cell markers, dropped from student copies
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
        if cell.cell_type == "code":  # nbval's markers are for CI, not for learners
            cell.source = "\n".join(
                line for line in cell.source.split("\n") if not line.strip().startswith(NBVAL)
            )
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


KIT_NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
"""The solution notebooks of a source checkout: where :func:`grade` looks by default."""

_SOURCE = Path(__file__).resolve().parent  # the gankit package whose checks the grader runs
_FAILED_TO_RUN = "the grader's check did not run"


def solution_for(path, solutions=None):
    """The solution notebook of a submission: the ``NN_*.ipynb`` in ``solutions`` (a folder,
    default :data:`KIT_NOTEBOOKS`) with the lesson number of ``path``'s name. Raises
    :class:`ExerciseError` naming the file and the folder when there is none, or more than one."""
    number = notebook_number(path)
    folder = Path(solutions) if solutions is not None else KIT_NOTEBOOKS
    if not folder.is_dir():
        raise ExerciseError(
            f"solutions: {folder} is not a folder; pass --solutions FOLDER holding the solution"
            " notebooks (NN_*.ipynb)"
        )
    found = [p for p in sorted(folder.glob(SOLUTION_NOTEBOOKS)) if notebook_number(p) == number]
    if len(found) != 1:
        what = "no" if not found else f"{len(found)} ({', '.join(p.name for p in found)})"
        raise ExerciseError(
            f"{path}: {what} solution notebook for lesson {number} ({number:02d}_*.ipynb) in"
            f" {folder}; pass --solutions FOLDER"
        )
    return found[0]


def _same_code(a, b):
    """Whether two cell sources are the same Python code: compared as syntax trees, so
    whitespace, comments and line breaks do not matter (whitespace only if either does not
    parse)."""
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except SyntaxError:
        return a.split() == b.split()


def _check_arguments(source, name, where):
    """The argument text of the ``checks.check_<name>(...)`` call in a solution's check cell,
    e.g. ``"minimax_slope, non_saturating_slope"``: what the grader passes to the check."""
    for node in ast.walk(ast.parse(source)):
        func = getattr(node, "func", None)
        if (
            isinstance(node, ast.Call)
            and isinstance(func, ast.Attribute)
            and func.attr == f"check_{name}"
            and isinstance(func.value, ast.Name)
            and func.value.id == "checks"
        ):
            parts = [ast.get_source_segment(source, arg) for arg in [*node.args, *node.keywords]]
            return ", ".join(parts)
    raise ExerciseError(f"{where}: the check cell does not call checks.check_{name}(...)")


# The grader's own cell, run in the learner's kernel after the learner's check cell. It loads a
# fresh copy of gankit from its source files (the learner's gankit modules are set aside in
# sys.modules meanwhile, then put back), calls the check on the learner's object and prints one
# line starting with the per-run token. Only builtins and the lambda's argument text touch the
# learner's namespace; nothing is left in it.
_GRADER_CELL = """\
def _gankit_grader(arguments):
    import builtins, importlib, importlib.util, json, sys
    mine = lambda key: key == "gankit" or key.startswith("gankit.")
    saved = {{key: module for key, module in list(sys.modules.items()) if mine(key)}}
    for key in saved:
        del sys.modules[key]
    try:
        spec = importlib.util.spec_from_file_location(
            "gankit", {init!r}, submodule_search_locations=[{folder!r}]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules["gankit"] = package
        spec.loader.exec_module(package)
        check = getattr(importlib.import_module("gankit.checks"), {function!r})
        arguments(check)
    except BaseException as exc:
        verdict = {{"type": type(exc).__name__, "message": str(exc)}}
        builtins.print({token!r}, "failed", json.dumps(verdict))
    else:
        builtins.print({token!r}, "passed")
    finally:
        for key in [key for key in sys.modules if mine(key)]:
            del sys.modules[key]
        sys.modules.update(saved)


_gankit_grader(lambda _gankit_check: _gankit_check({arguments}))
del _gankit_grader
"""


def _grader_cell(exercise, arguments, token):
    source = _GRADER_CELL.format(
        init=str(_SOURCE / "__init__.py"),
        folder=str(_SOURCE),
        function=f"check_{exercise.name}",
        arguments=arguments,
        token=token,
    )
    return nbformat.v4.new_code_cell(source, metadata={"gankit": {"grader": exercise.id}})


def _grader_verdict(outputs, token, exercise):
    """("passed", ""), ("failed", the check's message) or (None, "") when the grader cell did
    not finish, read from its output: only lines that start with the token count, and there
    must be exactly one."""
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    lines = [line[len(token) + 1 :] for line in text.splitlines() if line.startswith(token + " ")]
    if len(lines) == 1 and lines[0] == "passed":
        return "passed", ""
    try:
        (line,) = lines
        error = json.loads(line.removeprefix("failed "))
        return "failed", _failure_text(error["type"], error["message"], exercise)
    except (ValueError, KeyError, TypeError):
        return None, ""


def _read_notebook(path):
    """The notebook at ``path``, or the one-line reason it is not a readable notebook."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        if not text.strip():
            return None, "not a readable notebook (the file is empty)"
        nb = nbformat.reads(text, as_version=4)
        for cell in nb.cells:
            if cell.cell_type not in ("code", "markdown", "raw") or not isinstance(
                cell.source, str
            ):
                raise ValueError("a cell without a type or a source")
    except Exception as exc:  # nbformat raises JSON, schema, type and attribute errors
        message = (str(exc).strip().splitlines() or [""])[0][:200]
        return None, f"not a readable notebook ({type(exc).__name__}: {message})"
    return nb, ""


def _locate(nb, exercise, check_source):
    """The submission's check cell for an exercise: (index, "") when it is unchanged,
    (index, reason) when it was edited, (None, reason) when it is missing."""
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    for i in reversed(code):  # the last copy: where the learner's answer is surely defined
        if _same_code(nb.cells[i].source, check_source):
            return i, ""
    expected = " ".join(line for line in check_source.splitlines() if not line.startswith("#"))
    for i in code:
        cell = nb.cells[i]
        marks = cell.metadata.get("gankit")
        if exercise.name in CHECK_CALL.findall(cell.source) or (
            isinstance(marks, dict) and marks.get("check") == exercise.id
        ):
            return i, f"its check cell (cell {i}) was edited: it must read `{expected}`"
    return None, f"its check cell `{expected}` is missing"


def _failure_text(ename, evalue, exercise):
    if ename == "NotImplementedError" and _stub_message(exercise) not in evalue:
        return f"{evalue} (this exercise uses one that is not done yet)"
    if ename == "NameError":
        return f"{ename}: {evalue} (the grader calls the check after your cells have run)"
    return evalue if ename == "AssertionError" else f"{ename}: {evalue}"


def grade(path, run_all=False, timeout=600, solutions=None):
    """Run a filled-in exercise notebook and return one :class:`Result` per exercise of its
    solution notebook (found by :func:`solution_for` in ``solutions``).

    The learner's cells run in order in a fresh kernel started in the notebook's folder,
    continuing past errors so that every exercise gets a verdict; after each check cell the
    grader runs its own check (see the module docstring); cells after the last check are skipped
    unless ``run_all``. An exercise whose check cell is missing or edited fails with that reason;
    one whose stub is still there and whose check does not pass is ``not attempted``. A file that
    is not a readable notebook fails every exercise with the reason. The file is never written.
    Raises :class:`ExerciseError` when the lesson or its solution notebook cannot be found.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    path = Path(path)
    solution_path = solution_for(path, solutions)
    solution = nbformat.read(solution_path, as_version=4)
    exercises = find_exercises(solution, notebook_number(path), where=str(solution_path))
    if not exercises:
        raise ExerciseError(f"{solution_path}: no exercise ({BEGIN!r} ... {END!r}) found")
    nb, unreadable = _read_notebook(path)
    if nb is None:
        return [Result(exercise, "failed", unreadable) for exercise in exercises]

    stubbed = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    token = secrets.token_hex(16)  # made now, never written to any file
    reasons, graders = {}, {}  # exercise id -> edited/missing reason, its grader cell's index
    after = {}  # submission cell index -> grader cells to run right after it
    for exercise in exercises:
        check_source = solution.cells[exercise.check_cell].source
        index, reasons[exercise.id] = _locate(nb, exercise, check_source)
        if index is not None:
            arguments = _check_arguments(check_source, exercise.name, str(solution_path))
            after.setdefault(index, []).append((exercise, _grader_cell(exercise, arguments, token)))
    cells, last, stopped = [], -1, ""
    for index, cell in enumerate(nb.cells):
        cells.append(cell)
        for exercise, grader in after.get(index, []):
            graders[exercise.id] = len(cells)
            cells.append(grader)
            last = len(cells)
    if after:
        nb.cells = cells if run_all else cells[:last]
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(path.parent.resolve())}},
        )
        try:
            client.execute(stderr=subprocess.DEVNULL)  # the kernel's log lines, not cell output
        except (CellTimeoutError, DeadKernelError) as exc:  # the cells after it did not run
            stopped = f" ({type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]})"

    results = []
    for exercise in exercises:
        reason = reasons[exercise.id]
        if exercise.id not in graders:
            results.append(Result(exercise, "failed", reason))
            continue
        status, detail = _grader_verdict(nb.cells[graders[exercise.id]].outputs, token, exercise)
        if status is None:
            status, detail = "failed", f"{_FAILED_TO_RUN} to the end{stopped}"
        if reason:
            verdict = "passed" if status == "passed" else f"failed: {detail}"
            results.append(Result(exercise, "failed", f"{reason}\n(its grader check: {verdict})"))
        elif status == "passed":
            results.append(Result(exercise, "passed"))
        elif _stub_message(exercise) in stubbed:
            results.append(Result(exercise, "not attempted"))
        else:
            results.append(Result(exercise, "failed", detail))
    return results
