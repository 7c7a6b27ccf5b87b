"""The API's parsers. A module of its own: DRF reads it while `rest_framework.views` loads, so it
cannot live beside the viewset base."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's parser, refusing a body nested deeper than Python's recursion limit with a 400
    instead of letting the RecursionError become a 500."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from error
