"""Student copies: current, free of solutions, every exercise checked; grading from the shell.

Some tests start a Jupyter kernel and run the first cells of a notebook (all student copies share
one kernel, each in a fresh namespace).
"""

import ast
import csv
import re
import subprocess
import sys
import time
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
    """Lessons 1 to 17, one solution notebook each, each
    with one to three exercises."""
    assert [ex.notebook_number(p) for p in SOLUTIONS] == [*range(1, 18)]
    for path in SOLUTIONS:
        assert 1 <= len(ex.find_exercises(read(path), ex.notebook_number(path))) <= 3, path.name


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
    assert "NBVAL_" in "\n".join(c.source for c in nb.cells), "the solution should have markers"
    assert "NBVAL_" not in student_text, "nbval's CI markers are left in the student copy"


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
        "\n".join(
            line
            for line in c.source.split("\n")
            if line.strip() not in (ex.BEGIN, ex.END) and not line.strip().startswith(ex.NBVAL)
        )
        for c in nb.cells
        if c.cell_type == "code"
    ]
    assert code == original  # the solution notebook less its markers (nbval's are CI-only)


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
        ex.student_copy(nb, "99_demo.ipynb")


def test_builder_rejects_an_unclosed_answer():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1")]
    with pytest.raises(ex.ExerciseError, match="without a matching"):
        ex.student_copy(nb, "99_demo.ipynb")


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
    student = ex.student_copy(nb, "99_demo.ipynb")
    assert student.cells[1].source == (
        "class A:\n    def g(self):\n        # YOUR CODE HERE\n        raise NotImplementedError(\n"
        '            "Exercise 99.1 (generator_step): your answer goes here; the cell below checks it"\n'
        "        )\n"
    )
    assert len(student.cells) == 3  # header, exercise, check: the solution cell is dropped
    compile(student.cells[1].source, "stub", "exec")  # the stub is valid Python


@pytest.fixture(scope="module")
def first_stops():
    """Every student copy run top to bottom as a learner would, recording where it stopped and
    why: ``{stem: (error text or None, index of the last cell run)}``.

    One kernel serves all of them, each notebook in a clean namespace (``%reset -f`` and a new
    Keras session), which saves starting Python and importing TensorFlow once per notebook. A
    name a notebook forgot to import still fails: the reset unbinds every name."""
    results = {}
    client = NotebookClient(
        read(student_path(SOLUTIONS[0])),
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(STUDENT)}},
    )
    # %reset collects garbage itself, so the Keras session is cleared without another collection
    reset = nbformat.v4.new_code_cell(
        "%reset -f\nimport keras\nkeras.backend.clear_session(free_memory=False)\ndel keras"
    )
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        for solution in SOLUTIONS:
            # nbclient stores an executed cell at its index in client.nb: the reset runs in a
            # notebook of its own, so it does not replace (and run again as) the copy's cell 0
            client.nb = nbformat.v4.new_notebook(cells=[reset])
            client.execute_cell(reset, 0)
            student = read(student_path(solution))
            client.nb = student
            error = None
            for index, cell in enumerate(student.cells):
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as exc:
                    error = str(exc)
                    break
            executed = [i for i, c in enumerate(student.cells) if c.get("execution_count")]
            results[solution.stem] = error, max(executed, default=None)
    return results


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_student_copy_stops_at_its_first_exercise(solution, first_stops):
    student = read(student_path(solution))
    first = ex.find_exercises(student, ex.notebook_number(solution))[0]
    error, last = first_stops[solution.stem]
    assert error is not None, "the student copy ran to the end: the first exercise did not stop it"
    assert f"Exercise {first.id} ({first.name})" in error, error[-2000:]
    assert last == first.check_cell, "execution should stop at the first check"


def gankit_cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "gankit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=900,
    )


# what every answer cell may use, as the lessons' first cells import it
EVERY_SETUP = (
    "import keras\nimport numpy as np\nimport pandas as pd\nimport tensorflow as tf\n"
    "from keras import layers, ops\nfrom PIL import Image\n\n"
    "from gankit import anomaly, checks, gans, provenance"
)


