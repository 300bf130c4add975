"""The disk cache of XLA-compiled steps (gankit.compile_cache): a second process loads what the
first compiled and trains to the same weights; a program cut short by a killed process is never
used; the cache stays out of subprocesses' way, stays within its size, and can be turned off.

Two training subprocesses in all (about 7 s each): the one whose half file TensorFlow's own cache
would use, to other weights, was measured by hand (stop 42), not here."""

import os
import subprocess
import sys
import textwrap
import time

import pytest

from gankit import compile_cache

# a tiny GAN trained under XLA for a few steps; prints its weights' checksum
TRAIN = textwrap.dedent(
    """
    import os
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    import keras, numpy as np
    from gankit import compile_cache, gans, models
    keras.utils.set_random_seed(0)
    gan = gans.GAN(models.mlp_generator(4, (6,), hidden=(8,)),
                   models.mlp_discriminator((6,), hidden=(8,)), seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3),
                jit_compile=True, steps_per_execution=2)
    x = np.random.default_rng(0).standard_normal((32, 6)).astype("float32")
    gan.fit(x, batch_size=8, epochs=2, verbose=0)
    print("folder", compile_cache.folder())
    print("sum", repr(float(sum(np.sum(np.asarray(w)) for w in gan.generator.weights))))
    """
)


def run(code, cache, **env):
    environ = {k: v for k, v in os.environ.items() if k != "TF_XLA_FLAGS"}
    environ.update(GANKIT_XLA_CACHE=str(cache), **env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=300
    )


def trained(cache):
    done = run(TRAIN, cache)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    return lines["sum"], lines["folder"]


def programs(folder):
    """{name: inode} of the programs in the shared folder: a rewrite would change the inode."""
    return {p.name: p.stat().st_ino for p in folder.glob("*.pb")}


def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """One cold run into an empty cache: (its checksum, the shared folder, its programs)."""
    cache = tmp_path_factory.mktemp("xla")
    checksum, folder = trained(cache)
    shared = cache / os.path.basename(folder)
    return checksum, shared, programs(shared)


def test_a_second_process_loads_the_steps_and_never_a_killed_process_half_file(cold):
    checksum, shared, first = cold
    assert first, "the first run published no compiled program"
    assert not list(shared.glob(".work-*")), "a process left its own folder behind"
    # what a process killed while TensorFlow wrote leaves behind: half a program in its folder
    name = sorted(first)[0]
    whole = (shared / name).read_bytes()
    stale = shared / f"{compile_cache._WORK}{dead_pid()}-{compile_cache._host()}-x"
    stale.mkdir()
    (stale / name).write_bytes(whole[: len(whole) // 2])
    again, _ = trained(shared.parent)
    # trained as the cold run did: had it used the half file, TensorFlow would have run the step
    # without XLA, to other weights (measured by hand: no error, another checksum)
    assert again == checksum, "a step loaded from the cache trained differently"
    assert programs(shared) == first, "a program was compiled again, or replaced"
    assert (shared / name).read_bytes() == whole
    assert not stale.exists(), "the killed process's folder was not removed"


def test_subprocesses_do_not_inherit_this_process_folder():
    # gankit's trainers are imported in this process: the flag went to TensorFlow, not the env
    import gankit.gans  # noqa: F401

    assert "--tf_xla_persistent_cache_directory" not in os.environ.get("TF_XLA_FLAGS", "")


def test_off_and_the_users_own_flag_leave_tensorflow_alone_and_a_parents_folder_is_replaced(
    tmp_path,
):
    own = f"--tf_xla_persistent_cache_directory={tmp_path / 'mine'}"
    parents = f"--tf_xla_persistent_cache_directory={tmp_path / 'ours' / 'tag' / '.work-1-h-x'}"
    code = textwrap.dedent(
        f"""
        import os
        from gankit import compile_cache  # import gankit ran enable() with GANKIT_XLA_CACHE=off
        print(compile_cache.folder(), os.environ.get("TF_XLA_FLAGS"))
        os.environ["GANKIT_XLA_CACHE"] = {str(tmp_path / "ours")!r}
        os.environ["TF_XLA_FLAGS"] = {own!r}
        print(compile_cache.enable(), os.environ.get("TF_XLA_FLAGS"))  # the user's own folder
        os.environ["TF_XLA_FLAGS"] = {parents!r}  # as a parent that had not settled hands it down
        print(compile_cache.enable().parent, os.environ["TF_XLA_FLAGS"].split("=", 1)[1])
        """
    )
    done = run(code, "off")
    lines = done.stdout.splitlines()
    assert lines[:2] == ["None None", f"None {own}"], done.stderr[-2000:]
    shared, folder = lines[2].split()
    assert shared == str(tmp_path / "ours")
    assert os.path.basename(folder).startswith(".work-") and "/.work-1-h-" not in folder


def test_prune_drops_the_oldest_programs_first(tmp_path):
    now = time.time()
    for age, name in enumerate(["new", "middle", "old"]):
        path = tmp_path / f"{name}.pb"
        path.write_bytes(b"x" * 100)
        os.utime(path, (now - 100 * age, now - 100 * age))
    assert compile_cache.prune(tmp_path, max_bytes=250) == 1
    assert sorted(p.stem for p in tmp_path.glob("*.pb")) == ["middle", "new"]
    assert compile_cache.prune(tmp_path, max_bytes=250) == 0


def test_the_folder_changes_with_what_compiled_code_depends_on(monkeypatch):
    before = compile_cache.machine_tag()
    monkeypatch.setenv("XLA_FLAGS", "--xla_cpu_max_isa=AVX2")
    assert compile_cache.machine_tag() != before
    monkeypatch.setattr(compile_cache, "_cpu_flags", lambda: "another cpu")
    monkeypatch.delenv("XLA_FLAGS")
    assert compile_cache.machine_tag() != before


def test_only_this_machines_dead_processes_lose_their_folders(tmp_path):
    here, dead = compile_cache._host(), dead_pid()
    folders = {
        "dead here": f".work-{dead}-{here}-a",
        "alive here": f".work-{os.getpid()}-{here}-b",
        "on another machine": f".work-{dead}-0ther000-c",
        "a day old elsewhere": f".work-{dead}-0ther000-d",
    }
    for name in folders.values():
        (tmp_path / name).mkdir()
    day_old = time.time() - 2 * 24 * 3600
    os.utime(tmp_path / folders["a day old elsewhere"], (day_old, day_old))
    compile_cache._remove_stale(tmp_path)
    left = {what for what, name in folders.items() if (tmp_path / name).exists()}
    assert left == {"alive here", "on another machine"}


def test_an_unwritable_cache_folder_leaves_gankit_working_without_it(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    code = textwrap.dedent(
        """
        import os
        from gankit import compile_cache  # import gankit tried to turn the cache on
        print(compile_cache.folder(), os.environ.get("TF_XLA_FLAGS"))
        """
    )
    done = run(code, blocker / "xla")
    assert done.returncode == 0 and done.stdout.split() == ["None", "None"], done.stderr[-2000:]
