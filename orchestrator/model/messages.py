"""pydantic's validation errors → diagnostics a network engineer can act on.

In: the merged policy document and its source map. Out: the ``Policy``, or one located
diagnostic per problem, in plain words ("an AWS account id is exactly 12 digits", "did you mean
'ports'?") rather than pydantic's. Always: one mistake gives one diagnostic.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from orchestrator.diagnostics import Diagnostic, error
from orchestrator.model.checks import nearest
from orchestrator.model.policy import (
    ALIBABA_ACCOUNT_PATTERN,
    AWS_ACCOUNT_PATTERN,
    NAME_PATTERN,
    REGION_PATTERN,
    SUBSCRIPTION_PATTERN,
    Policy,
)
from orchestrator.model.source import (
    SourceMap,
    index_path,
    key_path,
    parent_path,
)

_INDEX = re.compile(r"\[(\d+)\]")


def validate_structure(
    data: object, source_map: SourceMap
) -> tuple[Policy | None, list[Diagnostic]]:
    try:
        # by_name=False: the file says `from`; `from_` is the Python spelling only.
        return Policy.model_validate(data, by_alias=True, by_name=False), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    found = [(e, _translate(e, data, source_map)) for e in errors]
    # `port: [...]` is one mistake: "did you mean 'ports'?" already says that ports is missing.
    hinted = {_hinted_path(e, d.path) for e, d in found if e["type"] == "extra_forbidden"}
    return None, [d for e, d in found if not (e["type"] == "missing" and d.path in hinted)]


def _translate(err: ErrorDetails, data: object, source_map: SourceMap) -> Diagnostic:
    path, field_name, on_key = _path_of(err["loc"], data)
    kind = err["type"]
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        path = key_path(path, "cloud")
    explain = _MESSAGES.get(kind)
    summary = explain(err, field_name) if explain else err["msg"]
    at_key = on_key or kind == "extra_forbidden"
    return source_map.locate(error(summary, path=path), at_key=at_key)


def _path_of(loc: tuple[int | str, ...], data: object) -> tuple[str, str, bool]:
    """pydantic's loc → (field path, last field name, whether the error is about a key).

    The walk follows the data because pydantic inserts the account's cloud into the loc of a
    discriminated union (``accounts.0.aws.regions``), which is no field of the file.
    """
    path, node, field_name, on_key = "", data, "", False
    for i, step in enumerate(loc):
        if step == "[key]":
            on_key = True
        elif isinstance(node, list) and isinstance(step, int):
            path = index_path(path, step)
            node = node[step] if 0 <= step < len(node) else None
        elif _is_union_tag(loc, i, node):
            continue
        else:
            path = key_path(path, step)
            node = node.get(step) if isinstance(node, dict) else None
            field_name = step if isinstance(step, str) else field_name
    return path, field_name, on_key


def _is_union_tag(loc: tuple[int | str, ...], i: int, node: object) -> bool:
    """Whether ``loc[i]`` is the cloud pydantic inserted after an account's list index."""
    after_index = i > 0 and isinstance(loc[i - 1], int)
    return after_index and isinstance(node, dict) and node.get("cloud") == loc[i]


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value}'"
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return f"a {type(value).__name__} (YAML read it as one; quote it to keep it as text)"


def _expected_text(err: ErrorDetails, field_name: str) -> str:
    value = err["input"]
    if field_name == "ports" and isinstance(value, int) and not isinstance(value, bool):
        return f"a port needs its protocol: write 'tcp/{value}' or 'udp/{value}'"
    if isinstance(value, bool):
        return (
            f"expected text, got {_describe(value)}: YAML reads unquoted yes/no/on/off/true/false"
            " as true or false, so put the value in quotes"
        )
    if isinstance(value, int | float):
        return f"expected text, got {_describe(value)}: put it in quotes so YAML keeps it as text"
    return f"expected text, got {_describe(value)}"


_PATTERN_MESSAGES = {
    NAME_PATTERN: "'{value}' is not a valid name: use lower-case letters, digits and '-', "
    "starting with a letter, at most 63 characters",
    REGION_PATTERN: "'{value}' is not a region name; regions look like 'us-east-1', "
    "'cn-hangzhou' or 'eastus'",
    AWS_ACCOUNT_PATTERN: "an AWS account id is exactly 12 digits; '{value}' has {length}",
    ALIBABA_ACCOUNT_PATTERN: "an Alibaba Cloud account id is exactly 16 digits; '{value}' has "
    "{length}",
    SUBSCRIPTION_PATTERN: "'{value}' is not a subscription id; it is a GUID like "
    "00000000-0000-0000-0000-000000000000",
}


def _pattern(err: ErrorDetails, field_name: str) -> str:
    template = _PATTERN_MESSAGES.get(str(_ctx(err).get("pattern")))
    if template is None:
        return f"'{err['input']}' is not a valid {field_name}"
    value = str(err["input"])
    length = f"{len(value)} {'digits' if value.isdigit() else 'characters'}"
    return template.format(value=value, length=length)


