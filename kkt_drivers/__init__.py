"""kkt_drivers: drivers for Russian fiscal cash registers (ККТ, 54-ФЗ).

>>> from kkt_drivers import connect
>>> with connect("emu://atol?transport=v3") as kkt:   # doctest: +SKIP
...     print(kkt.status().serial_number)
"""

from .connect import DEFAULT_DEVICE, connect
from .errors import (
    ConfigurationError,
    ConnectionLost,
    DeviceError,
    DeviceNotFound,
    FrameError,
    InvalidParameter,
    KktError,
    NotExecuted,
    PermissionDenied,
    ProtocolError,
    Timeout,
    TransportError,
)
from .url import DeviceUrl, parse_device_url

__all__ = [
    "DEFAULT_DEVICE",
    "ConfigurationError",
    "ConnectionLost",
    "DeviceError",
    "DeviceNotFound",
    "DeviceUrl",
    "FrameError",
    "InvalidParameter",
    "KktError",
    "NotExecuted",
    "PermissionDenied",
    "ProtocolError",
    "Timeout",
    "TransportError",
    "connect",
    "parse_device_url",
]
__version__ = "0.1.0"
