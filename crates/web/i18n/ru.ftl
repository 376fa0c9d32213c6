app-name = Воронка
nav-dashboard = Главная
nav-leads = Лиды
nav-deals = Сделки
nav-board = Воронка
nav-accounts = Компании
nav-contacts = Контакты
nav-activities = Дела
nav-calendar = Календарь
nav-settings = Настройки
nav-profile = Профиль
nav-logout = Выйти
search-placeholder = Поиск: имя, телефон, ИНН…  ( / )
search-nothing = Ничего не найдено
login-title = Вход в Воронку
login-login = Логин
login-password = Пароль
login-submit = Войти
login-failed = Неверный логин или пароль
login-too-many = Слишком много попыток. Попробуйте через { $seconds } с.
action-save = Сохранить
action-cancel = Отмена
action-edit = Изменить
action-delete = Удалить
action-create = Создать
action-apply = Применить
action-next = Дальше →
action-prev = ← В начало
action-convert = Квалифицировать
action-close-won = Выиграна
action-close-lost = Проиграна
action-reopen = Открыть снова
action-add-note = Добавить заметку
action-add-task = Задача
action-add-call = Звонок
action-add-meeting = Встреча
confirm-delete = Удалить «{ $name }»? Это нельзя отменить.
confirm-bulk-delete = Удалить выбранные записи ({ $count })?
flash-saved = Сохранено
flash-deleted = Удалено: { $name }
flash-bulk = Изменено записей: { $count }
flash-converted = Лид квалифицирован
error-form = Исправьте отмеченные поля
error-conflict = Действие невозможно: { $message }
error-not-found = Запись не найдена или недоступна
count-deals = { $count ->
    [one] { $count } сделка
    [few] { $count } сделки
   *[many] { $count } сделок
 }
count-records = { $count ->
    [one] { $count } запись
    [few] { $count } записи
   *[many] { $count } записей
 }
count-tasks = { $count ->
    [one] { $count } задача
    [few] { $count } задачи
   *[many] { $count } задач
 }