def test_every_reference_answer_passes_its_check_through_the_grader(tmp_path):
    """Every exercise of every lesson (answer cell and check cell, as a lesson 99 in one kernel):
    the solution's answer, pasted into the student copy, passes the grader's own check. The
    lessons' other cells are not needed (each check takes only what its answer cell defines, see
    the test below); nbval runs them in the solution notebooks, and the real lesson 02 goes
    through the grader in the next test."""
    solutions, submissions = tmp_path / "solutions", tmp_path / "submissions"
    solutions.mkdir(), submissions.mkdir()
    lesson = nbformat.v4.new_notebook()
    lesson.cells = [nbformat.v4.new_code_cell(EVERY_SETUP)]
    names = []
    for path in SOLUTIONS:
        nb = read(path)
        for exercise in ex.find_exercises(nb, ex.notebook_number(path)):
            lesson.cells += [
                nbformat.v4.new_code_cell(nb.cells[exercise.cell].source),
                nbformat.v4.new_code_cell(nb.cells[exercise.check_cell].source),
            ]
            names.append(exercise.name)
    assert len(names) >= 2 * len(SOLUTIONS)
    nbformat.write(lesson, solutions / "99_every.ipynb")
    student = ex.student_copy(lesson, "99_every.ipynb")
    nbformat.write(fill_in(student, lesson), submissions / "99_every.ipynb")
    run = gankit_cli("exercises", "check", str(submissions), "--solutions", str(solutions))
    assert run.returncode == 0, run.stdout + run.stderr
    passed = re.findall(r"^  99\.\d+ +(\w+) +passed$", run.stdout, flags=re.M)
    assert passed == names, run.stdout
    assert f"{len(names)} passed, 0 failed, 0 not attempted" in run.stdout


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


def test_grading_a_missing_file_is_a_one_line_error(tmp_path, capsys, no_kernel):
    status, _, err = main_cli(capsys, "exercises", "check", str(tmp_path / "nope.ipynb"))
    assert status == 2
    assert err.strip().count("\n") == 0 and "is not a notebook" in err


# --- The grader against attacks: a synthetic lesson 99 built from real exercises -------------------

# (exercise name, solution notebook it comes from), in the order of lesson 99
DEMO = [
    ("optimal_discriminator", "01"),  # 99.1
    ("log_uniform", "06"),  # 99.2
    ("inception_score", "05"),  # 99.3
    ("nearest_neighbour_distance", "05"),  # 99.4
    ("logit_gradients", "04"),  # 99.5
    ("generator_loss", "02"),  # 99.6
    ("upsample_block", "03"),  # 99.7
    ("discriminator_loss", "01"),  # 99.8
    ("keep_best", "06"),  # 99.9
    ("normalisation", "07"),  # 99.10
    ("balanced_indices", "07"),  # 99.11
    ("least_squares_losses", "04"),  # 99.12
]
SETUP = "import keras\nimport numpy as np\nfrom keras import layers\n\nfrom gankit import checks"


def _real_exercise(name, lesson):
    path = next(NOTEBOOKS.glob(f"{lesson}_*.ipynb"))
    nb = read(path)
    for exercise in ex.find_exercises(nb, int(lesson)):
        if exercise.name == name:
            return nb.cells[exercise.cell].source, nb.cells[exercise.check_cell].source
    raise LookupError(name)


@pytest.fixture(scope="module")
def demo_lesson(tmp_path_factory):
    """A solution notebook 99_demo.ipynb in its own folder, and its student copy."""
    folder = tmp_path_factory.mktemp("solutions")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP)]
    for name, lesson in DEMO:
        answer, check = _real_exercise(name, lesson)
        nb.cells += [nbformat.v4.new_code_cell(answer), nbformat.v4.new_code_cell(check)]
    nbformat.write(nb, folder / "99_demo.ipynb")
    return folder, nb, ex.student_copy(nb, "99_demo.ipynb")


def _answer(solution, k):
    """The reference answer of exercise 9.k, markers removed."""
    cell = [c for c in solution.cells if ex.BEGIN in c.source][k - 1]
    lines = cell.source.split("\n")
    return "\n".join(x for x in lines if x.strip() not in (ex.BEGIN, ex.END))


