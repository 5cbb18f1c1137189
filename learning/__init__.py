"""The learner's view of their learning: catalogue and progress composed (above both apps)."""
