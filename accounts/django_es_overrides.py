"""Spanish (tú) overrides for Django's own texts: password validation and form field errors.

The password hints under the sign-up, password change and password reset forms come from the
validators in AUTH_PASSWORD_VALIDATORS, and the errors under number, date, time, URL and choice
fields come from Django's form fields and validators. Django's Spanish catalog says *usted*
("Su contraseña no puede ser completamente numérica", "Introduzca una fecha válida"), while
Meridian says *tú* (docs/i18n.md). Our catalog (`locale/`, listed in LOCALE_PATHS) takes
precedence over Django's, so each msgid below gets its tú translation in
`locale/es/LC_MESSAGES/django.po`, as `accounts/allauth_es_overrides.py` does for allauth.

`makemessages` only keeps msgids it finds in our own sources, so this module marks Django's
msgids (`django.contrib.auth.password_validation`, `django.forms.fields`,
`django.core.validators`) with `gettext_noop`, and the plural ones with `ngettext_lazy` (never
evaluated). Nothing imports it. Each msgid must stay exactly as Django spells it, curly
apostrophes included; after upgrading Django, check that they still match (a changed msgid is
simply no longer looked up, and Django's usted wording comes back).
"""

from django.utils.translation import gettext_noop, ngettext_lazy

# Help texts listed under the password fields.
gettext_noop("Your password can’t be too similar to your other personal information.")  # noqa: RUF001
ngettext_lazy(
    "Your password must contain at least %(min_length)d character.",
    "Your password must contain at least %(min_length)d characters.",
    "min_length",
)
gettext_noop("Your password can’t be a commonly used password.")  # noqa: RUF001
gettext_noop("Your password can’t be entirely numeric.")  # noqa: RUF001

# Errors shown when a password is refused.
gettext_noop("The password is too similar to the %(verbose_name)s.")
ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
gettext_noop("This password is too common.")
gettext_noop("This password is entirely numeric.")

# Errors of the form fields and validators our forms use (numbers with bounds, dates and times,
# web addresses, choices, lengths). "This field is required." and "Enter a valid email address."
# are in allauth_es_overrides.py; "Enter a whole number." is one of our own msgids.
gettext_noop("Enter a valid value.")
gettext_noop("Enter a number.")
gettext_noop("Enter a valid integer.")
gettext_noop("Enter a valid date.")
gettext_noop("Enter a valid time.")
gettext_noop("Enter a valid date/time.")
gettext_noop("Enter a valid URL.")
gettext_noop("Enter a list of values.")
gettext_noop("Ensure this value is less than or equal to %(limit_value)s.")
gettext_noop("Ensure this value is greater than or equal to %(limit_value)s.")
ngettext_lazy(
    "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
    "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
    "limit_value",
)
ngettext_lazy(
    "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
    "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
    "limit_value",
)
gettext_noop("Select a valid choice. %(value)s is not one of the available choices.")
gettext_noop("Select a valid choice. That choice is not one of the available choices.")
