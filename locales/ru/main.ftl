# Сообщения mfo-api, русский. Те же идентификаторы, что в en/main.ftl.

## userErrors: устаревшие общие причины (больше не выдаются)

INVALID_VALUE = Недопустимое значение { $field }.
WRONG_STATE = Состояние записи не допускает этого действия.
RULE_REFUSED = Действие запрещено правилом { $rule }.

## userErrors: входные значения

REQUIRED = Поле { $field } обязательно.
TOO_LONG = Поле { $field } должно содержать не более { $maxLength } символов.
OUT_OF_RANGE = Значение { $field } вне допустимого диапазона ({ $range }).
MALFORMED = { $format ->
    [time] Поле { $field } должно содержать время в формате ЧЧ:ММ.
    [phone] Поле { $field } должно содержать от 7 до 15 цифр, допускаются + ( ) - и пробелы.
    [email] Поле { $field } не является адресом электронной почты.
    [policy] Файл политики некорректен: { $problem }
    [row] Строка некорректна: { $problem }
   *[other] Поле { $field } имеет неверный формат.
}
UNSUPPORTED_VALUE = Поле { $field } должно принимать одно из значений: { $allowed }.
DATE_IN_FUTURE = Значение { $field } находится в будущем.
DATE_OUT_OF_RANGE = Значение { $field } выходит за пределы допустимого периода.
END_BEFORE_START = Значение { $field } должно быть позже { $start }.
OUT_OF_ORDER = Значение { $field } должно следовать после предыдущего.
TOO_MANY = В поле { $field } больше { $maxItems } элементов.
FINER_THAN_MINOR_UNIT = В поле { $field } больше { $scale } знаков после запятой: это меньше минимальной единицы валюты { $currency }.
SUM_MISMATCH = Сумма частей { $field } равна { $sum }, а не { $expected }.
PERIOD_TOO_LONG = Период не может превышать { $maxDays } дней.
EXACTLY_ONE_REQUIRED = Укажите ровно одно из полей: { $fields }.
BOTH_OR_NEITHER = Укажите оба поля { $fields } или ни одного.
NOT_APPLICABLE = Поле { $field } здесь неприменимо.
RECORDS_DO_NOT_MATCH = Поле { $field } указывает на запись, не связанную с другими указанными.
UNKNOWN_REFERENCE = Запись, соответствующая { $field }, не найдена.
NOT_A_COLLECTION_AGENCY = Организация не является коллекторским агентством юрисдикции займа (R17.2).
POLICY_VERSION_EXISTS = У { $jurisdiction } уже есть версия политики от { $effectiveFrom }.
POLICY_BEHIND_RUNNING_CLOCK = Открытый срок начался { $startedOn }, в дату новой версии или позже: укажите --retroactive, если версия должна действовать и для уже идущих сроков.

## userErrors: состояния и повторы

STATUS_DOES_NOT_ALLOW = Невозможно, пока запись в статусе { $status }.
NO_OPEN_DEADLINE = У обращения нет открытого срока ответа, который можно продлить.
RETRY_WITH_OTHER_INPUT = Повторный запрос с тем же { $field } содержит иные данные, чем первый.
ALREADY_DONE = Это уже сделано.
NOT_AT_AGENCY = Заем не передан коллекторскому агентству.
ALREADY_AT_AGENCY = Заем уже передан коллекторскому агентству: сначала отзовите его.
BEYOND_CHANGE_RETENTION = Это раньше, чем хранятся изменения ({ $days } дн.): прочитайте список заново без этого условия и следите за изменениями с текущего момента.
UNSAFE_WEBHOOK_URL = Адрес вебхука должен начинаться с https и указывать на публичный адрес ({ $why }).
TOO_MANY_WEBHOOK_ENDPOINTS = У организации может быть не более { $max } адресов вебхуков: удалите или измените один из них.
NOTHING_OVERDUE = По займу нет просрочки, о которой нужно уведомлять (R1).
TERMS_CHANGE_NOTHING = Условия ничего не меняют (R2).
NOTHING_TO_APPEAL = Обжалуется только отказ, отказ по умолчанию или недостигнутое соглашение (R15).

## userErrors: обращения (C)

