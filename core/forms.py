"""Service refusals shown on forms: the one mapping from domain errors to form errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.core.exceptions import ValidationError

from core.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal beside the input it concerns, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def add_validation_error(form: forms.Form, error: ValidationError) -> None:
    """A model's `full_clean` refusal, each message beside its field where the form has it."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


@contextmanager
def service_errors_on(form: forms.Form) -> Iterator[None]:
    """Run a service for a valid form; a refusal lands on the form and makes it invalid,
    so the view's next `form.is_valid()` tells success from refusal."""
    try:
        yield
    except DomainError as error:
        add_domain_error(form, error)
    except ValidationError as error:
        add_validation_error(form, error)
