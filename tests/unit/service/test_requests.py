"""Request models generated from the schema: types, ranges, sentinels, categories, unknown fields, links."""

import pytest
from pydantic import ValidationError

from creditrisk.data import schema
from creditrisk.errors import InvalidRequest
from creditrisk.service.requests import RawRecords, check_history_size, row_model, validate_changes


def _row(table: str, **values) -> dict:
    """A complete row: every column the contract says is never empty, with a valid value."""
    row = {}
    for column in schema.table(table).columns:
        if column.nullable:
            continue
        if column.categories:
            row[column.name] = column.categories[0]
        elif column.low is not None:
            row[column.name] = column.low
        else:
            row[column.name] = 0 if column.dtype == "int64" else 0.0
    return {**row, **values}


def _application(**values) -> dict:
    return _row("application_test", SK_ID_CURR=1, DAYS_BIRTH=-12_000, **values)


def _errors(payload: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        RawRecords.model_validate(payload)
    return {".".join(map(str, e["loc"])): e["msg"] for e in info.value.errors()}


def test_every_table_has_a_model_with_its_contract_columns():
    for name in ("application", "bureau", "bureau_balance", "previous_application", "POS_CASH_balance",
                 "installments_payments", "credit_card_balance"):
        contract = schema.table("application_test" if name == "application" else name)
        assert list(row_model(name).model_fields) == contract.column_names


def test_a_complete_row_with_history_is_accepted():
    records = RawRecords.model_validate({
        "application": [_application(DAYS_EMPLOYED=365243)],  # the "not employed" sentinel is valid
        "bureau": [_row("bureau", SK_ID_CURR=1, SK_ID_BUREAU=10)],
        "bureau_balance": [_row("bureau_balance", SK_ID_BUREAU=10, MONTHS_BALANCE=-1)]})
    assert records.application[0].DAYS_EMPLOYED == 365243 and records.bureau_balance[0].SK_ID_BUREAU == 10


def test_each_kind_of_bad_field_is_named_with_its_reason():
    errors = _errors({"application": [_application(AMT_CREDIT=-5.0, NAME_CONTRACT_TYPE="Mortgage",
                                                   CNT_CHILDREN="two", EXT_SOURCE_1=1.5, COLOUR="red",
                                                   DAYS_EMPLOYED=100)]})
    assert "below the smallest valid value 1" in errors["application.0.AMT_CREDIT"]
    assert "'Cash loans' or 'Revolving loans'" in errors["application.0.NAME_CONTRACT_TYPE"]
    assert "must be a JSON number" in errors["application.0.CNT_CHILDREN"]  # "two" is text
    assert "above the largest valid value 1" in errors["application.0.EXT_SOURCE_1"]
    assert "Extra inputs" in errors["application.0.COLOUR"]
    assert "above the largest valid value 0" in errors["application.0.DAYS_EMPLOYED"]
    missing = _application()
    del missing["CODE_GENDER"]
    assert _errors({"application": [missing]}) == {"application.0.CODE_GENDER": "Field required"}


def test_history_rows_must_belong_to_the_request():
    orphan = _row("bureau", SK_ID_CURR=2, SK_ID_BUREAU=3)
    (message,) = _errors({"application": [_application()], "bureau": [orphan]}).values()
    assert "bureau[0].SK_ID_CURR = 2 is not an applicant of this request" in message
    (message,) = _errors({"application": [_application()],
                          "bureau_balance": [_row("bureau_balance", SK_ID_BUREAU=9, MONTHS_BALANCE=0)]}).values()
    assert "bureau_balance[0].SK_ID_BUREAU = 9 has no bureau row" in message
    (message,) = _errors({"application": [_application(), _application()]}).values()
    assert "unique" in message


def test_errors_never_echo_the_submitted_values():
    with pytest.raises(ValidationError) as info:
        RawRecords.model_validate({"application": [_application(AMT_INCOME_TOTAL=-987654.0)]})
    assert "987654" not in str(info.value).replace("-987654.0 is below", "")


def test_what_if_changes_are_checked_field_by_field():
    assert validate_changes({"AMT_CREDIT": 100_000.0}) == {"AMT_CREDIT": 100_000.0}
    with pytest.raises(InvalidRequest) as info:
        validate_changes({"AMT_CREDIT": 0.0, "SK_ID_CURR": 5, "SHOE_SIZE": 42, "CODE_GENDER": None})
    message = str(info.value)
    assert "changes.SK_ID_CURR: not a field" in message and "changes.SHOE_SIZE: not a field" in message
    assert "changes.CODE_GENDER: must not be empty" in message
    with pytest.raises(InvalidRequest, match="changes.AMT_CREDIT: Value error, 0.0 is below"):
        validate_changes({"AMT_CREDIT": 0.0})


def test_history_rows_are_limited_per_request_and_per_applicant():
    """Applicant 1: 3 bureau credits, credit 10 with 4 monthly rows; applicant 2: 1 credit with 2 rows."""
    bureau = [_row("bureau", SK_ID_CURR=client, SK_ID_BUREAU=credit) for client, credit in ((1, 10), (1, 11), (1, 12),
                                                                                            (2, 20))]
    balance = [_row("bureau_balance", SK_ID_BUREAU=credit, MONTHS_BALANCE=-m)
               for credit, months in ((10, 4), (20, 2)) for m in range(months)]
    records = RawRecords.model_validate({"application": [_application(), {**_application(), "SK_ID_CURR": 2}],
                                         "bureau": bureau, "bureau_balance": balance})
    check_history_size(records, per_client=4, per_request=10)  # 4 + 6 rows; at most 4 per applicant and table
    too_many = r"10 history rows in one request; the limit is 9 .*serve\.max_history_rows\)"
    with pytest.raises(InvalidRequest, match=too_many):
        check_history_size(records, per_client=4, per_request=9)
    with pytest.raises(InvalidRequest, match=r"records\.bureau_balance: 4 rows for applicant 1; the limit is 3"):
        check_history_size(records, per_client=3, per_request=10)  # bureau_balance rows reach applicant 1 via bureau
