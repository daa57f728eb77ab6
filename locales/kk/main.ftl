# mfo-api хабарламалары, қазақ тілі. Идентификаторлары en/main.ftl-дегідей.

## userErrors: ескірген жалпы себептер (енді берілмейді)

INVALID_VALUE = { $field } мәні жарамсыз.
WRONG_STATE = Жазбаның күйі бұл әрекетке жол бермейді.
RULE_REFUSED = Әрекетке { $rule } ережесі тыйым салады.

## userErrors: енгізілген мәндер

REQUIRED = { $field } өрісі міндетті.
TOO_LONG = { $field } өрісі { $maxLength } таңбадан аспауы тиіс.
OUT_OF_RANGE = { $field } мәні рұқсат етілген ауқымнан тыс ({ $range }).
MALFORMED = { $format ->
    [time] { $field } өрісі СС:ММ пішіміндегі уақыт болуы тиіс.
    [phone] { $field } өрісі 7-ден 15-ке дейін цифрдан тұруы тиіс, + ( ) - және бос орын рұқсат етіледі.
    [email] { $field } өрісі электрондық пошта мекенжайы емес.
    [policy] Саясат файлы жарамсыз: { $problem }
    [row] Жол жарамсыз: { $problem }
   *[other] { $field } өрісінің пішімі қате.
}
UNSUPPORTED_VALUE = { $field } өрісі мына мәндердің бірі болуы тиіс: { $allowed }.
DATE_IN_FUTURE = { $field } мәні болашақта.
DATE_OUT_OF_RANGE = { $field } мәні рұқсат етілген кезеңнен тыс.
END_BEFORE_START = { $field } мәні { $start } мәнінен кейін болуы тиіс.
OUT_OF_ORDER = { $field } мәні алдыңғысынан кейін болуы тиіс.
TOO_MANY = { $field } өрісінде { $maxItems } элементтен көп.
FINER_THAN_MINOR_UNIT = { $field } өрісінде үтірден кейін { $scale } таңбадан көп: бұл { $currency } валютасының ең кіші бірлігінен ұсақ.
SUM_MISMATCH = { $field } бөліктерінің сомасы { $expected } емес, { $sum }.
PERIOD_TOO_LONG = Кезең { $maxDays } күннен аспауы тиіс.
EXACTLY_ONE_REQUIRED = Мына өрістердің дәл біреуін көрсетіңіз: { $fields }.
BOTH_OR_NEITHER = { $fields } өрістерінің екеуін де көрсетіңіз немесе ешқайсысын көрсетпеңіз.
NOT_APPLICABLE = { $field } өрісі бұл жерде қолданылмайды.
RECORDS_DO_NOT_MATCH = { $field } өрісі көрсетілген басқа жазбаларға қатысы жоқ жазбаны көрсетеді.
UNKNOWN_REFERENCE = { $field } мәніне сәйкес жазба табылмады.
NOT_A_COLLECTION_AGENCY = Ұйым қарыздың юрисдикциясындағы коллекторлық агенттік емес (R17.2).
POLICY_VERSION_EXISTS = { $jurisdiction } үшін { $effectiveFrom } күнгі саясат нұсқасы бұрыннан бар.
POLICY_BEHIND_RUNNING_CLOCK = Ашық мерзім { $startedOn } күні, жаңа нұсқаның күнінде немесе одан кейін басталды: нұсқа жүріп жатқан мерзімдерге де қолданылуы тиіс болса, --retroactive көрсетіңіз.

## userErrors: күйлер мен қайталаулар

STATUS_DOES_NOT_ALLOW = Жазба { $status } күйінде тұрғанда мүмкін емес.
NO_OPEN_DEADLINE = Өтініштің ұзартуға болатын ашық жауап мерзімі жоқ.
RETRY_WITH_OTHER_INPUT = Сол { $field } мәнімен қайталанған сұрау алғашқысынан өзгеше деректерді қамтиды.
ALREADY_DONE = Бұл бұрын орындалған.
NOT_AT_AGENCY = Қарыз коллекторлық агенттікке берілмеген.
ALREADY_AT_AGENCY = Қарыз коллекторлық агенттікке берілген: алдымен оны кері қайтарып алыңыз.
BEYOND_CHANGE_RETENTION = Бұл өзгерістер сақталатын мерзімнен ({ $days } күн) ерте: тізімді бұл шартсыз қайта оқып, өзгерістерді қазірден бастап қадағалаңыз.
UNSAFE_WEBHOOK_URL = Вебхук мекенжайы https болуы және жария мекенжайды көрсетуі керек ({ $why }).
TOO_MANY_WEBHOOK_ENDPOINTS = Ұйымда { $max } вебхук мекенжайынан артық болмауы керек: біреуін жойыңыз немесе өзгертіңіз.
NOTHING_OVERDUE = Қарыз бойынша хабарлауды қажет ететін мерзімі өткен берешек жоқ (R1).
TERMS_CHANGE_NOTHING = Талаптар ештеңені өзгертпейді (R2).
NOTHING_TO_APPEAL = Тек бас тартуға, үнсіз бас тартуға немесе қол жеткізілмеген келісімге шағым жасалады (R15).

