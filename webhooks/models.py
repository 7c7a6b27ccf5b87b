"""webhooks models."""
