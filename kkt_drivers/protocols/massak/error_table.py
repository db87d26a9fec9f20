"""Massa-K «Протокол 100» error codes: the data byte of a ``CMD_ERROR`` (0x28) reply, as data.

The codes agree in three independent clients (WeightService, cyrillwork/MassaK ``messages.h`` and the
Crystals Set Retail ``Error`` enum); the Russian texts follow the Crystals enum where it has the code,
the others (0x07, 0xF0) are ours. English texts are our translations. See
protocol-notes/scales/README.md §Massa-K.
"""

from __future__ import annotations

from ..error_table import ErrorEntry, ErrorTable

FAMILY = "massak"

MASSAK_ERROR_ENTRIES: tuple[ErrorEntry, ...] = (
    ErrorEntry(0x07, "Команда не поддерживается", "Command not supported"),
    ErrorEntry(0x08, "Нагрузка на весовом устройстве превышает НПВ", "Load exceeds the maximum capacity"),
    ErrorEntry(0x09, "Весовое устройство не в режиме взвешивания", "The scale is not in weighing mode"),
    ErrorEntry(0x0A, "Ошибка входных данных", "Invalid input data"),
    ErrorEntry(0x0B, "Ошибка сохранения данных", "Data could not be saved"),
    ErrorEntry(0x10, "Интерфейс WiFi не поддерживается", "Wi-Fi interface not supported"),
    ErrorEntry(0x11, "Интерфейс Ethernet не поддерживается", "Ethernet interface not supported"),
    ErrorEntry(0x15, "Установка >0< невозможна", "Zero cannot be set"),
    ErrorEntry(0x17, "Нет связи с модулем взвешивающим", "No link with the weighing module"),
    ErrorEntry(0x18, "Установлена нагрузка на платформу при включении весового устройства",
               "Load on the platform at power-on"),
    ErrorEntry(0x19, "Весовое устройство неисправно", "The scale is faulty"),
    ErrorEntry(0xF0, "Неизвестная ошибка", "Unknown error"),
)

MASSAK_ERRORS = ErrorTable(FAMILY, MASSAK_ERROR_ENTRIES)