## userErrors: өтініштер (C)

OUT_OF_STEP_ORDER = Әрекеттер тәртібі бұзылды: өтініш тіркеледі, жіберіледі, қаралады, содан кейін оған жауап беріледі (C7).
EXTENSION_ALREADY_USED = Жауап беру мерзімін тек бір рет ұзартуға болады (C8).
NOT_A_WRITTEN_COMPLAINT = Тек жазбаша өтінішті қараусыз қалдыруға болады (C3).
ANONYMITY_NOT_DECIDED = Анонимдік шешіммен емес, тіркеу кезінде өтініштің мазмұны бойынша анықталады (C3).
ABUSIVE_CONTENT_REQUIRED = Балағат мазмұнды келтіріңіз немесе сипаттаңыз (C3).
NOT_AN_ORAL_COMPLAINT = Ауызша жауап беріледі немесе жазбаша беру ұсынылады тек ауызша өтінішке (C12).
NOT_A_SUGGESTION = Тек ұсынысты жауапсыз жабуға болады (C7).
ANSWER_PARTICULAR_REQUIRED = Жауапта { $field } өрісі міндетті (C10).
ANSWER_LANGUAGE_MISMATCH = Жауап өтініштің тілінде ({ $language }) жазылуы тиіс (C10).
ANSWER_DATE_OUT_OF_RANGE = sentAt тіркеу сәті мен қазіргі сәттің арасында болуы тиіс (C10).
LOAN_NOT_SERVICED = Қарыз енді қызмет көрсетілмейді (C9).
RECEPTION_ON_WEEKDAYS_ONLY = Басшылық азаматтарды жұмыс күндері қабылдайды (C13).

## userErrors: қайта құрылымдау (R, D)

NOTICE_CONTENT_MISSING = { $field ->
    [overdueAmount] Хабарламада мерзімі өткен берешек сомасы көрсетілуі тиіс (R1).
    [amountAsOf] Хабарламада сома анықталған күн көрсетілуі тиіс (R1).
    [statesRightToApply] Хабарлама қарыз алушыға МҚҰ-ға жүгіну құқығы туралы хабарлауы тиіс (R1).
    [statesConsequences] Хабарламада міндеттемені орындамаудың салдары көрсетілуі тиіс (R1).
   *[other] Хабарламада міндетті мәлімет жоқ: { $field } (R1).
}
FORGIVENESS_EXCEEDS_OVERDUE = Тек мерзімі өткен негізгі борыш пен сыйақы кешіріледі және мерзімі өткен сомадан аспайды (R2).
NEW_TERM_TOO_SHORT = Жаңа мерзім кемінде бір ай (R2).
LATE_APPLICATION_ONLY_REFUSABLE = Мерзімі өткізіліп берілген өтініш бойынша сот актісі, атқарушылық жазба, бітімгершілік келісім немесе талап ету құқығын беру болса, тек бас тартуға болады (R3).
DOCUMENTS_PENDING = Құжаттар сұралды: шешім олар ұсынылғаннан немесе мерзім өткеннен кейін қабылданады (R6).
INCOME_REQUIRED = Борыштық жүктемені есептеу үшін қарыз алушының ай сайынғы табысы қажет: оны сұратыңыз (R6, R7).
DECISION_UNSIGNED = Шешімге қол қойылуы тиіс (R8).
REFUSAL_REASONS_REQUIRED = Бас тартуда дәлелді себептер көрсетіледі (R8, D1).
DEBT_BURDEN_NOT_LOWERED = Талаптар борыштық жүктемені төмендетпейді: ай сайынғы төлем { $monthlyPaymentBefore } орнына { $monthlyPaymentAfter } болады (R10).
REPLY_DATE_REQUIRED = Қарсы ұсыныста қарыз алушының жауап беру мерзімі көрсетіледі (R12).
REPLY_PERIOD_TOO_SHORT = Қарыз алушының алған сәттен бастап жауап беруге кемінде { $minDays } күнтізбелік күні болуы тиіс (R12).
APPEAL_WINDOW_CLOSED = Шағымды { $lastDay } дейін беру керек еді (R15).
REFUSAL_WINDOW_CLOSED = Кейінге қалдырудан { $lastDay } дейін бас тартуға болатын еді (M3).
HAND_OVER_NOT_ALLOWED = Қазір қарызды коллекторлық агенттікке беруге болмайды ({ $rule }).

