"""The ATOL error codes the emulated register answers with (texts in kkt_drivers' ATOL error table).

Which situation gets which code is confirmed for some pairs and inferred for others; see
protocol-notes/atol/commands.md and fiscal-commands.md.
"""

from __future__ import annotations

E_PRICE = 0x08  # Неверная цена (сумма)
E_QUANTITY = 0x0A  # Неверное количество
E_FORMAT = 0x13  # Неверный формат
E_LENGTH = 0x14  # Неверная длина
E_MODE = 0x66  # Команда не реализуется в данном режиме ККТ
E_RECEIPT_TYPE = 0x6A  # Неверный тип чека
E_REGISTER = 0x6C  # Неверный номер регистра
E_NONCASH_EXCEEDS = 0x71  # Сумма неналичных платежей превышает сумму чека
E_UNDERPAID = 0x72  # Сумма платежей меньше суммы чека
E_PAYMENTS_OVERFLOW = 0x75  # Переполнение суммы платежей
E_BUSY = 0x76  # Предыдущая операция не завершена (a report still printing: inferred)
E_UNSUPPORTED = 0x7A  # Данная модель ККТ не может выполнить команду (inferred for unknown commands)
E_DISCOUNT_SIZE = 0x7B  # Неверная величина скидки/надбавки
E_AFTER_DISCOUNT = 0x7C  # Операция после скидки/надбавки невозможна
E_PAYMENT_TYPE = 0x7E  # Неверная форма/способ расчёта
E_TOTAL_OVERFLOW = 0x81  # Переполнение итога чека
E_SHIFT_EXPIRED = 0x88  # Смена превысила 24 часа
E_PASSWORD = 0x8C  # Неверный пароль
E_TABLE, E_ROW, E_FIELD = 0x91, 0x92, 0x93  # Неверный номер таблицы / ряда / поля
E_INVALID_DATE = 0x94  # Неверная дата
E_INVALID_TIME = 0x95  # Неверное время
E_NO_CASH = 0x98  # В ККТ нет денег для выплаты
E_RECEIPT_CLOSED = 0x9A  # Чек закрыт – операция невозможна
E_RECEIPT_OPEN = 0x9B  # Чек открыт – операция невозможна
E_SHIFT_OPEN = 0x9C  # Смена открыта, операция невозможна
E_REPORT_TYPE = 0xA3  # Неверный тип отчёта
E_BAD_PASSWORD = 0xA4  # Недопустимый пароль (not BCD)
E_NOT_FISCAL = 0xA8  # ККТ не фискализирована
E_SECURITY_CODE = 0xAE  # Некорректный код или номер кода защиты ККТ
E_FN_STATE = 0xD4  # Неверное состояние ФН
E_INTERNAL = 0xD5  # Неисправимая ошибка ФН (the emulator's answer when a handler fails: inferred)
E_FN_NO_DATA = 0xDA  # В ФН нет запрошенных данных
E_FN_RESOURCE = 0xEA  # Исчерпан ресурс КС ФН
E_30_DAYS = 0xEF  # Исчерпан ресурс ожидания передачи сообщения в ФН
