from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from accounts.forms import UserSettingsForm
from accounts.services import user_set_language, user_update_settings
from core.http import AuthenticatedRequest


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher; a signed-in user's pick is also saved on the account."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_set_language(user=request.user, language=language)
    return response


@login_required
def user_settings(request: AuthenticatedRequest) -> HttpResponse:
    form = UserSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = user_update_settings(user=request.user, **form.cleaned_data)
        translation.activate(user.language or translation.get_language())
        messages.success(request, _("Your settings were saved."))
        response = redirect("accounts:settings")
        if user.language:
            response.set_cookie("django_language", user.language, samesite="Lax")
        return response
    return render(request, "accounts/settings.html", {"form": form})