## permittedActions: себептер

verdict-allowed = Рұқсат етіледі.
verdict-third-party-locate-only = Тек қарыз алушының тұрғылықты жерін немесе байланыс деректерін анықтау үшін рұқсат етіледі (X5).
verdict-not-a-working-day = Бүгін қарыз алушы үшін жұмыс күні емес (X3/X4).
verdict-outside-hours = { $byContract ->
    [yes] Шартта келісілген { $start }–{ $end } аралығынан тыс, қарыз алушының уақытымен (X4).
   *[no] Қарыз алушының уақытымен { $start }–{ $end } аралығынан тыс (X3/X4).
}
verdict-calls-used-up = Бүгін { $limit } қоңырау шегі таусылды (X3).
verdict-meeting-today-used-up = { $byContract ->
    [yes] Шартта келісілген бүгінгі { $limit } кездесу шегі таусылды (X4).
   *[no] Бүгінгі { $limit } кездесу шегі таусылды (X4).
}
verdict-meetings-this-week-used-up = { $byContract ->
    [yes] Шартта келісілген осы аптадағы { $limit } кездесу шегі таусылды (X4).
   *[no] Осы аптадағы { $limit } кездесу шегі таусылды (X4).
}
verdict-conscript-protected = Қарыз алушы мерзімді әскери қызметте: өндіріп алу шаралары { $until } дейін тоқтатылған (M5).
verdict-deferral-without-interest = Әскери кейінге қалдыру { $until } дейін сыйақысыз (M2).
verdict-application-under-review = Шарт талаптарын өзгерту туралы өтініш қаралуда: мерзімінен бұрын өтеуді талап етуге болмайды (R9).
verdict-at-collection-agency = Борыш коллекторлық агенттікте: осы кезеңде сотқа талап қоюға, сыйақы талап етуге және тұрақсыздық айыбын есептеуге болмайды (R18).
verdict-home-protected = Уәкілетті орган шағымды қарауда: тұрғын үйге өндіріп алуға { $until } дейін болмайды (R16).
verdict-no-mortgage = Микрокредит жылжымайтын мүлік кепілімен қамтамасыз етілмеген (R17.4).
verdict-not-overdue = Мерзімі өткен берешек жоқ.
verdict-overdue-too-short = Мерзімі өткен күндер { $days }; талап ету құқығын беру қатарынан { $needed } күннен кейін ғана мүмкін (R17.3).
verdict-insolvency = Қарыз алушыға төлем қабілеттілігін қалпына келтіру немесе банкроттық рәсімі қолданылуда (R17.3).
verdict-no-reducing-settlement-yet = Кәсіпкерлікпен байланысты емес микрокредит бойынша талап ету құқығын коллекторлық агенттікке беру мерзімі өткен күннен бастап { $months } ай ішінде ({ $windowEnd } дейін) міндеттемені азайтатын реттеу (оның ішінде тұрақсыздық айыбын толық алып тастау) жүргізілгеннен кейін ғана мүмкін; ол әлі жүргізілмеген (R14).
verdict-no-reducing-settlement-passed = Мерзімі өткен күннен бастап { $months } ай ішінде ({ $windowEnd } дейін) міндеттемені азайтатын реттеу жүргізілмеді: талап ету құқығын коллекторлық агенттікке беруге болмайды (R14).
verdict-claim-already-assigned = Талап ету құқығы бұрын берілген.
verdict-contract-forbids-agency = Шартта коллекторлық агенттікті тарту көзделмеген (R17.2).
verdict-already-at-agency = Борыш коллекторлық агенттікке берілген.
verdict-not-a-business = Банкроттық туралы талап тек жеке кәсіпкерге немесе заңды тұлғаға беріледі (R17.5).

## Эскалациялар

