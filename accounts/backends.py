from django.contrib.auth.backends import ModelBackend

from .models import User


class PhoneOrEmailBackend(ModelBackend):
    """Log in with a phone number, an e-mail address or (for staff) a username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        login = username or kwargs.get(User.USERNAME_FIELD)
        if not login or password is None:
            return None
        try:
            user = User.objects.get_by_login(login)
        except (User.DoesNotExist, User.MultipleObjectsReturned):
            User().set_password(password)  # same cost as a real check: no user enumeration by timing
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
