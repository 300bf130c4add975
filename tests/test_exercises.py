"""Student copies: current, free of solutions, every exercise checked; grading from the shell.

Some tests start a Jupyter kernel and run the first cells of a notebook (about 10-25 s each).
"""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from gankit import checks
from gankit import exercises as ex

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = sorted(NOTEBOOKS.glob(ex.SOLUTION_NOTEBOOKS))
STUDENT = NOTEBOOKS / "exercises"


def read(path):
    return nbformat.read(path, as_version=4)


def student_path(solution):
    return STUDENT / solution.name


def test_there_are_solution_notebooks():
    assert len(SOLUTIONS) >= 3


def test_committed_student_copies_are_current(tmp_path):
    written = ex.build(NOTEBOOKS, tmp_path)
    assert [p.name for p in written] == [p.name for p in SOLUTIONS]
    for fresh in written:
        committed = STUDENT / fresh.name
        assert committed.exists(), f"{committed} missing: run python -m gankit exercises build"
        assert fresh.read_text() == committed.read_text(), (
            f"{committed} is stale: run python -m gankit exercises build and commit the result"
        )


def _outside_solutions(nb):
    """All source lines of a solution notebook that are not part of an answer."""
    lines = set()
    for cell in nb.cells:
        if ex.SOLUTION_TAG in cell.metadata.get("tags", []):
            continue
        inside = False
        for line in cell.source.split("\n"):
            if line.strip() == ex.BEGIN:
                inside = True
            elif line.strip() == ex.END:
                inside = False
            elif not inside:
                lines.add(line.strip())
    return lines


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_no_solution_text_survives(solution):
    nb, student = read(solution), read(student_path(solution))
    student_text = "\n".join(cell.source for cell in student.cells)
    assert ex.BEGIN not in student_text and ex.END not in student_text
    shared = _outside_solutions(nb)
    answer_lines = {
        line.strip()
        for block in ex.solution_blocks(nb)
        for line in block.split("\n")
        if line.strip() and line.strip() not in shared
    }
    assert answer_lines, "the solution notebook has no answer lines"
    student_lines = {line.strip() for line in student_text.split("\n")}
    assert not answer_lines & student_lines, (
        f"answer text left in the student copy: {answer_lines & student_lines}"
    )
    for cell in nb.cells:
        if ex.SOLUTION_TAG in cell.metadata.get("tags", []):
            assert cell.source not in student_text
    assert all(not cell.get("outputs") for cell in student.cells), "outputs were not cleared"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_every_exercise_has_a_check(solution):
    exercises = ex.find_exercises(read(solution), ex.notebook_number(solution))
    assert 2 <= len(exercises) <= 3, "each notebook carries two or three exercises"
    for exercise in exercises:
        assert exercise.name in checks.CHECKS, f"no gankit.checks.check_{exercise.name}"
    # the student copy finds the same exercises from its check cells
    student = ex.find_exercises(read(student_path(solution)), ex.notebook_number(solution))
    assert [(e.id, e.name) for e in student] == [(e.id, e.name) for e in exercises]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_answers_pasted_back_give_the_solution_notebook(solution):
    nb, student = read(solution), read(student_path(solution))
    filled = fill_in(student, nb)
    code = [c.source for c in filled.cells if c.cell_type == "code"]
    original = [
        "\n".join(line for line in c.source.split("\n") if line.strip() not in (ex.BEGIN, ex.END))
        for c in nb.cells
        if c.cell_type == "code"
    ]
    assert code == original


def fill_in(student, solution, broken=None):
    """The student copy with the solution notebook's answers pasted in (``broken`` maps an
    exercise id to a function that spoils the answer's source)."""
    filled = nbformat.from_dict(student)
    answers = [c for c in solution.cells if ex.BEGIN in c.source]
    cells = [c for c in filled.cells if "exercise" in c.metadata.get("gankit", {})]
    assert len(answers) == len(cells)
    for answer, cell in zip(answers, cells, strict=True):
        source = "\n".join(
            line for line in answer.source.split("\n") if line.strip() not in (ex.BEGIN, ex.END)
        )
        exercise_id = cell.metadata["gankit"]["exercise"]
        cell.source = broken[exercise_id](source) if broken and exercise_id in broken else source
    return filled


