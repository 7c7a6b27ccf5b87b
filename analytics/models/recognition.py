"""Thank-yous from the program team to a mentor: shown on the recognition pages and the
mentor's certificate, and counted in the reports for performance reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import TenantManager, TenantOwnedModel
from participants.models import Participant

THANK_YOU_MAX_LENGTH = 1000


class ThankYou(TenantOwnedModel):
    mentor = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(_("message"), max_length=THANK_YOU_MAX_LENGTH)
    sent_at = models.DateTimeField(default=timezone.now)

    objects = TenantManager()

    class Meta:
        verbose_name = _("thank-you")
        verbose_name_plural = _("thank-yous")
        ordering = ("-sent_at", "-id")
        indexes = [models.Index(fields=["organization", "mentor"])]

    def __str__(self) -> str:
        return f"Thank-you {self.pk} to participant {self.mentor_id}"