OUT_OF_STEP_ORDER = Нарушен порядок действий: обращение регистрируется, передается, рассматривается, затем на него дается ответ (C7).
EXTENSION_ALREADY_USED = Срок ответа может быть продлен только один раз (C8).
NOT_A_WRITTEN_COMPLAINT = Без рассмотрения может быть оставлено только письменное обращение (C3).
ANONYMITY_NOT_DECIDED = Анонимность устанавливается при регистрации по содержанию обращения, а не решением (C3).
ABUSIVE_CONTENT_REQUIRED = Процитируйте или опишите оскорбительное содержание (C3).
NOT_AN_ORAL_COMPLAINT = Устно отвечают или предлагают подать письменно только на устное обращение (C12).
NOT_A_SUGGESTION = Без ответа может быть закрыто только предложение (C7).
ANSWER_PARTICULAR_REQUIRED = В ответе обязательно поле { $field } (C10).
ANSWER_LANGUAGE_MISMATCH = Ответ должен быть на языке обращения ({ $language }) (C10).
ANSWER_DATE_OUT_OF_RANGE = sentAt должен быть между регистрацией и текущим моментом (C10).
LOAN_NOT_SERVICED = Заем больше не обслуживается (C9).
RECEPTION_ON_WEEKDAYS_ONLY = Руководство принимает граждан в рабочие дни (C13).

## userErrors: реструктуризация (R, D)

NOTICE_CONTENT_MISSING = { $field ->
    [overdueAmount] В уведомлении должна быть указана сумма просроченной задолженности (R1).
    [amountAsOf] В уведомлении должна быть указана дата, на которую определена сумма (R1).
    [statesRightToApply] Уведомление должно сообщать заемщику о праве обратиться в МФО (R1).
    [statesConsequences] В уведомлении должны быть указаны последствия неисполнения обязательства (R1).
   *[other] В уведомлении нет обязательного сведения: { $field } (R1).
}
FORGIVENESS_EXCEEDS_OVERDUE = Прощаются только просроченные основной долг и вознаграждение и не более просроченной суммы (R2).
NEW_TERM_TOO_SHORT = Новый срок составляет не менее одного месяца (R2).
LATE_APPLICATION_ONLY_REFUSABLE = По заявлению, поданному с пропуском срока, при наличии судебного акта, исполнительной надписи, мирового соглашения или уступки возможен только отказ (R3).
DOCUMENTS_PENDING = Запрошены документы: решение принимается после их представления или истечения срока (R6).
INCOME_REQUIRED = Для расчета долговой нагрузки нужен ежемесячный доход заемщика: запросите его (R6, R7).
DECISION_UNSIGNED = Решение должно быть подписано (R8).
REFUSAL_REASONS_REQUIRED = Отказ содержит мотивированные причины (R8, D1).
DEBT_BURDEN_NOT_LOWERED = Условия не снижают долговую нагрузку: ежемесячный платеж меняется с { $monthlyPaymentBefore } на { $monthlyPaymentAfter } (R10).
REPLY_DATE_REQUIRED = Встречное предложение указывает срок ответа заемщика (R12).
REPLY_PERIOD_TOO_SHORT = У заемщика должно быть не менее { $minDays } календарных дней с момента получения для ответа (R12).
APPEAL_WINDOW_CLOSED = Обращение нужно было подать до { $lastDay } (R15).
REFUSAL_WINDOW_CLOSED = От отсрочки можно было отказаться до { $lastDay } (M3).
HAND_OVER_NOT_ALLOWED = Сейчас заем нельзя передать коллекторскому агентству ({ $rule }).

## permittedActions: причины

