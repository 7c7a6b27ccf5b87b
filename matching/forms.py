from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.config import RULE_NAMES, WEIGHT_NAMES, CohortMatchingConfig, SelfMatchConfig
from matching.engine import Objective
from matching.selectors import ProposalFilter

WEIGHT_LABELS = {
    "text": _("Goals ↔ expertise text similarity"),
    "skills": _("Skill overlap"),
    "language": _("Shared languages"),
    "hours": _("Working-hours overlap"),
    "seniority": _("Seniority gap"),
    "diversity": _("Cross-cultural / cross-functional bonus"),
    "preferences": _("Stated preferences"),
}
RULE_LABELS = {
    "shared_language": _("Require a shared working language"),
    "reporting_line": _("Never match within a reporting line"),
    "same_manager": _("Never match people who share a manager"),
    "rotate_mentors": _("Rotate mentors: no pair from this program's earlier cohorts"),
}
OBJECTIVE_CHOICES = [
    (Objective.PARTICIPATION_FIRST.value, _("Match as many people as possible, then best total")),
    (Objective.SCORE_FIRST.value, _("Best total score (may leave seats empty)")),
    (Objective.FAIRNESS.value, _("Fairest: raise the weakest match first")),
    (Objective.STABLE.value, _("Stable matching from stated preferences")),
]


