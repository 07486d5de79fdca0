"""The pure template functions against ARM's recorded behaviour: one expression a case, a value or ARM's error text.

Sources are in docs/research/arm-leniency.md section 4 (Bicep's engine tests and baselines, the ARM
docs' examples, live errors quoted by reimplementations).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest

from azrm.templates.expressions import ExpressionError, evaluate, parse
from azrm.templates.functions import PURE_FUNCTIONS, format_datetime
from azrm.templates.render import LAZY


@dataclass(frozen=True)
class Err:
    """An expected error: ``text`` is ARM's message, or a part of it when ``exact`` is false."""

    text: str
    exact: bool = True


def run(expression: str) -> Any:
    return evaluate(parse(expression), PURE_FUNCTIONS, LAZY)


def check(expression: str, expected: Any) -> None:
    if isinstance(expected, Err):
        with pytest.raises(ExpressionError) as err:
            run(expression)
        if expected.exact:
            assert err.value.message == expected.text
        else:
            assert expected.text in err.value.message, err.value.message
    else:
        result = run(expression)
        assert result == expected and type(result) is type(expected), result


L = "lambdaVariables"

CASES: list[tuple[str, Any]] = [
    # contains: case-sensitive on strings, type-strict on arrays, case-insensitive on object keys
    ("[contains('FOOBAR', 'foo')]", False),
    ("[contains('FOOBAR', 'FOO')]", True),
    ("[contains('OneTwoThree', 'e')]", True),
    ("[contains(createArray('FOO', 'BAR'), 'foo')]", False),
    ("[contains(createArray('FOO', 'BAR'), 'BAR')]", True),
    ("[contains(createArray('FOO', 'BAR'), false)]", False),
    ("[contains(createArray(1), true)]", False),
    ("[contains(createArray(createObject('a', 1)), createObject('a', 1))]", True),
    ("[contains(createObject('One', 'a'), 'one')]", True),
    ("[contains(createObject('one', 'a'), 'a')]", False),
    # indexOf / lastIndexOf: strings ignore case, arrays do not, and bool is not int
    ("[indexOf('FOOBAR', 'foo')]", 0),
    ("[indexOf('FOOBAR', 'bar')]", 3),
    ("[indexOf('abcdef', 'CD')]", 2),
    ("[indexOf('abcdef', 'z')]", -1),
    ("[indexOf('', '')]", 0),
    ("[indexOf('abcdefg', '')]", 0),
    ("[indexOf(createArray('FOO', 'BAR'), 'foo')]", -1),
    ("[indexOf(createArray('FOO', 'BAR'), 'BAR')]", 1),
    ("[indexOf(createArray('FOO'), false)]", -1),
    ("[indexOf(createArray(1), true)]", -1),
    ("[indexOf(createArray(createArray('one'), createArray(4, 5)), createArray(4, 5))]", 1),
    ("[lastIndexOf('abcdef', '')]", 5),
    ("[lastIndexOf('', '')]", 0),
    ("[lastIndexOf('test', 't')]", 3),
    ("[lastIndexOf('abcdef', 'AB')]", 0),
    ("[lastIndexOf(createArray('one', 'two', 'three'), 'Three')]", -1),
    ("[lastIndexOf(createArray(1, 2, 3, 1), 1)]", 3),
    ("[lastIndexOf(createArray(4, 5, 6), '5')]", -1),
    (
        "[indexOf(100, 200)]",
        Err(
            "The template language function 'indexOf' expects its parameters to be of type string and string. The "
            "provided value is of type 'Integer' and 'Integer'. Please see https://aka.ms/arm-template-expressions#indexOf "
            "for usage details."
        ),
    ),
    # union / intersection / equals / distinct compare type-strictly
    ("[union(createArray(1, 2), createArray(true, 2))]", [1, 2, True]),
    ("[union(createArray('a'), createArray('A'))]", ["a", "A"]),
    ("[intersection(createArray(1, true), createArray(true))]", [True]),
    ("[intersection(createObject('a', 1), createObject('a', true))]", {}),
    ("[equals(createArray(1), createArray(true))]", False),
    ("[equals(createObject('a', createArray(1)), createObject('a', createArray(1)))]", True),
    ("[equals('a', 'A')]", False),
    ("[distinct(createArray('a', 'b', 'a', 'c', 'b'))]", ["a", "b", "c"]),
    ("[distinct(createArray(1, 2, 3, 1, 2, 4))]", [1, 2, 3, 4]),
    ("[distinct(createArray(createObject('a', 1), createObject('a', 1), createObject('b', 2)))]", [{"a": 1}, {"b": 2}]),
    ("[distinct(createArray(1, true, 1))]", [1, True]),
    # split: a string or an array of strings; no usable delimiter splits on white space, as .NET
    ("[split('one,two,three', ',')]", ["one", "two", "three"]),
    ("[split('one,two;three', createArray(',', ';'))]", ["one", "two", "three"]),
    ("[split('a,,b', ',')]", ["a", "", "b"]),
    ("[split('one,two,three', createArray(''))]", ["one,two,three"]),
    ("[split('one,two,three', '')]", ["one,two,three"]),
    ("[split('', '')]", [""]),
    ("[split('a::b', createArray(':', '::'))]", ["a", "b"]),
    (
        "[split('a/b/c', 3)]",
        Err(
            "The template language function 'split' expects its second parameter to be of type 'String or Array of Strings'."
        ),
    ),
    # format: .NET composite formatting, objects and arrays single-quoted
    (
        "[format('>{0}<>{1}<>{2}<>{3}<>{4}<', false, 12948, 'hello!', createObject('a', 'b', '!c', 2), createArray(true, 2893, 'abc'))]",
        ">False<>12948<>hello!<>{'a':'b','!c':2}<>[true,2893,'abc']<",
    ),
    (
        "[format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)]",
        "Hello, User. Formatted number: 8,175,133",
    ),
    ("[format('{0}-{1:D3}', 'web', 7)]", "web-007"),
    ("[format('{0:X4}|{0:x}', 255)]", "00FF|ff"),
    ("[format('[{0,5}][{0,-5}]', 'ab')]", "[   ab][ab   ]"),
    ("[format('{{literal}} {0}', 1)]", "{literal} 1"),
    ("[format('{0}', createArray('it''s'))]", "['it\\'s']"),
    ("[string(createObject('valueA', 10, 'valueB', 'Example Text'))]", '{"valueA":10,"valueB":"Example Text"}'),
    ("[string(createArray('é'))]", '["é"]'),
    (
        "[format('->{123}<-', 123)]",
        Err(
            "Unable to evaluate language function 'format': the format is invalid: 'Index (zero based) must be greater "
            "than or equal to zero and less than the size of the argument list.'. Please see "
            "https://aka.ms/arm-function-format for usage details."
        ),
    ),
    ("[format('{0', 1)]", Err("'Input string was not in a correct format.'", exact=False)),
    # bool: 'true'/'false' in any case and integers; other strings are refused by ARM's engine
    ("[bool('TRUE')]", True),
    ("[bool('false')]", False),
    ("[bool(0)]", False),
    ("[bool(2)]", True),
    (
        "[bool('sdf')]",
        Err(
            "The template language function 'bool' was invoked with a parameter that is not valid. The value cannot be "
            "converted to the target type."
        ),
    ),
    # lambdas take the item's index as an optional second variable (reduce: third)
    (
        f"[map(createArray('Evie', 'Casper'), lambda('dog', 'i', concat(string({L}('i')), {L}('dog'))))]",
        ["0Evie", "1Casper"],
    ),
    (f"[filter(createArray('a', 'b', 'c', 'd'), lambda('item', 'i', equals(mod({L}('i'), 2), 0)))]", ["a", "c"]),
    (
        f"[reduce(createArray('abc', 'def', 'ghi'), '', lambda('cur', 'next', 'i', if(equals(mod({L}('i'), 2), 0), "
        f"concat({L}('cur'), {L}('next')), {L}('cur'))))]",
        "abcghi",
    ),
    (f"[map(createArray(1), lambda('a', 'b', 'c', {L}('a')))]", Err("declares 3 variable(s)", exact=False)),
    (f"[map(createArray(1, 2), lambda('x', mul({L}('x'), 10)))]", [10, 20]),
    # groupBy, mapValues (Bicep's EvaluationTests.New_functions_are_evaluated_correctly)
    (
        f"[groupBy(createArray(createObject('type', 'a', 'value', 123), createObject('type', 'b', 'value', 456), "
        f"createObject('type', 'a', 'value', 789)), lambda('arg', {L}('arg').type))]",
        {"a": [{"type": "a", "value": 123}, {"type": "a", "value": 789}], "b": [{"type": "b", "value": 456}]},
    ),
    (
        f"[groupBy(createArray(createObject('type', 'a', 'value', 123), createObject('type', 'b', 'value', 456), "
        f"createObject('type', 'a', 'value', 789)), lambda('arg', {L}('arg').type), lambda('arg', {L}('arg').value))]",
        {"a": [123, 789], "b": [456]},
    ),
    (f"[mapValues(createObject('a', 123, 'b', 456), lambda('val', mul({L}('val'), 2)))]", {"a": 246, "b": 912}),
    # like: '*' wildcard over the whole string, case ignored
    ("[like('abc', 'abc')]", True),
    ("[like('abcdef', 'a*c*')]", True),
    ("[like('abcabc', '*abc')]", True),
    ("[like('aXaYa', 'a*a')]", True),
    ("[like('', '***')]", True),
    ("[like('a', 'b')]", False),
    ("[like('abc**def', '*def')]", True),
    ("[like('aXbYa', 'a*b*a')]", True),
    ("[like('ABC', 'a*')]", True),
    ("[like('a.c', 'a?c')]", False),
    # indexFromEnd / tryIndexFromEnd
    ("[indexFromEnd(createArray('apple', 'banana', 'orange', 'grape'), 2)]", "orange"),
    ("[tryIndexFromEnd(createArray('apple', 'banana', 'orange', 'grape'), 2)]", "orange"),
    ("[tryIndexFromEnd(createArray('apple', 'banana', 'orange', 'grape'), 5)]", None),
    ("[tryIndexFromEnd(createArray('apple'), 0)]", None),
    ("[tryIndexFromEnd(createArray(createObject('foo', 1)), 1, 'foo')]", 1),
    ("[tryIndexFromEnd(createArray(createArray(1, 2)), 1, createObject('value', 1, 'fromEnd', true()))]", 2),
    ("[indexFromEnd(createArray(1), 2)]", Err("is out of bounds", exact=False)),
    # dataUri / dataUriToString
    ("[dataUri('Hello')]", "data:text/plain;charset=utf8;base64,SGVsbG8="),
    ("[dataUri(100)]", "data:application/json;charset=utf8;base64,MTAw"),
    ("[dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')]", "Hello, World!"),
    ("[dataUriToString('data:text/plain;charset=UTF-8;page=21,the%20data:1234,5678')]", "the data:1234,5678"),
    ("[dataUriToString(dataUri('round trip'))]", "round trip"),
    (
        "[dataUriToString('Hi 0!')]",
        Err(
            "The template language function 'dataUriToString' expects its parameter to be formatted as a valid data URI. "
            "The provided value 'Hi 0!' was not formatted correctly. Please see https://aka.ms/arm-functions#dataUriToString "
            "for usage details."
        ),
    ),
    ("[dataUriToString('data:;foo=bar;base64,R0lGODdh')]", Err("was not formatted correctly", exact=False)),
    (
        "[dataUriToString(concat(dataUri('abc'), '@'))]",
        Err(
            "The template language function 'dataUriToString' was invoked with a parameter that is not valid. The value "
            "cannot be converted to the target type."
        ),
    ),
    (
        "[dataUriToString(100)]",
        Err(
            "The template language function 'dataUriToString' expects its parameter to be a string. The provided value is "
            "of type 'Integer'. Please see https://aka.ms/arm-template-expressions#dataUriToString for usage details."
        ),
    ),
    # base64
    ("[base64('one, two, three')]", "b25lLCB0d28sIHRocmVl"),
    ("[base64ToString('b25lLCB0d28sIHRocmVl')]", "one, two, three"),
    ("[base64ToJson(base64('{\"a\": [1]}')).a[0]]", 1),
    (
        "[base64ToString(concat(base64('abc'), '@'))]",
        Err(
            "The template language function 'base64ToString' was invoked with a parameter that is not valid. The value "
            "cannot be decoded from base64 representation."
        ),
    ),
    (
        "[base64(100)]",
        Err(
            "The template language function 'base64' expects its parameter to be of type 'String'. The provided value is of "
            "type 'Integer'. Please see https://aka.ms/arm-template-expressions for usage details."
        ),
    ),
    # argument counts and types, in ARM's words
    (
        "[first()]",
        Err(
            "Unable to evaluate template language function 'first': function requires 1 argument(s) while 0 were "
            "provided. Please see https://aka.ms/arm-template-expressions/#first for usage details."
        ),
    ),
    (
        "[base64ToString('one', 'two')]",
        Err(
            "Unable to evaluate template language function 'base64ToString': function requires 1 argument(s) while 2 "
            "were provided. Please see https://aka.ms/arm-template-expressions/#base64ToString for usage details."
        ),
    ),
    (
        "[base64('one', 'two')]",
        Err(
            "The template language function 'base64' must have only one parameter. Please see "
            "https://aka.ms/arm-template-expressions for usage details."
        ),
    ),
    (
        "[concat()]",
        Err(
            "Unable to evaluate template language function 'concat'. At least one parameter should be provided. Please "
            "see https://aka.ms/arm-template-expressions for usage details."
        ),
    ),
    (
        "[replace('a', 'b')]",
        Err("The template language function 'replace' expects exactly '3' parameters.", exact=False),
    ),
    (
        "[replace('abc', 'b', createArray())]",
        Err(
            "The template language function 'replace' expects its third parameter to be of type 'String'. The provided "
            "value is of type 'Array'. Please see https://aka.ms/arm-template-expressions for usage details."
        ),
    ),
    (
        "[first(100)]",
        Err(
            "The template language function 'first' expects its parameter be an array or a string. The provided value is "
            "of type 'Integer'. Please see https://aka.ms/arm-template-expressions#first for usage details."
        ),
    ),
    (
        "[empty(100)]",
        Err(
            "The template function 'empty' expects its parameter to be an object, an array, or a string. The provided "
            "value is of type 'Integer'. Please see https://aka.ms/arm-template-expressions#empty for usage details."
        ),
    ),
    (
        "[endsWith(createArray(), createArray())]",
        Err(
            "The template language function 'endsWith' expects its parameters to be of type string and string. The "
            "provided value is of type 'Array' and 'Array'. Please see https://aka.ms/arm-template-expressions#endsWith "
            "for usage details."
        ),
    ),
    ("[createArray()]", []),
    ("[empty(null())]", True),
    ("[first('')]", ""),
    ("[first(createArray())]", None),
    ("[first('One Two Three')]", "O"),
    ("[endsWith('abcdef', 'F')]", True),
    ("[endsWith('', '')]", True),
    ("[startsWith('abcdef', 'A')]", True),
    ("[toUpper(toLower('ONE TWO THREE'))]", "ONE TWO THREE"),
    (
        "[toUpper(123)]",
        Err(
            "The template language function 'toUpper' expects its parameter to be of type 'String'. The provided "
            "value is of type 'Integer'. Please see https://aka.ms/arm-template-expressions for usage details."
        ),
    ),
    # substring, int, arithmetic
    ("[substring('one two three', 4, 3)]", "two"),
    ("[substring('one two three', 4)]", "two three"),
    (
        "[substring('1234567890', 0, 11)]",
        Err(
            "Unable to evaluate the template language function 'substring'. The index and length parameters must refer "
            "to a location within the string. The index parameter: '0', the length parameter: '11', the length of the "
            "string parameter: '10'. Please see https://aka.ms/arm-template-expressions/#substring for usage details."
        ),
    ),
    (
        "[int('avdtest0001')]",
        Err(
            "The template language function 'int' cannot convert provided value 'avdtest0001' to integer value. Please "
            "see https://aka.ms/arm-function-int for usage details."
        ),
    ),
    ("[int(' 42 ')]", 42),
    ("[div(-7, 2)]", -3),
    ("[mod(-7, 3)]", -1),
    ("[add(9223372036854775806, 1)]", 9223372036854775807),
    (
        "[mul(9223372036854775807, 9223372036854775807)]",
        Err(
            "The template language function 'mul' overflowed with the operants '9223372036854775807' and "
            "'9223372036854775807'. Please see https://aka.ms/arm-functions for usage details."
        ),
    ),
    ("[range(2147483640, 7)]", [2147483640 + i for i in range(7)]),
    ("[range(2147483640, 8)]", Err("no greater than 2147483647", exact=False)),
    # uri
    ("[uri('http://contoso.org/firstpath', 'myscript.sh')]", "http://contoso.org/myscript.sh"),
    (
        "[uri('github.com', 'Azure/bicep')]",
        Err(
            "The template language function 'uri' expects its first argument to be a uri string. The provided value is "
            "'github.com'. Please see https://aka.ms/arm-function-datauri for usage details."
        ),
    ),
    # dates: durations with years and months (365 and 30 days, as XmlConvert), .NET formats
    ("[dateTimeAdd('2020-04-07 14:53:14Z', 'P3Y')]", "2023-04-07T14:53:14Z"),
    ("[dateTimeAdd('2020-04-07 14:53:14Z', '-P9D')]", "2020-03-29T14:53:14Z"),
    ("[dateTimeAdd('2020-04-07 14:53:14Z', 'PT1H')]", "2020-04-07T15:53:14Z"),
    ("[dateTimeAdd('2023-01-01 00:00:00Z', 'P1Y')]", "2024-01-01T00:00:00Z"),
    ("[dateTimeAdd('2024-01-01 00:00:00Z', 'P1Y')]", "2024-12-31T00:00:00Z"),
    ("[dateTimeAdd('2023-02-01 00:00:00Z', 'P1M')]", "2023-03-03T00:00:00Z"),
    ("[dateTimeAdd('2023-01-31 00:00:00Z', 'P1M')]", "2023-03-02T00:00:00Z"),
    ("[dateTimeAdd('2024-01-31 00:00:00Z', 'P1M')]", "2024-03-01T00:00:00Z"),
    ("[dateTimeAdd('20190305T175318Z', 'P1D')]", "2019-03-06T17:53:18Z"),
    ("[dateTimeAdd('2020-04-07T14:53:14.5Z', 'PT0.25S')]", "2020-04-07T14:53:14.75Z"),
    ("[dateTimeAdd('2020-04-07T14:53:14+02:00', 'PT0S')]", "2020-04-07T12:53:14Z"),
    ("[dateTimeAdd('2020-04-07 14:53:14Z', 'PT1H', 'yyyyMMdd_hhmmss')]", "20200407_035314"),
    ("[dateTimeAdd('2020-04-07 14:53:14Z', 'P1D', 'u')]", "2020-04-08 14:53:14Z"),
    ("[dateTimeAdd('4/7/2020 2:53:14 PM', 'P1D', 'o')]", "2020-04-08T14:53:14.0000000Z"),
    (
        "[dateTimeAdd(dateTimeFromEpoch(1680224438), 'PTASDIONS1D')]",
        Err(
            "The template function 'dateTimeAdd' has an invalid parameter. The second parameter 'PTASDIONS1D' is not a "
            "valid ISO8601 Duration string. Please see https://aka.ms/arm-syntax-functions ."
        ),
    ),
    ("[dateTimeAdd('2020-04-07', 'P1W')]", Err("is not a valid ISO8601 Duration string", exact=False)),
    ("[dateTimeAdd('2020-04-07', 'PT')]", Err("is not a valid ISO8601 Duration string", exact=False)),
    ("[dateTimeAdd('not a date', 'P1D')]", Err("The first parameter 'not a date'", exact=False)),
    ("[dateTimeAdd('9999-12-31', 'P1D')]", Err("between the years 1 and 9999", exact=False)),
    ("[dateTimeFromEpoch(1683040573)]", "2023-05-02T15:16:13Z"),
    ("[dateTimeToEpoch('2023-05-02T15:16:13Z')]", 1683040573),
    ("[dateTimeToEpoch(dateTimeAdd('2023-05-02T15:16:13Z', 'P1Y'))]", 1683040573 + 365 * 86400),
    ("[dateTimeFromEpoch('1')]", Err("expects its parameter to be of type 'Integer'", exact=False)),
    # CIDR (template-functions-cidr.md examples)
    (
        "[parseCidr('10.144.0.0/20')]",
        {
            "network": "10.144.0.0",
            "netmask": "255.255.240.0",
            "broadcast": "10.144.15.255",
            "firstUsable": "10.144.0.1",
            "lastUsable": "10.144.15.254",
            "cidr": 20,
        },
    ),
    (
        "[parseCidr('fdad:3236:5555::/48')]",
        {
            "network": "fdad:3236:5555::",
            "netmask": "ffff:ffff:ffff::",
            "firstUsable": "fdad:3236:5555::",
            "lastUsable": "fdad:3236:5555:ffff:ffff:ffff:ffff:ffff",
            "cidr": 48,
        },
    ),
    ("[parseCidr('10.144.3.7/24').network]", "10.144.3.0"),
    ("[cidrSubnet('10.144.0.0/20', 24, 0)]", "10.144.0.0/24"),
    ("[cidrSubnet('10.144.0.0/20', 24, 4)]", "10.144.4.0/24"),
    ("[cidrSubnet('fdad:3236:5555::/48', 52, 0)]", "fdad:3236:5555::/52"),
    ("[cidrSubnet('fdad:3236:5555::/48', 52, 4)]", "fdad:3236:5555:4000::/52"),
    ("[cidrHost('10.144.3.0/24', 0)]", "10.144.3.1"),
    ("[cidrHost('10.144.3.0/24', 4)]", "10.144.3.5"),
    ("[cidrHost('192.168.1.0/24', 253)]", "192.168.1.254"),
    ("[cidrHost('fdad:3236:5555:3000::/52', 0)]", "fdad:3236:5555:3000::1"),
    ("[cidrHost('fdad:3236:5555:3000::/52', 4)]", "fdad:3236:5555:3000::5"),
    ("[cidrSubnet('10.144.0.0/20', 16, 0)]", Err("expects its second parameter to be a CIDR", exact=False)),
    ("[cidrSubnet('10.144.0.0/20', 24, 16)]", Err("subnet index from 0 to 15", exact=False)),
    ("[cidrHost('192.168.1.0/24', 254)]", Err("host index from 0 to 253", exact=False)),
    ("[parseCidr('10.144.0.0')]", Err("in CIDR notation", exact=False)),
    # expressions: ARM's texts for missing properties, array bounds and unknown functions
    (
        "[createObject('name', 'a', 'properties', 1).location]",
        Err("The language expression property 'location' doesn't exist, available properties are 'name, properties'."),
    ),
    ("[createArray(1, 2)[2]]", Err("The language expression property array index '2' is out of bounds.")),
    ("[createArray(1, 2)[-1]]", Err("The language expression property array index '-1' is out of bounds.")),
    (
        "[nope(1)]",
        Err("The template function 'nope' is not valid. Please see https://aka.ms/arm-functions for usage details."),
    ),
    ("[deployer()]", Err("the local Azure lacks it", exact=False)),
]


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[c[0][:80] for c in CASES])
def test_function(expression: str, expected: Any) -> None:
    check(expression, expected)