WRONG = {  # exercise -> a wrong answer (each fails its real check)
    1: "def optimal_discriminator(p_data, p_g):\n    return p_g / (p_data + p_g)",
    2: "def log_uniform(low, high, n, rng):\n    return rng.uniform(low, high, size=n)",
    3: "def inception_score(probabilities):\n    return 1.0",
    4: "def nearest_neighbour_distance(samples, train):\n    return np.zeros(len(samples))",
    5: "def minimax_slope(logits):\n    return logits\n\n\n"
    "def non_saturating_slope(logits):\n    return logits",
    6: "def generator_loss(fake_logits):\n    return keras.ops.mean(fake_logits)",
    10: "def normalise(pixels, max_value=255.0):\n    return np.asarray(pixels, 'float32')\n\n\n"
    "def denormalise(images, max_value=255.0):\n    return images",
}
FORGE_ALL = (  # patch the verdict class of every loaded gankit module: no check can fail
    "import sys\n"
    "for _m in list(sys.modules.values()):\n"
    "    if getattr(_m, '__name__', '').startswith('gankit') and hasattr(_m, '_Verdict'):\n"
    "        _m._Verdict.fail = lambda *a, **k: None\n"
)
FAKE_CHECKS = (  # rebind the name `checks` to an object whose every check prints a pass
    "class _Fake:\n"
    "    def __getattr__(self, name):\n"
    "        return lambda *a, **k: print(f'✓ {name}: all 9 checks passed')\n\n\n"
    "checks = _Fake()\n"
)


def _attack_submission(student, solution):
    """The student copy filled in with one attack (or an honest answer) per exercise."""
    nb = nbformat.from_dict(student)
    answers = {
        c.metadata["gankit"]["exercise"]: c
        for c in nb.cells
        if "exercise" in c.metadata.get("gankit", {})
    }
    check_cells = {
        c.metadata["gankit"]["check"]: c
        for c in nb.cells
        if "check" in c.metadata.get("gankit", {})
    }
    for k in (*WRONG, 7, 8, 9, 12):
        answers[f"99.{k}"].source = WRONG.get(k) or _answer(solution, k)
    # 1. a failing exercise's check cell deleted
    nb.cells.remove(check_cells["99.1"])
    # 2. the check cell replaced by a printed pass
    check_cells["99.2"].source = 'print("✓ log_uniform: all 3 checks passed")'
    # 3. the check rebound in the answer cell; the module's verdict class patched; `checks` rebound
    answers["99.3"].source += "\n\nchecks.check_inception_score = lambda f: print('✓ passed')"
    answers["99.4"].source += "\n\n" + FORGE_ALL
    answers["99.5"].source += "\n\n" + FAKE_CHECKS
    # 4. the check called on a correct reference instead of the learner's answer; the call removed
    answers[
        "99.6"
    ].source += (
        "\n\n\ndef reference(logits):\n    return keras.ops.mean(keras.ops.softplus(-logits))"
    )
    check_cells["99.6"].source = "checks.check_generator_loss(reference)"
    check_cells["99.7"].source = "pass"
    # honest: 99.8 with a reformatted check cell, 99.9 and 99.12 untouched; 99.11 left as the stub
    check_cells[
        "99.8"
    ].source = "# my comment\nchecks.check_discriminator_loss(  discriminator_loss )\n"
    # a wrong answer that prints a pass itself
    answers["99.10"].source += "\n\nprint('✓ normalisation: all 4 checks passed')"
    return nb