verdict-allowed = Разрешено.
verdict-third-party-locate-only = Разрешено только для установления местонахождения или контактов заемщика (X5).
verdict-not-a-working-day = Сегодня не рабочий день заемщика (X3/X4).
verdict-outside-hours = { $byContract ->
    [yes] Вне согласованного в договоре времени { $start }–{ $end } по месту заемщика (X4).
   *[no] Вне времени { $start }–{ $end } по месту заемщика (X3/X4).
}
verdict-calls-used-up = Лимит { $limit } звонков в день исчерпан (X3).
verdict-meeting-today-used-up = { $byContract ->
    [yes] Согласованный в договоре лимит { $limit } встреч в день исчерпан (X4).
   *[no] Лимит { $limit } встреч в день исчерпан (X4).
}
verdict-meetings-this-week-used-up = { $byContract ->
    [yes] Согласованный в договоре лимит { $limit } встреч в неделю исчерпан (X4).
   *[no] Лимит { $limit } встреч в неделю исчерпан (X4).
}
verdict-conscript-protected = Заемщик проходит срочную службу: меры взыскания приостановлены до { $until } (M5).
verdict-deferral-without-interest = Отсрочка военнослужащему до { $until } без начисления вознаграждения (M2).
verdict-application-under-review = Рассматривается заявление об изменении условий: требовать досрочного погашения нельзя (R9).
verdict-at-collection-agency = Долг у коллекторского агентства: нельзя подавать иск, требовать вознаграждение и начислять неустойку за этот период (R18).
verdict-home-protected = Обращение заемщика рассматривается уполномоченным органом: взыскание на жилище до { $until } не допускается (R16).
verdict-no-mortgage = Микрокредит не обеспечен залогом недвижимости (R17.4).
verdict-not-overdue = Нет просроченной задолженности.
verdict-overdue-too-short = Просрочка { $days } дн.; уступка права требования возможна только свыше { $needed } дн. подряд (R17.3).
verdict-insolvency = К заемщику применяется процедура восстановления платежеспособности или банкротства (R17.3).
verdict-no-reducing-settlement-yet = Уступка права требования коллекторскому агентству по микрокредиту, не связанному с предпринимательством, допускается только после урегулирования со снижением обязательства (в т.ч. полной отменой неустойки), проведённого в течение { $months } месяцев с даты просрочки, то есть до { $windowEnd }; такого урегулирования ещё не было (R14).
verdict-no-reducing-settlement-passed = В течение { $months } месяцев с даты просрочки (до { $windowEnd }) урегулирование со снижением обязательства не проводилось: уступка права требования коллекторскому агентству не допускается (R14).
verdict-claim-already-assigned = Право требования уже уступлено.
verdict-contract-forbids-agency = Договор не предусматривает привлечение коллекторского агентства (R17.2).
verdict-already-at-agency = Долг уже передан коллекторскому агентству.
verdict-not-a-business = Иск о банкротстве подается только к индивидуальному предпринимателю или юридическому лицу (R17.5).

## Эскалации

escalation-deadline-missed = Пропущен срок { $kind ->
    [COMPLAINT_REGISTRATION] регистрации обращения
    [COMPLAINT_ACKNOWLEDGEMENT] подтверждения получения обращения
    [COMPLAINT_ANSWER] ответа на обращение
    [INFO_REQUEST_ANSWER] ответа на запрос информации по займу
    [DELINQUENCY_NOTICE] уведомления о просрочке
    [APPLICATION_DOCUMENTS] представления документов к заявлению
    [APPLICATION_DECISION] решения по заявлению
    [COUNTER_PROPOSAL_REPLY] ответа на встречное предложение
    [DECISION_IMPLEMENTATION] исполнения решения
    [MILITARY_DEFERRAL_GRANT] предоставления отсрочки военнослужащему
    [MILITARY_REFUSAL_CONFIRMATION] подтверждения отказа от отсрочки
   *[other] { $kind }
} ({ $rule }): истекал { $due }
escalation-deadline-missed-on = Пропущен срок { $kind ->
    [COMPLAINT_REGISTRATION] регистрации обращения
    [COMPLAINT_ACKNOWLEDGEMENT] подтверждения получения обращения
    [COMPLAINT_ANSWER] ответа на обращение
    [INFO_REQUEST_ANSWER] ответа на запрос информации по займу
    [DELINQUENCY_NOTICE] уведомления о просрочке
    [APPLICATION_DOCUMENTS] представления документов к заявлению
    [APPLICATION_DECISION] решения по заявлению
    [COUNTER_PROPOSAL_REPLY] ответа на встречное предложение
    [DECISION_IMPLEMENTATION] исполнения решения
    [MILITARY_DEFERRAL_GRANT] предоставления отсрочки военнослужащему
    [MILITARY_REFUSAL_CONFIRMATION] подтверждения отказа от отсрочки
   *[other] { $kind }
} ({ $rule }), { $subjectType ->
    [complaint] обращение №
    [application] заявление №
    [info_request] запрос по займу
    [military_deferral] отсрочка по займу
   *[loan] заём
} { $subject }: истекал { $due }
escalation-claim-assigned = Право требования по займу { $contract } уступлено { $on } в нарушение { $rule }
escalation-contact-breach = Контакт ({ $channel ->
    [CALL] звонок
    [SMS] SMS
    [EMAIL] электронная почта
    [MESSENGER] мессенджер
    [LETTER] письмо
    [OFFICE_MEETING] встреча в офисе
   *[other] { $channel }
}) по займу { $contract } нарушил { $rule }
escalation-misrepresentation = Коллектор назвал ложные имя или должность при контакте по займу { $contract } (X6)
escalation-complaint-about-contact = Обращение { $journal } сообщает о недобросовестной практике при контакте (X6)

## BAD_USER_INPUT верхнего уровня

