"""The claims the in-suite identity provider vouches for (VNeID-style names, set by each test)."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class NationalIdValidator(OAuth2Validator):
    """Claims for the signed-in provider account, taken from ``IDENTITIES`` (username → claims)."""

    IDENTITIES: dict[str, dict] = {}
    oidc_claim_scope = None  # every claim, whatever the scopes (the provider's own policy)

    def get_additional_claims(self, request):
        return dict(self.IDENTITIES[request.user.get_username()])
