"""scripts/eval_duplicates.py meets its goals on the corpus and its disguises."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from documents_support import CORPUS

SCRIPT = Path(__file__).resolve().parents[2] / "scripts/eval_duplicates.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_duplicates", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_recall_is_complete_and_distinct_invoices_never_match(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["--corpus", str(CORPUS), "--json", "--numbers-per-format", "10000"]
    assert _load().main([*args, "--suspicion-pairs", "300"]) == 0
    result = json.loads(capsys.readouterr().out)
    grades = result["grades"]
    assert result["documents"] >= 25 * 10
    for name in ("identical", "same_document", "altered"):
        assert grades[name]["truth_pairs"] > 0
        assert grades[name]["recall"] == 1.0
        assert grades[name]["precision"] == 1.0
    assert result["distinct_pairs_graded_same_document"] == 0
    assert result["distinct_pairs_graded_any_match"] == 0
    assert result["distinct_pairs_sharing_a_fingerprint"] == 0
    # every same-document pair shares the strictest fingerprint
    assert (
        grades["same_document"]["share_full_fingerprint"] == grades["same_document"]["truth_pairs"]
    )
    # a seller whose identifiers all fail their check is never keyed, so never matched
    assert result["unkeyed_pairs_graded"] == 0
    numbers = result["numbers"]
    assert numbers["distinct_numbers"] >= 100_000
    assert numbers["collisions"] == 0
    assert numbers["collisions_v1_rule"] > 0  # the old rule merged FV 1/12 and FV 11/2
    assert numbers["retyped_copies_meeting"] == numbers["retyped_copies"]
    assert numbers["squashed_copies_caught_by_another_fingerprint"] == numbers["squashed_copies"]
    field = result["fieldcases"]
    assert field["identifiers-placeholder"] == {"shared_fingerprints": 0, "graded": False}
    assert field["number-collision"] == {"shared_fingerprints": 0, "graded": False}
    assert field["zugferd1"]["amount"] == "235.62"
    assert field["facturx-attachment"]["amount"] == "529.87"
    assert field["reissue"] == ["reissue"]
    assert field["split"] == ["split_part"]
    suspicion = result["suspicion"]
    assert suspicion["recall_all"] == 1.0
    assert suspicion["false_suspicion_rate_with_references"] == 0.0
