"""Demo content for `manage.py seed_demo`: realistic courses a new user can click through.

Each lesson is (section, title, is_preview, key points). Lessons with key points get a short
generated video of slides (a title card, one slide per point) with captions written from the
same text (`manage.py seed_demo_videos`); a lesson given as a `Reading` has no video on
purpose: its Markdown body is the lesson."""

from __future__ import annotations

from typing import Any, NamedTuple

DEMO_PASSWORD = "learnstream-demo"  # noqa: S105 — printed to the console on purpose


class Reading(NamedTuple):
    """A text-only lesson: no video, its body is the lesson."""

    section: str
    title: str
    body: str


DEMO_USERS = [
    ("admin@learnstream.local", "Ada Admin", "admin"),
    ("instructor@learnstream.local", "Ines Instructor", "instructor"),
    ("student@learnstream.local", "Sam Student", "student"),
]

DEMO_COURSES: list[dict[str, Any]] = [
    {
        "slug": "python-from-scratch",
        "title": "Python from Scratch",
        "subtitle": "Write your first real programs in an afternoon",
        "description": (
            "A hands-on introduction to Python for complete beginners.\n\n"
            "You will install Python, learn the core building blocks — **values, "
            "variables, functions, loops and collections** — and finish by writing a "
            "small command-line tool.\n\n"
            "- No prior programming experience needed\n"
            "- Every lesson ends with a short exercise\n"
        ),
        "level": "beginner",
        "language": "en",
        "tags": ["python", "programming", "beginners"],
        "lessons": [
            (
                "Getting started",
                "Welcome and what you will build",
                True,
                [
                    "Python is a friendly, readable language",
                    "You will write a small to-do list tool",
                    "Every lesson ends with a short exercise",
                ],
            ),
            (
                "Getting started",
                "Installing Python and an editor",
                False,
                [
                    "Install Python 3 from python.org or your package manager",
                    "Check it works: python3 --version",
                    "Pick an editor with Python support",
                ],
            ),
            (
                "The building blocks",
                "Values, variables and types",
                False,
                [
                    "A variable is a name for a value: age = 42",
                    "Numbers, text and True or False are types",
                    "type(value) tells you which type you have",
                ],
            ),
            (
                "The building blocks",
                "Making decisions with if",
                False,
                [
                    "if runs a block only when its condition is true",
                    "elif and else cover the other cases",
                    "Indentation shows which lines belong to the block",
                ],
            ),
            (
                "The building blocks",
                "Repeating work with loops",
                False,
                [
                    "for item in items: repeats once per item",
                    "while repeats as long as a condition holds",
                    "break leaves a loop early",
                ],
            ),
            (
                "Putting it together",
                "Functions that do one thing well",
                False,
                [
                    "def gives a piece of work a name",
                    "Parameters go in, return sends a result out",
                    "Small functions are easy to test and reuse",
                ],
            ),
            (
                "Putting it together",
                "Project: a to-do list on the command line",
                False,
                [
                    "Keep the tasks in a list",
                    "Read commands with input() in a loop",
                    "Save the list to a file between runs",
                ],
            ),
            Reading(
                "Putting it together",
                "Cheat sheet: Python at a glance",
                "A one-page summary to keep open while you practise. This lesson is text only.\n\n"
                "- **Variables**: `name = value`\n"
                "- **Decisions**: `if`, `elif`, `else`\n"
                "- **Loops**: `for item in items:` and `while condition:`\n"
                "- **Functions**: `def name(parameters):` … `return result`\n"
                '- **Collections**: lists `[1, 2]`, dictionaries `{"key": value}`\n',
            ),
        ],
    },
    {
        "slug": "web-apis-with-django",
        "title": "Web APIs with Django",
        "subtitle": "Design, build and secure a JSON API people enjoy using",
        "description": (
            "Build a versioned JSON API with Django and Django REST framework.\n\n"
            "We cover resource design, validation, a consistent error format, token "
            "authentication, pagination that stays stable, and tests that prove it all "
            "works."
        ),
        "level": "intermediate",
        "language": "en",
        "tags": ["django", "python", "api", "web"],
        "lessons": [
            (
                "Foundations",
                "What makes an API pleasant to use",
                True,
                [
                    "Predictable URLs and consistent names",
                    "Clear errors a program can act on",
                    "Documentation that matches reality",
                ],
            ),
            (
                "Foundations",
                "Project layout: services and selectors",
                False,
                [
                    "Views only translate HTTP to calls",
                    "Services change data, selectors read it",
                    "Business rules live in one place",
                ],
            ),
            (
                "Building the API",
                "Serializers for input and output",
                False,
                [
                    "Input serializers validate what clients send",
                    "Output serializers shape what clients receive",
                    "Unknown fields are refused, not ignored",
                ],
            ),
            (
                "Building the API",
                "One error format for everything",
                False,
                [
                    "Every error is application/problem+json",
                    "A stable code for programs, a sentence for people",
                    "4xx for the client, never a 500 for bad input",
                ],
            ),
            (
                "Building the API",
                "Cursor pagination",
                False,
                [
                    "Offsets skip or repeat rows when data changes",
                    "A cursor remembers where the last page ended",
                    "Pages stay stable while others write",
                ],
            ),
            (
                "Security",
                "Access and refresh tokens",
                False,
                [
                    "Short-lived access tokens on every request",
                    "Refresh tokens rotate and are stored hashed",
                    "A reused refresh token revokes its family",
                ],
            ),
        ],
    },
    {
        "slug": "video-editing-essentials",
        "title": "Video Editing Essentials",
        "subtitle": "Cut, colour and export clean videos for the web",
        "description": (
            "Learn the editing workflow professionals use: organise footage, cut for "
            "rhythm, fix colour and sound, and export files that stream well."
        ),
        "level": "beginner",
        "language": "fr",
        "tags": ["video", "editing"],
        "lessons": [
            (
                "Workflow",
                "Organising your footage",
                True,
                [
                    "Un dossier par projet, un sous-dossier par source",
                    "Nommez les plans avant de monter",
                    "Gardez une copie de sauvegarde des rushes",
                ],
            ),
            (
                "Workflow",
                "The first rough cut",
                False,
                [
                    "Posez d'abord toute l'histoire sur la timeline",
                    "Coupez long, affinez ensuite",
                    "Le rythme compte plus que les transitions",
                ],
            ),
            (
                "Finishing",
                "Colour correction basics",
                False,
                [
                    "Corrigez d'abord la balance des blancs",
                    "Réglez l'exposition avec l'histogramme",
                    "Harmonisez les plans d'une même scène",
                ],
            ),
            (
                "Finishing",
                "Exporting for streaming",
                False,
                [
                    "H.264 ou H.265 dans un conteneur MP4",
                    "Un débit adapté à la résolution",
                    "Le son en AAC, normalisé",
                ],
            ),
        ],
    },
]