list-total = Всего: { $total }
list-sum = Сумма: { $sum }
list-empty = Пока ничего нет
list-filters = Фильтры
list-all-owners = Все ответственные
list-mine = Мои
list-any = Любой
list-selected = Выбрано: { $count }
bulk-owner = Назначить ответственного
bulk-status = Сменить статус
view-my-open-deals = Мои открытые сделки
view-overdue-tasks = Просроченные задачи
view-new-leads = Новые лиды
view-save = Сохранить вид
view-name = Название вида
field-title = Название
field-name = Название
field-first_name = Имя
field-middle_name = Отчество
field-last_name = Фамилия
field-company = Компания
field-position = Должность
field-phones = Телефоны
field-emails = E-mail
field-website = Сайт
field-address = Адрес
field-source_id = Источник
field-status = Статус
field-disqualify_reason = Причина отказа
field-description = Описание
field-owner_id = Ответственный
field-kind = Тип
field-inn = ИНН
field-kpp = КПП
field-ogrn = ОГРН / ОГРНИП
field-legal_address = Юридический адрес
field-actual_address = Фактический адрес
field-bank_name = Банк
field-bic = БИК
field-settlement_account = Расчётный счёт
field-correspondent_account = Корр. счёт
field-industry = Отрасль
field-territory = Территория
field-credit_limit = Кредитный лимит
field-account_id = Компания
field-contact_id = Контакт
field-birthday = День рождения
field-pipeline_id = Воронка
field-stage_id = Стадия
field-amount = Сумма
field-currency = Валюта
field-probability = Вероятность, %
field-expected_close_date = Ожидаемое закрытие
field-subject = Тема
field-start_at = Начало
field-end_at = Окончание
field-all_day = Весь день
field-location = Место
field-due_at = Срок
field-priority = Приоритет
field-channel = Канал
field-direction = Направление
field-outcome = Результат
field-reminder_at = Напомнить
field-related = Относится к
field-reason = Причина
field-reason_id = Причина проигрыша
field-body = Текст
field-created_at = Создано
field-updated_at = Изменено
field-next_activity = Следующее дело
field-login = Логин
field-email = E-mail
field-role = Роль
field-team_id = Отдел
field-locale = Язык
field-time_zone = Часовой пояс
field-password = Пароль
field-current_password = Текущий пароль
field-new_password = Новый пароль
lead-status-new = Новый
lead-status-working = В работе
lead-status-converted = Квалифицирован
lead-status-disqualified = Отказ
account-kind-prospect = Потенциальный
account-kind-customer = Клиент
deal-status-open = В работе
deal-status-won = Выиграна
deal-status-lost = Проиграна
activity-kind-event = Встреча
activity-kind-task = Задача
activity-kind-interaction = Взаимодействие
activity-status-planned = Запланировано
activity-status-held = Состоялось
activity-status-not_held = Не состоялось
activity-status-not_started = Не начата
activity-status-waiting = Ожидание
activity-status-deferred = Отложена
activity-status-in_progress = Выполняется
activity-status-completed = Выполнена
priority-low = Низкий
priority-normal = Обычный
priority-high = Высокий
channel-call = Звонок
channel-email = Письмо
channel-message = Сообщение
channel-meeting = Встреча
direction-incoming = Входящий
direction-outgoing = Исходящий
role-admin = Администратор
role-head = Руководитель продаж
role-manager = Менеджер
entity-lead = Лид
entity-account = Компания
entity-contact = Контакт
entity-deal = Сделка
entity-activity = Дело
new-lead = Новый лид
new-deal = Новая сделка
new-account = Новая компания
new-contact = Новый контакт
new-activity = Новое дело
section-contacts = Контакты
section-deals = Сделки
section-activities = Дела
section-timeline = История
section-team = Команда сделки
section-competitors = Конкуренты
section-stage-history = Движение по стадиям
section-details = Реквизиты
timeline-created = создал(а) запись
timeline-changed = изменил(а)
timeline-moved = перевёл(а) в стадию
timeline-note = заметка
timeline-converted = квалифицировал(а) лид
timeline-deal-lost = сделка проиграна
timeline-empty = Событий пока нет
convert-title = Квалификация лида
convert-account = Компания
convert-account-new = Создать новую компанию
convert-account-existing = Выбрать существующую
convert-contact = Контакт
convert-contact-new = Создать контакт из лида
convert-deal = Создать сделку
convert-duplicates = Похожие записи уже есть:
convert-force = Всё равно создать
board-title = Воронка продаж
board-empty-column = Перетащите сюда сделку
board-lost-title = Почему сделка проиграна?
board-more = Показать ещё
board-overdue = просрочено
board-my-deals = Только мои
dashboard-today = Мои дела на сегодня
dashboard-overdue = Просроченные
dashboard-funnel = Мои сделки по стадиям
dashboard-recent = Последние изменения
dashboard-nothing-today = На сегодня дел нет
profile-title = Профиль
profile-password = Сменить пароль
profile-saved = Профиль сохранён
profile-password-changed = Пароль изменён
calendar-month = Месяц
calendar-week = Неделя
calendar-day = День
calendar-list = Список
calendar-today = Сегодня
calendar-new-event = Новая встреча
calendar-prev = Предыдущий период
calendar-next = Следующий период
calendar-all-users = Все пользователи
calendar-strip = Задачи, весь день
calendar-before = до { $time }
calendar-after = после { $time }
calendar-more = ещё { $count }
calendar-empty = В этом периоде нет встреч и задач.
calendar-bad-date = Дата не распознана (нужен формат ГГГГ-ММ-ДД) — показан текущий период.
calendar-moved = Встреча перенесена
calendar-move-failed = Не удалось перенести встречу
field-related_id = Сделка
settings-users = Пользователи
settings-teams = Отделы
settings-pipelines = Воронки и стадии
settings-loss-reasons = Причины проигрыша
settings-lead-sources = Источники лидов
settings-tokens = API-токены
settings-team-visibility = Менеджеры видят записи отдела
settings-stage-kind-open = Открытая
settings-stage-kind-won = Успех
settings-stage-kind-lost = Провал
settings-active = Активен
settings-token-shown-once = Скопируйте токен сейчас — больше он показан не будет:
settings-revoke = Отозвать
settings-admin-only = Настройки доступны только администраторам.
settings-users-hint = Логины, роли и отделы; отключение пользователя и смена пароля
settings-teams-hint = Отделы продаж, их руководители и видимость записей отдела
settings-pipelines-hint = Воронки и их стадии: порядок, вероятности, основная воронка
settings-loss-reasons-hint = Варианты, из которых выбирают при проигрыше сделки
settings-lead-sources-hint = Откуда приходят лиды
settings-tokens-hint = Ключи для программ, работающих с API от имени пользователя
settings-new-user = Новый пользователь
settings-set-password = Задать пароль
settings-password-note = Сеансы пользователя завершатся; войти можно будет с новым паролем.
settings-new-team = Новый отдел
settings-new-pipeline = Новая воронка
settings-new-pipeline-note = Новая воронка создаётся со стандартными стадиями — их можно изменить.
settings-default = Основная
settings-make-default = Сделать основной
settings-confirm-delete-pipeline = Удалить воронку «{ $name }» вместе со стадиями?
settings-add-stage = Добавить стадию
settings-move-up = Выше
settings-move-down = Ниже
settings-new-entry = Новое значение
settings-order = Порядок
settings-inactive = Скрыто из выбора
settings-activate = Включить
settings-deactivate = Отключить
settings-new-token = Новый токен
settings-token-secret = Токен { $name }
settings-token-usage = Передавайте его в заголовке Authorization: Bearer …
settings-last-used = Последнее использование
settings-revoked = Отозван
settings-confirm-revoke = Отозвать токен «{ $name }»? Программы, которые им пользуются, потеряют доступ.
settings-all-users = Все пользователи
settings-user-name = Имя
field-head_id = Руководитель
field-user_id = Пользователь
count-members = { $count ->
    [one] { $count } участник
    [few] { $count } участника
   *[many] { $count } участников
 }