def test_the_grader_resists_forged_passes(demo_lesson, tmp_path):
    """One kernel run: every attack on the verdict fails, honest answers pass, and broken files
    in the same folder are reported without stopping the others."""
    solutions, solution, student = demo_lesson
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(_attack_submission(student, solution), folder / "99_alice.ipynb")
    (folder / "99_bob.ipynb").write_text("this is not JSON")
    (folder / "99_carol.ipynb").write_text("")
    (folder / "99_dave.ipynb").write_text('{"cells": 3}')
    grades = tmp_path / "grades.csv"
    start = time.perf_counter()
    run = gankit_cli(
        "exercises", "check", str(folder), "--solutions", str(solutions), "--csv", str(grades)
    )
    print(f"graded in {time.perf_counter() - start:.1f} s")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    rows = list(csv.DictReader(grades.open()))
    alice = {r["exercise"]: r for r in rows if r["notebook"].endswith("99_alice.ipynb")}
    status = {k: r["status"] for k, r in alice.items()}
    assert status == {
        "99.1": "failed",
        "99.2": "failed",
        "99.3": "failed",
        "99.4": "failed",
        "99.5": "failed",
        "99.6": "failed",
        "99.7": "failed",
        "99.8": "passed",
        "99.9": "passed",
        "99.10": "failed",
        "99.11": "not attempted",
        "99.12": "passed",
    }, run.stdout
    detail = {k: r["detail"] for k, r in alice.items()}
    assert (
        "check cell `checks.check_optimal_discriminator(optimal_discriminator)` is missing"
        in detail["99.1"]
    )
    for k in ("99.2", "99.6", "99.7"):
        assert "was edited" in detail[k], detail[k]
    assert (
        "its grader check: failed" in detail["99.2"]
        and "its grader check: failed" in detail["99.6"]
    )
    assert "its grader check: passed" in detail["99.7"]  # a right answer, but the cell was edited
    # the forged passes fail with the real check's message about the wrong answer
    for k in ("99.3", "99.4", "99.5", "99.10"):
        assert "expected" in detail[k] and "got" in detail[k], (k, detail[k])
    # the broken files: every exercise failed, with the reason, and alice was still graded
    for name, reason in [
        ("99_bob.ipynb", "NotJSONError"),
        ("99_carol.ipynb", "the file is empty"),
        ("99_dave.ipynb", "not a readable notebook"),
    ]:
        mine = [r for r in rows if r["notebook"].endswith(name)]
        assert len(mine) == len(DEMO) and {r["status"] for r in mine} == {"failed"}, name
        assert all(reason in r["detail"] for r in mine), mine[0]
    assert f"3 passed, {len(DEMO) * 4 - 4} failed, 1 not attempted" in run.stdout


def test_the_grader_calls_each_check_on_objects_the_answer_defines():
    """The grader passes the argument text of the solution's check cell; for every real exercise
    those are names the answer cell defines (so the learner's objects, not a reference)."""
    for path in SOLUTIONS:
        nb = read(path)
        for exercise in ex.find_exercises(nb, ex.notebook_number(path)):
            check = nb.cells[exercise.check_cell].source
            arguments = ex._check_arguments(check, exercise.name, path.name)
            used = {n.id for n in ast.walk(ast.parse(arguments)) if isinstance(n, ast.Name)}
            tree = ast.parse(nb.cells[exercise.cell].source)
            defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
            assert used and used <= defined, (exercise.id, arguments, defined)


def test_check_cells_are_compared_as_code():
    source = "# NBVAL_CHECK_OUTPUT\nchecks.check_keep_best(keep_best)"
    assert ex._same_code(source, "checks.check_keep_best( keep_best )  # mine\n\n")
    for edited in (
        "pass",
        "checks.check_keep_best(reference)",
        "print('✓')",
        "checks.check_keep_best(keep_best",
    ):
        assert not ex._same_code(source, edited), edited


