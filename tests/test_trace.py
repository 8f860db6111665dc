"""The check machinery itself (``labkit.trace``): a check is one declared unit that registers itself,
steps carry typed facts next to arrays, a verdict is a record (step, array, index, hint) and not only
a sentence, and the tolerance is numpy's ``isclose`` on the array's scale."""
import json
import re

import numpy as np
import pytest

from autograder import notebooks, paths
from autograder.labkit import checks, lab2_checks, lab3_checks, lab4_checks, trace
from autograder.labkit.trace import ATOL, RTOL, Check, Step, Verdict, judge_values

pytestmark = pytest.mark.fast  # in-process, no grading run: `make test-fast`


def test_a_check_registers_itself_and_a_kind_is_declared_once():
    def probe(f):
        return [trace.observe("f(1)", lambda: {"y": f(1.0)})]
    probe.__module__ = "labkit.elsewhere"  # as if declared in another topic module
    with pytest.raises(ValueError, match="declared twice"):
        Check("optimizer", probe, what="f")
    assert trace.REGISTRY["optimizer"].probe is checks.trace_optimizer  # the first declaration is kept
    toy = Check("toy_kind_for_this_test", probe, what="f")
    try:
        assert trace.REGISTRY["toy_kind_for_this_test"] is toy
        with trace.collect_reports() as reports:
            trace.hidden_test("toy_kind_for_this_test", lambda x: 2 * x)
        kind, steps = trace.decode_trace(reports[0])
        assert kind == "toy_kind_for_this_test" and float(steps[0].arrays["y"]) == 2.0
    finally:
        del trace.REGISTRY["toy_kind_for_this_test"]
    with pytest.raises(KeyError, match="no check 'no_such_check'"):
        trace.hidden_test("no_such_check", print)


def test_every_declared_check_is_used_by_a_hidden_test_of_a_lab():
    used = set()
    for assignment in paths.assignments():
        nb = notebooks.read(paths.SOLUTIONS / assignment / f"{assignment}.ipynb")
        for cell in notebooks.test_cells(nb).values():
            used |= set(re.findall(r"hidden_test\(\s*[\"'](\w+)[\"']", cell.source))
    assert used == set(trace.REGISTRY), (set(trace.REGISTRY) - used, used - set(trace.REGISTRY))


@pytest.mark.parametrize("lab, topics", [(lab2_checks, ["network_checks"]),
                                         (lab3_checks, ["minibatch_checks", "optimizer_checks"]),
                                         (lab4_checks, ["regularization_checks"])])
def test_a_lab_offers_every_visible_check_of_its_topics_under_one_naming_scheme(lab, topics):
    import importlib
    defined = {name for topic in topics for name, value in vars(importlib.import_module(f"autograder.labkit.{topic}")).items()
               if name.startswith("check_") and callable(value)}
    assert set(lab.__all__) == {"hidden_test"} | defined
    assert all(name == "hidden_test" or name.startswith("check_") for name in lab.__all__)


def test_facts_travel_typed_and_anything_else_is_refused():
    step = trace.observe("s", lambda: {"a": [1.0, 2.0]}, facts=lambda: {"is a list": True, "count": 2, "name": "adam"})
    kind, (back,) = trace.decode_trace(json.loads(json.dumps(trace.encode_trace("k", [step]))))
    assert back.facts == {"is a list": True, "count": 2, "name": "adam"} and type(back.facts["is a list"]) is bool
    assert trace.observe("s", lambda: {}, facts=lambda: {"x": 1.5}).error["type"] == "TypeError"
    assert "longer than" in trace.observe("s", lambda: {}, facts=lambda: {"x": "y" * 201}).error["message"]
    for huge in ("y" * 10_000_000, 10 ** 1000):  # a forged report cannot grow the feedback through a fact
        forged = trace.encode_trace("k", [Step("s", facts={"x": True})])
        forged["steps"][0]["facts"]["x"] = huge
        with pytest.raises(ValueError, match="longer than"):
            trace.decode_trace(forged)
    forged = trace.encode_trace("k", [Step("s", facts={"x": True})])
    forged["steps"][0]["facts"]["x"] = [1, 2]
    with pytest.raises(ValueError, match="malformed"):
        trace.decode_trace(forged)


def test_a_fact_is_compared_for_equality_and_type():
    expected = [Step("myOptParam(2, 3)", {"opt.W_dt": np.zeros((2, 3))}, facts={"opt.W_dt holds floats": True})]
    seen = []

    def hint(index, bad, exp, got):
        seen.append(bad)
        return "use np.zeros"
    verdict = judge_values(expected, [Step("myOptParam(2, 3)", {"opt.W_dt": np.zeros((2, 3))},
                                           facts={"opt.W_dt holds floats": False})], hint, what="myOptParam")
    assert not verdict.passed and seen == [{"opt.W_dt holds floats"}]
    assert verdict.record() == {
        "passed": False, "problem": "myOptParam(2, 3): opt.W_dt holds floats is False, expected True",
        "step": "myOptParam(2, 3)", "array": "opt.W_dt holds floats", "index": None, "hint": "use np.zeros",
        "note": None, "message": "myOptParam(2, 3): opt.W_dt holds floats is False, expected True\nHint: use np.zeros"}
    assert not judge_values(expected, [Step("myOptParam(2, 3)", {"opt.W_dt": np.zeros((2, 3))},
                                            facts={"opt.W_dt holds floats": 1})]).passed  # 1 is not True
    assert "was not recorded" in judge_values(expected, [Step("myOptParam(2, 3)", {"opt.W_dt": np.zeros((2, 3))})]).message


