from django import template

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """8000 → "8.000 đ": Vietnamese groups thousands with dots (Django's vi locale does not group)."""
    if amount is None or amount == "":
        return ""
    return f"{int(amount):,}".replace(",", ".") + " đ"
