"""Small per-league team tables for the replay: ESPN team ids, abbreviations and names.

Ids and abbreviations follow ESPN's own (e.g. NBA ``GS``/``NY``/``SA``/``UTAH``/``WSH``, NFL ``WSH``/
``JAX``, MLB ``CHW``/``ARI``), so id-based team mapping can be exercised locally. Venues are
generic placeholders, not real arena names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from inplay.sports.models import League

__all__ = ["TEAMS", "TeamInfo", "team_by_abbreviation"]


@dataclass(frozen=True, slots=True)
class TeamInfo:
    id: str
    abbreviation: str
    location: str
    name: str
    color: str = "000000"

    @property
    def display_name(self) -> str:
        return f"{self.location} {self.name}"

    @property
    def short_display_name(self) -> str:
        return self.name


def _table(rows: str) -> tuple[TeamInfo, ...]:
    teams = []
    for line in rows.strip().splitlines():
        team_id, abbreviation, location, name, color = (part.strip() for part in line.split("|"))
        teams.append(TeamInfo(team_id, abbreviation, location, name, color))
    return tuple(teams)


TEAMS: Final[Mapping[League, tuple[TeamInfo, ...]]] = {
    League.NBA: _table(
        """
        2|BOS|Boston|Celtics|008348
        18|NY|New York|Knicks|1d428a
        17|BKN|Brooklyn|Nets|000000
        20|PHI|Philadelphia|76ers|1d428a
        5|CLE|Cleveland|Cavaliers|860038
        15|MIL|Milwaukee|Bucks|00471b
        14|MIA|Miami|Heat|98002e
        6|DAL|Dallas|Mavericks|0064b1
        7|DEN|Denver|Nuggets|0e2240
        9|GS|Golden State|Warriors|fdb927
        13|LAL|Los Angeles|Lakers|552583
        24|SA|San Antonio|Spurs|c4ced4
        25|OKC|Oklahoma City|Thunder|007ac1
        26|UTAH|Utah|Jazz|4e008e
        27|WSH|Washington|Wizards|e31837
        3|NO|New Orleans|Pelicans|0c2340
        """
    ),
    League.WNBA: _table(
        """
        20|ATL|Atlanta|Dream|e31837
        19|CHI|Chicago|Sky|5091cd
        5|IND|Indiana|Fever|002d62
        17|LV|Las Vegas|Aces|a7a8aa
        6|LA|Los Angeles|Sparks|552583
        8|MIN|Minnesota|Lynx|266092
        9|NY|New York|Liberty|86cebc
        11|PHX|Phoenix|Mercury|3c286e
        14|SEA|Seattle|Storm|2c5235
        16|WSH|Washington|Mystics|e03a3e
        """
    ),
    League.MENS_COLLEGE_BASKETBALL: _table(
        """
        150|DUKE|Duke|Blue Devils|00539b
        153|UNC|North Carolina|Tar Heels|7bafd4
        2305|KU|Kansas|Jayhawks|0051ba
        96|UK|Kentucky|Wildcats|0033a0
        2250|GONZ|Gonzaga|Bulldogs|002967
        130|MICH|Michigan|Wolverines|00274c
        41|CONN|UConn|Huskies|000e2f
        2509|PUR|Purdue|Boilermakers|000000
        248|HOU|Houston|Cougars|c8102e
        2633|TENN|Tennessee|Volunteers|ff8200
        """
    ),
    League.NFL: _table(
        """
        12|KC|Kansas City|Chiefs|e31837
        33|BAL|Baltimore|Ravens|29126f
        2|BUF|Buffalo|Bills|00338d
        21|PHI|Philadelphia|Eagles|06424d
        6|DAL|Dallas|Cowboys|002a5c
        25|SF|San Francisco|49ers|aa0000
        8|DET|Detroit|Lions|0076b6
        9|GB|Green Bay|Packers|204e32
        28|WSH|Washington|Commanders|5a1414
        30|JAX|Jacksonville|Jaguars|007487
        14|LAR|Los Angeles|Rams|003594
        26|SEA|Seattle|Seahawks|002a5c
        """
    ),
    League.COLLEGE_FOOTBALL: _table(
        """
        333|ALA|Alabama|Crimson Tide|9e1b32
        61|UGA|Georgia|Bulldogs|ba0c2f
        194|OSU|Ohio State|Buckeyes|ba0c2f
        130|MICH|Michigan|Wolverines|00274c
        251|TEX|Texas|Longhorns|bf5700
        99|LSU|LSU|Tigers|461d7c
        2483|ORE|Oregon|Ducks|154733
        213|PSU|Penn State|Nittany Lions|061440
        87|ND|Notre Dame|Fighting Irish|0c2340
        228|CLEM|Clemson|Tigers|f56600
        """
    ),
    League.NHL: _table(
        """
        1|BOS|Boston|Bruins|fdb71a
        21|TOR|Toronto|Maple Leafs|00205b
        10|MTL|Montreal|Canadiens|af1e2d
        13|NYR|New York|Rangers|0038a8
        11|NJ|New Jersey|Devils|ce1126
        20|TB|Tampa Bay|Lightning|002868
        26|FLA|Florida|Panthers|041e42
        6|EDM|Edmonton|Oilers|00205b
        17|COL|Colorado|Avalanche|860038
        37|VGK|Vegas|Golden Knights|b4975a
        8|LA|Los Angeles|Kings|111111
        18|SJ|San Jose|Sharks|006d75
        """
    ),
    League.MLB: _table(
        """
        10|NYY|New York|Yankees|132448
        2|BOS|Boston|Red Sox|0d2b56
        19|LAD|Los Angeles|Dodgers|005a9c
        26|SF|San Francisco|Giants|fd5a1e
        16|CHC|Chicago|Cubs|0e3386
        4|CHW|Chicago|White Sox|000000
        29|ARI|Arizona|Diamondbacks|aa182c
        25|SD|San Diego|Padres|2f241d
        20|WSH|Washington|Nationals|ab0003
        18|HOU|Houston|Astros|002d62
        21|NYM|New York|Mets|002d72
        22|PHI|Philadelphia|Phillies|e81828
        """
    ),
}


def team_by_abbreviation(league: League, abbreviation: str) -> TeamInfo:
    for team in TEAMS[league]:
        if team.abbreviation == abbreviation:
            return team
    known = ", ".join(t.abbreviation for t in TEAMS[league])
    raise KeyError(f"no {league.value} team {abbreviation!r} in the replay tables (known: {known})")