yes = Да
no = Нет
locale-ru = Русский
locale-en = English
competitor-status-active = Участвует
competitor-status-won_against = Мы выиграли у него
competitor-status-lost_to = Мы проиграли ему

## ---- Catalog and our company (ui/catalog.rs, ui/catalog_settings.rs) ----
nav-products = Товары и услуги
new-product = Новый товар
products-active = Активные
products-search = Название, артикул, категория
product-kind-goods = Товар
product-kind-service = Услуга
vat-none = Без НДС
field-sku = Артикул
field-unit_code = Единица измерения
field-price = Цена
field-cost = Себестоимость
field-vat_rate = Ставка НДС
field-category = Категория
field-active = Активен
field-is_default = Основной
field-product_id = Товар
field-code = Код
field-day = Дата
field-rate = Курс
field-valid_from = Действует с
field-valid_to = Действует по
field-legal_name = Полное наименование
field-short_name = Краткое наименование
field-postal_address = Почтовый адрес
field-phone = Телефон
field-director = Руководитель
field-chief_accountant = Главный бухгалтер
field-tax_regime = Система налогообложения
field-regime = Система налогообложения
field-base_currency = Основная валюта
field-invoice_number_format = Формат номера счёта
tax-regime-general = ОСН (плательщик НДС)
tax-regime-simplified5 = УСН с НДС 5 %
tax-regime-simplified7 = УСН с НДС 7 %
tax-regime-exempt = Без НДС (освобождение)
settings-company = Наша компания
settings-company-hint = Реквизиты продавца в документах, система налогообложения, нумерация счетов
settings-price-books = Прайс-листы
settings-price-books-hint = Цены товаров по прайс-листам; основной прайс-лист
settings-currencies = Валюты и курсы
settings-currencies-hint = Валюты документов и курсы к основной валюте по дням
settings-vat-rates = Ставки НДС
settings-vat-rates-hint = Ставки по системам налогообложения и сроки их действия
company-vat-payer = Плательщик НДС
company-not-vat-payer = Не плательщик НДС
company-format-hint = В формате номера счёта: { "{" }year{ "}" } — год, { "{" }seq{ "}" } — порядковый номер ({ "{" }seq:05{ "}" } — пять цифр с нулями).
price-books-empty = Прайс-листов пока нет: документы берут цены из карточек товаров
price-books-new = Новый прайс-лист
price-books-count = Цен в прайс-листе
price-books-entries = Цены
price-books-remove = Убрать
price-books-add = Добавить цену товара
currencies-base = Основная валюта — { $code }: её курс всегда 1
currencies-latest-rate = Последний курс
currencies-new = Новая валюта
currencies-rate-meaning = Курс — сколько { $code } за одну единицу этой валюты на дату
vat-rates-new = Новая ставка
## Коммерция: КП, заказы, счета, платежи, акты и отгрузки
nav-quotes = КП
nav-orders = Заказы
nav-invoices = Счета
nav-payments = Платежи
doc-deal = Продукты сделки
doc-quote = Коммерческое предложение
doc-order = Заказ
doc-invoice = Счёт
doc-act = Акт
doc-shipment = Отгрузка
doc-previous-revision = Предыдущая версия
doc-read-only = Документ уже не черновик и не редактируется. Чтобы изменить КП, создайте новую версию.
quote-status-draft = Черновик
quote-status-active = Активно
quote-status-won = Выиграно
quote-status-lost = Проиграно
quote-status-revised = Пересмотрено
order-status-created = Создан
order-status-approved = Согласован
order-status-shipped = Отгружен
order-status-canceled = Отменён
invoice-status-draft = Черновик
invoice-status-sent = Выставлен
invoice-status-partially_paid = Частично оплачен
invoice-status-paid = Оплачен
invoice-status-canceled = Отменён
tax-mode-individual = НДС сверху, по строкам
tax-mode-group = НДС сверху, одна ставка
tax-mode-inclusive = Цены включают НДС
payment-direction-incoming = Входящий
payment-direction-outgoing = Исходящий
action-activate = Активировать
action-win = Выиграно
action-lose = Проиграно
action-revise = Новая версия
action-approve = Согласовать
action-ship = Отгружен
action-cancel-doc = Отменить документ
action-send = Выставить
action-new-quote = Новое КП
action-new-invoice = Новый счёт
action-record-payment = Внести оплату
action-create-act = Создать акт
action-create-shipment = Отгрузить остаток
section-products = Продукты
section-documents = КП, заказы и счета
section-payments = Оплата
section-deliveries = Акты и отгрузки
section-balance = Взаиморасчёты
field-number = Номер
field-customer = Клиент
field-deal_id = Сделка
field-doc_date = Дата
field-valid_until = Действительно до
field-due_date = Оплатить до
field-tax_mode = Налоги
field-discount = Скидка
field-shipping = Доставка
field-terms = Условия
field-payer = Плательщик
field-paid = Оплачено
field-balance = К оплате
field-credit = Аванс (не распределён)
field-invoiced = Выставлено
field-paid_on = Дата оплаты
field-reference = Номер платёжного документа
field-unallocated = Не распределено
field-lines = Строки
col-product = Товар или услуга
col-quantity = Кол-во
col-unit = Ед.
col-price = Цена
col-discount = Скидка
col-vat = НДС
col-line = Строка
totals-net = Без НДС
totals-vat = НДС
totals-total = Итого
totals-cost = Себестоимость
totals-gross-profit = Валовая прибыль
unit-okei-hint = Код единицы по ОКЕИ: 796 шт, 356 ч, 166 кг
unit-796 = шт
unit-356 = ч
unit-166 = кг
unit-006 = м
unit-055 = м²
unit-112 = л
unit-839 = компл
unit-359 = сут
unit-362 = мес
unit-876 = усл. ед
error-not-a-number = не число
error-products-not-saved = Продукты не сохранены: проверьте количество, цены, скидки и ставки НДС.
error-document-not-saved = Документ не создан: у сделки должен быть клиент, а у продуктов — верные цены.