escalation-deadline-missed = { $kind ->
    [COMPLAINT_REGISTRATION] өтінішті тіркеу
    [COMPLAINT_ACKNOWLEDGEMENT] өтініштің алынғанын растау
    [COMPLAINT_ANSWER] өтінішке жауап беру
    [INFO_REQUEST_ANSWER] қарыз бойынша ақпарат сұрауына жауап беру
    [DELINQUENCY_NOTICE] мерзімі өткені туралы хабарлама
    [APPLICATION_DOCUMENTS] өтінішке құжаттар ұсыну
    [APPLICATION_DECISION] өтініш бойынша шешім
    [COUNTER_PROPOSAL_REPLY] қарсы ұсынысқа жауап
    [DECISION_IMPLEMENTATION] шешімді орындау
    [MILITARY_DEFERRAL_GRANT] әскери қызметшіге кейінге қалдыру беру
    [MILITARY_REFUSAL_CONFIRMATION] кейінге қалдырудан бас тартуды растау
   *[other] { $kind }
} мерзімі ({ $rule }) өткізіп алынды: соңғы күні { $due }
escalation-deadline-missed-on = { $kind ->
    [COMPLAINT_REGISTRATION] өтінішті тіркеу
    [COMPLAINT_ACKNOWLEDGEMENT] өтініштің алынғанын растау
    [COMPLAINT_ANSWER] өтінішке жауап беру
    [INFO_REQUEST_ANSWER] қарыз бойынша ақпарат сұрауына жауап беру
    [DELINQUENCY_NOTICE] мерзімі өткені туралы хабарлама
    [APPLICATION_DOCUMENTS] өтінішке құжаттар ұсыну
    [APPLICATION_DECISION] өтініш бойынша шешім
    [COUNTER_PROPOSAL_REPLY] қарсы ұсынысқа жауап
    [DECISION_IMPLEMENTATION] шешімді орындау
    [MILITARY_DEFERRAL_GRANT] әскери қызметшіге кейінге қалдыру беру
    [MILITARY_REFUSAL_CONFIRMATION] кейінге қалдырудан бас тартуды растау
   *[other] { $kind }
} мерзімі ({ $rule }) өткізіп алынды, { $subjectType ->
    [complaint] өтініш №
    [application] өтініш №
    [info_request] қарыз бойынша сұрау
    [military_deferral] қарыз бойынша кейінге қалдыру
   *[loan] қарыз
} { $subject }: соңғы күні { $due }
escalation-claim-assigned = { $contract } қарызы бойынша талап ету құқығы { $on } күні { $rule } бұза отырып берілді
escalation-contact-breach = { $contract } қарызы бойынша байланыс ({ $channel ->
    [CALL] қоңырау
    [SMS] SMS
    [EMAIL] электрондық пошта
    [MESSENGER] мессенджер
    [LETTER] хат
    [OFFICE_MEETING] кеңседегі кездесу
   *[other] { $channel }
}) { $rule } бұзды
escalation-misrepresentation = { $contract } қарызы бойынша байланыста коллектор жалған аты-жөнін немесе лауазымын айтты (X6)
escalation-complaint-about-contact = { $journal } өтініші байланыс кезіндегі адал емес тәжірибе туралы хабарлайды (X6)

## Жоғарғы деңгейдегі BAD_USER_INPUT

warning-clearance-malformed = Рұқсатты бұл API бермеген; байланыс рұқсатсыз сақталды.
warning-clearance-foreign = Рұқсат басқа пайдаланушыға, басқа қарызға немесе басқа әрекетке берілген; байланыс рұқсатсыз сақталды.
warning-clearance-expired = Байланыс болған кезде рұқсаттың мерзімі өтіп кеткен; байланыс рұқсатсыз сақталды.
warning-clearance-issued-after-contact = Рұқсат байланыстан кейін берілген; байланыс рұқсатсыз сақталды.
outside-law = { $on } күні { $jurisdiction } юрисдикциясында саясаттың ешбір нұсқасы қолданылмайды: осы API қолданатын ережелер { $jurisdiction } юрисдикциясында { $from } бастап күшіне енеді.
no-policy-loaded = { $jurisdiction } үшін саясаттың ешбір нұсқасы жүктелмеген.

