# mfo-api билдирүүлөрү, кыргыз тили. Идентификаторлору en/main.ftl'дегидей.

## userErrors: эскирген жалпы себептер (мындан ары берилбейт)

INVALID_VALUE = { $field } мааниси жараксыз.
WRONG_STATE = Жазуунун абалы бул аракетке жол бербейт.
RULE_REFUSED = Аракетке { $rule } эрежеси тыюу салат.

## userErrors: киргизилген маанилер

REQUIRED = { $field } талаасы милдеттүү.
TOO_LONG = { $field } талаасы { $maxLength } белгиден ашпашы керек.
OUT_OF_RANGE = { $field } мааниси уруксат берилген чектен тышкары ({ $range }).
MALFORMED = { $format ->
    [time] { $field } талаасы СС:ММ форматындагы убакыт болушу керек.
    [phone] { $field } талаасы 7ден 15ке чейин цифрадан турушу керек, + ( ) - жана боштук уруксат.
    [email] { $field } талаасы электрондук почтанын дареги эмес.
    [policy] Саясат файлы жараксыз: { $problem }
    [row] Сап жараксыз: { $problem }
   *[other] { $field } талаасынын форматы туура эмес.
}
UNSUPPORTED_VALUE = { $field } талаасы төмөнкү маанилердин бири болушу керек: { $allowed }.
DATE_IN_FUTURE = { $field } мааниси келечекте.
DATE_OUT_OF_RANGE = { $field } мааниси уруксат берилген мөөнөттөн тышкары.
END_BEFORE_START = { $field } мааниси { $start } маанисинен кийин болушу керек.
OUT_OF_ORDER = { $field } мааниси мурункусунан кийин болушу керек.
TOO_MANY = { $field } талаасында { $maxItems } элементтен ашык.
FINER_THAN_MINOR_UNIT = { $field } талаасында үтүрдөн кийин { $scale } белгиден ашык: бул { $currency } валютасынын эң кичи бирдигинен майда.
SUM_MISMATCH = { $field } бөлүктөрүнүн суммасы { $expected } эмес, { $sum }.
PERIOD_TOO_LONG = Мезгил { $maxDays } күндөн ашпашы керек.
EXACTLY_ONE_REQUIRED = Төмөнкү талаалардын так бирин көрсөтүңүз: { $fields }.
BOTH_OR_NEITHER = { $fields } талааларынын экөөнү тең көрсөтүңүз же бирин да көрсөтпөңүз.
NOT_APPLICABLE = { $field } талаасы бул жерде колдонулбайт.
RECORDS_DO_NOT_MATCH = { $field } талаасы көрсөтүлгөн башка жазууларга тиешеси жок жазууну көрсөтөт.
UNKNOWN_REFERENCE = { $field } маанисине туура келген жазуу табылган жок.
NOT_A_COLLECTION_AGENCY = Уюм карыздын юрисдикциясындагы коллектордук агенттик эмес (R17.2).
POLICY_VERSION_EXISTS = { $jurisdiction } үчүн { $effectiveFrom } күнкү саясат версиясы мурунтан эле бар.
POLICY_BEHIND_RUNNING_CLOCK = Ачык мөөнөт { $startedOn } күнү, жаңы версиянын күнүндө же андан кийин башталган: версия жүрүп жаткан мөөнөттөргө да колдонулушу керек болсо, --retroactive көрсөтүңүз.

## userErrors: абалдар жана кайталоолор

STATUS_DOES_NOT_ALLOW = Жазуу { $status } абалында турганда мүмкүн эмес.
NO_OPEN_DEADLINE = Кайрылуунун узартууга боло турган ачык жооп мөөнөтү жок.
RETRY_WITH_OTHER_INPUT = Ошол эле { $field } менен кайталанган суроо биринчисинен башка маалыматтарды камтыйт.
ALREADY_DONE = Бул мурун эле аткарылган.
NOT_AT_AGENCY = Карыз коллектордук агенттикке берилген эмес.
ALREADY_AT_AGENCY = Карыз коллектордук агенттикке берилген: адегенде аны кайтарып алыңыз.
BEYOND_CHANGE_RETENTION = Бул өзгөрүүлөр сакталган мөөнөттөн ({ $days } күн) эрте: тизмени бул шартсыз кайра окуп, өзгөрүүлөрдү азыртан баштап көзөмөлдөңүз.
UNSAFE_WEBHOOK_URL = Вебхук дареги https болуп, ачык даректи көрсөтүшү керек ({ $why }).
TOO_MANY_WEBHOOK_ENDPOINTS = Уюмда { $max } вебхук дарегинен ашык болбошу керек: бирөөсүн өчүрүңүз же өзгөртүңүз.
NOTHING_OVERDUE = Карыз боюнча кабарлоону талап кылган мөөнөтү өткөн карыз жок (R1).
TERMS_CHANGE_NOTHING = Шарттар эч нерсени өзгөртпөйт (R2).
NOTHING_TO_APPEAL = Баш тартууга, жооп берилбегендиктен баш тартууга же жетишилбеген макулдашууга гана даттануу берилет (R15).

