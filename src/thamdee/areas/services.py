"""Writes for areas: the DOPA tree from geothai, and villages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geothai
import rules
from django.db import IntegrityError, transaction

from thamdee.areas.errors import VillageExistsError, VillageNumberError, VillageParentError
from thamdee.areas.models import Area, AreaLevel
from thamdee.common.errors import NotFoundError


@dataclass(frozen=True)
class AreaLoadResult:
    created: int
    updated: int
    data_version: str


def _sync_level(level: AreaLevel, rows: list[dict[str, Any]], parent_ids: dict[str, int]) -> tuple[int, int]:
    existing = {
        a.code: a
        for a in Area.objects.filter(level=level).only("id", "code", "name_th", "name_en", "postal_codes", "parent_id")
    }
    to_create: list[Area] = []
    to_update: list[Area] = []
    fields = ("name_th", "name_en", "postal_codes", "parent_id")
    for row in rows:
        parent_code = row.pop("parent_code", None)
        row["parent_id"] = parent_ids[parent_code] if parent_code else None
        current = existing.get(row["code"])
        if current is None:
            to_create.append(Area(level=level, **row))
        elif any(getattr(current, f) != row[f] for f in fields):
            for f in fields:
                setattr(current, f, row[f])
            to_update.append(current)
    Area.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        Area.objects.bulk_update(to_update, fields, batch_size=2000)
    return len(to_create), len(to_update)


def _ids(level: AreaLevel) -> dict[str, int]:
    return dict(Area.objects.filter(level=level).values_list("code", "id"))


@transaction.atomic
def areas_load() -> AreaLoadResult:
    """Load every province, district and subdistrict from the offline ``geothai`` data.

    Idempotent: a second run creates nothing and changes only names or postcodes that a newer data release
    changed. Villages, which no package ships, are left alone.
    """
    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]

    created = updated = 0
    c, u = _sync_level(
        AreaLevel.PROVINCE,
        [
            {"code": p.code, "name_th": p.name_th, "name_en": p.name_en, "postal_codes": "", "province_code": p.code}
            for p in provinces
        ],
        {},
    )
    created += c
    updated += u
    c, u = _sync_level(
        AreaLevel.DISTRICT,
        [
            {
                "code": d.code,
                "name_th": d.name_th,
                "name_en": d.name_en,
                "postal_codes": "",
                "parent_code": d.province_code,
                "province_code": d.province_code,
                "district_code": d.code,
            }
            for d in districts
        ],
        _ids(AreaLevel.PROVINCE),
    )
    created += c
    updated += u
    c, u = _sync_level(
        AreaLevel.SUBDISTRICT,
        [
            {
                "code": s.code,
                "name_th": s.name_th,
                "name_en": s.name_en,
                "postal_codes": " ".join(s.postal_codes),
                "parent_code": s.district_code,
                "province_code": s.province_code,
                "district_code": s.district_code,
                "subdistrict_code": s.code,
            }
            for s in subdistricts
        ],
        _ids(AreaLevel.DISTRICT),
    )
    created += c
    updated += u
    return AreaLoadResult(created=created, updated=updated, data_version=geothai.DATA_VERSION)


def village_create(
    *, actor: Any, subdistrict: Area, number: int, name: str = "", community_code: str | None = None
) -> Area:
    """Add หมู่ที่ ``number`` to a subdistrict, with the 8-digit DOPA village code.

    Only people who may manage places in that subdistrict (its organisations' admins and organisers, agency
    staff whose scope covers it, site admins) may add one; to anyone else the subdistrict is not found.
    """
    if subdistrict.level != AreaLevel.SUBDISTRICT:
        raise VillageParentError()
    if not rules.has_perm("areas.add_village", actor, subdistrict):
        raise NotFoundError()
    if not isinstance(number, int) or not 1 <= number <= 99:
        raise VillageNumberError()
    code = f"{subdistrict.code}{number:02d}"
    try:
        with transaction.atomic():
            return Area.objects.create(
                code=code,
                level=AreaLevel.VILLAGE,
                name_th=name.strip(),
                parent=subdistrict,
                province_code=subdistrict.province_code,
                district_code=subdistrict.district_code,
                subdistrict_code=subdistrict.code,
                postal_codes=subdistrict.postal_codes,
                village_no=number,
                community_code=(community_code or None),
            )
    except IntegrityError as exc:
        raise VillageExistsError(number=number) from exc
