"""ESPN team id ↔ Kalshi team code, per league.

Teams are keyed by ESPN's numeric team id (stable across seasons, unlike abbreviations). Kalshi's
codes are a third abbreviation space: mostly ESPN's, but not always (NBA ``GSW``/``NYK``/``SAS``/
``NOP``/``UTA``/``WAS`` where ESPN has ``GS``/``NY``/``SA``/``NO``/``UTAH``/``WSH``; NFL ``JAC``/
``WAS``; MLB ``AZ``/``CWS``; MLB Washington is ``WSH`` on both sides; WNBA ``CONN``/``PDX``). College
codes are Kalshi's own (``OSU`` = Ohio State, ``M-OH`` = Miami (OH), hyphen included).

Each team has one code used to *build* tickers and optional aliases, other spellings seen in
Kalshi tickers (e.g. NHL ``NJD`` for ``NJ``), accepted only when *reading* a ticker. A code or alias
names exactly one team within its league; a team missing from a table is never guessed.

The pro tables list every franchise; the college tables list a set of major programs (extend them
as games need it: an unknown college team leaves its game unmatched, which the strategy reports).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from inplay.sports.models import League

__all__ = [
    "CODE_PATTERN",
    "KALSHI_SERIES",
    "TeamCode",
    "espn_team_id",
    "kalshi_code",
    "league_for_series",
    "team",
    "teams",
]

KALSHI_SERIES: Final[Mapping[League, str]] = {
    League.NBA: "KXNBAGAME",
    League.WNBA: "KXWNBAGAME",
    League.NFL: "KXNFLGAME",
    League.NHL: "KXNHLGAME",
    League.MLB: "KXMLBGAME",
    League.COLLEGE_FOOTBALL: "KXNCAAFGAME",
    League.MENS_COLLEGE_BASKETBALL: "KXNCAAMBGAME",
}
"""Kalshi's game-winner series per league."""

CODE_PATTERN: Final = re.compile(r"[A-Z](?:[A-Z]|-(?=[A-Z]))*")
"""A Kalshi team code: upper-case letters, possibly with inner hyphens (``M-OH``)."""


@dataclass(frozen=True, slots=True)
class TeamCode:
    espn_id: str
    espn_abbreviation: str
    kalshi: str
    """The code Kalshi uses in tickers (what tickers are built with)."""
    name: str
    aliases: tuple[str, ...] = ()
    """Other Kalshi spellings seen for this team; accepted when reading a ticker."""


def _table(rows: str) -> tuple[TeamCode, ...]:
    """``espn_id|espn_abbreviation|kalshi|name[|alias,alias]`` per line."""
    found = []
    for line in rows.strip().splitlines():
        parts = [part.strip() for part in line.split("|")]
        espn_id, abbreviation, kalshi, name = parts[:4]
        aliases = tuple(a for a in (parts[4].split(",") if len(parts) > 4 else []) if a)
        found.append(TeamCode(espn_id, abbreviation, kalshi, name, aliases))
    return tuple(found)


