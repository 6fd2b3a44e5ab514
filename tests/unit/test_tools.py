"""chattui.core.tools: validation, canonical schemas, the three API forms, tool files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from anthropic.types import ToolParam
from openai.types.chat import ChatCompletionFunctionToolParam
from openai.types.responses import FunctionToolParam

from chattui.core.personas import BUILTIN_DIR
from chattui.core.tools import (
    EMPTY_SCHEMA,
    Tool,
    ToolError,
    parse_tool,
    read_tool_file,
    to_anthropic,
    to_chat_completions,
    to_responses,
)

SHOP = BUILTIN_DIR / "tools" / "shop.json"
ORDER_ID = {"description": "The order number, e.g. NW-123456.", "type": "string"}
SCHEMAS = {
    "get_delivery_date": {
        "additionalProperties": False, "properties": {"order_id": ORDER_ID},
        "required": ["order_id"], "type": "object"},
    "cancel_order": {
        "additionalProperties": False,
        "properties": {"order_id": ORDER_ID, "reason": {
            "description": "The customer's reason for cancelling, in a few words.",
            "type": "string"}},
        "required": ["order_id", "reason"], "type": "object"},
    "update_payment_method": {
        "additionalProperties": False,
        "properties": {"order_id": ORDER_ID, "payment_method": {
            "description": "The new payment method.",
            "enum": ["card", "paypal", "bank_transfer", "invoice"], "type": "string"}},
        "required": ["order_id", "payment_method"], "type": "object"},
}
DESCRIPTIONS = {
    "get_delivery_date": "Look up the expected delivery date of an order.",
    "cancel_order": "Cancel an order that has not shipped yet. Only call this after the "
                    "customer has confirmed.",
    "update_payment_method": "Change the payment method of an order that is not paid yet. "
                             "Only call this after the customer has confirmed.",
}


@pytest.fixture
def shop() -> list[Tool]:
    tools, errors = read_tool_file(SHOP)
    assert errors == []
    return tools


def test_wrapped_and_bare_definitions_normalise_to_the_same_tool():
    bare = {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {}}}
    wrapped = {"type": "function", "function": dict(bare)}
    assert parse_tool(bare) == parse_tool(wrapped) == Tool("f", "d", dict(EMPTY_SCHEMA))


def test_missing_description_and_parameters_get_defaults():
    tool = parse_tool({"name": "ping"})
    assert (tool.description, dict(tool.parameters)) == ("", {"properties": {}, "type": "object"})


@pytest.mark.parametrize(("raw", "field", "fragment"), [
    ([], None, "must be an object"),
    ({"description": "no name"}, "name", "name missing"),
    ({"name": "has space"}, "name", "name 'has space'"),
    ({"name": "x" * 65}, "name", "1-64"),
    ({"name": "f", "description": 3}, "description", "description must be a string"),
    ({"name": "f", "parameters": {"type": "string"}}, "parameters", "JSON Schema object"),
    ({"name": "f", "parameters": ["type", "object"]}, "parameters", "JSON Schema object"),
    ({"name": "f", "parameters": {"type": "object", "properties": []}}, "parameters",
     "properties must be an object"),
    ({"name": "f", "parameters": {"type": "object", "required": ["a"]}}, "parameters",
     "'a', not in properties"),
    ({"name": "f", "parameters": {"type": "object", "default": float("nan")}}, "parameters",
     "not plain JSON"),
    ({"name": "f", "strict": True}, "strict", "unknown key 'strict'"),
    ({"type": "web_search"}, "type", "only function tools"),
    ({"type": "function", "function": "f"}, "function", "function must be an object"),
])
def test_invalid_definitions_say_why(raw, field, fragment):
    with pytest.raises(ToolError) as caught:
        parse_tool(raw)
    assert fragment in str(caught.value)
    assert caught.value.field == field


def test_schema_key_order_in_the_file_does_not_change_the_tool_or_its_bytes():
    one = parse_tool({"name": "f", "parameters": {
        "type": "object", "required": ["a"],
        "properties": {"a": {"type": "string", "description": "A"}}}})
    two = parse_tool({"parameters": {
        "properties": {"a": {"description": "A", "type": "string"}}, "required": ["a"],
        "type": "object"}, "name": "f"})
    assert one == two
    for convert in (to_chat_completions, to_responses, to_anthropic):
        assert json.dumps(convert([one])) == json.dumps(convert([two]))
    assert list(one.parameters) == ["properties", "required", "type"]


def test_shop_tools_in_file_order(shop):
    assert [t.name for t in shop] == ["get_delivery_date", "cancel_order",
                                      "update_payment_method"]


def test_chat_completions_form(shop):
    assert to_chat_completions(shop) == [
        {"type": "function", "function": {"name": name, "description": DESCRIPTIONS[name],
                                          "parameters": SCHEMAS[name]}}
        for name in DESCRIPTIONS]


def test_responses_form(shop):
    assert to_responses(shop) == [
        {"type": "function", "name": name, "description": DESCRIPTIONS[name],
         "parameters": SCHEMAS[name], "strict": False}
        for name in DESCRIPTIONS]


def test_anthropic_form(shop):
    assert to_anthropic(shop) == [
        {"name": name, "description": DESCRIPTIONS[name], "input_schema": SCHEMAS[name]}
        for name in DESCRIPTIONS]


def test_forms_have_every_key_the_sdk_types_require(shop):
    for converted, typed in ((to_chat_completions(shop), ChatCompletionFunctionToolParam),
                             (to_responses(shop), FunctionToolParam),
                             (to_anthropic(shop), ToolParam)):
        for item in converted:
            assert typed.__required_keys__ <= item.keys()
            assert item.keys() <= typed.__required_keys__ | typed.__optional_keys__


def test_converters_are_deterministic_and_return_fresh_dicts(shop):
    first = to_anthropic(shop)
    first[-1]["cache_control"] = {"type": "ephemeral"}
    first[0]["input_schema"]["properties"]["order_id"]["type"] = "integer"
    assert to_anthropic(shop) != first
    assert json.dumps(to_anthropic(shop)) == json.dumps(to_anthropic(read_tool_file(SHOP)[0]))
    assert shop[0].parameters["properties"]["order_id"]["type"] == "string"


def test_tool_file_problems_carry_the_line_of_the_bad_tool(tmp_path: Path):
    path = tmp_path / "t.json"
    path.write_text('[\n  {"name": "ok"},\n\n  {"name": "bad name"},\n  {"name": "x",\n'
                    '   "parameters": {"type": "array"}}\n]\n', encoding="utf-8")
    tools, errors = read_tool_file(path)
    assert [t.name for t in tools] == ["ok"]
    assert [(line, msg.split(":")[0]) for line, msg in errors] == [(4, "tool #2"),
                                                                  (5, "tool #3")]


def test_tool_file_that_is_not_json_or_not_a_list(tmp_path: Path):
    broken = tmp_path / "broken.json"
    broken.write_text('[\n  {"name": "a"}\n  {"name": "b"}\n]\n', encoding="utf-8")
    assert read_tool_file(broken) == ([], [(3, "not valid JSON: Expecting ',' delimiter "
                                                "at column 3")])
    single = tmp_path / "single.json"
    single.write_text('{"name": "a"}', encoding="utf-8")
    assert read_tool_file(single) == (
        [], [(None, "cannot use tool file: expected a JSON array of tool definitions")])
