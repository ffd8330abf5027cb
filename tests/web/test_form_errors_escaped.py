"""Field errors are text, never markup, whatever a service or validator quotes back."""

from __future__ import annotations

from flask import Flask, render_template_string
from flask_wtf import FlaskForm
from wtforms import StringField


def test_field_errors_are_escaped(app: Flask) -> None:
    class Form(FlaskForm):
        name = StringField("Name")

    with app.test_request_context("/"):
        form = Form(meta={"csrf": False})
        form.name.errors = ["'<b>x</b>' is not allowed"]
        html = render_template_string(
            '{% import "macros/forms.html" as forms %}{{ forms.field(form.name) }}', form=form)
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
