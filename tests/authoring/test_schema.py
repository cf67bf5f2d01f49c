"""The JSON Schema covers the declarative format: every model and field is described,
and a scenario written only in YAML (inline world, aws kinds, table pane) conforms."""

from __future__ import annotations

import jsonschema
import yaml

from labguide.scenario.schema import scenario_json_schema


def test_every_model_and_field_is_described():
    schema = scenario_json_schema()
    undescribed = []
    for name, model in schema["$defs"].items():
        if "description" not in model:
            undescribed.append(name)
        for field, prop in model.get("properties", {}).items():
            if "description" not in prop and "$ref" not in prop and \
                    not any("$ref" in option for option in prop.get("anyOf", [])):
                undescribed.append(f"{name}.{field}")
    assert undescribed == []
    for name in ("InlineWorld", "Instance", "ApiCallsActor", "AwsCheck", "InstanceCommandCheck",
                 "TablePane", "Expectation", "Counterexample", "NetworkAcl", "SecurityGroup"):
        assert name in schema["$defs"], name
    assert schema["$defs"]["AwsCheck"]["properties"]["expected"]["examples"]


def test_a_yaml_only_scenario_conforms(yaml_scenario):
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    data = yaml.safe_load(yaml_scenario.read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(data)] == []
    data["world"]["resources"]["instances"][0]["tpye"] = "t3.micro"
    assert not validator.is_valid(data)


def test_the_bundled_world_conforms_to_the_world_part():
    from labguide.scenario.worlds import WORLDS_DIR

    schema = scenario_json_schema()
    world = {"$ref": "#/$defs/InlineWorld", "$defs": schema["$defs"]}
    validator = jsonschema.Draft202012Validator(world)
    for path in WORLDS_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert validator.is_valid(data), path.name
