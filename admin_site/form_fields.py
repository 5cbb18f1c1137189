"""Admin form fields made from the catalogue's document declarations (`catalog.documents`):
the label and help text are the document field's metadata, required-ness and choices its
declaration. The forms only parse what the browser sent; the services validate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import mongoengine as me
from django import forms

from catalog.documents import field_label

F = TypeVar("F", bound=type[forms.Form])


def text_field(label: str, *, required: bool = False, help_text: str = "", rows: int = 0) -> Any:
    """A stripped text input, or a textarea of `rows` rows."""
    widget = (
        forms.Textarea(attrs={"rows": rows, "class": "vLargeTextField"})
        if rows
        else (forms.TextInput(attrs={"class": "vTextField"}))
    )
    return forms.CharField(
        label=label, required=required, help_text=help_text, widget=widget, strip=True
    )


class CommaSeparatedField(forms.CharField):
    """A list of strings edited as one text, items separated by commas."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        return [item.strip() for item in text.split(",") if item.strip()]


def form_field(field: me.fields.BaseField, *, rows: int = 0) -> forms.Field:
    """The admin form field for one document field. A text field is required when the
    document requires it or gives it a non-empty default (a code such as the language)."""
    label = field_label(field)
    help_text = getattr(field, "help_text", "")
    if isinstance(field, me.StringField) and field.choices:
        choices = [(value, value.capitalize()) for value in field.choices]
        return forms.ChoiceField(label=label, choices=choices, help_text=help_text)
    if isinstance(field, me.StringField):
        required = bool(field.required or field.default)
        return text_field(label, required=required, help_text=help_text, rows=rows)
    if isinstance(field, me.BooleanField):
        return forms.BooleanField(label=label, required=False, help_text=help_text)
    if isinstance(field, me.ListField) and isinstance(field.field, me.StringField):
        return CommaSeparatedField(
            label=label,
            required=False,
            help_text=help_text or "Separated by commas.",
            widget=forms.TextInput(attrs={"class": "vTextField"}),
        )
    raise TypeError(f"No admin form field for {type(field).__name__} {field.name!r}")


def document_form_fields(
    document: type[me.Document], names: tuple[str, ...], *, rows: Mapping[str, int] = {}
) -> Callable[[F], F]:
    """A class decorator giving a form a field for each of `document`'s fields `names`, in
    that order and before its other declared fields (`rows`: the textareas' heights). A
    field the form declares itself is kept (an override)."""

    def decorate(form_class: F) -> F:
        declared = dict(form_class.base_fields)
        made = {
            name: declared.get(name) or form_field(document._fields[name], rows=rows.get(name, 0))
            for name in names
        }
        rest = {name: field for name, field in declared.items() if name not in made}
        form_class.base_fields = form_class.declared_fields = {**made, **rest}
        return form_class

    return decorate
