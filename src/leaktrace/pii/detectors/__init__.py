"""Built-in detectors. Each module holds one PII type; BUILTIN is their order."""

from __future__ import annotations

from leaktrace.pii.base import Detector
from leaktrace.pii.detectors.address import AddressDetector
from leaktrace.pii.detectors.bank_card import BankCardDetector
from leaktrace.pii.detectors.cn_id import CnIdDetector
from leaktrace.pii.detectors.cn_landline import CnLandlineDetector
from leaktrace.pii.detectors.cn_mobile import CnMobileDetector
from leaktrace.pii.detectors.cn_passport import CnPassportDetector
from leaktrace.pii.detectors.email import EmailDetector
from leaktrace.pii.detectors.ipv4 import Ipv4Detector
from leaktrace.pii.detectors.order_id import OrderIdDetector
from leaktrace.pii.detectors.person_name import PersonNameDetector
from leaktrace.pii.detectors.plate import PlateDetector

BUILTIN: list[type[Detector]] = [
    CnIdDetector,
    OrderIdDetector,
    CnMobileDetector,
    BankCardDetector,
    CnLandlineDetector,
    CnPassportDetector,
    EmailDetector,
    PlateDetector,
    Ipv4Detector,
    AddressDetector,
    PersonNameDetector,
]
