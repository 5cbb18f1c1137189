"""Demo content for `manage.py seed_demo`: realistic courses a new user can click through."""

from __future__ import annotations

DEMO_PASSWORD = "learnstream-demo"  # noqa: S105 — printed to the console on purpose

DEMO_USERS = [
    ("admin@learnstream.local", "Ada Admin", "admin"),
    ("instructor@learnstream.local", "Ines Instructor", "instructor"),
    ("student@learnstream.local", "Sam Student", "student"),
]

DEMO_COURSES = [
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
            ("Getting started", "Welcome and what you will build", True, 184.0),
            ("Getting started", "Installing Python and an editor", False, 412.0),
            ("The building blocks", "Values, variables and types", False, 538.0),
            ("The building blocks", "Making decisions with if", False, 466.0),
            ("The building blocks", "Repeating work with loops", False, 602.0),
            ("Putting it together", "Functions that do one thing well", False, 575.0),
            ("Putting it together", "Project: a to-do list on the command line", False, 921.0),
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
            ("Foundations", "What makes an API pleasant to use", True, 356.0),
            ("Foundations", "Project layout: services and selectors", False, 644.0),
            ("Building the API", "Serializers for input and output", False, 702.0),
            ("Building the API", "One error format for everything", False, 488.0),
            ("Building the API", "Cursor pagination", False, 530.0),
            ("Security", "Access and refresh tokens", False, 811.0),
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
            ("Workflow", "Organising your footage", True, 295.0),
            ("Workflow", "The first rough cut", False, 640.0),
            ("Finishing", "Colour correction basics", False, 590.0),
            ("Finishing", "Exporting for streaming", False, 430.0),
        ],
    },
]