MOMENT = datetime(2019, 3, 5, 17, 53, 18, 123400, tzinfo=timezone.utc)

FORMATS: list[tuple[str | None, str]] = [
    (None, "20190305T175318Z"),  # utcNow()
    ("u", "2019-03-05 17:53:18Z"),
    ("s", "2019-03-05T17:53:18"),
    ("o", "2019-03-05T17:53:18.1234000Z"),
    ("d", "03/05/2019"),  # the invariant culture, as the docs' utcNow('d') shows
    ("D", "Tuesday, 05 March 2019"),
    ("g", "03/05/2019 17:53"),
    ("G", "03/05/2019 17:53:18"),
    ("f", "Tuesday, 05 March 2019 17:53"),
    ("F", "Tuesday, 05 March 2019 17:53:18"),
    ("t", "17:53"),
    ("T", "17:53:18"),
    ("r", "Tue, 05 Mar 2019 17:53:18 GMT"),
    ("R", "Tue, 05 Mar 2019 17:53:18 GMT"),
    ("M", "March 05"),
    ("y", "2019 March"),
    ("U", "Tuesday, 05 March 2019 17:53:18"),
    ("", "03/05/2019 17:53:18"),
    ("M d", "3 5"),
    ("yyyyMMddTHHmmssZ", "20190305T175318Z"),
    ("yy-M-d h:m:s tt", "19-3-5 5:53:18 PM"),
    ("hh 'o''clock' t", "05 oclock P"),  # two quoted runs, as .NET reads them
    ("hh 'o\\'clock' t", "05 o'clock P"),
    ("ddd dddd MMM MMMM", "Tue Tuesday Mar March"),
    ("HH:mm:ss.fff", "17:53:18.123"),
    ("ss.FFFFFFF|ss.FF", "18.1234|18.12"),
    ('"literal" \\y %d', "literal y 5"),
    ("yyyyy K zzz", "02019 Z +00:00"),
]


@pytest.mark.parametrize(("fmt", "expected"), FORMATS, ids=[repr(f[0]) for f in FORMATS])
def test_format_datetime(fmt: str | None, expected: str) -> None:
    assert format_datetime(MOMENT, fmt) == expected


def test_format_datetime_drops_the_point_before_an_empty_fraction() -> None:
    assert format_datetime(datetime(2020, 1, 1, tzinfo=timezone.utc), "ss.FFF") == "00"


@pytest.mark.parametrize("fmt", ["q", "'unclosed", "fffffffff"])
def test_format_datetime_refuses_bad_formats(fmt: str) -> None:
    with pytest.raises(ExpressionError, match="is not valid"):
        format_datetime(MOMENT, fmt)
