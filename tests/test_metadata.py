"""Schema validation: every rule, reported with the parameter id."""

from __future__ import annotations

from typing import Any

import pytest

from wavecraft_build.errors import DuplicateId, SchemaViolation
from wavecraft_build.metadata import ExtractionResult, validate


def p(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "gain_level", "name": "Level", "type": "float",
                            "value": 1.0, "default": 1.0, "min": 0.0, "max": 2.0}
    base.update(over)
    return {k: v for k, v in base.items() if v is not DROP}


DROP = object()


def test_valid_parameters_round_trip() -> None:
    raw = [
        p(unit="dB", group="In"),
        p(id="gain_mute", name="Mute", type="bool", value=0, default=1, min=0, max=1),
        p(id="osc_shape", name="Shape", type="enum", value=1, default=0, min=0, max=2,
          variants=["Sine", "Saw", "Square"]),
    ]
    result = validate(raw, [{"id": "gain"}, {"id": "osc"}])
    assert result.ids == ("gain_level", "gain_mute", "osc_shape")
    assert ExtractionResult.from_json(result.to_json()) == result


@pytest.mark.parametrize(
    ("param", "message"),
    [
        (p(id="Gain"), "id 'Gain' must match"),
        (p(id="9gain"), "must match"),
        (p(id="gain level"), "must match"),
        (p(id=7), "'id' must be a string"),
        (p(name=""), "'name' must be a non-empty string"),
        (p(type="int"), "'type' must be one of"),
        (p(min=3.0), "min 3 > max 2"),
        (p(default=5.0), "default 5 outside [0, 2]"),
        (p(value=-1.0), "value -1 outside [0, 2]"),
        (p(value="1"), "'value' must be a finite number"),
        (p(value=True), "'value' must be a finite number"),
        (p(max=float("inf")), "'max' must be a finite number"),
        (p(default=DROP), "missing field(s) default"),
        (p(type="bool", value=0.5, default=0, min=0, max=1), "bool value must be 0 or 1"),
        (p(type="enum", value=0, default=0, min=0, max=1, variants=[]), "non-empty 'variants'"),
        (p(type="enum", value=0, default=0, min=0, max=1), "non-empty 'variants'"),
        (p(type="enum", value=0, default=0, min=0, max=3, variants=["a", "b"]),
         "enum range must be [0, 1]"),
        (p(type="enum", value=0.5, default=0, min=0, max=1, variants=["a", "b"]),
         "enum value must be a whole index"),
        (p(unit=3), "'unit' must be a string or null"),
        (p(variants=[1, 2]), "'variants' must be a list of strings"),
    ],
)
def test_each_violation_is_named_with_its_id(param: dict[str, Any], message: str) -> None:
    with pytest.raises(SchemaViolation) as info:
        validate([param])
    assert message in info.value.message


def test_all_violations_are_reported_at_once() -> None:
    with pytest.raises(SchemaViolation) as info:
        validate([p(min=9.0), p(id="b_x", name=""), "nope"])
    msg = info.value.message
    assert msg.startswith("3 parameter schema violations")
    assert "gain_level: min 9" in msg and "b_x: 'name'" in msg and "[2]: expected an object" in msg


def test_duplicates() -> None:
    with pytest.raises(DuplicateId, match="gain_level: duplicate id"):
        validate([p(), p(name="Other")])


@pytest.mark.parametrize("bad", [{}, "[]", None, 3])
def test_top_level_must_be_an_array(bad: object) -> None:
    with pytest.raises(SchemaViolation, match="must return a JSON array"):
        validate(bad)


def test_processors_shape() -> None:
    with pytest.raises(SchemaViolation, match="processors\\[0\\]"):
        validate([p()], [{"name": "x"}])
    with pytest.raises(SchemaViolation, match="processors: expected a JSON array"):
        validate([p()], {"id": "x"})
