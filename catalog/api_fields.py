"""API serializer fields made from the catalogue's document declarations
(`catalog.documents`), so a course or lesson field is declared once and the API follows.

Input fields carry types only: the rules (lengths, slug, level, tags, completion ranges) are
`catalog.validation`'s, which the services apply for every caller. A text field that is
required or defaults to empty text accepts empty text here (the service answers a blank
title with its own field error); one with a non-empty default (a choice or a code such as
the language) refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import mongoengine as me
from rest_framework import serializers

S = TypeVar("S", bound=type[serializers.Serializer])


def _empty_text_allowed(field: me.StringField) -> bool:
    return field.default == "" or (field.required and not field.choices)


def input_field(field: me.fields.BaseField) -> serializers.Field:
    """The type-only API input field for one document field (always optional: PATCH)."""
    if isinstance(field, me.StringField):
        if _empty_text_allowed(field):
            return serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
        return serializers.CharField(required=False)
    if isinstance(field, me.BooleanField):
        return serializers.BooleanField(required=False)
    if isinstance(field, me.FloatField):
        return serializers.FloatField(required=False, allow_null=field.null)
    if isinstance(field, me.IntField):
        return serializers.IntegerField(required=False, allow_null=field.null)
    if isinstance(field, me.ListField) and isinstance(field.field, me.StringField):
        return serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    raise TypeError(f"No API input field for {type(field).__name__} {field.name!r}")


def output_field(field: me.fields.BaseField) -> serializers.Field:
    """The API output field for one document field."""
    if isinstance(field, me.StringField):
        return serializers.CharField(allow_blank=field.default == "")
    if isinstance(field, me.BooleanField):
        return serializers.BooleanField()
    if isinstance(field, me.FloatField):
        return serializers.FloatField(allow_null=field.null)
    if isinstance(field, me.IntField):
        return serializers.IntegerField(allow_null=field.null)
    if isinstance(field, me.ListField) and isinstance(field.field, me.StringField):
        return serializers.ListField(child=serializers.CharField())
    raise TypeError(f"No API output field for {type(field).__name__} {field.name!r}")


def document_fields(
    document: type[me.Document],
    names: tuple[str, ...],
    make: Callable[[me.fields.BaseField], serializers.Field],
    *,
    after: tuple[str, ...] = (),
) -> Callable[[S], S]:
    """A class decorator adding `make(field)` for each of `document`'s fields `names` to a
    serializer: after its declared fields named in `after`, before its other declared fields.
    A field the class declares itself is kept (an override)."""

    def decorate(serializer_class: S) -> S:
        declared = dict(serializer_class._declared_fields)
        made = {name: declared.get(name) or make(document._fields[name]) for name in names}
        first = {name: declared[name] for name in after}
        rest = {name: field for name, field in declared.items() if name not in first | made}
        serializer_class._declared_fields = {**first, **made, **rest}
        return serializer_class

    return decorate
