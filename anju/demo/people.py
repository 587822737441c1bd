"""The people of the synthetic district: who lives together, their names, ages, ID
and phone numbers, work, income and door credentials.

Every value is drawn from the planner's seeded generator; ID numbers, phone numbers
and credential references are unique across the district."""

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from stdnum import numdb
from stdnum.cn import ric

from . import names as N
from .base import BASE_DATE, years_before

# Household size weights (1..5) and the head's age range, by category.
SIZE_WEIGHTS = {
    "low_income": (25, 30, 28, 12, 5),
    "lower_middle": (10, 30, 40, 15, 5),
    "new_employee": (50, 32, 18, 0, 0),
    "migrant_worker": (25, 27, 32, 13, 3),
    "special": (45, 38, 17, 0, 0),
}
HEAD_AGE = {
    "low_income": (32, 78),
    "lower_middle": (27, 62),
    "new_employee": (22, 35),
    "migrant_worker": (23, 52),
    "special": (50, 88),
}
# Monthly income of an earner (yuan), and of a pensioner, by category.
EARNER_INCOME = {
    "low_income": (800, 1800),
    "lower_middle": (1800, 3500),
    "new_employee": (3000, 6500),
    "migrant_worker": (2500, 5000),
    "special": (0, 1800),
}
PENSION = {
    "low_income": (0, 1200),
    "lower_middle": (1500, 3000),
    "new_employee": (1800, 3500),
    "migrant_worker": (0, 300),
    "special": (600, 2500),
}
# Share of households whose head is registered in the district itself.
LOCAL_SHARE = {
    "low_income": 0.8,
    "lower_middle": 0.85,
    "new_employee": 0.6,
    "migrant_worker": 0.05,
    "special": 0.85,
}


@dataclass(slots=True)
class MemberPlan:
    name: str
    relation: str
    id_number: str
    phone: str
    hukou: str
    employer: str
    monthly_income: Decimal
    disability: str
    special_care: str
    joined_at: date
    face_ref: str = ""
    card_ref: str = ""
    pk: int | None = None