## ---- Reports (branch `reports`) ----
nav-reports = Отчёты
report-funnel = Воронка продаж
report-as-of = Воронка на дату
report-forecast = Прогноз
report-dynamics = Динамика сделок
report-losses = Причины проигрышей и конкуренты
report-opportunities = Анализ сделок
report-gross-profit = Валовая прибыль
report-activity = Активность менеджеров
report-show = Показать
report-export-csv = CSV
report-export-xlsx = XLSX
report-won = Успешные
report-lost = Проигранные
report-no-reason = Без причины
report-empty = Нет данных за выбранный период.
filter-from = С
filter-to = По
filter-date = На дату
filter-pipeline = Воронка
filter-owner = Ответственный
filter-everyone = Все
filter-grain = Период
filter-by = Группировка
filter-source = Источник данных
grain-week = Неделя
grain-month = Месяц
grain-quarter = Квартал
by-source = Источник
by-territory = Территория
by-industry = Отрасль
by-owner = Ответственный
by-pipeline = Воронка
by-deal = Сделка
by-product = Продукт
by-period = Месяц
source-deals = Продукты выигранных сделок
source-invoices = Выставленные счета
col-stage = Стадия
col-deals = Сделки
col-amount = Сумма
col-conv-next = Конверсия в следующую, %
col-conv-won = Конверсия в успех, %
col-avg-days = Дней на стадии
col-period = Период
col-owner = Ответственный
col-open-amount = Открытые, сумма
col-weighted = Взвешенная сумма
col-won-deals = Выиграно
col-won-amount = Выиграно, сумма
col-new-deals = Новые
col-new-amount = Новые, сумма
col-lost-deals = Проиграно
col-lost-amount = Проиграно, сумма
col-reason = Причина
col-share = Доля, %
col-competitor = Конкурент
col-win-rate = Доля выигранных, %
col-calls = Звонки
col-meetings = Встречи
col-tasks-done = Задач выполнено
col-tasks-overdue = Задач просрочено
col-group = Группа
col-avg-won = Средняя выигранная сделка
col-avg-cycle = Средний цикл, дней
col-revenue = Выручка без НДС
col-cost = Себестоимость
col-profit = Валовая прибыль
col-margin = Маржа, %
dashboard-forecast = Мой прогноз по месяцам
## Printed forms: quote, invoice, act, shipment (ui/print.rs)
action-print = Печать
print-back = ← К документу
print-draft = Черновик: счёт ещё не выставлен
print-quote = Коммерческое предложение
print-invoice = Счёт на оплату
print-act = Акт об оказании услуг
print-shipment = Товарная накладная
print-no = №
print-dated = от
print-bank = Банк получателя
print-bic = БИК
print-account-no = Сч. №
print-recipient = Получатель
print-inn = ИНН
print-kpp = КПП
print-phone = тел.
print-rs = р/с
print-in-bank = в
print-ks = к/с
print-supplier = Поставщик
print-buyer = Покупатель
print-contractor = Исполнитель
print-customer = Заказчик
print-consignor = Грузоотправитель
print-consignee = Грузополучатель
print-payer = Плательщик
print-basis = Основание
print-to = Кому
print-subject = Предмет
print-col-goods = Товары (работы, услуги)
print-col-services = Наименование работ, услуг
print-col-product = Товар
print-col-qty = Кол-во
print-col-unit = Ед.
print-col-unit-name = наименование
print-col-okei = код по ОКЕИ
print-col-price = Цена
print-col-price-net = Цена без НДС
print-col-sum = Сумма
print-col-net = Сумма без НДС
print-col-vat-head = НДС
print-col-vat-rate = ставка
print-col-vat = сумма
print-col-total = Сумма с НДС
print-shipping = Доставка
print-subtotal = Итого
print-vat-included = В том числе НДС
print-vat-added = Сумма НДС
print-no-vat = Без НДС
print-to-pay = Всего к оплате
print-grand-total = Всего с НДС
print-invoice-items = Всего наименований { $count }, на сумму
print-act-items = Всего оказано услуг { $count }, на сумму
print-shipment-items = Всего отпущено наименований { $count }, на сумму
print-due = Оплатить не позднее
print-valid-until = Предложение действительно до
print-terms = Условия
print-act-statement = Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет.
print-director = Руководитель
print-accountant = Бухгалтер
print-chief-accountant = Главный бухгалтер
print-released-by = Отпустил
print-received-by = Получил
print-shipment-allowed = Отпуск груза разрешил
print-shipment-made = Отпуск груза произвёл
print-cargo-accepted = Груз принял
print-cargo-received = Груз получил грузополучатель
print-stamp = М. П.

