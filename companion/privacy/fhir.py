"""HL7 FHIR R4 builders for the export (pure: data in, JSON text or dicts out).

The export envelope is a Bundle of ``type: collection`` (hl7.org/fhir/R4/bundle.html) with entries in the
order
Patient, Device, Observations, Consents, Communications; every cross-reference is a ``urn:uuid`` that is the
``fullUrl`` of another entry. Observations follow the R4 vital-signs rules (hl7.org/fhir/R4/observation-
vitalsigns.html): ``status`` final, a category, a LOINC code, ``subject``, ``effectiveDateTime`` with
offset and
a UCUM ``valueQuantity``. Codes: shared/reference/health_data.md section 1.2 (LOINC via loinc.org, US Core,
the Physical Activity IG and the Taiwan long-term-care IG for body composition):

* weight 29463-7 kg, BMI 39156-5 kg/m2, body fat 41982-0 %, body water 101684-9 %, bone mass 101685-6 kg,
  muscle mass 73964-9 kg (all ``vital-signs``); BMR has no LOINC code: SNOMED CT 165109007 in kcal/d; the
  scale's visceral-fat rating has none either: a local code with a ``{rating}`` valueQuantity (both category ``exam``).
* heart rate 8867-4, resting heart rate 40443-4 (/min), HRV SDNN 80404-7 (ms) as ``vital-signs``; steps in a
  sample interval 55423-8 "Number of steps in unspecified time Pedometer" ({steps}) as ``activity``.

Observations are emitted as JSON text from per-code templates: with millions of them, building and encoding a
dict per resource would dominate the export time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
LOCAL_CODES = "http://companion.invalid/fhir/CodeSystem/metric"
LOCAL_PURPOSES = "http://companion.invalid/fhir/CodeSystem/processing-purpose"
MATRIX_EVENT_IDS = "http://companion.invalid/fhir/NamingSystem/matrix-event-id"
PROFILE_BASE = "http://hl7.org/fhir/StructureDefinition/"

_CATEGORY_DISPLAY = {"vital-signs": "Vital Signs", "exam": "Exam", "activity": "Activity"}


@dataclass(frozen=True, slots=True)
class ObservationCode:
    system: str
    code: str
    display: str
    unit: str  # UCUM code
    unit_display: str
    category: str
    profile: str | None = None


MEASUREMENT_CODES: dict[str, ObservationCode] = {
    "weight_kg": ObservationCode(LOINC, "29463-7", "Body weight", "kg", "kg", "vital-signs", "bodyweight"),
    "body_fat_pct": ObservationCode(
        LOINC, "41982-0", "Percentage of body fat Measured", "%", "%", "vital-signs"
    ),
    "body_water_pct": ObservationCode(LOINC, "101684-9", "Percentage of body water", "%", "%", "vital-signs"),
    "bone_mass_kg": ObservationCode(LOINC, "101685-6", "Body bone mass", "kg", "kg", "vital-signs"),
    "muscle_mass_kg": ObservationCode(
        LOINC, "73964-9", "Body muscle mass Calculated", "kg", "kg", "vital-signs"
    ),
    "bmi": ObservationCode(
        LOINC, "39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", "kg/m2", "vital-signs", "bmi"
    ),
    "bmr_kcal": ObservationCode(SNOMED, "165109007", "Basal metabolic rate", "kcal/d", "kcal/d", "exam"),
    # a rating (Tanita-style 1-59, some scales give halves): always a valueQuantity in the UCUM
    # annotation {rating}, so one code never switches between valueInteger and valueQuantity
    "visceral_fat": ObservationCode(
        LOCAL_CODES, "visceral-fat-rating", "Visceral fat rating (scale)", "{rating}", "rating", "exam"
    ),
}

SAMPLE_CODES: dict[str, ObservationCode] = {
    "heart_rate": ObservationCode(
        LOINC, "8867-4", "Heart rate", "/min", "beats/minute", "vital-signs", "heartrate"
    ),
    "resting_heart_rate": ObservationCode(
        LOINC, "40443-4", "Heart rate --resting", "/min", "beats/minute", "vital-signs"
    ),
    "hrv_sdnn": ObservationCode(
        LOINC,
        "80404-7",
        "R-R interval.standard deviation (Heart rate variability)",
        "ms",
        "ms",
        "vital-signs",
    ),
    "steps": ObservationCode(
        LOINC, "55423-8", "Number of steps in unspecified time Pedometer", "{steps}", "steps", "activity"
    ),
}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class UuidSource:
    """Unique, well-formed v4-shaped UUIDs for one bundle: a random prefix and a counter (fast, no
    collisions)."""

    def __init__(self, seed: uuid.UUID | None = None) -> None:
        base = (seed or uuid.uuid4()).hex
        self._prefix = f"{base[:8]}-{base[8:12]}-4{base[13:16]}-{'89ab'[int(base[16], 16) & 3]}{base[17:20]}-"
        self._next = 0

    def __call__(self) -> str:
        self._next += 1
        return f"{self._prefix}{self._next:012x}"


def entry_text(full_url: str, resource: dict[str, Any]) -> str:
    return '{"fullUrl":"urn:uuid:' + full_url + '","resource":' + _dumps(resource) + "}"


def reference(uid: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{uid}"}


# ----- Observations (templated) ----------------------------------------------------------------------
class ObservationTemplate:
    """Renders one Observation entry for a code, subject and device: ``render(uid, when_iso, value)``."""

    def __init__(self, code: ObservationCode, patient_uid: str, device_uid: str | None = None) -> None:
        resource: dict[str, Any] = {"resourceType": "Observation", "status": "final"}
        if code.profile:
            resource["meta"] = {"profile": [PROFILE_BASE + code.profile]}
        resource["category"] = [
            {
                "coding": [
                    {
                        "system": OBSERVATION_CATEGORY,
                        "code": code.category,
                        "display": _CATEGORY_DISPLAY[code.category],
                    }
                ]
            }
        ]
        resource["code"] = {
            "coding": [{"system": code.system, "code": code.code, "display": code.display}],
            "text": code.display,
        }
        resource["subject"] = reference(patient_uid)
        head = _dumps(resource)[:-1]  # without the closing brace
        self._head = '","resource":' + head + ',"effectiveDateTime":"'
        tail = ""
        if device_uid is not None:
            tail = ',"device":' + _dumps(reference(device_uid))
        self._tail = tail + "}}"
        self._value = (
            '","valueQuantity":{"value":',
            ',"unit":'
            + _dumps(code.unit_display)
            + ',"system":"'
            + UCUM
            + '","code":'
            + _dumps(code.unit)
            + "}",
        )

    def render(self, uid: str, when: str, value: float) -> str:
        start = '{"fullUrl":"urn:uuid:' + uid + self._head + when
        return start + self._value[0] + repr(float(value)) + self._value[1] + self._tail


# ----- Patient, Device -------------------------------------------------------------------------------
def patient(profile: Any) -> dict[str, Any]:
    """A minimal Patient (reference 1.4): name, gender, birth date, language, contact details given."""
    resource: dict[str, Any] = {"resourceType": "Patient", "name": [{"text": profile.name}]}
    gender = {"female": "female", "male": "male", "other": "other"}.get(
        str(getattr(profile.sex, "value", profile.sex))
    )
    resource["gender"] = gender or "unknown"
    resource["birthDate"] = profile.birth_date.isoformat()
    telecom = []
    if profile.email:
        telecom.append({"system": "email", "value": profile.email})
    if profile.phone:
        telecom.append({"system": "phone", "value": profile.phone})
    if telecom:
        resource["telecom"] = telecom
    resource["communication"] = [
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": profile.language}]}}
    ]
    return resource


#: The apps behind ``import:<id>`` measurement sources (companion.health's importers).
IMPORT_APPS = {
    "apple-health": "Apple Health", "fitbit": "Fitbit", "openscale": "openScale", "openscale-legacy": "openScale",
    "openscale-1": "openScale", "withings": "Withings", "renpho": "Renpho", "mi-fit": "Mi Fit / Zepp Life",
    "omron": "Omron",
}


def device(name: str, patient_uid: str, kind: str = "Body composition scale") -> dict[str, Any]:
    return {
        "resourceType": "Device",
        "deviceName": [{"name": name, "type": "user-friendly-name"}],
        "type": {"text": kind},
        "patient": reference(patient_uid),
    }


def import_device(source: str, patient_uid: str) -> dict[str, Any]:
    """The Device of measurements imported from another app (``import:omron``): that app, as the source."""
    app_id = source.removeprefix("import:")
    return device(f"{IMPORT_APPS.get(app_id, app_id)} (imported)", patient_uid,
                  "Body composition scale, readings imported from its app")


# ----- Consents --------------------------------------------------------------------------------------
def consents(
    history: Iterable[Any], patient_uid: str, new_uid: Any, titles: dict[str, str]
) -> list[tuple[str, dict[str, Any]]]:
    """One Consent per decision (R4, reference 1.5): a decision stays ``active`` until the next decision on
    the same purpose, which makes it ``inactive`` with ``provision.period.end``. Withdrawals and
    objections are
    ``deny`` provisions (policy OPTOUT), grants ``permit`` (OPTIN)."""
    by_purpose: dict[str, list[Any]] = {}
    for record in history:
        by_purpose.setdefault(record.purpose, []).append(record)
    out: list[tuple[str, dict[str, Any]]] = []
    for purpose_id, records in by_purpose.items():
        for index, record in enumerate(records):
            following = records[index + 1] if index + 1 < len(records) else None
            permit = record.decision in ("grant", "lift-objection")
            period: dict[str, str] = {"start": record.timestamp.isoformat()}
            if following is not None:
                period["end"] = following.timestamp.isoformat()
            resource = {
                "resourceType": "Consent",
                "status": "inactive" if following is not None else "active",
                "scope": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                            "code": "research" if purpose_id == "research" else "patient-privacy",
                        }
                    ]
                },
                "category": [
                    {"coding": [{"system": LOINC, "code": "59284-0", "display": "Patient Consent"}]}
                ],
                "patient": reference(patient_uid),
                "dateTime": record.timestamp.isoformat(),
                "sourceAttachment": {"title": f"Companion privacy notice {record.notice_version}"},
                "policyRule": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                            "code": "OPTIN" if permit else "OPTOUT",
                        }
                    ]
                },
                "provision": {
                    "type": "permit" if permit else "deny",
                    "period": period,
                    "purpose": [
                        {
                            "system": LOCAL_PURPOSES,
                            "code": purpose_id,
                            "display": titles.get(purpose_id, purpose_id),
                        }
                    ],
                },
            }
            out.append((new_uid(), resource))
    return out


# ----- Communications (clinic messages) --------------------------------------------------------------
_COMMUNICATION_STATUS = {"sent": "completed", "pending": "in-progress", "failed": "not-done"}


def communication(
    *,
    event_id: str | None,
    sender: str | None,
    body: str | None,
    sent: datetime,
    status: str | None,
    own: bool,
    patient_uid: str,
) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Communication"}
    if event_id:
        resource["identifier"] = [{"system": MATRIX_EVENT_IDS, "value": event_id}]
    resource["status"] = _COMMUNICATION_STATUS.get(status or "", "completed") if own else "completed"
    resource["subject"] = reference(patient_uid)
    resource["sent"] = sent.isoformat()
    clinic = {"display": sender or "clinic"}
    if own:
        resource["sender"] = reference(patient_uid)
        resource["recipient"] = [{"display": "clinic"}]
    else:
        resource["sender"] = clinic
        resource["recipient"] = [reference(patient_uid)]
        resource["received"] = sent.isoformat()
    resource["payload"] = [{"contentString": body or ""}]
    return resource


def bundle_head(timestamp: datetime, bundle_uid: str) -> str:
    return (
        '{"resourceType":"Bundle","identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:'
        + bundle_uid
        + '"},"type":"collection","timestamp":"'
        + timestamp.isoformat()
        + '","entry":['
    )


BUNDLE_TAIL = "]}\n"


# ----- Programme: body measurements, medication ------------------------------------------------------
LOCAL_BODY_CODES = "http://companion.invalid/fhir/CodeSystem/body-measurement"
LOCAL_MEDICATION_SITES = "http://companion.invalid/fhir/CodeSystem/injection-site"

#: Tape measurements (cm). LOINC codes as used by FHIR IGs for these vital signs: waist 8280-0 (HL7 LT vital
#: signs IG, ValueSet waist-circumference-observation-loinc), hip 62409-8, neck 56074-8 and right mid upper arm
#: 56072-2 (the ABDM India IG's BodyMeasurement value set), chest 8279-2 (Thai core IG examples). LOINC has no
#: code Companion could verify for the left upper arm and the thighs: local codes.
BODY_CODES: dict[str, ObservationCode] = {
    "waist_cm": ObservationCode(LOINC, "8280-0", "Waist Circumference at umbilicus by Tape measure", "cm", "cm",
                                "vital-signs"),
    "hips_cm": ObservationCode(LOINC, "62409-8", "Hip circumference", "cm", "cm", "vital-signs"),
    "chest_cm": ObservationCode(LOINC, "8279-2", "Chest Circumference at nipple line", "cm", "cm", "vital-signs"),
    "neck_cm": ObservationCode(LOINC, "56074-8", "Circumference Neck", "cm", "cm", "vital-signs"),
    "upper_arm_r_cm": ObservationCode(LOINC, "56072-2", "Circumference Mid upper arm - right", "cm", "cm",
                                      "vital-signs"),
    "upper_arm_l_cm": ObservationCode(LOCAL_BODY_CODES, "upper-arm-left", "Circumference upper arm - left", "cm",
                                      "cm", "exam"),
    "thigh_l_cm": ObservationCode(LOCAL_BODY_CODES, "thigh-left", "Circumference thigh - left", "cm", "cm", "exam"),
    "thigh_r_cm": ObservationCode(LOCAL_BODY_CODES, "thigh-right", "Circumference thigh - right", "cm", "cm",
                                  "exam"),
}

#: SNOMED CT routes of administration (hl7.org/fhir/R4/valueset-route-codes.html).
ROUTE_CODES: dict[str, tuple[str, str]] = {
    "subcutaneous": ("34206005", "Subcutaneous route"), "oral": ("26643006", "Oral route"),
    "intramuscular": ("78421000", "Intramuscular route"), "sublingual": ("37839007", "Sublingual route"),
    "rectal": ("37161004", "Rectal route"), "topical": ("6064005", "Topical route"),
}
#: SNOMED CT body structures for injection sites (hl7.org/fhir/R4/valueset-approach-site-codes.html), with the
#: side in the text.
SITE_CODES: dict[str, tuple[str, str, str]] = {
    "abdomen-left": ("113345001", "Abdominal structure", "Abdomen, left"),
    "abdomen-right": ("113345001", "Abdominal structure", "Abdomen, right"),
    "thigh-left": ("68367000", "Thigh structure", "Thigh, left"),
    "thigh-right": ("68367000", "Thigh structure", "Thigh, right"),
    "upper-arm-left": ("40983000", "Upper arm structure", "Upper arm, left"),
    "upper-arm-right": ("40983000", "Upper arm structure", "Upper arm, right"),
}
_UCUM_DOSE = {"mg": "mg", "mcg": "ug", "g": "g", "ml": "mL", "IU": "[iU]", "units": "[U]"}


def _route(route: str) -> dict[str, Any]:
    found = ROUTE_CODES.get(route)
    if found is None:
        return {"text": route}
    return {"coding": [{"system": SNOMED, "code": found[0], "display": found[1]}], "text": found[1]}


def _dose_quantity(value: float, unit: str) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value, "unit": unit}
    code = _UCUM_DOSE.get(unit)
    if code is not None:
        quantity["system"] = UCUM
        quantity["code"] = code
    return quantity


def medication_statement(plan: Any, patient_uid: str) -> dict[str, Any]:
    """A medicine on the person's schedule (R4 MedicationStatement: status, medication, subject)."""
    timing: dict[str, Any] = {}
    if plan.schedule == "daily":
        timing = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}
    elif plan.schedule == "weekly":
        timing = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "wk"}}
        if plan.weekday is not None:
            timing["repeat"]["dayOfWeek"] = [("mon", "tue", "wed", "thu", "fri", "sat", "sun")[plan.weekday]]
    dosage: dict[str, Any] = {"text": f"{plan.dose:g} {plan.dose_unit} {plan.schedule}", "route": _route(plan.route),
                              "doseAndRate": [{"doseQuantity": _dose_quantity(plan.dose, plan.dose_unit)}]}
    if timing:
        dosage["timing"] = timing
    if plan.schedule == "as-needed":
        dosage["asNeededBoolean"] = True
    return {
        "resourceType": "MedicationStatement",
        "status": "active" if plan.active else "stopped",
        "medicationCodeableConcept": {"text": plan.medicine},
        "subject": reference(patient_uid),
        "effectivePeriod": {"start": plan.started_on.isoformat()},
        "dateAsserted": plan.started_on.isoformat(),
        "dosage": [dosage],
    }


def medication_administration(dose: Any, patient_uid: str, statement_uid: str | None) -> dict[str, Any]:
    """One dose taken (``completed``) or skipped (``not-done``), with route, injection site and side effects
    (R4 MedicationAdministration has no reaction element: they go in ``note``)."""
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "status": "completed" if dose.status == "taken" else "not-done",
        "medicationCodeableConcept": {"text": dose.medicine},
        "subject": reference(patient_uid),
        "effectiveDateTime": dose.when.isoformat(),
    }
    if statement_uid is not None:
        resource["supportingInformation"] = [reference(statement_uid)]
    dosage: dict[str, Any] = {"route": _route(dose.route)}
    if dose.site is not None:
        code, display, text = SITE_CODES[str(getattr(dose.site, "value", dose.site))]
        dosage["site"] = {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": text}
    if dose.dose is not None and dose.dose_unit:
        dosage["dose"] = _dose_quantity(dose.dose, dose.dose_unit)
    resource["dosage"] = dosage
    notes = [f"Side effect: {e.effect} ({getattr(e.severity, 'value', e.severity)})" for e in dose.side_effects]
    if dose.note:
        notes.append(dose.note)
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource
