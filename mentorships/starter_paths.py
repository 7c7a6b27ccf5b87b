"""Starter learning paths, one per program goal, in English and Spanish. A program copies one
and edits it from there; nothing reads these after the copy."""

from __future__ import annotations

from dataclasses import dataclass, field

# Each text is {"en": …, "es": …}.
Text = dict[str, str]


@dataclass(frozen=True)
class StarterItem:
    kind: str  # "milestone", "prompt" or "resource"
    text: Text
    url: str = ""


@dataclass(frozen=True)
class StarterStage:
    title: Text
    description: Text
    items: tuple[StarterItem, ...]
    opens_after_days: int | None = None
    opens_after_check_ins: int | None = None


@dataclass(frozen=True)
class StarterPath:
    key: str
    name: Text
    stages: tuple[StarterStage, ...] = field(default=())


def _t(en: str, es: str) -> Text:
    return {"en": en, "es": es}


def _milestone(en: str, es: str) -> StarterItem:
    return StarterItem("milestone", _t(en, es))


def _prompt(en: str, es: str) -> StarterItem:
    return StarterItem("prompt", _t(en, es))


_GETTING_STARTED = StarterStage(
    title=_t("Getting started", "Primeros pasos"),
    description=_t(
        "Get to know each other and agree how you will work together.",
        "Conózcanse y acuerden cómo van a trabajar juntos.",
    ),
    items=(
        _milestone(
            "Hold your first check-in and agree how often you will meet",
            "Tengan su primer encuentro y acuerden cada cuánto se verán",
        ),
        _milestone(
            "Write your agreements in the shared document",
            "Escriban sus acuerdos en el documento compartido",
        ),
        _prompt(
            "What do you each hope to take away from these months?",
            "¿Qué espera llevarse cada uno de estos meses?",
        ),
    ),
)

_CLOSING = StarterStage(
    title=_t("Looking back", "Mirar atrás"),
    description=_t(
        "Take stock of what changed and decide what comes next.",
        "Hagan balance de lo que cambió y decidan qué sigue.",
    ),
    opens_after_days=150,
    items=(
        _prompt(
            "Which goal moved the most, and what made the difference?",
            "¿Qué objetivo avanzó más y qué marcó la diferencia?",
        ),
        _prompt(
            "Mentee: what feedback would you give your mentor on their approach?",
            "Mentee: ¿qué le dirías a tu mentor sobre su manera de acompañarte?",
        ),
        _milestone(
            "Agree whether and how you will stay in touch",
            "Acuerden si seguirán en contacto y cómo",
        ),
    ),
)

