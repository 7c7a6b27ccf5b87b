"""The surveys Meridian ships, in English and Spanish. A program copies one
(`surveys.services.survey_create_from_template`) and edits the copy; nothing reads these after
the copy except by `template_key`.

Question keys are stable names other code relies on: the match check's `good_match` and
`request_new_match` feed the at-risk list, and analytics reads outcomes by key (`confidence`,
`overall_satisfaction`, `recommend`, …). Change a key and those readers lose it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from surveys.models import Audience, QuestionType, ScheduleTrigger, SurveyKind

# Each text is {"en": …, "es": …}.
Text = dict[str, str]


def _t(en: str, es: str) -> Text:
    return {"en": en, "es": es}


@dataclass(frozen=True)
class TemplateChoice:
    value: str
    label: Text


@dataclass(frozen=True)
class TemplateStatement:
    key: str
    text: Text


@dataclass(frozen=True)
class TemplateQuestion:
    key: str
    type: str
    text: Text
    required: bool = False
    help_text: Text = field(default_factory=dict)
    low_label: Text = field(default_factory=dict)
    high_label: Text = field(default_factory=dict)
    choices: tuple[TemplateChoice, ...] = ()
    statements: tuple[TemplateStatement, ...] = ()
    # (key of an earlier question, the answers that show this one)
    show_if: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class TemplateSection:
    title: Text
    questions: tuple[TemplateQuestion, ...]
    description: Text = field(default_factory=dict)


@dataclass(frozen=True)
class TemplateSchedule:
    trigger: str
    audience: str
    days: int | None = None
    check_in_number: int | None = None


@dataclass(frozen=True)
class SurveyTemplate:
    key: str
    kind: str
    name: Text
    intro: Text
    description: Text  # what it is for, shown when choosing a template
    sections: tuple[TemplateSection, ...]
    schedules: tuple[TemplateSchedule, ...]
    anonymous: bool = False
    per_mentorship: bool = False

    @property
    def question_count(self) -> int:
        return sum(len(section.questions) for section in self.sections)


# --- Shared scales -------------------------------------------------------------------------

_DISAGREE = _t("Strongly disagree", "Totalmente en desacuerdo")
_AGREE = _t("Strongly agree", "Totalmente de acuerdo")
_NOT_AT_ALL = _t("Not at all", "Nada")
_A_LOT = _t("A great deal", "Muchísimo")


def _choices(*pairs: tuple[str, str, str]) -> tuple[TemplateChoice, ...]:
    return tuple(TemplateChoice(value, _t(en, es)) for value, en, es in pairs)


def _statements(*triples: tuple[str, str, str]) -> tuple[TemplateStatement, ...]:
    return tuple(TemplateStatement(key, _t(en, es)) for key, en, es in triples)


def _growth(key: str, en: str, es: str) -> TemplateQuestion:
    return TemplateQuestion(
        key=key,
        type=QuestionType.SCALE_1_5,
        text=_t(en, es),
        required=True,
        low_label=_NOT_AT_ALL,
        high_label=_A_LOT,
    )


# --- The templates -------------------------------------------------------------------------

MATCH_CHECK = SurveyTemplate(
    key="match_check",
    kind=SurveyKind.MATCH_CHECK,
    name=_t("Two-week match check", "Revisión del emparejamiento a las dos semanas"),
    intro=_t(
        "Two weeks in: is this match working for you? Your answer goes to the program team, "
        "who can find you a new match if it is not.",
        "Llevas dos semanas: ¿te funciona este emparejamiento? Tu respuesta llega al equipo "
        "del programa, que puede buscarte otro emparejamiento si no funciona.",
    ),
    description=_t(
        "Asks both sides whether the match works, with a path to request a new match.",
        "Pregunta a ambas partes si el emparejamiento funciona, con la opción de pedir otro.",
    ),
    per_mentorship=True,
    schedules=(
        TemplateSchedule(
            ScheduleTrigger.AFTER_MENTORSHIP_PUBLISHED, audience=Audience.BOTH, days=14
        ),
    ),
    sections=(
        TemplateSection(
            title=_t("Your match", "Tu emparejamiento"),
            questions=(
                TemplateQuestion(
                    key="good_match",
                    type=QuestionType.SINGLE,
                    text=_t("Is this a good match for you?", "¿Es un buen emparejamiento para ti?"),
                    required=True,
                    choices=_choices(
                        ("yes", "Yes, it is working", "Sí, está funcionando"),
                        ("unsure", "Not sure yet", "Todavía no lo sé"),
                        ("no", "No, it is not working", "No, no está funcionando"),
                    ),
                ),
                TemplateQuestion(
                    key="first_meeting",
                    type=QuestionType.SINGLE,
                    text=_t(
                        "Have you had your first check-in?",
                        "¿Ya tuvieron su primera reunión de seguimiento?",
                    ),
                    required=True,
                    choices=_choices(
                        ("held", "Yes", "Sí"),
                        ("booked", "It is booked", "Está agendada"),
                        ("not_yet", "Not yet", "Todavía no"),
                    ),
                ),
                TemplateQuestion(
                    key="going_well",
                    type=QuestionType.LONG_TEXT,
                    text=_t(
                        "What is going well so far?", "¿Qué está funcionando bien hasta ahora?"
                    ),
                    show_if=("good_match", ("yes",)),
                ),
                TemplateQuestion(
                    key="match_concerns",
                    type=QuestionType.LONG_TEXT,
                    text=_t("What is getting in the way?", "¿Qué lo está dificultando?"),
                    help_text=_t(
                        "Only the program team reads this.",
                        "Solo el equipo del programa lo lee.",
                    ),
                    show_if=("good_match", ("unsure", "no")),
                ),
                TemplateQuestion(
                    key="request_new_match",
                    type=QuestionType.SINGLE,
                    text=_t(
                        "Would you like the program team to find you a new match?",
                        "¿Quieres que el equipo del programa te busque otro emparejamiento?",
                    ),
                    required=True,
                    choices=_choices(
                        ("yes", "Yes, please request a new match", "Sí, pide otro emparejamiento"),
                        ("no", "No, we will keep trying", "No, seguiremos intentándolo"),
                    ),
                    show_if=("good_match", ("no",)),
                ),
            ),
        ),
    ),
)

MIDPOINT = SurveyTemplate(
    key="midpoint",
    kind=SurveyKind.MIDPOINT,
    name=_t("Midpoint evaluation", "Evaluación de mitad de programa"),
    intro=_t(
        "Halfway there. Tell us how it is going so the second half works even better. Your "
        "answers are anonymous.",
        "Vas por la mitad. Cuéntanos cómo va para que la segunda mitad funcione aún mejor. Tus "
        "respuestas son anónimas.",
    ),
    description=_t(
        "Progress toward goals, how the pair meets, and what to change for the second half.",
        "Avance hacia los objetivos, cómo se reúne la pareja y qué cambiar en la segunda mitad.",
    ),
    anonymous=True,
    schedules=(
        TemplateSchedule(
            ScheduleTrigger.AFTER_MENTORSHIP_PUBLISHED, audience=Audience.BOTH, days=60
        ),
    ),
    sections=(
        TemplateSection(
            title=_t("Progress", "Avance"),
            questions=(
                TemplateQuestion(
                    key="goal_progress",
                    type=QuestionType.SCALE_1_5,
                    text=_t(
                        "How much progress have you made toward your goals?",
                        "¿Cuánto has avanzado hacia tus objetivos?",
                    ),
                    required=True,
                    low_label=_t("None yet", "Nada todavía"),
                    high_label=_t("A lot", "Mucho"),
                ),
                TemplateQuestion(
                    key="meeting_frequency",
                    type=QuestionType.SINGLE,
                    text=_t("How often do you meet?", "¿Cada cuánto se reúnen?"),
                    required=True,
                    choices=_choices(
                        ("weekly", "Every week", "Cada semana"),
                        ("biweekly", "Every two weeks", "Cada dos semanas"),
                        ("monthly", "Every month", "Cada mes"),
                        ("rarely", "Less often", "Con menos frecuencia"),
                    ),
                ),
            ),
        ),
        TemplateSection(
            title=_t("Working together", "Trabajar juntos"),
            questions=(
                TemplateQuestion(
                    key="relationship",
                    type=QuestionType.MATRIX,
                    text=_t(
                        "How much do you agree with each statement?",
                        "¿Cuánto estás de acuerdo con cada afirmación?",
                    ),
                    required=True,
                    low_label=_DISAGREE,
                    high_label=_AGREE,
                    statements=_statements(
                        (
                            "meet_as_planned",
                            "We meet as often as we planned",
                            "Nos reunimos tan a menudo como planeamos",
                        ),
                        (
                            "useful_conversations",
                            "Our conversations are useful to me",
                            "Nuestras conversaciones me resultan útiles",
                        ),
                        ("feel_heard", "I feel heard", "Siento que me escuchan"),
                    ),
                ),
                TemplateQuestion(
                    key="support_wanted",
                    type=QuestionType.MULTIPLE,
                    text=_t(
                        "What would help you get more out of the program?",
                        "¿Qué te ayudaría a aprovechar más el programa?",
                    ),
                    choices=_choices(
                        ("time", "More time set aside for it", "Más tiempo reservado para ello"),
                        ("topics", "Ideas for what to talk about", "Ideas de temas para hablar"),
                        ("training", "Training on mentoring", "Formación sobre mentoría"),
                        ("events", "Program events", "Eventos del programa"),
                    ),
                ),
                TemplateQuestion(
                    key="second_half_change",
                    type=QuestionType.LONG_TEXT,
                    text=_t(
                        "What one thing would you change for the second half?",
                        "¿Qué cambiarías en la segunda mitad?",
                    ),
                ),
            ),
        ),
    ),
)

END = SurveyTemplate(
    key="end",
    kind=SurveyKind.END,
    name=_t("End-of-program evaluation", "Evaluación de fin de programa"),
    intro=_t(
        "The program is ending. How much did it help you grow? Your answers are anonymous and "
        "shape the next cohort.",
        "El programa termina. ¿Cuánto te ayudó a crecer? Tus respuestas son anónimas y darán "
        "forma a la próxima cohorte.",
    ),
    description=_t(
        "Confidence, skills gained, network growth, cultural awareness and cross-functional "
        "understanding.",
        "Confianza, habilidades adquiridas, crecimiento de la red, conciencia cultural y "
        "comprensión entre áreas.",
    ),
    anonymous=True,
    schedules=(
        TemplateSchedule(ScheduleTrigger.BEFORE_COHORT_END, audience=Audience.BOTH, days=7),
    ),
    sections=(
        TemplateSection(
            title=_t("How you grew", "Cómo creciste"),
            description=_t(
                "Because of the program, how much have you grown in each area?",
                "Gracias al programa, ¿cuánto has crecido en cada área?",
            ),
            questions=(
                _growth("confidence", "Confidence", "Confianza"),
                _growth("skills_gained", "Skills for your role", "Habilidades para tu puesto"),
                _growth(
                    "network_growth",
                    "Your network across the organization",
                    "Tu red de contactos en la organización",
                ),
                _growth(
                    "cultural_awareness",
                    "Awareness of other cultures",
                    "Conciencia de otras culturas",
                ),
                _growth(
                    "cross_functional_understanding",
                    "Understanding of other teams and functions",
                    "Comprensión de otros equipos y áreas",
                ),
                TemplateQuestion(
                    key="skill_developed",
                    type=QuestionType.SHORT_TEXT,
                    text=_t(
                        "Which skill did you develop most?",
                        "¿Qué habilidad desarrollaste más?",
                    ),
                ),
            ),
        ),
        TemplateSection(
            title=_t("Looking back", "Mirando atrás"),
            questions=(
                TemplateQuestion(
                    key="goals_met",
                    type=QuestionType.SINGLE,
                    text=_t(
                        "Did you reach the goals you set?",
                        "¿Alcanzaste los objetivos que te propusiste?",
                    ),
                    required=True,
                    choices=_choices(
                        ("fully", "Fully", "Por completo"),
                        ("partly", "Partly", "En parte"),
                        ("not_yet", "Not yet", "Todavía no"),
                    ),
                ),
                TemplateQuestion(
                    key="overall_satisfaction",
                    type=QuestionType.SCALE_1_5,
                    text=_t(
                        "Overall, how satisfied are you with the program?",
                        "En general, ¿qué tan satisfecho estás con el programa?",
                    ),
                    required=True,
                    low_label=_t("Very dissatisfied", "Muy insatisfecho"),
                    high_label=_t("Very satisfied", "Muy satisfecho"),
                ),
                TemplateQuestion(
                    key="keep_in_touch",
                    type=QuestionType.SINGLE,
                    text=_t(
                        "Will you keep in touch with your mentoring partner?",
                        "¿Seguirás en contacto con tu pareja de mentoría?",
                    ),
                    choices=_choices(
                        ("yes", "Yes", "Sí"),
                        ("maybe", "Maybe", "Tal vez"),
                        ("no", "No", "No"),
                    ),
                ),
                TemplateQuestion(
                    key="story",
                    type=QuestionType.LONG_TEXT,
                    text=_t(
                        "Is there a moment or result you would like to share?",
                        "¿Hay algún momento o resultado que quieras compartir?",
                    ),
                ),
            ),
        ),
    ),
)

MENTOR_FEEDBACK = SurveyTemplate(
    key="mentor_feedback",
    kind=SurveyKind.MENTOR_FEEDBACK,
    name=_t("Feedback on your mentor's approach", "Opinión sobre el enfoque de tu mentor"),
    intro=_t(
        "How is your mentor's approach working for you? Answers are anonymous. If the program "
        "shares them, your mentor sees only combined answers from at least three mentees.",
        "¿Cómo te funciona el enfoque de tu mentor? Las respuestas son anónimas. Si el programa "
        "las comparte, tu mentor solo ve respuestas combinadas de al menos tres mentorados.",
    ),
    description=_t(
        "Mentees rate how their mentor listens, questions and challenges (mentee to mentor).",
        "Los mentorados valoran cómo su mentor escucha, pregunta y desafía "
        "(de mentorado a mentor).",
    ),
    anonymous=True,
    per_mentorship=True,
    schedules=(
        TemplateSchedule(
            ScheduleTrigger.AFTER_CHECK_IN, audience=Audience.MENTEES, check_in_number=3
        ),
    ),
    sections=(
        TemplateSection(
            title=_t("Your mentor's approach", "El enfoque de tu mentor"),
            questions=(
                TemplateQuestion(
                    key="approach",
                    type=QuestionType.MATRIX,
                    text=_t("My mentor…", "Mi mentor…"),
                    required=True,
                    low_label=_DISAGREE,
                    high_label=_AGREE,
                    statements=_statements(
                        ("listens", "listens carefully", "escucha con atención"),
                        (
                            "asks_questions",
                            "asks questions that make me think",
                            "hace preguntas que me hacen pensar",
                        ),
                        (
                            "shares_experience",
                            "shares experience without imposing it",
                            "comparte su experiencia sin imponerla",
                        ),
                        (
                            "challenges",
                            "challenges me constructively",
                            "me desafía de forma constructiva",
                        ),
                        (
                            "available",
                            "is available when we agreed",
                            "está disponible cuando lo acordamos",
                        ),
                        (
                            "safe_to_not_know",
                            "makes it safe to say what I do not know",
                            "hace que sea seguro decir lo que no sé",
                        ),
                    ),
                ),
                TemplateQuestion(
                    key="helps_most",
                    type=QuestionType.LONG_TEXT,
                    text=_t(
                        "What does your mentor do that helps you most?",
                        "¿Qué hace tu mentor que más te ayuda?",
                    ),
                ),
                TemplateQuestion(
                    key="do_differently",
                    type=QuestionType.LONG_TEXT,
                    text=_t(
                        "What could your mentor do differently?",
                        "¿Qué podría hacer tu mentor de otra manera?",
                    ),
                ),
            ),
        ),
    ),
)

MENTOR_VIEW = SurveyTemplate(
    key="mentor_view",
    kind=SurveyKind.MENTOR_VIEW,
    name=_t("Your view of the mentorship", "Tu visión de la mentoría"),
    intro=_t(
        "As a mentor, how do you see this mentorship? The program team reads your answers to "
        "support you and your mentee.",
        "Como mentor, ¿cómo ves esta mentoría? El equipo del programa lee tus respuestas para "
        "apoyarte a ti y a tu mentorado.",
    ),
    description=_t(
        "The mentor's view: the mentee's engagement and progress, and what would help.",
        "La visión del mentor: el compromiso y el avance del mentorado, y qué ayudaría.",
    ),
    per_mentorship=True,
    schedules=(
        TemplateSchedule(
            ScheduleTrigger.AFTER_CHECK_IN, audience=Audience.MENTORS, check_in_number=3
        ),
    ),
    sections=(
        TemplateSection(
            title=_t("Your mentorship", "Tu mentoría"),
            questions=(
                TemplateQuestion(
                    key="mentee_engagement",
                    type=QuestionType.SCALE_1_5,
                    text=_t(
                        "How engaged is your mentee?", "¿Qué tan comprometido está tu mentorado?"
                    ),
                    required=True,
                    low_label=_t("Not engaged", "Nada comprometido"),
                    high_label=_t("Very engaged", "Muy comprometido"),
                ),
                TemplateQuestion(
                    key="mentee_progress",
                    type=QuestionType.SCALE_1_5,
                    text=_t(
                        "How much progress is your mentee making toward their goals?",
                        "¿Cuánto avanza tu mentorado hacia sus objetivos?",
                    ),
                    required=True,
                    low_label=_t("None yet", "Nada todavía"),
                    high_label=_t("A lot", "Mucho"),
                ),
                TemplateQuestion(
                    key="relationship_health",
                    type=QuestionType.SINGLE,
                    text=_t(
                        "How would you describe the mentorship?",
                        "¿Cómo describirías la mentoría?",
                    ),
                    required=True,
                    choices=_choices(
                        ("thriving", "Thriving", "Próspera"),
                        ("steady", "Steady", "Estable"),
                        ("struggling", "Struggling", "Con dificultades"),
                    ),
                ),
                TemplateQuestion(
                    key="help_wanted",
                    type=QuestionType.LONG_TEXT,
                    text=_t(
                        "What would help? The program team reads this.",
                        "¿Qué ayudaría? El equipo del programa lo lee.",
                    ),
                    show_if=("relationship_health", ("struggling",)),
                ),
                TemplateQuestion(
                    key="mentor_learned",
                    type=QuestionType.LONG_TEXT,
                    text=_t(
                        "What have you learned as a mentor so far?",
                        "¿Qué has aprendido como mentor hasta ahora?",
                    ),
                ),
            ),
        ),
    ),
)

SAFETY_PULSE = SurveyTemplate(
    key="safety_pulse",
    kind=SurveyKind.SAFETY_PULSE,
    name=_t("Psychological-safety pulse", "Pulso de seguridad psicológica"),
    intro=_t(
        "Four quick statements about how safe your mentoring conversations feel. Anonymous.",
        "Cuatro afirmaciones rápidas sobre qué tan seguras se sienten tus conversaciones de "
        "mentoría. Anónimo.",
    ),
    description=_t(
        "A one-minute anonymous pulse on openness, mistakes and asking for help.",
        "Un pulso anónimo de un minuto sobre apertura, errores y pedir ayuda.",
    ),
    anonymous=True,
    schedules=(
        TemplateSchedule(ScheduleTrigger.AFTER_COHORT_START, audience=Audience.BOTH, days=30),
    ),
    sections=(
        TemplateSection(
            title=_t("In our conversations", "En nuestras conversaciones"),
            questions=(
                TemplateQuestion(
                    key="safety",
                    type=QuestionType.MATRIX,
                    text=_t(
                        "How much do you agree with each statement?",
                        "¿Cuánto estás de acuerdo con cada afirmación?",
                    ),
                    required=True,
                    low_label=_DISAGREE,
                    high_label=_AGREE,
                    statements=_statements(
                        (
                            "disagree_openly",
                            "I can disagree openly",
                            "Puedo expresar mi desacuerdo abiertamente",
                        ),
                        (
                            "mistakes_to_learn",
                            "Mistakes are treated as chances to learn",
                            "Los errores se ven como oportunidades para aprender",
                        ),
                        (
                            "ask_for_help",
                            "I can ask for help without feeling judged",
                            "Puedo pedir ayuda sin sentirme juzgado",
                        ),
                        ("be_myself", "I can be myself", "Puedo ser yo mismo"),
                    ),
                ),
                TemplateQuestion(
                    key="feel_safer",
                    type=QuestionType.LONG_TEXT,
                    text=_t(
                        "What would make these conversations feel safer?",
                        "¿Qué haría que estas conversaciones se sintieran más seguras?",
                    ),
                ),
            ),
        ),
    ),
)

NPS = SurveyTemplate(
    key="nps",
    kind=SurveyKind.NPS,
    name=_t("Program recommendation (NPS)", "Recomendación del programa (NPS)"),
    intro=_t(
        "One question, and a reason if you like. Anonymous.",
        "Una pregunta y, si quieres, un motivo. Anónimo.",
    ),
    description=_t(
        "The Net Promoter Score of the program, with the reason behind each score.",
        "El Net Promoter Score del programa, con el motivo de cada puntuación.",
    ),
    anonymous=True,
    schedules=(
        TemplateSchedule(ScheduleTrigger.BEFORE_COHORT_END, audience=Audience.BOTH, days=3),
    ),
    sections=(
        TemplateSection(
            title=_t("Would you recommend it?", "¿Lo recomendarías?"),
            questions=(
                TemplateQuestion(
                    key="recommend",
                    type=QuestionType.NPS,
                    text=_t(
                        "How likely are you to recommend this program to a colleague?",
                        "¿Qué probabilidad hay de que recomiendes este programa a un colega?",
                    ),
                    required=True,
                    low_label=_t("Not at all likely", "Nada probable"),
                    high_label=_t("Extremely likely", "Muy probable"),
                ),
                TemplateQuestion(
                    key="recommend_reason",
                    type=QuestionType.LONG_TEXT,
                    text=_t(
                        "What is the main reason for your score?",
                        "¿Cuál es el motivo principal de tu puntuación?",
                    ),
                ),
            ),
        ),
    ),
)

SURVEY_TEMPLATES: dict[str, SurveyTemplate] = {
    template.key: template
    for template in (
        MATCH_CHECK,
        MIDPOINT,
        END,
        MENTOR_FEEDBACK,
        MENTOR_VIEW,
        SAFETY_PULSE,
        NPS,
    )
}
