from local.cloud.http_adapter import RouteTable
from local.cloud.provisioner import ApiRoute, local_name


def route(method, path, fn="Api"):
    return ApiRoute("Api", "api", "prod", method, path, f"{fn}Fn", fn)


def matched(table, method, path):
    found = table.match(method, path)
    assert found is not None, (method, path)
    return found


def test_literal_paths_beat_parameters_which_beat_greedy_proxies():
    table = RouteTable(
        [
            route("ANY", "/api/{proxy+}", "Proxy"),
            route("GET", "/api/games/{league}", "League"),
            route("GET", "/api/games/live", "Live"),
            route("ANY", "/api", "Root"),
        ]
    )
    assert matched(table, "GET", "/api/games/live").route.function_name == "Live"
    league = matched(table, "GET", "/api/games/nba")
    assert league.route.function_name == "League" and league.path_parameters == {"league": "nba"}
    proxy = matched(table, "POST", "/api/games/nba")
    assert proxy.route.function_name == "Proxy" and proxy.path_parameters == {"proxy": "games/nba"}
    deep = matched(table, "GET", "/api/a/b/c")
    assert deep.path_parameters == {"proxy": "a/b/c"}
    assert matched(table, "DELETE", "/api").route.function_name == "Root"
    assert table.match("GET", "/other") is None
    assert table.match("GET", "/apix") is None


def test_specific_method_beats_any_on_the_same_path():
    table = RouteTable([route("ANY", "/api/{proxy+}", "Any"), route("POST", "/api/{proxy+}", "Post")])
    post, get = table.match("POST", "/api/x"), table.match("GET", "/api/x")
    assert post is not None and post.route.function_name == "Post"
    assert get is not None and get.route.function_name == "Any"


def test_local_names_drop_the_cdk_hash():
    assert local_name("GamesTable6C3A5F7E") == "GamesTable"
    assert local_name("GamePollerFunctionA1B2C3D4") == "GamePollerFunction"
    assert local_name("CDKMetadata") == "CDKMetadata"
    assert local_name("ABCDEF12") == "ABCDEF12"  # nothing left once stripped: keep it
    assert local_name("Tablea1b2c3d4") == "Tablea1b2c3d4"  # lower-case hex is not CDK's hash
