"""Deploy checks: a production install must not take fees through the sandbox gateway."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def payment_provider_is_real(app_configs, **kwargs):
    problems = []
    if settings.PAYMENT_PROVIDER == "sandbox":
        problems.append(Warning(
            "PAYMENT_PROVIDER is 'sandbox': citizens could 'pay' without money moving.",
            hint="Set PAYMENT_PROVIDER=vnpay with VNPAY_TMN_CODE, VNPAY_HASH_SECRET and VNPAY_PAYMENT_URL.",
            id="motcua.W001",
        ))
    elif settings.PAYMENT_PROVIDER == "vnpay" and not (settings.VNPAY_TMN_CODE and settings.VNPAY_HASH_SECRET):
        problems.append(Warning(
            "PAYMENT_PROVIDER is 'vnpay' but VNPAY_TMN_CODE or VNPAY_HASH_SECRET is empty.",
            id="motcua.W002",
        ))
    return problems
