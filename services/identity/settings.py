"""The identity service's own settings (README, "Configuration" and "Accounts and sign-in")."""
from __future__ import annotations

from dataclasses import dataclass

from shared.config import Settings


@dataclass(frozen=True)
class IdentitySettings(Settings):
    # The private signing keys (<kid>.pem, and `active` naming the one that signs), readable by
    # the identity service alone. `python -m services.identity.keys` manages them and writes the
    # public ones to jwks_file. In development (hs256_tokens accepted) a first key is made at start.
    keys_dir: str = "var/identity/keys"
    # Lifetime of an access token; also how long a retired key must stay in the JWKS.
    access_token_minutes: float = 15.0
    # Lifetime of a refresh token (kept server-side by the portal, replaced at each use).
    refresh_token_hours: float = 12.0
    # lockout_failures failed sign-ins within lockout_window_minutes lock the account for
    # lockout_minutes (the right password is refused meanwhile); staff can unlock sooner.
    lockout_failures: int = 5
    lockout_window_minutes: float = 15.0
    lockout_minutes: float = 15.0
    # Sign-in attempts (SignIn, ChangePassword) per client address and minute, on top of the
    # public limits every service applies; a burst of a quarter of it.
    sign_in_rate_per_minute: int = 30