class MatchingSettingsForm(forms.Form):
    objective = forms.ChoiceField(label=_("Objective"), choices=OBJECTIVE_CHOICES)
    min_score = forms.FloatField(
        label=_("Minimum match score"),
        min_value=0,
        max_value=1,
        help_text=_("0 to 1. Pairs scoring below it are never proposed."),
    )
    load_balance = forms.BooleanField(
        label=_("Spread mentees across mentors instead of filling popular mentors first"),
        required=False,
    )
    seniority_gap_low = forms.IntegerField(
        label=_("Mentor at least this many levels above"), min_value=-4, max_value=4
    )
    seniority_gap_high = forms.IntegerField(
        label=_("…and at most this many"), min_value=-4, max_value=4
    )
    group_size = forms.IntegerField(
        label=_("Group size (group programs)"), min_value=2, max_value=20
    )
    board_roles = forms.CharField(
        label=_("Advisory board seats"),
        required=False,
        help_text=_("Comma-separated roles, e.g. skill, career, culture, sponsor."),
    )
    schedule = forms.ChoiceField(
        label=_("Scheduled rounds"),
        choices=[
            ("off", _("Only when I run them")),
            ("weekly", _("Weekly, matching newcomers only")),
        ],
    )
    self_match_enabled = forms.BooleanField(
        label=_("Let mentees choose their mentors"), required=False
    )
    self_match_require_approval = forms.BooleanField(
        label=_("Admins approve self-matched pairs"), required=False
    )
    self_match_response_days = forms.IntegerField(
        label=_("Days a mentor has to answer a request"), min_value=1, max_value=30
    )

    def __init__(self, *args, learned_offered: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in WEIGHT_NAMES:
            self.fields[f"weight_{name}"] = forms.FloatField(
                label=WEIGHT_LABELS.get(name, name), min_value=0, max_value=5
            )
        if learned_offered:  # the program's success model has learned from enough pairs
            self.fields["weight_learned"] = forms.FloatField(
                label=_("Learned match success"), min_value=0, max_value=5, initial=0
            )
        for name in RULE_NAMES:
            self.fields[f"rule_{name}"] = forms.BooleanField(
                label=RULE_LABELS[name], required=False
            )

    @classmethod
    def initial_for(cls, config: CohortMatchingConfig) -> dict:
        initial = {
            "objective": config.objective,
            "min_score": config.min_score,
            "load_balance": config.load_balance,
            "seniority_gap_low": config.seniority_gap[0],
            "seniority_gap_high": config.seniority_gap[1],
            "group_size": config.group_size,
            "board_roles": ", ".join(config.board_roles),
            "schedule": config.schedule,
            "self_match_enabled": config.self_match.enabled,
            "self_match_require_approval": config.self_match.require_approval,
            "self_match_response_days": config.self_match.response_days,
        }
        initial.update({f"weight_{k}": v for k, v in config.weights.items()})
        initial.update({f"rule_{k}": v for k, v in config.rules.items()})
        return initial

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("seniority_gap_low"), cleaned.get("seniority_gap_high")
        if low is not None and high is not None and low > high:
            self.add_error("seniority_gap_high", _("Must be at least the lower bound."))
        if all(cleaned.get(f"weight_{name}") == 0 for name in WEIGHT_NAMES):
            self.add_error(None, _("Give at least one factor a weight above zero."))
        return cleaned

    def weight_fields(self):
        learned = ["learned"] if "weight_learned" in self.fields else []
        return [self[f"weight_{name}"] for name in (*WEIGHT_NAMES, *learned)]

    def option_fields(self):
        return [self[name] for name in self.base_fields]

    def rule_fields(self):
        return [self[f"rule_{name}"] for name in RULE_NAMES]

    def to_config(self) -> CohortMatchingConfig:
        data = self.cleaned_data
        return CohortMatchingConfig(
            weights={name: data[f"weight_{name}"] for name in WEIGHT_NAMES}
            | ({"learned": data["weight_learned"]} if "weight_learned" in data else {}),
            rules={name: data[f"rule_{name}"] for name in RULE_NAMES},
            objective=data["objective"],
            min_score=data["min_score"],
            load_balance=data["load_balance"],
            seniority_gap=(data["seniority_gap_low"], data["seniority_gap_high"]),
            group_size=data["group_size"],
            board_roles=tuple(r.strip() for r in data["board_roles"].split(",") if r.strip()),
            schedule=data["schedule"],
            self_match=SelfMatchConfig(
                enabled=data["self_match_enabled"],
                require_approval=data["self_match_require_approval"],
                response_days=data["self_match_response_days"],
            ),
        )


class StartRoundForm(forms.Form):
    newcomers_only = forms.BooleanField(
        label=_("Match only people without a mentorship yet"), required=False
    )


class SwapChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("%(mentor)s (now with %(mentee)s)") % {
            "mentor": obj.mentor.full_name,
            "mentee": obj.mentee.full_name,
        }


class SwapForm(forms.Form):
    """Pick the round's other pair whose mentor this pair's mentee takes (and vice versa)."""

    other = SwapChoiceField(
        label=_("Swap mentor with"),
        queryset=None,
        empty_label="—",
        error_messages={"invalid_choice": _("Choose one of the listed mentors.")},
    )

    def __init__(self, *args, proposal, candidates, **kwargs):
        kwargs.setdefault("auto_id", f"swap-{proposal.pk}-%s")
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        self.fields["other"].queryset = candidates


REVIEW_PAGE_SIZE = 50


class ProposalFilterForm(forms.Form):
    """The round review's filters (a GET form): what the list and "all that match" act on."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            ("proposed", _("Undecided")),
            ("approved", _("Approved")),
            ("rejected", _("Rejected")),
        ],
    )
    min_score = forms.FloatField(label=_("Score from"), required=False, min_value=0, max_value=1)
    max_score = forms.FloatField(label=_("to"), required=False, min_value=0, max_value=1)
    reason = forms.ChoiceField(
        label=_("Matched on"),
        required=False,
        choices=[("", _("Any reason")), *WEIGHT_LABELS.items()],
    )
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("score", _("Best score first")),
            ("-score", _("Weakest score first")),
            ("mentee", _("Mentee name")),
            ("mentor", _("Mentor name")),
        ],
    )

    # The parameters the filters own; the list keeps them in its links and bulk forms.
    KEYS = ("status", "min_score", "max_score", "reason", "q", "sort")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
        for name in ("min_score", "max_score"):
            self.fields[name].widget.attrs.update({"step": "0.05", "inputmode": "decimal"})
        self.fields["q"].widget.attrs.update(
            {"type": "search", "placeholder": _("Mentee or mentor")}
        )

    def to_filter(self):
        """The valid filters as a selectors.ProposalFilter; invalid values are left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ProposalFilter(
            status=data.get("status") or "",
            min_score=data.get("min_score"),
            max_score=data.get("max_score"),
            reason=data.get("reason") or "",
            search=(data.get("q") or "").strip(),
            sort=data.get("sort") or "score",
        )

    def query(self) -> str:
        """The valid filters as a query string (without the page)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return urlencode({key: data[key] for key in self.KEYS if data.get(key) not in (None, "")})


class BulkDecisionForm(forms.Form):
    """Approve or reject the selected pairs, or every pair the filters list."""

    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    scope = forms.ChoiceField(
        choices=[("selected", _("The selected pairs")), ("filtered", _("All that match"))]
    )

    def clean(self):
        cleaned = super().clean()
        # Checked boxes: ids of this round's pairs, which the service checks again.
        cleaned["ids"] = [int(pk) for pk in self.data.getlist("ids") if str(pk).isdigit()]
        if cleaned.get("scope") == "selected" and not cleaned.get("ids"):
            raise forms.ValidationError(_("Select at least one pair, or act on all that match."))
        return cleaned
