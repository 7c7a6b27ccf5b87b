"""The API's parsers. A module of its own: DRF reads it while `rest_framework.views` loads, so it
cannot live beside the viewset base."""

from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# No resource of the API nests deeper than a handful of levels (a participant's languages: a
# list of objects). Deeper bodies are refused before any serializer walks them.
MAX_DEPTH = 32


class JSONParser(parsers.JSONParser):
    """DRF's parser, refusing bodies nested deeper than `MAX_DEPTH` with a 400; past Python's
    recursion limit the standard library raises RecursionError, which was a 500."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from error
        if _depth(data) > MAX_DEPTH:
            raise exceptions.ParseError(_("The JSON body is nested too deeply."))
        return data


def _depth(data: Any) -> int:
    """Nesting depth without recursion: a scalar is 0, `[]` and `{}` are 1."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, level = stack.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:
            stack.extend((child, level + 1) for child in children)
    return deepest
