"""kkt_drivers: drivers for Russian fiscal cash registers (ККТ, 54-ФЗ) and retail scales.

>>> from kkt_drivers import Kkt, Scale
>>> with Kkt.open("emu://atol?transport=v3") as kkt:
...     print(kkt.status().serial_number)
00106001
>>> with Scale.open("emu://massak") as scale:
...     print(scale.family)
massak
"""

from .connect import DEFAULT_DEVICE, connect
from .device import DeviceDriver
from .errors import (
    ConfigurationError,
    ConnectionLost,
    DeviceError,
    DeviceNotFound,
    FrameError,
    InvalidParameter,
    KktError,
    NotExecuted,
    NotSupported,
    PermissionDenied,
    ProtocolError,
    Timeout,
    TransportError,
    UnknownOutcome,
)
from .kkt import Kkt
from .register import FiscalRegister
from .scale import LabelScale, Scale, ScaleOverload, UploadInterrupted, UploadResult
from .scale_device import Goods, InvalidGoods, Weight
from .url import DeviceUrl, parse_device_url
from .validation import InvalidReceipt

__all__ = [
    "DEFAULT_DEVICE",
    "ConfigurationError",
    "ConnectionLost",
    "DeviceDriver",
    "DeviceError",
    "DeviceNotFound",
    "DeviceUrl",
    "FiscalRegister",
    "FrameError",
    "Goods",
    "InvalidGoods",
    "InvalidParameter",
    "InvalidReceipt",
    "Kkt",
    "KktError",
    "LabelScale",
    "NotExecuted",
    "NotSupported",
    "PermissionDenied",
    "ProtocolError",
    "Scale",
    "ScaleOverload",
    "Timeout",
    "TransportError",
    "UnknownOutcome",
    "UploadInterrupted",
    "UploadResult",
    "Weight",
    "connect",
    "parse_device_url",
]
__version__ = "0.1.0"
