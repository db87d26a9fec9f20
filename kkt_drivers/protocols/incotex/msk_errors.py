"""«Меркурий MS-K» result codes (the four hex digits after the status word in every answer).

Three independent clients carry the same code list ([S5] TerminalClient, [S6] a Python script,
[S7] a C++/CLI class; protocol-notes/incotex/README.md). The Russian texts here are short
restatements of the vendor's messages, the English ones our translations. ``001B`` is listed as
«не используется» and left out. Codes 0030–0050 belong to the ЭКЛЗ (the pre-2017 protected
journal), 0070–0098 to per-receipt and per-shift counter overflows.
"""

from __future__ import annotations

from ..error_table import ErrorEntry, ErrorTable
from ..fn.answer_codes import ANSWER_CODES

FAMILY = "incotex-msk"
OK = 0x0000

_ENTRIES: tuple[tuple[int, str, str], ...] = (
    (0x0000, "Команда выполнена", "Command executed"),
    (0x0001, "Ошибка в фискальных данных, аппарат заблокирован", "Fiscal data error; the register is blocked"),
    (0x0002, "Смена не закрыта", "The shift is not closed"),
    (0x0003, "Исчерпан ресурс сменных записей фискальной памяти",
     "Fiscal memory has no room left for shift records"),
    (0x0004, "Превышена длина поля команды", "A command field is too long"),
    (0x0005, "Неверный формат поля команды", "A command field is malformed"),
    (0x0006, "Ошибка чтения таймера", "Clock read error"),
    (0x0007, "Неверная дата", "Invalid date"),
    (0x0008, "Неверное время", "Invalid time"),
    (0x0009, "Дата меньше последней даты в фискальной памяти", "Date is earlier than the last date in fiscal memory"),
    (0x000A, "Операция прервана пользователем, документ аннулирован",
     "Operation interrupted by the user; the document was annulled"),
    (0x000B, "Запрещённая команда ПУ", "Command not allowed"),
    (0x000C, "Смена не открыта", "The shift is not open"),
    (0x000D, "Кассир не зарегистрирован", "No cashier is registered"),
    (0x000E, "Переполнение приёмного буфера", "Receive buffer overflow"),
    (0x000F, "Ошибка записи в фискальную память", "Fiscal memory write error"),
    (0x0010, "Ошибка установки таймера", "Clock set error"),
    (0x0011, "Неверный пароль налогового инспектора", "Wrong tax inspector password"),
    (0x0012, "Неверный пароль на связь", "Wrong connection password"),
    (0x0013, "Исчерпан ресурс перерегистраций", "No re-registrations left"),
    (0x0014, "Аппарат не фискализирован", "The register is not fiscalised"),
    (0x0015, "Значение поля команды вне диапазона", "A command field value is out of range"),
    (0x0016, "Ошибка чтения фискальной памяти", "Fiscal memory read error"),
    (0x0017, "Переполнение или отрицательное значение счётчика", "Counter overflow or negative counter"),
    (0x0018, "Обязательное поле команды пустое", "A mandatory command field is empty"),
    (0x0019, "Неверный формат команды", "Malformed command"),
    (0x001A, "Дата или время документа меньше предыдущих в смене",
     "Document date or time is earlier than the previous one in the shift"),
    (0x001C, "Ошибка расположения реквизитов (пересечение или выход за поле печати)",
     "Requisites overlap or fall outside the print area"),
    (0x001D, "Нет такой команды", "No such command"),
    (0x001E, "Неверная контрольная сумма (BCC)", "Wrong checksum (BCC)"),
    (0x001F, "Нет фискальных записей", "No fiscal records"),
    (0x0021, "Документ прерван: истекло ожидание готовности принтера",
     "Document aborted: timed out waiting for the printer"),
    (0x0024, "Буфер ответа пуст", "Answer buffer is empty"),
    (0x0025, "Услуга не введена", "Service (item) not entered"),
    (0x0029, "Дублирование обязательных реквизитов документа", "Mandatory document requisites duplicated"),
    (0x002A, "Текущее состояние ККМ не позволяет выполнить операцию",
     "The register's current state does not allow the operation"),
    (0x002B, "Ошибка данных энергонезависимой памяти, аппарат заблокирован",
     "Non-volatile memory data error; the register is blocked"),
    (0x002C, "Фискальная память уже инициализирована", "Fiscal memory is already initialised"),
    (0x002D, "Вывод прерван: истекло ожидание готовности дисплея",
     "Output aborted: timed out waiting for the display"),
    (0x002E, "Ошибка записи FLASH-памяти", "Flash memory write error"),
    (0x002F, "Нет записей", "No records"),
    (0x0030, "Ошибка связи с ЭКЛЗ", "EKLZ communication error"),
    (0x0031, "Неверный формат или параметр команды ЭКЛЗ", "Invalid EKLZ command format or parameter"),
    (0x0032, "Неверное состояние ЭКЛЗ", "Invalid EKLZ state"),
    (0x0033, "Авария ЭКЛЗ", "EKLZ failure"),
    (0x0034, "Авария криптопроцессора ЭКЛЗ", "EKLZ crypto processor failure"),
    (0x0035, "Исчерпан временной ресурс ЭКЛЗ", "EKLZ service period exhausted"),
    (0x0036, "ЭКЛЗ переполнена", "EKLZ is full"),
    (0x0037, "Неверные дата или время в ЭКЛЗ", "Invalid date or time in the EKLZ"),
    (0x0038, "Нет запрошенных данных в ЭКЛЗ", "Requested data not in the EKLZ"),
    (0x0039, "Переполнение счётчиков ЭКЛЗ", "EKLZ counter overflow"),
    (0x0042, "Сбой криптопроцессора ЭКЛЗ", "EKLZ crypto processor fault"),
    (0x0046, "Ошибка протокола обмена с ЭКЛЗ", "EKLZ exchange protocol error"),
    (0x0047, "Переполнение приёмного буфера ЭКЛЗ", "EKLZ receive buffer overflow"),
    (0x0048, "Неверная контрольная сумма ЭКЛЗ", "Wrong EKLZ checksum"),
    (0x0049, "ЭКЛЗ активизирована в другой ККМ, аппарат заблокирован",
     "The EKLZ was activated in another register; the register is blocked"),
    (0x004A, "ЭКЛЗ не активизирована", "The EKLZ is not activated"),
    (0x004B, "Неисправимая ошибка ЭКЛЗ", "Unrecoverable EKLZ error"),
    (0x004C, "Исчерпан ресурс активизаций ЭКЛЗ", "No EKLZ activations left"),
    (0x004D, "ЭКЛЗ уже активизирована", "The EKLZ is already activated"),
    (0x004E, "Больше 16 секций в документе (ограничение ЭКЛЗ)", "More than 16 sections in a document (EKLZ limit)"),
    (0x004F, "Архив ЭКЛЗ закрыт или переполнен", "The EKLZ archive is closed or full"),
    (0x0050, "Данные фискальной памяти и ЭКЛЗ различаются", "Fiscal memory and EKLZ data differ"),
    (0x0070, "Переполнение счётчика количества в чеке при сложении", "Receipt quantity counter overflow (adding)"),
    (0x0071, "Переполнение счётчика количества в чеке при вычитании",
     "Receipt quantity counter overflow (subtracting)"),
    (0x0072, "Переполнение счётчика суммы аннулирований в чеке", "Receipt annulment sum counter overflow"),
    (0x0073, "Переполнение сменного счётчика суммы аннулирований", "Shift annulment sum counter overflow"),
    (0x0074, "Переполнение сменного счётчика суммы продаж", "Shift sales sum counter overflow"),
    (0x0075, "Переполнение сменного счётчика наличных", "Shift cash counter overflow"),
    (0x0076, "Переполнение сменного счётчика оплат в кредит", "Shift credit payment counter overflow"),
    (0x0077, "Переполнение сменного счётчика оплат картой", "Shift card payment counter overflow"),
    (0x0078, "Переполнение сменного счётчика наличных при вычитании",
     "Shift cash counter overflow (subtracting)"),
    (0x0079, "Переполнение сменного счётчика возвратов при оплате в кредит",
     "Shift credit refund counter overflow"),
    (0x007A, "Переполнение итога чека при добавлении", "Receipt total overflow (adding)"),
    (0x007B, "Переполнение итога чека при вычитании", "Receipt total overflow (subtracting)"),
    (0x007C, "Переполнение стоимости в чеке при умножении количества на цену",
     "Receipt amount overflow (quantity × price)"),
    (0x007D, "Переполнение итога чека при расчёте скидки", "Receipt total overflow (discount)"),
    (0x007E, "Переполнение итога секции в чеке при расчёте скидки", "Receipt section total overflow (discount)"),
    (0x007F, "Переполнение итога учёта тары в чеке при расчёте скидки",
     "Receipt container total overflow (discount)"),
    (0x0080, "Переполнение счётчика скидок в чеке", "Receipt discount counter overflow"),
    (0x0081, "Переполнение итога налоговой группы в чеке при расчёте скидки",
     "Receipt tax group total overflow (discount)"),
    (0x0082, "Переполнение итога безналоговой группы в чеке при расчёте скидки",
     "Receipt tax-free group total overflow (discount)"),
    (0x0083, "Переполнение итога чека при расчёте надбавки", "Receipt total overflow (surcharge)"),
    (0x0084, "Переполнение итога секции в чеке при расчёте надбавки", "Receipt section total overflow (surcharge)"),
    (0x0085, "Переполнение итога учёта тары в чеке при расчёте надбавки",
     "Receipt container total overflow (surcharge)"),
    (0x0086, "Переполнение счётчика надбавок в чеке", "Receipt surcharge counter overflow"),
    (0x0087, "Переполнение итога налоговой группы в чеке при расчёте надбавки",
     "Receipt tax group total overflow (surcharge)"),
    (0x0088, "Переполнение итога безналоговой группы в чеке при расчёте надбавки",
     "Receipt tax-free group total overflow (surcharge)"),
    (0x0089, "Переполнение итога секции в чеке", "Receipt section total overflow"),
    (0x008A, "Переполнение итога учёта тары в чеке", "Receipt container total overflow"),
    (0x008B, "Переполнение итога налоговой группы в чеке", "Receipt tax group total overflow"),
    (0x008C, "Переполнение итога безналоговой группы в чеке", "Receipt tax-free group total overflow"),
    (0x008D, "Переполнение итога чека при аннулировании скидки", "Receipt total overflow (discount annulment)"),
    (0x008E, "Переполнение итога секции в чеке при аннулировании скидки",
     "Receipt section total overflow (discount annulment)"),
    (0x008F, "Переполнение итога учёта тары в чеке при аннулировании скидки",
     "Receipt container total overflow (discount annulment)"),
    (0x0090, "Переполнение счётчика скидок в чеке при аннулировании скидки",
     "Receipt discount counter overflow (discount annulment)"),
    (0x0091, "Переполнение итога налоговой группы в чеке при аннулировании скидки",
     "Receipt tax group total overflow (discount annulment)"),
    (0x0092, "Переполнение итога безналоговой группы в чеке при аннулировании скидки",
     "Receipt tax-free group total overflow (discount annulment)"),
    (0x0093, "Переполнение итога чека при аннулировании надбавки", "Receipt total overflow (surcharge annulment)"),
    (0x0094, "Переполнение итога секции в чеке при аннулировании надбавки",
     "Receipt section total overflow (surcharge annulment)"),
    (0x0095, "Переполнение итога учёта тары в чеке при аннулировании надбавки",
     "Receipt container total overflow (surcharge annulment)"),
    (0x0096, "Переполнение счётчика надбавок в чеке при аннулировании надбавки",
     "Receipt surcharge counter overflow (surcharge annulment)"),
    (0x0097, "Переполнение итога налоговой группы в чеке при аннулировании надбавки",
     "Receipt tax group total overflow (surcharge annulment)"),
    (0x0098, "Переполнение итога безналоговой группы в чеке при аннулировании надбавки",
     "Receipt tax-free group total overflow (surcharge annulment)"),
    (0x0099, "Сумма оплаты меньше суммы чека", "Payment is less than the receipt total"),
    (0x009A, "Переполнение итога оплаты при комбинированной оплате", "Payment total overflow (combined payment)"),
    (0x009B, "Безналичная оплата больше суммы чека", "Non-cash payment exceeds the receipt total"),
    (0x009C, "Блокировка: дата расходится с последней записью ФП больше допустимого; запрограммируйте дату",
     "Blocked: date differs from the last fiscal memory record too much; set the date"),
    (0x009D, "Блокировка: последний документ не напечатан (допечатается после устранения неисправности)",
     "Blocked: the last document was not printed (it prints once the printer is fixed)"),
    (0x009E, "Блокировка: идёт тестирование оборудования", "Blocked: hardware self-test in progress"),
    (0x009F, "Блокировка: необходимо гашение (Z-отчёт)", "Blocked: a Z report is required"),
    (0x00A1, "Итог чека возврата не равен возвращаемой сумме при комбинированном возврате",
     "Refund receipt total differs from the refunded amount (combined refund)"),
)

