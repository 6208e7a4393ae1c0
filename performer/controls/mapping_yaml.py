"""Mapping files' YAML, read with the line of every key, so that each error names file:line:key.

The YAML is read with yaml.SafeLoader semantics (no tags beyond the safe ones, nothing executed); the only
addition is that every mapping remembers the line of each key, so a schema error points at the line to fix.
Duplicate keys are an error too (plain safe_load silently keeps the last one).
"""

from __future__ import annotations

from typing import Any

import yaml


class MappingError(ValueError):
    """A mapping file that cannot be used; str() is one 'file:line: key: problem' line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class LineDict(dict):
    """A dict from YAML that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            ) from None
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_lines(text: str, name: str = "<mapping>") -> Any:
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise MappingError([f"{name}:{line}: YAML: {exc.problem or exc.context}"]) from None
    except yaml.YAMLError as exc:
        raise MappingError([f"{name}:0: YAML: {exc}"]) from None


def locate(data: Any, loc: tuple) -> tuple[int, str]:
    """The line of the deepest key of `loc` found in the loaded data, and the dotted key path."""
    line, node, parts = 0, data, []
    for part in loc:
        if isinstance(node, LineDict):
            line = node.line or line
            if part in node:
                line = node.key_lines.get(part, line)
                node = node[part]
            else:
                node = None
            parts.append(str(part))
        elif isinstance(node, list) and isinstance(part, int):
            if parts:
                parts[-1] += f"[{part}]"
            else:
                parts.append(f"[{part}]")
            node = node[part] if 0 <= part < len(node) else None
            if isinstance(node, LineDict):
                line = node.line
        else:
            if isinstance(part, str):
                parts.append(part)
            node = None
    return line, ".".join(parts) or "(top)"
