from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

from core.models import TenantManager, TenantOwnedModel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Organization(models.Model):
    """The tenant. Every tenant-owned row points here."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Anonymous survey results never show a group smaller than this (at least 3).
    survey_anonymity_threshold = models.PositiveSmallIntegerField(
        _("smallest group shown in anonymous survey results"),
        default=5,
        validators=[MinValueValidator(3)],
    )

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("dashboard", kwargs={"org_slug": self.slug})


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    PROGRAM_MANAGER = "program_manager", _("Program manager")
    HR_ANALYST = "hr_analyst", _("HR analyst")
    MEMBER = "member", _("Member")


class Membership(TenantOwnedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)

    objects = TenantManager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization_id} ({self.role})"


class Invitation(TenantOwnedModel):
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    # Only a SHA-256 of the emailed token is kept: a database leak does not leak live links.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} ({self.role})"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class APIKeyScope(models.TextChoices):
    READ = "read", _("Read programs, cohorts and participants")
    WRITE = "write", _("Create and change programs, cohorts and participants")
    REPORTS_READ = "reports:read", _("Read reports")


class OrganizationAPIKey(AbstractAPIKey):
    """Hashed at rest by djangorestframework-api-key; the full key is shown once."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    # `objects` (the library's manager) finds a key by its prefix before the organization is
    # known, like a login; everything else goes through the scoped manager.
    scoped = TenantManager()

    # The library annotates its Meta's names as `str`; Django takes lazy translations there.
    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")  # type: ignore[assignment]
        verbose_name_plural = _("API keys")  # type: ignore[assignment]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class AuditLogEntry(TenantOwnedModel):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    target = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = TenantManager()

    # Not a column: the audit log page sets it to the action in words.
    action_label: StrOrPromise

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"