#: Our extension for registers with a ФН and a «Сервер ККТ» [inferred: no source shows how an Incotex
#: register in «ФР mode» reports them]: a ФН refusal is 0100h + the ФН answer code, with the ФН table's
#: text; 0201h–0205h are the «Сервер ККТ» exchange errors, worded after the device messages of [S9].
FN_BASE = 0x0100
SERVER_NOT_ANSWERING = 0x0201
SERVER_PROTOCOL = 0x0202
SERVER_REFUSED = 0x0203
SERVER_GOODS_BASE = 0x0204
SERVER_NO_ID = 0x0205
_EXTENSION: tuple[tuple[int, str, str], ...] = (
    *((FN_BASE + c.code, f"ФН: {c.ru}", f"Fiscal drive: {c.en}") for c in ANSWER_CODES if c.code),
    (SERVER_NOT_ANSWERING, "Ошибка подключения к Серверу ККТ", "Cannot connect to the «Сервер ККТ»"),
    (SERVER_PROTOCOL, "Ошибка протокола обмена с Сервером ККТ", "«Сервер ККТ» protocol error"),
    (SERVER_REFUSED, "Отказ в обработке запроса Сервером ККТ", "The «Сервер ККТ» refused the request"),
    (SERVER_GOODS_BASE, "Ошибка в базе товаров с Сервера ККТ (запись — в статусе обмена)",
     "Error in the goods base from the «Сервер ККТ» (the record is named in the exchange status)"),
    (SERVER_NO_ID, "ID кассы для Сервера ККТ не задан", "No register ID for the «Сервер ККТ» is set"),
)

MSK_ERROR_ENTRIES: tuple[ErrorEntry, ...] = tuple(ErrorEntry(code, ru, en) for code, ru, en in
                                                  (*_ENTRIES, *_EXTENSION))
MSK_ERRORS = ErrorTable(FAMILY, MSK_ERROR_ENTRIES)

#: results after which the command certainly did not run (the device refused the frame itself)
NOT_EXECUTED_RESULTS = frozenset({0x000E, 0x0012, 0x0019, 0x001D, 0x001E})
