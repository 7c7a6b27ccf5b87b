"""The analytics app's models, one module per concern; later modules add their own here."""

from analytics.models.recognition import ThankYou
from analytics.models.snapshots import CohortDaySnapshot

__all__ = ["CohortDaySnapshot", "ThankYou"]
