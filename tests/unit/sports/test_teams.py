"""ESPN team id ↔ Kalshi team code tables."""

from __future__ import annotations

import pytest

from inplay.sports.models import LEAGUES, League
from inplay.sports.teams import (
    CODE_PATTERN,
    KALSHI_SERIES,
    espn_team_id,
    kalshi_code,
    league_for_series,
    team,
    teams,
)
from local.espn_replay.teams import TEAMS as REPLAY_TEAMS

# (league, ESPN id, ESPN abbreviation, Kalshi code): every code that differs between the two, plus
# MLB Washington, which is WSH on both sides (the reverse of the NBA).
MISMATCHES = [
    (League.NBA, "9", "GS", "GSW"),
    (League.NBA, "18", "NY", "NYK"),
    (League.NBA, "24", "SA", "SAS"),
    (League.NBA, "3", "NO", "NOP"),
    (League.NBA, "26", "UTAH", "UTA"),
    (League.NBA, "27", "WSH", "WAS"),
    (League.NFL, "30", "JAX", "JAC"),
    (League.NFL, "28", "WSH", "WAS"),
    (League.MLB, "29", "ARI", "AZ"),
    (League.MLB, "4", "CHW", "CWS"),
    (League.MLB, "20", "WSH", "WSH"),
    (League.WNBA, "18", "CON", "CONN"),
    (League.WNBA, "132052", "POR", "PDX"),
    (League.WNBA, "16", "WSH", "WSH"),
    (League.COLLEGE_FOOTBALL, "193", "M-OH", "M-OH"),
    (League.MENS_COLLEGE_BASKETBALL, "193", "M-OH", "M-OH"),
    (League.COLLEGE_FOOTBALL, "194", "OSU", "OSU"),
    (League.COLLEGE_FOOTBALL, "2571", "SDST", "SDST"),
]


@pytest.mark.parametrize(("league", "espn_id", "espn_abbreviation", "code"), MISMATCHES)
def test_known_code_differences_map_both_ways(league, espn_id, espn_abbreviation, code):
    assert kalshi_code(league, espn_id) == code
    assert espn_team_id(league, code) == espn_id
    row = team(league, espn_id)
    assert row is not None and row.espn_abbreviation == espn_abbreviation


@pytest.mark.parametrize(
    ("league", "espn_abbreviation"),
    [
        (League.NBA, "GS"),
        (League.NBA, "NY"),
        (League.NBA, "SA"),
        (League.NBA, "NO"),
        (League.NBA, "UTAH"),
        (League.NBA, "WSH"),
        (League.NFL, "JAX"),
        (League.NFL, "WSH"),
        (League.MLB, "ARI"),
        (League.MLB, "CHW"),
        (League.MLB, "WAS"),
    ],
)
def test_espn_abbreviations_are_not_kalshi_codes(league, espn_abbreviation):
    """A ticker written with ESPN's abbreviation where Kalshi uses another names no team."""
    assert espn_team_id(league, espn_abbreviation) is None


@pytest.mark.parametrize(
    ("league", "count"),
    [(League.NBA, 30), (League.WNBA, 15), (League.NFL, 32), (League.NHL, 32), (League.MLB, 30)],
)
def test_pro_tables_list_every_franchise(league, count):
    rows = teams(league)
    assert len(rows) == count
    assert len({row.espn_id for row in rows}) == count
    assert len({row.kalshi for row in rows}) == count


@pytest.mark.parametrize("league", LEAGUES)
def test_every_code_and_alias_is_well_formed_and_resolves_to_its_team(league):
    for row in teams(league):
        assert row.espn_id.isdigit()
        assert kalshi_code(league, row.espn_id) == row.kalshi
        for code in (row.kalshi, *row.aliases):
            assert CODE_PATTERN.fullmatch(code), code
            assert espn_team_id(league, code) == row.espn_id


@pytest.mark.parametrize("league", LEAGUES)
def test_every_replay_team_maps_to_a_kalshi_code(league):
    for replay_team in REPLAY_TEAMS[league]:
        code = kalshi_code(league, replay_team.id)
        assert code is not None, f"{league} {replay_team.display_name} (ESPN id {replay_team.id})"
        assert espn_team_id(league, code) == replay_team.id
        row = team(league, replay_team.id)
        assert row is not None
        # The replay uses ESPN's abbreviations: the id and the abbreviation name the same team.
        assert row.espn_abbreviation == replay_team.abbreviation


def test_aliases_are_read_but_never_written():
    assert espn_team_id(League.NHL, "NJD") == espn_team_id(League.NHL, "NJ") == "11"
    assert espn_team_id(League.NHL, "LAK") == "8"
    assert espn_team_id(League.NFL, "LA") == "14"
    assert espn_team_id(League.MLB, "OAK") == "11"
    assert espn_team_id(League.COLLEGE_FOOTBALL, "MOH") == "193"
    assert kalshi_code(League.NHL, "11") == "NJ"
    assert kalshi_code(League.NFL, "14") == "LAR"
    assert kalshi_code(League.COLLEGE_FOOTBALL, "193") == "M-OH"


def test_lookups_are_per_league():
    assert espn_team_id(League.NBA, "WAS") == "27"
    assert espn_team_id(League.WNBA, "WAS") is None
    assert espn_team_id(League.NFL, "GSW") is None
    # The same school has its own id-to-code row in each college league.
    assert kalshi_code(League.COLLEGE_FOOTBALL, "84") == "IND"
    assert kalshi_code(League.MENS_COLLEGE_BASKETBALL, "84") == "IU"


def test_unknown_inputs_give_none():
    assert kalshi_code(League.NBA, "999999") is None
    assert kalshi_code(League.COLLEGE_FOOTBALL, "1") is None
    assert espn_team_id(League.NBA, "XYZ") is None
    assert espn_team_id(League.NBA, "") is None
    assert team(League.NHL, "24") is None  # the Arizona Coyotes' old id is not a current team


def test_code_lookup_ignores_case():
    assert espn_team_id(League.NBA, "gsw") == "9"
    assert espn_team_id(League.COLLEGE_FOOTBALL, "m-oh") == "193"


def test_every_league_has_a_series_and_back():
    assert set(KALSHI_SERIES) == set(LEAGUES)
    assert KALSHI_SERIES[League.MENS_COLLEGE_BASKETBALL] == "KXNCAAMBGAME"
    assert KALSHI_SERIES[League.COLLEGE_FOOTBALL] == "KXNCAAFGAME"
    for league, series in KALSHI_SERIES.items():
        assert league_for_series(series) is league
    assert league_for_series("KXNBASPREAD") is None


def test_code_pattern_allows_inner_hyphens_only():
    for good in ("GSW", "M-OH", "L-MD", "A"):
        assert CODE_PATTERN.fullmatch(good)
    for bad in ("-OH", "M-", "M--OH", "gsw", "TA&M", "G1", ""):
        assert not CODE_PATTERN.fullmatch(bad)