## Құжаттар (PDF): D1, C10 хаттары және C9 үзінді көшірмесі
doc-mfo = Микроқаржы ұйымы
doc-address = Мекенжайы
doc-date = Күні
doc-borrower = Қарыз алушы
doc-document = Құжат
doc-currency = Валюта
doc-refusal-title = Микрокредит беру туралы шарттың талаптарын өзгертуден бас тарту
doc-refusal-appeal = Осы бас тартуды алған күннен бастап он бес күнтізбелік күн ішінде Сіз Кредиторды бір мезгілде хабардар ете отырып, қаржы нарығы мен қаржы ұйымдарын реттеу, бақылау және қадағалау жөніндегі уәкілетті органға жүгінуге құқылысыз («Микроқаржылық қызмет туралы» Қазақстан Республикасы Заңының 9-2-бабы).
doc-refusal-basis = Хат «Микроқаржылық қызмет туралы» Қазақстан Республикасы Заңының 9-2-бабы 3-тармағының 3) тармақшасына сәйкес { $mfo } микрокредиттер бойынша берешекті реттеу шарттары мен тәртібінің 1-қосымшасының нысаны бойынша жасалды. Өтініш № { $number }.
doc-answer-title = { $date } жылғы № { $number } өтінішке жауап
doc-answer-to = Кімге
doc-answer-substance = Өтініштің мәні
doc-answer-ground = Өтініш бойынша шешім
doc-answer-executor = Жауапты орындаушы
doc-answer-signed = Қол қойған
doc-answer-attachments = Қосымшалар
doc-answer-certified-copy = куәландырылған көшірме
doc-answer-sent = Жіберілген күні
doc-answer-channel = Жіберу тәсілі
doc-answer-basis = Жауап { $mfo } өтініштерін есепке алудың бірыңғай журналында { $registered } № { $number } болып тіркелген өтінішті қарау нәтижесі бойынша тұтынушылардың өтініштерін қарау тәртібімен берілді: тегін, тіркелген күннен бастап 10 жұмыс күні ішінде (мерзім бір рет 10 жұмыс күніне ұзартылуы мүмкін), өтініштің тілінде — мемлекеттік немесе ресми тілде.
doc-ground-satisfied = Өтініш толық қанағаттандырылды
doc-ground-partially-satisfied = Өтініш ішінара қанағаттандырылды
doc-ground-refused = Өтінішті қанағаттандырудан бас тартылды
doc-ground-explained = Тұтынушының құқықтары мен міндеттері түсіндірілді
doc-signatory-chairman = Басқарма төрағасы
doc-signatory-branch-director = Филиал директоры
doc-signatory-authorised-person = Уәкілетті тұлға
doc-channel-in-person = қолма-қол тапсырылды
doc-channel-registered-mail = тапсырыс хатпен
doc-channel-email = электрондық пошта арқылы
doc-channel-mobile-app = мобильді қосымша арқылы
doc-statement-title = { $date } жылғы № { $contract } микрокредит беру туралы шарт бойынша ақпарат
doc-statement-request = Қарыз алушының сұрауы
doc-statement-request-value = { $date }
doc-statement-as-of = Жағдай бойынша
doc-statement-paid = 1. Енгізілген төлемдердің сомасы
doc-statement-payments = Түскен төлемдер
doc-statement-next = 2. Келесі төлемдердің мөлшері мен күндері
doc-statement-overdue = 3. Мерзімі өткен берешектің сомасы
doc-statement-overdue-since = { $since } бастап мерзімі өткен, { $days } күн
doc-statement-overdue-none = мерзімі өткен берешек жоқ
doc-statement-allocations = 4. Енгізілген төлемдердің бөлінуі
doc-statement-early-full = 5. Толық мерзімінен бұрын өтеу сомасы
doc-statement-early-partial = 5. Ішінара мерзімінен бұрын өтеу: алдымен өтеледі
doc-statement-balance = 6. Негізгі борыштың қалдығы
doc-statement-limit = 7. Кредиттік лимит
doc-col-date = Күні
doc-col-due-date = Төлем күні
doc-col-payment = Төлем
doc-col-amount = Сомасы
doc-col-installment = Жарна №
doc-col-principal = Негізгі борыш
doc-col-interest = Сыйақы
doc-col-total = Барлығы
doc-statement-basis = Ақпарат микрокредитке қызмет көрсету кезеңінде қарыз алушының сұрауы бойынша, сұрау алынған күннен бастап бес жұмыс күні ішінде, тегін, айына бір реттен жиі емес берілді. Сомалар шарттың валютасында { $asOf } күннің соңындағы деректер бойынша көрсетілген.
doc-statement-beyond-free = Сұрау { $month } күнтізбелік айында қайталама болып табылады және тегін сұрауға кірмейді.
