# mfo-api messages, English. One message per UserErrorReason (its GraphQL name is the id)
# and per i18n::MsgId. Arguments: $field (the input field at fault), $rule (the rule ID)
# and the error's params. Keep the four catalogues (en, ru, kk, ky) with the same ids.

## userErrors: deprecated broad reasons (no longer produced)

INVALID_VALUE = { $field } is not valid.
WRONG_STATE = The record's state does not allow this.
RULE_REFUSED = A rule refuses this ({ $rule }).

## userErrors: input values

REQUIRED = { $field } is required.
TOO_LONG = { $field } must be at most { $maxLength } characters.
OUT_OF_RANGE = { $field } is out of range ({ $range }).
MALFORMED = { $format ->
    [time] { $field } is not an HH:MM time.
    [phone] { $field } must be 7 to 15 digits, optionally with + ( ) - and spaces.
    [email] { $field } is not an e-mail address.
    [policy] The policy file is not valid: { $problem }
    [row] The row is not valid: { $problem }
   *[other] { $field } is malformed.
}
UNSUPPORTED_VALUE = { $field } must be one of: { $allowed }.
DATE_IN_FUTURE = { $field } is in the future.
DATE_OUT_OF_RANGE = { $field } lies outside its allowed period.
END_BEFORE_START = { $field } must be after { $start }.
OUT_OF_ORDER = { $field } must come after the one before it.
TOO_MANY = { $field } has more than { $maxItems } items.
FINER_THAN_MINOR_UNIT = { $field } has more than { $scale } decimal places, the minor unit of { $currency }.
SUM_MISMATCH = The parts of { $field } sum to { $sum }, not to { $expected }.
PERIOD_TOO_LONG = A period is at most { $maxDays } days.
EXACTLY_ONE_REQUIRED = Give exactly one of: { $fields }.
BOTH_OR_NEITHER = Give both { $fields }, or neither.
NOT_APPLICABLE = { $field } does not apply here.
RECORDS_DO_NOT_MATCH = { $field } names a record that does not belong to the others named.
UNKNOWN_REFERENCE = No record matches { $field }.
NOT_A_COLLECTION_AGENCY = Not a collection agency of the loan's jurisdiction (R17.2).
POLICY_VERSION_EXISTS = { $jurisdiction } already has a policy version from { $effectiveFrom }.
POLICY_BEHIND_RUNNING_CLOCK = An open deadline started on { $startedOn }, on or after the new version's date: pass --retroactive if the version is meant to reach back behind running clocks.

## userErrors: states and retries

STATUS_DOES_NOT_ALLOW = Not possible while the record is { $status }.
NO_OPEN_DEADLINE = The complaint has no open answer deadline to extend.
RETRY_WITH_OTHER_INPUT = A retry with the same { $field } carries other input than the first request.
ALREADY_DONE = This was already done.
NOT_AT_AGENCY = The loan is not with a collection agency.
ALREADY_AT_AGENCY = The loan is with a collection agency already: recall it first.
BEYOND_CHANGE_RETENTION = This reaches further back than changes are kept ({ $days } days): read the list again without it, then follow the changes from now.
UNSAFE_WEBHOOK_URL = A webhook URL must be https and name a public address ({ $why }).
TOO_MANY_WEBHOOK_ENDPOINTS = An organisation may have at most { $max } webhook endpoints: remove or reuse one.
NOTHING_OVERDUE = The loan has no overdue to notify of (R1).
TERMS_CHANGE_NOTHING = The terms change nothing (R2).
NOTHING_TO_APPEAL = An appeal follows a refusal, a deemed refusal or a failed agreement (R15).

## userErrors: complaints (C)

