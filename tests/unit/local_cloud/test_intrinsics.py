import pytest

from local.cloud.errors import UnsupportedIntrinsicError
from local.cloud.intrinsics import Resolver, is_intrinsic


class Names:
    def ref(self, logical_id, where):
        if logical_id == "Missing":
            raise UnsupportedIntrinsicError(f"{where}: no {logical_id}")
        return f"name-of-{logical_id}"

    def get_att(self, logical_id, attribute, where):
        if attribute == "Bogus":
            raise UnsupportedIntrinsicError(f"{where}: Fn::GetAtt {logical_id}.{attribute} unsupported")
        return f"arn:{logical_id}:{attribute}"


@pytest.fixture
def resolver():
    return Resolver(
        Names(),
        pseudo={"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"},
        parameters={
            "BootstrapVersion": {"Default": "/cdk-bootstrap/version"},
            "NoDefault": {"Type": "String"},
        },
        mappings={"Regions": {"us-east-1": {"Suffix": "use1"}}},
    )


def test_ref_resolves_resources_pseudo_parameters_and_parameter_defaults(resolver):
    assert resolver.resolve({"Ref": "GamesTableABCD1234"}, "x") == "name-of-GamesTableABCD1234"
    assert resolver.resolve({"Ref": "AWS::Region"}, "x") == "us-east-1"
    assert resolver.resolve({"Ref": "BootstrapVersion"}, "x") == "/cdk-bootstrap/version"


def test_get_att_list_and_dotted_forms(resolver):
    assert resolver.resolve({"Fn::GetAtt": ["Fn", "Arn"]}, "x") == "arn:Fn:Arn"
    assert resolver.resolve({"Fn::GetAtt": "Table.StreamArn"}, "x") == "arn:Table:StreamArn"


def test_join_of_cdk_shaped_lambda_uri(resolver):
    uri = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":apigateway:",
                {"Ref": "AWS::Region"},
                ":lambda:path/2015-03-31/functions/",
                {"Fn::GetAtt": ["ApiFn", "Arn"]},
                "/invocations",
            ],
        ]
    }
    assert resolver.resolve(uri, "x") == (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:ApiFn:Arn/invocations"
    )


def test_sub_string_and_list_forms_with_escapes(resolver):
    assert resolver.resolve({"Fn::Sub": "assets-${AWS::AccountId}-${AWS::Region}"}, "x") == (
        "assets-123456789012-us-east-1"
    )
    assert resolver.resolve({"Fn::Sub": "${Table} ${Fn.Arn} ${!Literal}"}, "x") == (
        "name-of-Table arn:Fn:Arn ${Literal}"
    )
    value = {"Fn::Sub": ["${Greeting}, ${Who}", {"Greeting": "hi", "Who": {"Ref": "Bot"}}]}
    assert resolver.resolve(value, "x") == "hi, name-of-Bot"


def test_select_split_base64_find_in_map_and_json(resolver):
    assert resolver.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "x") == "b"
    assert resolver.resolve({"Fn::Select": ["0", ["only"]]}, "x") == "only"
    assert resolver.resolve({"Fn::Base64": "hi"}, "x") == "aGk="
    assert resolver.resolve({"Fn::FindInMap": ["Regions", {"Ref": "AWS::Region"}, "Suffix"]}, "x") == "use1"
    assert resolver.resolve({"Fn::ToJsonString": {"a": {"Ref": "T"}}}, "x") == '{"a":"name-of-T"}'
    assert resolver.resolve({"Fn::Length": [1, 2, 3]}, "x") == 3


def test_nested_structures_resolve_and_no_value_disappears(resolver):
    value = {
        "Variables": {"TABLE": {"Ref": "T"}, "GONE": {"Ref": "AWS::NoValue"}},
        "List": ["a", {"Ref": "AWS::NoValue"}, {"Ref": "T"}],
        "Plain": 5,
    }
    assert resolver.resolve(value, "x") == {
        "Variables": {"TABLE": "name-of-T"},
        "List": ["a", "name-of-T"],
        "Plain": 5,
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"Fn::If": ["Cond", "a", "b"]},
            "Resources.Fn.Properties.X.Fn::If: intrinsic Fn::If is not supported",
        ),
        ({"Fn::ImportValue": "Shared"}, "Fn::ImportValue is not supported"),
        ({"Ref": "AWS::NotificationARNs"}, "pseudo parameter AWS::NotificationARNs is not supported"),
        ({"Ref": "NoDefault"}, "parameter NoDefault has no Default"),
        ({"Fn::Select": [5, ["a"]]}, "index 5 is out of range"),
        ({"Fn::GetAtt": ["Fn", "Bogus"]}, "Fn::GetAtt Fn.Bogus unsupported"),
        ({"Fn::Join": ["", [{"Ref": "Missing"}]]}, "no Missing"),
        ({"Fn::Join": ["", [{"a": 1}]]}, "expected a string, got dict"),
        ({"Fn::FindInMap": ["Regions", "eu-west-1", "Suffix"]}, "found no Regions.eu-west-1.Suffix"),
    ],
)
def test_unsupported_or_bad_intrinsics_name_where_they_are(resolver, value, message):
    with pytest.raises(
        UnsupportedIntrinsicError, match=message.replace("(", r"\(").replace(".", r"\.")
    ) as info:
        resolver.resolve(value, "Resources.Fn.Properties.X")
    assert str(info.value).startswith("Resources.Fn.Properties.X")


def test_resolve_str_requires_a_scalar(resolver):
    assert resolver.resolve_str(30, "x") == "30"
    with pytest.raises(UnsupportedIntrinsicError, match="expected a string"):
        resolver.resolve_str(["a"], "x")


def test_is_intrinsic():
    assert is_intrinsic({"Ref": "X"})
    assert is_intrinsic({"Fn::Join": ["", []]})
    assert not is_intrinsic({"Ref": "X", "Other": 1})
    assert not is_intrinsic({"Name": "x"})
    assert not is_intrinsic("Ref")
