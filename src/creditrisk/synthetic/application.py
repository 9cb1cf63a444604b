"""Synthetic application_train / application_test rows with the real marginals, quirks and train/test shift.

Joint structure comes from a few latent factors per applicant: credit quality (drives the EXT_SOURCE scores and,
in ``history``, repayment behaviour), age, wealth and building size. Marginals come from the reference statistics
of the real files (train or test side).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk import schema
from creditrisk.synthetic import marginals as mg

_BUILDING_MEASURES = ("APARTMENTS", "BASEMENTAREA", "YEARS_BEGINEXPLUATATION", "YEARS_BUILD", "COMMONAREA",
                      "ELEVATORS", "ENTRANCES", "FLOORSMAX", "FLOORSMIN", "LANDAREA", "LIVINGAPARTMENTS",
                      "LIVINGAREA", "NONLIVINGAPARTMENTS", "NONLIVINGAREA")
_BUILDING_CATEGORICAL = ("FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "WALLSMATERIAL_MODE", "EMERGENCYSTATE_MODE")
_EDUCATION_ORDER = ("Lower secondary", "Secondary / secondary special", "Incomplete higher", "Higher education",
                    "Academic degree")
_CHILDREN_SHARES = {0: 0.7004, 1: 0.1988, 2: 0.0870, 3: 0.0121, 4: 0.0014, 5: 0.0003}
_BUREAU_REQUEST_P0 = {"HOUR": 0.9941, "DAY": 0.9944, "WEEK": 0.9679, "MON": 0.8355, "QRT": 0.8099, "YEAR": 0.2692}
_BUILDING_DECIMALS = 4
# Test-side facts not in the test describe file: building features ~2 points less often missing.
_TEST_BUILDING_NA_SHIFT = -0.02
_TEST_W_CITY_MINUS_ONE = 1 / 48_744
_TRAIN_GENDER_XNA = 4 / 307_511
_AGE_CAP_STRETCH = 1.2


@dataclass
class Applicants:
    """Generated application rows (column -> array) and the latent factors the history generator needs."""

    columns: dict[str, np.ndarray]
    quality: np.ndarray  # latent credit quality, N(0, 1), higher = safer
    is_test: np.ndarray


class _Side:
    """Reference stats for one side (train or test), falling back to train when the test side is not published."""

    def __init__(self, test: bool) -> None:
        stats = schema.reference_stats()
        self.train = stats["application_train"]
        self.test = stats["application_test"] if test else {}

    def __call__(self, column: str) -> dict:
        entry = self.test.get(column)
        usable = entry is not None and (
            entry.get("complete", False) if entry["kind"] == "cat" else {"0.25", "0.5", "0.75"} <= set(entry["q"]))
        return entry if usable else self.train[column]

    def mean(self, column: str) -> float:
        entry = self.test.get(column) or self.train[column]
        return float(entry["mean"])


def generate_applicants(rng: np.random.Generator, n: int, test: bool, force_quirks: bool = False) -> Applicants:
    """Generate ``n`` applicants of one side (all application columns except SK_ID_CURR and TARGET).

    ``force_quirks`` plants one instance of each rare real quirk (an XNA gender in train, a -1 city rating in
    test) so they exist at any data size; the generator sets it for the first chunk only.
    """
    side = _Side(test)
    quality = rng.standard_normal(n)
    age_z = rng.standard_normal(n)  # higher = older
    wealth = rng.standard_normal(n)
    cols: dict[str, np.ndarray] = {}
    cols["NAME_CONTRACT_TYPE"] = mg.sample_categories(rng, n, side("NAME_CONTRACT_TYPE")["shares"])
    gender_shares = dict(side("CODE_GENDER")["shares"])
    if not test:
        gender_shares.pop("XNA", None)
    cols["CODE_GENDER"] = mg.sample_categories(rng, n, gender_shares)
    cols["CODE_GENDER"][rng.random(n) < (0.0 if test else _TRAIN_GENDER_XNA)] = "XNA"
    if force_quirks and not test and n:
        cols["CODE_GENDER"][rng.integers(n)] = "XNA"
    cols["FLAG_OWN_CAR"] = mg.categories_from_latent(-mg.latent(rng, n, (0.3, wealth)), {
        "Y": side("FLAG_OWN_CAR")["shares"]["Y"], "N": side("FLAG_OWN_CAR")["shares"]["N"]})
    cols["FLAG_OWN_REALTY"] = mg.sample_categories(rng, n, side("FLAG_OWN_REALTY")["shares"])
    _add_family(rng, n, side, cols, age_z)
    _add_money(rng, n, side, cols, wealth)
    _add_employment(rng, n, side, cols, age_z, wealth)
    _add_contact_and_region(rng, n, side, cols, wealth, force_quirks)
    _add_scores(rng, n, side, cols, quality, age_z)
    _add_building(rng, n, side, cols, wealth, test)
    _add_social_and_documents(rng, n, side, cols, quality)
    return Applicants(columns=cols, quality=quality, is_test=np.full(n, test))


def _add_family(rng, n, side, cols, age_z) -> None:
    children = np.array(list(_CHILDREN_SHARES))[rng.choice(len(_CHILDREN_SHARES), size=n,
                                                            p=np.array(list(_CHILDREN_SHARES.values())) / sum(
                                                                _CHILDREN_SHARES.values()))]
    rare = rng.random(n) < 0.00012
    children = np.where(rare, rng.integers(6, 20, size=n), children)
    cols["CNT_CHILDREN"] = children
    cols["NAME_TYPE_SUITE"] = mg.with_missing(rng, mg.sample_categories(rng, n, side("NAME_TYPE_SUITE")["shares"]),
                                              side("NAME_TYPE_SUITE")["na"])
    family = mg.sample_categories(rng, n, side("NAME_FAMILY_STATUS")["shares"])
    cols["NAME_FAMILY_STATUS"] = family
    couple = np.isin(family, ["Married", "Civil marriage"])
    fam = (children + np.where(couple, 2, 1)).astype(float)
    cols["CNT_FAM_MEMBERS"] = mg.with_missing(rng, fam, side("CNT_FAM_MEMBERS")["na"])
    young = mg.latent(rng, n, (-0.5, age_z))
    cols["NAME_HOUSING_TYPE"] = mg.categories_from_latent(young, side("NAME_HOUSING_TYPE")["shares"])
    cols["DAYS_BIRTH"] = np.round(-mg.from_quantiles(mg.uniform_from_latent(age_z),
                                                     _negated(side("DAYS_BIRTH")))).astype(np.int64)


def _negated(stats: dict) -> dict:
    """Quantiles of -X from those of X (ages are stored as negative day offsets)."""
    q = {float(k): v for k, v in stats["q"].items()}
    return {"q": {str(1 - p): -v for p, v in q.items()}}


def _add_money(rng, n, side, cols, wealth) -> None:
    income = mg.from_quantiles(mg.uniform_from_latent(mg.latent(rng, n, (0.85, wealth))), side("AMT_INCOME_TOTAL"))
    step = np.where(rng.random(n) < 0.8, 4500.0, 450.0)
    cols["AMT_INCOME_TOTAL"] = np.maximum(mg.round_to(income, 1.0) // step * step, 25650.0)
    revolving = cols["NAME_CONTRACT_TYPE"] == "Revolving loans"
    credit_z = mg.latent(rng, n, (0.45, wealth))
    credit = mg.from_quantiles(mg.uniform_from_latent(credit_z), side("AMT_CREDIT"))
    credit = np.where(revolving, np.maximum(mg.round_to(credit * 0.45, 22500.0), 45000.0), credit)
    insured = (~revolving) & (rng.random(n) < 0.75)
    ratio = np.where(insured, 1.0 + rng.gamma(2.0, 0.07, size=n), 1.0)
    goods = credit / ratio
    goods = np.where(rng.random(n) < 0.92, np.maximum(mg.round_to(goods, 4500.0), 40500.0), mg.round_to(goods, 45.0))
    goods = np.where(revolving, credit, goods)
    cols["AMT_CREDIT"] = np.clip(mg.round_to(np.where(insured, goods * ratio, credit), 4.5), 45000.0, 4_050_000.0)
    # Annuity: its own published marginal, rank-tied to the credit amount (shorter terms in the test set).
    annuity_z = mg.latent(rng, n, (0.85, credit_z))
    annuity = mg.from_quantiles(mg.uniform_from_latent(annuity_z), side("AMT_ANNUITY"))
    annuity = np.where(revolving, cols["AMT_CREDIT"] * rng.choice([0.05, 0.1], size=n), annuity)
    cols["AMT_ANNUITY"] = mg.with_missing(rng, np.maximum(mg.round_to(annuity, 4.5), 1615.5),
                                          side("AMT_ANNUITY")["na"])
    goods_missing = revolving & (rng.random(n) < side("AMT_GOODS_PRICE")["na"] / 0.095)
    cols["AMT_GOODS_PRICE"] = mg.blank(goods, goods_missing)


def _add_employment(rng, n, side, cols, age_z, wealth) -> None:
    age_years = -cols["DAYS_BIRTH"] / 365.25
    p_out = 1 / (1 + np.exp(-(age_years - 58.5) / 2.2))  # pensioners are older; overall share ~18 %
    out_of_work = rng.random(n) < p_out * _sentinel_share(side) / 0.189
    income_shares = dict(side("NAME_INCOME_TYPE")["shares"])
    retired = {"Pensioner": income_shares.pop("Pensioner"), "Unemployed": income_shares.pop("Unemployed", 1e-4)}
    income_type = mg.sample_categories(rng, n, income_shares)
    income_type[out_of_work] = mg.sample_categories(rng, int(out_of_work.sum()), retired)
    cols["NAME_INCOME_TYPE"] = income_type
    education = mg.categories_from_latent(mg.latent(rng, n, (0.45, wealth)),
                                          {k: side("NAME_EDUCATION_TYPE")["shares"][k] for k in _EDUCATION_ORDER})
    cols["NAME_EDUCATION_TYPE"] = education
    employed_stats = _employed_days_stats(side("DAYS_EMPLOYED"), 1 - _sentinel_share(side))
    seniority = mg.latent(rng, n, (0.75, age_z))
    # The published quantiles already include the age cap below, which pulls long careers in: stretch first.
    days = np.round(_AGE_CAP_STRETCH * mg.from_quantiles(mg.uniform_from_latent(-seniority), employed_stats))
    min_days = -(age_years - 16) * 365.25
    days = np.maximum(days, np.round(min_days)).astype(np.int64)
    cols["DAYS_EMPLOYED"] = np.where(out_of_work, schema.SENTINEL_DAYS, days).astype(np.int64)
    cols["_OUT_OF_WORK"] = out_of_work
    reg = mg.from_quantiles(rng.random(n), side("DAYS_REGISTRATION"))
    cols["DAYS_REGISTRATION"] = np.maximum(np.round(reg), cols["DAYS_BIRTH"]).astype(float)
    cols["DAYS_ID_PUBLISH"] = np.round(mg.from_quantiles(rng.random(n), side("DAYS_ID_PUBLISH"))).astype(np.int64)
    car = cols["FLAG_OWN_CAR"] == "Y"
    car_age = np.round(mg.from_quantiles(rng.random(n), side("OWN_CAR_AGE")))
    cols["OWN_CAR_AGE"] = mg.blank(car_age, ~car | (rng.random(n) < 5 / 104_587))


def _sentinel_share(side) -> float:
    """Share of pensioners/unemployed (DAYS_EMPLOYED = 365243); the age curve above averages ~0.18 on real ages."""
    shares = side("NAME_INCOME_TYPE")["shares"]
    return shares["Pensioner"] + shares.get("Unemployed", 0.0)


def _employed_days_stats(stats: dict, employed_share: float) -> dict:
    """Quantiles of DAYS_EMPLOYED among the employed: the published ones include the 365243 sentinel rows."""
    q = {float(k): v for k, v in stats["q"].items() if v != schema.SENTINEL_DAYS}
    knots = {min(p / employed_share, 0.999): v for p, v in q.items()}
    knots[1.0] = 0.0
    return {"q": {str(p): v for p, v in knots.items()}}


def _add_contact_and_region(rng, n, side, cols, wealth, force_quirks: bool) -> None:
    out = cols.pop("_OUT_OF_WORK")
    employed = ~out
    employed_share = 1.0 - _sentinel_share(side)
    cols["FLAG_MOBIL"] = (rng.random(n) < side.mean("FLAG_MOBIL")).astype(np.int64)
    cols["FLAG_EMP_PHONE"] = employed.astype(np.int64)
    cols["FLAG_WORK_PHONE"] = (employed & (rng.random(n) < side.mean("FLAG_WORK_PHONE") / employed_share)).astype(
        np.int64)
    cols["FLAG_CONT_MOBILE"] = (rng.random(n) < side.mean("FLAG_CONT_MOBILE")).astype(np.int64)
    cols["FLAG_PHONE"] = (rng.random(n) < side.mean("FLAG_PHONE")).astype(np.int64)
    cols["FLAG_EMAIL"] = (rng.random(n) < side.mean("FLAG_EMAIL")).astype(np.int64)
    occ = side("OCCUPATION_TYPE")
    occupation = mg.sample_categories(rng, n, occ["shares"])
    extra_missing = (occ["na"] - (1.0 - employed_share)) / employed_share
    cols["OCCUPATION_TYPE"] = mg.blank(occupation, out | (rng.random(n) < extra_missing))
    density = mg.latent(rng, n, (0.3, wealth))
    population = mg.from_quantiles(mg.uniform_from_latent(density), side("REGION_POPULATION_RELATIVE"))
    # one set of regions for both sides (the country does not change between train and test)
    cols["REGION_POPULATION_RELATIVE"] = _snap_to_regions(population, side.train["REGION_POPULATION_RELATIVE"])
    rating = mg.categories_from_latent(-density + 0.6 * rng.standard_normal(n), {3: 0.157, 2: 0.738, 1: 0.105})
    cols["REGION_RATING_CLIENT"] = rating.astype(np.int64)
    w_city = np.where(rng.random(n) < 0.06, np.clip(rating - 1, 1, 3), rating).astype(np.int64)
    if side.test:
        w_city[rng.random(n) < _TEST_W_CITY_MINUS_ONE] = -1
        if force_quirks and n and not (w_city == -1).any():
            w_city[rng.integers(n)] = -1
    cols["REGION_RATING_CLIENT_W_CITY"] = w_city
    cols["WEEKDAY_APPR_PROCESS_START"] = mg.sample_categories(rng, n, side("WEEKDAY_APPR_PROCESS_START")["shares"])
    cols["HOUR_APPR_PROCESS_START"] = np.clip(np.round(rng.normal(12.05, 3.27, size=n)), 0, 23).astype(np.int64)
    for flag in ("REG_REGION_NOT_LIVE_REGION", "REG_REGION_NOT_WORK_REGION", "LIVE_REGION_NOT_WORK_REGION",
                 "REG_CITY_NOT_LIVE_CITY", "REG_CITY_NOT_WORK_CITY", "LIVE_CITY_NOT_WORK_CITY"):
        work_related = "WORK" in flag
        rate = side.mean(flag) / (employed_share if work_related else 1.0)
        values = rng.random(n) < rate
        cols[flag] = (values & employed if work_related else values).astype(np.int64)
    org = dict(side("ORGANIZATION_TYPE")["shares"])
    org.pop("XNA", None)
    organisation = mg.sample_categories(rng, n, org)
    organisation[out] = "XNA"
    cols["ORGANIZATION_TYPE"] = organisation


def _snap_to_regions(values: np.ndarray, stats: dict) -> np.ndarray:
    """The real file has ~80 distinct region populations: snap to a fixed grid that contains the quartiles."""
    spread = mg.from_quantiles(np.linspace(0.0, 1.0, 81), stats)
    grid = np.unique(np.round(np.concatenate([spread, [float(v) for v in stats["q"].values()]]), 6))
    idx = np.clip(np.searchsorted(grid, values), 0, len(grid) - 1)
    lower = np.clip(idx - 1, 0, len(grid) - 1)
    nearest = np.where(np.abs(grid[lower] - values) < np.abs(grid[idx] - values), lower, idx)
    return grid[nearest]


def _add_scores(rng, n, side, cols, quality, age_z) -> None:
    ext1 = mg.latent(rng, n, (0.55, quality), (0.55, age_z))
    ext2 = mg.latent(rng, n, (0.62, quality))
    ext3 = mg.latent(rng, n, (0.62, quality), (0.2, age_z))
    for name, z in (("EXT_SOURCE_1", ext1), ("EXT_SOURCE_2", ext2), ("EXT_SOURCE_3", ext3)):
        stats = side(name)
        values = mg.from_quantiles(mg.uniform_from_latent(z), stats)
        cols[name] = mg.with_missing(rng, values, stats["na"])


def _add_building(rng, n, side, cols, wealth, test) -> None:
    shift = _TEST_BUILDING_NA_SHIFT if test else 0.0
    train = schema.reference_stats()["application_train"]
    base_na = train["EMERGENCYSTATE_MODE"]["na"] + shift
    has_building = rng.random(n) >= base_na
    size = mg.latent(rng, n, (0.3, wealth))
    for measure in _BUILDING_MEASURES:
        u_z = mg.latent(rng, n, (0.6, size))
        extra = (train[f"{measure}_AVG"]["na"] + shift - base_na) / (1 - base_na)
        missing = ~has_building | (rng.random(n) < extra)
        for suffix, jitter in (("AVG", 0.0), ("MODE", 0.25), ("MEDI", 0.1)):
            name = f"{measure}_{suffix}"
            z = u_z if jitter == 0 else np.sqrt(1 - jitter**2) * u_z + jitter * rng.standard_normal(n)
            values = np.round(mg.from_quantiles(mg.uniform_from_latent(z), side(name)), _BUILDING_DECIMALS)
            cols[name] = mg.blank(values, missing)
    for name in ("FONDKAPREMONT_MODE", "HOUSETYPE_MODE", "TOTALAREA_MODE", "WALLSMATERIAL_MODE",
                 "EMERGENCYSTATE_MODE"):
        stats = train[name]
        extra = (stats["na"] + shift - base_na) / (1 - base_na)
        missing = ~has_building | (rng.random(n) < extra)
        if stats["kind"] == "cat":
            values = mg.sample_categories(rng, n, stats["shares"])
        else:
            values = np.round(mg.from_quantiles(mg.uniform_from_latent(size), stats), _BUILDING_DECIMALS)
        cols[name] = mg.blank(values, missing)


def _add_social_and_documents(rng, n, side, cols, quality) -> None:
    risk_boost = np.clip(-quality, 0, None) * 0.04
    obs30 = mg.zero_inflated_counts(rng, n, 0.535, 3.05)
    def30 = np.minimum(mg.zero_inflated_counts(rng, n, 0.885, 1.25, boost=risk_boost), np.maximum(obs30, 0))
    obs60 = np.where(rng.random(n) < 0.95, obs30, np.maximum(obs30 - 1, 0))
    def60 = np.minimum(def30, np.where(rng.random(n) < 0.7, def30, np.maximum(def30 - 1, 0)))
    social_missing = rng.random(n) < train_na("OBS_30_CNT_SOCIAL_CIRCLE")
    for name, values in (("OBS_30_CNT_SOCIAL_CIRCLE", obs30), ("DEF_30_CNT_SOCIAL_CIRCLE", def30),
                         ("OBS_60_CNT_SOCIAL_CIRCLE", obs60), ("DEF_60_CNT_SOCIAL_CIRCLE", def60)):
        cols[name] = mg.blank(values.astype(float), social_missing)
    phone = np.round(mg.from_quantiles(rng.random(n), side("DAYS_LAST_PHONE_CHANGE")))
    cols["DAYS_LAST_PHONE_CHANGE"] = mg.with_missing(rng, phone, side("DAYS_LAST_PHONE_CHANGE")["na"])
    for k in range(2, 22):
        name = f"FLAG_DOCUMENT_{k}"
        cols[name] = (rng.random(n) < side.mean(name)).astype(np.int64)
    requests_missing = rng.random(n) < train_na("AMT_REQ_CREDIT_BUREAU_YEAR")
    for period, p0 in _BUREAU_REQUEST_P0.items():
        name = f"AMT_REQ_CREDIT_BUREAU_{period}"
        mean = side.mean(name)
        counts = mg.zero_inflated_counts(rng, n, p0, mean / max(1 - p0, 1e-6))
        cols[name] = mg.blank(counts.astype(float), requests_missing)


def train_na(column: str) -> float:
    return schema.reference_stats()["application_train"][column]["na"]
