"""The template table: every lifecycle event has Chinese text, and bad calls fail clearly."""

from __future__ import annotations

import pytest

from beian.notifications.templates import TEMPLATES, TemplateError, get_template, render

LIFECYCLE = {
    "filing_submitted",
    "filing_withdrawn",
    "platform_approved",
    "platform_rejected",
    "sms_code",
    "sms_reminder",
    "sms_verified",
    "sms_failed",
    "bureau_approved",
    "bureau_rejected",
    "cancel_code",
    "cancel_confirmed",
    "cancel_aborted",
    "change_submitted",
    "face_task",
    "review_overdue",
}


def test_every_lifecycle_event_has_a_template() -> None:
    assert set(TEMPLATES) >= LIFECYCLE


@pytest.mark.parametrize("name", sorted(LIFECYCLE))
def test_each_template_fills_every_placeholder(name: str) -> None:
    template = get_template(name)
    params = {param: f"<{param}>" for param in template.params}
    rendered = render(name, params)
    for param in template.params:
        assert f"<{param}>" in rendered.title + rendered.body
    assert "{" not in rendered.body and "}" not in rendered.body
    assert template.default_channels and set(template.default_channels) <= set(template.allowed)


def test_verification_sms_reads_as_sent_by_12381() -> None:
    rendered = render("sms_code", {"code": "482913", "applet_name": "图书角", "verify_url": "https://beian.example.cn/verify"},
                      channel="sms")
    assert rendered.sender == "12381"
    assert "482913" in rendered.body
    assert "图书角" in rendered.body and "核验" in rendered.body
    assert "24小时内有效" in rendered.body
    assert "请勿告知" in rendered.body
    assert "https://beian.example.cn/verify" in rendered.body  # where to enter the code


def test_bureau_approval_carries_the_filing_number() -> None:
    number = "京ICP备2026059598号-1X"
    rendered = render("bureau_approved", {"applet_name": "图书角", "record_number": number})
    assert number in rendered.body


def test_platform_texts_use_the_platform_sender() -> None:
    assert render("sms_reminder", {"applet_name": "a", "deadline": "d"}).sender is None


def test_unknown_template_names_the_known_ones() -> None:
    with pytest.raises(TemplateError, match=r"unknown notification template 'filing_aproved'.*"):
        render("filing_aproved", {})


def test_missing_params_are_named() -> None:
    with pytest.raises(TemplateError, match="needs params code"):
        render("sms_code", {"applet_name": "图书角"})


def test_codes_go_by_sms_only() -> None:
    with pytest.raises(TemplateError, match="may only be sent by sms, not by 'inbox'"):
        render("sms_code", {"code": "1", "applet_name": "a", "verify_url": "u"}, channel="inbox")
    with pytest.raises(TemplateError, match="may only be sent by sms"):
        render(
            "cancel_code",
            {"code": "1", "applet_name": "a", "record_number": "n", "verify_url": "u"},
            channel="template",
        )


def test_unknown_channel_is_refused() -> None:
    with pytest.raises(TemplateError, match="unknown notification channel 'email'"):
        render("filing_withdrawn", {"applet_name": "a"}, channel="email")


def test_params_must_be_json_values() -> None:
    with pytest.raises(TemplateError, match="must be JSON values"):
        render("filing_withdrawn", {"applet_name": "a", "when": object()})