## userErrors: кайрылуулар (C)

OUT_OF_STEP_ORDER = Аракеттердин тартиби бузулду: кайрылуу катталат, жөнөтүлөт, каралат, андан кийин ага жооп берилет (C7).
EXTENSION_ALREADY_USED = Жооп берүү мөөнөтүн бир гана жолу узартууга болот (C8).
NOT_A_WRITTEN_COMPLAINT = Жазуу жүзүндөгү кайрылууну гана кароосуз калтырууга болот (C3).
ANONYMITY_NOT_DECIDED = Аноними чечим менен эмес, каттоодо кайрылуунун мазмуну боюнча аныкталат (C3).
ABUSIVE_CONTENT_REQUIRED = Кордогон мазмунду келтириңиз же сүрөттөңүз (C3).
NOT_AN_ORAL_COMPLAINT = Оозеки жооп берилет же жазуу жүзүндө берүү сунушталат оозеки кайрылууга гана (C12).
NOT_A_SUGGESTION = Сунушту гана жоопсуз жабууга болот (C7).
ANSWER_PARTICULAR_REQUIRED = Жоопто { $field } талаасы милдеттүү (C10).
ANSWER_LANGUAGE_MISMATCH = Жооп кайрылуунун тилинде ({ $language }) жазылышы керек (C10).
ANSWER_DATE_OUT_OF_RANGE = sentAt каттоо учуру менен азыркы учурдун ортосунда болушу керек (C10).
LOAN_NOT_SERVICED = Карыз мындан ары тейленбейт (C9).
RECEPTION_ON_WEEKDAYS_ONLY = Жетекчилик жарандарды иш күндөрү кабыл алат (C13).

## userErrors: реструктуризациялоо (R, D)

NOTICE_CONTENT_MISSING = { $field ->
    [overdueAmount] Билдирмеде мөөнөтү өткөн карыздын суммасы көрсөтүлүшү керек (R1).
    [amountAsOf] Билдирмеде сумма аныкталган күн көрсөтүлүшү керек (R1).
    [statesRightToApply] Билдирме карыз алуучуга МКУга кайрылуу укугу жөнүндө кабарлашы керек (R1).
    [statesConsequences] Билдирмеде милдеттенмени аткарбоонун кесепеттери көрсөтүлүшү керек (R1).
   *[other] Билдирмеде милдеттүү маалымат жок: { $field } (R1).
}
FORGIVENESS_EXCEEDS_OVERDUE = Мөөнөтү өткөн негизги карыз жана сыйакы гана кечирилет жана мөөнөтү өткөн суммадан ашпайт (R2).
NEW_TERM_TOO_SHORT = Жаңы мөөнөт жок дегенде бир ай (R2).
LATE_APPLICATION_ONLY_REFUSABLE = Мөөнөтү өткөрүлүп берилген арыз боюнча сот актысы, аткаруу жазуусу, тынчтык келишими же талап кылуу укугун өткөрүп берүү болсо, баш тартууга гана болот (R3).
DOCUMENTS_PENDING = Документтер суралды: чечим алар берилгенден же мөөнөт өткөндөн кийин кабыл алынат (R6).
INCOME_REQUIRED = Карыз жүгүн эсептөө үчүн карыз алуучунун айлык кирешеси керек: аны сураңыз (R6, R7).
DECISION_UNSIGNED = Чечимге кол коюлушу керек (R8).
REFUSAL_REASONS_REQUIRED = Баш тартууда негизделген себептер көрсөтүлөт (R8, D1).
DEBT_BURDEN_NOT_LOWERED = Шарттар карыз жүгүн төмөндөтпөйт: айлык төлөм { $monthlyPaymentBefore } ордуна { $monthlyPaymentAfter } болот (R10).
REPLY_DATE_REQUIRED = Каршы сунушта карыз алуучунун жооп берүү мөөнөтү көрсөтүлөт (R12).
REPLY_PERIOD_TOO_SHORT = Карыз алуучунун алган учурдан тартып жооп берүүгө жок дегенде { $minDays } календардык күнү болушу керек (R12).
APPEAL_WINDOW_CLOSED = Даттанууну { $lastDay } чейин берүү керек эле (R15).
REFUSAL_WINDOW_CLOSED = Кийинкиге калтыруудан { $lastDay } чейин баш тартууга болот эле (M3).
HAND_OVER_NOT_ALLOWED = Азыр карызды коллектордук агенттикке берүүгө болбойт ({ $rule }).

## permittedActions: себептер

verdict-allowed = Уруксат берилет.
verdict-third-party-locate-only = Карыз алуучунун турган жерин же байланыш маалыматтарын аныктоо үчүн гана уруксат берилет (X5).
verdict-not-a-working-day = Бүгүн карыз алуучу үчүн иш күнү эмес (X3/X4).
verdict-outside-hours = { $byContract ->
    [yes] Келишимде макулдашылган { $start }–{ $end } убакыттан тышкары, карыз алуучунун убактысы боюнча (X4).
   *[no] Карыз алуучунун убактысы боюнча { $start }–{ $end } убакыттан тышкары (X3/X4).
}
verdict-calls-used-up = Күнүнө { $limit } чалуу чеги түгөндү (X3).
verdict-meeting-today-used-up = { $byContract ->
    [yes] Келишимде макулдашылган күнүнө { $limit } жолугушуу чеги түгөндү (X4).
   *[no] Күнүнө { $limit } жолугушуу чеги түгөндү (X4).
}
verdict-meetings-this-week-used-up = { $byContract ->
    [yes] Келишимде макулдашылган жумасына { $limit } жолугушуу чеги түгөндү (X4).
   *[no] Жумасына { $limit } жолугушуу чеги түгөндү (X4).
}
verdict-conscript-protected = Карыз алуучу мөөнөттүү аскер кызматында: өндүрүү чаралары { $until } чейин токтотулган (M5).
verdict-deferral-without-interest = Аскер кызматкерине { $until } чейин сыйакы эсептелбеген кийинкиге калтыруу (M2).
verdict-application-under-review = Шарттарды өзгөртүү жөнүндө арыз каралууда: мөөнөтүнөн мурда төлөөнү талап кылууга болбойт (R9).
verdict-at-collection-agency = Карыз коллектордук агенттикте: бул мезгилде сотко доо арыз берүүгө, сыйакы талап кылууга жана айып пул эсептөөгө болбойт (R18).
verdict-home-protected = Карыз алуучунун кайрылуусу ыйгарым укуктуу орган тарабынан каралууда: { $until } чейин турак жайга өндүрүү жүргүзүлбөйт (R16).
verdict-no-mortgage = Микрокредит кыймылсыз мүлктү күрөөгө коюу менен камсыз кылынган эмес (R17.4).
verdict-not-overdue = Мөөнөтү өткөн карыз жок.
verdict-overdue-too-short = Мөөнөтү өткөн күндөр { $days }; талап кылуу укугун өткөрүп берүү катары менен { $needed } күндөн ашкандан кийин гана мүмкүн (R17.3).
verdict-insolvency = Карыз алуучуга төлөө жөндөмдүүлүгүн калыбына келтирүү же банкроттук жол-жобосу колдонулууда (R17.3).
verdict-no-reducing-settlement-yet = Ишкердик менен байланышпаган микрокредит боюнча талап кылуу укугун коллектордук агенттикке өткөрүп берүү мөөнөтү өткөн күндөн тартып { $months } айдын ичинде ({ $windowEnd } чейин) милдеттенмени азайткан жөнгө салуу (анын ичинде айып пулду толук жокко чыгаруу) жүргүзүлгөндөн кийин гана мүмкүн; ал азырынча жүргүзүлгөн эмес (R14).
verdict-no-reducing-settlement-passed = Мөөнөтү өткөн күндөн тартып { $months } айдын ичинде ({ $windowEnd } чейин) милдеттенмени азайткан жөнгө салуу жүргүзүлгөн жок: талап кылуу укугун коллектордук агенттикке өткөрүп берүүгө болбойт (R14).
verdict-claim-already-assigned = Талап кылуу укугу мурунтан эле өткөрүлүп берилген.
verdict-contract-forbids-agency = Келишимде коллектордук агенттикти тартуу каралган эмес (R17.2).
verdict-already-at-agency = Карыз коллектордук агенттикке мурунтан эле берилген.
verdict-not-a-business = Банкроттук жөнүндө доо жеке ишкерге же юридикалык жакка гана берилет (R17.5).

## Эскалациялар