def test_a_verdict_records_the_step_the_array_the_worst_index_and_the_hint():
    expected = [Step("call 1", {"w": np.arange(6.0).reshape(2, 3), "b": np.ones(2)})]
    got = [Step("call 1", {"w": np.arange(6.0).reshape(2, 3) + np.array([[0, 0, 0], [0, 0.5, 0.1]]), "b": np.zeros(2)})]
    verdict = judge_values(expected, got, lambda i, bad, e, g: f"bad: {sorted(bad)}")
    assert (verdict.step, verdict.array, verdict.index, verdict.hint) == ("call 1", "w", (1, 1), "bad: ['b', 'w']")
    assert verdict.message.splitlines()[0].startswith("call 1: w differs at index (1, 1)")
    assert verdict.message.splitlines()[-1] == "Hint: bad: ['b', 'w']"
    assert Verdict.all_of([Verdict(True, "a."), verdict]).message == verdict.message
    assert Verdict.all_of([Verdict(True, "a."), Verdict(True, "b.")]).passed


@pytest.mark.parametrize("got, close", [
    (10.0 + 0.9 * (ATOL + RTOL * 10), True), (10.0 + 1.1 * (ATOL + RTOL * 10), False),
    (np.nan, False), (np.inf, False)])
def test_the_tolerance_is_relative_to_the_arrays_largest_entry(got, close):
    expected = np.array([10.0, 1e-12, -3.0])
    assert (trace.mismatch(expected, np.array([got, 1e-12, -3.0])) is None) is close
    # an entry near 0 is judged on the array's scale, not its own magnitude
    assert trace.mismatch(expected, np.array([10.0, 1e-12 + 5e-6, -3.0])) is None
    assert trace.mismatch(np.array([np.nan, np.inf, -np.inf]), np.array([np.nan, np.inf, -np.inf])) is None
    assert trace.worst_index(np.array([np.inf, 1.0]), np.array([-np.inf, 1.0])) == (0,)


# ------------------------------------------------------------ forged reports (a hostile kernel writes them)
def _minibatch_reports(tamper):
    from autograder.labkit import minibatch_checks
    case = dict(n=100, n_features=3, y_columns=4, batch_size=20, seed=3)
    expected = minibatch_checks.trace_minibatches(lambda X, y, b: [(X[i:i + b], y[i:i + b]) for i in range(0, len(X), b)],
                                                  **case)
    got = [Step(s.label, dict(s.arrays), s.error, dict(s.meta), dict(s.facts)) for s in expected]
    tamper(got)
    return expected, got


def test_a_count_stated_in_a_report_is_never_trusted():
    """A forged meta["n_batches"] of a trillion: judged on the batches the report holds, at once."""
    import time
    expected, got = _minibatch_reports(lambda got: got[1].meta.update(n_batches=10 ** 12))
    start = time.perf_counter()
    checks.judge("minibatches", expected, got)
    assert time.perf_counter() - start < 5


def test_a_report_that_makes_a_judge_raise_is_forged_not_a_dead_kernel():
    from autograder.engine.preprocessors import decide
    expected, got = _minibatch_reports(lambda got: got[1].meta.update(role=["first"]))  # unhashable: the judge raises
    cell = {"cell_type": "code", "outputs": [{"output_type": "display_data",
                                              "data": {trace.TRACE_MIME: trace.encode_trace("minibatches", got)}}]}
    record = decide([trace.encode_trace("minibatches", expected)], cell)
    assert not record["passed"] and record["forged"] and "unreadable (TypeError" in record["message"]


def test_a_shape_that_does_not_hold_its_numbers_is_malformed():
    forged = trace.encode_trace("k", [Step("s", {"a": np.arange(12.0)})])
    for shape in ([-1], [5], [3, 5]):
        forged["steps"][0]["arrays"]["a"]["shape"] = shape
        with pytest.raises(ValueError, match="does not hold"):
            trace.decode_trace(forged)


def test_a_hidden_tests_word_stays_hidden_but_a_yes_or_no_is_said():
    expected = [Step("s", facts={"kind": "secret-word", "integer": True})]
    got = [Step("s", facts={"kind": "guess", "integer": False})]
    with trace.concealed():
        message = judge_values(expected, got).message
    assert "secret-word" not in message and "not the expected value" in message and "expected True" in message
