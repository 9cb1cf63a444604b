"""A straightforward pandas implementation of the same aggregates, in the style of the public Kaggle kernels.

Written only as the baseline of benchmarks/features_full_size.py: groupby/agg per table and subset, one-hot
means for categories, merges into the application table. Same column x function lists as the polars builder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.features import builder as b

KEY = "SK_ID_CURR"
SENTINEL = 365243


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def _agg(frame: pd.DataFrame, spec: dict[str, tuple[str, ...]], prefix: str) -> pd.DataFrame:
    out = frame.groupby(KEY).agg({col: list(funcs) for col, funcs in spec.items()})
    out.columns = [f"{prefix}_{col}_{fn.upper()}" for col, fn in out.columns]
    return out


def _shares(frame: pd.DataFrame, columns: list[str], prefix: str) -> pd.DataFrame:
    dummies = pd.get_dummies(frame[columns], dtype=float)
    dummies[KEY] = frame[KEY].to_numpy()
    out = dummies.groupby(KEY).mean()
    out.columns = [f"{prefix}_{c}_SHARE" for c in out.columns]
    return out


def application(app: pd.DataFrame) -> pd.DataFrame:
    app = app.copy()
    app["DAYS_EMPLOYED_ANOM"] = (app["DAYS_EMPLOYED"] == SENTINEL).astype(float)
    app["DAYS_EMPLOYED"] = app["DAYS_EMPLOYED"].replace(SENTINEL, np.nan)
    app["CREDIT_INCOME_RATIO"] = app["AMT_CREDIT"] / app["AMT_INCOME_TOTAL"]
    app["ANNUITY_INCOME_RATIO"] = app["AMT_ANNUITY"] / app["AMT_INCOME_TOTAL"]
    app["PAYMENT_RATE"] = app["AMT_ANNUITY"] / app["AMT_CREDIT"]
    app["CREDIT_TERM_MONTHS"] = app["AMT_CREDIT"] / app["AMT_ANNUITY"]
    app["GOODS_CREDIT_RATIO"] = app["AMT_GOODS_PRICE"] / app["AMT_CREDIT"]
    app["CREDIT_GOODS_DIFF"] = app["AMT_CREDIT"] - app["AMT_GOODS_PRICE"]
    app["EMPLOYED_AGE_RATIO"] = app["DAYS_EMPLOYED"] / app["DAYS_BIRTH"]
    app["INCOME_PER_PERSON"] = app["AMT_INCOME_TOTAL"] / app["CNT_FAM_MEMBERS"]
    app["AGE_YEARS"] = -app["DAYS_BIRTH"] / 365.25
    app["YEARS_EMPLOYED"] = -app["DAYS_EMPLOYED"] / 365.25
    app["CAR_AGE_RATIO"] = app["OWN_CAR_AGE"] * 365.25 / -app["DAYS_BIRTH"]
    for name, col in (("PHONE_CHANGE", "DAYS_LAST_PHONE_CHANGE"), ("ID_PUBLISH", "DAYS_ID_PUBLISH"),
                      ("REGISTRATION", "DAYS_REGISTRATION")):
        app[f"{name}_AGE_RATIO"] = app[col] / app["DAYS_BIRTH"]
    app["CHILDREN_RATIO"] = app["CNT_CHILDREN"] / app["CNT_FAM_MEMBERS"]
    app["DOCUMENT_COUNT"] = app[[f"FLAG_DOCUMENT_{k}" for k in range(2, 22)]].sum(axis=1)
    app["BUREAU_REQUESTS_TOTAL"] = app.filter(like="AMT_REQ_CREDIT_BUREAU").sum(axis=1)
    ext = app[["EXT_SOURCE_1", "EXT_SOURCE_2", "EXT_SOURCE_3"]]
    app["EXT_SOURCE_MEAN"], app["EXT_SOURCE_MIN"], app["EXT_SOURCE_MAX"] = ext.mean(axis=1), ext.min(axis=1), ext.max(
        axis=1)
    app["EXT_SOURCE_STD"] = ext.std(axis=1)
    app["EXT_SOURCE_PROD"] = ext.prod(axis=1, min_count=3)
    app["EXT_SOURCE_WEIGHTED"] = (ext["EXT_SOURCE_1"] * 2 + ext["EXT_SOURCE_2"] + ext["EXT_SOURCE_3"] * 3) / 6
    app["EXT_SOURCE_MISSING"] = ext.isna().sum(axis=1)
    app["EXT_2_3_PROD"] = ext["EXT_SOURCE_2"] * ext["EXT_SOURCE_3"]
    app["EXT_2_AGE_RATIO"] = ext["EXT_SOURCE_2"] / app["AGE_YEARS"]
    for col in app.select_dtypes("object").columns:
        app[col] = app[col].fillna("__NA__")
    return app.set_index(KEY)


def bureau(folder: Path) -> pd.DataFrame:
    bb = _read(folder, "bureau_balance")
    bb["LEVEL"] = pd.to_numeric(bb["STATUS"], errors="coerce").fillna(0)
    bb["LATE"] = (bb["LEVEL"] > 0).astype(float)
    bb["X"], bb["C"] = (bb["STATUS"] == "X").astype(float), (bb["STATUS"] == "C").astype(float)
    per = bb.groupby("SK_ID_BUREAU").agg(STATUS_MAX=("LEVEL", "max"), STATUS_LATE_SHARE=("LATE", "mean"),
                                         STATUS_MONTHS=("LEVEL", "size"), STATUS_X_SHARE=("X", "mean"),
                                         STATUS_C_SHARE=("C", "mean"))
    recent = bb[bb["MONTHS_BALANCE"] >= -12].groupby("SK_ID_BUREAU").agg(
        **{"12M_STATUS_MAX": ("LEVEL", "max"), "12M_STATUS_LATE_SHARE": ("LATE", "mean"),
           "12M_STATUS_MONTHS": ("LEVEL", "size")})
    del bb
    bur = _read(folder, "bureau").merge(per, on="SK_ID_BUREAU", how="left").merge(recent, on="SK_ID_BUREAU",
                                                                                   how="left")
    bur["DEBT_CREDIT_RATIO"] = bur["AMT_CREDIT_SUM_DEBT"] / bur["AMT_CREDIT_SUM"].replace(0, np.nan)
    bb_spec = {"STATUS_MAX": ("max", "mean"), "STATUS_LATE_SHARE": ("max", "mean"), "STATUS_X_SHARE": ("mean",),
               "STATUS_C_SHARE": ("mean",), "STATUS_MONTHS": ("mean", "sum"), "12M_STATUS_MAX": ("max", "mean"),
               "12M_STATUS_LATE_SHARE": ("max", "mean"), "12M_STATUS_MONTHS": ("mean", "sum")}
    parts = [_agg(bur, b._BUREAU_NUM, "BURO"), _agg(bur, bb_spec, "BB"),
             _agg(bur[bur["CREDIT_ACTIVE"] == "Active"], b._BUREAU_NUM | {"DEBT_CREDIT_RATIO": ("mean", "max")},
                  "ACTIVE"),
             _agg(bur[bur["CREDIT_ACTIVE"] == "Closed"], b._BUREAU_NUM, "CLOSED"),
             _shares(bur, ["CREDIT_ACTIVE", "CREDIT_TYPE"], "BURO"),
             bur.groupby(KEY).size().rename("BURO_COUNT").to_frame()]
    return pd.concat(parts, axis=1)


def previous(folder: Path) -> pd.DataFrame:
    prev = _read(folder, "previous_application")
    for col in b._PREV_DATES:
        prev[col] = prev[col].replace(SENTINEL, np.nan)
    prev["APP_CREDIT_RATIO"] = prev["AMT_APPLICATION"] / prev["AMT_CREDIT"].replace(0, np.nan)
    spec = b._PREV_NUM | {"APP_CREDIT_RATIO": ("min", "max", "mean", "std")}
    status = prev["NAME_CONTRACT_STATUS"]
    approved, refused = prev[status == "Approved"], prev[status == "Refused"]
    approved_spec = spec | {c: ("max", "mean") for c in b._PREV_DATES} | {"NFLAG_INSURED_ON_APPROVAL": ("mean",)}
    parts = [_agg(prev, spec, "PREV"), _agg(approved, approved_spec, "APPROVED"),
             _agg(refused, spec, "REFUSED"), _shares(prev, list(b._PREV_CATEGORIES), "PREV"),
             prev.groupby(KEY).size().rename("PREV_COUNT").to_frame(),
             refused.groupby(KEY).size().rename("PREV_REFUSED_COUNT").to_frame()]
    last = prev.sort_values("DAYS_DECISION").groupby(KEY)[["NAME_CONTRACT_STATUS", "NAME_CONTRACT_TYPE",
                                                          "CODE_REJECT_REASON", "PRODUCT_COMBINATION"]].last()
    parts.append(last.add_prefix("PREV_LAST_"))
    return pd.concat(parts, axis=1)


def pos_cash(folder: Path) -> pd.DataFrame:
    pos = _read(folder, "POS_CASH_balance")
    pos["LATE"] = (pos["SK_DPD"] > 0).astype(float)
    spec = {"MONTHS_BALANCE": ("min", "max", "mean"), "SK_DPD": ("max", "mean"), "SK_DPD_DEF": ("max", "mean"),
            "CNT_INSTALMENT": ("mean", "max"), "CNT_INSTALMENT_FUTURE": ("mean", "min"), "LATE": ("mean",),
            "SK_ID_PREV": ("nunique",)}
    recent = pos[pos["MONTHS_BALANCE"] >= -12]
    return pd.concat([_agg(pos, spec, "POS"), _agg(recent, {"SK_DPD": ("max", "mean"), "SK_DPD_DEF": ("max", "mean")},
                                                   "POS_12M"),
                      _shares(pos, ["NAME_CONTRACT_STATUS"], "POS"), pos.groupby(KEY).size().rename("POS_COUNT")],
                     axis=1)


def installments(folder: Path) -> pd.DataFrame:
    ins = _read(folder, "installments_payments")
    per = ins.groupby([KEY, "SK_ID_PREV", "NUM_INSTALMENT_VERSION", "NUM_INSTALMENT_NUMBER"]).agg(
        DAYS_INSTALMENT=("DAYS_INSTALMENT", "min"), AMT_INSTALMENT=("AMT_INSTALMENT", "max"),
        AMT_PAYMENT=("AMT_PAYMENT", "sum"), DAYS_ENTRY_PAYMENT=("DAYS_ENTRY_PAYMENT", "max"),
        PAYMENT_ROWS=("AMT_PAYMENT", "size")).reset_index()
    del ins
    delay = per["DAYS_ENTRY_PAYMENT"] - per["DAYS_INSTALMENT"]
    per["DPD"], per["DBD"] = delay.clip(lower=0), (-delay).clip(lower=0)
    per["PAYMENT_RATIO"] = per["AMT_PAYMENT"] / per["AMT_INSTALMENT"].replace(0, np.nan)
    per["PAYMENT_DIFF"] = per["AMT_INSTALMENT"] - per["AMT_PAYMENT"]
    per["LATE"] = (delay > 0).astype(float)
    per["SHORT"] = (per["AMT_PAYMENT"] < per["AMT_INSTALMENT"] - 1).astype(float)
    core = {c: ("max", "mean", "sum", "std") for c in ("DPD", "DBD", "PAYMENT_RATIO", "PAYMENT_DIFF")}
    core |= {"LATE": ("mean", "sum"), "SHORT": ("mean", "sum")}
    spec = core | {"PAYMENT_ROWS": ("mean", "max"), "NUM_INSTALMENT_VERSION": ("nunique", "max"),
                   "AMT_INSTALMENT": ("max", "mean", "sum"), "AMT_PAYMENT": ("min", "max", "mean", "sum"),
                   "DAYS_ENTRY_PAYMENT": ("max", "mean")}
    parts = [_agg(per, spec, "INSTAL"), per.groupby(KEY).size().rename("INSTAL_COUNT").to_frame()]
    for days, prefix in ((365, "INSTAL_12M"), (730, "INSTAL_24M")):
        window = {c: ("max", "mean") for c in ("DPD", "DBD", "PAYMENT_RATIO", "PAYMENT_DIFF")}
        parts.append(_agg(per[per["DAYS_INSTALMENT"] >= -days], window | {"LATE": ("mean", "sum"),
                                                                          "SHORT": ("mean", "sum")}, prefix))
    return pd.concat(parts, axis=1)


def credit_card(folder: Path) -> pd.DataFrame:
    cc = _read(folder, "credit_card_balance")
    cc["UTILISATION"] = cc["AMT_BALANCE"] / cc["AMT_CREDIT_LIMIT_ACTUAL"].replace(0, np.nan)
    cc["LATE"] = (cc["SK_DPD"] > 0).astype(float)
    numeric = [c for c in cc.columns if c not in (KEY, "SK_ID_PREV", "NAME_CONTRACT_STATUS", "UTILISATION", "LATE")]
    spec = {c: b._CC_AGGS for c in numeric} | {"UTILISATION": ("mean", "max"), "LATE": ("mean",)}
    recent = cc[cc["MONTHS_BALANCE"] >= -12]
    return pd.concat([_agg(cc, spec, "CC"), _agg(recent, {"UTILISATION": ("mean", "max"), "SK_DPD": ("max", "mean")},
                                                 "CC_12M"),
                      _shares(cc, ["NAME_CONTRACT_STATUS"], "CC"), cc.groupby(KEY).size().rename("CC_COUNT")], axis=1)


def build(folder: Path) -> pd.DataFrame:
    app = pd.concat([_read(folder, "application_train").drop(columns="TARGET"), _read(folder, "application_test")])
    out = application(app)
    for part in (bureau, previous, pos_cash, installments, credit_card):
        out = out.join(part(folder), how="left")
    return out.reset_index()
