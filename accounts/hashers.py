from django.contrib.auth.hashers import Argon2PasswordHasher


class TunedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's minimum or above (m=19 MiB, t=2, p=1): one verify costs tens of
    milliseconds here, which keeps login both safe and cheap to serve."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