## Страница платежей
action-new-payment = Внести платёж
action-apply-credit = Зачесть в этот счёт
field-method = Способ
payment-method-bank_transfer = Безналичный
payment-method-cash = Наличные
payment-method-card = Карта
payment-method-other = Другое
## Validation messages from core and store (ids: voronka_core::messages)
err-required = обязательное поле
err-too-long = не длиннее { $max } { $max ->
    [one] символа
   *[other] символов
 }
err-too-short = не короче { $min } { $min ->
    [one] символа
   *[other] символов
 }
err-not-url = это не адрес сайта
err-percent = число от 0 до 100
err-invalid-value = недопустимое значение
err-unknown-field = неизвестное поле
err-not-id = нужен номер записи (целое число)
err-not-bool = нужно «да» или «нет» (true или false)
err-not-object = нужен объект JSON
err-too-large-text = слишком длинно
err-listed-twice = указан дважды
err-related-type = нужна запись: лид, компания, контакт или сделка
err-record-missing = такой записи нет
err-name-required = обязательное поле, не длиннее 100 символов
err-not-timestamp = это не дата и время
err-not-day = это не дата
err-phone-invalid = это не номер телефона
err-phone-too-few-digits = в номере слишком мало цифр
err-phone-too-many-digits = в номере слишком много цифр
err-email-invalid = это не адрес электронной почты
err-money-scale = не больше двух знаков после запятой
err-money-too-large = слишком большая сумма
err-money-negative = не может быть отрицательным
err-currency = трёхбуквенный код валюты ISO 4217, например RUB
err-legal-wrong-length = нужно цифр: { $expected }, а введено { $got }
err-legal-not-digits = только цифры
err-legal-check-digit = не сходится контрольное число — проверьте, нет ли опечатки
err-legal-format = неверный формат
err-bic-for-accounts = нужен, чтобы проверить банковские счета
err-lead-needs-name = укажите имя человека или компанию
err-lead-disqualify-reason = укажите причину дисквалификации
err-lead-converted-status = статус квалифицированного лида не меняется
err-lead-convert-only = лид становится квалифицированным только при квалификации
err-lead-nothing-to-convert = у лида нет ни компании, ни человека — квалифицировать не во что
err-lead-already-converted = лид уже квалифицирован
err-lead-disqualified = дисквалифицированный лид нельзя квалифицировать; сначала верните его в работу
err-contact-needs-name = укажите имя или фамилию
err-account-has-deals = у компании { $n } { $n ->
    [one] сделка
    [few] сделки
   *[many] сделок
 }; сначала удалите или перенесите их