class People:
    def __init__(self, rng: random.Random, streets: list[str]):
        self.rng = rng
        self.streets = streets
        self.id_bodies: set[str] = set()
        self.phones: set[str] = set()
        self.refs: set[str] = set()
        self.surnames = list(N.SURNAMES)
        self.surname_weights = list(N.SURNAMES.values())

    def household(self, category: str, registered: date) -> list[MemberPlan]:
        rng = self.rng
        size = rng.choices((1, 2, 3, 4, 5), SIZE_WEIGHTS[category])[0]
        head_age = rng.randint(*HEAD_AGE[category])
        head_sex = "M" if rng.random() < 0.55 else "F"
        people = [("head", head_age, head_sex)]
        if size > 1 and head_age >= 23 and rng.random() < (0.5 if category == "special" else 0.85):
            gap = rng.randint(-5, 2) if head_sex == "M" else rng.randint(-2, 5)
            people.append(("spouse", max(20, head_age + gap), "F" if head_sex == "M" else "M"))
        youngest_parent = min(age for _, age, _ in people)
        parents = 0
        while len(people) < size:
            options = []
            if youngest_parent >= 21:
                options += ["child"] * 7
            if head_age <= 60 and parents < 2:
                options += ["parent"] * 2
            if head_age >= 46:
                options += ["grandchild"]
            if head_age <= 35:
                options += ["sibling"]
            if not options:
                break
            relation = rng.choice(options)
            sex = rng.choice("MF")
            if relation == "child":
                age = youngest_parent - rng.randint(20, min(38, youngest_parent))
            elif relation == "parent":
                age = min(95, head_age + rng.randint(22, 34))
                parents += 1
            elif relation == "grandchild":
                age = max(0, head_age - rng.randint(44, 60))
            else:
                age = max(16, head_age + rng.randint(-6, 6))
            people.append((relation, age, sex))

        family = self._surname()  # the father's line: children take this name
        head_surname = family if head_sex == "M" else self._surname()
        local = LOCAL_SHARE[category] > rng.random()
        hukou = self._hukou(local, category)
        members = []
        for relation, age, sex in people:
            if relation == "head":
                surname = head_surname
            elif relation in ("child", "grandchild") or (relation == "spouse" and sex == "M"):
                surname = family
            elif relation in ("sibling",) or (relation == "parent" and sex == "M"):
                surname = head_surname
            else:
                surname = self._surname()
            birth = birth_date(rng, age)
            own_local = local
            if relation in ("child", "grandchild"):
                own_local = True  # born in the city
            elif relation == "parent":
                own_local = rng.random() < 0.5
            members.append(
                self._member(
                    category=category,
                    relation=relation,
                    age=age,
                    sex=sex,
                    birth=birth,
                    name=surname + self._given(sex, birth.year),
                    local=own_local,
                    hukou=hukou if relation != "parent" else self._hukou(own_local, category),
                    registered=registered,
                    alone=len(people) == 1,
                )
            )
        return members

    def _member(
        self, *, category, relation, age, sex, birth, name, local, hukou, registered, alone
    ):
        rng = self.rng
        employer, income = self._work(category, relation, age)
        disability = ""
        special_care: list[str] = []
        if category == "special" and relation == "head":
            if rng.random() < 0.5:
                disability = rng.choices("1234", (10, 25, 35, 30))[0]
                special_care.append("残疾人")
            special_care += rng.sample(
                [f for f in N.SPECIAL_CARE if f not in special_care], rng.randint(0, 1)
            )
            if not special_care:
                special_care.append(rng.choice(N.SPECIAL_CARE[:2]))
        elif rng.random() < 0.02:
            disability = rng.choices("1234", (10, 25, 35, 30))[0]
        if alone and age >= 70 and "独居老人" not in special_care:
            special_care.append("独居老人")
        if relation == "head" and age >= 45 and rng.random() < 0.01:
            special_care.append("退役军人")
        adult = age >= 18
        phone = ""
        if adult and (relation == "head" or rng.random() < (0.9 if relation == "spouse" else 0.75)):
            phone = self._phone()
        return MemberPlan(
            name=name,
            relation=relation,
            id_number=self._id_number(birth, sex, local),
            phone=phone,
            hukou=hukou,
            employer=employer,
            monthly_income=Decimal(income).quantize(Decimal("0.01")),
            disability=disability,
            special_care="、".join(dict.fromkeys(special_care)),
            joined_at=max(registered, birth),
            face_ref=self._ref("F", 8) if adult else "",
            card_ref=(
                self._ref("C", 10)
                if (adult and rng.random() < 0.85) or (6 <= age < 18 and rng.random() < 0.6)
                else ""
            ),
        )

    def _work(self, category: str, relation: str, age: int) -> tuple[str, int]:
        rng = self.rng
        if age < 16 or (age < 23 and relation in ("child", "grandchild") and rng.random() < 0.7):
            return "", 0
        if age >= 60:
            low, high = PENSION[category]
            return rng.choice(("退休", "")), rng.randint(low // 10, high // 10) * 10
        works = relation == "head" or rng.random() < (0.7 if relation == "spouse" else 0.8)
        if not works:
            return rng.choice(("无业", "")), 0
        low, high = EARNER_INCOME[category]
        return rng.choice(N.EMPLOYERS[category]), rng.randint(low // 10, high // 10) * 10

    # --- People ---------------------------------------------------------------------

    def _surname(self) -> str:
        return self.rng.choices(self.surnames, self.surname_weights)[0]

    def _given(self, sex: str, birth_year: int) -> str:
        generation = 0 if birth_year < 1965 else 1 if birth_year < 1990 else 2
        return self.rng.choice(N.GIVEN_NAMES[(sex, generation)])

    def _hukou(self, local: bool, category: str) -> str:
        rng = self.rng
        if local:
            street = rng.choice(self.streets).removesuffix("办事处")
            return f"{N.PROVINCE}{N.CITY}{N.DISTRICT}{street}"
        if category == "new_employee" and rng.random() < 0.5:
            return f"{N.PROVINCE}{N.CITY}{N.DISTRICT}人才服务中心集体户"
        county = rng.choice(list(N.COUNTY_AREA_CODES.values()))
        town = rng.choice(N.TOWNS[county])
        return f"{N.PROVINCE}{N.CITY}{county}{town}{rng.choice(N.VILLAGES)}"

    def _id_number(self, birth: date, sex: str, local: bool) -> str:
        rng = self.rng
        codes = _codes_for_year(birth.year, local)
        while True:
            order = rng.randrange(0, 1000, 2) + (1 if sex == "M" else 0)
            body = f"{rng.choice(codes)}{birth:%Y%m%d}{order:03d}"
            if body not in self.id_bodies:
                self.id_bodies.add(body)
                return body + ric.calc_check_digit(body + "0")

    def _phone(self) -> str:
        rng = self.rng
        while True:
            phone = rng.choice(N.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _ref(self, prefix: str, digits: int) -> str:
        while True:
            ref = f"{prefix}{self.rng.randrange(10**digits):0{digits}d}"
            if ref not in self.refs:
                self.refs.add(ref)
                return ref


@cache
def _codes_for_year(year: int, local: bool) -> tuple[str, ...]:
    """The area codes stdnum accepts for someone born in `year`: it checks the code was
    in use that year. "140400" (the whole city) is left as the fallback."""
    pool = N.LOCAL_AREA_CODES if local else list(N.COUNTY_AREA_CODES)
    valid = []
    for code in pool:
        start, end = _code_years(code)
        if code != "140400" and start <= year <= end:
            valid.append(code)
    return tuple(valid) or ("140400",)


@cache
def _code_years(code: str) -> tuple[int, int]:
    info = {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    match = re.match(r"\[(\d*)-(\d*)\]", info.get("county", ""))
    if not match:
        return 0, 9999
    return int(match[1] or 0), int(match[2] or 9999)


def birth_date(rng: random.Random, age: int) -> date:
    """A birth date making someone exactly `age` on BASE_DATE."""
    latest = years_before(BASE_DATE, age)
    earliest = years_before(BASE_DATE, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
