"""Grouping launches into campaigns: by time window and by distance between launch sites."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from groundstation.flight import TrackPoint
from groundstation.flight.campaign import CampaignSettings, group_launches

T0 = datetime(2024, 6, 1, 18, 0, tzinfo=UTC)
A = (52.2, 0.1)  # two sites 48 km apart
B = (51.9, -0.4)
DOWNWIND = (52.4, 0.6)  # 40 km from A, 87 km from B


def at(hours: float, where: tuple[float, float]) -> TrackPoint:
    return TrackPoint(T0 + timedelta(hours=hours), where[0], where[1], 30.0)


def test_a_night_from_two_nearby_sites_is_one_campaign_and_the_next_night_another() -> None:
    launches = [(1, at(0, A)), (2, at(0.5, B)), (3, at(1, A)), (4, at(24, A)), (5, at(25, B))]
    assert group_launches(launches) == [[1, 2, 3], [4, 5]]


def test_the_window_and_radius_decide() -> None:
    launches = [(1, at(0, A)), (2, at(0.5, B)), (3, at(3, A))]
    assert group_launches(launches, CampaignSettings(window_h=2)) == [[1, 2], [3]]
    assert group_launches(launches, CampaignSettings(radius_km=10)) == [[1, 3], [2]]


def test_a_launch_that_links_two_groups_joins_them() -> None:
    # The first balloon was first heard downwind (its launch missed): its "site" is 87 km
    # from B, so B's launch starts a second group; A's launch is near both and joins them.
    launches = [(1, at(0, DOWNWIND)), (2, at(0.2, B)), (3, at(0.4, A)), (4, at(0.6, B))]
    assert group_launches(launches) == [[1, 2, 3, 4]]


def test_ids_come_back_in_launch_order_whatever_order_they_are_given() -> None:
    launches = [(9, at(2, A)), (3, at(0, A)), (5, at(1, B))]
    assert group_launches(launches) == [[3, 5, 9]]
