"""Course certificates: the Ed25519 key that signs their Open Badges 3.0 credentials.

`python manage.py certificate_issuer_key_create` makes a key and prints these lines (like
the Mux signing key). Without a key, certificates are still issued and verifiable on their
page; their signed credential answers 503 until a key is configured.
"""

from learnstream.settings.env import env

CERTIFICATE_ISSUER_KEY_ID = env.str("CERTIFICATE_ISSUER_KEY_ID", default="")
# PKCS#8 PEM; newlines may be written as "\n" in a dotenv line.
CERTIFICATE_ISSUER_PRIVATE_KEY = env.str("CERTIFICATE_ISSUER_PRIVATE_KEY", default="")
CERTIFICATE_ISSUER_NAME = env.str("CERTIFICATE_ISSUER_NAME", default="LearnStream")