escalation-deadline-missed = { $kind ->
    [COMPLAINT_REGISTRATION] кайрылууну каттоо
    [COMPLAINT_ACKNOWLEDGEMENT] кайрылуунун алынганын тастыктоо
    [COMPLAINT_ANSWER] кайрылууга жооп берүү
    [INFO_REQUEST_ANSWER] карыз боюнча маалымат суроосуна жооп берүү
    [DELINQUENCY_NOTICE] мөөнөтү өткөнү жөнүндө билдирүү
    [APPLICATION_DOCUMENTS] арызга документтерди берүү
    [APPLICATION_DECISION] арыз боюнча чечим
    [COUNTER_PROPOSAL_REPLY] каршы сунушка жооп
    [DECISION_IMPLEMENTATION] чечимди аткаруу
    [MILITARY_DEFERRAL_GRANT] аскер кызматчысына мөөнөтүн узартуу
    [MILITARY_REFUSAL_CONFIRMATION] мөөнөт узартуудан баш тартууну тастыктоо
   *[other] { $kind }
} мөөнөтү ({ $rule }) өткөрүлүп жиберилди: акыркы күнү { $due }
escalation-deadline-missed-on = { $kind ->
    [COMPLAINT_REGISTRATION] кайрылууну каттоо
    [COMPLAINT_ACKNOWLEDGEMENT] кайрылуунун алынганын тастыктоо
    [COMPLAINT_ANSWER] кайрылууга жооп берүү
    [INFO_REQUEST_ANSWER] карыз боюнча маалымат суроосуна жооп берүү
    [DELINQUENCY_NOTICE] мөөнөтү өткөнү жөнүндө билдирүү
    [APPLICATION_DOCUMENTS] арызга документтерди берүү
    [APPLICATION_DECISION] арыз боюнча чечим
    [COUNTER_PROPOSAL_REPLY] каршы сунушка жооп
    [DECISION_IMPLEMENTATION] чечимди аткаруу
    [MILITARY_DEFERRAL_GRANT] аскер кызматчысына мөөнөтүн узартуу
    [MILITARY_REFUSAL_CONFIRMATION] мөөнөт узартуудан баш тартууну тастыктоо
   *[other] { $kind }
} мөөнөтү ({ $rule }) өткөрүлүп жиберилди, { $subjectType ->
    [complaint] кайрылуу №
    [application] арыз №
    [info_request] карыз боюнча суроо
    [military_deferral] карыз боюнча мөөнөт узартуу
   *[loan] карыз
} { $subject }: акыркы күнү { $due }
escalation-claim-assigned = { $contract } карызы боюнча талап кылуу укугу { $on } күнү { $rule } бузулуп өткөрүлүп берилди
escalation-contact-breach = { $contract } карызы боюнча байланыш ({ $channel ->
    [CALL] чалуу
    [SMS] SMS
    [EMAIL] электрондук почта
    [MESSENGER] мессенджер
    [LETTER] кат
    [OFFICE_MEETING] кеңседеги жолугушуу
   *[other] { $channel }
}) { $rule } бузду
escalation-misrepresentation = { $contract } карызы боюнча байланышта коллектор жалган аты-жөнүн же кызмат ордун айтты (X6)
escalation-complaint-about-contact = { $journal } кайрылуусу байланыштагы адилетсиз практика жөнүндө кабарлайт (X6)

## Жогорку деңгээлдеги BAD_USER_INPUT

warning-clearance-malformed = Уруксатты бул API берген эмес; байланыш уруксатсыз сакталды.
warning-clearance-foreign = Уруксат башка колдонуучуга, башка насыяга же башка аракетке берилген; байланыш уруксатсыз сакталды.
warning-clearance-expired = Байланыш болгондо уруксаттын мөөнөтү бүтүп калган; байланыш уруксатсыз сакталды.
warning-clearance-issued-after-contact = Уруксат байланыштан кийин берилген; байланыш уруксатсыз сакталды.
outside-law = { $on } күнү { $jurisdiction } юрисдикциясында саясаттын эч бир версиясы колдонулбайт: бул API колдонгон эрежелер { $jurisdiction } юрисдикциясында { $from } тартып күчүнө кирет.
no-policy-loaded = { $jurisdiction } үчүн саясаттын эч бир версиясы жүктөлгөн эмес.