warning-clearance-malformed = Разрешение выдано не этим API; контакт сохранён без разрешения.
warning-clearance-foreign = Разрешение выдано другому пользователю, по другому займу или на другое действие; контакт сохранён без разрешения.
warning-clearance-expired = Срок разрешения истёк к моменту контакта; контакт сохранён без разрешения.
warning-clearance-issued-after-contact = Разрешение выдано после контакта; контакт сохранён без разрешения.
outside-law = На { $on } в { $jurisdiction } не действует ни одна версия политики: правила, применяемые этим API, вступают в силу в { $jurisdiction } с { $from }.
no-policy-loaded = Для { $jurisdiction } не загружено ни одной версии политики.

## Документы (PDF): письма D1, C10 и выписка C9
doc-mfo = Микрофинансовая организация
doc-address = Адрес
doc-date = Дата
doc-borrower = Заемщик
doc-document = Документ
doc-currency = Валюта
doc-refusal-title = Отказ в изменении условий договора о предоставлении микрокредита
doc-refusal-appeal = В течение пятнадцати календарных дней со дня получения настоящего отказа Вы вправе обратиться в уполномоченный орган по регулированию, контролю и надзору финансового рынка и финансовых организаций, одновременно уведомив об этом Кредитора (статья 9-2 Закона Республики Казахстан «О микрофинансовой деятельности»).
doc-refusal-basis = Письмо составлено по форме приложения 1 к Условиям и порядку урегулирования задолженности по микрокредитам { $mfo } в соответствии с подпунктом 3) пункта 3 статьи 9-2 Закона Республики Казахстан «О микрофинансовой деятельности». Заявление № { $number }.
doc-answer-title = Ответ на обращение № { $number } от { $date }
doc-answer-to = Кому
doc-answer-substance = Суть обращения
doc-answer-ground = Решение по обращению
doc-answer-executor = Ответственный исполнитель
doc-answer-signed = Подписал
doc-answer-attachments = Приложения
doc-answer-certified-copy = заверенная копия
doc-answer-sent = Дата направления
doc-answer-channel = Способ направления
doc-answer-basis = Ответ дан по результатам рассмотрения обращения, зарегистрированного { $registered } в едином журнале учета обращений { $mfo } под № { $number }, в порядке рассмотрения обращений потребителей: бесплатно, в течение 10 рабочих дней со дня регистрации (срок может быть однократно продлен на 10 рабочих дней), на языке обращения — государственном или официальном языке.
doc-ground-satisfied = Обращение удовлетворено полностью
doc-ground-partially-satisfied = Обращение удовлетворено частично
doc-ground-refused = В удовлетворении обращения отказано
doc-ground-explained = Разъяснены права и обязанности потребителя
doc-signatory-chairman = Председатель Правления
doc-signatory-branch-director = Директор филиала
doc-signatory-authorised-person = Уполномоченное лицо
doc-channel-in-person = вручено лично
doc-channel-registered-mail = заказным письмом
doc-channel-email = по электронной почте
doc-channel-mobile-app = через мобильное приложение
doc-statement-title = Информация по договору о предоставлении микрокредита № { $contract } от { $date }
doc-statement-request = Запрос заемщика
doc-statement-request-value = от { $date }
doc-statement-as-of = По состоянию на
doc-statement-paid = 1. Сумма внесенных платежей
doc-statement-payments = Поступившие платежи
doc-statement-next = 2. Размер и даты следующих платежей
doc-statement-overdue = 3. Сумма просроченной задолженности
doc-statement-overdue-since = просрочка с { $since }, { $days } дн.
doc-statement-overdue-none = просроченной задолженности нет
doc-statement-allocations = 4. Распределение внесенных платежей
doc-statement-early-full = 5. Сумма полного досрочного погашения
doc-statement-early-partial = 5. Частичное досрочное погашение: сначала погашается
doc-statement-balance = 6. Остаток основного долга
doc-statement-limit = 7. Кредитный лимит
doc-col-date = Дата
doc-col-due-date = Дата платежа
doc-col-payment = Платеж
doc-col-amount = Сумма
doc-col-installment = Взнос №
doc-col-principal = Основной долг
doc-col-interest = Вознаграждение
doc-col-total = Итого
doc-statement-basis = Информация предоставлена по запросу заемщика в период обслуживания микрокредита, в течение пяти рабочих дней со дня получения запроса, безвозмездно, не чаще одного раза в месяц. Суммы указаны в валюте договора по данным на конец дня { $asOf }.
doc-statement-beyond-free = Запрос является повторным в календарном месяце { $month } и не входит в бесплатный.