def main_cli(capsys, *args):
    """Run the CLI in this process; (exit status, stdout, stderr)."""
    from gankit import cli

    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def no_kernel(monkeypatch):
    """Grading that must not get as far as starting a kernel."""

    def grade(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(ex, "grade", grade)


def test_grading_arguments_are_checked_before_any_kernel(demo_lesson, tmp_path, capsys, no_kernel):
    solutions, _, student = demo_lesson
    folder = tmp_path / "subs"
    folder.mkdir()
    nbformat.write(student, folder / "99_alice.ipynb")
    cases = [
        (["--solutions", str(tmp_path / "nowhere")], "is not a folder; pass --solutions"),
        (["--solutions", str(NOTEBOOKS)], "no solution notebook for lesson 99 (99_*.ipynb) in"),
        (
            ["--solutions", str(solutions), "--csv", str(tmp_path / "no" / "g.csv")],
            "--csv: the folder",
        ),
        (["--solutions", str(solutions), "--csv", str(tmp_path)], "is a folder; name a file"),
    ]
    assert not list(NOTEBOOKS.glob("99_*.ipynb"))
    cases.append(([], f"no solution notebook for lesson 99 (99_*.ipynb) in {ex.KIT_NOTEBOOKS}"))
    for extra, message in cases:
        status, out, err = main_cli(capsys, "exercises", "check", str(folder), *extra)
        assert status == 2 and message in err and err.count("\n") == 1, (extra, err)
    (folder / "notes.ipynb").write_text("{}")  # a stray file in a folder of submissions
    status, out, err = main_cli(
        capsys, "exercises", "check", str(folder), "--solutions", str(solutions)
    )
    assert status == 2 and "notes.ipynb: expected a name starting with the lesson number" in err


def test_the_grades_csv_is_written_atomically(demo_lesson, tmp_path, capsys, monkeypatch):
    solutions, solution, _ = demo_lesson
    exercises = ex.find_exercises(solution, 9)[:2]
    submission = tmp_path / "99_alice.ipynb"
    submission.write_text("")
    canned = [ex.Result(exercises[0], "passed"), ex.Result(exercises[1], "failed", "no\nway")]
    monkeypatch.setattr(ex, "grade", lambda *a, **k: canned)
    grades = tmp_path / "grades.csv"
    args = (
        "exercises",
        "check",
        str(submission),
        "--solutions",
        str(solutions),
        "--csv",
        str(grades),
    )
    status, out, _ = main_cli(capsys, *args)
    assert status == 1 and "1 passed, 1 failed, 0 not attempted" in out
    rows = list(csv.DictReader(grades.open()))
    assert [(r["exercise"], r["status"], r["detail"]) for r in rows] == [
        ("9.1", "passed", ""),
        ("9.2", "failed", "no\nway"),
    ]
    before = grades.read_bytes()

    class Failing:  # the disk fills up after the header
        def __init__(self, f):
            self.f = f

        def writerow(self, row):
            self.f.write(",".join(row) + "\n")

        def writerows(self, rows):
            self.f.write("half a row")
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(csv, "writer", Failing)
    status, _, err = main_cli(capsys, *args)
    assert status == 2 and "--csv: cannot write" in err and "No space left" in err
    assert grades.read_bytes() == before, "a failed write must leave the previous grades"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["99_alice.ipynb", "grades.csv"]


def test_the_grader_cell_uses_a_fresh_gankit_and_puts_the_learners_back(capsys, monkeypatch):
    """The grader's cell, run here instead of in a kernel: a patched ``gankit.checks`` does not
    forge a pass, the check sees none of the learner's gankit modules, and they are back after."""
    from gankit import losses

    learner_modules = {k: m for k, m in sys.modules.items() if k.split(".")[0] == "gankit"}
    monkeypatch.setattr(checks, "check_generator_loss", lambda f: print("✓ forged"))
    seen = []

    def right(fake_logits):
        seen.append(sys.modules.get("gankit.losses"))
        return losses.non_saturating_generator_loss(fake_logits)

    def wrong(fake_logits):
        return -right(fake_logits)

    exercise = ex.Exercise("9.1", "generator_loss", 0, 1)
    verdicts = []
    for answer in (wrong, right):
        cell = ex._grader_cell(exercise, "generator_loss", "TOKEN")
        exec(cell.source, {"generator_loss": answer})
        stream = {"output_type": "stream", "name": "stdout", "text": capsys.readouterr().out}
        verdicts.append(ex._grader_verdict([stream], "TOKEN", exercise))
    assert verdicts[0][0] == "failed" and "generator_loss" in verdicts[0][1], verdicts[0]
    assert verdicts[1] == ("passed", ""), verdicts[1]
    assert seen and all(module is not losses for module in seen)
    after = {k: m for k, m in sys.modules.items() if k.split(".")[0] == "gankit"}
    assert after == learner_modules
    # a forged line without the token, or two lines, is not a pass
    for text in ("✓ generator_loss passed\n", "TOKEN passed\nTOKEN passed\n", "TOKEN passedx\n"):
        stream = {"output_type": "stream", "name": "stdout", "text": text}
        assert ex._grader_verdict([stream], "TOKEN", exercise)[0] is None, text
