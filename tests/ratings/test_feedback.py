"""Feedback (phản ánh, kiến nghị): a code and a second factor to look it up, forwarding, the answer within
its limits (on the working calendar), publication only with the sender's consent, and the sweep's notices."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.errors import Conflict, DomainError, NotAllowed
from ratings import alerts, selectors, services
from ratings.models import Feedback, FeedbackStatus, Notice, NoticeKind

from .conftest import at

SENT = at(2026, 3, 2, 9, 0)  # Monday


def send(province, *, when=SENT, agency=None, allow_publish=True, **kw):
    data = {"title": "Thái độ phục vụ", "content": "Cán bộ hướng dẫn không đầy đủ.", "sender_name": "Lê Thị Dân",
            "sender_phone": "0912 345 678", "sender_email": "Dan@Example.vn"}
    data.update(kw)
    return services.feedback_submit(by=None, agency=agency or province.a.agency, allow_publish=allow_publish,
                                    now=when, **data)


def test_feedback_gets_a_code_and_its_deadlines_in_working_days(province):
    feedback = send(province)
    assert feedback.code.startswith("PA-") and len(feedback.code) == 16
    # 15 working days from Monday 02/03/2026 09:00: Monday 23/03 09:00; refuse 2, ask for more 5, forward 5.
    assert feedback.answer_due_at == at(2026, 3, 23, 9, 0)
    assert feedback.refuse_due_at == at(2026, 3, 4, 9, 0)
    assert feedback.info_due_at == feedback.forward_due_at == at(2026, 3, 9, 9, 0)
    assert feedback.sender_phone == "0912345678"
    recipients = set(Notice.objects.filter(kind=NoticeKind.FEEDBACK_NEW).values_list("recipient", flat=True))
    assert recipients == {province.a.leader.pk, province.a.clerk.pk}


@pytest.mark.parametrize("changes, message", [
    ({"sender_phone": "", "sender_email": ""}, "số điện thoại hoặc thư điện tử"),
    ({"sender_phone": "12345"}, "không hợp lệ"),
    ({"sender_email": "khong-phai-email"}, "thư điện tử không hợp lệ"),
    ({"content": "   "}, "nội dung"),
])
def test_bad_feedback_is_refused_with_a_clear_message(province, changes, message):
    with pytest.raises(DomainError, match=f"(?i){message}"):
        send(province, **changes)
    assert not Feedback.objects.exists()


def test_the_lookup_needs_the_senders_phone_or_email(province):
    feedback = send(province)
    assert selectors.feedback_lookup(feedback.code, "0912345678") == feedback
    assert selectors.feedback_lookup(feedback.code.lower(), "+84912345678") == feedback
    assert selectors.feedback_lookup(feedback.code, "dan@example.VN") == feedback
    assert selectors.feedback_lookup(feedback.code, "0900000000") is None
    assert selectors.feedback_lookup(feedback.code, "") is None
    assert selectors.feedback_lookup("PA-000000-AAAAAA", "0912345678") is None


def test_misrouted_feedback_is_forwarded_and_its_limits_restart_there(province):
    feedback = send(province)
    forwarded = services.feedback_forward(feedback=feedback, by=province.a.clerk, to_agency=province.b.agency,
                                          note="Thuộc thẩm quyền xã Bình Minh", now=at(2026, 3, 10, 9, 0))
    assert forwarded.agency == province.b.agency and forwarded.first_agency == province.a.agency
    assert forwarded.forwarded_late  # after the 5 working days (09/03 09:00)
    assert forwarded.answer_due_at == at(2026, 3, 31, 9, 0)  # 15 working days from the forwarding
    with pytest.raises(NotAllowed):
        services.feedback_answer(feedback=forwarded, by=province.a.clerk, answer="…")
    services.feedback_answer(feedback=forwarded, by=province.b.clerk, answer="Đã chấn chỉnh cán bộ.")
    assert Notice.objects.filter(kind=NoticeKind.FEEDBACK_NEW, recipient=province.b.leader).exists()


def test_refusal_must_come_before_any_request_for_more(province):
    feedback = send(province)
    services.feedback_request_info(feedback=feedback, by=province.a.clerk, request="Xin cho biết ngày giờ",
                                   now=at(2026, 3, 3, 9, 0))
    services.feedback_provide_info(feedback=feedback, content="Sáng 27/02", now=at(2026, 3, 5, 9, 0))
    with pytest.raises(Conflict):
        services.feedback_refuse(feedback=feedback, by=province.a.clerk, reason="Không rõ nội dung")


def test_waiting_for_the_sender_moves_the_answer_deadline(province):
    feedback = send(province)
    asked = services.feedback_request_info(feedback=feedback, by=province.a.clerk, request="Xin cho biết ngày giờ",
                                           now=at(2026, 3, 3, 9, 0))
    assert asked.status == FeedbackStatus.INFO_REQUESTED and not asked.info_requested_late
    resumed = services.feedback_provide_info(feedback=feedback, content="Sáng 27/02", now=at(2026, 3, 5, 9, 0))
    assert resumed.status == FeedbackStatus.RECEIVED
    assert resumed.answer_due_at == at(2026, 3, 25, 9, 0)  # two working days later than 23/03
    assert "Sáng 27/02" in resumed.content


def test_publication_needs_the_senders_consent_and_a_leader(province, client):
    private = send(province, allow_publish=False)
    services.feedback_answer(feedback=private, by=province.a.clerk, answer="Đã xử lý.")
    with pytest.raises(Conflict, match="không đồng ý công khai"):
        services.feedback_publish(feedback=private, by=province.a.leader)
    public = send(province, title="Phí chứng thực", topic="regulation")
    answered = services.feedback_answer(feedback=public, by=province.a.clerk, answer="Mức phí theo quy định.",
                                        now=at(2026, 3, 9, 9, 0))
    assert answered.publish_due_at == at(2026, 3, 11, 9, 0)
    with pytest.raises(NotAllowed):
        services.feedback_publish(feedback=public, by=province.a.clerk)
    services.feedback_publish(feedback=public, by=province.a.leader)
    html = client.get(reverse("ratings:feedback-published")).content.decode()
    assert "Phí chứng thực" in html and "Mức phí theo quy định." in html
    assert "Thái độ phục vụ" not in html  # the private one
    assert "0912345678" not in html and "Lê Thị Dân" not in html


def test_a_commune_sees_only_its_own_feedback(province, client):
    feedback = send(province)
    client.force_login(province.b.leader)
    assert client.get(reverse("ratings:detail", args=[feedback.pk])).status_code == 403
    assert feedback.code not in client.get(reverse("ratings:inbox")).content.decode()
    client.force_login(province.a.clerk)
    assert feedback.code in client.get(reverse("ratings:inbox")).content.decode()


def test_the_sweep_warns_once_near_and_once_past_the_answer_deadline(province):
    feedback = send(province)
    assert alerts.sweep(now=at(2026, 3, 20, 9, 0))["notices"] == 0  # a working day and more left
    near = alerts.sweep(now=at(2026, 3, 20, 10, 0))
    assert near["notices"] == 2
    assert alerts.sweep(now=at(2026, 3, 20, 11, 0))["notices"] == 2  # offered again, written once
    assert Notice.objects.filter(kind=NoticeKind.FEEDBACK_NEAR_DUE).count() == 2
    alerts.sweep(now=at(2026, 3, 23, 9, 1))
    alerts.sweep(now=at(2026, 3, 24, 9, 0))
    overdue = Notice.objects.filter(kind=NoticeKind.FEEDBACK_OVERDUE)
    assert set(overdue.values_list("recipient", flat=True)) == {province.a.leader.pk, province.a.clerk.pk}
    assert overdue.first().deadline == feedback.answer_due_at


def test_an_answered_feedback_not_published_in_time_is_flagged(province):
    feedback = send(province)
    services.feedback_answer(feedback=feedback, by=province.a.clerk, answer="Đã xử lý.", now=at(2026, 3, 9, 9, 0))
    alerts.sweep(now=at(2026, 3, 12, 9, 0))
    assert Notice.objects.filter(kind=NoticeKind.PUBLISH_OVERDUE).count() == 2


# ----- pages ------------------------------------------------------------------------------------------------

def test_anyone_sends_feedback_and_follows_it_with_the_code(client, province):
    cache.clear()
    response = client.post(reverse("ratings:feedback-new"), {
        "kind": "phan_anh", "topic": "conduct", "agency": province.a.agency.pk, "title": "Chờ quá lâu",
        "content": "Tôi chờ hai giờ.", "sender_name": "Trần Văn Gửi", "sender_phone": "0987654321",
        "allow_publish": "on"})
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    status = client.get(response["Location"])
    assert feedback.code in status.content.decode() and "Chờ quá lâu" in status.content.decode()
    other = client.__class__()  # another browser: needs the second factor
    assert other.get(response["Location"]).status_code == 302
    found = other.post(reverse("ratings:feedback-lookup"), {"code": feedback.code, "contact": "0987654321"})
    assert found["Location"] == reverse("ratings:feedback-status", args=[feedback.code])
    wrong = other.post(reverse("ratings:feedback-lookup"), {"code": feedback.code, "contact": "0911111111"})
    assert wrong.status_code == 404


def test_the_sender_adds_information_and_rates_the_answer(client, province):
    feedback = send(province)
    client.post(reverse("ratings:feedback-lookup"), {"code": feedback.code, "contact": "dan@example.vn"})
    services.feedback_request_info(feedback=feedback, by=province.a.clerk, request="Ngày nào?")
    url = reverse("ratings:feedback-status", args=[feedback.code])
    assert client.post(url, {"do": "info", "content": "Ngày 27/02"}).status_code == 302
    feedback.refresh_from_db()
    services.feedback_answer(feedback=feedback, by=province.a.clerk, answer="Đã nhắc nhở.")
    assert client.post(url, {"do": "rate", "satisfied": "0"}).status_code == 302
    feedback.refresh_from_db()
    assert feedback.sender_satisfied is False


def test_a_dossier_named_in_feedback_needs_the_applicants_phone(client, province, life):
    dossier = life.receive(province.a, province.birth, SENT)
    cache.clear()
    data = {"kind": "phan_anh", "topic": "service", "title": "Chậm", "content": "Hồ sơ chậm.",
            "sender_name": "Người khác", "sender_phone": "0911111111", "dossier_code": dossier.code}
    refused = client.post(reverse("ratings:feedback-new"), data)
    assert refused.status_code == 400 and "Không tìm thấy hồ sơ" in refused.content.decode()
    accepted = client.post(reverse("ratings:feedback-new"), {**data, "sender_phone": dossier.applicant_phone})
    assert accepted.status_code == 302
    assert Feedback.objects.get().dossier == dossier
    assert Feedback.objects.get().agency == province.a.agency


def test_staff_answer_through_the_feedback_page(client, province, django_assert_max_num_queries):
    feedback = send(province)
    client.force_login(province.a.clerk)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("ratings:detail", args=[feedback.pk]))
    assert page.status_code == 200
    empty = client.post(reverse("ratings:detail", args=[feedback.pk]), {"action": "answer", "answer-text": ""})
    assert empty.status_code == 400
    done = client.post(reverse("ratings:detail", args=[feedback.pk]), {"action": "answer",
                                                                       "answer-text": "Đã xử lý xong."})
    assert done.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.ANSWERED and feedback.answered_by == province.a.clerk
    with django_assert_max_num_queries(10):
        assert client.get(reverse("ratings:inbox") + "?trang-thai=").status_code == 200


# ----- API --------------------------------------------------------------------------------------------------

def test_the_feedback_api(client, province):
    cache.clear()
    created = client.post(reverse("api-feedback-create"), {
        "title": "Góp ý", "content": "Nên thêm ghế chờ.", "sender_name": "Hoàng Văn API", "sender_email": "a@b.vn",
        "kind": "kien_nghi", "agency": province.a.agency.code}, content_type="application/json")
    assert created.status_code == 201
    code = created.json()["code"]
    missing = client.post(reverse("api-feedback-create"), {"title": "x", "content": "y", "sender_name": "z"},
                          content_type="application/json")
    assert missing.status_code == 400 and missing.json()["code"] == "contact_required"
    lookup = client.post(reverse("api-feedback-lookup"), {"code": code, "contact": "A@B.vn"},
                         content_type="application/json")
    assert lookup.status_code == 200 and lookup.json()["status"] == "received"
    assert client.post(reverse("api-feedback-lookup"), {"code": code, "contact": "x@y.vn"},
                       content_type="application/json").status_code == 404
    feedback = Feedback.objects.get(code=code)
    client.force_login(province.b.clerk)
    denied = client.post(reverse("api-feedback-answer", args=[feedback.pk]), {"text": "…"},
                         content_type="application/json")
    assert denied.status_code == 403
    client.force_login(province.a.clerk)
    answered = client.post(reverse("api-feedback-answer", args=[feedback.pk]), {"text": "Sẽ bổ sung ghế."},
                           content_type="application/json")
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    twice = client.post(reverse("api-feedback-answer", args=[feedback.pk]), {"text": "Lần nữa"},
                        content_type="application/json")
    assert twice.status_code == 409
    assert [f["code"] for f in client.get(reverse("api-feedback-inbox") + "?status=answered").json()["results"]] == [
        code]


def test_feedback_counts_in_the_766_feedback_indicators(province):
    from dashboard import index766
    from dashboard.periods import Period
    from dashboard.selectors import Scope

    on_time = send(province, topic="regulation")
    services.feedback_answer(feedback=on_time, by=province.a.clerk, answer="Đã trả lời.", now=at(2026, 3, 5, 9, 0))
    services.feedback_publish(feedback=on_time, by=province.a.leader, now=at(2026, 3, 6, 9, 0))
    late = send(province, when=SENT + dt.timedelta(hours=1))
    services.feedback_answer(feedback=late, by=province.a.clerk, answer="Muộn.", now=at(2026, 3, 30, 9, 0))
    index = index766.compute(Scope.of(province.leader), Period.month(2026, 3), now=at(2026, 4, 15, 9, 0))
    assert (index.indicator("5.1").numerator, index.indicator("5.1").denominator) == (1, 2)
    assert index.indicator("5.2").rate == 50
    assert index.indicator("5.3").rate == 50
