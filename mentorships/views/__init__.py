"""Views of the mentorships app, one module per concern (check-ins, goals, messages…)."""
