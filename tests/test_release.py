"""notebooks/ is exactly a fresh nbgrader release of solutions/, with no answers and no hidden tests."""
import filecmp


from autograder import notebooks, paths
from autograder.release import release


def _differences(left, right):
    cmp = filecmp.dircmp(left, right, ignore=["__pycache__", ".ipynb_checkpoints"])
    found = cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files
    for sub in cmp.common_dirs:
        found += [f"{sub}/{name}" for name in _differences(left / sub, right / sub)]
    return found


def test_release_is_up_to_date(tmp_path):
    release(out_dir=tmp_path)
    stale = _differences(tmp_path, paths.NOTEBOOKS)
    assert not stale, f"notebooks/ is stale, run `python -m autograder release`: {stale}"


def test_release_has_no_solution_and_no_hidden_tests(solution_nb, release_nb):
    released = "\n".join(c.source for c in release_nb.cells)
    assert "BEGIN SOLUTION" not in released and "HIDDEN TESTS" not in released
    assert "hidden_test(" not in released
    for grade_id, cell in notebooks.solution_cells(solution_nb).items():
        solution_lines = []
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif inside and line.strip():
                solution_lines.append(line.strip())
        assert solution_lines, grade_id
        released_cell = notebooks.solution_cells(release_nb)[grade_id].source
        for line in solution_lines:
            assert line not in released_cell, (grade_id, line)


def test_release_keeps_the_hints_and_the_markers(release_nb):
    stub = notebooks.solution_cells(release_nb)["create_mini_batches"].source
    assert "### START CODE HERE ###" in stub and "### END CODE HERE ###" in stub
    assert "# concatenate X and y with np.hstack" in stub
    assert "raise NotImplementedError()" in stub


def test_every_test_cell_is_decided_by_the_grader(solution_nb):
    tests = notebooks.test_cells(solution_nb)
    assert len(tests) == 7
    for grade_id, cell in tests.items():
        assert "hidden_test(" in notebooks.hidden_code(cell.source), grade_id
