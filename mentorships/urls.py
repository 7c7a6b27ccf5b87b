"""Pages of a mentorship and of engagement, under /o/<org_slug>/. Each concern's views live in
their own module of `mentorships.views` and add their paths here."""

from django.urls import path

from mentorships.views import availability, check_ins, detail

app_name = "mentorships"

urlpatterns: list = []

# The mentorship's home, its check-ins and each person's weekly availability.
urlpatterns += [
    path("mentorships/<int:mentorship_id>/", detail.mentorship_detail, name="detail"),
    path("mentorships/<int:mentorship_id>/check-ins/", check_ins.check_ins, name="check_ins"),
    path("mentorships/<int:mentorship_id>/check-ins/book/", check_ins.book, name="book"),
    path(
        "check-ins/<int:check_in_id>/reschedule/",
        check_ins.check_in_reschedule,
        name="check_in_reschedule",
    ),
    path("check-ins/<int:check_in_id>/cancel/", check_ins.check_in_cancel, name="check_in_cancel"),
    path("check-ins/<int:check_in_id>/record/", check_ins.check_in_record, name="check_in_record"),
    path("availability/", availability.availability, name="availability"),
]

# Goals and the development plan (E2).
from mentorships.views import goals  # noqa: E402

urlpatterns += [
    path("mentorships/<int:mentorship_id>/goals/", goals.goals, name="goals"),
    path("goals/<int:goal_id>/edit/", goals.goal_edit, name="goal_edit"),
    path("goals/<int:goal_id>/status/", goals.goal_status, name="goal_status"),
    path("goals/<int:goal_id>/move/", goals.goal_move, name="goal_move"),
    path("goals/<int:goal_id>/milestones/", goals.milestone_add, name="milestone_add"),
    path("milestones/<int:milestone_id>/done/", goals.milestone_done, name="milestone_done"),
]

# The learning path: the pair's page and the program managers' editor (E2).
from mentorships.views import path as learning_path  # noqa: E402

urlpatterns += [
    path("mentorships/<int:mentorship_id>/path/", learning_path.path, name="path"),
    path(
        "mentorships/<int:mentorship_id>/path/items/<int:path_item_id>/",
        learning_path.path_item_mark,
        name="path_item_mark",
    ),
    path("programs/<int:program_id>/learning-path/", learning_path.path_edit, name="path_edit"),
    path(
        "programs/<int:program_id>/learning-path/starter/",
        learning_path.path_starter,
        name="path_starter",
    ),
    path(
        "programs/<int:program_id>/learning-path/stages/",
        learning_path.path_stage_add,
        name="path_stage_add",
    ),
    path(
        "programs/<int:program_id>/learning-path/stages/<int:path_stage_id>/",
        learning_path.path_stage_edit,
        name="path_stage_edit",
    ),
    path(
        "programs/<int:program_id>/learning-path/stages/<int:path_stage_id>/delete/",
        learning_path.path_stage_delete,
        name="path_stage_delete",
    ),
    path(
        "programs/<int:program_id>/learning-path/stages/<int:path_stage_id>/items/",
        learning_path.path_item_add,
        name="path_item_add",
    ),
    path(
        "programs/<int:program_id>/learning-path/items/<int:path_item_id>/",
        learning_path.path_item_edit,
        name="path_item_edit",
    ),
    path(
        "programs/<int:program_id>/learning-path/items/<int:path_item_id>/delete/",
        learning_path.path_item_delete,
        name="path_item_delete",
    ),
]

# The living document and private reflections (E2).
from mentorships.views import notes  # noqa: E402

urlpatterns += [
    path("mentorships/<int:mentorship_id>/notes/", notes.notes, name="notes"),
    path(
        "mentorships/<int:mentorship_id>/notes/preview/", notes.notes_preview, name="notes_preview"
    ),
    path("notes/versions/<int:document_revision_id>/", notes.notes_version, name="notes_version"),
    path(
        "mentorships/<int:mentorship_id>/reflections/",
        notes.reflection_write,
        name="reflection_write",
    ),
    path(
        "mentorships/<int:mentorship_id>/reflections/<int:reflection_id>/delete/",
        notes.reflection_delete,
        name="reflection_delete",
    ),
]

# The message thread (E3).
from mentorships.views import messages as message_views  # noqa: E402

urlpatterns += [
    path("mentorships/<int:mentorship_id>/messages/", message_views.messages, name="messages"),
    path(
        "mentorships/<int:mentorship_id>/messages/post/",
        message_views.message_post,
        name="message_post",
    ),
    path("messages/<int:message_id>/edit/", message_views.message_edit, name="message_edit"),
]

# A mentorship's lifecycle: pause, resume, close, ask for a new match.
from mentorships.views import lifecycle as lifecycle_views  # noqa: E402

urlpatterns += [
    path("mentorships/<int:mentorship_id>/pause/", lifecycle_views.pause, name="pause"),
    path("mentorships/<int:mentorship_id>/resume/", lifecycle_views.resume, name="resume"),
    path("mentorships/<int:mentorship_id>/close/", lifecycle_views.close, name="close"),
    path("mentorships/<int:mentorship_id>/rematch/", lifecycle_views.rematch, name="rematch"),
]

# The program team's at-risk list and its one-click nudge.
from mentorships.views import at_risk as at_risk_views  # noqa: E402

urlpatterns += [
    path("mentorships/at-risk/", at_risk_views.at_risk, name="at_risk"),
    path("mentorships/<int:mentorship_id>/nudge/", at_risk_views.nudge, name="at_risk_nudge"),
]

# The program community (E3).
from mentorships.views import community as community_views  # noqa: E402

urlpatterns += [
    path("programs/<int:program_id>/community/", community_views.community, name="community"),
    path("community/topics/<int:topic_id>/", community_views.topic, name="topic"),
    path(
        "community/topics/<int:topic_id>/moderate/",
        community_views.topic_moderate,
        name="topic_moderate",
    ),
    path(
        "community/replies/<int:reply_id>/moderate/",
        community_views.reply_moderate,
        name="reply_moderate",
    ),
]

# The program team's engagement settings (reminder hours, nudges, at-risk rules) and the staff
# list of mentorships (metadata only).
from mentorships.views import admin as admin_views  # noqa: E402
from mentorships.views import engagement_settings as engagement_settings_views  # noqa: E402

urlpatterns += [
    path(
        "programs/<int:program_id>/engagement/",
        engagement_settings_views.engagement_settings,
        name="engagement_settings",
    ),
    path("mentorships/", admin_views.admin_list, name="admin_list"),
]