def _unknown_field(err: ErrorDetails, field_name: str) -> str:
    allowed, guess = _allowed_fields(err)
    hint = f"; did you mean '{guess}'?" if guess else ""
    listing = f" (allowed: {', '.join(allowed)})" if allowed else ""
    return f"unknown field '{field_name}'{hint}{listing}"


def _allowed_fields(err: ErrorDetails) -> tuple[list[str], str | None]:
    """The fields allowed where an unknown one was written, and the nearest to it."""
    model = _model_at(err["loc"][:-1])
    allowed = [f.alias or name for name, f in model.model_fields.items()] if model else []
    return allowed, nearest(str(err["loc"][-1]), allowed)


def _hinted_path(err: ErrorDetails, path: str) -> str | None:
    guess = _allowed_fields(err)[1]
    return key_path(parent_path(path) or "", guess) if guess else None


def _unknown_cloud(err: ErrorDetails, field_name: str) -> str:
    tag = str(_ctx(err).get("tag"))
    guess = nearest(tag, ("aws", "alibaba", "azure"))
    hint = f" (did you mean '{guess}'?)" if guess else ""
    return f"unknown cloud '{tag}'{hint}; eastwest knows aws, alibaba and azure"


def _literal(err: ErrorDetails, field_name: str) -> str:
    if field_name == "version":
        return f"unsupported policy version {err['input']!r}; this eastwest reads version 1"
    return f"expected {_ctx(err).get('expected')}, got {_describe(err['input'])}"


def _too_short(err: ErrorDetails, field_name: str) -> str:
    least = _ctx(err).get("min_length", 1)
    return "needs at least one entry" if least == 1 else f"needs at least {least} entries"


def _ctx(err: ErrorDetails) -> dict[str, Any]:
    return err.get("ctx") or {}


def _mapping(err: ErrorDetails, field_name: str) -> str:
    return f"expected a mapping of fields (field: value), got {_describe(err['input'])}"


def _list(err: ErrorDetails, field_name: str) -> str:
    value = err["input"]
    hint = f"; write [{value}]" if isinstance(value, str) else ""
    return f"expected a list, got {_describe(value)}{hint}"


_Explain = Callable[[ErrorDetails, str], str]
_MESSAGES: dict[str, _Explain] = {
    "missing": lambda err, name: f"required field '{name}' is missing",
    "extra_forbidden": _unknown_field,
    "string_type": _expected_text,
    "string_pattern_mismatch": _pattern,
    "string_too_short": lambda err, name: "must not be empty",
    "string_too_long": lambda e, n: f"is too long: at most {_ctx(e).get('max_length')} characters",
    "literal_error": _literal,
    "union_tag_invalid": _unknown_cloud,
    "union_tag_not_found": lambda err, name: (
        "required field 'cloud' is missing: aws, alibaba or azure"
    ),
    "model_type": _mapping,
    "model_attributes_type": _mapping,
    "dict_type": _mapping,
    "list_type": _list,
    "too_short": _too_short,
    "value_error": lambda err, name: str(_ctx(err).get("error", err["msg"])),
    "bool_type": lambda err, name: f"expected true or false, got {_describe(err['input'])}",
    "bool_parsing": lambda err, name: f"expected true or false, got {_describe(err['input'])}",
    "int_type": lambda err, name: f"expected a whole number, got {_describe(err['input'])}",
    "int_parsing": lambda err, name: f"expected a whole number, got {_describe(err['input'])}",
    "int_from_float": lambda err, name: f"expected a whole number, got {err['input']}",
    "greater_than_equal": lambda err, name: f"must be at least {_ctx(err).get('ge')}",
    "less_than_equal": lambda err, name: f"must be at most {_ctx(err).get('le')}",
}


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model that validates the mapping at ``loc``, to list its allowed fields."""
    candidates: tuple[type[BaseModel], ...] = (Policy,)
    for step in loc:
        if isinstance(step, int):
            continue
        if len(candidates) > 1:  # a discriminated union: this step is the tag
            candidates = tuple(m for m in candidates if step in _tags(m))
            continue
        fields = {(f.alias or name): f for name, f in candidates[0].model_fields.items()}
        if step not in fields:
            return None
        candidates = _models_in(fields[step].annotation)
        if not candidates:
            return None
    return candidates[0] if len(candidates) == 1 else None


def _models_in(annotation: object) -> tuple[type[BaseModel], ...]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return (annotation,)
    origin = get_origin(annotation)
    if origin is Annotated:
        return _models_in(get_args(annotation)[0])
    if origin in (list, Union, UnionType):
        return tuple(m for arg in get_args(annotation) for m in _models_in(arg))
    return ()


def _tags(model: type[BaseModel]) -> tuple[object, ...]:
    cloud = model.model_fields.get("cloud")
    return get_args(cloud.annotation) if cloud else ()
