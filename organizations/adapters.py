from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from organizations.services import signup_complete


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "").strip()
        user.save()
        signup_complete(
            user=user,
            organization_name=form.cleaned_data.get("organization_name", ""),
            invitation_token=request.session.get("pending_invitation_token"),
        )
        return user

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        token = request.session.get("pending_invitation_token")
        if token:
            return reverse("invitation_accept", kwargs={"token": token})
        return super().get_login_redirect_url(request)