err-account-has-contacts = у компании { $n } { $n ->
    [one] контакт
    [few] контакта
   *[many] контактов
 }; сначала удалите или перенесите их
err-contact-has-deals = у контакта { $n } { $n ->
    [one] сделка
    [few] сделки
   *[many] сделок
 }; сначала удалите или перенесите их
err-still-referenced = на эту запись ссылаются другие записи
err-deal-needs-customer = у сделки должен быть клиент: компания или контакт
err-deal-stage-for-pipeline = укажите этап, если сделка переходит в другую воронку
err-deal-lost-reason = укажите причину проигрыша
err-deal-reason-only-lost = причина проигрыша бывает только у проигранной сделки
err-deal-move-lost-reason = укажите причину, чтобы перенести сделку на этап проигрыша
err-deal-contact-account = контакт работает в другой компании, чем указана в сделке
err-deal-already-closed = сделка уже закрыта ({ $status }); сначала откройте её снова
err-deal-already-open = сделка уже в работе
err-deal-open-stage = нужен открытый этап воронки этой сделки
err-pipeline-missing = такой воронки нет
err-no-default-pipeline = обязательное поле: нет воронки по умолчанию
err-not-stage-of-pipeline = это не этап воронки этой сделки
err-pipeline-no-open-stage = в воронке нет открытого этапа
err-pipeline-no-stage-of-kind = в воронке нет этапа «{ $kind }»
err-competitor-missing = такого конкурента нет
err-competitor-on-deals = конкурент указан в { $n } { $n ->
    [one] сделке
   *[other] сделках
 }; сначала уберите его оттуда
err-stage-won-probability = у этапа «успех» вероятность 100
err-stage-lost-probability = у этапа проигрыша вероятность 0
err-pipeline-needs-open-stage = в воронке нужен хотя бы один открытый этап
err-pipeline-default-elsewhere = сделайте воронкой по умолчанию другую
err-pipeline-stages-once = нужно перечислить каждый этап воронки ровно один раз
err-pipeline-default-delete = воронку по умолчанию удалить нельзя; сначала сделайте основной другую
err-pipeline-has-deals = в воронке { $n } { $n ->
    [one] сделка
    [few] сделки
   *[many] сделок
 }; сначала перенесите их в другую воронку
err-stage-kind-has-deals = на этапе { $n } { $n ->
    [one] сделка
    [few] сделки
   *[many] сделок
 }; тип этапа нельзя менять, пока они там
err-stage-has-deals = на этапе { $n } { $n ->
    [one] сделка
    [few] сделки
   *[many] сделок
 }; сначала перенесите их на другой этап
err-last-open-stage = последний открытый этап воронки удалить нельзя
err-activity-status-of-kind = статус «{ $status }» не подходит для типа «{ $kind }»
err-event-needs = обязательно для встречи
err-end-before-start = не может быть раньше начала
err-interaction-channel = укажите канал: звонок, письмо, сообщение или встреча
err-activity-kind-fixed = тип дела не меняется; создайте новое дело
err-activity-transition = нельзя перейти из «{ $from }» в «{ $to }» для типа «{ $kind }»
err-notes-per-record = заметки показываются по записи: укажите related_type и related_id
err-note-cannot-move = заметку нельзя перенести к другой записи
err-login-format = буквы, цифры и . _ - @, не длиннее 64 символов
err-time-zone = часовой пояс IANA, например Europe/Moscow
err-login-taken = уже занят
err-admin-only = это может изменить только администратор
err-not-yourself = нельзя понизить или отключить самого себя
err-team-missing = такой команды нет
err-user-missing = такого пользователя нет
err-user-inactive = это не действующий пользователь
err-owner-not-visible = ответственным может быть только вы или участник вашей команды
err-team-has-members = в команде { $n } { $n ->
    [one] участник
    [few] участника
   *[many] участников
 }; сначала переведите их в другую команду
