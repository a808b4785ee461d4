"""Citizens rate a returned dossier: once, tied to the agency and the clerk; an unhappy rating reaches the
leaders; online through the tracking token (link, QR) or a lookup, or at the desk's kiosk."""

import pytest
from django.urls import reverse

from accounts.errors import Conflict, DomainError, NotAllowed
from dashboard import selectors
from dashboard.periods import Period
from ratings import services
from ratings.models import Notice, NoticeKind, Rating, RatingChannel

from .conftest import at

NINE = {str(k): 2 for k in range(1, 10)}


def test_a_returned_dossier_is_rated_once_tied_to_its_agency_and_clerk(province, returned, life):
    with life.moment(at(2026, 3, 6, 10, 0)):
        rating = services.rating_submit(dossier=returned, level=2, criteria={**NINE, "7": 1}, comment="Nhanh gọn")
    assert (rating.agency, rating.procedure, rating.clerk) == (province.a.agency, province.birth, province.a.clerk)
    assert rating.criteria_points == 17 and rating.channel == RatingChannel.ONLINE
    with pytest.raises(Conflict):
        services.rating_submit(dossier=returned, level=0)
    assert Rating.objects.count() == 1


def test_a_dossier_not_yet_returned_cannot_be_rated(province, life):
    dossier = life.receive(province.a, province.birth, at(2026, 3, 2, 9, 0))
    dossier = life.finish(dossier, province.a, at(2026, 3, 5, 9, 0))  # result ready, not handed over
    with pytest.raises(Conflict, match="chưa được trả kết quả"):
        services.rating_submit(dossier=dossier, level=2)


@pytest.mark.parametrize("criteria, message", [
    ({"1": 2}, "đủ 9 tiêu chí"),
    ({**NINE, "3": 3}, "từ 0 đến 2"),
    ({**NINE, "10": 1}, "không hợp lệ"),
])
def test_the_nine_criteria_are_all_or_nothing_two_points_each(returned, criteria, message):
    with pytest.raises(DomainError, match=message):
        services.rating_submit(dossier=returned, level=1, criteria=criteria)
    assert not Rating.objects.exists()


def test_an_unhappy_rating_tells_the_agencys_leaders_and_nobody_else(province, returned, life):
    with life.moment(at(2026, 3, 6, 10, 0)):
        rating = services.rating_submit(dossier=returned, level=0, comment="Phải đi lại ba lần")
    notices = Notice.objects.filter(kind=NoticeKind.UNHAPPY_RATING)
    assert [n.recipient for n in notices] == [province.a.leader]
    assert notices.get().rating == rating


def test_a_happy_rating_tells_nobody(returned):
    services.rating_submit(dossier=returned, level=1)
    assert not Notice.objects.exists()


def test_ratings_feed_the_dashboard_satisfaction_and_the_766_dislike_count(province, returned, life):
    with life.moment(at(2026, 3, 6, 10, 0)):
        services.rating_submit(dossier=returned, level=0)
    scope = selectors.Scope.of(province.leader)
    kept = selectors.dashboard_numbers(scope, Period.month(2026, 3))
    assert kept.counts == selectors.direct_numbers(scope, Period.month(2026, 3)).counts
    assert (kept.ratings, kept.satisfaction, kept.counts["finished_disliked"]) == (1, 0, 1)


def test_the_kiosk_records_for_its_own_agency_only(province, returned):
    with pytest.raises(NotAllowed):
        services.rating_submit(dossier=returned, level=2, channel=RatingChannel.KIOSK, by=province.b.clerk)
    rating = services.rating_submit(dossier=returned, level=2, channel=RatingChannel.KIOSK, by=province.a.clerk)
    assert rating.recorded_by == province.a.clerk


# ----- pages ------------------------------------------------------------------------------------------------

def test_the_link_from_the_receipts_qr_rates_without_signing_in(client, returned):
    url = reverse("ratings:rate", args=[returned.tracking_token])
    page = client.get(url)
    assert page.status_code == 200 and returned.code in page.content.decode()
    response = client.post(url, {"level": "2", "comment": "Cảm ơn", **{f"c{k}": "2" for k in range(1, 10)}})
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert rating.level == 2 and rating.criteria_points == 18
    again = client.get(response["Location"])
    assert "đã được đánh giá" in again.content.decode()
    assert client.post(url, {"level": "0"}).status_code == 200 and Rating.objects.count() == 1


