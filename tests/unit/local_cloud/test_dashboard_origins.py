"""The api function's dashboard origins, locally: the distribution's placeholder becomes the local
HTTP adapter's origin; the other configured origins stay."""

from local.cloud.provisioner import LOCAL_DISTRIBUTION_SUFFIX, local_dashboard_origins

LOCAL = "http://127.0.0.1:8000"
PLACEHOLDER = f"https://dashboarddistribution{LOCAL_DISTRIBUTION_SUFFIX}"


def test_the_placeholder_becomes_the_local_origin() -> None:
    assert local_dashboard_origins(f"{PLACEHOLDER},http://localhost:5173", LOCAL) == (
        f"{LOCAL},http://localhost:5173"
    )


def test_other_origins_are_kept_once() -> None:
    assert local_dashboard_origins("https://a.example, https://a.example,,", LOCAL) == "https://a.example"
    assert local_dashboard_origins(f"{PLACEHOLDER},{LOCAL}", LOCAL) == LOCAL
    assert local_dashboard_origins("", LOCAL) == ""