OUT_OF_STEP_ORDER = The step is out of order: a complaint is registered, forwarded, reviewed, then answered (C7).
EXTENSION_ALREADY_USED = The answer deadline can be extended only once (C8).
NOT_A_WRITTEN_COMPLAINT = Only a written complaint may be left without consideration (C3).
ANONYMITY_NOT_DECIDED = Anonymity is established at registration from the complaint's content, not by a decision (C3).
ABUSIVE_CONTENT_REQUIRED = Quote or describe the abusive content (C3).
NOT_AN_ORAL_COMPLAINT = Only an oral complaint is answered orally or invited to be written (C12).
NOT_A_SUGGESTION = Only a suggestion may be closed without an answer (C7).
ANSWER_PARTICULAR_REQUIRED = { $field } is required in an answer (C10).
ANSWER_LANGUAGE_MISMATCH = The answer must be written in the complaint's language ({ $language }) (C10).
ANSWER_DATE_OUT_OF_RANGE = sentAt must lie between the registration and now (C10).
LOAN_NOT_SERVICED = The loan is no longer serviced (C9).
RECEPTION_ON_WEEKDAYS_ONLY = Management receives citizens on weekdays (C13).

## userErrors: restructuring (R, D)

NOTICE_CONTENT_MISSING = { $field ->
    [overdueAmount] The notice must state the overdue amount (R1).
    [amountAsOf] The notice must state the date the amount is owed as of (R1).
    [statesRightToApply] The notice must tell the borrower of the right to apply to the MFO (R1).
    [statesConsequences] The notice must state the consequences of non-payment (R1).
   *[other] The notice lacks one of its required contents: { $field } (R1).
}
FORGIVENESS_EXCEEDS_OVERDUE = Only overdue principal and interest can be forgiven, and no more than is overdue (R2).
NEW_TERM_TOO_SHORT = A new term has at least one month (R2).
LATE_APPLICATION_ONLY_REFUSABLE = A late application with a court act, enforcement inscription, settlement or assignment can only be refused (R3).
DOCUMENTS_PENDING = Documents were requested: decide once they are provided or the period lapses (R6).
INCOME_REQUIRED = The debt burden needs the borrower's monthly income: ask for it (R6, R7).
DECISION_UNSIGNED = The decision must be signed (R8).
REFUSAL_REASONS_REQUIRED = A refusal states its motivated reasons (R8, D1).
DEBT_BURDEN_NOT_LOWERED = The terms do not lower the debt burden: the monthly payment goes from { $monthlyPaymentBefore } to { $monthlyPaymentAfter } (R10).
REPLY_DATE_REQUIRED = A counter-proposal gives the borrower a reply date (R12).
REPLY_PERIOD_TOO_SHORT = The borrower must have at least { $minDays } calendar days from receipt to reply (R12).
APPEAL_WINDOW_CLOSED = The appeal had to be filed by { $lastDay } (R15).
REFUSAL_WINDOW_CLOSED = The deferral could be refused until { $lastDay } (M3).
HAND_OVER_NOT_ALLOWED = The loan cannot be handed to a collection agency now ({ $rule }).

## permittedActions: verdict reasons

