"""Forms of the account page: shape only; the rules are in accounts.services."""

from django import forms

from accounts.forms import _password_field


class ProfileForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    current_password = _password_field("Current password", "current-password")
    current_password.required = False
    current_password.help_text = (
        "Needed only to change the email address; the new address must be verified again."
    )


class PasswordChangeForm(forms.Form):
    current_password = _password_field("Current password", "current-password")
    new_password = _password_field("New password", "new-password")
    new_password.help_text = "At least 8 characters; a passphrase of several words works well."


class AccountDeleteForm(forms.Form):
    current_password = _password_field("Your password", "current-password")
    current_password.help_text = (
        "Deleting erases your profile, enrolments and progress. It cannot be undone."
    )