def test_builder_rejects_an_exercise_without_a_check():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
        ),
        nbformat.v4.new_code_cell("print(f())"),
    ]
    with pytest.raises(ex.ExerciseError, match="cell 0: this exercise has no check"):
        ex.student_copy(nb, "09_demo.ipynb")


def test_builder_rejects_an_unclosed_answer():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1")]
    with pytest.raises(ex.ExerciseError, match="without a matching"):
        ex.student_copy(nb, "09_demo.ipynb")


def test_stub_keeps_indentation_and_names_the_exercise():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "class A:\n    def g(self):\n        ### BEGIN SOLUTION\n        return 1\n"
            "        ### END SOLUTION\n"
        ),
        nbformat.v4.new_code_cell("checks.check_generator_step(A)"),
        nbformat.v4.new_markdown_cell(
            "Why? ### BEGIN SOLUTION\nsecret", metadata={"tags": ["solution"]}
        ),
    ]
    student = ex.student_copy(nb, "09_demo.ipynb")
    assert student.cells[1].source == (
        "class A:\n    def g(self):\n        # YOUR CODE HERE\n        raise NotImplementedError(\n"
        '            "Exercise 9.1 (generator_step): your answer goes here; the cell below checks it"\n'
        "        )\n"
    )
    assert len(student.cells) == 3  # header, exercise, check: the solution cell is dropped
    compile(student.cells[1].source, "stub", "exec")  # the stub is valid Python


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_student_copy_stops_at_its_first_exercise(solution):
    student = read(student_path(solution))
    first = ex.find_exercises(student, ex.notebook_number(solution))[0]
    client = NotebookClient(
        student, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(STUDENT)}}
    )
    with pytest.raises(CellExecutionError, match=f"Exercise {first.id} \\({first.name}\\)"):
        client.execute(stderr=subprocess.DEVNULL)
    executed = [i for i, c in enumerate(student.cells) if c.get("execution_count")]
    assert max(executed) == first.check_cell, "execution should stop at the first check"


def gankit_cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "gankit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=900,
    )


@pytest.mark.parametrize(
    "name",
    [
        "02_first_image_gan.ipynb",
        "03_dcgan.ipynb",
        "04_losses_and_optimizers.ipynb",
        "07_data_handling.ipynb",
    ],
)
def test_reference_answers_pasted_back_pass_every_check(name, tmp_path):
    path = tmp_path / name
    nbformat.write(fill_in(read(STUDENT / name), read(NOTEBOOKS / name)), path)
    run = gankit_cli("exercises", "check", str(path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert (
        run.stdout.count(" passed\n") == 2 and "2 passed, 0 failed, 0 not attempted" in run.stdout
    )


def test_grading_names_failed_and_unattempted_exercises(tmp_path):
    name = "02_first_image_gan.ipynb"
    broken = {  # gradients into both networks: D moves during G's step
        "2.2": lambda s: s.replace(
            "self.generator.trainable_weights)\n        self.g_optimizer.apply(grads, self.generator.trainable_weights)",
            "self.trainable_weights)\n        self.g_optimizer.apply(grads, self.trainable_weights)",
        )
    }
    submission = tmp_path / "alice" / name
    submission.parent.mkdir()
    nbformat.write(fill_in(read(STUDENT / name), read(NOTEBOOKS / name), broken), submission)
    untouched = tmp_path / "bob" / name
    untouched.parent.mkdir()
    untouched.write_text((STUDENT / name).read_text())
    before = submission.read_text()

    run = gankit_cli(
        "exercises",
        "check",
        str(submission),
        str(untouched.parent),
        "--csv",
        str(tmp_path / "g.csv"),
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2.1   generator_loss           passed" in run.stdout
    assert "2.2   generator_step           failed" in run.stdout
    assert "gradients went into the discriminator" in run.stdout
    assert len(re.findall(r"^  2\.\d .* not attempted$", run.stdout, flags=re.M)) == 2
    assert "1 passed, 1 failed, 2 not attempted" in run.stdout
    assert submission.read_text() == before, "grading must not modify the submission"
    rows = (tmp_path / "g.csv").read_text().splitlines()
    assert rows[0] == "notebook,exercise,name,status,detail" and len(rows) > 4


def test_grading_a_missing_file_is_a_one_line_error(tmp_path):
    run = gankit_cli("exercises", "check", str(tmp_path / "nope.ipynb"))
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "is not a notebook" in run.stderr