verdict-allowed = Allowed.
verdict-third-party-locate-only = Allowed only to find the borrower's whereabouts or contact details (X5).
verdict-not-a-working-day = Today is not a working day where the borrower lives (X3/X4).
verdict-outside-hours = { $byContract ->
    [yes] Outside the hours { $start }–{ $end } agreed in the contract, borrower's local time (X4).
   *[no] Outside { $start }–{ $end }, borrower's local time (X3/X4).
}
verdict-calls-used-up = The limit of { $limit } calls a day is used up (X3).
verdict-meeting-today-used-up = { $byContract ->
    [yes] The contract's limit of { $limit } meetings a day is used up (X4).
   *[no] The limit of { $limit } meetings a day is used up (X4).
}
verdict-meetings-this-week-used-up = { $byContract ->
    [yes] The contract's limit of { $limit } meetings a week is used up (X4).
   *[no] The limit of { $limit } meetings a week is used up (X4).
}
verdict-conscript-protected = The borrower is in conscript service: collection is suspended until { $until } (M5).
verdict-deferral-without-interest = A military deferral until { $until }, without interest (M2).
verdict-application-under-review = An application to change the terms is under review: early repayment cannot be demanded (R9).
verdict-at-collection-agency = The debt is with a collection agency: no lawsuit, no interest demanded and no penalty accrued for this period (R18).
verdict-home-protected = The borrower's appeal is under review by the authorised body: no foreclosure on the home until { $until } (R16).
verdict-no-mortgage = The microloan is not secured by a mortgage on real estate (R17.4).
verdict-not-overdue = There is no overdue debt.
verdict-overdue-too-short = Overdue for { $days } days; the claim may be assigned only after more than { $needed } consecutive days (R17.3).
verdict-insolvency = A solvency restoration or bankruptcy procedure applies to the borrower (R17.3).
verdict-no-reducing-settlement-yet = On a microloan not connected with business, the claim may be assigned to a collection agency only after a settlement reducing the obligation (full cancellation of penalties included), carried out within { $months } months of the overdue date, that is by { $windowEnd }; there has been none yet (R14).
verdict-no-reducing-settlement-passed = No settlement reducing the obligation was carried out within { $months } months of the overdue date (by { $windowEnd }): the claim may not be assigned to a collection agency (R14).
verdict-claim-already-assigned = The claim has already been assigned.
verdict-contract-forbids-agency = The contract does not provide for a collection agency (R17.2).
verdict-already-at-agency = The debt is already with a collection agency.
verdict-not-a-business = A bankruptcy petition is filed only against an individual entrepreneur or a legal entity (R17.5).

## Escalations

escalation-deadline-missed = Deadline missed for { $kind ->
    [COMPLAINT_REGISTRATION] registering the complaint
    [COMPLAINT_ACKNOWLEDGEMENT] confirming receipt of the complaint
    [COMPLAINT_ANSWER] answering the complaint
    [INFO_REQUEST_ANSWER] answering the information request
    [DELINQUENCY_NOTICE] the delinquency notice
    [APPLICATION_DOCUMENTS] the application's documents
    [APPLICATION_DECISION] the decision on the application
    [COUNTER_PROPOSAL_REPLY] the reply to the counter-proposal
    [DECISION_IMPLEMENTATION] implementing the decision
    [MILITARY_DEFERRAL_GRANT] granting a conscript's deferral
    [MILITARY_REFUSAL_CONFIRMATION] confirming a refused deferral
   *[other] { $kind }
} ({ $rule }): due { $due }
escalation-deadline-missed-on = Deadline missed for { $kind ->
    [COMPLAINT_REGISTRATION] registering the complaint
    [COMPLAINT_ACKNOWLEDGEMENT] confirming receipt of the complaint
    [COMPLAINT_ANSWER] answering the complaint
    [INFO_REQUEST_ANSWER] answering the information request
    [DELINQUENCY_NOTICE] the delinquency notice
    [APPLICATION_DOCUMENTS] the application's documents
    [APPLICATION_DECISION] the decision on the application
    [COUNTER_PROPOSAL_REPLY] the reply to the counter-proposal
    [DECISION_IMPLEMENTATION] implementing the decision
    [MILITARY_DEFERRAL_GRANT] granting a conscript's deferral
    [MILITARY_REFUSAL_CONFIRMATION] confirming a refused deferral
   *[other] { $kind }
} ({ $rule }), { $subjectType ->
    [complaint] complaint No.
    [application] application No.
    [info_request] request on loan
    [military_deferral] deferral on loan
   *[loan] loan
} { $subject }: due { $due }
escalation-claim-assigned = The claim on loan { $contract } was assigned on { $on } against { $rule }
escalation-contact-breach = A contact ({ $channel ->
    [CALL] call
    [SMS] SMS
    [EMAIL] e-mail
    [MESSENGER] messenger
    [LETTER] letter
    [OFFICE_MEETING] office meeting
   *[other] { $channel }
}) on loan { $contract } broke { $rule }
escalation-misrepresentation = A collector gave a false name or position in a contact on loan { $contract } (X6)
escalation-complaint-about-contact = Complaint { $journal } reports unfair practice in a contact (X6)