_TEAMS: Final[Mapping[League, tuple[TeamCode, ...]]] = {
    League.NBA: _table(
        """
        1|ATL|ATL|Atlanta Hawks
        2|BOS|BOS|Boston Celtics
        3|NO|NOP|New Orleans Pelicans
        4|CHI|CHI|Chicago Bulls
        5|CLE|CLE|Cleveland Cavaliers
        6|DAL|DAL|Dallas Mavericks
        7|DEN|DEN|Denver Nuggets
        8|DET|DET|Detroit Pistons
        9|GS|GSW|Golden State Warriors
        10|HOU|HOU|Houston Rockets
        11|IND|IND|Indiana Pacers
        12|LAC|LAC|LA Clippers
        13|LAL|LAL|Los Angeles Lakers
        14|MIA|MIA|Miami Heat
        15|MIL|MIL|Milwaukee Bucks
        16|MIN|MIN|Minnesota Timberwolves
        17|BKN|BKN|Brooklyn Nets
        18|NY|NYK|New York Knicks
        19|ORL|ORL|Orlando Magic
        20|PHI|PHI|Philadelphia 76ers
        21|PHX|PHX|Phoenix Suns
        22|POR|POR|Portland Trail Blazers
        23|SAC|SAC|Sacramento Kings
        24|SA|SAS|San Antonio Spurs
        25|OKC|OKC|Oklahoma City Thunder
        26|UTAH|UTA|Utah Jazz
        27|WSH|WAS|Washington Wizards
        28|TOR|TOR|Toronto Raptors
        29|MEM|MEM|Memphis Grizzlies
        30|CHA|CHA|Charlotte Hornets
        """
    ),
    League.WNBA: _table(
        """
        3|DAL|DAL|Dallas Wings
        5|IND|IND|Indiana Fever
        6|LA|LA|Los Angeles Sparks
        8|MIN|MIN|Minnesota Lynx
        9|NY|NY|New York Liberty
        11|PHX|PHX|Phoenix Mercury
        14|SEA|SEA|Seattle Storm
        16|WSH|WSH|Washington Mystics
        17|LV|LV|Las Vegas Aces
        18|CON|CONN|Connecticut Sun
        19|CHI|CHI|Chicago Sky
        20|ATL|ATL|Atlanta Dream
        129689|GS|GS|Golden State Valkyries
        131935|TOR|TOR|Toronto Tempo
        132052|POR|PDX|Portland Fire
        """
    ),
    League.NFL: _table(
        """
        1|ATL|ATL|Atlanta Falcons
        2|BUF|BUF|Buffalo Bills
        3|CHI|CHI|Chicago Bears
        4|CIN|CIN|Cincinnati Bengals
        5|CLE|CLE|Cleveland Browns
        6|DAL|DAL|Dallas Cowboys
        7|DEN|DEN|Denver Broncos
        8|DET|DET|Detroit Lions
        9|GB|GB|Green Bay Packers
        10|TEN|TEN|Tennessee Titans
        11|IND|IND|Indianapolis Colts
        12|KC|KC|Kansas City Chiefs
        13|LV|LV|Las Vegas Raiders
        14|LAR|LAR|Los Angeles Rams|LA
        15|MIA|MIA|Miami Dolphins
        16|MIN|MIN|Minnesota Vikings
        17|NE|NE|New England Patriots
        18|NO|NO|New Orleans Saints
        19|NYG|NYG|New York Giants
        20|NYJ|NYJ|New York Jets
        21|PHI|PHI|Philadelphia Eagles
        22|ARI|ARI|Arizona Cardinals
        23|PIT|PIT|Pittsburgh Steelers
        24|LAC|LAC|Los Angeles Chargers
        25|SF|SF|San Francisco 49ers
        26|SEA|SEA|Seattle Seahawks
        27|TB|TB|Tampa Bay Buccaneers
        28|WSH|WAS|Washington Commanders
        29|CAR|CAR|Carolina Panthers
        30|JAX|JAC|Jacksonville Jaguars
        33|BAL|BAL|Baltimore Ravens
        34|HOU|HOU|Houston Texans
        """
    ),
    League.NHL: _table(
        """
        1|BOS|BOS|Boston Bruins
        2|BUF|BUF|Buffalo Sabres
        3|CGY|CGY|Calgary Flames
        4|CHI|CHI|Chicago Blackhawks
        5|DET|DET|Detroit Red Wings
        6|EDM|EDM|Edmonton Oilers
        7|CAR|CAR|Carolina Hurricanes
        8|LA|LA|Los Angeles Kings|LAK
        9|DAL|DAL|Dallas Stars
        10|MTL|MTL|Montreal Canadiens
        11|NJ|NJ|New Jersey Devils|NJD
        12|NYI|NYI|New York Islanders
        13|NYR|NYR|New York Rangers
        14|OTT|OTT|Ottawa Senators
        15|PHI|PHI|Philadelphia Flyers
        16|PIT|PIT|Pittsburgh Penguins
        17|COL|COL|Colorado Avalanche
        18|SJ|SJ|San Jose Sharks|SJS
        19|STL|STL|St. Louis Blues
        20|TB|TB|Tampa Bay Lightning|TBL
        21|TOR|TOR|Toronto Maple Leafs
        22|VAN|VAN|Vancouver Canucks
        23|WSH|WSH|Washington Capitals
        25|ANA|ANA|Anaheim Ducks
        26|FLA|FLA|Florida Panthers
        27|NSH|NSH|Nashville Predators
        28|WPG|WPG|Winnipeg Jets
        29|CBJ|CBJ|Columbus Blue Jackets
        30|MIN|MIN|Minnesota Wild
        37|VGK|VGK|Vegas Golden Knights
        124292|SEA|SEA|Seattle Kraken
        129764|UTAH|UTA|Utah Mammoth|UTAH
        """
    ),
    League.MLB: _table(
        """
        1|BAL|BAL|Baltimore Orioles
        2|BOS|BOS|Boston Red Sox
        3|LAA|LAA|Los Angeles Angels
        4|CHW|CWS|Chicago White Sox
        5|CLE|CLE|Cleveland Guardians
        6|DET|DET|Detroit Tigers
        7|KC|KC|Kansas City Royals
        8|MIL|MIL|Milwaukee Brewers
        9|MIN|MIN|Minnesota Twins
        10|NYY|NYY|New York Yankees
        11|ATH|ATH|Athletics|OAK
        12|SEA|SEA|Seattle Mariners
        13|TEX|TEX|Texas Rangers
        14|TOR|TOR|Toronto Blue Jays
        15|ATL|ATL|Atlanta Braves
        16|CHC|CHC|Chicago Cubs
        17|CIN|CIN|Cincinnati Reds
        18|HOU|HOU|Houston Astros
        19|LAD|LAD|Los Angeles Dodgers
        20|WSH|WSH|Washington Nationals
        21|NYM|NYM|New York Mets
        22|PHI|PHI|Philadelphia Phillies
        23|PIT|PIT|Pittsburgh Pirates
        24|STL|STL|St. Louis Cardinals
        25|SD|SD|San Diego Padres
        26|SF|SF|San Francisco Giants
        27|COL|COL|Colorado Rockies
        28|MIA|MIA|Miami Marlins
        29|ARI|AZ|Arizona Diamondbacks
        30|TB|TB|Tampa Bay Rays
        """
    ),
    League.COLLEGE_FOOTBALL: _table(
        """
        2|AUB|AUB|Auburn Tigers
        8|ARK|ARK|Arkansas Razorbacks
        9|ASU|ASU|Arizona State Sun Devils
        12|ARIZ|ARIZ|Arizona Wildcats
        21|SDSU|SDSU|San Diego State Aztecs
        24|STAN|STAN|Stanford Cardinal
        25|CAL|CAL|California Golden Bears
        26|UCLA|UCLA|UCLA Bruins
        30|USC|USC|USC Trojans
        38|COLO|COLO|Colorado Buffaloes
        52|FSU|FSU|Florida State Seminoles
        57|FLA|FLA|Florida Gators
        59|GT|GT|Georgia Tech Yellow Jackets
        61|UGA|UGA|Georgia Bulldogs
        66|ISU|ISU|Iowa State Cyclones
        68|BSU|BSU|Boise State Broncos
        77|NW|NW|Northwestern Wildcats
        84|IU|IND|Indiana Hoosiers
        87|ND|ND|Notre Dame Fighting Irish
        96|UK|UK|Kentucky Wildcats
        97|LOU|LOU|Louisville Cardinals
        99|LSU|LSU|LSU Tigers
        103|BC|BC|Boston College Eagles
        120|MD|MD|Maryland Terrapins
        127|MSU|MSU|Michigan State Spartans
        130|MICH|MICH|Michigan Wolverines
        135|MINN|MINN|Minnesota Golden Gophers
        142|MIZ|MIZZ|Missouri Tigers
        145|MISS|MISS|Ole Miss Rebels
        150|DUKE|DUKE|Duke Blue Devils
        152|NCST|NCST|NC State Wolfpack
        153|UNC|UNC|North Carolina Tar Heels
        154|WAKE|WAKE|Wake Forest Demon Deacons
        158|NEB|NEB|Nebraska Cornhuskers
        164|RUTG|RUTG|Rutgers Scarlet Knights
        183|SYR|SYR|Syracuse Orange
        193|M-OH|M-OH|Miami (OH) RedHawks|MOH
        194|OSU|OSU|Ohio State Buckeyes
        197|OKST|OKST|Oklahoma State Cowboys
        201|OU|OKLA|Oklahoma Sooners|OU
        204|ORST|ORST|Oregon State Beavers
        213|PSU|PSU|Penn State Nittany Lions
        221|PITT|PITT|Pittsburgh Panthers
        228|CLEM|CLEM|Clemson Tigers
        235|MEM|MEM|Memphis Tigers
        238|VAN|VAN|Vanderbilt Commodores
        239|BAY|BAY|Baylor Bears
        245|TA&M|TXAM|Texas A&M Aggies
        248|HOU|HOU|Houston Cougars
        251|TEX|TEX|Texas Longhorns
        252|BYU|BYU|BYU Cougars
        254|UTAH|UTAH|Utah Utes
        256|JMU|JMU|James Madison Dukes
        258|UVA|UVA|Virginia Cavaliers
        259|VT|VT|Virginia Tech Hokies
        264|WASH|WASH|Washington Huskies
        265|WSU|WSU|Washington State Cougars
        275|WIS|WIS|Wisconsin Badgers
        277|WVU|WVU|West Virginia Mountaineers
        278|FRES|FRES|Fresno State Bulldogs
        333|ALA|ALA|Alabama Crimson Tide
        349|ARMY|ARMY|Army Black Knights
        356|ILL|ILL|Illinois Fighting Illini
        2005|AFA|AFA|Air Force Falcons
        2116|UCF|UCF|UCF Knights
        2132|CIN|CIN|Cincinnati Bearcats
        2294|IOWA|IOWA|Iowa Hawkeyes
        2305|KU|KU|Kansas Jayhawks
        2306|KSU|KSU|Kansas State Wildcats
        2335|LIB|LIB|Liberty Flames
        2390|MIA|MIA|Miami Hurricanes
        2426|NAVY|NAVY|Navy Midshipmen
        2483|ORE|ORE|Oregon Ducks
        2509|PUR|PUR|Purdue Boilermakers
        2567|SMU|SMU|SMU Mustangs
        2571|SDST|SDST|South Dakota State Jackrabbits
        2579|SC|SCAR|South Carolina Gamecocks
        2628|TCU|TCU|TCU Horned Frogs
        2633|TENN|TENN|Tennessee Volunteers
        2641|TTU|TTU|Texas Tech Red Raiders
        2655|TULN|TULN|Tulane Green Wave
        """
    ),
    League.MENS_COLLEGE_BASKETBALL: _table(
        """
        2|AUB|AUB|Auburn Tigers
        8|ARK|ARK|Arkansas Razorbacks
        12|ARIZ|ARIZ|Arizona Wildcats
        21|SDSU|SDSU|San Diego State Aztecs
        26|UCLA|UCLA|UCLA Bruins
        41|CONN|CONN|UConn Huskies
        57|FLA|FLA|Florida Gators
        66|ISU|ISU|Iowa State Cyclones
        84|IU|IU|Indiana Hoosiers|IND
        96|UK|UK|Kentucky Wildcats
        97|LOU|LOU|Louisville Cardinals
        120|MD|MD|Maryland Terrapins
        127|MSU|MSU|Michigan State Spartans
        130|MICH|MICH|Michigan Wolverines
        145|MISS|MISS|Ole Miss Rebels
        150|DUKE|DUKE|Duke Blue Devils
        153|UNC|UNC|North Carolina Tar Heels
        156|CREI|CREI|Creighton Bluejays
        193|M-OH|M-OH|Miami (OH) RedHawks|MOH
        222|VILL|VILL|Villanova Wildcats
        239|BAY|BAY|Baylor Bears
        245|TA&M|TXAM|Texas A&M Aggies
        248|HOU|HOU|Houston Cougars
        251|TEX|TEX|Texas Longhorns
        252|BYU|BYU|BYU Cougars
        264|WASH|WASH|Washington Huskies
        269|MARQ|MARQ|Marquette Golden Eagles
        275|WIS|WIS|Wisconsin Badgers
        328|USU|USU|Utah State Aggies
        333|ALA|ALA|Alabama Crimson Tide
        344|MSST|MSST|Mississippi State Bulldogs
        356|ILL|ILL|Illinois Fighting Illini
        2250|GONZ|GONZ|Gonzaga Bulldogs
        2294|IOWA|IOWA|Iowa Hawkeyes
        2305|KU|KU|Kansas Jayhawks|KAN
        2306|KSU|KSU|Kansas State Wildcats
        2509|PUR|PUR|Purdue Boilermakers
        2633|TENN|TENN|Tennessee Volunteers
        2641|TTU|TTU|Texas Tech Red Raiders
        """
    ),
}