STARTER_PATHS: dict[str, StarterPath] = {
    "cross_cultural": StarterPath(
        key="cross_cultural",
        name=_t("Learning across cultures", "Aprender entre culturas"),
        stages=(
            _GETTING_STARTED,
            StarterStage(
                title=_t("Cultural humility", "Humildad cultural"),
                description=_t(
                    "Notice the assumptions each of you brings and where they come from.",
                    "Observen los supuestos que trae cada uno y de dónde vienen.",
                ),
                opens_after_check_ins=1,
                items=(
                    _prompt(
                        "Describe a workplace habit from your culture that surprised someone.",
                        "Describe una costumbre laboral de tu cultura que sorprendió a alguien.",
                    ),
                    _prompt(
                        "What did we learn from this difference?",
                        "¿Qué aprendimos de esta diferencia?",
                    ),
                    _milestone(
                        "Each of you tries one working habit of the other's culture for a week",
                        "Cada uno prueba durante una semana una costumbre "
                        "laboral de la cultura del otro",
                    ),
                ),
            ),
            StarterStage(
                title=_t("Holidays and traditions", "Fiestas y tradiciones"),
                description=_t(
                    "Share the days that matter to you and what people do on them.",
                    "Compartan los días que les importan y qué se hace en ellos.",
                ),
                opens_after_days=45,
                items=(
                    _prompt(
                        "Which holiday or tradition would you most like the other to understand?",
                        "¿Qué fiesta o tradición te gustaría más que el otro entendiera?",
                    ),
                    _prompt(
                        "How do people at home give and receive feedback? And at work?",
                        "¿Cómo se da y se recibe una crítica en tu país? ¿Y en el trabajo?",
                    ),
                ),
            ),
            _CLOSING,
        ),
    ),
    "cross_functional": StarterPath(
        key="cross_functional",
        name=_t("Seeing the work from another function", "Ver el trabajo desde otra área"),
        stages=(
            _GETTING_STARTED,
            StarterStage(
                title=_t("How the other side works", "Cómo trabaja la otra área"),
                description=_t(
                    "Learn what the other function is measured on and what slows it down.",
                    "Conozcan por qué se mide a la otra área y qué la frena.",
                ),
                opens_after_check_ins=1,
                items=(
                    _prompt(
                        "What does a good week look like in your function? A bad one?",
                        "¿Cómo es una buena semana en tu área? ¿Y una mala?",
                    ),
                    _milestone(
                        "Shadow one meeting of the other's team",
                        "Asistir como observador a una reunión del equipo del otro",
                    ),
                ),
            ),
            StarterStage(
                title=_t("A shared problem", "Un problema compartido"),
                description=_t(
                    "Pick one handoff between your functions and improve it together.",
                    "Elijan un traspaso entre sus áreas y mejórenlo juntos.",
                ),
                opens_after_days=45,
                items=(
                    _prompt(
                        "Where do requests between our teams get stuck?",
                        "¿Dónde se atascan los pedidos entre nuestros equipos?",
                    ),
                    _milestone(
                        "Propose one change to the handoff and try it",
                        "Proponer un cambio en el traspaso y probarlo",
                    ),
                ),
            ),
            _CLOSING,
        ),
    ),
    "reverse": StarterPath(
        key="reverse",
        name=_t("Reverse mentoring", "Mentoría inversa"),
        stages=(
            _GETTING_STARTED,
            StarterStage(
                title=_t("Learning from the newer voice", "Aprender de la voz más nueva"),
                description=_t(
                    "The junior colleague leads: tools, habits and views the senior one misses.",
                    "Guía la persona más nueva: herramientas, hábitos y "
                    "miradas que a la otra se le escapan.",
                ),
                opens_after_check_ins=1,
                items=(
                    _prompt(
                        "What would you change first if you ran this team?",
                        "¿Qué cambiarías primero si dirigieras este equipo?",
                    ),
                    _milestone(
                        "The senior colleague tries one new tool or practice for two weeks",
                        "La persona de más experiencia prueba una herramienta "
                        "o práctica nueva durante dos semanas",
                    ),
                    _prompt(
                        "Feedback on the mentor's approach: what helps, what does not?",
                        "Sobre la manera de acompañar del mentor: ¿qué ayuda y qué no?",
                    ),
                ),
            ),
            _CLOSING,
        ),
    ),
    "leadership": StarterPath(
        key="leadership",
        name=_t("Growing as a leader", "Crecer como líder"),
        stages=(
            _GETTING_STARTED,
            StarterStage(
                title=_t("Leading yourself", "Liderarse a uno mismo"),
                description=_t(
                    "Strengths, blind spots and the habits that support them.",
                    "Fortalezas, puntos ciegos y los hábitos que los sostienen.",
                ),
                opens_after_check_ins=1,
                items=(
                    _prompt(
                        "Tell a story of a decision you are proud of, and one you would redo.",
                        "Cuenta una decisión de la que estés orgulloso y "
                        "una que repetirías distinto.",
                    ),
                    _milestone(
                        "Ask three colleagues for one thing to keep and one to change",
                        "Pedir a tres colegas algo que mantener y algo que cambiar",
                    ),
                ),
            ),
            StarterStage(
                title=_t("Leading others", "Liderar a otros"),
                description=_t(
                    "Delegation, difficult conversations and giving feedback.",
                    "Delegar, conversaciones difíciles y dar retroalimentación.",
                ),
                opens_after_days=60,
                items=(
                    _prompt(
                        "Rehearse a difficult conversation you need to have.",
                        "Ensaya una conversación difícil que tengas pendiente.",
                    ),
                    _milestone(
                        "Delegate one task you would normally keep",
                        "Delegar una tarea que normalmente te quedarías",
                    ),
                ),
            ),
            _CLOSING,
        ),
    ),
    "onboarding": StarterPath(
        key="onboarding",
        name=_t("Your first months", "Tus primeros meses"),
        stages=(
            _GETTING_STARTED,
            StarterStage(
                title=_t("Finding your way", "Orientarse"),
                description=_t(
                    "People, tools and unwritten rules.",
                    "Personas, herramientas y reglas no escritas.",
                ),
                opens_after_check_ins=1,
                items=(
                    _prompt(
                        "Who should I meet in my first month, and why?",
                        "¿A quién debería conocer en mi primer mes y por qué?",
                    ),
                    _prompt(
                        "What is one unwritten rule here that newcomers learn the hard way?",
                        "¿Qué regla no escrita aprenden aquí los nuevos a las malas?",
                    ),
                    _milestone(
                        "Meet five people outside your team",
                        "Conocer a cinco personas fuera de tu equipo",
                    ),
                ),
            ),
            _CLOSING,
        ),
    ),
}


def starter_for(program_goal: str, program_type: str) -> StarterPath | None:
    """The starter that fits a program: reverse programs get reverse mentoring whatever their
    goal; otherwise the goal's own (a custom goal has none)."""
    if program_type == "reverse":
        return STARTER_PATHS["reverse"]
    return STARTER_PATHS.get(program_goal)