err-lookup-inactive = это значение больше не используется
err-lookup-missing = такого значения нет
err-lookup-in-use = значение используется в { $n } { $n ->
    [one] записи
   *[other] записях
 }; отключите его вместо удаления
err-list-sort = нельзя сортировать по полю { $name }
err-list-limit = число от 1 до 500
err-list-cursor = это не курсор этого сервера
err-list-total = true, false или capped
err-list-q = поиск в этом списке не поддерживается
err-list-filter-field = по этому полю нельзя фильтровать
err-list-cursor-sort = курсор выдан для другой сортировки
err-list-cursor-mismatch = не подходит к порядку сортировки
err-list-needs-value = нужно значение
err-list-operator = не поддерживает оператор { $op }
err-positive = должно быть больше нуля
err-quantity-scale = не больше 3 знаков после запятой
err-quantity-digits = не больше 3 знаков после запятой
err-line-amount-too-large = сумма строки получается слишком большой
err-document-sum-too-large = в сумме больше, чем может быть в одном документе
err-not-priced = не удалось рассчитать
err-discount-over-hundred = не больше 100 процентов
err-discount-over-line = не больше суммы строки ({ $amount })
err-discount-over-subtotal = не больше суммы документа ({ $amount })
err-lines-max = не больше { $max } { $max ->
    [one] строки
   *[other] строк
 }
err-line-name-required = обязательно, если не выбран продукт
err-quotes-only = бывает только у коммерческого предложения
err-invoices-only = бывает только у счёта
err-vat-rate = это не ставка НДС: нужен процент от 0 до 99 или «без НДС»
err-tax-regime = это не система налогообложения: нужна ОСН, УСН с НДС 5 %, УСН с НДС 7 % или освобождение от НДС
err-vat-not-in-force = ставка { $rate } не действует на { $on } для режима «{ $regime }»; можно: { $allowed }
err-number-no-seq = должен содержать {"{"}seq{"}"} — порядковый номер
err-number-seq-twice = {"{"}seq{"}"} должен встречаться только один раз
err-number-placeholder = неизвестная подстановка {"{"}{ $name }{"}"}; можно {"{"}seq{"}"}, {"{"}seq:05{"}"} или {"{"}year{"}"}
err-number-width = неверная ширина в {"{"}{ $name }{"}"}; пишите 0 и число цифр, например {"{"}seq:05{"}"}
err-number-unclosed = есть {"{"} без закрывающей {"}"}
err-number-stray-close = есть {"}"} без открывающей {"{"}
err-invoice-cancel-paid = счёт в статусе «{ $status }» нельзя отменить: по нему оплачено { $paid }; оплаченный или частично оплаченный счёт не отменяется — сначала удалите платежи
err-quote-transition = коммерческое предложение в статусе «{ $status }» нельзя { $action }
err-order-transition = заказ в статусе «{ $status }» нельзя { $action }
err-invoice-transition = счёт в статусе «{ $status }» нельзя { $action }
err-price-book-missing = такого прайс-листа нет
err-product-missing = такого продукта нет
err-price-currency = обязательно: цена продукта в { $product }, а документ в { $document }
err-document-needs-customer = у документа должен быть клиент: компания, контакт или сделка с клиентом
err-quote-read-only = документ в статусе «{ $status }» и больше не редактируется; чтобы изменить КП, создайте новую версию
err-order-read-only = заказ в статусе «{ $status }» больше не редактируется
err-invoice-read-only = счёт в статусе «{ $status }» больше не редактируется
err-only-drafts-deleted = удалить можно только черновик, а этот документ в статусе «{ $status }» (отмените его)
err-invoices-made = по документу { $n ->
    [one] выставлен { $n } счёт
    [few] выставлено { $n } счёта
   *[many] выставлено { $n } счетов
 }; удалить его нельзя
err-orders-made = по документу { $n ->
    [one] создан { $n } заказ
    [few] создано { $n } заказа
   *[many] создано { $n } заказов
 }; удалить его нельзя
err-revisions-made = у документа { $n ->
    [one] есть { $n } новая версия
    [few] есть { $n } новые версии
   *[many] есть { $n } новых версий
 }; удалить его нельзя