## Документтер (PDF): D1, C10 каттары жана C9 көчүрмөсү
doc-mfo = Микрокаржы уюму
doc-address = Дареги
doc-date = Датасы
doc-borrower = Карыз алуучу
doc-document = Документ
doc-currency = Валюта
doc-refusal-title = Микрокредит берүү жөнүндө келишимдин шарттарын өзгөртүүдөн баш тартуу
doc-refusal-appeal = Ушул баш тартууну алган күндөн тартып он беш календардык күндүн ичинде Сиз Кредиторго бир убакта кабарлап, финансы рыногун жана финансы уюмдарын жөнгө салуу, көзөмөлдөө жана көзөмөл жүргүзүү боюнча ыйгарым укуктуу органга кайрылууга укуктуусуз (Казакстан Республикасынын «Микрокаржылык ишмердүүлүк жөнүндө» Мыйзамынын 9-2-беренеси).
doc-refusal-basis = Кат Казакстан Республикасынын «Микрокаржылык ишмердүүлүк жөнүндө» Мыйзамынын 9-2-беренесинин 3-пунктунун 3) пунктчасына ылайык { $mfo } микрокредиттер боюнча карызды жөнгө салуунун шарттарынын жана тартибинин 1-тиркемесинин формасы боюнча түзүлдү. Арыз № { $number }.
doc-answer-title = { $date } жылкы № { $number } кайрылууга жооп
doc-answer-to = Кимге
doc-answer-substance = Кайрылуунун маңызы
doc-answer-ground = Кайрылуу боюнча чечим
doc-answer-executor = Жооптуу аткаруучу
doc-answer-signed = Кол койгон
doc-answer-attachments = Тиркемелер
doc-answer-certified-copy = күбөлөндүрүлгөн көчүрмө
doc-answer-sent = Жөнөтүлгөн күнү
doc-answer-channel = Жөнөтүү ыкмасы
doc-answer-basis = Жооп { $mfo } кайрылууларды каттоонун бирдиктүү журналында { $registered } № { $number } менен катталган кайрылууну кароонун жыйынтыгы боюнча керектөөчүлөрдүн кайрылууларын кароо тартибинде берилди: акысыз, катталган күндөн тартып 10 жумуш күнүнүн ичинде (мөөнөт бир жолу 10 жумуш күнүнө узартылышы мүмкүн), кайрылуунун тилинде — мамлекеттик же расмий тилде.
doc-ground-satisfied = Кайрылуу толук канааттандырылды
doc-ground-partially-satisfied = Кайрылуу жарым-жартылай канааттандырылды
doc-ground-refused = Кайрылууну канааттандыруудан баш тартылды
doc-ground-explained = Керектөөчүнүн укуктары жана милдеттери түшүндүрүлдү
doc-signatory-chairman = Башкарма төрагасы
doc-signatory-branch-director = Филиалдын директору
doc-signatory-authorised-person = Ыйгарым укуктуу адам
doc-channel-in-person = колго тапшырылды
doc-channel-registered-mail = заказдык кат менен
doc-channel-email = электрондук почта аркылуу
doc-channel-mobile-app = мобилдик тиркеме аркылуу
doc-statement-title = { $date } жылкы № { $contract } микрокредит берүү жөнүндө келишим боюнча маалымат
doc-statement-request = Карыз алуучунун суроосу
doc-statement-request-value = { $date }
doc-statement-as-of = Абалы боюнча
doc-statement-paid = 1. Төлөнгөн төлөмдөрдүн суммасы
doc-statement-payments = Түшкөн төлөмдөр
doc-statement-next = 2. Кийинки төлөмдөрдүн өлчөмү жана күндөрү
doc-statement-overdue = 3. Мөөнөтү өткөн карыздын суммасы
doc-statement-overdue-since = { $since } тартып мөөнөтү өткөн, { $days } күн
doc-statement-overdue-none = мөөнөтү өткөн карыз жок
doc-statement-allocations = 4. Төлөнгөн төлөмдөрдүн бөлүштүрүлүшү
doc-statement-early-full = 5. Мөөнөтүнөн мурда толук төлөө суммасы
doc-statement-early-partial = 5. Мөөнөтүнөн мурда жарым-жартылай төлөө: адегенде төлөнөт
doc-statement-balance = 6. Негизги карыздын калдыгы
doc-statement-limit = 7. Кредиттик лимит
doc-col-date = Датасы
doc-col-due-date = Төлөм күнү
doc-col-payment = Төлөм
doc-col-amount = Суммасы
doc-col-installment = Төлөм №
doc-col-principal = Негизги карыз
doc-col-interest = Сыйакы
doc-col-total = Бардыгы
doc-statement-basis = Маалымат микрокредитти тейлөө мезгилинде карыз алуучунун суроосу боюнча, суроо алынган күндөн тартып беш жумуш күнүнүн ичинде, акысыз, айына бир жолудан көп эмес берилди. Суммалар келишимдин валютасында { $asOf } күндүн аягындагы маалыматтар боюнча көрсөтүлгөн.
doc-statement-beyond-free = Суроо { $month } календардык айында кайталанган жана акысыз суроого кирбейт.
