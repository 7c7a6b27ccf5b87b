from django import forms

from organizations.errors import DomainError


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal beside the input it concerns, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