## Top-level BAD_USER_INPUT

warning-clearance-malformed = The clearance is not one this API issued; the contact is stored uncleared.
warning-clearance-foreign = The clearance was issued for another caller, loan or action; the contact is stored uncleared.
warning-clearance-expired = The clearance had expired when the contact happened; the contact is stored uncleared.
warning-clearance-issued-after-contact = The clearance was issued after the contact happened; the contact is stored uncleared.
outside-law = No { $jurisdiction } policy version is in force on { $on }: the rules this API applies take effect in { $jurisdiction } on { $from }.
no-policy-loaded = No { $jurisdiction } policy version is loaded.

## Documents (PDF): the D1 and C10 letters and the C9 statement. The law gives them in
## Russian, Kazakh or Kyrgyz; English is here for the catalogues' symmetry and for logs.
doc-mfo = Microfinance organisation
doc-address = Address
doc-date = Date
doc-borrower = Borrower
doc-document = Document
doc-currency = Currency
doc-refusal-title = Refusal to change the terms of the microcredit agreement
doc-refusal-appeal = Within fifteen calendar days of receiving this refusal you may appeal to the authority that regulates, controls and supervises the financial market and financial organisations, notifying the Creditor at the same time (art. 9-2 of the Law of the Republic of Kazakhstan "On microfinance activity").
doc-refusal-basis = This letter follows the form of appendix 1 to the debt-settlement terms of { $mfo }, under art. 9-2(3)(3) of the Law of the Republic of Kazakhstan "On microfinance activity". Application No. { $number }.
doc-answer-title = Answer to complaint No. { $number } of { $date }
doc-answer-to = To
doc-answer-substance = Substance of the complaint
doc-answer-ground = Decision
doc-answer-executor = Responsible executor
doc-answer-signed = Signed by
doc-answer-attachments = Attachments
doc-answer-certified-copy = certified copy
doc-answer-sent = Sent on
doc-answer-channel = Sent by
doc-answer-basis = This answer closes the review of the complaint registered on { $registered } in the single complaint journal of { $mfo } under No. { $number }, under the consumer-complaint procedure: free of charge, within 10 business days of registration (extendable once by 10 business days), in the complaint's language, the state or the official language.
doc-ground-satisfied = The complaint is satisfied in full
doc-ground-partially-satisfied = The complaint is satisfied in part
doc-ground-refused = The complaint is refused
doc-ground-explained = The consumer's rights and duties are explained
doc-signatory-chairman = Chairman of the board
doc-signatory-branch-director = Branch director
doc-signatory-authorised-person = Authorised person
doc-channel-in-person = handed over in person
doc-channel-registered-mail = by registered mail
doc-channel-email = by e-mail
doc-channel-mobile-app = through the mobile app
doc-statement-title = Information on microcredit agreement No. { $contract } of { $date }
doc-statement-request = Borrower's request
doc-statement-request-value = of { $date }
doc-statement-as-of = As of
doc-statement-paid = 1. Amount paid
doc-statement-payments = Payments received
doc-statement-next = 2. Size and dates of the next payments
doc-statement-overdue = 3. Overdue amount
doc-statement-overdue-since = overdue since { $since }, { $days } days
doc-statement-overdue-none = nothing is overdue
doc-statement-allocations = 4. How payments were allocated
doc-statement-early-full = 5. Full early repayment
doc-statement-early-partial = 5. Partial early repayment first covers
doc-statement-balance = 6. Principal balance
doc-statement-limit = 7. Credit limit
doc-col-date = Date
doc-col-due-date = Due date
doc-col-payment = Payment
doc-col-amount = Amount
doc-col-installment = Installment
doc-col-principal = Principal
doc-col-interest = Interest
doc-col-total = Total
doc-statement-basis = Given at the borrower's request while the microcredit is serviced, within five business days of the request, free of charge, at most once a month. Amounts are in the agreement's currency as of the end of { $asOf }.
doc-statement-beyond-free = This is a further request in the calendar month { $month } and not the free one.