def test_a_half_filled_evaluation_is_a_clear_error(client, returned):
    response = client.post(reverse("ratings:rate", args=[returned.tracking_token]), {"level": "1", "c1": "2"})
    assert response.status_code == 400
    assert "chấm đủ 9 tiêu chí" in response.content.decode()
    assert not Rating.objects.exists()


def test_an_unknown_token_is_not_found(client, db):
    assert client.get(reverse("ratings:rate", args=["khong-co-ma-nay"])).status_code == 404


def test_the_lookup_needs_the_code_and_the_applicants_phone(client, returned, settings):
    url = reverse("ratings:rate-lookup")
    wrong = client.post(url, {"code": returned.code, "phone": "0900000000"})
    assert wrong.status_code == 404
    right = client.post(url, {"code": returned.code, "phone": returned.applicant_phone[-4:]})
    assert right["Location"] == reverse("ratings:rate", args=[returned.tracking_token])


def test_the_lookup_is_rate_limited(client, returned, settings):
    from django.core.cache import cache

    cache.clear()
    settings.FEEDBACK_LOOKUP_RATE = "2/m"
    url = reverse("ratings:rate-lookup")
    for _ in range(2):
        assert client.post(url, {"code": returned.code, "phone": "0900000000"}).status_code == 404
    assert client.post(url, {"code": returned.code, "phone": returned.applicant_phone}).status_code == 429


def test_the_kiosk_flow_at_the_desk(client, province, returned):
    client.force_login(province.a.clerk)
    found = client.post(reverse("ratings:kiosk"), {"code": returned.code})
    assert found["Location"] == reverse("ratings:kiosk-rate", args=[returned.pk])
    done = client.post(found["Location"], {"level": "1"})
    assert done["Location"].startswith(reverse("ratings:kiosk"))
    rating = Rating.objects.get()
    assert rating.channel == RatingChannel.KIOSK and rating.recorded_by == province.a.clerk


def test_another_communes_kiosk_cannot_find_or_open_the_dossier(client, province, returned):
    client.force_login(province.b.clerk)
    assert client.post(reverse("ratings:kiosk"), {"code": returned.code}).status_code == 404
    assert client.get(reverse("ratings:kiosk-rate", args=[returned.pk])).status_code == 403


def test_leaders_read_the_ratings_of_their_agencies(client, province, returned, django_assert_max_num_queries):
    services.rating_submit(dossier=returned, level=0, comment="Chờ lâu")
    client.force_login(province.a.leader)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("ratings:ratings-list"))
    assert "Chờ lâu" in page.content.decode()
    client.force_login(province.b.leader)
    assert "Chờ lâu" not in client.get(reverse("ratings:ratings-list")).content.decode()
    client.force_login(province.a.clerk)
    assert client.get(reverse("ratings:ratings-list")).status_code == 403


# ----- API --------------------------------------------------------------------------------------------------

def test_the_rating_api(client, returned):
    url = reverse("api-rating-create")
    created = client.post(url, {"token": returned.tracking_token, "level": 2, "comment": "Tốt"},
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["dossier_code"] == returned.code
    again = client.post(url, {"token": returned.tracking_token, "level": 0}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    unknown = client.post(url, {"token": "nope", "level": 1}, content_type="application/json")
    assert unknown.status_code == 404
    bad = client.post(url, {"token": returned.tracking_token, "level": 5}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_the_staff_dossier_page_shows_the_rating_once_returned(client, province, returned):
    client.force_login(province.a.clerk)
    url = reverse("dossiers:detail", args=[returned.pk])
    assert "Chưa đánh giá" in client.get(url).content.decode()
    services.rating_submit(dossier=returned, level=0, comment="Phải chờ lâu")
    html = client.get(url).content.decode()
    assert "Không hài lòng" in html and "Phải chờ lâu" in html