def _index() -> tuple[
    dict[tuple[League, str], TeamCode], dict[tuple[League, str], TeamCode], dict[str, League]
]:
    by_id: dict[tuple[League, str], TeamCode] = {}
    by_code: dict[tuple[League, str], TeamCode] = {}
    for league, rows in _TEAMS.items():
        for row in rows:
            if (league, row.espn_id) in by_id:
                raise ValueError(f"duplicate ESPN team id {row.espn_id} in {league}")
            by_id[(league, row.espn_id)] = row
            for code in (row.kalshi, *row.aliases):
                if not CODE_PATTERN.fullmatch(code):
                    raise ValueError(f"bad Kalshi code {code!r} for {row.name}")
                if (league, code) in by_code:
                    raise ValueError(f"Kalshi code {code} names two {league} teams")
                by_code[(league, code)] = row
    return by_id, by_code, {series: league for league, series in KALSHI_SERIES.items()}


_BY_ID, _BY_CODE, _LEAGUE_BY_SERIES = _index()


def kalshi_code(league: League, espn_team_id: str) -> str | None:
    """The code Kalshi uses for this ESPN team, or ``None`` when the team is not in the table."""
    row = _BY_ID.get((league, espn_team_id))
    return None if row is None else row.kalshi


def espn_team_id(league: League, kalshi_code: str) -> str | None:
    """The ESPN team id a Kalshi code (or a known alias) names in this league; exact match only."""
    row = _BY_CODE.get((league, kalshi_code.upper()))
    return None if row is None else row.espn_id


def team(league: League, espn_team_id: str) -> TeamCode | None:
    return _BY_ID.get((league, espn_team_id))


def teams(league: League) -> tuple[TeamCode, ...]:
    """Every team of the league's table."""
    return _TEAMS[league]


def league_for_series(series: str) -> League | None:
    """The league of a Kalshi game-winner series ticker (``KXNBAGAME`` → NBA)."""
    return _LEAGUE_BY_SERIES.get(series.upper())
