"""Settings split by environment: base (shared), local (default), test, production.

Every secret and address comes from the environment through django-environ; integrations
(MongoDB, Mux) keep their settings in modules of their own that `base` pulls in.
"""