err-quote-needs-line = чтобы отправить коммерческое предложение, добавьте хотя бы одну строку
err-invoice-needs-line = чтобы выставить счёт, добавьте хотя бы одну строку
err-order-from-won-quote = заказ создаётся из выигранного коммерческого предложения; сначала отметьте его выигранным
err-quote-not-invoiced = коммерческое предложение в статусе «{ $status }»: счёт выставляется только по активному или выигранному
err-order-canceled = заказ отменён
err-deal-won-needs-paid = сделку можно выиграть только после полной оплаты и отгрузки: { $missing }
err-deal-no-invoice = счёта по ней ещё нет
err-deal-no-issued-invoice = выставленного счёта по ней ещё нет
err-invoice-not-paid = счёт { $number } оплачен на { $paid } из { $total } { $currency }
err-invoice-not-shipped = счёт { $number }: не отгружено { $left } «{ $name }»
err-payment-needs-party = у платежа должен быть плательщик или получатель: компания или контакт
err-outgoing-needs-account = обязательно для исходящего платежа (поставщик)
err-incoming-only = наши счета оплачиваются только входящими платежами
err-same-invoice-twice = этот счёт уже указан
err-invoice-missing = такого счёта нет
err-invoice-takes-no-payments = счёт { $number } в статусе «{ $status }»: оплату принимает только выставленный и не оплаченный полностью счёт
err-payment-currency = счёт в { $invoice }, а платёж в { $payment }
err-payment-other-customer = это счёт другого клиента, не плательщика
err-nothing-to-allocate = нечего разносить: платёж израсходован или счёт оплачен
err-payment-left = больше, чем осталось от платежа ({ $left })
err-invoice-owes = больше, чем осталось оплатить по счёту ({ $balance })
err-delivery-needs-issued = счёт в статусе «{ $status }»: акты и отгрузки оформляются по выставленному счёту
err-not-invoice-line = это не строка этого счёта
err-over-delivery = больше, чем осталось поставить по позиции «{ $name }»: осталось { $left } из { $quantity } (уже поставлено { $done })
err-goods-all-shipped = поставлять нечего: все товары счёта уже отгружены
err-services-all-acted = поставлять нечего: все услуги счёта уже в актах
err-currency-inactive = эта валюта больше не используется
err-currency-unknown = такой валюты нет в справочнике
err-unit-unknown = такой единицы измерения нет в справочнике
err-sku-used-by = уже указан у продукта №{ $id } «{ $name }»
err-sku-taken = уже указан у другого продукта
err-product-on-lines = продукт есть в { $n } { $n ->
    [one] строке
   *[other] строках
 } документов; вместо удаления сделайте его неактивным
err-valid-to-before-from = не может быть раньше даты начала
err-rate-positive = должно быть больше нуля
err-rate-scale = не больше 6 знаков после запятой
err-already-in-list = уже есть в списке
err-cannot-change = нельзя изменить
err-base-currency-active = основную валюту нашей компании нельзя отключить
err-base-currency-rate = это основная валюта: её курс всегда 1
err-book-currency-fixed = нельзя изменить, пока в прайс-листе есть цены; сначала удалите их
err-book-in-use = прайс-лист используется в { $n } { $n ->
    [one] документе
   *[other] документах
 }; вместо удаления сделайте его неактивным
err-quote-won-stage-later = можно указать, когда воронка и её этапы уже созданы
err-not-stage-of-this-pipeline = это не этап этой воронки
vat-none-are-in-force = ни одна не действует
## Actions a document status refuses, as in "нельзя …" (err-*-transition)
doc-refused-activated = сделать активным
doc-refused-won = отметить выигранным
doc-refused-lost = отметить проигранным
doc-refused-revised = пересмотреть
doc-refused-approved = согласовать
doc-refused-shipped = отгрузить
doc-refused-canceled = отменить
doc-refused-sent = выставить
## Messages of the web forms
err-whole-number = нужно целое число
err-choose-suggestion = выберите запись из подсказок
err-not-datetime = это не дата и время
err-date-format = это не дата: введите в виде { $pattern }
err-choose-team = выберите команду из списка
err-choose-user = выберите пользователя из списка
err-whole-percent = целое число от 0 до 100
err-not-current-password = это не ваш текущий пароль
word-or = или
date-pattern = ДД.ММ.ГГГГ
action-edit-field = Изменить: { $field }
col-deliver = Передать сейчас
action-new-order = Новый заказ
error-document-customer = Выберите клиента из списка: документу нужна компания.
filter-team = Отдел
filter-currency = Валюта
