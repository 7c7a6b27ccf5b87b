"""The "Train now" page: with too few labelled pairs it starts nothing and says how many there
are, how many training needs and what produces them; with enough it starts the training, shows
it running, then the result."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from analytics import tasks_learning
from analytics.learning import MIN_TRAINING_PAIRS, LabelledPair
from matching.learned import LEARNED_THRESHOLD
from tests.conftest import login
from tests.factories import CohortFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cohort(org):
    return CohortFactory(program=ProgramFactory(organization=org, name="Learning"))


def _url(org, cohort):
    return reverse("analytics:learned_train", args=[org.slug, cohort.pk])


def _fake_pairs(monkeypatch, good, not_good):
    pairs = [
        LabelledPair(
            mentorship_id=k,
            cohort_id=1,
            mentee=None,
            mentor=None,
            success=k < good,
            rating=None,
            source="survey",
        )
        for k in range(good + not_good)
    ]
    monkeypatch.setattr("analytics.views_learning.labelled_pairs_of", lambda **kwargs: pairs)


def test_with_no_labelled_pairs_train_now_starts_nothing_and_says_what_is_missing(
    client, org, org_admin, cohort, monkeypatch, django_capture_on_commit_callbacks
):
    started = []
    monkeypatch.setattr(
        tasks_learning.train_learned_models_task, "delay", lambda **kw: started.append(kw)
    )
    login(client, org_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(org, cohort))

    assert response.status_code == 302
    assert response["Location"] == _url(org, cohort)
    assert started == []
    page = client.get(_url(org, cohort))
    text = page.content.decode()
    assert f"0 labelled pairs of the {MIN_TRAINING_PAIRS} training needs" in text
    assert "Training started" not in text
    assert "Not enough labelled pairs" in text
    assert "two-week match check" in text
    assert "end-of-program evaluation" in text
    assert str(LEARNED_THRESHOLD) in text
    assert 'data-testid="learning-not-ready"' in text
    assert "Train now" not in text


def test_enough_pairs_of_one_kind_only_is_not_enough(client, org, org_admin, cohort, monkeypatch):
    _fake_pairs(monkeypatch, good=MIN_TRAINING_PAIRS + 10, not_good=2)
    login(client, org_admin)

    text = client.get(_url(org, cohort)).content.decode()

    assert "(50 good, 2 not good matches)" in text
    assert 'data-testid="learning-not-ready"' in text


def test_with_enough_pairs_training_runs_then_the_page_shows_the_result(
    client, org, org_admin, cohort, monkeypatch, django_capture_on_commit_callbacks
):
    _fake_pairs(monkeypatch, good=30, not_good=20)
    queued = []
    monkeypatch.setattr(
        tasks_learning.train_learned_models_task, "delay", lambda **kw: queued.append(kw)
    )
    login(client, org_admin)
    assert "Train now" in client.get(_url(org, cohort)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(org, cohort))

    assert queued == [{"organization_id": org.pk, "program_id": cohort.program_id}]
    running = client.get(_url(org, cohort), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="learning-running"' in running
    assert 'hx-trigger="every 2s"' in running
    assert "Train now" not in running
    # A second press while it runs queues nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(org, cohort))
    assert len(queued) == 1

    trained = []

    def train(*, organization, program_id):
        trained.append(program_id)
        from matching.models import LearnedMatchModel

        LearnedMatchModel.objects.create(
            organization=organization,
            program_id=program_id,
            trained_at=timezone.now() + dt.timedelta(seconds=1),
            n_pairs=50,
            positive_pairs=30,
            auc=0.71,
            brier=0.2,
            model=b"",
        )

    monkeypatch.setattr(tasks_learning.learning, "learned_model_train_by_id", train)
    tasks_learning.train_learned_models_task(organization_id=org.pk, program_id=cohort.program_id)

    done = client.get(_url(org, cohort), HTTP_HX_REQUEST="true").content.decode()
    assert trained == [cohort.program_id]
    assert 'data-testid="learning-result"' in done
    assert "Trained on 50 labelled pairs" in done
    assert "0.71" in done
    assert "hx-trigger" not in done


def test_a_training_that_fails_says_so(org, cohort, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("boom")

    tasks_learning.training_mark(org.pk, cohort.program_id, "running")
    monkeypatch.setattr(tasks_learning.learning, "learned_model_train_by_id", broken)

    with pytest.raises(RuntimeError):
        tasks_learning.train_learned_models_task(
            organization_id=org.pk, program_id=cohort.program_id
        )

    assert tasks_learning.training_state(org.pk, cohort.program_id)["state"] == "failed"


@pytest.mark.parametrize("role", ["member", "hr_analyst"])
def test_only_program_managers_and_admins_see_the_page(client, org, cohort, role, request):
    login(client, request.getfixturevalue(role))

    assert client.get(_url(org, cohort)).status_code == 403
