"""kkt_drivers: drivers for Russian fiscal cash registers (ККТ, 54-ФЗ).

>>> from kkt_drivers import Kkt
>>> with Kkt.open("emu://atol?transport=v3") as kkt:   # doctest: +SKIP
...     print(kkt.status().serial_number)
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
    "InvalidParameter",
    "InvalidReceipt",
    "Kkt",
    "KktError",
    "NotExecuted",
    "NotSupported",
    "PermissionDenied",
    "ProtocolError",
    "Timeout",
    "TransportError",
    "UnknownOutcome",
    "connect",
    "parse_device_url",
]
__version__ = "0.1.0"
